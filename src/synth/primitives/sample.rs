//! What every building block shares: the sample type and rate, the render's one generator, the
//! length of a stretch in samples, and the plain whole-signal loops (a gain, a sum).
pub const SAMPLE_RATE: u32 = 44_100;
pub(super) const SR: f64 = SAMPLE_RATE as f64;

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

/// 0, 1, …, 15: sixteen lanes' starting counts.
pub(super) const IOTA16: [Sample; 16] =
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0];

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
