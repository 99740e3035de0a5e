//! The Vibes panel: LatentScore's pipeline rows one vibe at a time. The table of vibes (filters,
//! search, sort, counts) on the left; the chosen vibe's original and noisy text with the changed
//! characters marked; its candidates side by side (title, validity, scores, palettes, every field
//! with the disagreements marked), each playable through the synth, with A/B switching at the
//! same playhead, and WAV / config JSON export. Files load on a worker; the embedding map comes
//! from the Hub through the shared downloader.

mod candidates;
mod detail;
mod state;
mod table;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use state::{CandidateKey, VibesState};

use super::PanelView;
use crate::app::{AppCtx, OpenVibes};
use crate::audio::wav::WavFormat;
use crate::vibes::VibeSet;
use crate::vibes::filter::{Column, Filter};

/// Remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VibesSettings {
    /// The file or folder opened last (none: the bundled sample).
    pub source: Option<PathBuf>,
    pub filter: Filter,
    pub sort: Column,
    pub descending: bool,
    /// How long each candidate's audition render is.
    pub seconds: f64,
    pub seed: u64,
    pub wav_format: WavFormat,
    pub only_differing: bool,
    pub show_thinking: bool,
}

impl Default for VibesSettings {
    fn default() -> Self {
        Self {
            source: None,
            filter: Filter::default(),
            sort: Column::Line,
            descending: false,
            seconds: 30.0,
            seed: 0,
            wav_format: WavFormat::Pcm16,
            only_differing: false,
            show_thinking: false,
        }
    }
}

/// The Vibes tab.
pub struct VibesPanel {
    pub settings: VibesSettings,
    pub state: VibesState,
}

impl VibesPanel {
    pub fn new(settings: VibesSettings) -> Self {
        Self { settings, state: VibesState::default() }
    }

    /// Opens the remembered file or folder, or the bundled sample.
    pub fn load_initial(&mut self, jobs: &mut crate::jobs::Jobs) {
        self.state.load_initial(jobs, &self.settings);
    }

    /// Opens a JSONL file or a folder of split files.
    pub fn open_path(&mut self, jobs: &mut crate::jobs::Jobs, path: PathBuf) {
        self.state.open_path(jobs, path);
    }
}

impl PanelView for VibesPanel {
    fn logic(&mut self, _egui: &egui::Context, ctx: &mut AppCtx) {
        self.state.poll(&mut self.settings, ctx);
        // The rows open here are what the Jobs panel's vibe model trains and predicts on.
        let same = match (&ctx.vibes, &self.state.set) {
            (Some(open), Some(set)) => std::sync::Arc::ptr_eq(&open.set, set),
            (None, None) => true,
            _ => false,
        };
        if !same {
            let synthetic = self.state.synthetic();
            ctx.vibes = self.state.set.clone().map(|set| OpenVibes { set, synthetic });
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let (state, settings) = (&mut self.state, &mut self.settings);
        let width = (ui.available_width() * 0.5).clamp(420.0, 700.0);
        egui::Panel::left("vibes_table_side").resizable(true).default_size(width).show(ui, |ui| {
            ui.add_space(4.0);
            ui.heading("LatentScore vibes and candidates");
            table::table_side(ui, state, settings, ctx);
        });
        egui::CentralPanel::default_margins().show(ui, |ui| {
            detail::detail(ui, state, settings, ctx);
            ui.add_space(4.0);
        });
        if ctx.player.is_playing() {
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn windows(&mut self, egui: &egui::Context, ctx: &mut AppCtx) {
        self.state.prompts(egui, &mut ctx.jobs);
        bad_lines_window(egui, &mut self.state);
    }

    /// Up/Down choose the previous/next vibe, space plays or pauses, X switches A/B (when no text
    /// field has focus).
    fn shortcuts(&mut self, egui: &egui::Context, ctx: &mut AppCtx) {
        if egui.memory(|m| m.focused().is_some()) {
            return;
        }
        use egui::{Key, Modifiers};
        if egui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowDown)) {
            self.state.step(1);
        }
        if egui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowUp)) {
            self.state.step(-1);
        }
        if egui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Space)) {
            ctx.player.toggle();
        }
        if egui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::X)) {
            self.state.switch_ab(&self.settings, ctx);
        }
    }
}

pub(super) fn source_label(source: Option<&Path>, set: &VibeSet) -> String {
    match source {
        None => "the synthetic sample".to_owned(),
        Some(path) => {
            let name = crate::paths::file_name(path);
            if set.files.len() > 1 { format!("{name} ({} files)", set.files.len()) } else { name }
        }
    }
}

pub(super) fn changed_colour(ui: &egui::Ui) -> egui::Color32 {
    if ui.visuals().dark_mode {
        egui::Color32::from_rgb(120, 60, 20)
    } else {
        egui::Color32::from_rgb(255, 210, 150)
    }
}

fn bad_lines_window(ctx: &egui::Context, state: &mut VibesState) {
    let Some(set) = state.set.clone() else { return };
    egui::Window::new("Skipped lines").open(&mut state.bad_open).default_width(560.0).show(ctx, |ui| {
        ui.label(format!("{} line(s) could not be read and were skipped; the rest loaded.", set.bad.total));
        egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
            for bad in set.bad.iter() {
                ui.monospace(bad.to_string());
            }
            if set.bad.not_kept() > 0 {
                ui.weak(format!("… and {} more (only the first are kept)", set.bad.not_kept()));
            }
        });
    });
}
