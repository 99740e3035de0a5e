//! A layer as a score: notes placed in time (each rendered when it is due, on any thread) and the
//! effects the whole layer then goes through, in order (reverb, delay, a gain, humanize). The
//! player renders every layer's score a block at a time, so a block of each layer is made,
//! put through its effects, measured and mixed while it is in cache: no layer is ever written out
//! whole, and the mix is written once.
//!
//! The samples are the ones building each layer whole would make: a block sums the notes that
//! reach it in the order they were added (as the reference adds notes into a buffer of zeros),
//! and each effect keeps the history its taps reach back into, so a sample takes the same
//! operations in the same order whatever the block size.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::Layer;
use super::primitives::noise;
use super::primitives::{Jitter, JitterStream, Sample, SynthRng, add_into, linspace_at, scale};
use crate::jobs::{Cancelled, Progress};

const SR: f64 = super::primitives::SAMPLE_RATE as f64;

/// How one note is rendered (it draws nothing from the generator: what it needs drawn was
/// drawn when the note was placed).
pub type Render<'a> = Box<dyn FnOnce() -> Vec<Sample> + Send + 'a>;

/// What a layer does to its whole signal after its notes are summed.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// `y[n] = dry · x[n] + Σ g · x[n − d]` over the taps `(d, g)` (taps reaching before the
    /// start read zeros; taps of 0 samples or as long as the layer are left out).
    Taps { dry: f64, taps: Vec<(usize, f64)> },
    /// Every sample times a gain.
    Gain(Sample),
    /// The reference's `apply_humanize` on the whole layer.
    Jitter(Jitter),
}

impl Effect {
    /// Five feed-forward taps at (29, 37, 41, 53, 67 ms) × size, gains `room · 0.7^i`
    /// (`apply_reverb`).
    pub fn reverb(room: f64, size: f64) -> Effect {
        let taps = [0.029, 0.037, 0.041, 0.053, 0.067]
            .iter()
            .enumerate()
            .map(|(i, d)| ((d * size * SR).max(0.0) as usize, room * 0.7f64.powi(i as i32)))
            .collect();
        Effect::Taps { dry: 1.0, taps }
    }

    /// Four echoes `delay_time` apart, the i-th at `feedback^i · wet` (`apply_delay`).
    pub fn delay(delay_time: f64, feedback: f64, wet: f64) -> Effect {
        let step = (delay_time * SR).max(0.0) as usize;
        let taps = (1..5).map(|i| (step * i, feedback.powi(i as i32) * wet)).collect();
        Effect::Taps { dry: 1.0, taps }
    }

    /// A 1-10 ms delayed copy blended in by up to 12% (`apply_stereo_width`; the output stays
    /// mono); none at width 0.
    pub fn width(width: f64) -> Option<Effect> {
        let width = width.clamp(0.0, 1.0);
        if width <= 0.0 {
            return None;
        }
        let offset = ((0.001 + 0.009 * width) * SR) as usize;
        let mix = 0.12 * width;
        Some(Effect::Taps { dry: 1.0 - mix, taps: vec![(offset, mix)] })
    }
}

/// A layer's notes, in the order they were added, and its effects, in order.
#[derive(Default)]
pub struct Score<'a> {
    notes: Vec<(usize, Render<'a>)>,
    effects: Vec<Effect>,
}

impl<'a> Score<'a> {
    pub fn new() -> Score<'a> {
        Score::default()
    }

    /// Places a note to start at sample `start`. One that runs past the end of the layer is cut
    /// with a fade of up to 10 ms (`add_note`); one that starts at or after the end is left out
    /// unrendered.
    pub fn add(&mut self, start: usize, render: impl FnOnce() -> Vec<Sample> + Send + 'a) {
        self.notes.push((start, Box::new(render)));
    }

    /// The score with `effect` after the effects it has.
    pub fn then(mut self, effect: Effect) -> Score<'a> {
        self.effects.push(effect);
        self
    }

    pub fn reverb(self, room: f64, size: f64) -> Score<'a> {
        self.then(Effect::reverb(room, size))
    }

    pub fn delay(self, delay_time: f64, feedback: f64, wet: f64) -> Score<'a> {
        self.then(Effect::delay(delay_time, feedback, wet))
    }

    /// Humanize on the whole layer, its one draw from the generator made now (none at 0, as the
    /// reference skips `apply_humanize` then).
    pub fn humanized(self, amount: f64, rng: &mut SynthRng) -> Score<'a> {
        self.then(Effect::Jitter(Jitter::draw(amount, rng)))
    }
}

/// A note cut to the `available` samples left in the layer, with a fade over its last
/// `min(10 ms, available / 4)` samples when it had to be cut (`add_note`).
fn fit(mut note: Vec<Sample>, available: usize) -> Vec<Sample> {
    if note.len() <= available {
        return note;
    }
    note.truncate(available);
    let fade = ((SR * 0.01) as usize).min(available / 4);
    if fade > 1 {
        for (i, v) in note[available - fade..].iter_mut().enumerate() {
            *v *= linspace_at(1.0, 0.0, fade, i) as Sample;
        }
    }
    note
}

/// An effect as it runs block by block, with what it keeps between blocks.
enum Stage {
    Taps(TapsStage),
    Gain(Sample),
    Jitter(JitterStream),
}

impl Stage {
    /// The stage for `effect` on a layer of `len` samples played in blocks of at most `block`;
    /// none where the effect leaves every sample as it is.
    fn new(effect: &Effect, len: usize, block: usize) -> Option<Stage> {
        match effect {
            Effect::Taps { dry, taps } => {
                let taps: Vec<(usize, Sample)> =
                    taps.iter().filter(|(d, _)| *d > 0 && *d < len).map(|&(d, g)| (d, g as Sample)).collect();
                let dry = *dry as Sample;
                match taps.iter().map(|t| t.0).max() {
                    None if dry == 1.0 => None,
                    None => Some(Stage::Gain(dry)),
                    Some(longest) => Some(Stage::Taps(TapsStage::new(dry, taps, longest, block))),
                }
            }
            Effect::Gain(g) => Some(Stage::Gain(*g)),
            Effect::Jitter(jitter) => jitter.stream().map(Stage::Jitter),
        }
    }

    /// Runs the stage on the next block of the layer (blocks but the last a multiple of
    /// [`noise::BATCH`] samples, so a jitter stream draws as it would over the whole layer).
    /// `silent`: the block is all zeros. Returns whether it still is.
    fn run(&mut self, x: &mut [Sample], silent: bool) -> bool {
        match self {
            Stage::Taps(t) => return t.run(x, silent),
            Stage::Gain(_) if silent => {}
            Stage::Gain(g) => scale(x, *g),
            // (Drawn even for silence, where the gains change nothing, to keep the stream's place.)
            Stage::Jitter(stream) => stream.apply(x),
        }
        silent
    }
}

/// Samples past the end of a [`TapsStage`] ring that repeat its first ones, so that a run of
/// [`TAPS_CHUNK`] samples read from anywhere in it is one slice.
const GUARD: usize = TAPS_CHUNK;
const TAPS_CHUNK: usize = 64;

/// Feed-forward taps with the input they reach back into: a ring of the last `mask + 1` input
/// samples, at least the longest tap plus a block. So a block's taps read input not yet written
/// over by the block, and a tap reaching before the start reads a slot not yet written (a zero):
/// such a read of sample `i − d < 0` lands on slot `size + i − d`, past every sample written so
/// far (`i + block ≤ size + i − d`).
struct TapsStage {
    dry: Sample,
    taps: Vec<(usize, Sample)>,
    longest: usize,
    ring: Vec<Sample>,
    mask: usize,
    /// Samples taken in so far.
    at: usize,
    /// The input is all zeros from this sample on (as far as it has been taken in).
    quiet_from: usize,
}

impl TapsStage {
    fn new(dry: Sample, taps: Vec<(usize, Sample)>, longest: usize, block: usize) -> TapsStage {
        let size = (longest + block).next_power_of_two();
        TapsStage { dry, taps, longest, ring: vec![0.0; size + GUARD], mask: size - 1, at: 0, quiet_from: 0 }
    }

    /// The ring's slots for the next `n` input samples, where they are one slice ([`Self::fits`];
    /// always for blocks of [`BLOCK`]: the ring is a power of two at least as long), for the
    /// input to be written straight into before [`Self::run_written`].
    fn slots(&mut self, n: usize) -> &mut [Sample] {
        let start = self.at & self.mask;
        &mut self.ring[start..start + n]
    }

    /// Whether the next `n` input samples' slots are one slice.
    fn fits(&self, n: usize) -> bool {
        (self.at & self.mask) + n <= self.mask + 1
    }

    /// The next block (`silent`: all zeros) in place; returns whether the output is silent,
    /// which it is when every tap reads a zero (the block, untouched, is then still all zeros).
    fn run(&mut self, x: &mut [Sample], silent: bool) -> bool {
        let size = self.mask + 1;
        // The input into the ring (it is shorter than the ring, so it wraps at most once).
        let start = self.at & self.mask;
        let first = x.len().min(size - start);
        self.ring[start..start + first].copy_from_slice(&x[..first]);
        self.ring[..x.len() - first].copy_from_slice(&x[first..]);
        self.run_written(x, silent)
    }

    /// The next `out.len()` outputs, their input already in the ring's slots: written to `out`
    /// unless they are all zeros (returns whether they are; `out` is then left as it was).
    fn run_written(&mut self, out: &mut [Sample], silent: bool) -> bool {
        // The guard again if the ring's first slots were written.
        let start = self.at & self.mask;
        if start < GUARD || start + out.len() > self.mask + 1 {
            let size = self.mask + 1;
            self.ring.copy_within(..GUARD, size);
        }
        let quiet = silent && self.quiet_from + self.longest <= self.at;
        if !quiet {
            taps_from_ring(out, &self.ring, self.at, self.mask, self.dry, &self.taps);
        }
        self.at += out.len();
        if !silent {
            self.quiet_from = self.at;
        }
        quiet
    }
}

wide_fn! {
/// `out[k] = dry · input[at + k] + Σ g · input[at + k − d]`, the input read from `ring` (slot
/// `i & mask` holds input sample `i`). Runs of 64 outputs are summed side by side, tap after tap (one
/// running sum would wait on its previous add from tap to tap; 64 keep more of them in flight than
/// 32, and 128 would not fit in the registers), each tap's 64 inputs one slice of the ring thanks
/// to its guard.
fn taps_from_ring(
    out: &mut [Sample],
    ring: &[Sample],
    at: usize,
    mask: usize,
    dry: Sample,
    taps: &[(usize, Sample)],
) {
    let mut chunks = out.chunks_exact_mut(TAPS_CHUNK);
    let mut pos = at;
    for chunk in &mut chunks {
        let now = pos & mask;
        let mut acc: [Sample; TAPS_CHUNK] = ring[now..now + TAPS_CHUNK].try_into().expect("a chunk");
        if dry != 1.0 {
            acc.iter_mut().for_each(|v| *v *= dry);
        }
        for (d, g) in taps {
            let from = pos.wrapping_sub(*d) & mask;
            let src = &ring[from..from + TAPS_CHUNK];
            for k in 0..TAPS_CHUNK {
                acc[k] = src[k].mul_add(*g, acc[k]);
            }
        }
        chunk.copy_from_slice(&acc);
        pos += TAPS_CHUNK;
    }
    for (k, v) in chunks.into_remainder().iter_mut().enumerate() {
        let mut acc = ring[(pos + k) & mask] * dry;
        for (d, g) in taps {
            acc = ring[(pos + k).wrapping_sub(*d) & mask].mul_add(*g, acc);
        }
        *v = acc;
    }
}
}

wide_fn! {
/// The largest `|x|` and the sum of squares of `x`, 32 lanes at a time (four eight-lane
/// instructions side by side: a single running max or sum waits on the previous step every
/// sample).
pub fn measure(x: &[Sample]) -> (f64, f64) {
    const LANES: usize = 32;
    // Squares are summed in single precision over 512 samples at a time (16 a lane), then in
    // double: the sum's rounding stays ~1e-6 of it however long the layer.
    const SPAN: usize = 16 * LANES;
    let mut peak: [Sample; LANES] = [0.0; LANES];
    let mut energy = [0.0f64; LANES];
    let whole = x.len() / LANES * LANES;
    for span in x[..whole].chunks(SPAN) {
        let mut squares: [Sample; LANES] = [0.0; LANES];
        for chunk in span.chunks_exact(LANES) {
            for k in 0..LANES {
                // A comparison, not `max` (whose care for NaN costs two more steps a lane;
                // a NaN is passed over either way).
                let a = chunk[k].abs();
                peak[k] = if a > peak[k] { a } else { peak[k] };
                squares[k] = chunk[k].mul_add(chunk[k], squares[k]);
            }
        }
        for (e, q) in energy.iter_mut().zip(squares) {
            *e += q as f64;
        }
    }
    let mut energy: f64 = energy.iter().sum();
    let mut top = peak.iter().fold(0.0, |m: Sample, v| m.max(*v));
    for v in &x[whole..] {
        top = top.max(v.abs());
        energy += (v * v) as f64;
    }
    (top as f64, energy)
}
}

/// Samples the player makes of every layer at a time: 4,096 (16 KB a layer), so the blocks of
/// seven layers, the mix and the recent input the effects reach back into stay in the core's
/// own cache while notes are added into them, the effects run over them and they are mixed
/// (blocks eight times as long would not all fit there). A multiple of [`noise::BATCH`].
pub const BLOCK: usize = 1 << 12;

/// A rendered note and where it lies.
struct Live {
    /// Its place among its layer's notes (notes are summed in this order).
    order: usize,
    start: usize,
    samples: Vec<Sample>,
}

/// A layer being played.
struct Voice {
    layer: Layer,
    /// Rendered notes that reach this block or a later one, by order.
    live: Vec<Live>,
    stages: Vec<Stage>,
    block: Vec<Sample>,
    /// The block is all zeros.
    silent: bool,
    peak: f64,
    energy: f64,
    kept: Option<Vec<Sample>>,
}

impl Voice {
    /// Makes the block `[from, to)`: the notes that reach it summed in order, through the
    /// effects, measured (and kept, where the caller wants the layer).
    fn play(&mut self, from: usize, to: usize) {
        let n = to - from;
        let block = &mut self.block[..n];
        // Where the first effect is taps, the notes are summed straight into its ring.
        let is_direct = matches!(self.stages.first(), Some(Stage::Taps(t)) if t.fits(n));
        let (first, stages) = self.stages.split_at_mut(usize::from(is_direct));
        let mut direct = match first {
            [Stage::Taps(taps)] => Some(taps),
            _ => None,
        };
        let input = match &mut direct {
            Some(taps) => taps.slots(n),
            None => &mut *block,
        };
        // The first note that reaches the block is copied in (zeros around it), the others added.
        let mut sounding = false;
        for note in &self.live {
            let (a, b) = (note.start.max(from), (note.start + note.samples.len()).min(to));
            if a < b {
                let part = &note.samples[a - note.start..b - note.start];
                if sounding {
                    add_into(&mut input[a - from..b - from], part);
                } else {
                    input[..a - from].fill(0.0);
                    input[b - from..].fill(0.0);
                    input[a - from..b - from].copy_from_slice(part);
                    sounding = true;
                }
            }
        }
        // (A block left silent by the last one is still all zeros; the ring's slots are not.)
        if !sounding && (is_direct || !self.silent) {
            input.fill(0.0);
        }
        self.live.retain(|note| note.start + note.samples.len() > to);
        let mut silent = !sounding;
        if let Some(taps) = direct {
            silent = taps.run_written(block, silent);
            if silent && !self.silent {
                block.fill(0.0);
            }
        }
        for stage in stages {
            silent = stage.run(block, silent);
        }
        self.silent = silent;
        if !silent {
            let (peak, energy) = measure(block);
            self.peak = self.peak.max(peak);
            self.energy += energy;
        }
        if let Some(kept) = &mut self.kept {
            kept.extend_from_slice(block);
        }
    }
}

/// What [`play`] made.
pub struct Played {
    /// The layers summed, through the effects on the mix.
    pub mix: Vec<Sample>,
    /// Each layer's largest `|x|` and sum of squares, in the order given.
    pub levels: Vec<(Layer, f64, f64)>,
    /// The mix's largest `|x|`.
    pub peak: f64,
    /// Each layer's samples, where asked for.
    pub kept: Vec<(Layer, Vec<Sample>)>,
}

/// How far ahead of the block being played notes are handed to the other threads: 16 blocks
/// of [`BLOCK`] (about 1.5 s).
const LOOKAHEAD: usize = 16 * BLOCK;

/// A note placed in a layer, and its samples once they are rendered, on some thread (or the
/// panic that stopped its render, to go on with on the thread that plays).
struct Slot {
    /// Its layer's place among the voices.
    voice: usize,
    /// Its place among its layer's notes.
    order: usize,
    start: usize,
    ready: AtomicBool,
    samples: Mutex<Option<std::thread::Result<Vec<Sample>>>>,
}

impl Slot {
    fn new(voice: usize, order: usize, start: usize) -> Slot {
        Slot { voice, order, start, ready: AtomicBool::new(false), samples: Mutex::new(None) }
    }

    fn render(&self, render: impl FnOnce() -> Vec<Sample>) {
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(render));
        *self.samples.lock().unwrap_or_else(|e| e.into_inner()) = Some(rendered);
        self.ready.store(true, Ordering::Release);
    }

    /// Waits for the note, running other queued work (notes) on this thread meanwhile.
    fn take(&self) -> Vec<Sample> {
        while !self.ready.load(Ordering::Acquire) {
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                std::thread::yield_now();
            }
        }
        match self.samples.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(Ok(samples)) => samples,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => unreachable!("a note is taken once"),
        }
    }
}

/// Plays `len` samples of every score, `block` samples at a time (a multiple of
/// [`noise::BATCH`]): one thread makes each layer's block (its notes summed in order, its
/// effects, its levels), sums the layers in the order given and runs the `on_mix` effects on the
/// sum, block after block. The notes that start within [`LOOKAHEAD`] samples of the block are
/// queued for the other threads as it goes, so they are rendered by the time it reaches them
/// (where one is not, this thread renders queued notes until it is). The samples do not depend
/// on `block`.
pub fn play(
    scores: Vec<(Layer, Score<'_>)>,
    len: usize,
    on_mix: &[Effect],
    block: usize,
    progress: &dyn Progress,
    keep: bool,
) -> Result<Played, Cancelled> {
    assert!(block > 0 && block.is_multiple_of(noise::BATCH), "a block of {block} samples");
    // Every note inside the layer, by start (then voice, then order).
    let mut notes: Vec<(Slot, Render)> = Vec::new();
    let mut layers: Vec<(Layer, Vec<Effect>)> = Vec::new();
    for (voice, (layer, score)) in scores.into_iter().enumerate() {
        let inside = score.notes.into_iter().enumerate().filter(|(_, (start, _))| *start < len);
        notes.extend(inside.map(|(order, (start, render))| (Slot::new(voice, order, start), render)));
        layers.push((layer, score.effects));
    }
    notes.sort_by_key(|(slot, _)| slot.start);
    let (slots, renders): (Vec<Slot>, Vec<Render>) = notes.into_iter().unzip();
    // On one of rayon's threads, which queues the notes and plays.
    rayon::scope_fifo(|scope| {
        let mut queue = slots.iter().zip(renders).peekable();
        let mut queue_before = |end: usize| {
            while let Some((slot, render)) = queue.next_if(|(slot, _)| slot.start < end) {
                scope.spawn_fifo(move |_| slot.render(|| fit(render(), len - slot.start)));
            }
        };
        // The first notes are queued before the layers' effects are set up (their rings are
        // up to a megabyte each to zero), so the other threads start on them at once.
        queue_before(block.min(len) + LOOKAHEAD);
        let mut voices: Vec<Voice> = layers
            .into_iter()
            .map(|(layer, effects)| Voice {
                layer,
                live: Vec::new(),
                stages: effects.iter().filter_map(|e| Stage::new(e, len, block)).collect(),
                block: vec![0.0; block.min(len)],
                silent: true,
                peak: 0.0,
                energy: 0.0,
                kept: keep.then(|| Vec::with_capacity(len)),
            })
            .collect();
        let mut on_mix: Vec<Stage> = on_mix.iter().filter_map(|e| Stage::new(e, len, block)).collect();
        let mut mix: Vec<Sample> = Vec::with_capacity(len);
        let mut peak = 0.0f64;
        let mut taken = 0;
        for from in (0..len).step_by(block) {
            if from % LOOKAHEAD < block {
                progress.checkpoint()?;
                progress.report(from as f32 / len as f32, "rendering");
            }
            let to = (from + block).min(len);
            queue_before(to + LOOKAHEAD);
            while let Some(slot) = slots.get(taken).filter(|slot| slot.start < to) {
                let live = &mut voices[slot.voice].live;
                let at = live.partition_point(|l| l.order < slot.order);
                live.insert(at, Live { order: slot.order, start: slot.start, samples: slot.take() });
                taken += 1;
            }
            voices.iter_mut().for_each(|voice| voice.play(from, to));
            let Some((first, rest)) = voices.split_first() else {
                mix.resize(to, 0.0);
                continue;
            };
            mix.extend_from_slice(&first.block[..to - from]);
            let out = &mut mix[from..to];
            // (Adding a silent block would only turn a −0 into a +0.)
            for voice in rest.iter().filter(|v| !v.silent) {
                add_into(out, &voice.block[..to - from]);
            }
            let mut silent = voices.iter().all(|v| v.silent);
            for stage in &mut on_mix {
                silent = stage.run(out, silent);
            }
            peak = peak.max(measure(out).0);
        }
        let levels = voices.iter().map(|v| (v.layer, v.peak, v.energy)).collect();
        let kept = voices.into_iter().filter_map(|v| Some((v.layer, v.kept?))).collect();
        Ok(Played { mix, levels, peak, kept })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngExt, SeedableRng};

    fn close(a: impl Into<f64>, b: f64, tol: f64) -> bool {
        (a.into() - b).abs() <= tol
    }

    /// `effect` run over a whole signal at once.
    fn apply(effect: &Effect, signal: &mut [Sample]) {
        if let Some(mut stage) = Stage::new(effect, signal.len(), signal.len()) {
            stage.run(signal, false);
        }
    }

    /// A score played alone in blocks of `block`.
    fn played(score: Score, len: usize, block: usize) -> Vec<Sample> {
        let p = play(
            vec![(Layer::Pad, score), (Layer::Melody, Score::new())],
            len,
            &[],
            block,
            &crate::jobs::Silent,
            true,
        )
        .unwrap();
        assert_eq!(p.kept[1].1, vec![0.0; len], "an empty score is silence");
        p.kept.into_iter().next().unwrap().1
    }

    #[test]
    fn notes_sum_in_the_order_added_with_zeros_between_in_any_blocks() {
        // Notes of 1, 2, 4 and 8 added out of order into 20 samples, by hand:
        // [0, 0, 1, 1, 1+2, 2, 2, 0, 0, 0, 8, 8+4, 4, 4, 0, …]; the note at 25 is past the end
        // and never renders.
        for block in [16, 32, BLOCK] {
            let mut score = Score::new();
            score.add(2, || vec![1.0; 3]);
            score.add(11, || vec![4.0; 3]);
            score.add(4, || vec![2.0; 3]);
            score.add(10, || vec![8.0; 2]);
            score.add(25, || panic!("a note past the end rendered"));
            let want = [0., 0., 1., 1., 3., 2., 2., 0., 0., 0., 8., 12., 4., 4., 0., 0., 0., 0., 0., 0.];
            assert_eq!(played(score, 20, block), want, "blocks of {block}");
        }
        assert_eq!(played(Score::new(), 5, 16), [0.0; 5]);
        // The order is the order added, not of start: 1e8 − 1e8 + 1 is 1, where adding the 1
        // (which starts first) first would lose it to rounding (1 + 1e8 is 1e8 in single
        // precision).
        for block in [16, BLOCK] {
            let mut score = Score::new();
            score.add(5, || vec![1e8; 2]);
            score.add(5, || vec![-1e8; 2]);
            score.add(3, || vec![1.0; 4]);
            assert_eq!(played(score, 8, block), [0., 0., 0., 1., 1., 1., 1., 0.], "blocks of {block}");
        }
    }

    #[test]
    fn a_note_whose_render_panics_stops_the_render_instead_of_hanging_it() {
        // The note renders on another thread; the player takes its panic up where it waits.
        let got = std::panic::catch_unwind(|| {
            let mut score = Score::new();
            score.add(0, || vec![1.0; 4]);
            score.add(3, || panic!("a broken note"));
            played(score, 64, 16)
        });
        let panic = got.expect_err("the render panics");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"a broken note"));
    }

    #[test]
    fn a_note_that_runs_past_the_end_fades_out() {
        let mut score = Score::new();
        score.add(600, || vec![1.0; 2000]);
        let signal = played(score, 1000, 32);
        // 400 samples fit; the fade is min(441, 400 / 4) = 100 samples, down to 0.
        assert_eq!(signal[599], 0.0);
        assert_eq!(signal[899], 1.0);
        assert!(close(signal[900], 1.0, 1e-7));
        assert!(close(signal[950], 1.0 - 50.0 / 99.0, 1e-7));
        assert!(close(signal[999], 0.0, 1e-7));
    }

    #[test]
    fn reverb_and_delay_add_the_references_taps() {
        let mut impulse = vec![0.0; 44_100];
        impulse[0] = 1.0;
        let mut r = impulse.clone();
        apply(&Effect::reverb(0.5, 1.0), &mut r);
        for (i, d) in [0.029, 0.037, 0.041, 0.053, 0.067].iter().enumerate() {
            let at = (d * 44_100.0) as usize;
            assert!(close(r[at], 0.5 * 0.7f64.powi(i as i32), 1e-7), "tap {i}");
        }
        let mut d = impulse;
        apply(&Effect::delay(0.1, 0.5, 0.4), &mut d);
        assert!(close(d[4410], 0.5 * 0.4, 1e-7));
        assert!(close(d[4 * 4410], 0.0625 * 0.4, 1e-7));
        assert_eq!(d[5 * 4410], 0.0);
    }

    #[test]
    fn reverb_and_delay_are_their_definition_on_noise_in_any_blocks() {
        // `y[n] = x[n] + Σ g_k x[n − d_k]` written out in double precision, on 30,000 samples
        // of noise, the effects run whole and played in blocks of 1,024 and 48 samples (taps
        // reaching across many blocks and, for the delay, a ring that wraps round twice), a
        // delay then a reverb as the melodies chain them: within single-precision rounding of
        // the largest output.
        let mut rng = SynthRng::seed_from_u64(5);
        let x: Vec<Sample> = (0..30_000).map(|_| rng.random_range(-1.0..1.0)).collect();
        let reverb_taps: Vec<(usize, f64)> = [0.029, 0.037, 0.041, 0.053, 0.067]
            .iter()
            .enumerate()
            .map(|(i, d)| ((d * 0.6 * 44_100.0) as usize, 0.4 * 0.7f64.powi(i as i32)))
            .collect();
        let delay_taps: Vec<(usize, f64)> =
            (1..5).map(|i| (1_234 * i, 0.5f64.powi(i as i32) * 0.3)).collect();
        let define = |x: &[f64], taps: &[(usize, f64)]| -> Vec<f64> {
            (0..x.len())
                .map(|n| x[n] + taps.iter().filter(|(d, _)| n >= *d).map(|(d, g)| g * x[n - d]).sum::<f64>())
                .collect()
        };
        let x64: Vec<f64> = x.iter().map(|v| *v as f64).collect();
        let delayed = define(&x64, &delay_taps);
        let both = define(&delayed, &reverb_taps);
        let (reverb, delay) = (Effect::reverb(0.4, 0.6), Effect::delay(1_234.0 / 44_100.0 + 1e-9, 0.5, 0.3));
        // The reverb's own taps: the same delays, the same gains up to `powi`'s rounding (which
        // the compiler may fold differently from one call site to another).
        let Effect::Taps { dry, taps } = &reverb else { panic!("the reverb is taps") };
        assert_eq!(*dry, 1.0);
        assert_eq!(taps.len(), reverb_taps.len());
        for ((d, g), (want_d, want_g)) in taps.iter().zip(&reverb_taps) {
            assert_eq!(d, want_d);
            assert!((g - want_g).abs() <= 1e-15, "{g} vs {want_g}");
        }
        let check = |got: &[Sample], want: &[f64], what: &str| {
            assert_eq!(got.len(), want.len());
            let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (n, (g, w)) in got.iter().zip(want).enumerate() {
                assert!((*g as f64 - w).abs() <= 1e-6 * scale, "{what} [{n}] {g} vs {w}");
            }
        };
        let mut whole = x.clone();
        apply(&reverb, &mut whole);
        check(&whole, &define(&x64, &reverb_taps), "reverb");
        let mut whole = x.clone();
        apply(&delay, &mut whole);
        check(&whole, &delayed, "delay");
        for block in [1_024, 48] {
            let x = x.clone();
            let mut score = Score::new();
            score.add(0, move || x);
            let got = played(score.then(delay.clone()).then(reverb.clone()), 30_000, block);
            check(&got, &both, &format!("blocks of {block}"));
        }
        // Bursts of that noise with silence between, as notes: silences shorter and longer
        // than the delay's reach (4,936 samples) and the reverb's (1,772), so the effects' tails
        // ring on into blocks with no note, and stop.
        let bursts = [(0, 500), (3_000, 3_100), (12_000, 12_040), (25_000, 25_001)];
        let mut gaps = vec![0.0f64; 30_000];
        for (a, b) in bursts {
            gaps[a..b].copy_from_slice(&x64[a..b]);
        }
        let want = define(&define(&gaps, &delay_taps), &reverb_taps);
        for block in [1_024, 48] {
            let mut score = Score::new();
            for (a, b) in bursts {
                let part = x[a..b].to_vec();
                score.add(a, move || part);
            }
            let got = played(score.then(delay.clone()).then(reverb.clone()), 30_000, block);
            check(&got, &want, &format!("bursts, blocks of {block}"));
        }
    }

    #[test]
    fn a_tap_as_long_as_the_ring_holds_reads_zeros_before_the_start() {
        // One tap of d samples in blocks of b: the ring is (d + b) rounded up to a power of two,
        // so d = 8,192 − b fills it exactly and one more doubles it. Against
        // `y[n] = x[n] + 0.5 x[n − d]` (zero for n < d) on noise.
        let mut rng = SynthRng::seed_from_u64(9);
        let x: Vec<Sample> = (0..30_000).map(|_| rng.random_range(-1.0..1.0)).collect();
        for block in [1_024, 48] {
            for d in [8_192 - block, 8_193 - block] {
                let x = x.clone();
                let want: Vec<f64> = (0..x.len())
                    .map(|n| x[n] as f64 + if n >= d { 0.5 * x[n - d] as f64 } else { 0.0 })
                    .collect();
                let mut score = Score::new();
                score.add(0, move || x);
                let got = played(score.then(Effect::Taps { dry: 1.0, taps: vec![(d, 0.5)] }), 30_000, block);
                for (n, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((*g as f64 - w).abs() <= 1e-6, "tap {d}, blocks of {block}: [{n}] {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn width_blends_in_a_copy_delayed_by_one_to_ten_ms() {
        // Width 1: a 10 ms copy at 12%, the dry signal at 88%; int((0.001 + 0.009) · 44100) is 440,
        // as (0.001 + 0.009) rounds just below 0.01 (Python prints 440.99999999999994).
        let mut impulse = vec![0.0; 2000];
        impulse[3] = 1.0;
        let mut w = impulse.clone();
        apply(&Effect::width(1.0).unwrap(), &mut w);
        assert!(close(w[3], 0.88, 1e-7));
        assert!(close(w[443], 0.12, 1e-7));
        assert!(close(w.iter().sum::<Sample>(), 1.0, 1e-7));
        // Width 0.5: int((0.001 + 0.0045) · 44100) = int(242.55) = 242 samples, 6%.
        let mut w = impulse.clone();
        apply(&Effect::width(0.5).unwrap(), &mut w);
        assert!(close(w[3], 0.94, 1e-7) && close(w[245], 0.06, 1e-7));
        assert_eq!(Effect::width(0.0), None);
        // A copy as long as the signal or longer: left out, the dry part stays.
        let mut short = vec![1.0; 100];
        apply(&Effect::width(1.0).unwrap(), &mut short);
        assert!(short.iter().all(|v| close(*v, 0.88, 1e-7)));
    }

    #[test]
    fn a_layer_jittered_in_blocks_takes_the_gains_it_would_whole() {
        // Humanize on the whole layer, played in blocks of 48 and whole, against the gains of
        // one stream over all 1,000 samples (`JitterStream`, whose draws its own test
        // checks) times the constant note.
        let mut want = vec![0.5; 1000];
        let mut rng = SynthRng::seed_from_u64(3);
        let seed = SynthRng::seed_from_u64(3).next_u64();
        JitterStream::new(seed, 0.4).apply(&mut want);
        for block in [48, BLOCK] {
            let mut score = Score::new();
            score.add(0, || vec![0.5; 1000]);
            let score = score.humanized(0.4, &mut rng.clone());
            assert_eq!(played(score, 1000, block), want, "blocks of {block}");
        }
        // No humanize draws nothing.
        let before = rng.clone().next_u64();
        let _ = Score::new().humanized(0.0, &mut rng);
        assert_eq!(rng.next_u64(), before);
    }

    #[test]
    fn the_player_mixes_layers_in_order_and_measures_each_and_the_mix() {
        // 20,000 samples in blocks of 4,096: a constant 0.5 (peak 0.5, energy 0.25 n), ±2
        // alternating at a gain of 0.5 (so ±1: peak 1, energy n), and a single −3 at sample
        // 15,000 (peak 3, energy 9), then a gain of 2 on the mix. Their sum is 1.5 on even
        // samples, −0.5 on odd ones and 1.5 − 3 = −1.5 at 15,000 (even): the mix peaks at 3.
        let n = 20_000;
        let mut a = Score::new();
        a.add(0, move || vec![0.5; n]);
        let mut b = Score::new();
        b.add(0, move || (0..n).map(|i| if i % 2 == 0 { 2.0 } else { -2.0 }).collect());
        let mut c = Score::new();
        c.add(15_000, || vec![-3.0]);
        let scores = vec![(Layer::Bass, a), (Layer::Pad, b.then(Effect::Gain(0.5))), (Layer::Melody, c)];
        let p = play(scores, n, &[Effect::Gain(2.0)], 4_096, &crate::jobs::Silent, false).unwrap();
        for (i, m) in p.mix.iter().enumerate() {
            let want =
                2.0 * (0.5 + if i % 2 == 0 { 1.0 } else { -1.0 } + if i == 15_000 { -3.0 } else { 0.0 });
            assert_eq!(*m, want, "sample {i}");
        }
        assert_eq!(p.peak, 3.0);
        assert_eq!(
            p.levels,
            [(Layer::Bass, 0.5, 0.25 * n as f64), (Layer::Pad, 1.0, n as f64), (Layer::Melody, 3.0, 9.0)]
        );
        assert!(p.kept.is_empty());
    }

    #[test]
    fn measuring_finds_the_peak_and_the_energy() {
        // 35 samples: one whole block of 32 lanes and a remainder of 3. 3 and −4 in the block,
        // 1 and −2 in the remainder: peak |−4| = 4, energy 9 + 16 + 1 + 4 = 30. Then the
        // remainder's −5 makes the peak 5 (energy 9 + 16 + 1 + 25 = 51).
        let mut x = [0.0; 35];
        (x[0], x[1], x[32], x[34]) = (3.0, -4.0, 1.0, -2.0);
        assert_eq!(measure(&x), (4.0, 30.0));
        x[34] = -5.0;
        assert_eq!(measure(&x), (5.0, 51.0));
    }
}
