//! Texture and accent styles (`synth.py`: `texture_*`, `accent_*`): shimmering high sines, noise
//! beds, random plinks and crackles, and sparse bells, plucks and chimes.

use rand::RngExt;

use super::{Ctx, note};
use crate::synth::harmony::scale_freq;
use crate::synth::primitives::{
    Lfo, Osc, SAMPLE_RATE, Sample, Sine, SynthRng, adsr, delay, highpass, humanize, lfo, lowpass, mix_into,
    noise, reverb, samples, sine,
};

const SR: f64 = SAMPLE_RATE as f64;

/// Whole-length high sines on `degrees` (octave 6) under an LFO tremolo, summed.
fn shimmer_with(
    ctx: &Ctx,
    degrees: &[i32],
    amp: f64,
    rate: f64,
    depth: (f64, f64),
    env: [f64; 4],
) -> Vec<Sample> {
    let (c, am) = (ctx.config, ctx.attack());
    // Every tone takes the same tremolo and envelope, so the sum takes them once; the tones and
    // the tremolo (the `lfo`) are built a block at a time, while it is in cache.
    let tones: Vec<Sine> =
        degrees.iter().map(|d| Sine::new(scale_freq(c, *d, 6), ctx.duration, amp, ctx.t_offset)).collect();
    let lfo = Lfo::new(ctx.duration, rate);
    // Each block is zeroed just before its tones are added, while it is in cache.
    let n = samples(ctx.duration);
    let mut signal: Vec<Sample> = Vec::with_capacity(n);
    let mut tremolo: [Sample; Sine::BLOCK] = [0.0; Sine::BLOCK];
    let depth = (depth.0 as Sample, depth.1 as Sample);
    for first in (0..n).step_by(Sine::BLOCK) {
        let end = (first + Sine::BLOCK).min(n);
        signal.resize(end, 0.0);
        let block = &mut signal[first..end];
        for tone in &tones {
            tone.add(block, first);
        }
        let tremolo = &mut tremolo[..block.len()];
        lfo.write(tremolo, first);
        for (v, w) in block.iter_mut().zip(tremolo.iter()) {
            *v *= depth.0 + depth.1 * w;
        }
    }
    adsr(&mut signal, env[0] * am, env[1], env[2], env[3] * am);
    signal
}

pub fn shimmer(ctx: &Ctx) -> Vec<Sample> {
    let em = ctx.echo();
    let rate = 2.0 / (ctx.config.motion + 0.2);
    let signal = shimmer_with(ctx, &[0, 2, 4], 0.04, rate, (0.5, 0.5), [0.5, 0.3, 0.8, 1.5]);
    let signal = delay(signal, 0.4, 0.5 * em, 0.4 * em);
    reverb(signal, ctx.space() * 0.8, ctx.space())
}

pub fn shimmer_slow(ctx: &Ctx) -> Vec<Sample> {
    let em = ctx.echo();
    let rate = 0.5 / (ctx.config.motion + 0.2);
    let signal = shimmer_with(ctx, &[0, 4], 0.035, rate, (0.4, 0.6), [1.0, 0.5, 0.85, 2.0]);
    let signal = delay(signal, 0.5, 0.55 * em, 0.45 * em);
    reverb(signal, ctx.space() * 0.85, ctx.space())
}

pub fn vinyl_crackle(ctx: &Ctx, rng: &mut SynthRng) -> Vec<Sample> {
    let mut signal = ctx.track();
    let crackles = (ctx.duration * 20.0) as usize;
    for _ in 0..crackles {
        let pos = rng.random_range(0..signal.len().saturating_sub(100).max(1));
        let amp = rng.random_range(0.01..0.04);
        let mut crackle = noise(rng, 0.002, amp);
        highpass(&mut crackle, 2000.0);
        signal.add(&crackle, pos);
    }
    let mut hiss = noise(rng, ctx.duration, 0.008);
    lowpass(&mut hiss, 8000.0);
    highpass(&mut hiss, 1000.0);
    let mut signal = signal.finish();
    mix_into(&mut signal, &hiss, 1.0);
    signal
}

pub fn breath(ctx: &Ctx, rng: &mut SynthRng) -> Vec<Sample> {
    let c = ctx.config;
    let mut signal = noise(rng, ctx.duration, 0.06);
    let freq = scale_freq(c, 0, 3);
    lowpass(&mut signal, freq * 2.0);
    highpass(&mut signal, freq * 0.5);
    for (v, w) in signal.iter_mut().zip(lfo(ctx.duration, 0.2 / (c.motion + 0.1))) {
        *v *= w;
    }
    reverb(signal, ctx.space() * 0.6, ctx.space() * 0.8)
}

pub fn stars(ctx: &Ctx, rng: &mut SynthRng) -> Vec<Sample> {
    let em = ctx.echo();
    let mut signal = ctx.track();
    let count = (ctx.duration * 3.0) as usize;
    let degrees = [0, 2, 4, 5];
    for _ in 0..count {
        let pos = rng.random_range(0..signal.len().saturating_sub(SAMPLE_RATE as usize).max(1));
        let degree = degrees[rng.random_range(0..degrees.len())];
        let start_sec = pos as f64 / SR;
        let amp = rng.random_range(0.02..0.05);
        let mut star = sine(scale_freq(ctx.config, degree, 6), 0.3, amp, ctx.t_offset + start_sec);
        adsr(&mut star, 0.01, 0.1, 0.1, 0.2);
        signal.add(&star, pos);
    }
    let signal = delay(signal.finish(), 0.4, 0.5 * em, 0.4 * em);
    reverb(signal, ctx.space() * 0.9, ctx.space())
}

/// Hits on a 16-step pattern spread over the render (−1 rests).
fn hits(ctx: &Ctx, pattern: [i32; 16], mut hit: impl FnMut(i32, f64) -> Vec<Sample>) -> Vec<Sample> {
    let mut signal = ctx.track();
    let hit_dur = ctx.duration / 16.0;
    for (i, degree) in pattern.iter().enumerate() {
        if *degree < 0 {
            continue;
        }
        let start = (i as f64 * hit_dur * SR) as usize;
        let n = hit(*degree, start as f64 / SR);
        signal.add(&n, start);
    }
    signal.finish()
}

pub fn bells(ctx: &Ctx, rng: &mut SynthRng) -> Vec<Sample> {
    let (c, am) = (ctx.config, ctx.attack());
    const R: i32 = -1;
    let signal = hits(ctx, [0, R, R, R, 4, R, R, R, 2, R, R, R, R, R, R, R], |degree, start_sec| {
        let freq = scale_freq(c, degree, 5);
        let t = ctx.t_offset + start_sec;
        let mut bell = sine(freq, 0.8, 0.12, t);
        for (partial, amp) in [(2.0, 0.06), (3.0, 0.03)] {
            mix_into(&mut bell, &sine(freq * partial, 0.8, amp, t), 1.0);
        }
        adsr(&mut bell, 0.005 * am, 0.2, 0.1, 0.6 * am);
        humanize(&mut bell, c.human, rng);
        bell
    });
    reverb(signal, ctx.space() * 0.6, ctx.space() * 0.8)
}

pub fn pluck(ctx: &Ctx, rng: &mut SynthRng) -> Vec<Sample> {
    let (c, am) = (ctx.config, ctx.attack());
    const R: i32 = -1;
    let signal = hits(ctx, [0, R, R, 4, R, R, 2, R, R, R, 0, R, R, R, R, R], |degree, start_sec| {
        let (t, cutoff) = (ctx.t_offset + start_sec, 1500.0 * ctx.b() + 400.0);
        let mut p = note(
            Osc::Triangle,
            scale_freq(c, degree, 4),
            0.5,
            0.15,
            t,
            cutoff,
            [0.003 * am, 0.15, 0.05, 0.4 * am],
        );
        humanize(&mut p, c.human, rng);
        p
    });
    reverb(signal, ctx.space() * 0.5, ctx.space() * 0.7)
}

pub fn chime(ctx: &Ctx, rng: &mut SynthRng) -> Vec<Sample> {
    let em = ctx.echo();
    let mut signal = ctx.track();
    let count = (ctx.duration * 1.5) as usize;
    let degrees = [0, 2, 4, 5, 6];
    for _ in 0..count {
        let max_start = signal.len() as i64 - SAMPLE_RATE as i64;
        let pos = if max_start <= 0 { 0 } else { rng.random_range(0..max_start as usize) };
        let degree = degrees[rng.random_range(0..degrees.len())];
        let freq = scale_freq(ctx.config, degree, 5);
        let t = ctx.t_offset + pos as f64 / SR;
        let amp = rng.random_range(0.06..0.12);
        let mut c = sine(freq, 1.2, amp, t);
        mix_into(&mut c, &sine(freq * 2.0, 1.2, 0.03, t), 1.0);
        adsr(&mut c, 0.002, 0.3, 0.05, 0.9);
        signal.add(&c, pos);
    }
    let signal = delay(signal.finish(), 0.3, 0.4 * em, 0.3 * em);
    reverb(signal, ctx.space() * 0.75, ctx.space() * 0.9)
}
