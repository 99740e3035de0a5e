//! WAV files (hound): 16-bit PCM, the format LatentScore's pipeline writes, or 32-bit float;
//! always written atomically.

use std::path::Path;

use anyhow::Context as _;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WavFormat {
    /// 16-bit signed PCM (samples clamped to ±1, scaled by 32767, rounded).
    #[default]
    Pcm16,
    /// 32-bit IEEE float.
    Float32,
}

impl WavFormat {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pcm16 => "16-bit PCM",
            Self::Float32 => "32-bit float",
        }
    }
}

/// A float sample as 16-bit PCM.
pub fn to_pcm16(x: f32) -> i16 {
    (x.clamp(-1.0, 1.0) * 32767.0).round() as i16
}

/// Writes mono `samples` at `sample_rate` to `path`.
pub fn write_wav(path: &Path, samples: &[f32], sample_rate: u32, format: WavFormat) -> anyhow::Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: match format {
            WavFormat::Pcm16 => 16,
            WavFormat::Float32 => 32,
        },
        sample_format: match format {
            WavFormat::Pcm16 => hound::SampleFormat::Int,
            WavFormat::Float32 => hound::SampleFormat::Float,
        },
    };
    crate::paths::write_atomically(path, |tmp| {
        let mut writer =
            hound::WavWriter::create(tmp, spec).with_context(|| format!("creating {}", tmp.display()))?;
        let context = || format!("writing {}", tmp.display());
        match format {
            WavFormat::Pcm16 => {
                let mut w = writer.get_i16_writer(samples.len() as u32);
                for s in samples {
                    w.write_sample(to_pcm16(*s));
                }
                w.flush().with_context(context)?;
            }
            WavFormat::Float32 => {
                for s in samples {
                    writer.write_sample(*s).with_context(context)?;
                }
            }
        }
        writer.finalize().with_context(context)
    })
}

/// Reads a WAV file as mono floats in -1..1 (channels averaged) and its sample rate.
pub fn read_wav(path: &Path) -> anyhow::Result<(Vec<f32>, u32)> {
    let mut reader = hound::WavReader::open(path).with_context(|| format!("opening {}", path.display()))?;
    let spec = reader.spec();
    let context = || format!("reading samples of {}", path.display());
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => {
            reader.samples::<f32>().collect::<Result<_, _>>().with_context(context)?
        }
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
                .with_context(context)?
        }
    };
    let channels = spec.channels.max(1) as usize;
    let mono =
        interleaved.chunks(channels).map(|frame| frame.iter().sum::<f32>() / channels as f32).collect();
    Ok((mono, spec.sample_rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm16_scaling_rounds_and_clamps() {
        assert_eq!(to_pcm16(0.0), 0);
        assert_eq!(to_pcm16(1.0), 32767);
        assert_eq!(to_pcm16(-1.5), -32767);
        assert_eq!(to_pcm16(0.5), 16384); // 16383.5 rounds away from zero
    }

    #[test]
    fn both_formats_round_trip_with_their_headers() {
        let dir = tempfile::tempdir().unwrap();
        let samples: Vec<f32> = (0..1000).map(|i| ((i as f32) * 0.01).sin() * 0.8).collect();
        for (format, bits, tolerance) in
            [(WavFormat::Pcm16, 16, 2.0 / 32767.0), (WavFormat::Float32, 32, 0.0)]
        {
            let path = dir.path().join(format!("{bits}.wav"));
            write_wav(&path, &samples, 44_100, format).unwrap();
            let spec = hound::WavReader::open(&path).unwrap().spec();
            assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (1, 44_100, bits));
            assert_eq!(hound::WavReader::open(&path).unwrap().len(), 1000);
            if format == WavFormat::Pcm16 {
                // The canonical 44-byte RIFF header, then 2 bytes a sample.
                assert_eq!(std::fs::metadata(&path).unwrap().len(), 44 + 2000);
            }
            let (back, rate) = read_wav(&path).unwrap();
            assert_eq!(rate, 44_100);
            assert_eq!(back.len(), 1000);
            for (a, b) in samples.iter().zip(&back) {
                assert!((a - b).abs() <= tolerance, "{a} vs {b}");
            }
        }
    }
}
