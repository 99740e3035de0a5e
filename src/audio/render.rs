//! A music config rendered by benchtop's synth into a clip the player plays: what the Audition
//! and Vibes panels (and their WAV exports) both use.

use std::sync::Arc;

use super::engine::Clip;
use crate::jobs::Progress;
use crate::synth::config::MusicConfig;
use crate::synth::{LayerStats, SAMPLE_RATE};

/// A rendered config: the clip, each layer's levels, and a one-line description.
pub struct Rendered {
    pub clip: Clip,
    pub layers: Vec<LayerStats>,
    /// "110 BPM · C minor · pop harmony · 5 layers".
    pub summary: String,
}

/// Renders `seconds` of a config (its sanitized, synth-readable form) with this seed.
pub fn render(
    config: &MusicConfig,
    seconds: f64,
    seed: u64,
    progress: &dyn Progress,
) -> anyhow::Result<Rendered> {
    let synth = config.to_synth();
    let rendered = crate::synth::render(&synth, seconds, seed, progress)?;
    let summary = format!(
        "{:.0} BPM · {} {} · {} harmony · {} layers",
        synth.bpm(),
        synth.root.name().to_uppercase(),
        synth.mode,
        rendered.harmony.style,
        rendered.layers.len()
    );
    Ok(Rendered {
        clip: Clip { samples: Arc::from(rendered.samples), sample_rate: SAMPLE_RATE },
        layers: rendered.layers,
        summary,
    })
}
