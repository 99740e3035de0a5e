//! benchtop's port of LatentScore's synth (Apache-2.0, `latentscore/synth.py` 0.1.8; see NOTICE):
//! a music config in, mono 44.1 kHz audio out, deterministic for a seed.
//!
//! `config` holds the schema, `payload` the model-written candidate around it, `primitives` the
//! oscillators, envelopes, filters and effects, `harmony` the chord plan and procedural melody,
//! `layers` the bass, pad, melody, rhythm, texture and accent styles. [`render`] assembles them as
//! the reference's `assemble` does: layers by density, the width blend, peak-normalized to 0.85.

#[macro_use]
pub mod wide;
pub mod config;
pub mod harmony;
pub mod layers;
pub mod normals;
pub mod payload;
pub mod primitives;

use rand::SeedableRng;

use crate::jobs::{Cancelled, Progress};
pub use config::{MusicConfig, SynthConfig};
use harmony::{HarmonyPlan, MelodyPolicy, build_harmony_plan};
pub use layers::Layer;
use layers::{Ctx, active_layers, render_layer};
pub use primitives::SAMPLE_RATE;
use primitives::{Sample, SynthRng, samples, stereo_width};

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

wide_fn! {
/// The largest `|x|` and the sum of squares of `x`, 32 lanes at a time (four eight-lane
/// instructions side by side: a single running max or sum waits on the previous step every
/// sample), adding `x` into `mix` on the way when there is one (one pass over memory instead of
/// two).
fn measure_and_mix_chunk(x: &[Sample], mix: Option<&mut [Sample]>) -> (f64, f64) {
    let mut mix = mix;
    const LANES: usize = 32;
    // Squares are summed in single precision over 512 samples at a time (16 a lane), then in
    // double: the sum's rounding stays ~1e-6 of it however long the layer.
    const SPAN: usize = 16 * LANES;
    let mut peak: [Sample; LANES] = [0.0; LANES];
    let mut energy = [0.0f64; LANES];
    let whole = x.len() / LANES * LANES;
    for (s, span) in x[..whole].chunks(SPAN).enumerate() {
        let mut squares: [Sample; LANES] = [0.0; LANES];
        for chunk in span.chunks_exact(LANES) {
            for k in 0..LANES {
                // A comparison, not `max` (whose care for NaN costs two more steps a lane;
                // a NaN is passed over either way).
                let a = chunk[k].abs();
                peak[k] = if a > peak[k] { a } else { peak[k] };
                squares[k] += chunk[k] * chunk[k];
            }
        }
        for (e, q) in energy.iter_mut().zip(squares) {
            *e += q as f64;
        }
        if let Some(mix) = mix.as_deref_mut() {
            for (m, v) in mix[s * SPAN..s * SPAN + span.len()].iter_mut().zip(span) {
                *m += v;
            }
        }
    }
    let mut energy: f64 = energy.iter().sum();
    let mut top = peak.iter().fold(0.0, |m: Sample, v| m.max(*v));
    for (k, v) in x[whole..].iter().enumerate() {
        top = top.max(v.abs());
        energy += (v * v) as f64;
        if let Some(mix) = mix.as_deref_mut() {
            mix[whole + k] += v;
        }
    }
    (top as f64, energy)
}
}

/// [`measure_and_mix_chunk`] over chunks on all cores (mixing is bound by memory, and each
/// core brings its own bandwidth): the largest `|x|` and the sum of squares.
fn measure_and_mix(x: &[Sample], mix: Option<&mut [Sample]>) -> (f64, f64) {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 16;
    let combine = |a: (f64, f64), b: (f64, f64)| (a.0.max(b.0), a.1 + b.1);
    match mix {
        None => x.par_chunks(CHUNK).map(|x| measure_and_mix_chunk(x, None)).reduce(|| (0.0, 0.0), combine),
        Some(mix) => x
            .par_chunks(CHUNK)
            .zip(mix.par_chunks_mut(CHUNK))
            .map(|(x, mix)| measure_and_mix_chunk(x, Some(mix)))
            .reduce(|| (0.0, 0.0), combine),
    }
}

fn stats(layer: Layer, (peak, energy): (f64, f64), len: usize) -> LayerStats {
    let rms = if len == 0 { 0.0 } else { (energy / len as f64).sqrt() };
    LayerStats { layer, peak, rms }
}

/// Sums the layers into the first one's buffer, measuring each on the way, in one pass over
/// memory: each chunk of the mix stays in cache while every layer's chunk is added to it, in the
/// reference's order (so the sum is the one adding whole layers one after another makes). Chunks
/// run on all cores. Only the part of a layer the first one's length covers is measured and
/// mixed (all are as long as the render).
fn mix_layers(mut buffers: Vec<(Layer, Vec<Sample>)>) -> (Option<Vec<Sample>>, Vec<LayerStats>) {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 13;
    let Some(((_, mix), rest)) = buffers.split_first_mut() else {
        return (None, Vec::new());
    };
    let per_chunk: Vec<Vec<(f64, f64)>> = mix
        .par_chunks_mut(CHUNK)
        .enumerate()
        .map(|(b, mix)| {
            let from = b * CHUNK;
            let mut measured = vec![measure_and_mix_chunk(mix, None)];
            for (_, layer) in rest.iter() {
                let to = (from + mix.len()).min(layer.len()).max(from);
                let x = layer.get(from..to).unwrap_or(&[]);
                measured.push(measure_and_mix_chunk(x, Some(&mut mix[..x.len()])));
            }
            measured
        })
        .collect();
    let layer_stats = buffers
        .iter()
        .enumerate()
        .map(|(i, (layer, buffer))| {
            let total =
                per_chunk.iter().map(|c| c[i]).fold((0.0f64, 0.0f64), |a, b| (a.0.max(b.0), a.1 + b.1));
            stats(*layer, total, buffer.len())
        })
        .collect();
    (buffers.into_iter().next().map(|(_, mix)| mix), layer_stats)
}

/// Renders of this length or less hold all their layers at once; longer ones one at a time.
const PARALLEL_SECONDS: f64 = 120.0;

/// How a render holds its layers. Both give the same samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// The layers that draw no random numbers render on other threads while the rest take their
    /// turns with the generator; all are then mixed in one pass.
    AllAtOnce,
    /// One layer at a time, each mixed and dropped before the next renders: memory for long
    /// renders stays at the mix and one layer.
    OneAtATime,
}

impl Plan {
    fn for_seconds(seconds: f64) -> Plan {
        if seconds > PARALLEL_SECONDS { Plan::OneAtATime } else { Plan::AllAtOnce }
    }
}

/// Renders each active layer, handing each to `each` in the reference's order. All randomness
/// comes from one generator seeded with `seed`, drawn in the reference's order: layers that draw
/// from it render in turn; those that do not render alongside them on other threads, which
/// leaves every draw, and so every sample, as a one-at-a-time render makes it.
pub fn render_layers(
    config: &SynthConfig,
    seconds: f64,
    seed: u64,
    progress: &dyn Progress,
    each: impl FnMut(Layer, Vec<Sample>),
) -> Result<HarmonyPlan, Cancelled> {
    render_layers_with(Plan::for_seconds(seconds), config, seconds, seed, progress, each)
}

fn render_layers_with(
    plan: Plan,
    config: &SynthConfig,
    seconds: f64,
    seed: u64,
    progress: &dyn Progress,
    mut each: impl FnMut(Layer, Vec<Sample>),
) -> Result<HarmonyPlan, Cancelled> {
    let mut rng = SynthRng::seed_from_u64(seed);
    let harmony = build_harmony_plan(config, seconds, &mut rng);
    let policy = MelodyPolicy::from_config(config);
    let ctx = Ctx { config, duration: seconds, harmony: &harmony, policy: &policy, t_offset: 0.0 };
    let active = active_layers(config);
    let timed = |layer: Layer, rng: &mut SynthRng| {
        let started = std::time::Instant::now();
        let buffer = render_layer(layer, &ctx, rng);
        tracing::debug!("synth: {} took {:.1} ms", layer.name(), started.elapsed().as_secs_f64() * 1000.0);
        buffer
    };
    if plan == Plan::OneAtATime {
        for (i, layer) in active.iter().enumerate() {
            progress.checkpoint()?;
            progress.report(i as f32 / active.len() as f32, &format!("rendering {}", layer.name()));
            each(*layer, timed(*layer, &mut rng));
        }
        return Ok(harmony);
    }
    let (drawing, free): (Vec<Layer>, Vec<Layer>) =
        active.iter().partition(|layer| layers::draws_random(**layer, config));
    progress.report(0.0, "rendering layers");
    let (free_buffers, drawn) = rayon::join(
        || {
            use rayon::prelude::*;
            // These never touch the generator: any generator will do.
            free.par_iter()
                .map(|layer| (*layer, timed(*layer, &mut SynthRng::seed_from_u64(0))))
                .collect::<Vec<_>>()
        },
        || -> Result<Vec<(Layer, Vec<Sample>)>, Cancelled> {
            let mut out = Vec::new();
            for layer in &drawing {
                progress.checkpoint()?;
                out.push((*layer, timed(*layer, &mut rng)));
            }
            Ok(out)
        },
    );
    let mut buffers: Vec<(Layer, Vec<Sample>)> = free_buffers.into_iter().chain(drawn?).collect();
    progress.checkpoint()?;
    buffers.sort_by_key(|(layer, _)| active.iter().position(|l| l == layer));
    for (layer, buffer) in buffers {
        each(layer, buffer);
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
    render_with(Plan::for_seconds(seconds), config, seconds, seed, progress)
}

fn render_with(
    plan: Plan,
    config: &SynthConfig,
    seconds: f64,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Rendered, Cancelled> {
    // The first layer's buffer becomes the mix (one buffer fewer to allocate and clear).
    let mut mix: Option<Vec<Sample>> = None;
    let mut layer_stats = Vec::new();
    let harmony = if plan == Plan::OneAtATime {
        // Layer by layer, each mixed and dropped before the next renders.
        render_layers_with(plan, config, seconds, seed, progress, |layer, buffer| {
            layer_stats.push(stats(layer, measure_and_mix(&buffer, mix.as_deref_mut()), buffer.len()));
            mix.get_or_insert(buffer);
        })?
    } else {
        // All layers at once, mixed in one pass.
        let mut buffers = Vec::new();
        let harmony = render_layers_with(plan, config, seconds, seed, progress, |layer, buffer| {
            buffers.push((layer, buffer))
        })?;
        (mix, layer_stats) = mix_layers(buffers);
        harmony
    };
    let mut mix = stereo_width(mix.unwrap_or_else(|| vec![0.0; samples(seconds)]), config.stereo);
    let raw_peak = measure_and_mix(&mix, None).0;
    let gain = if raw_peak > 0.0 { (PEAK / raw_peak) as Sample } else { 0.0 };
    {
        use rayon::prelude::*;
        mix.par_iter_mut().for_each(|v| *v *= gain);
    }
    progress.report(1.0, "rendered");
    Ok(Rendered { samples: mix, layers: layer_stats, harmony, seed })
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
    fn the_avx2_and_baseline_copies_render_the_same_bits() {
        // Every preset (all grains, so sine, triangle and the band-limited saw; every filter,
        // envelope, delay and reverb), rendered with the AVX2 copies of the hot loops and with
        // the baseline ones. Where the processor has no AVX2 both renders run the baseline.
        let renders = |baseline_only: bool| -> Vec<Vec<f32>> {
            wide::set_baseline_only(baseline_only);
            let out = crate::app::presets()
                .iter()
                .map(|p| render(&p.config.to_synth(), 2.0, 3, &Silent).unwrap().samples)
                .collect();
            wide::set_baseline_only(false);
            out
        };
        let (avx2, baseline) = (renders(false), renders(true));
        assert_eq!(avx2.len(), crate::app::presets().len());
        for (i, (a, b)) in avx2.iter().zip(&baseline).enumerate() {
            assert!(a == b, "preset {i} renders differently with the AVX2 loops");
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
    fn layers_that_do_not_draw_leave_the_generator_as_they_found_it() {
        // Render every layer of many configs alone: a layer that moved the generator must be one
        // `draws_random` names (the reverse may not hold: a one-second render can hold no
        // random chime at all).
        use rand::RngExt;
        let mut configs = vec![SynthConfig::default()];
        for human in [0.0, 0.3] {
            for motion in [0.3, 0.7] {
                configs.push(SynthConfig {
                    human,
                    motion,
                    density: 6,
                    depth: true,
                    ..SynthConfig::default()
                });
            }
        }
        // How many layer renders `draws_random` says leave the generator alone: the ones the
        // assertion checks.
        let mut checked = 0;
        for base in configs {
            for bass in config::Bass::ALL {
                for pad in config::Pad::ALL {
                    let c = SynthConfig { bass: *bass, pad: *pad, ..base.clone() };
                    checked += check_layers(&c, &[Layer::Bass, Layer::Depth, Layer::Pad]);
                }
            }
            for melody in config::Melody::ALL {
                for engine in config::MelodyEngine::ALL {
                    let c = SynthConfig { melody: *melody, melody_engine: *engine, ..base.clone() };
                    checked += check_layers(&c, &[Layer::Melody]);
                }
            }
            for (i, rhythm) in config::Rhythm::ALL.iter().enumerate() {
                let c = SynthConfig {
                    rhythm: *rhythm,
                    texture: config::Texture::ALL[i % config::Texture::ALL.len()],
                    accent: config::Accent::ALL[i],
                    ..base.clone()
                };
                checked += check_layers(&c, &[Layer::Rhythm, Layer::Texture, Layer::Accent]);
            }
            for texture in config::Texture::ALL {
                checked +=
                    check_layers(&SynthConfig { texture: *texture, ..base.clone() }, &[Layer::Texture]);
            }
        }

        assert!(checked > 50, "only {checked} layer renders were claimed not to draw");

        fn check_layers(c: &SynthConfig, which: &[Layer]) -> usize {
            let mut claimed_quiet = 0;
            let harmony = build_harmony_plan(c, 1.0, &mut SynthRng::seed_from_u64(1));
            let policy = MelodyPolicy::from_config(c);
            let ctx = Ctx { config: c, duration: 1.0, harmony: &harmony, policy: &policy, t_offset: 0.0 };
            for layer in which {
                let mut rng = SynthRng::seed_from_u64(5);
                render_layer(*layer, &ctx, &mut rng);
                let moved = rng.random::<u64>() != SynthRng::seed_from_u64(5).random::<u64>();
                let draws = layers::draws_random(*layer, c);
                claimed_quiet += usize::from(!draws);
                assert!(!moved || draws, "{layer:?} drew: {c:?}");
            }
            claimed_quiet
        }
    }

    #[test]
    fn rendering_layers_side_by_side_gives_the_one_at_a_time_result() {
        let c = SynthConfig { human: 0.3, density: 6, depth: true, ..SynthConfig::default() };
        let mut parallel = Vec::new();
        render_layers(&c, 2.0, 9, &Silent, |l, b| parallel.push((l, b))).unwrap();
        // One at a time, in order, with one generator.
        let mut rng = SynthRng::seed_from_u64(9);
        let harmony = build_harmony_plan(&c, 2.0, &mut rng);
        let policy = MelodyPolicy::from_config(&c);
        let ctx = Ctx { config: &c, duration: 2.0, harmony: &harmony, policy: &policy, t_offset: 0.0 };
        for (layer, buffer) in parallel {
            assert_eq!(render_layer(layer, &ctx, &mut rng), buffer, "{layer:?}");
        }
    }

    #[test]
    fn the_one_layer_at_a_time_plan_of_long_renders_gives_the_same_render() {
        // The plan renders over PARALLEL_SECONDS take, tried on a short render: the same layers in
        // the same order from the same generator, mixed in the same order, so the same samples;
        // each layer measured in other chunks, so its energy agrees up to rounding.
        let c = SynthConfig { human: 0.3, density: 6, depth: true, motion: 0.7, ..SynthConfig::default() };
        assert_eq!(Plan::for_seconds(3.0), Plan::AllAtOnce);
        assert_eq!(Plan::for_seconds(PARALLEL_SECONDS + 1.0), Plan::OneAtATime);
        let all = render_with(Plan::AllAtOnce, &c, 3.0, 4, &Silent).unwrap();
        let one = render_with(Plan::OneAtATime, &c, 3.0, 4, &Silent).unwrap();
        assert_eq!(all.samples.len(), 132_300);
        assert!(all.samples == one.samples, "the samples differ");
        assert_eq!(all.layers.len(), 7, "density 6 with depth: the six families and the sub pulse");
        for (a, b) in all.layers.iter().zip(&one.layers) {
            assert_eq!((a.layer, a.peak), (b.layer, b.peak));
            assert!((a.rms - b.rms).abs() <= 1e-12 * a.rms, "{:?}: {} vs {}", a.layer, a.rms, b.rms);
        }
    }

    #[test]
    fn measuring_a_layer_mixes_it_and_finds_its_peak_and_energy() {
        // 35 samples: one whole block of 32 lanes and a remainder of 3. 3 and −4 in the block,
        // 1 and −2 in the remainder: peak |−4| = 4, energy 9 + 16 + 1 + 4 = 30. Then the
        // remainder's −5 makes the peak 5 (energy 9 + 16 + 1 + 25 = 51).
        let mut x = [0.0; 35];
        (x[0], x[1], x[32], x[34]) = (3.0, -4.0, 1.0, -2.0);
        let mut mix = [1.0; 35];
        let (peak, energy) = measure_and_mix(&x, Some(&mut mix));
        assert_eq!((peak, energy), (4.0, 30.0));
        let mut want = [1.0; 35];
        (want[0], want[1], want[32], want[34]) = (4.0, -3.0, 2.0, -1.0);
        assert_eq!(mix, want);
        let s = stats(Layer::Pad, (peak, energy), x.len());
        assert!((s.rms - (30.0f64 / 35.0).sqrt()).abs() < 1e-15);
        x[34] = -5.0;
        assert_eq!(measure_and_mix(&x, None), (5.0, 51.0));
    }

    #[test]
    fn mixing_all_layers_in_one_pass_sums_them_and_measures_each() {
        // 20,000 samples (chunks of 8,192 and a remainder): a constant 0.5 (peak and RMS 0.5),
        // ±2 alternating (peak and RMS 2), and a single −3 at sample 15,000 (peak 3, RMS
        // 3/√20000).
        let n = 20_000;
        let a = vec![0.5; n];
        let b: Vec<Sample> = (0..n).map(|i| if i % 2 == 0 { 2.0 } else { -2.0 }).collect();
        let mut c = vec![0.0; n];
        c[15_000] = -3.0;
        let (mix, measured) = mix_layers(vec![(Layer::Bass, a), (Layer::Pad, b), (Layer::Melody, c)]);
        let mix = mix.unwrap();
        for (i, m) in mix.iter().enumerate() {
            let want = 0.5 + if i % 2 == 0 { 2.0 } else { -2.0 } + if i == 15_000 { -3.0 } else { 0.0 };
            assert_eq!(*m, want, "sample {i}");
        }
        let want =
            [(Layer::Bass, 0.5, 0.5), (Layer::Pad, 2.0, 2.0), (Layer::Melody, 3.0, 3.0 / (n as f64).sqrt())];
        for (s, (layer, peak, rms)) in measured.iter().zip(want) {
            assert_eq!((s.layer, s.peak), (layer, peak));
            assert!((s.rms - rms).abs() < 1e-12, "{layer:?}: {} vs {rms}", s.rms);
        }
        assert_eq!(mix_layers(Vec::new()).1, []);
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
