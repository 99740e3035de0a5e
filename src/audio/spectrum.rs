//! Pictures of a render: the waveform's min/max envelope and a spectrogram (Hann-windowed STFT
//! magnitudes in dB), and the spectrogram as an RGBA image with a perceptual colour ramp. Used by
//! the Audition panel and `benchtop render --spectrogram`.

use std::path::Path;

use realfft::RealFftPlanner;

/// Min and max of each of `columns` equal slices of `samples`.
pub fn envelope(samples: &[f32], columns: usize) -> Vec<(f32, f32)> {
    if samples.is_empty() || columns == 0 {
        return Vec::new();
    }
    (0..columns)
        .map(|c| {
            let a = c * samples.len() / columns;
            let b = ((c + 1) * samples.len() / columns).max(a + 1).min(samples.len());
            samples[a..b].iter().fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
        })
        .collect()
}

/// Magnitudes in dB (relative to a full-scale sine), one column per hop.
#[derive(Clone, Debug)]
pub struct Spectrogram {
    pub columns: usize,
    /// Frequency bins per column, 0 Hz to Nyquist.
    pub bins: usize,
    /// `columns × bins`, column after column.
    pub db: Vec<f32>,
    pub sample_rate: u32,
    /// Seconds between columns.
    pub hop_seconds: f64,
}

impl Spectrogram {
    pub fn at(&self, column: usize, bin: usize) -> f32 {
        self.db[column * self.bins + bin]
    }

    /// The frequency of a bin's centre.
    pub fn bin_hz(&self, bin: usize) -> f64 {
        bin as f64 * f64::from(self.sample_rate) / (2.0 * (self.bins - 1) as f64)
    }
}

/// The STFT of `samples` with a `window`-point Hann window (a power of two), advancing so that
/// there are at most `max_columns` columns (and at least a quarter window between them).
pub fn spectrogram(samples: &[f32], sample_rate: u32, window: usize, max_columns: usize) -> Spectrogram {
    let bins = window / 2 + 1;
    let hop = (samples.len() / max_columns.max(1)).max(window / 4).max(1);
    let columns = if samples.len() >= window {
        (samples.len() - window) / hop + 1
    } else {
        usize::from(!samples.is_empty())
    };
    let hann: Vec<f32> = (0..window)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / window as f32).cos())
        .collect();
    // A full-scale sine gives |X| = window/4 with a Hann window: that is 0 dB.
    let reference = window as f32 / 4.0;
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(window);
    let mut input = fft.make_input_vec();
    let mut output = fft.make_output_vec();
    let mut db = Vec::with_capacity(columns * bins);
    for c in 0..columns {
        let start = c * hop;
        for (i, x) in input.iter_mut().enumerate() {
            *x = samples.get(start + i).copied().unwrap_or(0.0) * hann[i];
        }
        // The buffers have the planned lengths, so this cannot fail.
        let _ = fft.process(&mut input, &mut output);
        db.extend(output.iter().map(|z| 20.0 * (z.norm() / reference).max(1e-6).log10()));
    }
    Spectrogram { columns, bins, db, sample_rate, hop_seconds: hop as f64 / f64::from(sample_rate) }
}

/// A perceptual dark-to-bright ramp (black, purple, red, orange, pale yellow) at `t` in 0..1.
pub fn colour(t: f32) -> [u8; 3] {
    const STOPS: [[f32; 3]; 5] =
        [[0.0, 0.0, 0.02], [0.32, 0.07, 0.43], [0.72, 0.21, 0.33], [0.98, 0.55, 0.16], [0.99, 0.99, 0.75]];
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f32;
    let i = (t as usize).min(STOPS.len() - 2);
    let f = t - i as f32;
    let mix = |k: usize| ((STOPS[i][k] + (STOPS[i + 1][k] - STOPS[i][k]) * f) * 255.0).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// The spectrogram as `width × height` RGBA pixels (row 0 the highest frequency), frequencies
/// up to `max_hz` on a linear axis, `floor_db`..0 dB mapped onto the colour ramp.
pub fn image(s: &Spectrogram, width: usize, height: usize, max_hz: f64, floor_db: f32) -> Vec<u8> {
    let mut pixels = vec![0u8; width * height * 4];
    if s.columns == 0 || width == 0 || height == 0 {
        return pixels;
    }
    let top_bin = ((max_hz / s.bin_hz(1)).round() as usize).clamp(1, s.bins - 1);
    for x in 0..width {
        let c0 = x * s.columns / width;
        let c1 = ((x + 1) * s.columns / width).max(c0 + 1).min(s.columns);
        for y in 0..height {
            let b0 = (height - 1 - y) * top_bin / height;
            let b1 = ((height - y) * top_bin / height).max(b0 + 1);
            let mut loudest = f32::MIN;
            for c in c0..c1 {
                for b in b0..b1.min(s.bins) {
                    loudest = loudest.max(s.at(c, b));
                }
            }
            let [r, g, b] = colour((loudest - floor_db) / -floor_db);
            let p = (y * width + x) * 4;
            pixels[p..p + 4].copy_from_slice(&[r, g, b, 255]);
        }
    }
    pixels
}

/// The highest frequency the pictures show.
pub const PICTURE_MAX_HZ: f64 = 8000.0;

/// The spectrogram picture the app and `benchtop render --spectrogram` draw: 0 to
/// [`PICTURE_MAX_HZ`], -90 dB floor, two analysis columns per pixel; RGBA, `width × height`.
pub fn picture(samples: &[f32], sample_rate: u32, width: usize, height: usize) -> Vec<u8> {
    let s = spectrogram(samples, sample_rate, 2048, width * 2);
    image(&s, width, height, PICTURE_MAX_HZ, -90.0)
}

/// Writes a spectrogram of `samples` as a PNG picture.
pub fn write_png(
    path: &Path,
    samples: &[f32],
    sample_rate: u32,
    width: u32,
    height: u32,
) -> anyhow::Result<()> {
    crate::paths::write_rgba_png(
        path,
        &picture(samples, sample_rate, width as usize, height as usize),
        width,
        height,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_peaks_in_its_bin_at_0_db() {
        // 1 kHz at full scale: bin k = 1000 · 2048 / 44100 = 46.44; the peak is bin 46, within
        // the Hann window's scalloping loss (< 1.5 dB) of 0 dB.
        let samples: Vec<f32> =
            (0..44_100).map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 44_100.0).sin()).collect();
        let s = spectrogram(&samples, 44_100, 2048, 100);
        assert_eq!(s.bins, 1025);
        let col = s.columns / 2;
        let peak = (0..s.bins).max_by(|a, b| s.at(col, *a).total_cmp(&s.at(col, *b))).unwrap();
        assert_eq!(peak, 46);
        assert!((s.bin_hz(46) - 990.5).abs() < 0.1);
        let level = s.at(col, peak);
        assert!(level <= 0.01 && level > -1.5, "{level}");
        // Far from the tone: the Hann sidelobes are more than 60 dB down.
        assert!(s.at(col, 400) < -60.0, "{}", s.at(col, 400));
    }

    #[test]
    fn the_envelope_holds_each_slices_extremes() {
        let samples = [0.0, 1.0, -1.0, 0.5, 0.25, -0.25];
        assert_eq!(envelope(&samples, 3), vec![(0.0, 1.0), (-1.0, 0.5), (-0.25, 0.25)]);
        assert_eq!(envelope(&samples, 1), vec![(-1.0, 1.0)]);
    }

    #[test]
    fn the_ramp_runs_dark_to_bright() {
        let lum = |c: [u8; 3]| 0.2126 * c[0] as f32 + 0.7152 * c[1] as f32 + 0.0722 * c[2] as f32;
        let mut last = -1.0;
        for i in 0..=20 {
            let l = lum(colour(i as f32 / 20.0));
            assert!(l > last, "step {i}");
            last = l;
        }
    }
}
