//! The oscillators a note or a layer picks ([`Osc`]): sine, triangle, and the band-limited saw and
//! square, each rendered whole or added into a signal, and the low-passed note.

use super::band_limited::{Edges, band_limited_add};
use super::biquad::lowpass;
use super::filtered_sine::filtered_sine;
use super::sample::{Sample, samples};
use super::sine::Sine;

/// `amp · sin(2π f t)` with `t = linspace(t_offset, t_offset + duration, n, endpoint=False)`.
pub fn sine(freq: f64, duration: f64, amp: f64, t_offset: f64) -> Vec<Sample> {
    Osc::Sine.render(freq, duration, amp, t_offset)
}

/// Adds [`sine`] into `out` (`samples(duration)` slots).
pub fn sine_add(out: &mut [Sample], freq: f64, duration: f64, amp: f64, t_offset: f64) {
    assert_eq!(out.len(), samples(duration), "an oscillator fills samples(duration) slots");
    Sine::new(freq, duration, amp, t_offset).add(out, 0);
}

/// `amp · 2|2(t f − floor(t f + ½))| − amp`.
pub fn triangle(freq: f64, duration: f64, amp: f64, t_offset: f64) -> Vec<Sample> {
    Osc::Triangle.render(freq, duration, amp, t_offset)
}

wide_fn! {
/// Adds [`triangle`] into `out` (`samples(duration)` slots).
pub fn triangle_add(out: &mut [Sample], freq: f64, duration: f64, amp: f64, t_offset: f64) {
    let n = samples(duration);
    assert_eq!(out.len(), n, "an oscillator fills samples(duration) slots");
    let dt = duration / n.max(1) as f64;
    let wave = |i: f64| {
        let tf = (t_offset + i * dt) * freq;
        (amp * 2.0 * (2.0 * (tf - (tf + 0.5).floor())).abs() - amp) as Sample
    };
    // The sample index as float counters in eight lanes (the same values as `i as f64`, no
    // conversion; one counter would make each sample wait on the last one's add).
    const LANES: usize = 8;
    let mut i: [f64; LANES] = std::array::from_fn(|lane| lane as f64);
    let mut octs = out.chunks_exact_mut(LANES);
    for oct in &mut octs {
        for lane in 0..LANES {
            oct[lane] += wave(i[lane]);
            i[lane] += LANES as f64;
        }
    }
    for (v, i) in octs.into_remainder().iter_mut().zip(i) {
        *v += wave(i);
    }
}
}

/// Anti-aliased sawtooth: naive saw minus 4-point PolyBLEP at 2× oversampling, then decimated.
pub fn sawtooth(freq: f64, duration: f64, amp: f64, t_offset: f64) -> Vec<Sample> {
    Osc::Sawtooth.render(freq, duration, amp, t_offset)
}

/// Anti-aliased square: ±1 with PolyBLEP at the rising (phase 0) and falling (phase ½) edges.
pub fn square(freq: f64, duration: f64, amp: f64, t_offset: f64) -> Vec<Sample> {
    Osc::Square.render(freq, duration, amp, t_offset)
}

/// The oscillators a `grain` or a layer picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Osc {
    Sine,
    Triangle,
    Sawtooth,
    Square,
}

impl Osc {
    pub fn render(self, freq: f64, duration: f64, amp: f64, t_offset: f64) -> Vec<Sample> {
        let mut out = vec![0.0; samples(duration)];
        self.add(&mut out, freq, duration, amp, t_offset);
        out
    }

    /// The oscillator through the reference's low-pass from rest, `lowpass(render(…), cutoff)`:
    /// a sine in closed form ([`filtered_sine`]), the others filtered sample by sample.
    pub fn lowpassed(self, freq: f64, duration: f64, amp: f64, t_offset: f64, cutoff: f64) -> Vec<Sample> {
        if self == Self::Sine {
            return filtered_sine(freq, duration, amp, t_offset, 0.0, cutoff);
        }
        let mut n = self.render(freq, duration, amp, t_offset);
        lowpass(&mut n, cutoff);
        n
    }

    /// Adds the oscillator's `samples(duration)` samples into `out`.
    pub fn add(self, out: &mut [Sample], freq: f64, duration: f64, amp: f64, t_offset: f64) {
        match self {
            Self::Sine => sine_add(out, freq, duration, amp, t_offset),
            Self::Triangle => triangle_add(out, freq, duration, amp, t_offset),
            Self::Sawtooth => band_limited_add(out, Edges::Saw, freq, duration, amp, t_offset),
            Self::Square => band_limited_add(out, Edges::Square, freq, duration, amp, t_offset),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use super::*;
    use crate::synth::primitives::close;

    #[test]
    fn oscillators_have_the_closed_form_values() {
        let s = sine(441.0, 0.01, 0.3, 0.0);
        assert_eq!(s.len(), 441);
        for (i, v) in s.iter().enumerate() {
            let t = i as f64 / 44_100.0;
            assert!(close(*v, 0.3 * (2.0 * PI * 441.0 * t).sin(), 1e-6), "[{i}] {v}");
        }
        // 441 Hz: a period of 100 samples. t f = 0 -> -1; 0.25 -> 0; 0.5 -> +1; 0.75 -> 0.
        let tri = triangle(441.0, 0.01, 1.0, 0.0);
        assert!(close(tri[0], -1.0, 1e-7));
        assert!(close(tri[25], 0.0, 1e-7));
        assert!(close(tri[50], 1.0, 1e-7));
        assert!(close(tri[75], 0.0, 1e-7));
        // Every sample, in the counters' eight lanes and the remainder past them (441 = 55 · 8
        // + 1), against the wave drawn by hand: up from -1 by 1/25 a sample to +1 at 50, down
        // to -1 at 100.
        for (i, v) in tri.iter().enumerate() {
            let m = (i % 100) as f64;
            let want = if m <= 50.0 { -1.0 + m / 25.0 } else { 3.0 - m / 25.0 };
            assert!(close(*v, want, 1e-6), "[{i}] {v} against {want}");
        }
    }
}
