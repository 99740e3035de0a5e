//! Bass and pad styles (`synth.py`: `bass_*`, `pad_*`). All follow the chord plan; the numbers
//! (amplitudes, octaves, cutoffs scaled by brightness, envelopes scaled by attack, reverb and
//! delay scaled by space and echo) are the reference's.

use rand::RngExt;

use super::{Ctx, Voice, at, jittered};
use crate::synth::harmony::{chord_tones_ascending, scale_freq};
use crate::synth::primitives::{Osc, Sample, SynthRng, add_into, adsr, highpass, lfo, lowpass, samples};
use crate::synth::score::Score;

/// The chord segments and, for each, the note length: `min(seg × stretch, duration − start)`.
fn chord_notes(ctx: &Ctx, stretch: f64) -> Vec<(f64, f64, i32)> {
    ctx.harmony
        .segments(ctx.config, ctx.duration)
        .into_iter()
        .map(|(start, seg, root)| (start, (seg * stretch).min(ctx.duration - start), root))
        .collect()
}

pub fn bass_drone(ctx: &Ctx) -> Score<'static> {
    let (c, am) = (ctx.config, ctx.attack());
    let mut score = Score::new();
    for (start, dur, root) in chord_notes(ctx, 1.15) {
        let (freq, t, cutoff) = (scale_freq(c, root, 2), ctx.t_offset + start, 80.0 * ctx.b() + 20.0);
        score.add(at(start), move || {
            Voice { osc: Osc::Sine, cutoff, env: [1.8 * am, 0.5, 0.95, 2.2 * am] }.note(freq, dur, 0.35, t)
        });
    }
    score.reverb(ctx.space() * 0.5, ctx.space())
}

pub fn bass_sustained(ctx: &Ctx) -> Score<'static> {
    let (c, am) = (ctx.config, ctx.attack());
    let mut score = Score::new();
    for (start, seg, root) in ctx.harmony.segments(c, ctx.duration) {
        let pattern = [0, 0, 4, 0];
        let note_dur = seg / pattern.len() as f64;
        for (i, rel) in pattern.iter().enumerate() {
            let note_start = start + i as f64 * note_dur;
            let (freq, t, cutoff) =
                (scale_freq(c, root + rel, 2), ctx.t_offset + note_start, 100.0 * ctx.b() + 30.0);
            score.add(at(note_start), move || {
                let voice = Voice { osc: Osc::Sine, cutoff, env: [0.7 * am, 0.3, 0.85, 1.2 * am] };
                voice.note(freq, note_dur * 0.95, 0.32, t)
            });
        }
    }
    score.reverb(ctx.space() * 0.4, ctx.space())
}

pub fn bass_pulsing(ctx: &Ctx) -> Score<'static> {
    let (c, am) = (ctx.config, ctx.attack());
    let spb = c.seconds_per_beat();
    let beats_total = (ctx.duration / spb).max(1.0);
    let num_pulses = (beats_total * 2.0).ceil() as usize;
    let pulse_sec = 0.5 * spb;
    let mut score = Score::new();
    for i in 0..num_pulses {
        let start = i as f64 * pulse_sec;
        if start >= ctx.duration {
            break;
        }
        let freq = scale_freq(c, ctx.harmony.root_at_beat(i as f64 * 0.5), 2);
        let (t, cutoff) = (ctx.t_offset + start, 90.0 * ctx.b() + 20.0);
        score.add(at(start), move || {
            let voice = Voice { osc: Osc::Sine, cutoff, env: [0.02 * am, 0.08, 0.6, 0.25 * am] };
            voice.note(freq, pulse_sec * 0.82, 0.35, t)
        });
    }
    score
}

pub fn bass_walking(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let (c, am) = (ctx.config, ctx.attack());
    let spb = c.seconds_per_beat();
    let beats_total = (ctx.duration / spb).ceil() as usize;
    let mut score = Score::new();
    for i in 0..beats_total {
        let start = i as f64 * spb;
        if start >= ctx.duration {
            break;
        }
        let degree = ctx.harmony.root_at_beat(i as f64) + [0, 2, 4, 2][i % 4];
        let (freq, t, cutoff) = (scale_freq(c, degree, 2), ctx.t_offset + start, 120.0 * ctx.b() + 40.0);
        let dur = spb * 0.92;
        score.add(
            at(start),
            jittered(c.human, rng, move || {
                let voice = Voice { osc: Osc::Triangle, cutoff, env: [0.04 * am, 0.12, 0.7, 0.22 * am] };
                voice.note(freq, dur, 0.30, t)
            }),
        );
    }
    score.reverb(ctx.space() * 0.3, ctx.space() * 0.8)
}

pub fn bass_fifth_drone(ctx: &Ctx) -> Score<'static> {
    let (c, am) = (ctx.config, ctx.attack());
    let mut score = Score::new();
    for (start, dur, root) in chord_notes(ctx, 1.15) {
        let t = ctx.t_offset + start;
        let (low_freq, fifth_freq) = (scale_freq(c, root, 2), scale_freq(c, root + 4, 2));
        let (low_cutoff, fifth_cutoff) = (70.0 * ctx.b() + 20.0, 100.0 * ctx.b() + 30.0);
        score.add(at(start), move || {
            let mut low = Voice { osc: Osc::Sine, cutoff: low_cutoff, env: [2.2 * am, 0.5, 0.95, 2.6 * am] }
                .note(low_freq, dur, 0.26, t);
            let fifth = Voice { osc: Osc::Sine, cutoff: fifth_cutoff, env: [2.4 * am, 0.5, 0.9, 2.6 * am] }
                .note(fifth_freq, dur, 0.18, t);
            add_into(&mut low, &fifth);
            low
        });
    }
    score.reverb(ctx.space() * 0.5, ctx.space())
}

pub fn bass_sub_pulse(ctx: &Ctx) -> Score<'static> {
    let (c, am) = (ctx.config, ctx.attack());
    let beats_total = (ctx.duration / c.seconds_per_beat()).max(1.0);
    let beats_per_pulse = 2.0;
    let pulse_sec = beats_per_pulse * c.seconds_per_beat();
    let num_pulses = (beats_total / beats_per_pulse).ceil() as usize;
    let mut score = Score::new();
    for i in 0..num_pulses {
        let start = i as f64 * pulse_sec;
        if start >= ctx.duration {
            break;
        }
        let freq = scale_freq(c, ctx.harmony.root_at_beat(i as f64 * beats_per_pulse), 1);
        let t = ctx.t_offset + start;
        score.add(at(start), move || {
            let voice = Voice { osc: Osc::Sine, cutoff: 55.0, env: [0.25 * am, 0.2, 0.9, 0.7 * am] };
            voice.note(freq, pulse_sec * 0.95, 0.4, t)
        });
    }
    score
}

/// The sum of one chord's tones (`tone` renders one from its frequency). The pads filter and
/// envelope every note of a chord alike, and both are linear, so they run once on the sum: the
/// reference's result up to rounding, at a fraction of the work.
fn chord_sum(dur: f64, freqs: &[f64], tone: impl Fn(&mut [Sample], f64)) -> Vec<Sample> {
    let mut sum = vec![0.0; samples(dur)];
    for freq in freqs {
        tone(&mut sum, *freq);
    }
    sum
}

/// A chord's tones summed, then low-passed and enveloped once (`env`: attack, decay, sustain,
/// release), as the dark, cinematic and stacked pads play a chord.
fn filtered_chord(
    dur: f64,
    freqs: &[f64],
    tone: impl Fn(&mut [Sample], f64),
    cutoff: f64,
    env: [f64; 4],
) -> Vec<Sample> {
    let mut sum = chord_sum(dur, freqs, tone);
    lowpass(&mut sum, cutoff);
    adsr(&mut sum, env[0], env[1], env[2], env[3]);
    sum
}

/// The first three chord tones of each chord at octave 3, as the warm and dark pads voice them.
fn triads(ctx: &Ctx, stretch: f64) -> Vec<(f64, f64, Vec<f64>)> {
    chord_notes(ctx, stretch)
        .into_iter()
        .map(|(start, dur, root)| {
            let freqs = chord_tones_ascending(ctx.config.chord_extensions, root)
                .into_iter()
                .take(3)
                .map(|degree| scale_freq(ctx.config, degree, 3))
                .collect();
            (start, dur, freqs)
        })
        .collect()
}

pub fn pad_warm_slow(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let (c, am, em, osc) = (ctx.config, ctx.attack(), ctx.echo(), ctx.osc());
    let mut score = Score::new();
    for (start, dur, freqs) in triads(ctx, 1.15) {
        let (t, rate) = (ctx.t_offset + start, 0.1 / (c.motion + 0.1));
        let base = 300.0 * ctx.b() + 100.0;
        score.add(at(start), move || {
            let tone = chord_sum(dur, &freqs, |sum, freq| osc.add(sum, freq, dur, 0.15, t));
            let wobble = lfo(dur, rate);
            let mut low = tone.clone();
            lowpass(&mut low, base * 0.5);
            let mut high = tone;
            lowpass(&mut high, base * 1.5);
            let mut blended: Vec<Sample> =
                low.iter().zip(&high).zip(&wobble).map(|((l, h), w)| l * (1.0 - w) + h * w).collect();
            adsr(&mut blended, 1.5 * am, 0.8, 0.85, 2.5 * am);
            blended
        });
    }
    // The notes draw nothing; humanize, after them, draws as the reference does.
    score
        .reverb(ctx.space() * 0.7, ctx.space() * 0.9)
        .delay(0.35, 0.3 * em, 0.25 * em)
        .humanized(c.human, rng)
}

pub fn pad_dark_sustained(ctx: &Ctx) -> Score<'static> {
    let am = ctx.attack();
    let mut score = Score::new();
    for (start, dur, freqs) in triads(ctx, 1.15) {
        let (t, cutoff) = (ctx.t_offset + start, 200.0 * ctx.b() + 80.0);
        let env = [2.0 * am, 1.0, 0.9, 3.0 * am];
        score.add(at(start), move || {
            filtered_chord(dur, &freqs, |sum, freq| Osc::Sawtooth.add(sum, freq, dur, 0.12, t), cutoff, env)
        });
    }
    score.reverb(ctx.space() * 0.8, ctx.space())
}

pub fn pad_cinematic(ctx: &Ctx) -> Score<'static> {
    let (c, am, em) = (ctx.config, ctx.attack(), ctx.echo());
    let mut score = Score::new();
    for (start, dur, root) in chord_notes(ctx, 1.10) {
        let freqs: Vec<f64> = [(0, 3), (2, 3), (4, 3), (0, 4), (4, 4)]
            .iter()
            .map(|(rel, o)| scale_freq(c, root + rel, *o))
            .collect();
        let (t, cutoff) = (ctx.t_offset + start, 400.0 * ctx.b() + 150.0);
        score.add(at(start), move || {
            let tone = |sum: &mut [Sample], freq: f64| {
                Osc::Sawtooth.add(sum, freq, dur, 0.08, t);
                Osc::Triangle.add(sum, freq * 1.002, dur, 0.06, t);
            };
            filtered_chord(dur, &freqs, tone, cutoff, [1.8 * am, 0.8, 0.88, 2.8 * am])
        });
    }
    score.reverb(ctx.space() * 0.85, ctx.space()).delay(0.4, 0.35 * em, 0.3 * em)
}

pub fn pad_thin_high(ctx: &Ctx) -> Score<'static> {
    let (c, am) = (ctx.config, ctx.attack());
    let mut score = Score::new();
    for (start, dur, root) in chord_notes(ctx, 1.15) {
        for rel in [0, 4] {
            let (freq, t, cutoff) =
                (scale_freq(c, root + rel, 4), ctx.t_offset + start, 800.0 * ctx.b() + 200.0);
            score.add(at(start), move || {
                let mut tone = Osc::Sine.lowpassed(freq, dur, 0.12, t, cutoff);
                highpass(&mut tone, 200.0);
                adsr(&mut tone, 1.2 * am, 0.6, 0.8, 2.0 * am);
                tone
            });
        }
    }
    score.reverb(ctx.space() * 0.75, ctx.space() * 0.95)
}

pub fn pad_ambient_drift(ctx: &Ctx, rng: &mut SynthRng) -> Score<'static> {
    let (c, am, em) = (ctx.config, ctx.attack(), ctx.echo());
    let mut score = Score::new();
    for (start, dur, root) in chord_notes(ctx, 1.35) {
        let mut tones: Vec<i32> =
            chord_tones_ascending(c.chord_extensions, root).into_iter().take(3).collect();
        if c.motion > 0.4 && rng.random::<f64>() < 0.15 + 0.25 * c.motion {
            tones.push(root + 5);
        }
        for degree in tones {
            let (freq, t, cutoff) = (scale_freq(c, degree, 3), ctx.t_offset + start, 350.0 * ctx.b() + 100.0);
            score.add(at(start), move || {
                let voice = Voice { osc: Osc::Sine, cutoff, env: [1.6 * am, 0.5, 0.85, 2.2 * am] };
                voice.note(freq, dur, 0.14, t)
            });
        }
    }
    score.reverb(ctx.space() * 0.8, ctx.space()).delay(0.5, 0.4 * em, 0.35 * em)
}

pub fn pad_stacked_fifths(ctx: &Ctx) -> Score<'static> {
    let (c, am, osc) = (ctx.config, ctx.attack(), ctx.osc());
    let mut score = Score::new();
    for (start, dur, root) in chord_notes(ctx, 1.10) {
        let freqs: Vec<f64> =
            [(0, 3), (4, 3), (0, 4), (4, 4)].iter().map(|(rel, o)| scale_freq(c, root + rel, *o)).collect();
        let (t, cutoff) = (ctx.t_offset + start, 500.0 * ctx.b() + 150.0);
        score.add(at(start), move || {
            let env = [1.3 * am, 0.7, 0.88, 2.2 * am];
            filtered_chord(dur, &freqs, |sum, freq| osc.add(sum, freq, dur, 0.10, t), cutoff, env)
        });
    }
    score.reverb(ctx.space() * 0.7, ctx.space() * 0.85)
}
