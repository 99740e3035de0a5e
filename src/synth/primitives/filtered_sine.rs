//! A sine, or one dying away, through the reference's low-pass in closed form: the filter runs
//! only over the start-up transient, and the settled sinusoid is a sine of its own.

use super::biquad::{Biquad, Pass};
use super::envelopes::decay;
use super::sample::{Sample, samples};
use super::sine::Sine;

/// How far below a filtered sine's amplitude its start-up transient must have fallen before
/// [`filtered_sine`] leaves it out.
const TRANSIENT_FLOOR: f64 = 1e-8;

/// `lowpass(sine(freq, duration, amp, t_offset) · exp(−linspace(0, fall, n)), cutoff)`: a
/// sine, or one dying away (a kick), through the reference's low-pass from rest.
///
/// A sinusoid `Im(a zⁿ)` (`|z| = e^(−fall/(n−1))`) through a filter `H` from rest is the
/// sinusoid `Im(a H(z) zⁿ)` (another amplitude and phase, the same frequency and decay) plus a
/// start-up transient that dies away at the rate of the filter's poles `p, p̄`:
/// `A pⁿ + B p̄ⁿ`, with `A` and `B` from the first two outputs. So the filter runs only over
/// the first samples, until `(|A| + |B|) |p|ⁿ` is below [`TRANSIENT_FLOOR`] of the amplitude;
/// from there the output is the shifted sinusoid, which costs what the sine itself does.
/// Equal to running the filter over the whole note up to single-precision rounding
/// (`a_filtered_sine_is_the_sine_through_the_filter`).
pub fn filtered_sine(
    freq: f64,
    duration: f64,
    amp: f64,
    t_offset: f64,
    fall: f64,
    cutoff: f64,
) -> Vec<Sample> {
    let n = samples(duration);
    let q = Biquad::for_cutoff(Pass::Low, cutoff);
    let tone = Sine::new(freq, duration, amp, t_offset);
    let rate = if n > 1 { fall / (n - 1) as f64 } else { 0.0 };
    let (settled, steady) = match q.steady_sine(&tone, amp, rate) {
        Some((k, steady)) if k < n => (k, Some(steady)),
        _ => (n, None),
    };
    // The tone written into the first `settled` samples and the settled sinusoid into the rest
    // (none when `settled` is `n`), into memory not zeroed first.
    let mut out = Vec::with_capacity(n);
    tone.from(0).extend(&mut out, settled);
    if let Some(steady) = steady {
        steady.from(settled).extend(&mut out, n - settled);
    }
    let (head, tail) = out.split_at_mut(settled);
    decay(head, rate, 0);
    q.run(head);
    decay(tail, rate, settled);
    out
}

impl Biquad {
    /// For the sinusoid `tone · e^(−rate·i)` (`amp` its amplitude) through this filter from
    /// rest: the sinusoid it settles to and the sample from which the start-up transient is
    /// below [`TRANSIENT_FLOOR`] of `amp` (see [`filtered_sine`]). `None` for silence, and, as a
    /// safeguard, for poles that are not a stable complex pair (the reference's Butterworth
    /// low-passes' always are, up to the cutoff clamp): [`filtered_sine`] then filters in full.
    fn steady_sine(&self, tone: &Sine, amp: f64, rate: f64) -> Option<(usize, Sine)> {
        let ([b0, b1, b2], [a1, a2]) = (self.b, self.a);
        let discriminant = 4.0 * a2 - a1 * a1;
        if discriminant <= 0.0 || a2 >= 1.0 || amp <= 0.0 {
            return None;
        }
        let z = Complex::polar((-rate).exp(), tone.step);
        let zi = Complex::real(1.0).div(z);
        let zi2 = zi.mul(zi);
        let h = Complex::real(b0)
            .add(Complex::real(b1).mul(zi))
            .add(Complex::real(b2).mul(zi2))
            .div(Complex::real(1.0).add(Complex::real(a1).mul(zi)).add(Complex::real(a2).mul(zi2)));
        // The complex input a zⁿ, the filter's first two outputs, and the settled sinusoid's.
        let a = Complex::polar(amp, tone.phase0);
        let (u0, u1) = (a, a.mul(z));
        let y0 = Complex::real(b0).mul(u0);
        let y1 = Complex::real(b0).mul(u1).add(Complex::real(b1).mul(u0)).sub(Complex::real(a1).mul(y0));
        let s0 = a.mul(h);
        let s1 = s0.mul(z);
        let (e0, e1) = (y0.sub(s0), y1.sub(s1));
        // The transient A pⁿ + B p̄ⁿ through e0 and e1.
        let p = Complex { re: -a1 / 2.0, im: discriminant.sqrt() / 2.0 };
        let gap = p.sub(p.conj());
        let big_a = e1.sub(p.conj().mul(e0)).div(gap);
        let big_b = p.mul(e0).sub(e1).div(gap);
        let size = big_a.abs() + big_b.abs();
        let radius = a2.sqrt();
        let floor = TRANSIENT_FLOOR * amp;
        let settled = if size <= floor { 0.0 } else { ((floor / size).ln() / radius.ln()).ceil() };
        if !settled.is_finite() {
            return None;
        }
        let steady = Sine::with(tone.step, tone.phase0 + h.im.atan2(h.re), amp * h.abs());
        // (`as` saturates a settling length past any note's.)
        Some((settled as usize, steady))
    }
}

/// A complex number, for a filter's response to a (damped) sinusoid.
#[derive(Clone, Copy, Debug)]
struct Complex {
    re: f64,
    im: f64,
}

impl Complex {
    fn polar(r: f64, theta: f64) -> Complex {
        Complex { re: r * theta.cos(), im: r * theta.sin() }
    }
    fn real(re: f64) -> Complex {
        Complex { re, im: 0.0 }
    }
    fn add(self, o: Complex) -> Complex {
        Complex { re: self.re + o.re, im: self.im + o.im }
    }
    fn sub(self, o: Complex) -> Complex {
        Complex { re: self.re - o.re, im: self.im - o.im }
    }
    fn mul(self, o: Complex) -> Complex {
        Complex { re: self.re * o.re - self.im * o.im, im: self.re * o.im + self.im * o.re }
    }
    fn div(self, o: Complex) -> Complex {
        let d = o.re * o.re + o.im * o.im;
        Complex { re: (self.re * o.re + self.im * o.im) / d, im: (self.im * o.re - self.re * o.im) / d }
    }
    fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
    fn conj(self) -> Complex {
        Complex { re: self.re, im: -self.im }
    }
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use super::*;
    use crate::synth::primitives::close;

    #[test]
    fn a_filtered_sine_is_the_sine_through_the_filter() {
        // The definition in double precision: amp · sin(2π f t_i) · exp(−fall · i / (n − 1)),
        // t_i = t_offset + i · duration / n, through the Butterworth low-pass's recursion
        // (transposed direct form II) from rest, against the settled sinusoid joined to the
        // filtered start. Cases: the dense preset's bass, sub pulse and kick, a melody note, a
        // cutoff at the clamp (poles next to −1), and, filtered in full, a 22 Hz cutoff whose
        // transient outlasts a short note and notes of one and no samples. (A settled phase of
        // the wrong sign, or a transient floor of 1e-4, fails this.)
        let cases = [
            (55.0, 0.19, 0.35, 3.1, 0.0, 92.0, true),
            (41.2, 0.87, 0.4, 12.0, 0.0, 55.0, true),
            (45.0, 0.2, 0.35, 1.25, 8.0, 100.0, true),
            (659.3, 0.5, 0.2, 7.7, 0.0, 740.0, true),
            (110.0, 0.05, 0.3, 0.0, 0.0, 22.0, false),
            (2000.0, 0.3, 0.1, 0.5, 0.0, 30_000.0, true),
            (440.0, 1.0 / 44_100.0, 0.3, 2.0, 0.0, 500.0, false),
            (440.0, 0.0, 0.3, 2.0, 0.0, 500.0, false),
        ];
        for (freq, duration, amp, t_offset, fall, cutoff, settles) in cases {
            let n = samples(duration);
            let q = Biquad::for_cutoff(Pass::Low, cutoff);
            let ([b0, b1, b2], [a1, a2]) = (q.b, q.a);
            let (mut z1, mut z2) = (0.0, 0.0);
            let want: Vec<f64> = (0..n)
                .map(|i| {
                    let t = t_offset + i as f64 * duration / n as f64;
                    let fade = if n > 1 { (-fall * i as f64 / (n - 1) as f64).exp() } else { 1.0 };
                    let x = amp * (2.0 * PI * freq * t).sin() * fade;
                    let y = b0 * x + z1;
                    z1 = b1 * x - a1 * y + z2;
                    z2 = b2 * x - a2 * y;
                    y
                })
                .collect();
            let rate = if n > 1 { fall / (n - 1) as f64 } else { 0.0 };
            let settled = q.steady_sine(&Sine::new(freq, duration, amp, t_offset), amp, rate).map(|s| s.0);
            assert_eq!(
                settled.is_some_and(|k| k < n),
                settles,
                "{freq} Hz, cutoff {cutoff}: settles at {settled:?} of {n}"
            );
            let got = filtered_sine(freq, duration, amp, t_offset, fall, cutoff);
            assert_eq!(got.len(), n);
            // The sine's own drift (a millionth of its amplitude) and single-precision rounding.
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(close(*g, *w, 2e-6 * amp), "{freq} Hz, cutoff {cutoff}: [{i}] {g} vs {w}");
            }
        }
    }
}
