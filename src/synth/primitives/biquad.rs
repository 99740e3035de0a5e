//! The reference's second-order Butterworth filters (`scipy.signal.butter(2, …)` run by
//! `lfilter`): the design, and the recursion run eight samples at a time.

use std::f64::consts::PI;

use super::sample::{SR, Sample};

/// A second-order section `(b0, b1, b2, a1, a2)` (a0 = 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Biquad {
    pub b: [f64; 3],
    pub a: [f64; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Low,
    High,
}

impl Biquad {
    /// `scipy.signal.butter(2, wn, btype)` for a cutoff `wn` as a fraction of Nyquist (bilinear
    /// transform with prewarping).
    pub fn butterworth(pass: Pass, wn: f64) -> Biquad {
        let k = (PI * wn / 2.0).tan();
        let k2 = k * k;
        let norm = 1.0 + std::f64::consts::SQRT_2 * k + k2;
        let a = [2.0 * (k2 - 1.0) / norm, (1.0 - std::f64::consts::SQRT_2 * k + k2) / norm];
        let b = match pass {
            Pass::Low => [k2 / norm, 2.0 * k2 / norm, k2 / norm],
            Pass::High => [1.0 / norm, -2.0 / norm, 1.0 / norm],
        };
        Biquad { b, a }
    }

    /// The filter the reference applies for a cutoff in Hz: normalized to Nyquist, clamped to
    /// 0.001..0.99 and quantized to steps of 0.001.
    pub fn for_cutoff(pass: Pass, cutoff: f64) -> Biquad {
        let normalized = (cutoff / (SR / 2.0)).clamp(0.001, 0.99);
        let quantized = (normalized / 0.001).round_ties_even() * 0.001;
        Self::butterworth(pass, quantized)
    }

    /// `scipy.signal.lfilter(b, a, x)` from rest (transposed direct form II), in place.
    ///
    /// The state `s = (z1, z2)` moves as `s' = A s + B x` with `A = [[−a1, 1], [−a2, 0]]` and
    /// `B = (b1 − a1 b0, b2 − a2 b0)`, and `y = z1 + b0 x`. Eight samples are computed at a time
    /// from the state at their start (powers of `A` precomputed), so the only chain the
    /// processor must wait on is `s → A⁸ s`, once per eight samples instead of a multiply-add
    /// per sample. The recursion (the state, and the state's part of each output) runs in
    /// double precision: at the lowest cutoffs the poles sit so near the unit circle that single
    /// precision would move them, and the filter's response with them. The
    /// inputs' part of each output (a short convolution with the impulse response) runs in
    /// single precision, eight outputs to an instruction. Equal to the one-at-a-time recursion
    /// in double precision up to single-precision rounding (`eight_at_a_time_is_the_recursion`).
    pub fn run(&self, signal: &mut [Sample]) {
        let blocks = BiquadBlocks::new(self);
        let (head, rest) = signal.as_chunks_mut::<BIQUAD_BLOCK>();
        let s = run_blocks(&blocks, head, [0.0, 0.0]);
        let ([b0, b1, b2], [a1, a2]) = (self.b, self.a);
        let [mut z1, mut z2] = s;
        for v in rest {
            let x = f64::from(*v);
            let y = b0 * x + z1;
            z1 = b1 * x - a1 * y + z2;
            z2 = b2 * x - a2 * y;
            *v = y as Sample;
        }
    }
}

wide_fn! {
/// [`BiquadBlocks::run`] over whole blocks from the state `s`; returns the state past them. The
/// AVX2 and AVX-512 copies are [`run_blocks_avx2`].
fn run_blocks(blocks: &BiquadBlocks, signal: &mut [[Sample; BIQUAD_BLOCK]], s: [f64; 2]) -> [f64; 2] {
    let mut s = s;
    for block in signal {
        s = blocks.run(block, s);
    }
    s
}
avx2: run_blocks_avx2
}

/// [`run_blocks`] with AVX2 and FMA instructions, the same operations in the same order lane by
/// lane (so the same bits). Written by hand: from [`BiquadBlocks::run`] the compiler computes
/// the next state's share of the inputs for the two parts side by side, each sample converted
/// and copied into both, where here each part's products are one vector operation.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn run_blocks_avx2(blocks: &BiquadBlocks, signal: &mut [[Sample; BIQUAD_BLOCK]], s: [f64; 2]) -> [f64; 2] {
    use std::arch::x86_64::*;
    const N: usize = BIQUAD_BLOCK;
    // SAFETY: every load and store below is of eight f32 or four f64 inside the arrays of
    // `blocks` or inside a block of `signal`.
    unsafe {
        let rows = [0, 1].map(|i| {
            [
                _mm256_loadu_pd(blocks.state_rows[i].as_ptr()),
                _mm256_loadu_pd(blocks.state_rows[i][4..].as_ptr()),
            ]
        });
        let cols: [__m256; N] = std::array::from_fn(|j| _mm256_loadu_ps(blocks.input_cols[j].as_ptr()));
        let feed = [0, 1].map(|i| {
            [_mm256_loadu_pd(blocks.feed[i].as_ptr()), _mm256_loadu_pd(blocks.feed[i][4..].as_ptr())]
        });
        // A^N's columns: lane i of `a_col[c]` is A^N[i][c].
        let a_n = &blocks.a_n;
        let a_col = [_mm_set_pd(a_n[1][0], a_n[0][0]), _mm_set_pd(a_n[1][1], a_n[0][1])];
        let mut state = _mm_set_pd(s[1], s[0]);
        for block in signal {
            let at = block.as_mut_ptr();
            let x = _mm256_loadu_ps(at);
            // The next state's share of the inputs (it does not wait on the state): each part's
            // lanes j and j + 4 fused, then the halves, then the two parts' pairs.
            let xd =
                [_mm256_cvtps_pd(_mm256_castps256_ps128(x)), _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))];
            let halves = |i: usize| {
                let q = _mm256_fmadd_pd(feed[i][1], xd[1], _mm256_mul_pd(feed[i][0], xd[0]));
                _mm_add_pd(_mm256_castpd256_pd128(q), _mm256_extractf128_pd(q, 1))
            };
            let fed = _mm_hadd_pd(halves(0), halves(1));
            // The state's part, four outputs to a double-precision register.
            let (s0, s1) = (
                _mm256_set1_pd(_mm_cvtsd_f64(state)),
                _mm256_set1_pd(_mm_cvtsd_f64(_mm_unpackhi_pd(state, state))),
            );
            let part =
                |h: usize| _mm256_cvtpd_ps(_mm256_fmadd_pd(s1, rows[1][h], _mm256_mul_pd(s0, rows[0][h])));
            let state_part = _mm256_set_m128(part(1), part(0));
            // The inputs' part: one chain of multiply-adds (it does not feed the next block, so
            // blocks overlap).
            let xj = |j: usize| _mm256_broadcast_ss(&*at.add(j));
            let mut inputs = _mm256_mul_ps(xj(0), cols[0]);
            for (j, col) in cols.iter().enumerate().skip(1) {
                inputs = _mm256_fmadd_ps(xj(j), *col, inputs);
            }
            state = _mm_fmadd_pd(
                a_col[1],
                _mm_unpackhi_pd(state, state),
                _mm_fmadd_pd(a_col[0], _mm_unpacklo_pd(state, state), fed),
            );
            _mm256_storeu_ps(at, _mm256_add_ps(state_part, inputs));
        }
        let mut out = [0.0; 2];
        _mm_storeu_pd(out.as_mut_ptr(), state);
        out
    }
}

/// Samples [`Biquad::run`] computes at a time.
const BIQUAD_BLOCK: usize = 8;

/// What a biquad does to a block of [`BIQUAD_BLOCK`] samples, from its state at the block's start.
struct BiquadBlocks {
    /// Output k's share of the state: row 0 of A^k, part by part (`state_rows[i][k]`).
    state_rows: [[f64; BIQUAD_BLOCK]; 2],
    /// Output k's share of input j: the impulse response `h[k − j]` (zero for k < j).
    input_cols: [[Sample; BIQUAD_BLOCK]; BIQUAD_BLOCK],
    /// The next state's share of input j: A^(N−1−j)·B, part by part (`feed[i][j]`).
    feed: [[f64; BIQUAD_BLOCK]; 2],
    /// The next state's share of the state: A^N.
    a_n: [[f64; 2]; 2],
}

impl BiquadBlocks {
    fn new(q: &Biquad) -> BiquadBlocks {
        const N: usize = BIQUAD_BLOCK;
        type M = [[f64; 2]; 2];
        let mul = |p: M, q: M| -> M {
            [
                [p[0][0] * q[0][0] + p[0][1] * q[1][0], p[0][0] * q[0][1] + p[0][1] * q[1][1]],
                [p[1][0] * q[0][0] + p[1][1] * q[1][0], p[1][0] * q[0][1] + p[1][1] * q[1][1]],
            ]
        };
        let apply = |p: M, v: [f64; 2]| [p[0][0] * v[0] + p[0][1] * v[1], p[1][0] * v[0] + p[1][1] * v[1]];
        let dot = |p: [f64; 2], v: [f64; 2]| p[0] * v[0] + p[1] * v[1];
        let ([b0, b1, b2], [a1, a2]) = (q.b, q.a);
        let a = [[-a1, 1.0], [-a2, 0.0]];
        let b = [b1 - a1 * b0, b2 - a2 * b0];
        // A^0 ..= A^N.
        let mut pow = [[[1.0, 0.0], [0.0, 1.0]]; N + 1];
        for k in 1..=N {
            pow[k] = mul(pow[k - 1], a);
        }
        let mut blocks = BiquadBlocks {
            state_rows: [[0.0; N]; 2],
            input_cols: [[0.0; N]; N],
            feed: [[0.0; N]; 2],
            a_n: pow[N],
        };
        // The impulse response: h[0] = b0, h[m] = C·A^(m−1)·B (C = (1, 0)).
        let mut h = [b0; N];
        for k in 0..N {
            blocks.state_rows[0][k] = pow[k][0][0];
            blocks.state_rows[1][k] = pow[k][0][1];
            if k > 0 {
                h[k] = dot(pow[k - 1][0], b);
            }
        }
        for j in 0..N {
            for k in j..N {
                blocks.input_cols[j][k] = h[k - j] as Sample;
            }
            [blocks.feed[0][j], blocks.feed[1][j]] = apply(pow[N - 1 - j], b);
        }
        blocks
    }

    /// One block in place, the state moved past it, in fused multiply-adds (one rounding each).
    /// Each output is the state's part (double precision, `s1 · r1 + s0 · r0`, then rounded)
    /// plus the inputs' part, `x7 c7 + (… + (x1 c1 + x0 c0))`; the next state is
    /// `A¹ s1 + (A⁰ s0 + fed)`, so that it waits on two multiply-adds a block, with the inputs'
    /// share `fed` summed as [`run_blocks_avx2`] sums it: lanes `j` and `j + 4` fused, then the
    /// halves, then the pair. Plain loops (a closure the compiler left out of line would miss the
    /// wide instructions of the copy it is in).
    #[inline(always)]
    fn run(&self, block: &mut [Sample; BIQUAD_BLOCK], s: [f64; 2]) -> [f64; 2] {
        const N: usize = BIQUAD_BLOCK;
        let x: [Sample; N] = *block;
        let c = &self.input_cols;
        let mut inputs: [Sample; N] = [0.0; N];
        for k in 0..N {
            inputs[k] = x[0] * c[0][k];
        }
        for j in 1..N {
            for k in 0..N {
                inputs[k] = x[j].mul_add(c[j][k], inputs[k]);
            }
        }
        let rows = &self.state_rows;
        for k in 0..N {
            let state = s[1].mul_add(rows[1][k], s[0] * rows[0][k]);
            block[k] = state as Sample + inputs[k];
        }
        let mut next = [0.0; 2];
        for ((next, feed), a_n) in next.iter_mut().zip(&self.feed).zip(&self.a_n) {
            let mut q = [0.0; 4];
            for l in 0..4 {
                q[l] = feed[l + 4].mul_add(f64::from(x[l + 4]), feed[l] * f64::from(x[l]));
            }
            let fed = (q[0] + q[2]) + (q[1] + q[3]);
            *next = a_n[1].mul_add(s[1], a_n[0].mul_add(s[0], fed));
        }
        next
    }
}

pub fn lowpass(signal: &mut [Sample], cutoff: f64) {
    Biquad::for_cutoff(Pass::Low, cutoff).run(signal);
}

pub fn highpass(signal: &mut [Sample], cutoff: f64) {
    Biquad::for_cutoff(Pass::High, cutoff).run(signal);
}

#[cfg(test)]
mod tests {
    use rand::Rng;

    use super::*;
    use crate::synth::primitives::{SynthRng, close, noise};

    #[test]
    fn butterworth_matches_scipy() {
        // python -c "from scipy.signal import butter; print(butter(2, 0.1, 'low')); print(butter(2, 0.3, 'high'))"
        // (scipy 1.17.1)
        let lp = Biquad::butterworth(Pass::Low, 0.1);
        let want_b = [0.020083365564211, 0.040166731128422, 0.020083365564211];
        let want_a = [-1.561018075800718, 0.641351538057563];
        let mut got = lp.b.iter().zip(&want_b).chain(lp.a.iter().zip(&want_a));
        assert!(got.all(|(g, w)| close(*g, *w, 1e-12)), "{lp:?}");
        let hp = Biquad::butterworth(Pass::High, 0.3);
        let want_b = [0.505001029045878, -1.010002058091755, 0.505001029045878];
        let want_a = [-0.747789178258503, 0.272214937925007];
        let mut got = hp.b.iter().zip(&want_b).chain(hp.a.iter().zip(&want_a));
        assert!(got.all(|(g, w)| close(*g, *w, 1e-12)), "{hp:?}");
    }

    #[test]
    fn eight_at_a_time_is_the_recursion() {
        // lfilter's definition, one sample at a time in double precision, on noise through the
        // synth's extremes of cutoff (the poles nearest the unit circle are the hardest case).
        // The block's single-precision part (the inputs' short convolution, the output) parts
        // them by a few roundings of the peak.
        const TOL: f64 = 5e-7;
        use rand::SeedableRng;
        let mut rng = SynthRng::seed_from_u64(11);
        let x = noise(rng.next_u64(), 0.5, 1.0);
        for (pass, cutoff) in
            [(Pass::Low, 20.0), (Pass::Low, 55.0), (Pass::Low, 1_500.0), (Pass::High, 7_000.0)]
        {
            let f = Biquad::for_cutoff(pass, cutoff);
            let ([b0, b1, b2], [a1, a2]) = (f.b, f.a);
            let (mut z1, mut z2) = (0.0, 0.0);
            let want: Vec<f64> = x
                .iter()
                .map(|x| {
                    let x = *x as f64;
                    let y = b0 * x + z1;
                    z1 = b1 * x - a1 * y + z2;
                    z2 = b2 * x - a2 * y;
                    y
                })
                .collect();
            for len in [x.len(), 4003, 3, 0] {
                let mut got = x[..len].to_vec();
                f.run(&mut got);
                let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((*g as f64 - w).abs() <= TOL * scale, "{cutoff} Hz [{i}]: {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn lowpass_passes_dc_and_stops_nyquist() {
        let mut dc = vec![1.0; 4000];
        lowpass(&mut dc, 1000.0);
        assert!(close(dc[3999], 1.0, 1e-6));
        let mut alt: Vec<Sample> = (0..4000).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        lowpass(&mut alt, 1000.0);
        assert!(alt[3999].abs() < 1e-6);
        let mut hp = vec![1.0; 4000];
        highpass(&mut hp, 200.0);
        assert!(hp[3999].abs() < 1e-6, "{}", hp[3999]);
    }
}
