//! Rhythm styles (`synth.py`: `rhythm_*`, tempo-aware): kicks are sines with an exponential
//! pitch-less decay, hats are high-passed noise bursts, placed on a grid of slots per beat that
//! stays aligned across chunks through `t_offset`.

use rand::Rng;

use super::{Ctx, jittered};
use crate::synth::primitives::{SAMPLE_RATE, Sample, SynthRng, adsr, filtered_sine, highpass, noise};
use crate::synth::score::Score;

const SR: f64 = SAMPLE_RATE as f64;

/// Slot start times within this buffer and the global index of the first slot
/// (`_rhythm_slot_times`).
pub fn slot_times(ctx: &Ctx, slots_per_beat: u32) -> (Vec<f64>, usize) {
    let slot = ctx.config.seconds_per_beat() / slots_per_beat as f64;
    if slot <= 0.0 {
        return (Vec::new(), 0);
    }
    let at_offset = (ctx.t_offset / slot) as usize;
    let first = if (at_offset as f64 * slot - ctx.t_offset).abs() < 1e-9 { at_offset } else { at_offset + 1 };
    let mut times = Vec::new();
    let mut k = first;
    loop {
        let local = k as f64 * slot - ctx.t_offset;
        if local >= ctx.duration {
            break;
        }
        times.push(local);
        k += 1;
    }
    (times, first)
}

/// A kick: a sine at `freq` for `dur` seconds under `exp(−linspace(0, fall, n))`, low-passed.
fn kick(freq: f64, dur: f64, amp: f64, t: f64, fall: f64, cutoff: f64) -> Vec<Sample> {
    filtered_sine(freq, dur, amp, t, fall, cutoff)
}

/// A hat: noise, high-passed, with a 1 ms attack (the noise's one draw made now).
fn hat(
    rng: &mut SynthRng,
    dur: f64,
    amp: f64,
    cutoff: f64,
    release: f64,
) -> impl FnOnce() -> Vec<Sample> + Send + use<> {
    let seed = rng.next_u64();
    move || {
        let mut h = noise(seed, dur, amp);
        highpass(&mut h, cutoff);
        adsr(&mut h, 0.001, 0.02, 0.1, release);
        h
    }
}

/// Kicks where `pattern` (cycled over eighth-note slots) has a 1.
fn kick_pattern<R: FnOnce() -> Vec<Sample> + Send + 'static>(
    ctx: &Ctx,
    pattern: &[u8],
    mut kick_at: impl FnMut(f64) -> R,
) -> Score<'static> {
    let mut score = Score::new();
    let (times, offset) = slot_times(ctx, 2);
    for (i, t) in times.iter().enumerate() {
        if pattern[(offset + i) % pattern.len()] == 0 {
            continue;
        }
        score.add((t * SR) as usize, kick_at(*t));
    }
    score
}

pub fn minimal(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let human = ctx.config.human;
    let score = kick_pattern(ctx, &[1, 0, 0, 0, 0, 0, 0, 0], |t| {
        let t = ctx.t_offset + t;
        jittered(human, rng, move || kick(60.0, 0.15, 0.35, t, 8.0, 150.0))
    });
    score.reverb(ctx.space() * 0.3, ctx.space() * 0.5)
}

pub fn heartbeat(ctx: &Ctx) -> Score<'static> {
    kick_pattern(ctx, &[1, 1, 0, 0, 0, 0, 0, 0], |t| {
        let t = ctx.t_offset + t;
        move || kick(55.0, 0.12, 0.32, t, 10.0, 120.0)
    })
}

pub fn soft_four(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let mut score = Score::new();
    for t in slot_times(ctx, 1).0 {
        let at = ctx.t_offset + t;
        score.add(
            (t * SR) as usize,
            jittered(ctx.config.human, rng, move || kick(50.0, 0.18, 0.28, at, 6.0, 100.0)),
        );
    }
    score.reverb(ctx.space() * 0.25, ctx.space() * 0.4)
}

pub fn hats_only(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let mut score = Score::new();
    for t in slot_times(ctx, 4).0 {
        let h = hat(rng, 0.05, 0.08, 6000.0, 0.03);
        score.add((t * SR) as usize, jittered(ctx.config.human, rng, h));
    }
    score
}

pub fn electronic(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    // Sixteenth-note grid: kicks on the beats, hats on the off-beat eighths.
    const KICKS: [u8; 16] = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0];
    const HATS: [u8; 16] = [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0];
    let mut score = Score::new();
    let (times, offset) = slot_times(ctx, 4);
    for (i, t) in times.iter().enumerate() {
        let idx = (offset + i) % 16;
        let start = (t * SR) as usize;
        if KICKS[idx] == 1 {
            let at = ctx.t_offset + t;
            score.add(start, move || kick(45.0, 0.2, 0.35, at, 8.0, 100.0));
        }
        if HATS[idx] == 1 {
            score.add(start, hat(rng, 0.06, 0.06, 7000.0, 0.04));
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::primitives::{lowpass, sine};

    #[test]
    fn a_kick_decays_as_exp_of_a_linspace() {
        // The definition: sin under exp(−linspace(0, fall, n)), then the low-pass.
        let (freq, dur, amp, t, fall, cutoff) = (45.0, 0.2, 0.35, 1.25, 8.0, 100.0);
        let mut want = sine(freq, dur, amp, t);
        let n = want.len();
        for (i, v) in want.iter_mut().enumerate() {
            *v *= (-(fall * i as f64 / (n - 1) as f64)).exp() as Sample;
        }
        lowpass(&mut want, cutoff);
        let got = kick(freq, dur, amp, t, fall, cutoff);
        assert_eq!(got.len(), 8820);
        // The running product's single-precision rounding over a 256-sample run: ~1e-6.
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() < 1e-5, "[{i}] {g} vs {w}");
        }
    }
}
