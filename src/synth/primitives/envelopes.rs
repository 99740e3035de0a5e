//! Envelopes: the reference's linear ADSR (whole or a window at a time), the exponential decay a
//! kick dies away with, and `np.linspace`'s points.

use super::sample::{IOTA16, SR, Sample};

/// `np.linspace(a, b, n)` (endpoint included), element `i`.
#[inline]
pub(crate) fn linspace_at(a: f64, b: f64, n: usize, i: usize) -> f64 {
    if n <= 1 { a } else { a + (b - a) * i as f64 / (n - 1) as f64 }
}

/// Linear ADSR as `apply_adsr` builds it: attack ≥ 5 ms and release ≥ 10 ms; each segment at
/// least one sample; the envelope padded with zeros or cut to the signal's length. Segments are
/// `np.linspace` ramps (`start + k · step`, the last point exactly the end).
pub fn adsr(signal: &mut [Sample], attack: f64, decay: f64, sustain: f64, release: f64) {
    let total = signal.len();
    adsr_window(signal, 0, total, Adsr { attack, decay, sustain, release });
}

/// A linear ADSR's shape ([`adsr`]): the attack, decay and release in seconds, and the sustain
/// level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adsr {
    pub attack: f64,
    pub decay: f64,
    pub sustain: f64,
    pub release: f64,
}

wide_fn! {
/// [`adsr`] on samples `first..first + signal.len()` of a signal `total` samples long: a long
/// signal can take its envelope a part at a time, each sample the value the whole would give.
pub fn adsr_window(signal: &mut [Sample], first: usize, total: usize, env: Adsr) {
    let Adsr { attack, decay, sustain, release } = env;
    let window_end = first + signal.len();
    let a = ((attack.max(0.005) * SR) as usize).max(1);
    let d = ((decay * SR).max(0.0) as usize).max(1);
    let r = ((release.max(0.01) * SR) as usize).max(1);
    let s = total.saturating_sub(a + d + r).max(1);
    let mut i = 0;
    for (from, to, len) in [(0.0, 1.0, a), (1.0, sustain, d), (sustain, sustain, s), (sustain, 0.0, r)] {
        let end = (i + len).min(total);
        let step = if len > 1 { (to - from) / (len - 1) as f64 } else { 0.0 };
        let (from, to, step) = (from as Sample, to as Sample, step as Sample);
        // `from + k · step` for k < len − 1 (all of a one-sample segment), then `to` at
        // k = len − 1. The counter is a float stepped by whole numbers, sixteen lanes at a time:
        // the same values as `k as f32` (exact below 2^24 samples, over six minutes), without
        // a conversion or a test per sample.
        let ramp_end = if len > 1 { i + len - 1 } else { i + 1 }.min(end);
        let (lo, hi) = (i.max(first), ramp_end.min(window_end));
        if lo < hi {
            const LANES: usize = 16;
            let mut octs = signal[lo - first..hi - first].chunks_exact_mut(LANES);
            let k0 = (lo - i) as Sample;
            let mut k = IOTA16.map(|lane| lane + k0);
            for oct in &mut octs {
                for lane in 0..LANES {
                    oct[lane] *= k[lane].mul_add(step, from);
                    k[lane] += LANES as Sample;
                }
            }
            for (lane, v) in octs.into_remainder().iter_mut().enumerate() {
                *v *= k[lane].mul_add(step, from);
            }
        }
        if ramp_end < end && (first..window_end).contains(&ramp_end) {
            signal[ramp_end - first] *= to;
        }
        i = end;
        if i >= window_end || i == total {
            return;
        }
    }
    signal[i.max(first) - first..].iter_mut().for_each(|v| *v = 0.0);
}
}

wide_fn! {
/// Multiplies samples `first..` of a signal (`signal` holds them) by `exp(−rate · i)`: eight
/// running products side by side (lane l at `exp(−rate · (i + l))`, each stepped by
/// `exp(−8 rate)`), restarted exactly at every 256th sample.
pub(super) fn decay(signal: &mut [Sample], rate: f64, first: usize) {
    if rate == 0.0 {
        return;
    }
    const LANES: usize = 8;
    let lane: [f64; LANES] = std::array::from_fn(|l| (-rate * l as f64).exp());
    let ratio = (-rate * LANES as f64).exp() as Sample;
    let mut i = first;
    let mut rest = signal;
    while !rest.is_empty() {
        let run = (256 - i % 256).min(rest.len());
        let (block, after) = rest.split_at_mut(run);
        let start = (-rate * i as f64).exp();
        let mut gain: [Sample; LANES] = std::array::from_fn(|l| (start * lane[l]) as Sample);
        let mut octs = block.chunks_exact_mut(LANES);
        for oct in &mut octs {
            for l in 0..LANES {
                oct[l] *= gain[l];
                gain[l] *= ratio;
            }
        }
        for (v, g) in octs.into_remainder().iter_mut().zip(gain) {
            *v *= g;
        }
        (i, rest) = (i + run, after);
    }
}
}

#[cfg(test)]
mod tests {
    use rand::RngExt;

    use super::*;
    use crate::synth::primitives::{SynthRng, close};

    #[test]
    fn adsr_builds_the_references_envelope() {
        // 1 s of ones, A 0.1, D 0.1, S 0.5, R 0.2: 4410 up, 4410 down to 0.5, hold, 8820 down.
        let mut x = vec![1.0; 44_100];
        adsr(&mut x, 0.1, 0.1, 0.5, 0.2);
        assert_eq!(x[0], 0.0);
        assert!(close(x[4409], 1.0, 1e-7));
        assert!(close(x[4410], 1.0, 1e-7));
        assert!(close(x[8819], 0.5, 1e-7));
        assert!(close(x[20_000], 0.5, 1e-7));
        assert!(close(x[44_100 - 8820], 0.5, 1e-7));
        assert!(close(x[44_099], 0.0, 1e-7));
        // A note shorter than its envelope is cut: attack only.
        let mut short = vec![1.0; 100];
        adsr(&mut short, 1.0, 0.5, 0.8, 1.0);
        assert!(close(short[99], 99.0 / 44_099.0, 1e-9));
    }

    #[test]
    fn an_envelope_taken_in_parts_is_the_whole_envelope() {
        // Windows of 777 and 64 samples (cutting every segment and its last sample somewhere)
        // over signals longer and shorter than attack + decay + release: each sample as the
        // whole signal's envelope leaves it.
        use rand::SeedableRng;
        let mut rng = SynthRng::seed_from_u64(2);
        for total in [20_000, 3_000, 700] {
            let x: Vec<Sample> = (0..total).map(|_| rng.random_range(-1.0..1.0)).collect();
            let mut whole = x.clone();
            adsr(&mut whole, 0.02, 0.03, 0.6, 0.1);
            let env = Adsr { attack: 0.02, decay: 0.03, sustain: 0.6, release: 0.1 };
            for part in [777, 64] {
                let mut parts = x.clone();
                for (p, window) in parts.chunks_mut(part).enumerate() {
                    adsr_window(window, p * part, total, env);
                }
                assert!(parts == whole, "{total} samples in parts of {part}");
            }
        }
    }

    #[test]
    fn adsr_is_the_concatenated_linspaces() {
        // apply_adsr's envelope written out as the reference does: np.linspace per segment
        // (start + k · (stop − start)/(n − 1), the last point stop; n = 1 gives start),
        // concatenated, then cut or zero-padded to the signal's length.
        fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
            match n {
                0 => vec![],
                1 => vec![a],
                _ => (0..n)
                    .map(|k| if k == n - 1 { b } else { a + k as f64 * ((b - a) / (n - 1) as f64) })
                    .collect(),
            }
        }
        let cases = [
            (0.1, 0.1, 0.5, 0.2, 44_100),
            (0.02, 0.0, 0.7, 0.01, 3_000),
            (0.005, 0.3, 0.55, 0.16, 5_123),
            (1.0, 0.5, 0.8, 1.0, 101),
            (0.0, 0.0, 0.9, 0.0, 7),
            (0.01, 0.01, 0.6, 0.01, 1_324),
            (0.01, 0.01, 0.6, 0.01, 1_325),
        ];
        for (attack, decay, sustain, release, total) in cases {
            let a = ((f64::max(attack, 0.005) * SR) as usize).max(1);
            let d = ((decay * SR) as usize).max(1);
            let r = ((f64::max(release, 0.01) * SR) as usize).max(1);
            let s = usize::saturating_sub(total, a + d + r).max(1);
            let mut env = linspace(0.0, 1.0, a);
            env.extend(linspace(1.0, sustain, d));
            env.extend(linspace(sustain, sustain, s));
            env.extend(linspace(sustain, 0.0, r));
            env.resize(total, 0.0);
            let signal: Vec<f64> = (0..total).map(|i| 1.0 + (i % 7) as f64 * 0.25).collect();
            let mut got: Vec<Sample> = signal.iter().map(|v| *v as Sample).collect();
            adsr(&mut got, attack, decay, sustain, release);
            // In single precision: within its rounding (a sample off a segment's boundary or
            // step would be off by a step, over 5e-5 here).
            for (i, ((g, x), e)) in got.iter().zip(&signal).zip(&env).enumerate() {
                assert!(
                    close(*g, x * e, 1e-6 * x),
                    "sample {i} of {total} ({attack}, {decay}, {sustain}, {release}): {g} vs {}",
                    x * e
                );
            }
        }
    }
}
