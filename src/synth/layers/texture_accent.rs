//! Texture and accent styles (`synth.py`: `texture_*`, `accent_*`): shimmering high sines, noise
//! beds, random plinks and crackles, and sparse bells, plucks and chimes.

use rand::{Rng, RngExt};

use super::{Ctx, Voice, jittered};
use crate::synth::harmony::scale_freq;
use crate::synth::primitives::{
    self, Adsr, Lfo, Osc, SAMPLE_RATE, Sample, Sine, SineFrom, SynthRng, adsr, adsr_window, highpass, lfo,
    lowpass, noise, samples, sine,
};
use crate::synth::score::Score;

const SR: f64 = SAMPLE_RATE as f64;

/// Samples of a shimmer rendered as one note: a whole number of [`Sine::BLOCK`]s.
const SHIMMER_PIECE: usize = 1 << 16;

/// A shimmer's sound: whole-length high sines on `degrees` (octave 6) under an LFO tremolo
/// (`depth.0 + depth.1 · lfo` at `rate / (motion + 0.2)` Hz), enveloped, then a delay and a
/// reverb.
struct Shimmer {
    degrees: &'static [i32],
    amp: f64,
    rate: f64,
    depth: (f64, f64),
    /// Attack (× attack), decay, sustain, release (× attack).
    env: [f64; 4],
    /// Delay time, feedback (× echo), wet (× echo).
    delay: [f64; 3],
    /// Reverb room (× space); its size is the space.
    room: f64,
}

const SHIMMER: Shimmer = Shimmer {
    degrees: &[0, 2, 4],
    amp: 0.04,
    rate: 2.0,
    depth: (0.5, 0.5),
    env: [0.5, 0.3, 0.8, 1.5],
    delay: [0.4, 0.5, 0.4],
    room: 0.8,
};

const SHIMMER_SLOW: Shimmer = Shimmer {
    degrees: &[0, 4],
    amp: 0.035,
    rate: 0.5,
    depth: (0.4, 0.6),
    env: [1.0, 0.5, 0.85, 2.0],
    delay: [0.5, 0.55, 0.45],
    room: 0.85,
};

/// A shimmer's score: its tones as notes of [`SHIMMER_PIECE`] samples (each the part of the
/// whole it covers, so the pieces render on any thread as the render reaches them), then its
/// delay and reverb.
fn shimmer_score(ctx: &Ctx, style: &Shimmer) -> Score<'static> {
    let (c, am, em) = (ctx.config, ctx.attack(), ctx.echo());
    // Every tone takes the same tremolo and envelope, so the sum takes them once; the tones and
    // the tremolo (the `lfo`) are built a block at a time, while it is in cache.
    let tones: Vec<Sine> = style
        .degrees
        .iter()
        .map(|d| Sine::new(scale_freq(c, *d, 6), ctx.duration, style.amp, ctx.t_offset))
        .collect();
    let lfo = Lfo::new(ctx.duration, style.rate / (c.motion + 0.2));
    let n = samples(ctx.duration);
    let depth = (style.depth.0 as Sample, style.depth.1 as Sample);
    let env = style.env;
    let mut score = Score::new();
    for piece in (0..n).step_by(SHIMMER_PIECE) {
        let tones = tones.clone();
        score.add(piece, move || {
            let len = (piece + SHIMMER_PIECE).min(n) - piece;
            let mut signal: Vec<Sample> = Vec::with_capacity(len);
            let mut tremolo: [Sample; Sine::BLOCK] = [0.0; Sine::BLOCK];
            let mut tones: Vec<SineFrom> = tones.iter().map(|tone| tone.from(piece)).collect();
            // The first tone written (not added into zeros), the others added.
            let Some((first, rest)) = tones.split_first_mut() else { return vec![0.0; len] };
            let mut lfo = lfo.from(piece);
            for start in (0..len).step_by(Sine::BLOCK) {
                let m = (len - start).min(Sine::BLOCK);
                first.extend(&mut signal, m);
                let block = &mut signal[start..];
                for tone in rest.iter_mut() {
                    tone.add(block);
                }
                let tremolo = &mut tremolo[..m];
                lfo.write(tremolo);
                primitives::tremolo(block, tremolo, depth);
            }
            let shape = Adsr { attack: env[0] * am, decay: env[1], sustain: env[2], release: env[3] * am };
            adsr_window(&mut signal, piece, n, shape);
            signal
        });
    }
    let d = style.delay;
    score.delay(d[0], d[1] * em, d[2] * em).reverb(ctx.space() * style.room, ctx.space())
}

pub fn shimmer(ctx: &Ctx) -> Score<'static> {
    shimmer_score(ctx, &SHIMMER)
}

pub fn shimmer_slow(ctx: &Ctx) -> Score<'static> {
    shimmer_score(ctx, &SHIMMER_SLOW)
}

pub fn vinyl_crackle(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let n = samples(ctx.duration);
    let mut score = Score::new();
    let crackles = (ctx.duration * 20.0) as usize;
    for _ in 0..crackles {
        let pos = rng.random_range(0..n.saturating_sub(100).max(1));
        let amp = rng.random_range(0.01..0.04);
        let seed = rng.next_u64();
        score.add(pos, move || {
            let mut crackle = noise(seed, 0.002, amp);
            highpass(&mut crackle, 2000.0);
            crackle
        });
    }
    // The hiss is added after every crackle, as the reference mixes it into their sum.
    let (seed, duration) = (rng.next_u64(), ctx.duration);
    score.add(0, move || {
        let mut hiss = noise(seed, duration, 0.008);
        lowpass(&mut hiss, 8000.0);
        highpass(&mut hiss, 1000.0);
        hiss
    });
    score
}

pub fn breath(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let (duration, motion) = (ctx.duration, ctx.config.motion);
    let (seed, freq) = (rng.next_u64(), scale_freq(ctx.config, 0, 3));
    let mut score = Score::new();
    score.add(0, move || {
        let mut signal = noise(seed, duration, 0.06);
        lowpass(&mut signal, freq * 2.0);
        highpass(&mut signal, freq * 0.5);
        for (v, w) in signal.iter_mut().zip(lfo(duration, 0.2 / (motion + 0.1))) {
            *v *= w;
        }
        signal
    });
    score.reverb(ctx.space() * 0.6, ctx.space() * 0.8)
}

pub fn stars(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let em = ctx.echo();
    let n = samples(ctx.duration);
    let mut score = Score::new();
    let count = (ctx.duration * 3.0) as usize;
    let degrees = [0, 2, 4, 5];
    for _ in 0..count {
        let pos = rng.random_range(0..n.saturating_sub(SAMPLE_RATE as usize).max(1));
        let degree = degrees[rng.random_range(0..degrees.len())];
        let (t, freq) = (ctx.t_offset + pos as f64 / SR, scale_freq(ctx.config, degree, 6));
        let amp = rng.random_range(0.02..0.05);
        score.add(pos, move || {
            let mut star = sine(freq, 0.3, amp, t);
            adsr(&mut star, 0.01, 0.1, 0.1, 0.2);
            star
        });
    }
    score.delay(0.4, 0.5 * em, 0.4 * em).reverb(ctx.space() * 0.9, ctx.space())
}

/// Hits on a 16-step pattern spread over the render (−1 rests): `hit(degree, start)` places one.
fn hits<R: FnOnce() -> Vec<Sample> + Send + 'static>(
    ctx: &Ctx,
    pattern: [i32; 16],
    mut hit: impl FnMut(i32, f64) -> R,
) -> Score<'static> {
    let mut score = Score::new();
    let hit_dur = ctx.duration / 16.0;
    for (i, degree) in pattern.iter().enumerate() {
        if *degree < 0 {
            continue;
        }
        let start = (i as f64 * hit_dur * SR) as usize;
        score.add(start, hit(*degree, start as f64 / SR));
    }
    score
}

pub fn bells(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let (c, am) = (ctx.config, ctx.attack());
    const R: i32 = -1;
    let score = hits(ctx, [0, R, R, R, 4, R, R, R, 2, R, R, R, R, R, R, R], |degree, start_sec| {
        let (freq, t) = (scale_freq(c, degree, 5), ctx.t_offset + start_sec);
        jittered(c.human, rng, move || {
            let mut bell = sine(freq, 0.8, 0.12, t);
            for (partial, amp) in [(2.0, 0.06), (3.0, 0.03)] {
                Osc::Sine.add(&mut bell, freq * partial, 0.8, amp, t);
            }
            adsr(&mut bell, 0.005 * am, 0.2, 0.1, 0.6 * am);
            bell
        })
    });
    score.reverb(ctx.space() * 0.6, ctx.space() * 0.8)
}

pub fn pluck(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let (c, am) = (ctx.config, ctx.attack());
    const R: i32 = -1;
    let score = hits(ctx, [0, R, R, 4, R, R, 2, R, R, R, 0, R, R, R, R, R], |degree, start_sec| {
        let (t, cutoff, freq) =
            (ctx.t_offset + start_sec, 1500.0 * ctx.b() + 400.0, scale_freq(c, degree, 4));
        jittered(c.human, rng, move || {
            let voice = Voice { osc: Osc::Triangle, cutoff, env: [0.003 * am, 0.15, 0.05, 0.4 * am] };
            voice.note(freq, 0.5, 0.15, t)
        })
    });
    score.reverb(ctx.space() * 0.5, ctx.space() * 0.7)
}

pub fn chime(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let em = ctx.echo();
    let n = samples(ctx.duration);
    let mut score = Score::new();
    let count = (ctx.duration * 1.5) as usize;
    let degrees = [0, 2, 4, 5, 6];
    for _ in 0..count {
        let max_start = n as i64 - SAMPLE_RATE as i64;
        let pos = if max_start <= 0 { 0 } else { rng.random_range(0..max_start as usize) };
        let degree = degrees[rng.random_range(0..degrees.len())];
        let freq = scale_freq(ctx.config, degree, 5);
        let t = ctx.t_offset + pos as f64 / SR;
        let amp = rng.random_range(0.06..0.12);
        score.add(pos, move || {
            let mut c = sine(freq, 1.2, amp, t);
            Osc::Sine.add(&mut c, freq * 2.0, 1.2, 0.03, t);
            adsr(&mut c, 0.002, 0.3, 0.05, 0.9);
            c
        });
    }
    score.delay(0.3, 0.4 * em, 0.3 * em).reverb(ctx.space() * 0.75, ctx.space() * 0.9)
}
