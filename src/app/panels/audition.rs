//! The Audition panel: edit a music config (dropdowns for labels, sliders for the numbers the
//! synth reads, presets, pasted JSON, undo), render it on a worker with benchtop's port of
//! LatentScore's synth, see its waveform and spectrogram, play it through the sound card, and
//! export WAV and the config JSON.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::PanelView;
use crate::app::AppCtx;
use crate::app::save::{ClipToSave, SaveJob};
use crate::app::widgets::{device_line, job_progress, timestamp};
use crate::audio::engine::{Clip, Player};
use crate::audio::spectrum;
use crate::audio::wav::WavFormat;
use crate::jobs::{JobId, Jobs};
use crate::synth::config::{Field, Group, Kind, MusicConfig, Value};
use crate::synth::{LayerStats, SAMPLE_RATE};

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

/// The field editor: a dropdown of labels, plus a slider where the synth reads a number.
/// `dragging` is set while its slider is being dragged.
fn field_row(ui: &mut egui::Ui, config: &mut MusicConfig, field: Field, dragging: &mut bool) -> bool {
    let spec = field.spec();
    let value = config.get(field);
    let mut changed = false;
    let label = ui.label(spec.name.replace('_', " ")).on_hover_text(spec.description);
    let current = spec.nearest_option(value);
    let shown = match value {
        Value::Label(i) => spec.options[i as usize].to_owned(),
        Value::Number(_) => spec.display(value),
    };
    egui::ComboBox::from_id_salt(spec.name)
        .selected_text(shown)
        .width(150.0)
        .show_ui(ui, |ui| {
            for (i, option) in spec.options.iter().enumerate() {
                let selected = matches!(value, Value::Label(j) if j as usize == i);
                if ui.selectable_label(selected, *option).clicked() && !selected {
                    config.set(field, Value::Label(i as u8));
                    changed = true;
                }
            }
        })
        .response
        .labelled_by(label.id);
    if let (Some((lo, hi)), Kind::Label) = (spec.range, spec.kind) {
        let mut x = spec.number(value).unwrap_or(lo);
        let slider = egui::Slider::new(&mut x, lo..=hi).show_value(false);
        let response = ui.add_sized([90.0, 18.0], slider).labelled_by(label.id).on_hover_text(format!(
            "{} = {x:.3} (the label {} means {:.3})",
            spec.name,
            spec.options[current as usize],
            spec.number(Value::Label(current)).unwrap_or(lo)
        ));
        *dragging |= response.dragged();
        if response.changed() {
            let x = if hi > 1.0 { x.round() } else { (x * 1000.0).round() / 1000.0 };
            config.set(field, Value::Number(x));
            changed = true;
        }
    } else {
        ui.label("");
    }
    ui.end_row();
    changed
}

fn fields_panel(
    ui: &mut egui::Ui,
    state: &mut AuditionState,
    settings: &mut AuditionSettings,
    jobs: &mut Jobs,
) {
    ui.horizontal(|ui| {
        let presets = crate::synth::presets::all();
        egui::ComboBox::from_id_salt("audition_preset")
            .selected_text("Presets")
            .width(110.0)
            .show_ui(ui, |ui| {
                for p in presets {
                    if ui.selectable_label(false, &p.name).on_hover_text(&p.note).clicked() {
                        state.edit(p.config.clone(), settings, jobs);
                    }
                }
            })
            .response
            .accessible_name("Presets");
        if ui.button("Paste JSON…").clicked() {
            state.paste_open = true;
        }
        if ui
            .add_enabled(!state.undo.is_empty(), egui::Button::new("Undo"))
            .on_hover_text("Undo (Ctrl+Z)")
            .clicked()
        {
            state.undo(settings, jobs);
        }
        if ui
            .add_enabled(!state.redo.is_empty(), egui::Button::new("Redo"))
            .on_hover_text("Redo (Ctrl+Shift+Z)")
            .clicked()
        {
            state.redo(settings, jobs);
        }
    });
    ui.separator();
    let mut edited = state.config.clone();
    let (mut changed, mut dragging) = (false, false);
    egui::ScrollArea::vertical().show(ui, |ui| {
        for group in [Group::Global, Group::Layers, Group::Modifiers, Group::MelodyHarmony] {
            egui::CollapsingHeader::new(group.title()).default_open(group != Group::MelodyHarmony).show(
                ui,
                |ui| {
                    egui::Grid::new(group.title()).num_columns(3).spacing([6.0, 4.0]).show(ui, |ui| {
                        for field in Field::all().filter(|f| f.spec().group == group) {
                            changed |= field_row(ui, &mut edited, field, &mut dragging);
                        }
                    });
                },
            );
        }
        if !edited.extras.is_empty() {
            ui.weak(format!(
                "Kept, not used by the synth: {}",
                edited.extras.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    });
    if dragging {
        // Follow the slider on screen; the edit is made once, when the drag ends.
        if changed {
            state.drag_base.get_or_insert_with(|| state.config.clone());
            state.config = edited;
        }
    } else if let Some(base) = state.drag_base.take() {
        let latest = if changed { edited } else { std::mem::replace(&mut state.config, base.clone()) };
        state.config = base;
        state.edit(latest, settings, jobs);
    } else if changed {
        state.edit(edited, settings, jobs);
    }
}

fn paste_window(
    ctx: &egui::Context,
    state: &mut AuditionState,
    settings: &mut AuditionSettings,
    jobs: &mut Jobs,
) {
    let mut open = state.paste_open;
    let mut apply = false;
    egui::Window::new("Paste a config").open(&mut open).default_width(460.0).show(ctx, |ui| {
        ui.label("A bare config, or a candidate payload with a \"config\" key (labels or numbers).");
        ui.add(
            egui::TextEdit::multiline(&mut state.paste_text)
                .code_editor()
                .desired_rows(12)
                .desired_width(f32::INFINITY)
                .hint_text("{\"tempo\": \"slow\", \"mode\": \"dorian\", ...}"),
        );
        for problem in &state.paste_problems {
            ui.colored_label(ui.visuals().warn_fg_color, problem);
        }
        apply = ui.button("Use this config").clicked();
    });
    if apply && state.apply_paste(settings, jobs) {
        open = false;
    }
    state.paste_open = open;
}

/// The transport: play/pause, stop, loop, seek, volume, level meter.
fn transport(
    ui: &mut egui::Ui,
    state: &mut AuditionState,
    settings: &mut AuditionSettings,
    player: &mut Player,
) {
    let duration = player.clip().map_or(0.0, Clip::seconds);
    ui.horizontal(|ui| {
        let play_label = if player.is_playing() { "Pause" } else { "Play" };
        if ui
            .add_enabled(player.clip().is_some(), egui::Button::new(play_label))
            .on_hover_text("Space")
            .clicked()
        {
            player.toggle();
        }
        if ui.add_enabled(player.clip().is_some(), egui::Button::new("Stop")).clicked() {
            player.stop();
        }
        if ui.checkbox(&mut settings.looping, "Loop").changed() {
            player.set_looping(settings.looping);
        }
        let mut at = player.position();
        let seek = egui::Slider::new(&mut at, 0.0..=duration.max(0.001)).show_value(false);
        if ui.add_sized([260.0, 18.0], seek).accessible_name("Seek").changed() {
            player.seek(at);
        }
        ui.monospace(format!("{} / {}", timestamp(player.position()), timestamp(duration)));
        ui.separator();
        let label = ui.label("Volume");
        let volume = ui.add(egui::Slider::new(&mut settings.volume, 0.0..=1.0).show_value(false));
        if volume.labelled_by(label.id).changed() {
            player.set_volume(settings.volume);
        }
        state.meter = (state.meter * 0.85).max(player.level());
        ui.add(egui::ProgressBar::new(state.meter.clamp(0.0, 1.0)).desired_width(90.0))
            .accessible_name("Output level")
            .on_hover_text("Output level (peak)");
    });
}

/// The waveform with the playhead; a click seeks.
fn waveform(ui: &mut egui::Ui, r: &Rendering, player: &mut Player) {
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(ui.available_width(), 90.0), egui::Sense::click());
    let response = response.accessible_name("Waveform");
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let n = r.envelope.len().max(1) as f32;
    let stroke = egui::Stroke::new(1.0, ui.visuals().selection.bg_fill);
    for (i, (lo, hi)) in r.envelope.iter().enumerate() {
        let x = rect.left() + rect.width() * (i as f32 + 0.5) / n;
        let y = |v: f32| rect.center().y - v * rect.height() * 0.5;
        painter.line_segment([egui::pos2(x, y(*hi)), egui::pos2(x, y(*lo))], stroke);
    }
    playhead(&painter, rect, player, r.clip.seconds());
    seek_on_click(&response, rect, player, r.clip.seconds());
}

fn playhead(painter: &egui::Painter, rect: egui::Rect, player: &Player, seconds: f64) {
    if seconds > 0.0 {
        let x = rect.left() + rect.width() * (player.position() / seconds) as f32;
        painter.line_segment(
            [egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())],
            (1.5, egui::Color32::WHITE),
        );
    }
}

fn seek_on_click(response: &egui::Response, rect: egui::Rect, player: &mut Player, seconds: f64) {
    if response.clicked()
        && let Some(pos) = response.interact_pointer_pos()
    {
        player.seek(f64::from((pos.x - rect.left()) / rect.width()) * seconds);
    }
}

fn spectrogram(ui: &mut egui::Ui, state: &mut AuditionState, player: &mut Player) {
    let Some(r) = &state.last else { return };
    let texture = state.texture.get_or_insert_with(|| {
        let image = egui::ColorImage::from_rgba_unmultiplied([SPECTRO_W, SPECTRO_H], &r.spectrogram);
        ui.ctx().load_texture("audition_spectrogram", image, egui::TextureOptions::LINEAR)
    });
    let size = egui::vec2(ui.available_width(), 170.0);
    let response = ui
        .add(egui::Image::new((texture.id(), size)).sense(egui::Sense::click()))
        .accessible_name("Spectrogram");
    let painter = ui.painter_at(response.rect);
    playhead(&painter, response.rect, player, r.clip.seconds());
    painter.text(
        response.rect.left_top() + egui::vec2(4.0, 2.0),
        egui::Align2::LEFT_TOP,
        format!("{:.0} kHz", spectrum::PICTURE_MAX_HZ / 1000.0),
        egui::FontId::proportional(11.0),
        egui::Color32::WHITE,
    );
    seek_on_click(&response, response.rect, player, r.clip.seconds());
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
