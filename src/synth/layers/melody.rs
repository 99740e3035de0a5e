//! Melody styles (`synth.py`: `melody_*`): the pattern melodies, which spread a 16-step figure
//! over the whole render, the ornamental and arpeggio figures, and the procedural engine's notes.

use super::{Ctx, Voice, at, jittered};
use crate::synth::harmony::{NoteEvent, procedural_melody_events, scale_freq};
use crate::synth::primitives::{SAMPLE_RATE, SynthRng, samples};
use crate::synth::score::Score;

const SR: f64 = SAMPLE_RATE as f64;

/// A 16-step pattern melody: degrees (−1 rests) at octave 5, and its sound.
pub struct Figure {
    pub pattern: [i32; 16],
    /// Note length as a multiple of the step.
    pub length: f64,
    pub amp: f64,
    /// Low-pass cutoff = `cutoff.0 × brightness + cutoff.1`.
    pub cutoff: (f64, f64),
    /// Attack (× attack), decay, sustain, release (× attack).
    pub env: [f64; 4],
    /// Delay time, feedback (× echo), wet (× echo).
    pub delay: [f64; 3],
    /// Reverb room and size (× space).
    pub reverb: [f64; 2],
}

const R: i32 = -1;

pub const CONTEMPLATIVE: Figure = Figure {
    pattern: [0, R, 2, R, 4, R, 2, R, 0, R, R, R, 2, R, R, R],
    length: 1.5,
    amp: 0.18,
    cutoff: (800.0, 200.0),
    env: [0.1, 0.3, 0.6, 0.8],
    delay: [0.35, 0.4, 0.3],
    reverb: [0.6, 0.8],
};

pub const RISING: Figure = Figure {
    pattern: [0, R, 2, R, 4, R, R, 5, R, R, 6, R, R, R, R, R],
    length: 1.8,
    amp: 0.16,
    cutoff: (900.0, 250.0),
    env: [0.08, 0.25, 0.55, 0.9],
    delay: [0.33, 0.35, 0.28],
    reverb: [0.55, 0.75],
};

pub const FALLING: Figure = Figure {
    pattern: [6, R, R, 5, R, R, 4, R, 2, R, R, 0, R, R, R, R],
    length: 1.6,
    amp: 0.17,
    cutoff: (850.0, 220.0),
    env: [0.1, 0.28, 0.52, 0.85],
    delay: [0.38, 0.38, 0.3],
    reverb: [0.58, 0.78],
};

pub const MINIMAL: Figure = Figure {
    pattern: [4, R, R, R, R, R, R, R, 2, R, R, R, R, R, R, R],
    length: 2.5,
    amp: 0.20,
    cutoff: (600.0, 150.0),
    env: [0.15, 0.4, 0.5, 1.2],
    delay: [0.5, 0.45, 0.4],
    reverb: [0.7, 0.9],
};

/// Delay then reverb, as every melody ends.
fn finish<'a>(ctx: &Ctx, score: Score<'a>, d: [f64; 3], r: [f64; 2]) -> Score<'a> {
    let em = ctx.echo();
    score.delay(d[0], d[1] * em, d[2] * em).reverb(ctx.space() * r[0], ctx.space() * r[1])
}

pub fn pattern(ctx: &Ctx, fig: &Figure, rng: &mut SynthRng) -> Score<'static> {
    let (c, am, osc, amp) = (ctx.config, ctx.attack(), ctx.osc(), fig.amp);
    let note_dur = ctx.duration / fig.pattern.len() as f64;
    let (cutoff, env) = (fig.cutoff.0 * ctx.b() + fig.cutoff.1, fig.env);
    let env = [env[0] * am, env[1], env[2], env[3] * am];
    let mut score = Score::new();
    for (i, degree) in fig.pattern.iter().enumerate().filter(|(_, degree)| **degree >= 0) {
        let start = i as f64 * note_dur;
        let (freq, dur, t) = (scale_freq(c, *degree, 5), note_dur * fig.length, ctx.t_offset + start);
        score.add(
            at(start),
            jittered(c.human, rng, move || Voice { osc, cutoff, env }.note(freq, dur, amp, t)),
        );
    }
    finish(ctx, score, fig.delay, fig.reverb)
}

pub fn ornamental(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let (c, am, osc) = (ctx.config, ctx.attack(), ctx.osc());
    let main_notes = [0, 4, 2, 0];
    let grace_notes = [2, 5, 3, 2];
    let note_dur = ctx.duration / (main_notes.len() * 2) as f64;
    let mut score = Score::new();
    for (i, (main, grace)) in main_notes.iter().zip(grace_notes).enumerate() {
        let start_sec = i as f64 * 2.0 * note_dur;
        let start = (start_sec * SR) as usize;
        let grace_freq = scale_freq(c, grace, 5);
        let (t, cutoff) = (ctx.t_offset + start_sec, 1000.0 * ctx.b());
        score.add(start, move || {
            Voice { osc, cutoff, env: [0.01, 0.05, 0.3, 0.1] }.note(grace_freq, note_dur * 0.15, 0.10, t)
        });
        let main_start = start_sec + note_dur * 0.15;
        let (t, cutoff) = (ctx.t_offset + main_start, 900.0 * ctx.b() + 200.0);
        let env = [0.08 * am, 0.3, 0.55, 0.8 * am];
        let (freq, dur) = (scale_freq(c, *main, 5), note_dur * 1.5);
        score.add(
            start + (note_dur * 0.15 * SR) as usize,
            jittered(c.human, rng, move || Voice { osc, cutoff, env }.note(freq, dur, 0.18, t)),
        );
    }
    finish(ctx, score, [0.3, 0.35, 0.25], [0.5, 0.7])
}

pub fn arp(ctx: &Ctx) -> Score<'static> {
    let (c, am, osc) = (ctx.config, ctx.attack(), ctx.osc());
    let figure = [0, 2, 4, 2];
    let steps = figure.len() * 8;
    let note_dur = ctx.duration / steps as f64;
    let mut score = Score::new();
    for i in 0..steps {
        let start = i as f64 * note_dur;
        let (freq, t, cutoff) =
            (scale_freq(c, figure[i % 4], 4), ctx.t_offset + start, 1200.0 * ctx.b() + 300.0);
        score.add(at(start), move || {
            Voice { osc, cutoff, env: [0.02 * am, 0.1, 0.4, 0.15 * am] }.note(freq, note_dur * 0.8, 0.14, t)
        });
    }
    finish(ctx, score, [0.25, 0.3, 0.25], [0.4, 0.6])
}

pub fn procedural(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let (c, am, osc) = (ctx.config, ctx.attack(), ctx.osc());
    let events = procedural_melody_events(c, ctx.duration, ctx.harmony, ctx.policy, rng);
    let cutoff = 700.0 * ctx.b() + 180.0;
    let inside = |e: &NoteEvent| at(e.start_sec) < samples(ctx.duration);
    // Each note's jitter is drawn as the note is placed: in order, as the reference draws.
    let mut score = Score::new();
    for e in events.into_iter().filter(inside) {
        let t = ctx.t_offset + e.start_sec;
        let (atk, rel) = if e.is_anchor { (0.05, 0.22) } else { (0.03, 0.16) };
        let env = [atk * am, 0.12, 0.55, rel * am];
        let render = move || Voice { osc, cutoff, env }.note(e.freq, e.dur_sec, e.amp, t);
        score.add(at(e.start_sec), jittered(c.human * 0.6, rng, render));
    }
    finish(ctx, score, [0.33, 0.35, 0.28], [0.55, 0.75])
}
