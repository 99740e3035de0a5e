//! The synth's building blocks, ported from LatentScore's `synth.py` (Part 1): oscillators
//! (sine, triangle, band-limited saw and square), white noise, the linear ADSR, second-order
//! Butterworth filters, the LFO and humanize (the feed-forward reverb, delay and width blend, and
//! placing notes in a layer, are in `score`). Mono, 44,100 Hz; samples in single precision
//! ([`Sample`]), parameters (times, frequencies, phases, filter designs) in double.
//!
//! Every random draw comes from the one generator the caller passes ([`SynthRng`]); per-sample
//! normal numbers (humanize, noise) from a [`noise::Normals`] stream that one draw from it seeds.
//!
//! By concern: `sample` (the sample type and rate, the generator, whole-signal loops), `sine`
//! (the phasor sine and the LFO), `band_limited` (the PolyBLEP saw and square and their
//! decimation filter), `oscillators` (the waves a note picks), `biquad` (the Butterworth filters),
//! `filtered_sine` (a sine through the low-pass in closed form), `envelopes` (ADSR, decay,
//! linear ramps) and `noise` (the normal draws, white noise, humanize). What the rest of the
//! synth uses is re-exported here.

mod band_limited;
mod biquad;
mod envelopes;
mod filtered_sine;
pub mod noise;
mod oscillators;
mod sample;
mod sine;

pub use band_limited::decimation_taps;
pub use biquad::{Biquad, Pass, highpass, lowpass};
pub(crate) use envelopes::linspace_at;
pub use envelopes::{Adsr, adsr, adsr_window};
pub use filtered_sine::filtered_sine;
pub use noise::{Jitter, JitterStream, noise};
pub use oscillators::{Osc, sawtooth, sine, sine_add, square, triangle, triangle_add};
pub use sample::{SAMPLE_RATE, Sample, SynthRng, samples};
pub(crate) use sample::{add_into, scale};
pub use sine::{Lfo, LfoFrom, Sine, SineFrom, lfo, tremolo};

/// Whether `a` is within `tol` of `b` (the unit tests' comparison).
#[cfg(test)]
fn close(a: impl Into<f64>, b: f64, tol: f64) -> bool {
    (a.into() - b).abs() <= tol
}
