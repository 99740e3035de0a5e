//! benchtop's port of LatentScore's synth (Apache-2.0, `latentscore/synth.py` 0.1.8; see NOTICE):
//! a music config in, mono 44.1 kHz audio out, deterministic for a seed.
//!
//! `config` holds the schema, `payload` the model-written candidate around it, `primitives` the
//! oscillators, envelopes and filters, `harmony` the chord plan and procedural melody,
//! `layers` the bass, pad, melody, rhythm, texture and accent styles (each a [`score::Score`]:
//! notes placed in time and the effects after them), `score` the player that renders them a
//! block at a time. [`render`] assembles them as the reference's `assemble` does: layers by
//! density, the width blend, peak-normalized to 0.85.

#[macro_use]
pub mod wide;
pub mod config;
pub mod harmony;
pub mod layers;
pub mod payload;
pub mod presets;
pub mod primitives;
pub mod score;

use rand::SeedableRng;

use crate::jobs::{Cancelled, Progress};
pub use config::{MusicConfig, SynthConfig};
use harmony::{HarmonyPlan, MelodyPolicy, build_harmony_plan};
pub use layers::Layer;
use layers::{Ctx, active_layers};
pub use primitives::SAMPLE_RATE;
use primitives::{Sample, SynthRng, samples};
use score::Effect;

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
    pub seed: u64,
}

impl Rendered {
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / SAMPLE_RATE as f64
    }
}

fn stats(layer: Layer, peak: f64, energy: f64, len: usize) -> LayerStats {
    let rms = if len == 0 { 0.0 } else { (energy / len as f64).sqrt() };
    LayerStats { layer, peak, rms }
}

/// Plays every active layer's score: all draws from one generator seeded with `seed`, in the
/// reference's order (the harmony plan, then each layer as it is placed: rendering draws
/// nothing), then the notes render on all cores, a block at a time ([`score::play`]).
fn play(
    config: &SynthConfig,
    seconds: f64,
    seed: u64,
    block: usize,
    progress: &dyn Progress,
    keep: bool,
) -> Result<(score::Played, HarmonyPlan), Cancelled> {
    let mut rng = SynthRng::seed_from_u64(seed);
    let harmony = build_harmony_plan(config, seconds, &mut rng);
    let policy = MelodyPolicy::from_config(config);
    let ctx = Ctx { config, duration: seconds, harmony: &harmony, policy: &policy, t_offset: 0.0 };
    let scores = active_layers(config)
        .into_iter()
        .map(|layer| (layer, layers::score(layer, &ctx, &mut rng)))
        .collect();
    let on_mix: Vec<Effect> = Effect::width(config.stereo).into_iter().collect();
    let played = score::play(scores, samples(seconds), &on_mix, block, progress, keep)?;
    Ok((played, harmony))
}

/// Renders each active layer whole (before the mix and its width blend), handing each to `each`
/// in the reference's order.
pub fn render_layers(
    config: &SynthConfig,
    seconds: f64,
    seed: u64,
    progress: &dyn Progress,
    mut each: impl FnMut(Layer, Vec<Sample>),
) -> Result<HarmonyPlan, Cancelled> {
    let (played, harmony) = play(config, seconds, seed, score::BLOCK, progress, true)?;
    for (layer, samples) in played.kept {
        each(layer, samples);
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
    render_in_blocks(config, seconds, seed, score::BLOCK, progress)
}

fn render_in_blocks(
    config: &SynthConfig,
    seconds: f64,
    seed: u64,
    block: usize,
    progress: &dyn Progress,
) -> Result<Rendered, Cancelled> {
    let (played, harmony) = play(config, seconds, seed, block, progress, false)?;
    let len = played.mix.len();
    let layers =
        played.levels.iter().map(|(layer, peak, energy)| stats(*layer, *peak, *energy, len)).collect();
    let mut samples = played.mix;
    let gain = if played.peak > 0.0 { (PEAK / played.peak) as Sample } else { 0.0 };
    {
        use rayon::prelude::*;
        samples.par_chunks_mut(1 << 16).for_each(|part| primitives::scale(part, gain));
    }
    progress.report(1.0, "rendered");
    Ok(Rendered { samples, layers, harmony, seed })
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
    fn every_copy_of_the_hot_loops_renders_the_same_bits() {
        // Every preset (all grains, so sine, triangle and the band-limited saw; every filter,
        // envelope, delay and reverb), and the biquad alone on noise through the extremes of its
        // cutoffs over lengths that end inside a block and inside a run of blocks, rendered with
        // the AVX-512, the AVX2 and the baseline copies of the hot loops. Where the processor
        // lacks the wider ones, those renders run the widest copy it has.
        use primitives::{Biquad, Pass};
        use wide::Width;
        let renders = |width: Width| -> Vec<(String, Vec<f32>)> {
            wide::set_widest(width);
            let mut out: Vec<(String, Vec<f32>)> = presets::all()
                .iter()
                .map(|p| (p.name.clone(), render(&p.config.to_synth(), 2.0, 3, &Silent).unwrap().samples))
                .collect();
            let noise = primitives::noise(11, 0.5, 0.5);
            for (pass, cutoff) in [(Pass::Low, 20.0), (Pass::Low, 740.0), (Pass::High, 7_000.0)] {
                for len in [noise.len(), 1_037, 3] {
                    let mut x = noise[..len].to_vec();
                    Biquad::for_cutoff(pass, cutoff).run(&mut x);
                    out.push((format!("{pass:?}-pass at {cutoff} Hz over {len} samples"), x));
                }
            }
            wide::set_widest(Width::Avx512);
            out
        };
        let baseline = renders(Width::Baseline);
        assert_eq!(baseline.len(), presets::all().len() + 9);
        for width in [Width::Avx2, Width::Avx512] {
            for ((what, a), (_, b)) in renders(width).iter().zip(&baseline) {
                assert!(a == b, "{what} renders differently with the {width:?} loops");
            }
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
    fn the_block_size_does_not_change_a_render() {
        // Every layer of a dense config (humanized notes and whole-layer humanize, delays and
        // reverbs reaching across blocks, the width blend on the mix), rendered 4,096 samples at
        // a time and 1,040 (65 normal batches) at a time: the same samples, the same
        // layer peaks, and energies that agree up to the rounding of their sums.
        for pad in [config::Pad::WarmSlow, config::Pad::Cinematic] {
            let c = SynthConfig {
                human: 0.3,
                density: 6,
                depth: true,
                motion: 0.7,
                pad,
                ..SynthConfig::default()
            };
            let big = render_in_blocks(&c, 3.0, 4, score::BLOCK, &Silent).unwrap();
            let small = render_in_blocks(&c, 3.0, 4, 1_040, &Silent).unwrap();
            assert_eq!(big.samples.len(), 132_300);
            assert!(big.samples == small.samples, "{pad:?}: the samples differ");
            assert_eq!(big.layers.len(), 7, "density 6 with depth: the six families and the sub pulse");
            for (a, b) in big.layers.iter().zip(&small.layers) {
                assert_eq!((a.layer, a.peak), (b.layer, b.peak));
                assert!((a.rms - b.rms).abs() <= 1e-6 * a.rms, "{:?}: {} vs {}", a.layer, a.rms, b.rms);
            }
        }
    }

    #[test]
    fn layer_levels_are_those_of_the_whole_layers() {
        // The levels a render reports, against each layer rendered whole and measured here in
        // double precision.
        let c = SynthConfig { human: 0.3, density: 6, depth: true, ..SynthConfig::default() };
        let r = render(&c, 2.0, 9, &Silent).unwrap();
        let mut whole = Vec::new();
        render_layers(&c, 2.0, 9, &Silent, |layer, x| whole.push((layer, x))).unwrap();
        assert_eq!(whole.len(), r.layers.len());
        for ((layer, x), s) in whole.iter().zip(&r.layers) {
            assert_eq!(*layer, s.layer);
            assert_eq!(x.len(), 88_200);
            let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs() as f64));
            let rms = (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
            assert_eq!(s.peak, peak, "{layer:?}");
            assert!((s.rms - rms).abs() <= 1e-6 * rms, "{layer:?}: {} vs {rms}", s.rms);
        }
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
