//! The sine as rotating phasors ([`Sine`]): no `sin` per sample, a tone added a cache-sized block
//! at a time, and the LFO ([`Lfo`]) and its tremolo built on it.

use std::f64::consts::PI;
use std::mem::MaybeUninit;

use super::sample::{Sample, samples};

/// [`sine`](fn@super::sine) from any sample on: `add` adds samples `first..first + len` of the tone, so several
/// tones (or a tone and its tremolo) can be built one cache-sized block at a time.
#[derive(Clone, Copy)]
pub struct Sine {
    pub(super) step: f64,
    pub(super) phase0: f64,
    amp: Sample,
    /// The turn of one phasor from one of its samples to its next: `PHASORS` steps.
    sin_turn: Sample,
    cos_turn: Sample,
    /// `(sin, cos)` of `k` steps, `k` in 0..PHASORS: a block's phasors from one `sin_cos`.
    turns: [(f64, f64); PHASORS],
    /// `(sin, cos)` of a [`Sine::BLOCK`]'s steps: one block's start to the next one's.
    block_turn: (f64, f64),
}

/// The phasors a [`Sine`] block turns side by side: four eight-lane registers, so that four
/// independent chains of turns run at once (with one, each turn waits on the last).
const PHASORS: usize = 32;

impl Sine {
    pub const BLOCK: usize = 1024;

    pub fn new(freq: f64, duration: f64, amp: f64, t_offset: f64) -> Sine {
        let n = samples(duration).max(1);
        Sine::with(2.0 * PI * freq * duration / n as f64, 2.0 * PI * freq * t_offset, amp)
    }

    /// `amp · sin(phase0 + step · i)`.
    pub(super) fn with(step: f64, phase0: f64, amp: f64) -> Sine {
        // The turns by k steps, each the last turned by one step (double precision: after 32
        // turns they are within ~1e-14 of sin_cos(k · step)), so that a tone costs one sin_cos
        // instead of 33: notes are short and many, so what a tone costs to set up counts.
        let (sin_1, cos_1) = step.sin_cos();
        let mut turns = [(0.0, 1.0); PHASORS];
        for k in 1..PHASORS {
            let (s, c) = turns[k - 1];
            turns[k] = (s * cos_1 + c * sin_1, c * cos_1 - s * sin_1);
        }
        let (s, c) = turns[PHASORS - 1];
        let (sin_turn, cos_turn) = (s * cos_1 + c * sin_1, c * cos_1 - s * sin_1);
        Sine {
            step,
            phase0,
            amp: amp as Sample,
            sin_turn: sin_turn as Sample,
            cos_turn: cos_turn as Sample,
            turns,
            block_turn: (Self::BLOCK as f64 * step).sin_cos(),
        }
    }

    /// Adds samples `first..first + out.len()` of the tone into `out`.
    pub fn add(&self, out: &mut [Sample], first: usize) {
        self.from(first).add(out);
    }

    /// The tone from sample `first` on, to be added a part at a time.
    pub fn from(&self, first: usize) -> SineFrom<'_> {
        SineFrom { sine: self, at: first, phase: self.phase_at(first) }
    }

    /// `(sin, cos)` of the phase at sample `i`, in double precision.
    fn phase_at(&self, i: usize) -> (f64, f64) {
        (self.phase0 + i as f64 * self.step).sin_cos()
    }

    /// [`PHASORS`] rotating phasors, sample k on phasor k mod 32, each turned by 32 steps at a
    /// time: no sin() per sample, and independent chains the processor can run side by side.
    /// Started from the block's first phase in double precision; over a block of 32 turns the
    /// drift from single-precision rounding stays about a millionth of the amplitude
    /// (`a_long_sine_stays_on_the_closed_form_across_blocks`), below 16-bit PCM's step.
    #[inline(always)]
    fn add_block<P: Put>(&self, block: &mut [P], (sin0, cos0): (f64, f64)) {
        let (sin_turn, cos_turn) = (self.sin_turn, self.cos_turn);
        let mut s: [Sample; PHASORS] = [0.0; PHASORS];
        let mut c: [Sample; PHASORS] = [0.0; PHASORS];
        // The block's first phase (`sin0`, `cos0`) turned by 0..PHASORS steps (angle sums, in
        // double precision).
        for (k, (sin_k, cos_k)) in self.turns.iter().enumerate() {
            s[k] = (sin0 * cos_k + cos0 * sin_k) as Sample;
            c[k] = (cos0 * cos_k - sin0 * sin_k) as Sample;
        }
        let mut runs = block.chunks_exact_mut(PHASORS);
        for run in &mut runs {
            for (k, v) in run.iter_mut().enumerate() {
                v.put(self.amp, s[k]);
            }
            for k in 0..PHASORS {
                let next = s[k].mul_add(cos_turn, c[k] * sin_turn);
                c[k] = c[k].mul_add(cos_turn, -(s[k] * sin_turn));
                s[k] = next;
            }
        }
        for (k, v) in runs.into_remainder().iter_mut().enumerate() {
            v.put(self.amp, s[k]);
        }
    }
}

/// Where an oscillator puts a sample `a · b`: added into a signal ([`Sample`]) in one fused
/// multiply-add, or written into a slot not written yet ([`MaybeUninit`]) as the same fused
/// multiply-add onto +0 (what adding into zeros would make: a −0 comes out +0), so a fresh
/// signal need not be zeroed first.
trait Put {
    fn put(&mut self, a: Sample, b: Sample);
}

impl Put for Sample {
    #[inline(always)]
    fn put(&mut self, a: Sample, b: Sample) {
        *self = a.mul_add(b, *self);
    }
}

impl Put for MaybeUninit<Sample> {
    #[inline(always)]
    fn put(&mut self, a: Sample, b: Sample) {
        self.write(a.mul_add(b, 0.0));
    }
}

/// A [`Sine`] from some sample on ([`Sine::from`]), added a part at a time: the phase at each
/// [`Sine::BLOCK`] is the last block's turned on by a block's steps, in double precision (its
/// rounding moves it by ~1e-16 a block, far below single precision however long the tone), and
/// taken afresh after a part that is not whole blocks. One `sin_cos` for a tone added whole,
/// where there was one a block.
pub struct SineFrom<'a> {
    sine: &'a Sine,
    /// The next sample's index.
    at: usize,
    /// `(sin, cos)` of its phase.
    phase: (f64, f64),
}

impl SineFrom<'_> {
    /// Adds the tone's next `out.len()` samples into `out`.
    pub fn add(&mut self, out: &mut [Sample]) {
        let phase = sine_add_blocks(self.sine, out, self.phase);
        self.moved_on(out.len(), phase);
    }

    /// Writes the tone's next `out.len()` samples into `out`, every slot.
    fn write(&mut self, out: &mut [MaybeUninit<Sample>]) {
        let phase = sine_write_blocks(self.sine, out, self.phase);
        self.moved_on(out.len(), phase);
    }

    /// Appends the tone's next `n` samples to `out`, written into its spare capacity (no zeros
    /// written first): what adding them into `n` zeros would make.
    pub fn extend(&mut self, out: &mut Vec<Sample>, n: usize) {
        out.reserve(n);
        let len = out.len();
        self.write(&mut out.spare_capacity_mut()[..n]);
        // SAFETY: `write` wrote every one of the `n` slots past `len` (`sine_blocks` puts a
        // value into each slot it is given), which `reserve` made room for.
        unsafe { out.set_len(len + n) };
    }

    /// Past `len` more samples, `phase` the phase a block past the last.
    fn moved_on(&mut self, len: usize, phase: (f64, f64)) {
        self.at += len;
        self.phase = if len.is_multiple_of(Sine::BLOCK) { phase } else { self.sine.phase_at(self.at) };
    }
}

/// [`SineFrom::add`] and [`SineFrom::write`]: the blocks in turn from the phase of the first;
/// returns the phase a block past the last.
#[inline(always)]
fn sine_blocks<P: Put>(sine: &Sine, out: &mut [P], phase: (f64, f64)) -> (f64, f64) {
    let mut phase = phase;
    let (sin_b, cos_b) = sine.block_turn;
    for block in out.chunks_mut(Sine::BLOCK) {
        sine.add_block(block, phase);
        let (s, c) = phase;
        phase = (s * cos_b + c * sin_b, c * cos_b - s * sin_b);
    }
    phase
}

wide_fn! {
fn sine_add_blocks(sine: &Sine, out: &mut [Sample], phase: (f64, f64)) -> (f64, f64) {
    sine_blocks(sine, out, phase)
}
}

wide_fn! {
fn sine_write_blocks(sine: &Sine, out: &mut [MaybeUninit<Sample>], phase: (f64, f64)) -> (f64, f64) {
    sine_blocks(sine, out, phase)
}
}

/// `0.5 + 0.5 sin(2π rate t)` over `duration`.
pub fn lfo(duration: f64, rate: f64) -> Vec<Sample> {
    let mut out = vec![0.0; samples(duration)];
    Lfo::new(duration, rate).from(0).write(&mut out);
    out
}

/// [`lfo`] a block at a time, for a modulation built alongside what it modulates.
#[derive(Clone, Copy)]
pub struct Lfo(Sine);

impl Lfo {
    pub fn new(duration: f64, rate: f64) -> Lfo {
        Lfo(Sine::new(rate, duration, 0.5, 0.0))
    }

    /// The LFO from sample `first` on, to be written a part at a time.
    pub fn from(&self, first: usize) -> LfoFrom<'_> {
        LfoFrom(self.0.from(first))
    }
}

/// An [`Lfo`] from some sample on ([`Lfo::from`]).
pub struct LfoFrom<'a>(SineFrom<'a>);

impl LfoFrom<'_> {
    /// Writes the LFO's next `out.len()` samples into `out`.
    pub fn write(&mut self, out: &mut [Sample]) {
        out.fill(0.5);
        self.0.add(out);
    }
}

wide_fn! {
/// An LFO's tremolo: `signal[i] · (depth.0 + depth.1 · lfo[i])` (the lengths are equal).
pub fn tremolo(signal: &mut [Sample], lfo: &[Sample], depth: (Sample, Sample)) {
    for (v, w) in signal.iter_mut().zip(lfo) {
        *v *= w.mul_add(depth.1, depth.0);
    }
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::primitives::sine;

    #[test]
    fn a_long_sine_stays_on_the_closed_form_across_blocks() {
        // 3 s (130 blocks and a part) of 1234.5 Hz started 7.3 s in, against sin() per sample.
        let (freq, duration, amp, t0) = (1234.5, 3.0, 0.7, 7.3);
        let s = sine(freq, duration, amp, t0);
        assert_eq!(s.len(), 132_300);
        let worst = s
            .iter()
            .enumerate()
            .map(|(i, v)| (*v as f64 - amp * (2.0 * PI * freq * (t0 + i as f64 / 44_100.0)).sin()).abs())
            .fold(0.0, f64::max);
        // Single-precision turns drift by about a millionth of the amplitude over a block, below
        // 16-bit PCM's step (3e-5 of full scale); each block restarts from a phase carried in
        // double precision.
        assert!(worst < 1e-5 * amp, "{worst}");
        // The same tone from sample 5 on, added in parts of whole blocks and not.
        fn in_parts<T>(signal: &mut [T], mut put: impl FnMut(&mut [T])) {
            let mut rest = signal;
            for len in [Sine::BLOCK, 100, 3 * Sine::BLOCK, 7, 2 * Sine::BLOCK + 1] {
                let (part, after) = rest.split_at_mut(len);
                put(part);
                rest = after;
            }
            put(rest);
        }
        let tone = Sine::new(freq, duration, amp, t0);
        let mut parts = vec![0.0; 40_000];
        let mut from = tone.from(5);
        in_parts(&mut parts, |part| from.add(part));
        // And written, in the same parts, into slots holding NaN (as if never written): every
        // slot is written, with what adding into zeros gave.
        let mut written = vec![MaybeUninit::new(f32::NAN); 40_000];
        let mut from = tone.from(5);
        in_parts(&mut written, |part| from.write(part));
        // SAFETY: every slot was initialized (to NaN) before the writes.
        let written: Vec<f32> = written.iter().map(|v| unsafe { v.assume_init() }).collect();
        for (i, (v, w)) in parts.iter().zip(&written).enumerate() {
            let want = amp * (2.0 * PI * freq * (t0 + (i + 5) as f64 / 44_100.0)).sin();
            assert!((*v as f64 - want).abs() < 1e-5 * amp, "[{i}] {v} vs {want}");
            assert_eq!(v.to_bits(), w.to_bits(), "[{i}] written {w}, added {v}");
        }
    }
}
