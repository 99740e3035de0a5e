//! benchtop's port of LatentScore's synth (Apache-2.0, `latentscore/synth.py` 0.1.8; see NOTICE):
//! a music config in, mono 44.1 kHz audio out, deterministic for a seed.
//!
//! `config` holds the schema, `payload` the model-written candidate around it, `primitives` the
//! oscillators, envelopes, filters and effects, `harmony` the chord plan and procedural melody,
//! `layers` the bass, pad, melody, rhythm, texture and accent styles. [`render`] assembles them as
//! the reference's `assemble` does: layers by density, the width blend, peak-normalized to 0.85.

pub mod config;
pub mod harmony;
pub mod layers;
pub mod payload;
pub mod primitives;

use rand::SeedableRng;

use crate::jobs::{Cancelled, Progress};
pub use config::{MusicConfig, SynthConfig};
use harmony::{HarmonyPlan, MelodyPolicy, build_harmony_plan};
pub use layers::Layer;
use layers::{Ctx, active_layers, render_layer};
pub use primitives::SAMPLE_RATE;
use primitives::{SynthRng, mix_into, samples, stereo_width};

/// The peak a render is normalized to.
pub const PEAK: f64 = 0.85;

/// One layer's level before mixing and normalization.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerStats {
    pub layer: Layer,
    pub peak: f64,
    pub rms: f64,
}

/// A finished render.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// Mono samples at [`SAMPLE_RATE`], peak-normalized to [`PEAK`] (silence stays silent).
    pub samples: Vec<f32>,
    pub layers: Vec<LayerStats>,
    pub harmony: HarmonyPlan,
    /// The mix's peak before normalization.
    pub raw_peak: f64,
    pub seed: u64,
}

impl Rendered {
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / SAMPLE_RATE as f64
    }
}

fn stats(layer: Layer, x: &[f64]) -> LayerStats {
    let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let rms = if x.is_empty() { 0.0 } else { (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt() };
    LayerStats { layer, peak, rms }
}

/// Renders each active layer in the reference's order, handing each to `each` as it is done.
/// All randomness comes from one generator seeded with `seed`.
pub fn render_layers(
    config: &SynthConfig,
    seconds: f64,
    seed: u64,
    progress: &dyn Progress,
    mut each: impl FnMut(Layer, Vec<f64>),
) -> Result<HarmonyPlan, Cancelled> {
    let mut rng = SynthRng::seed_from_u64(seed);
    let harmony = build_harmony_plan(config, seconds, &mut rng);
    let policy = MelodyPolicy::from_config(config);
    let ctx = Ctx { config, duration: seconds, harmony: &harmony, policy: &policy, t_offset: 0.0 };
    let active = active_layers(config);
    for (i, layer) in active.iter().enumerate() {
        progress.checkpoint()?;
        progress.report(i as f32 / active.len() as f32, &format!("rendering {}", layer.name()));
        each(*layer, render_layer(*layer, &ctx, &mut rng));
    }
    Ok(harmony)
}

/// Renders `seconds` of a config: every active layer mixed, the width blend, then the peak
/// normalized to 0.85.
pub fn render(
    config: &SynthConfig,
    seconds: f64,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Rendered, Cancelled> {
    let mut mix = vec![0.0; samples(seconds)];
    let mut layer_stats = Vec::new();
    let harmony = render_layers(config, seconds, seed, progress, |layer, buffer| {
        layer_stats.push(stats(layer, &buffer));
        mix_into(&mut mix, &buffer, 1.0);
    })?;
    let mix = stereo_width(mix, config.stereo);
    let raw_peak = mix.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let gain = if raw_peak > 0.0 { PEAK / raw_peak } else { 0.0 };
    let samples = mix.iter().map(|v| (v * gain) as f32).collect();
    progress.report(1.0, "rendered");
    Ok(Rendered { samples, layers: layer_stats, harmony, raw_peak, seed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::Silent;

    #[test]
    fn a_render_lasts_exactly_as_long_as_asked_and_peaks_at_0_85() {
        for seconds in [0.5, 3.0, 7.25] {
            let r = render(&SynthConfig::default(), seconds, 1, &Silent).unwrap();
            assert_eq!(r.samples.len(), (44_100.0 * seconds) as usize);
            let peak = r.samples.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!((peak - 0.85).abs() < 1e-6, "{peak}");
        }
    }

    #[test]
    fn the_same_seed_renders_the_same_samples_and_another_seed_does_not() {
        let c = SynthConfig { human: 0.3, ..SynthConfig::default() };
        let a = render(&c, 2.0, 7, &Silent).unwrap();
        let b = render(&c, 2.0, 7, &Silent).unwrap();
        let other = render(&c, 2.0, 8, &Silent).unwrap();
        assert_eq!(a.samples, b.samples);
        assert_ne!(a.samples, other.samples);
    }

    #[test]
    fn density_picks_the_layers() {
        let mut c = SynthConfig { density: 2, ..SynthConfig::default() };
        assert_eq!(layers::active_layers(&c), [Layer::Bass, Layer::Pad]);
        c.density = 6;
        c.depth = true;
        assert_eq!(layers::active_layers(&c), Layer::ALL);
        c.rhythm = config::Rhythm::None;
        assert!(!layers::active_layers(&c).contains(&Layer::Rhythm));
    }
}
