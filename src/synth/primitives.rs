//! The synth's building blocks, ported from LatentScore's `synth.py` (Part 1): oscillators
//! (sine, triangle, band-limited saw and square), white noise, the linear ADSR, second-order
//! Butterworth filters, the LFO and humanize (the feed-forward reverb, delay and width blend, and
//! placing notes in a layer, are in `score`). Mono, 44,100 Hz; samples in single precision
//! ([`Sample`]), parameters (times, frequencies, phases, filter designs) in double.
//!
//! Every random draw comes from the one generator the caller passes ([`SynthRng`]); per-sample
//! normal numbers (humanize, noise) from a [`Normals`] stream that one draw from it seeds.

use std::f64::consts::PI;
use std::mem::MaybeUninit;
use std::sync::OnceLock;

use rand::Rng;

use super::normals::{self, Normals};

pub const SAMPLE_RATE: u32 = 44_100;
const SR: f64 = SAMPLE_RATE as f64;

/// A sample of a note, a layer or a mix. Single precision: its rounding (~6e-8 of the signal,
/// about −144 dB) lies far below the 16-bit PCM (−96 dB) the pipeline writes, and a vector
/// instruction handles twice as many samples as in double precision. What decides where and how
/// a wave moves (phases, times, frequencies, filter and envelope designs) is computed in double
/// precision, as the reference computes everything, and rounded to a sample at the end.
pub type Sample = f32;

/// The one seeded generator a render draws from.
pub type SynthRng = rand::rngs::Xoshiro256PlusPlus;

/// Samples in `duration` seconds: `int(sr * duration)`.
pub fn samples(duration: f64) -> usize {
    if duration <= 0.0 { 0 } else { (SR * duration) as usize }
}

/// `amp · sin(2π f t)` with `t = linspace(t_offset, t_offset + duration, n, endpoint=False)`.
pub fn sine(freq: f64, duration: f64, amp: f64, t_offset: f64) -> Vec<Sample> {
    Osc::Sine.render(freq, duration, amp, t_offset)
}

/// Adds [`sine`] into `out` (`samples(duration)` slots).
pub fn sine_add(out: &mut [Sample], freq: f64, duration: f64, amp: f64, t_offset: f64) {
    assert_eq!(out.len(), samples(duration), "an oscillator fills samples(duration) slots");
    Sine::new(freq, duration, amp, t_offset).add(out, 0);
}

/// [`sine`] from any sample on: `add` adds samples `first..first + len` of the tone, so several
/// tones (or a tone and its tremolo) can be built one cache-sized block at a time.
#[derive(Clone, Copy)]
pub struct Sine {
    step: f64,
    phase0: f64,
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
    fn with(step: f64, phase0: f64, amp: f64) -> Sine {
        // The turns by k steps, each the last turned by one step (double precision: after 32
        // turns they are within ~1e-14 of sin_cos(k · step), with one sin_cos per tone instead
        // of 33; notes are short, so these were ~3% of a render).
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

const OVERSAMPLE: usize = 2;

/// 0, 1, …, 15: sixteen lanes' starting counts.
const IOTA16: [Sample; 16] =
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0];

/// `scipy.signal.firwin(41, 0.5, window="hamming")`: the anti-alias filter of
/// `decimate(x, 2, ftype="fir")`, normalized to unit gain at DC.
pub fn decimation_taps() -> &'static [f64; 41] {
    static TAPS: OnceLock<[f64; 41]> = OnceLock::new();
    TAPS.get_or_init(|| {
        let mut h = [0.0; 41];
        let cutoff = 1.0 / OVERSAMPLE as f64;
        for (k, tap) in h.iter_mut().enumerate() {
            let m = k as f64 - 20.0;
            let x = cutoff * m;
            let sinc = if x == 0.0 { 1.0 } else { (PI * x).sin() / (PI * x) };
            let hamming = 0.54 - 0.46 * (2.0 * PI * k as f64 / 40.0).cos();
            *tap = cutoff * sinc * hamming;
        }
        let sum: f64 = h.iter().sum();
        h.iter_mut().for_each(|t| *t /= sum);
        h
    })
}

/// `decimate(x, 2, ftype="fir", zero_phase=True)` for the outputs `js`, which scipy runs as
/// `resample_poly(x, 1, 2, window=taps)`: `y[j] = Σ_i h[20+i] · X[2j+i]`, zeros outside the
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
    let centre = h[20];
    let mut pairs = [0.0; 10];
    for (k, pair) in pairs.iter_mut().enumerate() {
        *pair = h[21 + 2 * k];
    }
    let end = from + x.len();
    for j in js {
        let c = 2 * j;
        let y = if c >= from + 19 && c + 19 < end {
            let w = &x[c - 19 - from..=c + 19 - from];
            let mut acc = centre * w[19];
            for (k, h) in pairs.iter().enumerate() {
                let d = 2 * k + 1;
                acc += h * (w[19 - d] + w[19 + d]);
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
enum Edges {
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
fn tap_tails() -> &'static [f64; 41] {
    static TAILS: OnceLock<[f64; 41]> = OnceLock::new();
    TAILS.get_or_init(|| {
        let mut tails = [0.0; 41];
        for m in (0..40).rev() {
            tails[m] = tails[m + 1] + tap_at(m as i64 - 20);
        }
        tails
    })
}

/// The decimation filter's tap at offset `d` from a window's centre: zero past ±19, the 39 taps
/// `decimate2` reads.
fn tap_at(d: i64) -> f64 {
    if d.abs() <= 19 { decimation_taps()[(d + 20) as usize] } else { 0.0 }
}

/// What the filter makes at a window's centre of a unit step that starts `d` samples past it,
/// less the step's own value there (`tails` from [`tap_tails`]): zero once the window is past
/// the step either way.
fn step_correction(tails: &[f64; 41], d: i64) -> f64 {
    tails[(d.clamp(-20, 20) + 20) as usize] - if d <= 0 { 1.0 } else { 0.0 }
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

// A window's outputs see the jump at offsets from about +24 down to −22 and the residuals (four
// samples either side of it) at up to 4 more either way; a chunk reads up to 2·WINDOW_CHUNK
// below its first offset. The tables reach well past all of that.
const STEPS_MAX: i64 = 32 + 2 * WINDOW_CHUNK as i64;
const TAPS_MAX: i64 = 40 + 2 * WINDOW_CHUNK as i64;

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
    const DT: f64 = 0.125;
    poly_blep(if x >= 0.0 { x * DT } else { 1.0 + x * DT }, Blep::new(DT))
}

/// Outputs an [`EdgeKernel`] covers around an edge.
const KERNEL_SLOTS: usize = 24;

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
    /// `x = (φ − mid) / half`, for a jump of 2 (the waves' jumps are ±2).
    coef: [[[Sample; KERNEL_SLOTS]; 4]; 2],
    /// The stretch of `φ` the cubics hold in.
    lo: f64,
    hi: f64,
    mid: f64,
    per_half: f64,
}

impl EdgeKernel {
    /// Chebyshev points on [−1, 1], and the inverse of their Vandermonde matrix.
    fn nodes() -> &'static ([f64; 4], [[f64; 4]; 4]) {
        static NODES: OnceLock<([f64; 4], [[f64; 4]; 4])> = OnceLock::new();
        NODES.get_or_init(|| {
            let x: [f64; 4] = std::array::from_fn(|i| ((2 * i + 1) as f64 * PI / 8.0).cos());
            // Gauss-Jordan on [V | I], V[i][c] = x_i^c.
            let mut a: [[f64; 8]; 4] = std::array::from_fn(|i| {
                std::array::from_fn(|c| {
                    if c < 4 {
                        x[i].powi(c as i32)
                    } else if c - 4 == i {
                        1.0
                    } else {
                        0.0
                    }
                })
            });
            for col in 0..4 {
                let pivot =
                    (col..4).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs())).unwrap_or(col);
                a.swap(col, pivot);
                let d = a[col][col];
                a[col].iter_mut().for_each(|v| *v /= d);
                for row in 0..4 {
                    if row != col {
                        let (f, pivot_row) = (a[row][col], a[col]);
                        for (v, p) in a[row].iter_mut().zip(pivot_row) {
                            *v -= f * p;
                        }
                    }
                }
            }
            (x, std::array::from_fn(|c| std::array::from_fn(|i| a[c][i + 4])))
        })
    }

    /// The kernel for a note whose PolyBLEP step `dt` is `rho` oversampled steps of phase
    /// (`rho = samples(duration) / (SR · duration)`, whatever the frequency, so notes of one
    /// length share it): from the last few made on this thread, or made now. `None` where the
    /// regions' crossings leave no clean stretch of `φ` half a step wide.
    fn for_rho(rho: f64) -> Option<EdgeKernel> {
        use std::cell::RefCell;
        const KEEP: usize = 8;
        thread_local! {
            static MADE: RefCell<Vec<(u64, Option<EdgeKernel>)>> = const { RefCell::new(Vec::new()) };
        }
        // Notes of one length can differ in their durations' last bits: to 2^-40 (the cubics
        // move by as little), they share a kernel.
        let rho = (rho * 2f64.powi(40)).round() / 2f64.powi(40);
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
        let mut cuts = [0.0; 2 + 5 * 8];
        cuts[1] = 1.0;
        let mut n = 2;
        for j in -2..=2 {
            for s in -4..=3 {
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
        if hi - lo < 0.5 {
            return None;
        }
        // Keep clear of the crossings by far more than φ's rounding.
        let (lo, hi) = (lo + 1e-6, hi - 1e-6);
        let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
        let (x, inverse) = Self::nodes();
        let tails = tap_tails();
        // Residual q (of sample ie + q − 4) as a cubic in x: its coefficients, from its values at
        // the nodes.
        let residuals: [[f64; 4]; 8] = std::array::from_fn(|q| {
            let s = q as f64 - 4.0;
            let at_node = x.map(|xi| blep_shape((s + mid + half * xi) / rho));
            inverse.map(|row| row.iter().zip(at_node).map(|(r, v)| r * v).sum())
        });
        // The taps by offset −28..=28 from a centre (zero past ±19): every offset a residual
        // of the window can have.
        let taps: [f64; 57] = std::array::from_fn(|i| tap_at(i as i64 - 28));
        let mut coef = [[[0.0; KERNEL_SLOTS]; 4]; 2];
        for (p, coef) in coef.iter_mut().enumerate() {
            for m in 0..KERNEL_SLOTS {
                // The edge's first sample lies `dd` past output m's centre: the step's correction
                // there, and each residual through its tap (residual q is at dd + q − 4).
                let dd = p as i64 + 24 - 2 * m as i64;
                let step = step_correction(tails, dd);
                let taps = &taps[(dd + 24) as usize..(dd + 32) as usize];
                let values: [f64; 4] = std::array::from_fn(|c| {
                    let mut v = if c == 0 { step } else { 0.0 };
                    for (r, tap) in residuals.iter().zip(taps) {
                        v += 0.5 * r[c] * tap;
                    }
                    v
                });
                for (row, v) in coef.iter_mut().zip(values) {
                    row[m] = (2.0 * v) as Sample;
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
        let from = (2 * js.start()).saturating_sub(19);
        let to = (2 * js.end() + 19).min(self.nh - 1);
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
        let (_, first) = self.edges.edge(k, self.start + (2 * js.start) as f64 * self.step);
        ramp_add(&mut out[js], first, self.edges.slope() * 2.0 * self.step, self.amp);
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
fn band_limited_add(out: &mut [Sample], edges: Edges, freq: f64, duration: f64, amp: f64, t_offset: f64) {
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
    let separate = step > 0.0 && step * per < 1.0 / 10.0 && start.abs() < 1e12;
    if n == 0 {
        return;
    }
    if !separate || n < 40 {
        wave.full(0..=n - 1, out);
        return;
    }
    // Windows inside the signal: outputs 10 ..= last; the rest in full.
    let last = (nh - 20) / 2;
    wave.full(0..=9, out);
    wave.full(last + 1..=n - 1, out);
    let w = window_tables();
    // A kernel for notes with enough edges to repay making it (about a microsecond) if it is not
    // at hand.
    let kernel = if nh as f64 * step * per >= 64.0 { EdgeKernel::for_rho(n as f64 / (SR * duration)) } else { None };
    let mut next = 10;
    let first_edge = (unwrapped(0) * per).floor() as i64;
    let last_edge = (unwrapped(nh - 1) * per).floor() as i64 + 1;
    for k in first_edge..=last_edge {
        let at = k as f64 / per;
        // Past either end by more than a residual's reach: nothing of it is in the signal.
        if at < unwrapped(0) - 5.0 * step {
            continue;
        }
        if at > unwrapped(nh - 1) + 5.0 * step {
            wave.fill(out, next..last + 1, k);
            next = last + 1;
            break;
        }
        // The first oversampled sample at or past the edge, found as `unwrapped` computes.
        let ie = first_at_or_past(at, start, step, nh, (((at - start) * per_step).ceil().max(0.0) as usize).min(nh));
        // The naive wave up to the edge: outputs whose centre 2j is before it.
        let before = ie.div_ceil(2).clamp(next, last + 1);
        wave.fill(out, next..before, k);
        next = before;
        let (jump, _) = edges.edge(k, at);
        // Most edges: the note's kernel, where it holds and the edge's outputs lie inside.
        if let Some(kernel) = &kernel {
            let phi = (unwrapped(ie) - at) * per_step;
            let (parity, centre) = (ie % 2, ie / 2);
            if ie >= 4 && ie + 4 <= nh && centre >= 22 && centre + 11 <= last && kernel.holds(phi) {
                kernel.add(&mut out[centre - 12..centre + 12], parity, phi, (amp * jump / 2.0) as Sample);
                continue;
            }
        }
        // The residuals of the eight samples around the edge (zero outside the signal), side by
        // side: the sample index as a float (exact), its phase the unwrapped phase's fraction.
        let base = ie as i64 - 4;
        let (base_f, nh_f) = (base as f64, nh as f64);
        let mut residuals = [0.0; 8];
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
        let j_lo = (reach_lo.saturating_sub(19)).div_ceil(2).max(10);
        let j_hi = ((reach_hi + 19) / 2).min(last);
        // Output j's window sees the jump at d = ie − 2j from its centre and the residual of
        // sample base + q at d − 4 + q. Along the outputs d falls by 2, which the tables follow
        // one slot at a time, so each term below is one pass over a short row. Whole chunks of
        // WINDOW_CHUNK outputs are computed (fixed-length loops; the tables reach that far) and
        // the window's part of them added.
        let jump = jump as Sample;
        for from in (j_lo..=j_hi).step_by(WINDOW_CHUNK) {
            let to = (from + WINDOW_CHUNK - 1).min(j_hi);
            let d0 = ie as i64 - 2 * from as i64;
            let mut y: [Sample; WINDOW_CHUNK] = [0.0; WINDOW_CHUNK];
            for (v, s) in y.iter_mut().zip(w.steps(d0, WINDOW_CHUNK)) {
                *v = jump * s;
            }
            // The nonzero residuals times their taps, in order.
            for (q, r) in live.iter().enumerate() {
                let taps = w.taps(d0 - 4 + (qa + q) as i64, WINDOW_CHUNK);
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
    debug_assert!(next > last, "every inside output filled");
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

/// Gaussian white noise, `amp · randn(n)`, from the [`Normals`] that `seed` (one draw from the
/// render's generator, made when the noise is placed) seeds.
pub fn noise(seed: u64, duration: f64, amp: f64) -> Vec<Sample> {
    let mut out = vec![0.0; samples(duration)];
    Normals::new(seed).fill(&mut out, amp);
    out
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
    adsr_window(signal, 0, total, attack, decay, sustain, release);
}

wide_fn! {
/// [`adsr`] on samples `first..first + signal.len()` of a signal `total` samples long: a long
/// signal can take its envelope a part at a time, each sample the value the whole would give.
pub fn adsr_window(
    signal: &mut [Sample],
    first: usize,
    total: usize,
    attack: f64,
    decay: f64,
    sustain: f64,
    release: f64,
) {
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

    /// `scipy.signal.lfilter(b, a, x)` from rest (transposed direct form II), in place.
    ///
    /// The state `s = (z1, z2)` moves as `s' = A s + B x` with `A = [[−a1, 1], [−a2, 0]]` and
    /// `B = (b1 − a1 b0, b2 − a2 b0)`, and `y = z1 + b0 x`. Eight samples are computed at a time
    /// from the state at their start (powers of `A` precomputed), so the only chain the
    /// processor must wait on is `s → A⁸ s`, once per eight samples instead of a multiply-add
    /// per sample. The recursion (the state, and the state's part of each output) runs in
    /// double precision: at the lowest cutoffs the poles sit so near the unit circle that single
    /// precision would move them (a 22 Hz low-pass would be off by ~0.6% of its peak). The
    /// inputs' part of each output (a short convolution with the impulse response) runs in
    /// single precision, eight outputs to an instruction. Equal to the one-at-a-time recursion
    /// in double precision up to single-precision rounding (`eight_at_a_time_is_the_recursion`).
    pub fn run(&self, signal: &mut [Sample]) {
        let blocks = BiquadBlocks::new(self);
        let whole = signal.len() / BIQUAD_BLOCK * BIQUAD_BLOCK;
        let (head, rest) = signal.split_at_mut(whole);
        let mut s = [0.0, 0.0];
        if super::wide::avx2() {
            // SAFETY: `avx2()` found AVX2 and FMA on this processor (it is false on other
            // architectures).
            #[cfg(target_arch = "x86_64")]
            {
                s = unsafe { blocks.run_avx2(head, s) };
            }
        } else {
            for block in head.chunks_exact_mut(BIQUAD_BLOCK) {
                s = blocks.run(block, s);
            }
        }
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
    /// share `fed` summed as [`Self::run_avx2`] sums it: lanes `j` and `j + 4` fused, then the
    /// halves, then the pair.
    #[inline(always)]
    fn run(&self, block: &mut [Sample], s: [f64; 2]) -> [f64; 2] {
        const N: usize = BIQUAD_BLOCK;
        let mut x: [Sample; N] = [0.0; N];
        x.copy_from_slice(block);
        let c = &self.input_cols;
        for k in 0..N {
            let mut inputs = x[0] * c[0][k];
            for j in 1..N {
                inputs = x[j].mul_add(c[j][k], inputs);
            }
            let state = s[1].mul_add(self.state_rows[1][k], s[0] * self.state_rows[0][k]);
            block[k] = state as Sample + inputs;
        }
        let xd = x.map(f64::from);
        let fed = [0, 1].map(|i| {
            let q: [f64; 4] =
                std::array::from_fn(|l| self.feed[i][l + 4].mul_add(xd[l + 4], self.feed[i][l] * xd[l]));
            (q[0] + q[2]) + (q[1] + q[3])
        });
        [0, 1].map(|i| self.a_n[i][1].mul_add(s[1], self.a_n[i][0].mul_add(s[0], fed[i])))
    }

    /// [`Self::run`] over whole blocks with AVX2 and FMA instructions, the same operations in
    /// the same order lane by lane (so the same bits).
    ///
    /// # Safety
    /// The processor must have AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_avx2(&self, signal: &mut [Sample], s: [f64; 2]) -> [f64; 2] {
        use std::arch::x86_64::*;
        const N: usize = BIQUAD_BLOCK;
        assert_eq!(signal.len() % N, 0, "whole blocks");
        // SAFETY: every load and store below is of eight f32 or four f64 inside arrays of
        // `self` or inside `signal` (a whole block at `i`).
        unsafe {
            let rows = [0, 1].map(|i| {
                [
                    _mm256_loadu_pd(self.state_rows[i].as_ptr()),
                    _mm256_loadu_pd(self.state_rows[i][4..].as_ptr()),
                ]
            });
            let cols: [__m256; N] = std::array::from_fn(|j| _mm256_loadu_ps(self.input_cols[j].as_ptr()));
            let feed = [0, 1].map(|i| {
                [_mm256_loadu_pd(self.feed[i].as_ptr()), _mm256_loadu_pd(self.feed[i][4..].as_ptr())]
            });
            // A^N's columns: lane i of `a_col[c]` is A^N[i][c].
            let a_col =
                [_mm_set_pd(self.a_n[1][0], self.a_n[0][0]), _mm_set_pd(self.a_n[1][1], self.a_n[0][1])];
            let mut state = _mm_set_pd(s[1], s[0]);
            for i in (0..signal.len()).step_by(N) {
                let at = signal.as_mut_ptr().add(i);
                let x = _mm256_loadu_ps(at);
                // The next state's share of the inputs (it does not wait on the state): each
                // part's lanes j and j + 4 fused, then the halves, then the two parts' pairs.
                let xd = [
                    _mm256_cvtps_pd(_mm256_castps256_ps128(x)),
                    _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)),
                ];
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
                let part = |h: usize| {
                    _mm256_cvtpd_ps(_mm256_fmadd_pd(s1, rows[1][h], _mm256_mul_pd(s0, rows[0][h])))
                };
                let state_part = _mm256_set_m128(part(1), part(0));
                // The inputs' part: one chain of multiply-adds (it does not feed the next block,
                // so blocks overlap).
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

wide_fn! {
/// Multiplies samples `first..` of a signal (`signal` holds them) by `exp(−rate · i)`: eight
/// running products side by side (lane l at `exp(−rate · (i + l))`, each stepped by
/// `exp(−8 rate)`), restarted exactly at every 256th sample.
fn decay(signal: &mut [Sample], rate: f64, first: usize) {
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

pub fn lowpass(signal: &mut [Sample], cutoff: f64) {
    Biquad::for_cutoff(Pass::Low, cutoff).run(signal);
}

pub fn highpass(signal: &mut [Sample], cutoff: f64) {
    Biquad::for_cutoff(Pass::High, cutoff).run(signal);
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
    pub fn stream(&self) -> Option<normals::JitterStream> {
        (self.amount > 0.0).then(|| normals::JitterStream::new(self.seed, self.amount))
    }

    /// Jitters a whole signal.
    pub fn apply(&self, signal: &mut [Sample]) {
        if let Some(mut stream) = self.stream() {
            stream.apply(signal);
        }
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

wide_fn! {
/// `signal[i] · gain`.
pub(crate) fn scale(signal: &mut [Sample], gain: Sample) {
    for v in signal {
        *v *= gain;
    }
}
}

wide_fn! {
/// `signal[i] += other[i]` (the lengths are equal).
pub(crate) fn add_into(signal: &mut [Sample], other: &[Sample]) {
    for (s, v) in signal.iter_mut().zip(other) {
        *s += v;
    }
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn close(a: impl Into<f64>, b: f64, tol: f64) -> bool {
        (a.into() - b).abs() <= tol
    }

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
        // Single-precision turns drift by about a millionth of the amplitude over a block (1e-6
        // measured), below 16-bit PCM's step (3e-5 of full scale); each block restarts from a
        // phase carried in double precision.
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
            for part in [777, 64] {
                let mut parts = x.clone();
                for (p, window) in parts.chunks_mut(part).enumerate() {
                    adsr_window(window, p * part, total, 0.02, 0.03, 0.6, 0.1);
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

    #[test]
    fn eight_at_a_time_is_the_recursion() {
        // lfilter's definition, one sample at a time in double precision, on noise through the
        // synth's extremes of cutoff (the poles nearest the unit circle are the hardest case).
        // The block's single-precision part (the inputs' short convolution, the output) parts
        // them by a few roundings of the peak: ~2e-7 measured.
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
