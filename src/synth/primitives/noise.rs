//! The synth's per-sample randomness: Gaussian white noise ([`noise`]) and the humanize jitter
//! ([`Jitter`], [`JitterStream`]), both from standard normal draws made sixteen at a time without
//! a branch or a library call, so that jittering a note costs a few vector instructions a sample
//! and can be done on any thread.
//!
//! A [`Normals`] stream is seeded with one 64-bit draw from the render's one generator, so the
//! generator (and the seed) still decides every sample; only the way a draw becomes a normal
//! number differs from the reference's `np.random.normal` (whose stream benchtop never matched:
//! it seeds a generator of its own). Eight xoshiro128++ lanes, seeded by SplitMix64, give 32-bit
//! words; Box–Muller turns two words into two normals: `R = √(−2 ln u₁)`, `u₁ ∈ (0, 1]` from 23
//! bits, and an angle uniform on the circle made of a uniform angle in `[−π/4, π/4)` (23 more
//! bits), swapped about the diagonal or not (one bit) and turned by half a turn or not (one bit):
//! each of the four pieces is the base sector moved by a rotation or a reflection, so together
//! they cover the circle uniformly. `ln`, `sin` and `cos` are polynomials on reduced ranges in
//! single precision (`the_kernels_match_the_standard_library`: within 3e-7). The largest |z| is
//! √(46 ln 2) ≈ 5.65; a normal exceeds it with odds of about 2e-8.

use std::f32::consts::{FRAC_PI_2, LN_2, SQRT_2};

use rand::Rng;

use super::sample::{Sample, SynthRng, samples};

const LANES: usize = 8;
/// Normals one [`Normals::draw`] makes.
pub const BATCH: usize = 2 * LANES;

const ONE_BITS: u32 = 0x3F80_0000;
const MANTISSA: u32 = 0x007F_FFFF;
const SIGN: u32 = 0x8000_0000;

/// A stream of standard normal numbers (see the module).
#[derive(Clone)]
pub struct Normals {
    /// xoshiro128++ state, word by word, lane by lane.
    s: [[u32; LANES]; 4],
}

impl Normals {
    pub fn new(seed: u64) -> Normals {
        let mut x = seed;
        let mut splitmix = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let mut s = [[0; LANES]; 4];
        for lane in 0..LANES {
            let (lo, hi) = (splitmix(), splitmix());
            let words = [lo as u32, (lo >> 32) as u32, hi as u32, (hi >> 32) as u32];
            for (word, w) in s.iter_mut().zip(words) {
                word[lane] = w;
            }
            // An all-zero state would stay zero (odds 2^-128).
            if words == [0; 4] {
                s[0][lane] = 1;
            }
        }
        Normals { s }
    }

    /// One xoshiro128++ step in every lane, an operation at a time across the lanes.
    #[inline(always)]
    fn words(&mut self) -> [u32; LANES] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0; LANES];
        let mut t = [0; LANES];
        for l in 0..LANES {
            out[l] = s0[l].wrapping_add(s3[l]).rotate_left(7).wrapping_add(s0[l]);
        }
        for l in 0..LANES {
            t[l] = s1[l] << 9;
        }
        for l in 0..LANES {
            s2[l] ^= s0[l];
        }
        for l in 0..LANES {
            s3[l] ^= s1[l];
        }
        for l in 0..LANES {
            s1[l] ^= s2[l];
        }
        for l in 0..LANES {
            s0[l] ^= s3[l];
        }
        for l in 0..LANES {
            s2[l] ^= t[l];
        }
        for w in s3.iter_mut() {
            *w = w.rotate_left(11);
        }
        out
    }

    /// The next [`BATCH`] standard normal numbers, in single precision (relative error ~1e-7,
    /// far below what they are used for: a gain jitter of a few percent, noise written as
    /// 16-bit or 32-bit float samples).
    #[inline(always)]
    pub fn draw(&mut self) -> [f32; BATCH] {
        let (a, b) = (self.words(), self.words());
        let (p, q) = box_muller(a, b);
        std::array::from_fn(|k| if k < LANES { p[k] } else { q[k - LANES] })
    }

    /// The next two batches: [`Self::draw`] twice, the same numbers, the two batches' arithmetic
    /// done side by side (sixteen lanes), so that the processor has two independent chains of
    /// polynomial steps to overlap instead of waiting on one.
    #[inline(always)]
    pub fn draw2(&mut self) -> [f32; 2 * BATCH] {
        let (a1, b1) = (self.words(), self.words());
        let (a2, b2) = (self.words(), self.words());
        let join = |x: [u32; LANES], y: [u32; LANES]| -> [u32; 2 * LANES] {
            std::array::from_fn(|l| if l < LANES { x[l] } else { y[l - LANES] })
        };
        let (p, q) = box_muller(join(a1, a2), join(b1, b2));
        std::array::from_fn(|k| {
            let (batch, k) = (k / BATCH, k % BATCH);
            if k < LANES { p[batch * LANES + k] } else { q[batch * LANES + k - LANES] }
        })
    }

    /// Writes standard normal numbers times `scale` into `out`: parts of a signal filled in turn
    /// take the numbers the whole would, where all but the last are multiples of [`BATCH`].
    pub fn fill(&mut self, out: &mut [Sample], scale: f64) {
        fill_normals(self, out, scale);
    }
}

wide_fn! {
fn fill_normals(normals: &mut Normals, out: &mut [Sample], scale: f64) {
    let scale = scale as Sample;
    with_normals(normals, out, |v, z| *v = z * scale);
}
}

/// Calls `each(sample, z)` for every sample of `signal` and the stream's next normal number, the
/// numbers drawn two batches at a time ([`Normals::draw2`]), then one, then a whole batch for a
/// tail shorter than that (none for no tail): parts of a signal taken in turn, all but the last
/// multiples of [`BATCH`], meet the numbers the whole would.
#[inline(always)]
fn with_normals(stream: &mut Normals, signal: &mut [Sample], each: impl Fn(&mut Sample, f32)) {
    // The generator's state in locals (registers) while the signal is walked, put back after.
    let mut local = stream.clone();
    let normals = &mut local;
    let mut pairs = signal.chunks_exact_mut(2 * BATCH);
    for pair in &mut pairs {
        let z = normals.draw2();
        for k in 0..2 * BATCH {
            each(&mut pair[k], z[k]);
        }
    }
    let mut chunks = pairs.into_remainder().chunks_exact_mut(BATCH);
    for chunk in &mut chunks {
        let z = normals.draw();
        for k in 0..BATCH {
            each(&mut chunk[k], z[k]);
        }
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let z = normals.draw();
        for (v, z) in rest.iter_mut().zip(z) {
            each(v, z);
        }
    }
    *stream = local;
}

/// Gaussian white noise, `amp · randn(n)`, from the [`Normals`] that `seed` (one draw from the
/// render's generator, made when the noise is placed) seeds.
pub fn noise(seed: u64, duration: f64, amp: f64) -> Vec<Sample> {
    let mut out = vec![0.0; samples(duration)];
    Normals::new(seed).fill(&mut out, amp);
    out
}

/// Humanize, the reference's per-sample gain jitter `clip(1 + randn · amount · 0.1, 0.9, 1.1)`
/// (`apply_humanize`), drawn now (its one draw from the generator, in the reference's order) and
/// applied later, on any thread: the normal numbers come from a [`Normals`] stream that draw
/// seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Jitter {
    amount: f64,
    seed: u64,
}

impl Jitter {
    pub fn draw(amount: f64, rng: &mut SynthRng) -> Jitter {
        // No jitter draws nothing, as the reference skips `apply_humanize` at 0.
        let seed = if amount > 0.0 { rng.next_u64() } else { 0 };
        Jitter { amount, seed }
    }

    /// The gains as a stream, for a signal jittered a part at a time; none at 0.
    pub fn stream(&self) -> Option<JitterStream> {
        (self.amount > 0.0).then(|| JitterStream::new(self.seed, self.amount))
    }

    /// Jitters a whole signal.
    pub fn apply(&self, signal: &mut [Sample]) {
        if let Some(mut stream) = self.stream() {
            stream.apply(signal);
        }
    }
}

/// The reference's `apply_humanize` with this module's draws: each sample times its own gain
/// `clip(1 + z · amount · 0.1, 0.9, 1.1)`, `z` drawn from `Normals::new(seed)`, as a stream, so a
/// signal can be jittered a part at a time: parts that are multiples of [`BATCH`] (all but the
/// last) take the gains the whole signal would.
pub struct JitterStream {
    normals: Normals,
    scale: Sample,
}

impl JitterStream {
    pub fn new(seed: u64, amount: f64) -> JitterStream {
        JitterStream { normals: Normals::new(seed), scale: (amount * 0.1) as Sample }
    }

    /// Jitters the signal's next part.
    pub fn apply(&mut self, signal: &mut [Sample]) {
        jitter_with(&mut self.normals, signal, self.scale);
    }
}

wide_fn! {
/// Multiplies each sample by its own gain `clip(1 + z · scale, 0.9, 1.1)`, `z` the stream's next
/// normals, [`BATCH`] at a time (a last part shorter than that takes a whole batch).
fn jitter_with(normals: &mut Normals, signal: &mut [Sample], scale: Sample) {
    with_normals(normals, signal, |v, z| *v *= z.mul_add(scale, 1.0).clamp(0.9, 1.1));
}
}

/// Box–Muller on `L` lanes: from the words `a` (the radius) and `b` (the angle and its piece)
/// of each lane, its two normal numbers.
#[inline(always)]
fn box_muller<const L: usize>(a: [u32; L], b: [u32; L]) -> ([f32; L], [f32; L]) {
    let mut r = [0.0f32; L];
    let mut x = [0.0f32; L];
    for l in 0..L {
        // u₁ = 2 − [1, 2): (0, 1] in steps of 2^-23, never 0.
        let u1 = 2.0 - f32::from_bits((a[l] >> 9) | ONE_BITS);
        r[l] = (-2.0 * ln_unit(u1)).sqrt();
    }
    for l in 0..L {
        // The angle in the base sector from bits 7..29 of b; bits 31 and 30 pick the piece.
        x[l] = (f32::from_bits(((b[l] << 2) >> 9) | ONE_BITS) - 1.5) * FRAC_PI_2;
    }
    let (mut p_out, mut q_out) = ([0.0; L], [0.0; L]);
    for l in 0..L {
        let (sin, cos) = sin_cos_quarter(x[l]);
        let swap = b[l] >> 31 == 1;
        let flip = (b[l] << 1) & SIGN;
        let (p, q) = if swap { (sin, cos) } else { (cos, sin) };
        p_out[l] = f32::from_bits((r[l] * p).to_bits() ^ flip);
        q_out[l] = f32::from_bits((r[l] * q).to_bits() ^ flip);
    }
    (p_out, q_out)
}

/// `ln u` for a normal (not subnormal) positive `u`: `u = 2^e · m`, `m` brought into
/// `[√½, √2)`, `ln m = 2 atanh s` with `s = (m − 1)/(m + 1)`, `|s| ≤ 0.172`, to `s⁹` (the first
/// term left out is below 3e-9), the series in `s²` summed by Estrin's scheme (terms in pairs,
/// then pairs of pairs: fewer steps that wait on each other than nesting).
#[inline(always)]
fn ln_unit(u: f32) -> f32 {
    let bits = u.to_bits();
    let m = f32::from_bits((bits & MANTISSA) | ONE_BITS);
    // The exponent field as a float without an integer conversion: 2^23 + field, minus 2^23.
    let field = f32::from_bits(0x4B00_0000 | (bits >> 23)) - 8_388_608.0;
    let big = m > SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = field - if big { 126.0 } else { 127.0 };
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let s4 = s2 * s2;
    let p = s4.mul_add(s4.mul_add(1.0 / 9.0, s2.mul_add(1.0 / 7.0, 1.0 / 5.0)), s2.mul_add(1.0 / 3.0, 1.0));
    e.mul_add(LN_2, (2.0 * s) * p)
}

/// `(sin x, cos x)` for `|x| ≤ π/4`: Taylor to `x⁹` and `x¹⁰` (the first terms left out are
/// below 2e-9 there), as series in `x²` summed by Estrin's scheme, as [`ln_unit`]'s.
#[inline(always)]
fn sin_cos_quarter(x: f32) -> (f32, f32) {
    let x2 = x * x;
    let x4 = x2 * x2;
    let s = x4.mul_add(
        x4.mul_add(1.0 / 362_880.0, x2.mul_add(-1.0 / 5040.0, 1.0 / 120.0)),
        x2.mul_add(-1.0 / 6.0, 1.0),
    );
    let c = x4.mul_add(
        x4.mul_add(x2.mul_add(-1.0 / 3_628_800.0, 1.0 / 40_320.0), x2.mul_add(-1.0 / 720.0, 1.0 / 24.0)),
        x2.mul_add(-0.5, 1.0),
    );
    (x * s, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernels_match_the_standard_library() {
        // Against f64's sin, cos and ln: within a few single-precision roundings.
        for i in 0..=100_000 {
            let x = (i as f32 / 100_000.0 - 0.5) * FRAC_PI_2;
            let (s, c) = sin_cos_quarter(x);
            let (ws, wc) = (x as f64).sin_cos();
            assert!((s as f64 - ws).abs() <= 3e-7 * ws.abs().max(1e-30), "sin({x}) {s} vs {ws}");
            assert!((c as f64 - wc).abs() <= 3e-7, "cos({x}) {c} vs {wc}");
        }
        // ln over (0, 1]: every binade down to 2^-23 and points across each.
        for e in 0..24 {
            for i in 0..2_000 {
                let u = ((1.0 + i as f32 / 2_000.0) * 2f32.powi(-e - 1)).min(1.0);
                let (got, want) = (ln_unit(u) as f64, (u as f64).ln());
                assert!((got - want).abs() <= 3e-7 * want.abs().max(1.0), "ln({u}) {got} vs {want}");
            }
        }
        assert_eq!(ln_unit(1.0), 0.0);
    }

    /// `n` draws from `Normals::new(seed)`, in double precision for the statistics.
    fn normals(seed: u64, n: usize) -> Vec<f64> {
        let mut z = vec![0.0; n];
        Normals::new(seed).fill(&mut z, 1.0);
        z.iter().map(|v| *v as f64).collect()
    }

    /// `|got − p| < 5` standard errors of a fraction out of `n` draws.
    fn fraction_near(got: f64, p: f64, n: usize, what: &str) {
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!((got - p).abs() < 5.0 * se, "{what}: {got} vs {p} (se {se})");
    }

    #[test]
    fn draws_are_standard_normal() {
        // 2^22 draws against the normal distribution: the mass inside ±1, ±2, ±3 is erf(k/√2)
        // (Python: math.erf(1/math.sqrt(2)) = 0.6826894921370859, 0.9544997361036416,
        // 0.9973002039367398), below 0 one half, below −1.959963984540054 (the 2.5% point)
        // 0.025; the mean 0 (se 1/√n), the variance 1 (se √(2/n)), the fourth moment 3
        // (se √(96/n): E z⁸ − 9 = 105 − 9), each within five standard errors.
        let n = 1 << 22;
        let z = normals(42, n);
        let frac = |f: &dyn Fn(f64) -> bool| z.iter().filter(|v| f(**v)).count() as f64 / n as f64;
        fraction_near(frac(&|v| v.abs() < 1.0), 0.6826894921370859, n, "inside ±1");
        fraction_near(frac(&|v| v.abs() < 2.0), 0.9544997361036416, n, "inside ±2");
        fraction_near(frac(&|v| v.abs() < 3.0), 0.9973002039367398, n, "inside ±3");
        fraction_near(frac(&|v| v < 0.0), 0.5, n, "below 0");
        fraction_near(frac(&|v| v < -1.959963984540054), 0.025, n, "below the 2.5% point");
        // Each side of the pairs alone (the first and last eight of every sixteen): only a
        // uniform angle makes both normal.
        for side in 0..2 {
            let half: Vec<f64> =
                z.chunks(BATCH).flat_map(|b| b[side * LANES..(side + 1) * LANES].to_vec()).collect();
            let inside = half.iter().filter(|v| v.abs() < 1.0).count() as f64 / half.len() as f64;
            fraction_near(inside, 0.6826894921370859, half.len(), &format!("side {side} inside ±1"));
        }
        let moment = |k: i32| z.iter().map(|v| v.powi(k)).sum::<f64>() / n as f64;
        let sqrt_n = (n as f64).sqrt();
        assert!(moment(1).abs() < 5.0 / sqrt_n, "mean {}", moment(1));
        assert!((moment(2) - 1.0).abs() < 5.0 * 2f64.sqrt() / sqrt_n, "variance {}", moment(2));
        assert!((moment(4) - 3.0).abs() < 5.0 * 96f64.sqrt() / sqrt_n, "fourth moment {}", moment(4));
    }

    #[test]
    fn draws_are_uncorrelated_and_so_are_their_squares() {
        // Neighbouring draws (other lanes), a Box–Muller pair's two halves (8 apart: they share
        // R, and only a correct angle makes their squares uncorrelated) and one lane's next draw
        // (16 apart): the correlations of the draws and of their squares are 0 for independent
        // normals, within five standard errors (1/√n).
        let n = 1 << 21;
        let z = normals(7, n + 16);
        let corr = |x: &dyn Fn(f64) -> f64, lag: usize| {
            let a: Vec<f64> = z[..n].iter().map(|v| x(*v)).collect();
            let b: Vec<f64> = z[lag..lag + n].iter().map(|v| x(*v)).collect();
            let mean = |v: &[f64]| v.iter().sum::<f64>() / n as f64;
            let (ma, mb) = (mean(&a), mean(&b));
            let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
            let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
            let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
            cov / (va * vb).sqrt()
        };
        for lag in [1, 8, 16] {
            for (what, f) in [("draws", &(|v: f64| v) as &dyn Fn(f64) -> f64), ("squares", &|v: f64| v * v)] {
                let r = corr(f, lag);
                assert!(r.abs() < 5.0 / (n as f64).sqrt(), "{what} {lag} apart: r = {r}");
            }
        }
    }

    #[test]
    fn a_seed_gives_one_stream() {
        let draw = |seed| {
            let mut z = vec![0.0; 100];
            Normals::new(seed).fill(&mut z, 1.0);
            z
        };
        assert_eq!(draw(3), draw(3));
        assert!(draw(3).iter().zip(draw(4)).all(|(a, b)| a != &b));
        // Two batches side by side are the next two batches, in order, bit for bit; so a signal
        // filled or jittered in parts (pairs of batches, a lone batch, a tail) matches it whole.
        let (mut one, mut two) = (Normals::new(8), Normals::new(8));
        for _ in 0..3 {
            let (first, second) = (one.draw(), one.draw());
            let both = two.draw2();
            assert_eq!(both[..BATCH], first);
            assert_eq!(both[BATCH..], second);
        }
        let whole = draw(5);
        let mut parts = vec![0.0; 100];
        let mut normals = Normals::new(5);
        for part in parts.chunks_mut(3 * BATCH) {
            normals.fill(part, 1.0);
        }
        assert_eq!(parts, whole);
    }

    #[test]
    fn jitter_gains_spread_by_a_tenth_of_the_amount_and_clip_at_ten_percent() {
        // Amount 0.3: gains 1 + 0.03 z clipped to [0.9, 1.1], so a gain is clipped when
        // |z| > 10/3: 2·(1 − Φ(10/3)) = math.erfc(10/3/math.sqrt(2)) = 0.0008581206663936747.
        // The gains' mean is 1 and their standard deviation 0.03 √E[min(z², c²)], c = 10/3:
        // E = (1 − 2Q) − 2cφ(c) + 2c²Q with Q = 1 − Φ(c) (Python, math.erfc and math.exp):
        // 0.998394693429373, so 0.02997591072989169 (se 0.03/√(2n)).
        let n = 1 << 22;
        let mut g = vec![1.0; n];
        JitterStream::new(99, 0.3).apply(&mut g);
        assert!(g.iter().all(|v| (0.9..=1.1).contains(v)));
        let clipped = g.iter().filter(|v| **v == 0.9 || **v == 1.1).count() as f64 / n as f64;
        let g: Vec<f64> = g.iter().map(|v| *v as f64).collect();
        fraction_near(clipped, 0.0008581206663936747, n, "clipped");
        let mean = g.iter().sum::<f64>() / n as f64;
        let sd = (g.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((mean - 1.0).abs() < 5.0 * 0.03 / (n as f64).sqrt(), "mean {mean}");
        let sd_se = 0.03 / (2.0 * n as f64).sqrt();
        assert!((sd - 0.02997591072989169).abs() < 5.0 * sd_se, "sd {sd}");
        // Amount 0 leaves the signal as it was.
        let mut same = vec![0.25; 10];
        JitterStream::new(1, 0.0).apply(&mut same);
        assert_eq!(same, vec![0.25; 10]);
    }
}
