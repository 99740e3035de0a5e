//! The band-limited saw and square as the reference renders them (the naive wave minus 4-point
//! PolyBLEP residuals at 2× oversampling, then `decimate(x, 2, ftype="fir")`), computed without
//! oversampling: the decimation filter's taps and what it makes of a step, each edge's
//! correction from tables or from a note's cubic [`EdgeKernel`], and the naive ramps between.

use std::f64::consts::PI;
use std::sync::OnceLock;

use super::sample::{IOTA16, SR, Sample, samples};

/// The 4-point PolyBLEP residual at phase `t` (0..1) for step size `dt` (`synth.py`'s regions).
/// Every region's value is computed and the one `t` falls in picked, without a branch (the
/// region changes from sample to sample around an edge, which a processor cannot predict).
#[inline(always)]
fn poly_blep(t: f64, blep: Blep) -> f64 {
    let dt = blep.dt;
    let after = t * blep.per_dt;
    let before = (t - 1.0) * blep.per_dt;
    let x = after - 1.0;
    let y = before + 1.0;
    let rising = after * after * (2.0 * after - 3.0) + 1.0;
    let settling = x * x * (2.0 * x - 3.0);
    let falling = before * before * (2.0 * before + 3.0) + 1.0;
    let leading = y * y * (2.0 * y + 3.0);
    let v = if t > 1.0 - 2.0 * dt { leading } else { 0.0 };
    let v = if t > 1.0 - dt { falling } else { v };
    let v = if t < 2.0 * dt { settling } else { v };
    if t < dt { rising } else { v }
}

/// A PolyBLEP's step `dt` (phase per oversampled sample) and its reciprocal, by which the
/// residuals multiply (the reference divides by `dt`; the two differ by a rounding at most).
#[derive(Clone, Copy)]
struct Blep {
    dt: f64,
    per_dt: f64,
}

impl Blep {
    fn new(dt: f64) -> Blep {
        Blep { dt, per_dt: 1.0 / dt }
    }
}

/// Oversampled samples per output sample. The decimation filter is the half-band filter for this
/// factor, and the edge code counts on it being 2: outputs centred on every other oversampled
/// sample, an edge told apart by the parity of its first sample.
const OVERSAMPLE: usize = 2;

/// Taps of the decimation filter (`firwin(41, …)`), at offsets −[`CENTRE`]..=[`CENTRE`] from an
/// output's centre.
const TAPS: usize = 41;

/// The centre tap's index.
const CENTRE: usize = TAPS / 2;

/// The farthest offset from an output's centre whose tap `decimate2` reads: the taps at
/// ±[`CENTRE`], an even offset where the half-band filter is zero (to rounding), are left out,
/// so a window reads 39 taps.
const REACH: usize = CENTRE - 1;

/// The nonzero taps either side of the centre: the odd offsets 1, 3, …, [`REACH`].
const PAIRS: usize = REACH.div_ceil(2);

/// The constant term of scipy's Hamming window, `HAMMING_A − HAMMING_B · cos(2πk / (TAPS − 1))`.
const HAMMING_A: f64 = 0.54;
/// The cosine's weight in scipy's Hamming window (see [`HAMMING_A`]).
const HAMMING_B: f64 = 0.46;

/// Oversampled samples a PolyBLEP residual reaches either side of its edge (4-point PolyBLEP:
/// its regions end two steps of `dt` either way).
const BLEP_REACH: i64 = 2;

/// The oversampled samples looked at around an edge for its residuals: [`RESIDUALS_BEFORE`]
/// before its first sample at or past it, the rest from there on (more than [`BLEP_REACH`]
/// either way, so that they hold every residual however the edge falls between samples).
const RESIDUALS: usize = 8;
/// Of the [`RESIDUALS`] samples around an edge, those before its first sample at or past it.
const RESIDUALS_BEFORE: usize = RESIDUALS / 2;

/// Oversampled steps past either end of the signal beyond which an edge leaves nothing in it
/// (its residuals reach [`BLEP_REACH`] steps; the rest is margin).
const EDGE_REACH: f64 = 5.0;

/// The fewest oversampled samples between edges for [`band_limited_add`]'s short cut: the
/// samples around an edge then hold no other edge's residuals. Waves with closer edges (the
/// highest notes) are computed in full.
const MIN_EDGE_GAP: f64 = 10.0;

/// A starting phase (in periods) past which [`band_limited_add`] does not trust its float
/// arithmetic to find the edges, and computes the wave in full (no note gets near it).
const FAR_PHASE: f64 = 1e12;

/// Notes shorter than this (in output samples) are computed in full.
const SHORTEST_BY_EDGES: usize = 40;

/// The first output whose window lies inside the signal (its centre [`CENTRE`] oversampled
/// samples in); the outputs before it, and as many at the end, are computed in full.
const FIRST_INSIDE: usize = CENTRE / OVERSAMPLE;

/// The fewest edges in a note that repay making its [`EdgeKernel`] when none is at hand.
const KERNEL_MIN_EDGES: f64 = 64.0;

/// `scipy.signal.firwin(41, 0.5, window="hamming")`: the anti-alias filter of
/// `decimate(x, 2, ftype="fir")`, normalized to unit gain at DC.
pub fn decimation_taps() -> &'static [f64; TAPS] {
    static MADE: OnceLock<[f64; TAPS]> = OnceLock::new();
    MADE.get_or_init(|| {
        let mut h = [0.0; TAPS];
        let cutoff = 1.0 / OVERSAMPLE as f64;
        for (k, tap) in h.iter_mut().enumerate() {
            let m = k as f64 - CENTRE as f64;
            let x = cutoff * m;
            let sinc = if x == 0.0 { 1.0 } else { (PI * x).sin() / (PI * x) };
            let hamming = HAMMING_A - HAMMING_B * (2.0 * PI * k as f64 / (TAPS - 1) as f64).cos();
            *tap = cutoff * sinc * hamming;
        }
        let sum: f64 = h.iter().sum();
        h.iter_mut().for_each(|t| *t /= sum);
        h
    })
}

/// `decimate(x, 2, ftype="fir", zero_phase=True)` for the outputs `js`, which scipy runs as
/// `resample_poly(x, 1, 2, window=taps)`: `y[j] = Σ_i h[20 + i] · X[2j + i]`, zeros outside the
/// `len` oversampled samples. `x` holds `X[from..]`, at least every sample the windows reach.
/// The half-band filter is zero at every even offset but the centre, and symmetric: one centre
/// tap and ten pairs. Adds `amp · y[j]` to `out[j]`. Inlined into [`band_limited_add`]'s copies
/// (through [`Wave::full`]).
#[inline(always)]
fn decimate2_add(
    x: &[f64],
    from: usize,
    len: usize,
    js: std::ops::RangeInclusive<usize>,
    amp: f64,
    out: &mut [Sample],
) {
    let h = decimation_taps();
    let centre = h[CENTRE];
    let mut pairs = [0.0; PAIRS];
    for (k, pair) in pairs.iter_mut().enumerate() {
        *pair = h[CENTRE + 1 + 2 * k];
    }
    let end = from + x.len();
    for j in js {
        let c = OVERSAMPLE * j;
        let y = if c >= from + REACH && c + REACH < end {
            let w = &x[c - REACH - from..=c + REACH - from];
            let mut acc = centre * w[REACH];
            for (k, h) in pairs.iter().enumerate() {
                let d = 2 * k + 1;
                acc += h * (w[REACH - d] + w[REACH + d]);
            }
            acc
        } else {
            let at = |i: isize| {
                if i >= 0 && (i as usize) < len {
                    debug_assert!(
                        i as usize >= from && (i as usize) < end,
                        "window outside the oversampled run"
                    );
                    x[i as usize - from]
                } else {
                    0.0
                }
            };
            let mut acc = centre * at(c as isize);
            for (k, h) in pairs.iter().enumerate() {
                let d = (2 * k + 1) as isize;
                acc += h * (at(c as isize - d) + at(c as isize + d));
            }
            acc
        };
        out[j] += (amp * y) as Sample;
    }
}

/// The two band-limited waves: the naive wave minus its PolyBLEP residuals, per oversampled phase.
#[derive(Clone, Copy)]
pub(super) enum Edges {
    /// One edge a period, at phase 0, where `2t − 1` falls by 2.
    Saw,
    /// ±1: an edge at phase 0 (rising by 2) and one at ½ (falling by 2).
    Square,
}

impl Edges {
    /// The oversampled sample at phase `t`, as the reference builds it.
    #[inline]
    fn sample(self, t: f64, blep: Blep) -> f64 {
        self.naive(t) + self.residual(t, blep)
    }

    #[inline]
    fn naive(self, t: f64) -> f64 {
        match self {
            Self::Saw => 2.0 * t - 1.0,
            Self::Square => {
                if t < 0.5 {
                    1.0
                } else {
                    -1.0
                }
            }
        }
    }

    /// The PolyBLEP correction at phase `t` (zero away from the edges).
    #[inline(always)]
    fn residual(self, t: f64, blep: Blep) -> f64 {
        match self {
            Self::Saw => -poly_blep(t, blep),
            Self::Square => poly_blep(t, blep) - poly_blep((t + 0.5).rem_euclid(1.0), blep),
        }
    }

    /// The wave's slope between edges, per unit of phase.
    fn slope(self) -> f64 {
        match self {
            Self::Saw => 2.0,
            Self::Square => 0.0,
        }
    }

    fn per_period(self) -> u32 {
        match self {
            Self::Saw => 1,
            Self::Square => 2,
        }
    }

    /// Edge `k` (at unwrapped phase `k / per_period`): the jump there and the wave just before
    /// it as a function of the unwrapped phase `p`.
    #[inline]
    fn edge(self, k: i64, p: f64) -> (f64, f64) {
        match self {
            Self::Saw => (-2.0, 2.0 * (p - (k - 1) as f64) - 1.0),
            Self::Square if k % 2 == 0 => (2.0, -1.0),
            Self::Square => (-2.0, 1.0),
        }
    }
}

/// `T[m + 20] = Σ_{k ≥ m} h[20 + k]` over the 39 taps `decimate2` reads (`m` in −20..=20): what
/// the filter makes at a centre of a unit step that starts `m` samples past it.
/// Computed once (each edge kernel reads it too).
fn tap_tails() -> &'static [f64; TAPS] {
    static TAILS: OnceLock<[f64; TAPS]> = OnceLock::new();
    TAILS.get_or_init(|| {
        let mut tails = [0.0; TAPS];
        for m in (0..TAPS - 1).rev() {
            tails[m] = tails[m + 1] + tap_at(m as i64 - CENTRE as i64);
        }
        tails
    })
}

/// The decimation filter's tap at offset `d` from a window's centre: zero past ±19, the 39 taps
/// `decimate2` reads.
fn tap_at(d: i64) -> f64 {
    if d.abs() <= REACH as i64 { decimation_taps()[(d + CENTRE as i64) as usize] } else { 0.0 }
}

/// What the filter makes at a window's centre of a unit step that starts `d` samples past it,
/// less the step's own value there (`tails` from [`tap_tails`]): zero once the window is past
/// the step either way.
fn step_correction(tails: &[f64; TAPS], d: i64) -> f64 {
    let c = CENTRE as i64;
    tails[(d.clamp(-c, c) + c) as usize] - if d <= 0 { 1.0 } else { 0.0 }
}

/// Outputs of one edge window handled at a time (a window spans at most ~24).
const WINDOW_CHUNK: usize = 32;

/// What the filter makes of a unit step and of a single sample, by offset from a window's
/// centre, laid out so that the offsets `d, d − 2, d − 4, …` (the next outputs' centres are two
/// oversampled samples on) are consecutive: offset `d` is slot `(MAX − d) / 2` of row
/// `(MAX − d) mod 2`.
struct WindowTables {
    /// For a unit step starting at offset `d` (`d` in ±STEPS_MAX): the filter's output at the
    /// centre less the step's value there, `T[clamp(d, −20, 20) + 20] − [d ≤ 0]` (zero once the
    /// window is past the step either way).
    steps: [[Sample; STEPS_MAX as usize + 1]; 2],
    /// The tap at offset `d` (zero past ±19) for `d` in ±TAPS_MAX.
    taps: [[Sample; TAPS_MAX as usize + 1]; 2],
}

/// How far from an output's centre an edge's jump can lie for the first output of a window that
/// sees it (from about +24 down to −22), with room to spare.
const JUMP_OFFSETS: i64 = 32;

/// The same for the residuals around an edge ([`RESIDUALS_BEFORE`] samples either side of the
/// jump, so up to 4 more either way), with room to spare.
const RESIDUAL_OFFSETS: i64 = 40;

/// The offsets [`WindowTables::steps`] reach either way: a chunk of [`WINDOW_CHUNK`] outputs reads
/// up to 2·WINDOW_CHUNK below its first output's offset.
const STEPS_MAX: i64 = JUMP_OFFSETS + 2 * WINDOW_CHUNK as i64;
/// The offsets [`WindowTables::taps`] reach either way (as [`STEPS_MAX`]).
const TAPS_MAX: i64 = RESIDUAL_OFFSETS + 2 * WINDOW_CHUNK as i64;

impl WindowTables {
    fn row<const N: usize>(rows: &[[Sample; N]; 2], max: i64, d: i64, len: usize) -> &[Sample] {
        let u = usize::try_from(max - d).expect("offset inside the table");
        &rows[u % 2][u / 2..u / 2 + len]
    }

    /// The step corrections at offsets `d, d − 2, …` (`len` of them).
    fn steps(&self, d: i64, len: usize) -> &[Sample] {
        Self::row(&self.steps, STEPS_MAX, d, len)
    }

    /// The taps at offsets `d, d − 2, …` (`len` of them).
    fn taps(&self, d: i64, len: usize) -> &[Sample] {
        Self::row(&self.taps, TAPS_MAX, d, len)
    }
}

fn window_tables() -> &'static WindowTables {
    static TABLES: OnceLock<WindowTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let tails = tap_tails();
        let mut t = WindowTables {
            steps: [[0.0; STEPS_MAX as usize + 1]; 2],
            taps: [[0.0; TAPS_MAX as usize + 1]; 2],
        };
        for u in 0..=2 * STEPS_MAX {
            t.steps[(u % 2) as usize][(u / 2) as usize] = step_correction(tails, STEPS_MAX - u) as Sample;
        }
        for u in 0..=2 * TAPS_MAX {
            t.taps[(u % 2) as usize][(u / 2) as usize] = tap_at(TAPS_MAX - u) as Sample;
        }
        t
    })
}

/// The PolyBLEP residual of a sample `x` steps of `dt` past an edge (negative: before it),
/// `|x| < 6`: [`poly_blep`] at phase `x·dt` (`1 + x·dt` before the edge) for a step of 1/8, whose
/// regions (two steps either side of the edge) do not meet that far out; a power of two, so
/// `x` comes back from the phase exactly (up to the rounding of `1 + x/8`).
fn blep_shape(x: f64) -> f64 {
    /// The step the shape is taken at (1/8).
    const DT: f64 = 0.125;
    poly_blep(if x >= 0.0 { x * DT } else { 1.0 + x * DT }, Blep::new(DT))
}

/// Outputs an [`EdgeKernel`] covers around an edge: `J − KERNEL_BEFORE ..` (see the kernel).
const KERNEL_SLOTS: usize = 24;

/// Outputs an [`EdgeKernel`] covers before `J`, the output at the edge's first sample.
const KERNEL_BEFORE: usize = 12;

/// The farthest offset from an output's centre at which a kernel's residuals can lie.
const KERNEL_TAP_REACH: i64 = (OVERSAMPLE * KERNEL_BEFORE + RESIDUALS_BEFORE) as i64;

/// The coefficients of a cubic, and the Chebyshev points it is fitted at.
const CUBIC: usize = 4;

/// The jump at every edge of both waves is ±2: a kernel's coefficients are for a jump of +2,
/// scaled by each edge's own.
const EDGE_JUMP: f64 = 2.0;

/// The shortest stretch of `φ` (in oversampled steps) a kernel is made for: half a step.
const MIN_STRETCH: f64 = 0.5;

/// How far a kernel's stretch of `φ` keeps from the regions' crossings: far more than `φ`'s
/// rounding.
const CROSSING_MARGIN: f64 = 1e-6;

/// A note's `rho` is rounded to multiples of `1 / RHO_GRID`, so that notes of one length whose
/// durations differ in their last bits share a kernel (the cubics move by as little).
const RHO_GRID: f64 = (1u64 << 40) as f64;

/// The whole correction one edge makes to the outputs around it (the step less the naive jump,
/// plus its residuals through their taps) for one note, as a cubic in where the edge falls
/// between two oversampled samples, so that an edge costs three multiply-adds an output.
///
/// An edge's first oversampled sample at or past it, `ie`, lies `φ` steps past it (`0 ≤ φ < 1`);
/// with `J = ⌊ie / 2⌋` the edge reaches outputs `J − 12 ..= J + 11` at most (the step's
/// correction is zero 20 samples either side, a residual's tap 19 samples from its sample), and
/// what it adds there depends only on `φ` and the parity of `ie`. Each of the eight residuals
/// around the edge is a cubic in `φ` as long as none crosses from one of PolyBLEP's regions to
/// another, which happens only where `φ` is within a few `|dt/step − 1|` (less than one part in
/// `n`) of 0 or 1. Between those points the correction is exactly a cubic, found from its
/// values at four points; edges outside are computed one by one as before.
#[derive(Clone)]
struct EdgeKernel {
    /// `coef[p][c][m]`: output `J − 12 + m`'s coefficient of `x^c` for parity `p`, where
    /// `x = (φ − mid) / half`, for a jump of [`EDGE_JUMP`].
    coef: [[[Sample; KERNEL_SLOTS]; CUBIC]; OVERSAMPLE],
    /// The stretch of `φ` the cubics hold in.
    lo: f64,
    hi: f64,
    mid: f64,
    per_half: f64,
}

impl EdgeKernel {
    /// Chebyshev points on [−1, 1], and the inverse of their Vandermonde matrix.
    fn nodes() -> &'static ([f64; CUBIC], [[f64; CUBIC]; CUBIC]) {
        static NODES: OnceLock<([f64; CUBIC], [[f64; CUBIC]; CUBIC])> = OnceLock::new();
        NODES.get_or_init(|| {
            let x: [f64; CUBIC] =
                std::array::from_fn(|i| ((2 * i + 1) as f64 * PI / (2 * CUBIC) as f64).cos());
            // Gauss-Jordan on [V | I], V[i][c] = x_i^c.
            let mut a: [[f64; 2 * CUBIC]; CUBIC] = std::array::from_fn(|i| {
                std::array::from_fn(|c| {
                    if c < CUBIC {
                        x[i].powi(c as i32)
                    } else if c - CUBIC == i {
                        1.0
                    } else {
                        0.0
                    }
                })
            });
            for col in 0..CUBIC {
                let pivot =
                    (col..CUBIC).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs())).unwrap_or(col);
                a.swap(col, pivot);
                let d = a[col][col];
                a[col].iter_mut().for_each(|v| *v /= d);
                for row in 0..CUBIC {
                    if row != col {
                        let (f, pivot_row) = (a[row][col], a[col]);
                        for (v, p) in a[row].iter_mut().zip(pivot_row) {
                            *v -= f * p;
                        }
                    }
                }
            }
            (x, std::array::from_fn(|c| std::array::from_fn(|i| a[c][i + CUBIC])))
        })
    }

    /// The kernel for a note whose PolyBLEP step `dt` is `rho` oversampled steps of phase
    /// (`rho = samples(duration) / (SR · duration)`, whatever the frequency, so notes of one
    /// length share it): from the last few made on this thread, or made now. `None` where the
    /// regions' crossings leave no clean stretch of `φ` half a step wide.
    fn for_rho(rho: f64) -> Option<EdgeKernel> {
        use std::cell::RefCell;
        /// Kernels kept on each thread, the most recently used last.
        const KEEP: usize = 8;
        thread_local! {
            static MADE: RefCell<Vec<(u64, Option<EdgeKernel>)>> = const { RefCell::new(Vec::new()) };
        }
        let rho = (rho * RHO_GRID).round() / RHO_GRID;
        MADE.with_borrow_mut(|made| {
            if let Some(i) = made.iter().position(|(key, _)| *key == rho.to_bits()) {
                let hit = made.remove(i);
                made.push(hit);
            } else {
                if made.len() == KEEP {
                    made.remove(0);
                }
                made.push((rho.to_bits(), Self::new(rho)));
            }
            made.last().and_then(|(_, kernel)| kernel.clone())
        })
    }

    fn new(rho: f64) -> Option<EdgeKernel> {
        // Where residual `s` (sample ie + s, x = (s + φ) / rho) crosses a region's end.
        // (On the stack: 0, 1 and at most one crossing per (j, s); a kernel is made for most
        // melody notes, whose lengths all differ.)
        let mut cuts = [0.0; 2 + (2 * BLEP_REACH as usize + 1) * RESIDUALS];
        cuts[1] = 1.0;
        let mut n = 2;
        for j in -BLEP_REACH..=BLEP_REACH {
            for s in -(RESIDUALS_BEFORE as i64)..(RESIDUALS - RESIDUALS_BEFORE) as i64 {
                let phi = j as f64 * rho - s as f64;
                if phi > 0.0 && phi < 1.0 {
                    cuts[n] = phi;
                    n += 1;
                }
            }
        }
        let cuts = &mut cuts[..n];
        cuts.sort_unstable_by(f64::total_cmp);
        let (lo, hi) =
            cuts.windows(2).map(|w| (w[0], w[1])).max_by(|a, b| (a.1 - a.0).total_cmp(&(b.1 - b.0)))?;
        if hi - lo < MIN_STRETCH {
            return None;
        }
        let (lo, hi) = (lo + CROSSING_MARGIN, hi - CROSSING_MARGIN);
        let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
        let (x, inverse) = Self::nodes();
        let tails = tap_tails();
        // Residual q (of sample ie + q − 4) as a cubic in x: its coefficients, from its values at
        // the nodes.
        let residuals: [[f64; CUBIC]; RESIDUALS] = std::array::from_fn(|q| {
            let s = q as f64 - RESIDUALS_BEFORE as f64;
            let at_node = x.map(|xi| blep_shape((s + mid + half * xi) / rho));
            inverse.map(|row| row.iter().zip(at_node).map(|(r, v)| r * v).sum())
        });
        // The taps by offset −28..=28 from a centre (zero past ±19): every offset a residual
        // of the window can have.
        let taps: [f64; 2 * KERNEL_TAP_REACH as usize + 1] =
            std::array::from_fn(|i| tap_at(i as i64 - KERNEL_TAP_REACH));
        let mut coef = [[[0.0; KERNEL_SLOTS]; CUBIC]; OVERSAMPLE];
        for (p, coef) in coef.iter_mut().enumerate() {
            for m in 0..KERNEL_SLOTS {
                // The edge's first sample lies `dd` past output m's centre: the step's correction
                // there, and each residual through its tap (residual q is at dd + q − 4).
                let dd = p as i64 + (OVERSAMPLE * KERNEL_BEFORE) as i64 - OVERSAMPLE as i64 * m as i64;
                let step = step_correction(tails, dd);
                let first = (dd - RESIDUALS_BEFORE as i64 + KERNEL_TAP_REACH) as usize;
                let taps = &taps[first..first + RESIDUALS];
                // A residual per unit of jump is half the wave's (its jumps are ±2).
                let values: [f64; CUBIC] = std::array::from_fn(|c| {
                    let mut v = if c == 0 { step } else { 0.0 };
                    for (r, tap) in residuals.iter().zip(taps) {
                        v += 0.5 * r[c] * tap;
                    }
                    v
                });
                for (row, v) in coef.iter_mut().zip(values) {
                    row[m] = (EDGE_JUMP * v) as Sample;
                }
            }
        }
        Some(EdgeKernel { coef, lo, hi, mid, per_half: 1.0 / half })
    }

    /// Whether an edge `phi` steps before its first sample is one the cubics hold for.
    #[inline(always)]
    fn holds(&self, phi: f64) -> bool {
        phi >= self.lo && phi <= self.hi
    }

    /// Adds the correction of an edge (jump `2 · scale`) to `out`, outputs `J − 12 ..= J + 11`.
    #[inline(always)]
    fn add(&self, out: &mut [Sample], parity: usize, phi: f64, scale: Sample) {
        let x = ((phi - self.mid) * self.per_half) as Sample;
        let c = &self.coef[parity];
        for m in 0..KERNEL_SLOTS {
            let cubic = x.mul_add(x.mul_add(x.mul_add(c[3][m], c[2][m]), c[1][m]), c[0][m]);
            out[m] = scale.mul_add(cubic, out[m]);
        }
    }
}

/// The first of `nh` samples at phases `start + i · step` at or past phase `at` (`nh` if none),
/// from a guess at most a sample or two off: a step either way is checked inline and a longer
/// walk left to a cold path (a loop here is one the compiler turns into a 32-wide search, costly
/// for the one step it almost always takes).
#[inline(always)]
fn first_at_or_past(at: f64, start: f64, step: f64, nh: usize, guess: usize) -> usize {
    #[cold]
    #[inline(never)]
    fn walk(at: f64, start: f64, step: f64, nh: usize, mut i: usize) -> usize {
        while i > 0 && start + (i - 1) as f64 * step >= at {
            i -= 1;
        }
        while i < nh && start + i as f64 * step < at {
            i += 1;
        }
        i
    }
    let before = |i: usize| start + i as f64 * step < at;
    if guess > 0 && !before(guess - 1) {
        // Too far: one back, or more.
        if guess > 1 && !before(guess - 2) { walk(at, start, step, nh, guess - 1) } else { guess - 1 }
    } else if guess < nh && before(guess) {
        // Short: one on, or more.
        if guess + 1 < nh && before(guess + 1) { walk(at, start, step, nh, guess + 1) } else { guess + 1 }
    } else {
        guess
    }
}

/// Adds `amp · (first + slope · j)` to `out[j]` (a stretch between two edges: at most a period).
/// Inlined into [`band_limited_add`]'s copies (through [`Wave::fill`]).
#[inline(always)]
fn ramp_add(out: &mut [Sample], first: f64, slope: f64, amp: f64) {
    let (first, slope, amp) = (first as Sample, slope as Sample, amp as Sample);
    // j as a float counter in sixteen lanes (no conversion per sample; exact below 2^24).
    const LANES: usize = 16;
    let mut octs = out.chunks_exact_mut(LANES);
    let mut j = IOTA16;
    for oct in &mut octs {
        for lane in 0..LANES {
            oct[lane] = amp.mul_add(j[lane].mul_add(slope, first), oct[lane]);
            j[lane] += LANES as Sample;
        }
    }
    for (lane, slot) in octs.into_remainder().iter_mut().enumerate() {
        *slot = amp.mul_add(j[lane].mul_add(slope, first), *slot);
    }
}

/// A band-limited wave being rendered ([`band_limited_add`]): oversampled sample `i` at the
/// unwrapped phase `start + i · step` of `nh`. Its methods are plain functions (not closures)
/// that inline into each of the oscillator's copies for the processor.
struct Wave {
    edges: Edges,
    blep: Blep,
    start: f64,
    step: f64,
    nh: usize,
    amp: f64,
}

impl Wave {
    /// Adds the outputs `js` computed in full: every oversampled sample their windows reach,
    /// then the decimation filter.
    #[inline(always)]
    fn full(&self, js: std::ops::RangeInclusive<usize>, out: &mut [Sample]) {
        let from = (OVERSAMPLE * js.start()).saturating_sub(REACH);
        let to = (OVERSAMPLE * js.end() + REACH).min(self.nh - 1);
        // The index as a float counter (exact), in a plain loop the compiler inlines whole.
        let mut x = vec![0.0; to + 1 - from];
        let mut i = from as f64;
        for v in x.iter_mut() {
            let t = self.start + i * self.step;
            *v = self.edges.sample(t - t.floor(), self.blep);
            i += 1.0;
        }
        decimate2_add(&x, from, self.nh, js, self.amp, out);
    }

    /// Adds, to the outputs `js` (whose centres lie before edge `k`), the piece of the naive
    /// wave before edge `k` at each centre.
    #[inline(always)]
    fn fill(&self, out: &mut [Sample], js: std::ops::Range<usize>, k: i64) {
        let (_, first) = self.edges.edge(k, self.start + (OVERSAMPLE * js.start) as f64 * self.step);
        ramp_add(&mut out[js], first, self.edges.slope() * OVERSAMPLE as f64 * self.step, self.amp);
    }

    /// Adds what an edge (`jump` at it, `ie` its first oversampled sample at or past it) makes
    /// of the inside outputs `..=last` its windows reach, from the window tables: the step less
    /// the naive jump, and its nonzero residuals through their taps.
    #[inline(always)]
    fn edge_from_tables(&self, out: &mut [Sample], w: &WindowTables, ie: usize, jump: f64, last: usize) {
        let (edges, blep, start, step, nh, amp) =
            (self.edges, self.blep, self.start, self.step, self.nh, self.amp);
        // The residuals of the eight samples around the edge (zero outside the signal), side by
        // side: the sample index as a float (exact), its phase the unwrapped phase's fraction.
        let base = ie as i64 - RESIDUALS_BEFORE as i64;
        let (base_f, nh_f) = (base as f64, nh as f64);
        let mut residuals = [0.0; RESIDUALS];
        for (q, r) in residuals.iter_mut().enumerate() {
            let i = base_f + q as f64;
            let t = start + i * step;
            let residual = edges.residual(t - t.floor(), blep);
            *r = if i >= 0.0 && i < nh_f { residual } else { 0.0 };
        }
        let touched = |q: usize| (base + q as i64) as usize;
        // The nonzero residuals, `live = residuals[qa..qb]` (usually four).
        let qa = residuals.iter().position(|r| *r != 0.0);
        let qb = residuals.iter().rposition(|r| *r != 0.0);
        let reach_lo = qa.map_or(ie, |q| touched(q).min(ie));
        let reach_hi = qb.map_or(ie, |q| touched(q).max(ie));
        let (qa, live) = match (qa, qb) {
            (Some(a), Some(b)) => (a, &residuals[a..=b]),
            _ => (0, &residuals[..0]),
        };
        // Outputs whose window (centre ± 19) reaches the jump or a residual.
        let j_lo = (reach_lo.saturating_sub(REACH)).div_ceil(OVERSAMPLE).max(FIRST_INSIDE);
        let j_hi = ((reach_hi + REACH) / OVERSAMPLE).min(last);
        // Output j's window sees the jump at d = ie − 2j from its centre and the residual of
        // sample base + q at d − 4 + q. Along the outputs d falls by 2, which the tables follow
        // one slot at a time, so each term below is one pass over a short row. Whole chunks of
        // WINDOW_CHUNK outputs are computed (fixed-length loops; the tables reach that far) and
        // the window's part of them added.
        let jump = jump as Sample;
        for from in (j_lo..=j_hi).step_by(WINDOW_CHUNK) {
            let to = (from + WINDOW_CHUNK - 1).min(j_hi);
            let d0 = ie as i64 - OVERSAMPLE as i64 * from as i64;
            let mut y: [Sample; WINDOW_CHUNK] = [0.0; WINDOW_CHUNK];
            for (v, s) in y.iter_mut().zip(w.steps(d0, WINDOW_CHUNK)) {
                *v = jump * s;
            }
            // The nonzero residuals times their taps, in order.
            for (q, r) in live.iter().enumerate() {
                let taps = w.taps(d0 - RESIDUALS_BEFORE as i64 + (qa + q) as i64, WINDOW_CHUNK);
                let r = *r as Sample;
                for (v, tap) in y.iter_mut().zip(taps) {
                    *v = tap.mul_add(r, *v);
                }
            }
            let amp = amp as Sample;
            for (slot, v) in out[from..=to].iter_mut().zip(&y) {
                *slot = amp.mul_add(*v, *slot);
            }
        }
    }
}

wide_fn! {
/// A band-limited oscillator as the reference renders it (the naive wave minus 4-point
/// PolyBLEP at 2× oversampling, then `decimate2`), added into `out` (one slot per output
/// sample) without oversampling. The filter is linear, symmetric and has unit gain at DC, so it
/// passes the naive wave's ramps (or constants) unchanged: each output is the naive wave at its
/// window's centre, plus, for each edge near it, the jump times what the filter makes of a step
/// there less the step itself (a table by offset), plus the edge's few nonzero PolyBLEP
/// residuals times their taps (for most edges of a note with many, all of that at once from
/// the note's [`EdgeKernel`]). That is the full computation's result up to rounding
/// (`band_limited_matches_oversampling_everything` checks it) however many edges a window
/// holds, as long as each residual belongs to one edge; the few windows that reach past the
/// signal's ends, and waves with edges under 10 oversampled samples apart, are computed in full.
pub(super) fn band_limited_add(out: &mut [Sample], edges: Edges, freq: f64, duration: f64, amp: f64, t_offset: f64) {
    let n = samples(duration);
    assert_eq!(out.len(), n, "an oscillator fills samples(duration) slots");
    let nh = n * OVERSAMPLE;
    let blep = Blep::new(freq / (SR * OVERSAMPLE as f64));
    let start = t_offset * freq;
    let step = duration * freq / nh.max(1) as f64;
    let per_step = 1.0 / step;
    let unwrapped = |i: usize| start + i as f64 * step;
    let wave = Wave { edges, blep, start, step, nh, amp };
    // Edges at least 10 oversampled samples apart: the eight samples around an edge hold no
    // other edge's residuals (a residual reaches two samples either side of its edge).
    let per = edges.per_period() as f64;
    let separate = step > 0.0 && step * per < 1.0 / MIN_EDGE_GAP && start.abs() < FAR_PHASE;
    if n == 0 {
        return;
    }
    if !separate || n < SHORTEST_BY_EDGES {
        wave.full(0..=n - 1, out);
        return;
    }
    // Windows inside the signal: outputs FIRST_INSIDE ..= last; the rest in full.
    let last = (nh - CENTRE) / OVERSAMPLE;
    wave.full(0..=FIRST_INSIDE - 1, out);
    wave.full(last + 1..=n - 1, out);
    let w = window_tables();
    // A kernel for notes with enough edges to repay making it, if it is not at hand.
    let kernel = if nh as f64 * step * per >= KERNEL_MIN_EDGES { EdgeKernel::for_rho(n as f64 / (SR * duration)) } else { None };
    let mut next = FIRST_INSIDE;
    let first_edge = (unwrapped(0) * per).floor() as i64;
    let last_edge = (unwrapped(nh - 1) * per).floor() as i64 + 1;
    for k in first_edge..=last_edge {
        let at = k as f64 / per;
        // Past either end by more than a residual's reach: nothing of it is in the signal.
        if at < unwrapped(0) - EDGE_REACH * step {
            continue;
        }
        if at > unwrapped(nh - 1) + EDGE_REACH * step {
            wave.fill(out, next..last + 1, k);
            next = last + 1;
            break;
        }
        // The first oversampled sample at or past the edge, found as `unwrapped` computes.
        let ie = first_at_or_past(at, start, step, nh, (((at - start) * per_step).ceil().max(0.0) as usize).min(nh));
        // The naive wave up to the edge: outputs whose centre 2j is before it.
        let before = ie.div_ceil(OVERSAMPLE).clamp(next, last + 1);
        wave.fill(out, next..before, k);
        next = before;
        let (jump, _) = edges.edge(k, at);
        // Most edges: the note's kernel, where it holds and the edge's outputs lie inside.
        if let Some(kernel) = &kernel {
            let phi = (unwrapped(ie) - at) * per_step;
            let (parity, centre) = (ie % OVERSAMPLE, ie / OVERSAMPLE);
            let inside = ie >= RESIDUALS_BEFORE
                && ie + (RESIDUALS - RESIDUALS_BEFORE) <= nh
                && centre >= FIRST_INSIDE + KERNEL_BEFORE
                && centre + (KERNEL_SLOTS - KERNEL_BEFORE - 1) <= last;
            if inside && kernel.holds(phi) {
                let first = centre - KERNEL_BEFORE;
                kernel.add(&mut out[first..first + KERNEL_SLOTS], parity, phi, (amp * jump / EDGE_JUMP) as Sample);
                continue;
            }
        }
        wave.edge_from_tables(out, w, ie, jump, last);
    }
    debug_assert!(next > last, "every inside output filled");
}
}

#[cfg(test)]
mod tests {
    use rand::RngExt;

    use super::*;
    use crate::synth::primitives::{SynthRng, close, sawtooth, square};

    #[test]
    fn decimation_taps_match_scipy_firwin() {
        // python -c "from scipy.signal import firwin; h = firwin(41, 0.5, window='hamming'); print(repr(h[20]), repr(h[19]), repr(h[17]), repr(h[1]), h.sum())"
        let h = decimation_taps();
        assert!(close(h[20], 0.5005906769851869, 1e-12), "{}", h[20]);
        assert!(close(h[19], 0.3168810886636905, 1e-12), "{}", h[19]);
        assert!(close(h[17], -0.1009026556925601, 1e-12), "{}", h[17]);
        assert!(close(h[1], -0.0014368267365517946, 1e-12), "{}", h[1]);
        assert!(close(h[18], 0.0, 1e-15));
        assert!(close(h.iter().sum::<f64>(), 1.0, 1e-12));
    }

    #[test]
    fn band_limited_saw_is_a_saw_away_from_its_edges() {
        // A 100 Hz saw: between edges it is the naive ramp 2t - 1 (the FIR has unit DC gain and
        // is linear-phase, so a ramp passes through unchanged).
        let saw = sawtooth(100.0, 0.02, 1.0, 0.0);
        assert_eq!(saw.len(), 882);
        for i in [50usize, 100, 200, 300] {
            let t = (i as f64 * 100.0 / 44_100.0).fract();
            assert!(close(saw[i], 2.0 * t - 1.0, 1e-3), "{i}: {} vs {}", saw[i], 2.0 * t - 1.0);
        }
    }

    #[test]
    fn saw_and_square_match_the_reference_sample_for_sample() {
        // /root/.cache/ls-venv/bin/python -c "import latentscore.synth as s;
        //   saw = s.generate_sawtooth(440.0, 0.05, 44100, 0.3, t_offset=0.013);
        //   sq = s.generate_square(330.0, 0.05, 44100, 0.2, t_offset=0.0);
        //   print([saw[i] for i in (0, 1, 7, 50, 100, 1000, 2204)]); print([sq[i] for i in (0, 1, 66, 67, 68, 500, 2204)])"
        // (latentscore 0.1.8, numpy 2.4.6, scipy 1.17.1)
        let saw = sawtooth(440.0, 0.05, 0.3, 0.013);
        assert_eq!(saw.len(), 2205);
        let want = [
            (0, 0.09948324357019493),
            (1, 0.14675159881724104),
            (7, 0.17436134532837896),
            (50, -0.16868027210884348),
            (100, 0.13063945578231265),
            (1000, 0.11839455782312865),
            (2204, 0.13498297795201664),
        ];
        for (i, v) in want {
            assert!(close(saw[i], v, 1e-6), "saw[{i}] = {} vs {v}", saw[i]);
        }
        let sq = square(330.0, 0.05, 0.2, 0.0);
        let want = [
            (0, 0.250177203095556),
            (1, 0.21343528543125678),
            (66, 0.04306951825432193),
            (67, -0.2588082191483581),
            (68, -0.17352808511615167),
            (500, -0.19999999999999998),
            (2204, -0.013435285431256806),
        ];
        for (i, v) in want {
            assert!(close(sq[i], v, 1e-6), "square[{i}] = {} vs {v}", sq[i]);
        }
    }

    #[test]
    fn band_limited_matches_oversampling_everything() {
        // The short cut against the definition: every oversampled sample built and filtered by
        // a plain convolution (not the oscillator's own decimator).
        use rand::SeedableRng;
        let mut rng = SynthRng::seed_from_u64(3);
        let mut cases = vec![
            (55.0, 0.7, 0.0),
            (110.0, 1.3, 0.013),
            (261.6, 0.5, 12.25),
            (440.0, 2.0, 29.1),
            (1244.5, 0.3, 3.0),
            (2500.0, 0.2, 0.1),
            (4186.0, 0.1, 7.5),
            (7000.0, 0.05, 0.0),
            (8500.0, 0.05, 1.0),
            (30.0, 0.0004, 0.0),
            (1000.0, 0.001, 0.0),
        ];
        for _ in 0..150 {
            // 20 Hz to 12 kHz: edges far apart, several to a window, and too close (in full).
            let freq = 20.0 * 600f64.powf(rng.random::<f64>());
            cases.push((freq, rng.random_range(0.0005..0.4), rng.random_range(0.0..60.0)));
        }
        for edges in [Edges::Saw, Edges::Square] {
            for &(freq, duration, t_offset) in &cases {
                let n = samples(duration);
                let nh = n * OVERSAMPLE;
                let dt = freq / (SR * OVERSAMPLE as f64);
                let step = duration * freq / nh.max(1) as f64;
                let high: Vec<f64> = (0..nh)
                    .map(|i| {
                        let t = t_offset * freq + i as f64 * step;
                        edges.sample(t - t.floor(), Blep::new(dt))
                    })
                    .collect();
                // decimate(x, 2, ftype="fir") as its definition: y[j] = Σ_i h[20 + i] X[2j + i],
                // i in −20..=20, zeros outside (the taps are checked against scipy.firwin).
                let h = decimation_taps();
                let want: Vec<f64> = (0..n as i64)
                    .map(|j| {
                        let sum: f64 = (-20..=20i64)
                            .filter(|i| (0..nh as i64).contains(&(2 * j + i)))
                            .map(|i| h[(20 + i) as usize] * high[(2 * j + i) as usize])
                            .sum();
                        0.3 * sum
                    })
                    .collect();
                let mut got = vec![0.0; n];
                band_limited_add(&mut got, edges, freq, duration, 0.3, t_offset);
                assert_eq!(got.len(), want.len());
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(close(*g, *w, 1e-6), "{freq} Hz at {t_offset}: [{i}] {g} vs {w}");
                }
            }
        }
    }
}
