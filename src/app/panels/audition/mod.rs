//! The Audition panel: edit a music config (dropdowns for labels, sliders for the numbers the
//! synth reads, presets, pasted JSON, undo), render it on a worker with benchtop's port of
//! LatentScore's synth, see its waveform and spectrogram, play it through the sound card, and
//! export WAV and the config JSON.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

mod editor;
mod listen;

use super::PanelView;
use crate::app::AppCtx;
use crate::app::save::{ClipToSave, SaveJob};
use crate::app::widgets::{device_line, job_progress};
use crate::audio::engine::{Clip, Player};
use crate::audio::spectrum;
use crate::audio::wav::WavFormat;
use crate::jobs::{JobId, Jobs};
use crate::synth::config::MusicConfig;
use crate::synth::{LayerStats, SAMPLE_RATE};
use editor::{fields_panel, paste_window};
use listen::{spectrogram, transport, waveform};

/// Remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditionSettings {
    /// The config being edited (prompt-form JSON).
    pub config: serde_json::Map<String, serde_json::Value>,
    pub seconds: f64,
    pub seed: u64,
    pub volume: f32,
    pub looping: bool,
    pub wav_format: WavFormat,
    /// Render again after every edit.
    pub auto_render: bool,
}

impl Default for AuditionSettings {
    fn default() -> Self {
        Self {
            config: MusicConfig::default().to_json(),
            seconds: 30.0,
            seed: 0,
            volume: 0.8,
            looping: true,
            wav_format: WavFormat::Pcm16,
            auto_render: true,
        }
    }
}

/// What a render job hands back: the clip and its pictures.
pub struct Rendering {
    pub clip: Clip,
    pub layers: Vec<LayerStats>,
    pub summary: String,
    pub envelope: Vec<(f32, f32)>,
    /// RGBA, `SPECTRO_W × SPECTRO_H`.
    pub spectrogram: Vec<u8>,
    pub config: MusicConfig,
    pub seed: u64,
    pub took: Duration,
}

const SPECTRO_W: usize = 900;
const SPECTRO_H: usize = 180;
const ENVELOPE_COLUMNS: usize = 1200;

/// Renders a config and draws its pictures (the job's body; also used by tests).
pub fn render_job(
    config: MusicConfig,
    seconds: f64,
    seed: u64,
    progress: &dyn crate::jobs::Progress,
) -> anyhow::Result<Rendering> {
    let started = Instant::now();
    let part = crate::jobs::Scaled { inner: progress, start: 0.0, span: 0.9 };
    // `Cancelled` stays itself inside the error, so the job ends as cancelled, not failed.
    let rendered = crate::audio::render::render(&config, seconds, seed, &part)?;
    progress.checkpoint()?;
    progress.report(0.92, "drawing the waveform and spectrogram");
    let envelope = spectrum::envelope(&rendered.clip.samples, ENVELOPE_COLUMNS);
    let spectrogram = spectrum::picture(&rendered.clip.samples, SAMPLE_RATE, SPECTRO_W, SPECTRO_H);
    Ok(Rendering {
        clip: rendered.clip,
        layers: rendered.layers,
        summary: rendered.summary,
        envelope,
        spectrogram,
        config,
        seed,
        took: started.elapsed(),
    })
}

/// The Audition tab: its settings (the config being edited, length, seed, playback) and state.
pub struct AuditionPanel {
    pub settings: AuditionSettings,
    pub state: AuditionState,
}

/// This run's part of the Audition panel.
#[derive(Default)]
pub struct AuditionState {
    pub config: MusicConfig,
    undo: Vec<MusicConfig>,
    redo: Vec<MusicConfig>,
    rendering: crate::jobs::Latest<Rendering>,
    pub last: Option<Rendering>,
    texture: Option<egui::TextureHandle>,
    paste_open: bool,
    paste_text: String,
    paste_problems: Vec<String>,
    export: SaveJob,
    /// Smoothed level meter.
    meter: f32,
    /// The config before the slider being dragged moved: a drag is one edit (one undo entry, one
    /// render when it ends), not one per frame.
    drag_base: Option<MusicConfig>,
}

impl AuditionPanel {
    /// The panel with the config remembered from the last run.
    pub fn new(settings: AuditionSettings) -> Self {
        let state =
            AuditionState { config: MusicConfig::from_json(&settings.config).config, ..Default::default() };
        Self { settings, state }
    }

    /// Opens a config (one a model predicted, say) for editing and renders it.
    pub fn audition(&mut self, config: MusicConfig, jobs: &mut Jobs) {
        self.state.edit(config, &mut self.settings, jobs);
        if !self.settings.auto_render {
            self.state.start_render(&self.settings, jobs);
        }
    }
}

impl PanelView for AuditionPanel {
    fn logic(&mut self, _egui: &egui::Context, ctx: &mut AppCtx) {
        // A failure is already a toast through the job.
        if let Some((_, Ok(rendering))) = self.state.rendering.take() {
            ctx.player.load(rendering.clip.clone());
            self.state.texture = None;
            self.state.last = Some(rendering);
        }
        self.state.export.poll(&mut ctx.notifications);
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        show(ui, &mut self.state, &mut self.settings, ctx);
    }

    fn windows(&mut self, egui: &egui::Context, ctx: &mut AppCtx) {
        paste_window(egui, &mut self.state, &mut self.settings, &mut ctx.jobs);
        self.state.export.prompt(egui, &mut ctx.jobs);
    }

    fn shortcuts(&mut self, egui: &egui::Context, ctx: &mut AppCtx) {
        shortcuts(egui, &mut self.state, &mut self.settings, &mut ctx.jobs, &mut ctx.player);
    }
}

impl AuditionState {
    /// How many edits Undo can take back.
    pub fn undo_depth(&self) -> usize {
        self.undo.len()
    }

    /// The running render, if any.
    pub fn render_job(&self) -> Option<JobId> {
        self.rendering.id()
    }

    /// Replaces the config, remembering the old one for undo.
    pub fn edit(&mut self, config: MusicConfig, settings: &mut AuditionSettings, jobs: &mut Jobs) {
        if config == self.config {
            return;
        }
        self.undo.push(std::mem::replace(&mut self.config, config));
        self.redo.clear();
        self.changed(settings, jobs);
    }

    fn changed(&mut self, settings: &mut AuditionSettings, jobs: &mut Jobs) {
        settings.config = self.config.to_json();
        if settings.auto_render {
            self.start_render(settings, jobs);
        }
    }

    pub fn undo(&mut self, settings: &mut AuditionSettings, jobs: &mut Jobs) {
        if let Some(previous) = self.undo.pop() {
            self.redo.push(std::mem::replace(&mut self.config, previous));
            self.changed(settings, jobs);
        }
    }

    pub fn redo(&mut self, settings: &mut AuditionSettings, jobs: &mut Jobs) {
        if let Some(next) = self.redo.pop() {
            self.undo.push(std::mem::replace(&mut self.config, next));
            self.changed(settings, jobs);
        }
    }

    /// Renders the current config on a worker (a render already running is cancelled).
    pub fn start_render(&mut self, settings: &AuditionSettings, jobs: &mut Jobs) {
        let (config, seconds, seed) = (self.config.clone(), settings.seconds, settings.seed);
        self.rendering.start(jobs, format!("Render {seconds:.0} s of audio"), move |ctx| {
            render_job(config, seconds, seed, ctx)
        });
    }

    /// Asks where to save (the dialog runs on the worker) and writes the rendered WAV.
    pub fn export_wav(&mut self, settings: &AuditionSettings, ctx: &mut AppCtx) {
        let Some(r) = &self.last else { return };
        let name = format!("benchtop-render-seed{}.wav", r.seed);
        let clip = ClipToSave::Ready(r.clip.clone());
        self.export.wav(&mut ctx.jobs, &ctx.save_dialog, ("Export WAV", name), clip, settings.wav_format);
    }

    /// Asks where to save and writes the config as JSON (the prompt form).
    pub fn export_config(&mut self, ctx: &mut AppCtx) {
        let value = serde_json::Value::Object(self.config.to_json());
        self.export.json(
            &mut ctx.jobs,
            &ctx.save_dialog,
            ("Export config JSON", "config.json".to_owned()),
            &value,
        );
    }

    /// Puts text in the paste box (as typing or pasting would).
    pub fn set_paste_text(&mut self, text: &str) {
        self.paste_text = text.to_owned();
    }

    /// Reads pasted JSON (a config or a payload); keeps the text and names the invalid fields.
    pub fn apply_paste(&mut self, settings: &mut AuditionSettings, jobs: &mut Jobs) -> bool {
        match crate::synth::payload::parse_text(&self.paste_text, "the pasted text") {
            Err(err) => {
                self.paste_problems = vec![format!("{err:#}")];
                false
            }
            Ok(payload) => {
                self.paste_problems = payload.all_issues().map(ToString::to_string).collect();
                if payload.renderable().is_err() {
                    return false;
                }
                self.edit(payload.config.config, settings, jobs);
                true
            }
        }
    }
}

fn show(ui: &mut egui::Ui, state: &mut AuditionState, settings: &mut AuditionSettings, ctx: &mut AppCtx) {
    egui::Panel::left("audition_fields").resizable(true).default_size(380.0).show(ui, |ui| {
        ui.add_space(4.0);
        fields_panel(ui, state, settings, &mut ctx.jobs);
    });
    egui::CentralPanel::default_margins().show(ui, |ui| {
        ui.heading("Audition a music config");
        render_controls(ui, state, settings, ctx);
        ui.add_space(4.0);
        transport(ui, state, settings, &mut ctx.player);
        ui.add_space(4.0);
        if let Some(r) = &state.last {
            waveform(ui, r, &mut ctx.player);
        }
        spectrogram(ui, state, &mut ctx.player);
        if state.last.is_some() {
            ui.add_space(4.0);
            exports(ui, state, settings, ctx);
        }
        if let Some(r) = &state.last {
            ui.add_space(4.0);
            layer_levels(ui, &r.layers);
        }
        ui.add_space(6.0);
        ui.weak("Synth and config schema ported from LatentScore (Apache-2.0).");
    });
    if ctx.player.is_playing() {
        ui.ctx().request_repaint_after(Duration::from_millis(33));
    }
}

/// What the config is, where it plays, length, seed, Render, and what the last render was.
fn render_controls(
    ui: &mut egui::Ui,
    state: &mut AuditionState,
    settings: &mut AuditionSettings,
    ctx: &mut AppCtx,
) {
    let synth = state.config.to_synth();
    ui.label(format!(
        "{:.0} BPM, {} {}, density {} · rendered by benchtop's port of LatentScore's synth (44.1 kHz mono)",
        synth.bpm(),
        synth.root.name().to_uppercase(),
        synth.mode,
        synth.density
    ));
    device_line(ui, &mut ctx.player);
    ui.horizontal(|ui| {
        let label = ui.label("Length");
        ui.add(egui::DragValue::new(&mut settings.seconds).range(1.0..=600.0).suffix(" s").speed(0.5))
            .labelled_by(label.id);
        let label = ui.label("Seed");
        ui.add(egui::DragValue::new(&mut settings.seed).speed(1.0)).labelled_by(label.id);
        let busy = state.rendering.is_running();
        if ui.add_enabled(!busy, egui::Button::new("Render")).on_hover_text("Ctrl+Enter").clicked() {
            state.start_render(settings, &mut ctx.jobs);
        }
        ui.checkbox(&mut settings.auto_render, "Render on every edit");
    });
    if let Some(id) = state.render_job() {
        ui.horizontal(|ui| job_progress(ui, &ctx.jobs, id, None, 360.0, "Render progress"));
    }
    let stale = state.last.as_ref().is_some_and(|r| r.config != state.config);
    if let Some(r) = &state.last {
        ui.horizontal(|ui| {
            ui.strong(&r.summary);
            ui.weak(format!(
                "· {:.1} s, seed {}, rendered in {} ms",
                r.clip.seconds(),
                r.seed,
                r.took.as_millis()
            ));
            if stale {
                ui.colored_label(ui.visuals().warn_fg_color, "· the config changed since: render again");
            }
        });
    } else if !state.rendering.is_running() {
        ui.weak("Press Render to hear this config.");
    }
}

/// The WAV format and the two exports.
fn exports(ui: &mut egui::Ui, state: &mut AuditionState, settings: &mut AuditionSettings, ctx: &mut AppCtx) {
    ui.horizontal(|ui| {
        ui.label("WAV");
        ui.radio_value(&mut settings.wav_format, WavFormat::Pcm16, WavFormat::Pcm16.label());
        ui.radio_value(&mut settings.wav_format, WavFormat::Float32, WavFormat::Float32.label());
        if ui.button("Export WAV…").clicked() {
            state.export_wav(settings, ctx);
        }
        if ui.button("Export config JSON…").clicked() {
            state.export_config(ctx);
        }
    });
}

/// Each layer's peak and RMS before mixing.
fn layer_levels(ui: &mut egui::Ui, layers: &[LayerStats]) {
    egui::CollapsingHeader::new("Layer levels (before mixing)").show(ui, |ui| {
        egui::Grid::new("layer_levels").num_columns(3).striped(true).show(ui, |ui| {
            ui.strong("layer");
            ui.strong("peak");
            ui.strong("rms");
            ui.end_row();
            for l in layers {
                ui.label(l.layer.name());
                ui.monospace(format!("{:.3}", l.peak));
                ui.monospace(format!("{:.4}", l.rms));
                ui.end_row();
            }
        });
    });
}

/// The panel's keyboard shortcuts (when no text field has focus): space plays/pauses, Ctrl+Enter
/// renders, Ctrl+Z / Ctrl+Shift+Z undo and redo.
fn shortcuts(
    ctx: &egui::Context,
    state: &mut AuditionState,
    settings: &mut AuditionSettings,
    jobs: &mut Jobs,
    player: &mut Player,
) {
    if ctx.memory(|m| m.focused().is_some()) {
        return;
    }
    use egui::{Key, KeyboardShortcut, Modifiers};
    let redo = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    let undo = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
    let render = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
    if ctx.input_mut(|i| i.consume_shortcut(&redo)) {
        state.redo(settings, jobs);
    }
    if ctx.input_mut(|i| i.consume_shortcut(&undo)) {
        state.undo(settings, jobs);
    }
    if ctx.input_mut(|i| i.consume_shortcut(&render)) {
        state.start_render(settings, jobs);
    }
    if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Space)) {
        player.toggle();
    }
}
