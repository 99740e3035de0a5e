//! The Vibes panel: LatentScore's pipeline rows one vibe at a time. The table of vibes (filters,
//! search, sort, counts) on the left; the chosen vibe's original and noisy text with the changed
//! characters marked; its candidates side by side (title, validity, scores, palettes, every field
//! with the disagreements marked), each playable through the synth, with A/B switching at the
//! same playhead, and WAV / config JSON export. Files load on a worker; the embedding map comes
//! from the Hub through the shared downloader.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::audio::engine::{Clip, Player};
use crate::audio::wav::{WavFormat, write_wav};
use crate::jobs::{JobCtx, JobId, Jobs, Scaled};
use crate::notify::Notifications;
use crate::synth::SAMPLE_RATE;
use crate::synth::config::{Field, MusicConfig, Problem};
use crate::synth::payload::{Palette, Payload};
use crate::vibes::VibeSet;
use crate::vibes::diff::{CharDiff, char_diff, runs};
use crate::vibes::filter::{self, Column, Filter, Validity};

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

/// A candidate: (row index in the set, candidate index in the row).
pub type CandidateKey = (usize, usize);

/// Renders kept for replay and A/B (30 s mono is 5.3 MB).
const KEPT_CLIPS: usize = 12;

/// A finished load: the rows, and where they came from (none: the bundled sample).
pub struct Loaded {
    set: VibeSet,
    source: Option<PathBuf>,
}

/// What to do with a candidate once its render is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Then {
    /// Play it from the start.
    Play,
    /// Swap it in at the playhead (A/B).
    Switch,
}

/// The chosen vibe, worked out once when it is chosen.
struct Detail {
    row: usize,
    diff: Option<CharDiff>,
    tag_changes: Vec<bool>,
    /// One per candidate: the payload, or `None` for a failed generation (null).
    payloads: Vec<Option<Payload>>,
    /// Per field (in `Field::all()` order): each candidate's shown value and whether it is invalid.
    cells: Vec<Vec<Option<(String, bool)>>>,
    /// Per field: the most common value among the candidates, when they disagree.
    majority: Vec<Option<String>>,
}

#[derive(Default)]
pub struct VibesState {
    pub set: Option<Arc<VibeSet>>,
    /// Worked out once per set: whether every row says it is synthetic, and the candidates.
    synthetic: bool,
    candidate_total: usize,
    /// (The Hub base URL and cache of a map download, to retry it unchecked if it cannot be verified.)
    loading: crate::jobs::Latest<Option<Loaded>, Option<(String, PathBuf)>>,
    /// A map download that stopped unverified, waiting for the user's word.
    unverified: Option<super::unverified::Ask<(String, PathBuf)>>,
    /// A path asked for in benchtop's own field (the system dialog could not open).
    open_prompt: Option<super::file_prompt::PathPrompt>,
    /// Whether the running load was asked for by the user (and earns a note when done).
    announce: bool,
    /// The rows shown, in order, and the choices they were made with.
    view: Vec<usize>,
    view_key: Option<(Filter, Column, bool)>,
    /// The shown rows counted by split and by level, as the panel prints them.
    view_counts: [String; 2],
    /// The distinct values of split, dataset, scope and level in the set.
    choices: [Vec<String>; 4],
    /// The chosen row's detail (its row is the selection).
    detail: Option<Detail>,
    clips: HashMap<CandidateKey, Clip>,
    clip_order: VecDeque<CandidateKey>,
    render: crate::jobs::Latest<Clip, (CandidateKey, Option<Then>)>,
    /// The candidate in the player now.
    pub playing: Option<CandidateKey>,
    /// The two candidates A/B switches between.
    pub ab: [Option<CandidateKey>; 2],
    export: super::SaveJob,
    bad_open: bool,
    scroll_to_selected: bool,
}

const CHOICE_COLUMNS: [Column; 4] = [Column::Split, Column::Dataset, Column::Scope, Column::Level];

impl VibesState {
    /// Whether every row of the open set says it is synthetic (worked out once per set).
    pub fn synthetic(&self) -> bool {
        self.synthetic
    }

    /// The job loading rows now, if any.
    pub fn loading_job(&self) -> Option<JobId> {
        self.loading.id()
    }

    /// The chosen row.
    pub fn selected(&self) -> Option<usize> {
        self.detail.as_ref().map(|d| d.row)
    }

    /// The rows the table shows, in order (after the last frame's filter).
    pub fn shown(&self) -> &[usize] {
        &self.view
    }

    fn start(
        &mut self,
        jobs: &mut Jobs,
        name: &str,
        work: impl FnOnce(&JobCtx) -> anyhow::Result<Option<Loaded>> + Send + 'static,
    ) {
        self.loading.start_with(jobs, name, None, work);
        self.announce = true;
    }

    /// Opens the remembered file or folder, or the bundled sample.
    pub fn load_initial(&mut self, jobs: &mut Jobs, settings: &VibesSettings) {
        match settings.source.clone() {
            Some(path) => self.open_path(jobs, path),
            None => self.load_sample(jobs),
        }
        self.announce = false;
    }

    pub fn load_sample(&mut self, jobs: &mut Jobs) {
        self.start(jobs, "Open the synthetic vibes sample", |ctx| {
            ctx.message("reading the bundled synthetic 02c sample");
            Ok(Some(Loaded { set: VibeSet::sample()?, source: None }))
        });
    }

    /// Opens a JSONL file or a folder of split files.
    pub fn open_path(&mut self, jobs: &mut Jobs, path: PathBuf) {
        self.start(jobs, "Open vibes", move |ctx| {
            let set = VibeSet::open(&path, ctx)?;
            Ok(Some(Loaded { set, source: Some(path) }))
        });
    }

    /// Asks for a file or a folder (the dialog runs on the worker) and opens it.
    pub fn open_dialog(&mut self, jobs: &mut Jobs, folder: bool) {
        self.start(jobs, "Open vibes", move |ctx| {
            ctx.message("choosing what to open");
            let filters: &[(&str, &[&str])] = &[("JSON Lines", &["jsonl", "json"])];
            let answer = super::file_prompt::open("Open LatentScore pipeline rows", filters, folder);
            let Some(path) = answer.path()? else { return Ok(None) };
            let set = VibeSet::open(&path, ctx)?;
            Ok(Some(Loaded { set, source: Some(path) }))
        });
    }

    /// Downloads the stage-10 embedding map into the cache (resuming a partial download) and
    /// opens it.
    /// `no_verify`: download it even when the Hub's listing gives no size and SHA-256 (the user
    /// agreed to).
    pub fn fetch_map(&mut self, jobs: &mut Jobs, base_url: String, cache: PathBuf, no_verify: bool) {
        let retry = Some((base_url.clone(), cache.clone()));
        self.loading.start_with(jobs, "Download the LatentScore embedding map", retry, move |ctx| {
            let fetch = Scaled { inner: ctx, start: 0.0, span: 0.7 };
            let path = crate::vibes::hub::fetch_map(
                &base_url,
                &cache,
                None,
                no_verify,
                &Default::default(),
                &fetch,
            )?;
            let read = Scaled { inner: ctx, start: 0.7, span: 0.3 };
            let set = VibeSet::open(&path, &read)?;
            Ok(Some(Loaded { set, source: Some(path) }))
        });
        self.announce = true;
    }

    /// Asks whether to download the map unverified, after a download stopped for want of a listing.
    pub fn ask_unverified(&mut self, ctx: &egui::Context, jobs: &mut Jobs) {
        if let Some((base_url, cache)) = super::unverified::window(ctx, &mut self.unverified) {
            self.fetch_map(jobs, base_url, cache, true);
        }
    }

    /// The questions this panel may be waiting on: a download unverified, a path to open or save.
    pub fn prompts(&mut self, ctx: &egui::Context, jobs: &mut Jobs) {
        self.ask_unverified(ctx, jobs);
        if let Some(path) = super::file_prompt::PathPrompt::show(ctx, &mut self.open_prompt) {
            self.open_path(jobs, path);
        }
        self.export.prompt(ctx, jobs);
    }

    /// Takes finished loads, renders and exports; call every frame.
    pub fn poll(
        &mut self,
        jobs: &mut Jobs,
        settings: &mut VibesSettings,
        player: &mut Player,
        notifications: &mut Notifications,
    ) {
        if let Some((_, retry, result)) = self.loading.take_with() {
            match result {
                Ok(Some(loaded)) => self.take(loaded, settings, jobs, notifications),
                Ok(None) => {}
                // The failure is already a toast; a failed first load falls back to the sample.
                Err(err) => {
                    tracing::warn!("loading vibes failed: {err}");
                    if let (Some(why), Some(retry)) = (super::unverified::reason(&err), retry) {
                        self.unverified =
                            Some(super::unverified::Ask { what: "the embedding map".into(), why, retry });
                    }
                    if super::file_prompt::no_dialog(&err) {
                        let default = super::file_prompt::default_folder();
                        self.open_prompt =
                            Some(super::file_prompt::PathPrompt::new("Open vibes", &default, "Open"));
                    }
                    if self.set.is_none() {
                        settings.source = None;
                        self.load_sample(jobs);
                        self.announce = false;
                    }
                }
            }
        }
        // A failed render is already a toast through the job.
        if let Some((_, (key, then), Ok(clip))) = self.render.take_with() {
            self.keep_clip(key, clip.clone());
            match then {
                Some(Then::Play) => self.play_clip(key, clip, player),
                Some(Then::Switch) => self.switch_to(key, clip, player),
                None => {}
            }
        }
        self.export.poll(notifications);
    }

    fn take(
        &mut self,
        loaded: Loaded,
        settings: &mut VibesSettings,
        jobs: &mut Jobs,
        notifications: &mut Notifications,
    ) {
        let Loaded { set, source } = loaded;
        let label = source_label(source.as_deref(), &set);
        if self.announce {
            notifications.success(format!("Opened {label}: {} vibes", set.rows.len()));
        }
        if !set.bad.is_empty() {
            let first: Vec<String> = set.bad.iter().take(3).map(ToString::to_string).collect();
            notifications.error_text(
                format!("{} bad line(s) skipped in {label}", set.bad.total),
                format!("{}{}", first.join("\n"), if set.bad.total > 3 { "\n…" } else { "" }),
            );
        }
        self.choices = CHOICE_COLUMNS.map(|c| filter::values(&set, c));
        settings.source = source;
        // A filter value the new set does not have would hide every row: drop it.
        for (choice, values) in [
            (&mut settings.filter.split, &self.choices[0]),
            (&mut settings.filter.dataset, &self.choices[1]),
            (&mut settings.filter.scope, &self.choices[2]),
            (&mut settings.filter.level, &self.choices[3]),
        ] {
            if choice.as_ref().is_some_and(|c| !values.contains(c)) {
                *choice = None;
            }
        }
        self.synthetic = set.is_synthetic();
        self.candidate_total = set.rows.iter().map(|r| r.candidates.len()).sum();
        self.set = Some(Arc::new(set));
        self.view_key = None;
        self.detail = None;
        self.clips.clear();
        self.clip_order.clear();
        self.render.cancel(jobs);
        self.playing = None;
        self.ab = [None, None];
    }

    /// Recomputes the shown rows when the filter or sort changed.
    pub fn refresh_view(&mut self, settings: &VibesSettings) {
        if self.view_key.as_ref().is_some_and(|(f, c, d)| {
            *f == settings.filter && *c == settings.sort && *d == settings.descending
        }) {
            return;
        }
        let Some(set) = &self.set else { return };
        self.view = filter::select(set, &settings.filter, settings.sort, settings.descending);
        let counts = crate::vibes::Summary::of(self.view.iter().map(|&i| &set.rows[i]));
        let splits: Vec<String> = counts.by_split.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let mut levels: Vec<(&String, &usize)> = counts.by_level.iter().collect();
        levels.sort_by_key(|(l, _)| filter::level_rank(Some(l)));
        let levels: Vec<String> = levels.into_iter().map(|(k, v)| format!("{k} {v}")).collect();
        self.view_counts =
            [format!("by split: {}", splits.join(" · ")), format!("by level: {}", levels.join(" · "))];
        self.view_key = Some((settings.filter.clone(), settings.sort, settings.descending));
    }

    /// Chooses a row (and works out its detail).
    pub fn select(&mut self, row: usize) {
        let Some(set) = &self.set else { return };
        let Some(vibe) = set.rows.get(row) else { return };
        // Brought into view when it is not (a click on a shown row scrolls nothing).
        self.scroll_to_selected = true;
        if self.detail.as_ref().is_some_and(|d| d.row == row) {
            return;
        }
        let diff = match (&vibe.vibe_original, &vibe.vibe_noisy) {
            (Some(a), Some(b)) => Some(char_diff(a, b)),
            _ => None,
        };
        let tag_changes =
            vibe.tags_noisy.iter().enumerate().map(|(i, t)| vibe.tags_original.get(i) != Some(t)).collect();
        let payloads: Vec<Option<Payload>> = vibe
            .candidate_values()
            .iter()
            .map(|c| match c {
                Json::Object(object) => Some(Payload::from_json(object)),
                _ => None,
            })
            .collect();
        let mut cells = Vec::new();
        let mut majority = Vec::new();
        for field in Field::all() {
            let row_cells: Vec<Option<(String, bool)>> =
                payloads.iter().map(|p| p.as_ref().map(|p| field_cell(p, field))).collect();
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for (text, _) in row_cells.iter().flatten() {
                match counts.iter_mut().find(|(t, _)| *t == text) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((text, 1)),
                }
            }
            majority.push(
                (counts.len() > 1)
                    .then(|| counts.iter().max_by_key(|(_, n)| *n).map(|(t, _)| (*t).to_owned()))
                    .flatten(),
            );
            cells.push(row_cells);
        }
        self.detail = Some(Detail { row, diff, tag_changes, payloads, cells, majority });
    }

    /// Moves the choice up or down the shown rows.
    pub fn step(&mut self, by: isize) {
        if self.view.is_empty() {
            return;
        }
        let at = self.selected().and_then(|s| self.view.iter().position(|r| *r == s));
        let next = match at {
            Some(i) => (i as isize + by).clamp(0, self.view.len() as isize - 1) as usize,
            None => 0,
        };
        self.select(self.view[next]);
    }

    /// The fields that differ across the chosen vibe's candidates.
    pub fn differing_fields(&self) -> Vec<Field> {
        let Some(d) = &self.detail else { return Vec::new() };
        Field::all().zip(&d.majority).filter(|(_, m)| m.is_some()).map(|(f, _)| f).collect()
    }

    /// A candidate's config as the synth reads it (sanitized), if the candidate has one.
    pub fn candidate_config(&self, key: CandidateKey) -> Option<MusicConfig> {
        let set = self.set.as_ref()?;
        let value = set.rows.get(key.0)?.candidate_value(key.1)?;
        match value {
            Json::Object(object) => Some(Payload::from_json(&object).config.config),
            _ => None,
        }
    }

    fn keep_clip(&mut self, key: CandidateKey, clip: Clip) {
        if self.clips.insert(key, clip).is_none() {
            self.clip_order.push_back(key);
        }
        while self.clip_order.len() > KEPT_CLIPS {
            if let Some(old) = self.clip_order.pop_front() {
                self.clips.remove(&old);
            }
        }
    }

    fn start_render(
        &mut self,
        key: CandidateKey,
        then: Option<Then>,
        settings: &VibesSettings,
        jobs: &mut Jobs,
    ) {
        let Some(config) = self.candidate_config(key) else { return };
        let (seconds, seed) = (settings.seconds, settings.seed);
        self.render.start_with(
            jobs,
            format!("Render candidate {} of vibe line {}", key.1 + 1, self.line_of(key.0)),
            (key, then),
            move |ctx| render_clip(&config, seconds, seed, ctx),
        );
    }

    fn line_of(&self, row: usize) -> usize {
        self.set.as_ref().and_then(|s| s.rows.get(row)).map_or(0, |r| r.line)
    }

    /// Whether the player holds this candidate's render now.
    fn is_loaded(&self, key: CandidateKey, player: &Player) -> bool {
        match (self.clips.get(&key), player.clip()) {
            (Some(ours), Some(theirs)) => Arc::ptr_eq(&ours.samples, &theirs.samples),
            _ => false,
        }
    }

    /// The candidate's play button: plays it from the start (rendering it first if needed), or
    /// pauses and resumes it when it is the one playing.
    pub fn play(
        &mut self,
        key: CandidateKey,
        settings: &VibesSettings,
        jobs: &mut Jobs,
        player: &mut Player,
    ) {
        if self.playing == Some(key) && self.is_loaded(key, player) {
            player.toggle();
            return;
        }
        match self.clips.get(&key).cloned() {
            Some(clip) => self.play_clip(key, clip, player),
            None => self.start_render(key, Some(Then::Play), settings, jobs),
        }
    }

    fn play_clip(&mut self, key: CandidateKey, clip: Clip, player: &mut Player) {
        player.load(clip);
        player.seek(0.0);
        player.play();
        self.playing = Some(key);
    }

    /// Switches between A and B at the playhead, keeping play or pause.
    pub fn switch_ab(&mut self, settings: &VibesSettings, jobs: &mut Jobs, player: &mut Player) {
        let [Some(a), Some(b)] = self.ab else { return };
        let target = if self.playing == Some(a) && self.is_loaded(a, player) { b } else { a };
        match self.clips.get(&target).cloned() {
            Some(clip) => self.switch_to(target, clip, player),
            None => self.start_render(target, Some(Then::Switch), settings, jobs),
        }
    }

    fn switch_to(&mut self, key: CandidateKey, clip: Clip, player: &mut Player) {
        // `load` keeps the playhead and the play state.
        player.load(clip);
        self.playing = Some(key);
    }

    /// Marks a candidate as A (slot 0) or B (slot 1).
    pub fn set_ab(&mut self, slot: usize, key: CandidateKey) {
        self.ab[slot] = if self.ab[slot] == Some(key) { None } else { Some(key) };
    }

    /// Asks where to save and writes the candidate's render (rendering it first if needed).
    pub fn export_wav(
        &mut self,
        key: CandidateKey,
        settings: &VibesSettings,
        jobs: &mut Jobs,
        save: &super::SaveDialog,
    ) {
        let Some(config) = self.candidate_config(key) else { return };
        let clip = self.clips.get(&key).cloned();
        let (seconds, seed, format) = (settings.seconds, settings.seed, settings.wav_format);
        let name = format!("vibe-line{}-candidate{}.wav", self.line_of(key.0), key.1 + 1);
        self.export.start(jobs, "Export candidate WAV", save, name, ("WAV", "wav"), move |ctx, path| {
            let clip = match clip {
                Some(clip) => clip,
                None => render_clip(&config, seconds, seed, &Scaled { inner: ctx, start: 0.0, span: 0.9 })?,
            };
            write_wav(path, &clip.samples, clip.sample_rate, format)
        });
    }

    /// Asks where to save and writes the candidate's config object as the file has it.
    pub fn export_config(&mut self, key: CandidateKey, jobs: &mut Jobs, save: &super::SaveDialog) {
        let Some(set) = &self.set else { return };
        let Some(value) = set.rows.get(key.0).and_then(|r| r.candidate_value(key.1)) else {
            return;
        };
        let config = value.get("config").cloned().unwrap_or(value);
        let text = serde_json::to_string_pretty(&config).unwrap_or_default();
        let name = format!("vibe-line{}-candidate{}.json", self.line_of(key.0), key.1 + 1);
        self.export.start(
            jobs,
            "Export candidate config JSON",
            save,
            name,
            ("JSON", "json"),
            move |_, path| crate::paths::write_atomically(path, |tmp| Ok(std::fs::write(tmp, &text)?)),
        );
    }
}

/// Renders a candidate for listening (the job's body).
fn render_clip(
    config: &MusicConfig,
    seconds: f64,
    seed: u64,
    progress: &dyn crate::jobs::Progress,
) -> anyhow::Result<Clip> {
    let rendered = crate::synth::render(&config.to_synth(), seconds, seed, progress)?;
    Ok(Clip { samples: Arc::from(rendered.samples), sample_rate: SAMPLE_RATE })
}

/// A field's value as written in a candidate, and whether the schema refuses it.
fn field_cell(payload: &Payload, field: Field) -> (String, bool) {
    let spec = field.spec();
    match payload.config.issues.iter().find(|i| i.field == spec.name).map(|i| &i.problem) {
        Some(Problem::Invalid { found }) => (found.trim_matches('"').to_owned(), true),
        Some(Problem::Missing) => ("(missing)".to_owned(), true),
        _ => (spec.display(payload.config.config.get(field)), false),
    }
}

fn source_label(source: Option<&Path>, set: &VibeSet) -> String {
    match source {
        None => "the synthetic sample".to_owned(),
        Some(path) => {
            let name = crate::paths::file_name(path);
            if set.files.len() > 1 { format!("{name} ({} files)", set.files.len()) } else { name }
        }
    }
}

fn changed_colour(ui: &egui::Ui) -> egui::Color32 {
    if ui.visuals().dark_mode {
        egui::Color32::from_rgb(120, 60, 20)
    } else {
        egui::Color32::from_rgb(255, 210, 150)
    }
}

/// A text with some characters marked.
fn marked_text(ui: &mut egui::Ui, text: &str, changed: &[bool]) -> egui::Response {
    let mut job = egui::text::LayoutJob::default();
    let font = egui::TextStyle::Body.resolve(ui.style());
    let colour = ui.visuals().text_color();
    for (run, is_changed) in runs(text, changed) {
        let mut format = egui::TextFormat::simple(font.clone(), colour);
        if is_changed {
            format.background = changed_colour(ui);
            format.underline = egui::Stroke::new(1.0, ui.visuals().warn_fg_color);
        }
        job.append(&run, 0.0, format);
    }
    job.wrap.max_width = ui.available_width();
    ui.label(job)
}

fn palette_swatches(ui: &mut egui::Ui, palettes: &[Palette]) {
    if palettes.is_empty() {
        ui.weak("no palettes");
        return;
    }
    ui.vertical(|ui| {
        for (i, palette) in palettes.iter().enumerate() {
            let (rect, response) = ui.allocate_exact_size(egui::vec2(140.0, 12.0), egui::Sense::hover());
            let painter = ui.painter_at(rect);
            let total: f32 = palette.colours.iter().map(|c| c.weight_units()).sum::<f32>().max(1.0);
            let mut x = rect.left();
            for colour in &palette.colours {
                let w = rect.width() * colour.weight_units() / total;
                let r = egui::Rect::from_min_size(egui::pos2(x, rect.top()), egui::vec2(w, rect.height()));
                match colour.rgb() {
                    Some([red, green, blue]) => {
                        painter.rect_filled(r, 0.0, egui::Color32::from_rgb(red, green, blue));
                    }
                    None => {
                        painter.rect_stroke(
                            r.shrink(1.0),
                            0.0,
                            (1.5, egui::Color32::RED),
                            egui::StrokeKind::Inside,
                        );
                    }
                }
                x += w;
            }
            response.on_hover_ui(|ui| {
                ui.label(format!("palette {}: {} colours", i + 1, palette.colours.len()));
                for c in &palette.colours {
                    ui.monospace(format!("{} {}", c.hex, c.weight));
                }
            });
        }
    });
}

fn flag_label(ui: &mut egui::Ui, name: &str, flag: Option<bool>) {
    let (text, colour) = match flag {
        Some(true) => (format!("{name} ok"), egui::Color32::from_rgb(90, 170, 90)),
        Some(false) => (format!("{name} invalid"), ui.visuals().error_fg_color),
        None => (format!("{name} ?"), ui.visuals().weak_text_color()),
    };
    ui.colored_label(colour, text);
}

/// The left side: source, filters, counts and the table.
fn table_side(
    ui: &mut egui::Ui,
    state: &mut VibesState,
    settings: &mut VibesSettings,
    jobs: &mut Jobs,
    hub: Option<(&str, &PathBuf)>,
) {
    ui.horizontal_wrapped(|ui| {
        if ui.button("Open file…").clicked() {
            state.open_dialog(jobs, false);
        }
        if ui.button("Open folder…").on_hover_text("A folder of split files (SFT-Train, SFT-Val, GRPO, TEST)").clicked() {
            state.open_dialog(jobs, true);
        }
        let map = ui.add_enabled(hub.is_some(), egui::Button::new("Embedding map (Hub)")).on_hover_text(format!(
            "Downloads LatentScore's stage-10 map ({} / {}, ~100 MB, Apache-2.0) into the cache, resuming a partial download, and opens it",
            crate::vibes::hub::MAP_REPO,
            crate::vibes::hub::MAP_PATH
        ));
        if map.clicked()
            && let Some((base, cache)) = hub
        {
            state.fetch_map(jobs, base.to_owned(), cache.clone(), false);
        }
        if ui.button("Sample").on_hover_text("The bundled synthetic 02c sample").clicked() {
            state.load_sample(jobs);
        }
    });
    if let Some(id) = state.loading_job() {
        ui.horizontal(|ui| super::job_progress(ui, jobs, id, None, 300.0, "Loading vibes"));
    }
    let Some(set) = state.set.clone() else {
        ui.weak("Nothing loaded yet.");
        return;
    };
    ui.horizontal(|ui| {
        ui.strong(source_label(settings.source.as_deref(), &set));
        if state.synthetic {
            super::synthetic_badge(ui, "Made up by benchtop (benchtop vibes synth): not LatentScore's data");
        }
    });
    ui.horizontal(|ui| {
        ui.label(format!("{} vibes, {} candidates", set.rows.len(), state.candidate_total));
        if !set.bad.is_empty()
            && ui
                .button(format!("{} bad lines…", set.bad.total))
                .on_hover_text("Lines that were skipped, with file, line number and reason")
                .clicked()
        {
            state.bad_open = true;
        }
    });
    ui.separator();
    filters(ui, state, settings);
    state.refresh_view(settings);
    // Something to look at from the start: the first row shown.
    if state.detail.is_none()
        && let Some(&first) = state.view.first()
    {
        state.select(first);
    }
    ui.label(format!("Showing {} of {}", state.view.len(), set.rows.len()));
    for line in &state.view_counts {
        ui.weak(line);
    }
    ui.separator();
    table(ui, state, settings, &set);
}

fn filters(ui: &mut egui::Ui, state: &VibesState, settings: &mut VibesSettings) {
    let names = ["Split", "Dataset", "Scope", "Level"];
    egui::Grid::new("vibe_filters").num_columns(4).spacing([6.0, 4.0]).show(ui, |ui| {
        let f = &mut settings.filter;
        let slots: [&mut Option<String>; 4] = [&mut f.split, &mut f.dataset, &mut f.scope, &mut f.level];
        for (i, (slot, values)) in slots.into_iter().zip(&state.choices).enumerate() {
            let label = ui.label(names[i]);
            egui::ComboBox::from_id_salt(("vibe_filter", i))
                .selected_text(slot.clone().unwrap_or_else(|| "all".to_owned()))
                .width(110.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(slot, None, "all");
                    for v in values {
                        ui.selectable_value(slot, Some(v.clone()), v);
                    }
                })
                .response
                .labelled_by(label.id);
            if i % 2 == 1 {
                ui.end_row();
            }
        }
        let label = ui.label("Valid");
        egui::ComboBox::from_id_salt("vibe_filter_validity")
            .selected_text(f.validity.label())
            .width(110.0)
            .show_ui(ui, |ui| {
                for v in Validity::ALL {
                    ui.selectable_value(&mut f.validity, v, v.label());
                }
            })
            .response
            .labelled_by(label.id);
        ui.end_row();
    });
    ui.horizontal(|ui| {
        let label = ui.label("Search");
        ui.add(
            egui::TextEdit::singleline(&mut settings.filter.search)
                .hint_text("words in the vibe, tags, character, titles")
                .desired_width(260.0),
        )
        .labelled_by(label.id);
        if ui.add_enabled(settings.filter.is_active(), egui::Button::new("Clear filters")).clicked() {
            settings.filter = Filter::default();
        }
    });
}

fn table(ui: &mut egui::Ui, state: &mut VibesState, settings: &mut VibesSettings, set: &VibeSet) {
    use egui_extras::{Column as Col, TableBuilder};
    let columns = [
        (Column::Line, Col::exact(34.0)),
        (Column::Split, Col::initial(62.0).clip(true)),
        (Column::Dataset, Col::initial(72.0).clip(true)),
        (Column::Scope, Col::initial(58.0).clip(true)),
        (Column::Level, Col::exact(34.0)),
        (Column::Vibe, Col::remainder().at_least(150.0).clip(true)),
        (Column::Tags, Col::initial(90.0).clip(true)),
        (Column::Validity, Col::exact(34.0)),
        (Column::BestScore, Col::exact(50.0)),
    ];
    // Rows are chosen by clicking anywhere on them: labels must not take the click for selecting text.
    ui.style_mut().interaction.selectable_labels = false;
    let mut builder = TableBuilder::new(ui)
        .id_salt("vibes_table")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    for (_, col) in columns {
        builder = builder.column(col);
    }
    if state.scroll_to_selected
        && let Some(pos) = state.selected().and_then(|s| state.view.iter().position(|r| *r == s))
    {
        builder = builder.scroll_to_row(pos, None);
        state.scroll_to_selected = false;
    }
    let mut clicked = None;
    builder
        .header(20.0, |mut header| {
            for (column, _) in columns {
                header.col(|ui| {
                    let arrow = match (settings.sort == column, settings.descending) {
                        (true, false) => " ^",
                        (true, true) => " v",
                        _ => "",
                    };
                    let button =
                        egui::Button::new(egui::RichText::new(format!("{}{arrow}", column.label())).strong())
                            .frame(false);
                    if ui.add(button).on_hover_text(format!("Sort by {}", column.label())).clicked() {
                        if settings.sort == column {
                            settings.descending = !settings.descending;
                        } else {
                            settings.sort = column;
                            settings.descending = column == Column::BestScore;
                        }
                    }
                });
            }
        })
        .body(|body| {
            body.rows(20.0, state.view.len(), |mut row| {
                let index = state.view[row.index()];
                let vibe = &set.rows[index];
                row.set_selected(state.selected() == Some(index));
                row.col(|ui| {
                    ui.weak(vibe.line.to_string());
                });
                for text in [&vibe.split, &vibe.dataset, &vibe.vibe_scope, &vibe.vibe_level] {
                    row.col(|ui| {
                        ui.label(text.as_deref().unwrap_or(""));
                    });
                }
                row.col(|ui| {
                    let text = if vibe.is_noisy() {
                        format!("{} (noisy)", vibe.vibe_text())
                    } else {
                        vibe.vibe_text().to_owned()
                    };
                    ui.add(egui::Label::new(text).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(vibe.tags_original.join(", ")).truncate());
                });
                row.col(|ui| {
                    let (valid, total) = vibe.valid_count();
                    if total > 0 {
                        ui.label(format!("{valid}/{total}"));
                    }
                });
                row.col(|ui| {
                    if let Some(score) = vibe.best_score() {
                        ui.label(format!("{score:.3}"));
                    }
                });
                if row.response().clicked() {
                    clicked = Some(index);
                }
            });
        });
    if let Some(index) = clicked {
        state.select(index);
    }
}

/// The chosen vibe: its texts, then its candidates.
fn detail(
    ui: &mut egui::Ui,
    state: &mut VibesState,
    settings: &mut VibesSettings,
    jobs: &mut Jobs,
    player: &mut Player,
    save: &super::SaveDialog,
) {
    let (Some(set), Some(row)) = (state.set.clone(), state.selected()) else {
        ui.add_space(20.0);
        ui.weak("Choose a vibe in the table (Up/Down move through it).");
        return;
    };
    let vibe = &set.rows[row];
    ui.horizontal_wrapped(|ui| {
        let id = vibe.id_in_dataset.as_deref().unwrap_or("?");
        ui.heading(format!("{} / {id}", vibe.dataset.as_deref().unwrap_or("?")));
        if vibe.is_synthetic() {
            super::synthetic_badge(ui, "This vibe and its candidates are made up by benchtop");
        }
    });
    let mut facts = vec![format!(
        "line {} of {}",
        vibe.line,
        set.files.get(vibe.file).map_or(String::new(), |f| f.display().to_string())
    )];
    for (name, value) in [
        ("split", &vibe.split),
        ("scope", &vibe.vibe_scope),
        ("level", &vibe.vibe_level),
        ("character", &vibe.character_name),
    ] {
        if let Some(v) = value {
            facts.push(format!("{name} {v}"));
        }
    }
    ui.weak(facts.join(" · "));
    let Some(d) = &state.detail else { return };
    let caption = |ui: &mut egui::Ui, text: &str| {
        ui.label(egui::RichText::new(text).small().strong());
    };
    match (&vibe.vibe_original, &vibe.vibe_noisy, &d.diff) {
        (Some(original), Some(noisy), Some(diff)) => {
            caption(ui, "ORIGINAL");
            marked_text(ui, original, &diff.original);
            if original == noisy {
                caption(ui, "NOISY: the same text (no noise injected)");
            } else {
                caption(ui, "NOISY");
                marked_text(ui, noisy, &diff.noisy).on_hover_text(format!(
                    "{} character(s) of the original and {} of the noisy text differ",
                    diff.changed_original(),
                    diff.changed_noisy()
                ));
            }
        }
        _ => {
            caption(ui, "VIBE");
            ui.label(vibe.vibe_text());
        }
    }
    if !vibe.tags_original.is_empty() || !vibe.tags_noisy.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new("TAGS").small().strong());
            ui.label(vibe.tags_original.join(", "));
        });
        if vibe.tags_noisy != vibe.tags_original && !vibe.tags_noisy.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new("TAGS NOISY").small().strong());
                for (tag, changed) in vibe.tags_noisy.iter().zip(&d.tag_changes) {
                    let text = egui::RichText::new(tag);
                    ui.label(if *changed { text.background_color(changed_colour(ui)) } else { text });
                }
            });
        }
    }
    if !vibe.extras.is_empty() || vibe.embedding.is_some() {
        egui::CollapsingHeader::new(format!(
            "Other fields ({})",
            vibe.extras.len() + usize::from(vibe.embedding.is_some())
        ))
        .id_salt("vibe_other_fields")
        .show(ui, |ui| {
            egui::Grid::new("vibe_extras").num_columns(2).striped(true).show(ui, |ui| {
                for (key, value) in &vibe.extras {
                    ui.monospace(key);
                    let mut text = value.text().to_owned();
                    if text.len() > 160 {
                        let cut = (0..=160).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                        text = format!("{}… ({} characters)", &text[..cut], value.text().len());
                    }
                    ui.label(text);
                    ui.end_row();
                }
                if let Some(e) = &vibe.embedding {
                    ui.monospace("embedding");
                    ui.label(format!("{} floats", e.len()));
                    ui.end_row();
                }
            });
        });
    }
    ui.separator();
    audition_bar(ui, state, settings, jobs, player);
    ui.separator();
    candidates(ui, state, settings, jobs, player, save, &set, row);
}

fn audition_bar(
    ui: &mut egui::Ui,
    state: &mut VibesState,
    settings: &mut VibesSettings,
    jobs: &mut Jobs,
    player: &mut Player,
) {
    super::audition::device_line(ui, player);
    ui.horizontal_wrapped(|ui| {
        let name = |k: Option<CandidateKey>| match k {
            Some((row, c)) if Some(row) == state.selected() => format!("#{}", c + 1),
            Some((row, c)) => format!("#{} (line {})", c + 1, state.line_of(row)),
            None => "-".to_owned(),
        };
        match state.playing.filter(|k| state.is_loaded(*k, player)) {
            Some(key) => {
                let verb = if player.is_playing() { "Playing" } else { "Paused" };
                ui.label(format!("{verb} {}", name(Some(key))));
                let duration = player.clip().map_or(0.0, Clip::seconds);
                ui.monospace(format!(
                    "{} / {}",
                    super::audition::timestamp(player.position()),
                    super::audition::timestamp(duration)
                ));
                if ui.button("Stop").clicked() {
                    player.stop();
                }
            }
            None => {
                ui.weak("Press a candidate's Play to hear it (rendered by benchtop's synth).");
            }
        }
        ui.separator();
        ui.label(format!("A: {}  B: {}", name(state.ab[0]), name(state.ab[1])));
        let ready = state.ab.iter().all(Option::is_some);
        if ui
            .add_enabled(ready, egui::Button::new("Switch A/B"))
            .on_hover_text("Hear the other of A and B from the same moment (X)")
            .clicked()
        {
            state.switch_ab(settings, jobs, player);
        }
    });
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Length");
        ui.add(egui::DragValue::new(&mut settings.seconds).range(1.0..=120.0).suffix(" s").speed(0.5))
            .labelled_by(label.id);
        let label = ui.label("Seed");
        ui.add(egui::DragValue::new(&mut settings.seed).speed(1.0)).labelled_by(label.id);
        ui.label("WAV");
        ui.radio_value(&mut settings.wav_format, WavFormat::Pcm16, WavFormat::Pcm16.label());
        ui.radio_value(&mut settings.wav_format, WavFormat::Float32, WavFormat::Float32.label());
        if let (Some((key, _)), Some(id)) = (state.render.context(), state.render.id()) {
            let text = Some(format!("rendering #{}", key.1 + 1));
            super::job_progress(ui, jobs, id, text, 160.0, "Candidate render progress");
        }
    });
}

#[allow(clippy::too_many_arguments)]
fn candidates(
    ui: &mut egui::Ui,
    state: &mut VibesState,
    settings: &mut VibesSettings,
    jobs: &mut Jobs,
    player: &mut Player,
    save: &super::SaveDialog,
    set: &VibeSet,
    row: usize,
) {
    let vibe = &set.rows[row];
    let Some(d) = state.detail.take() else { return };
    let n = d.payloads.len();
    if n == 0 {
        ui.weak("This row has no config candidates (a 02a vibes file).");
        state.detail = Some(d);
        return;
    }
    let first_valid = vibe.first_valid();
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!("{n} candidate(s)"));
        let differing = d.majority.iter().filter(|m| m.is_some()).count();
        ui.label(format!("· {differing} of {} fields differ", d.majority.len()));
        ui.checkbox(&mut settings.only_differing, "Only fields that differ");
        ui.checkbox(&mut settings.show_thinking, "Show thinking");
    });
    let mut asked = None;
    egui::ScrollArea::both().id_salt("vibe_candidates").auto_shrink([false, false]).show(ui, |ui| {
        egui::Grid::new("candidate_grid")
            .num_columns(n + 1)
            .striped(true)
            .min_col_width(120.0)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                ui.label("");
                for c in 0..n {
                    ui.horizontal(|ui| {
                        ui.strong(format!("#{}", c + 1));
                        if vibe.best_index == Some(c) {
                            let best = egui::RichText::new(" BEST ")
                                .strong()
                                .color(egui::Color32::BLACK)
                                .background_color(egui::Color32::from_rgb(120, 200, 120));
                            let note = match vibe.best_changed() {
                                Some(true) => {
                                    "02c's best by score; 02b had chosen another (the first valid one)"
                                }
                                Some(false) => "02c's best by score, the same as 02b's choice",
                                None => "the row's best_index",
                            };
                            ui.label(best).on_hover_text(note);
                        }
                        if first_valid == Some(c) && vibe.best_changed() == Some(true) {
                            ui.weak("02b's pick")
                                .on_hover_text("02b chose the first candidate whose three flags hold");
                        }
                    });
                }
                ui.end_row();

                ui.strong("title");
                for p in &d.payloads {
                    match p {
                        Some(p) => {
                            ui.label(egui::RichText::new(p.title.clone().unwrap_or_default()).strong())
                        }
                        None => ui.colored_label(ui.visuals().error_fg_color, "generation failed (null)"),
                    };
                }
                ui.end_row();

                ui.strong("validity");
                for c in 0..n {
                    ui.vertical(|ui| {
                        flag_label(ui, "format", vibe.format_valid.get(c).copied().flatten());
                        flag_label(ui, "schema", vibe.schema_valid.get(c).copied().flatten());
                        flag_label(ui, "palette", vibe.palette_valid.get(c).copied().flatten());
                    });
                }
                ui.end_row();

                if !vibe.clap_scores.is_empty() || !vibe.other_scores.is_empty() {
                    ui.strong("scores");
                    for c in 0..n {
                        ui.vertical(|ui| {
                            let score = |s: Option<&Option<f64>>| {
                                s.copied().flatten().map_or("not scored".to_owned(), |x| format!("{x:.4}"))
                            };
                            if !vibe.clap_scores.is_empty() {
                                ui.monospace(format!("clap {}", score(vibe.clap_scores.get(c))));
                            }
                            for (name, scores) in &vibe.other_scores {
                                ui.monospace(format!("{name} {}", score(scores.get(c))));
                            }
                            if vibe.best_index == Some(c) && !vibe.score_parts.is_empty() {
                                ui.weak("parts…").on_hover_ui(|ui| {
                                    for (scorer, parts) in &vibe.score_parts {
                                        for (part, v) in parts {
                                            ui.monospace(format!("{scorer}.{part} {v:.4}"));
                                        }
                                    }
                                });
                            }
                        });
                    }
                    ui.end_row();
                }

                ui.strong("palettes");
                for p in &d.payloads {
                    match p {
                        Some(p) => palette_swatches(ui, &p.palettes),
                        None => {
                            ui.label("");
                        }
                    }
                }
                ui.end_row();

                ui.strong("audition");
                for (c, p) in d.payloads.iter().enumerate() {
                    let key = (row, c);
                    if p.is_none() {
                        ui.label("");
                        continue;
                    }
                    let now = state.playing == Some(key) && state.is_loaded(key, player);
                    let rendering = state.render.context().is_some_and(|(k, _)| *k == key);
                    if let Some(action) =
                        candidate_controls(ui, key, now && player.is_playing(), rendering, state.ab)
                    {
                        asked = Some((key, action));
                    }
                }
                ui.end_row();

                if settings.show_thinking {
                    ui.strong("thinking");
                    for p in &d.payloads {
                        let text = p.as_ref().and_then(|p| p.thinking.clone()).unwrap_or_default();
                        ui.add(egui::Label::new(egui::RichText::new(text).small()).wrap());
                    }
                    ui.end_row();
                }

                for (f, field) in Field::all().enumerate() {
                    let majority = &d.majority[f];
                    if settings.only_differing && majority.is_none() {
                        continue;
                    }
                    let name = egui::RichText::new(field.spec().name);
                    let name = if majority.is_some() {
                        name.strong().color(ui.visuals().warn_fg_color)
                    } else {
                        name
                    };
                    ui.label(name).on_hover_text(field.spec().description);
                    for cell in &d.cells[f] {
                        match cell {
                            Some((text, invalid)) => {
                                let mut rich = egui::RichText::new(text);
                                if *invalid {
                                    rich = rich.color(ui.visuals().error_fg_color).strong();
                                } else if majority.as_ref().is_some_and(|m| m != text) {
                                    rich = rich.background_color(changed_colour(ui));
                                }
                                let response = ui.label(rich);
                                if *invalid {
                                    response.on_hover_text(format!(
                                        "not a valid {}: the synth uses its fallback",
                                        field.spec().name
                                    ));
                                }
                            }
                            None => {
                                ui.label("");
                            }
                        }
                    }
                    ui.end_row();
                }
            });
    });
    state.detail = Some(d);
    match asked {
        Some((key, Asked::Play)) => state.play(key, settings, jobs, player),
        Some((key, Asked::Ab(slot))) => state.set_ab(slot, key),
        Some((key, Asked::Wav)) => state.export_wav(key, settings, jobs, save),
        Some((key, Asked::Json)) => state.export_config(key, jobs, save),
        None => {}
    }
}

/// What a candidate's buttons asked for.
enum Asked {
    Play,
    Ab(usize),
    Wav,
    Json,
}

/// A candidate's play, A, B, WAV and JSON buttons.
fn candidate_controls(
    ui: &mut egui::Ui,
    key: CandidateKey,
    playing: bool,
    rendering: bool,
    ab: [Option<CandidateKey>; 2],
) -> Option<Asked> {
    let (mut asked, c) = (None, key.1);
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            let label = match (playing, rendering) {
                (true, _) => format!("Pause #{}", c + 1),
                (_, true) => format!("Rendering #{}", c + 1),
                _ => format!("Play #{}", c + 1),
            };
            let play = ui.add_enabled(!rendering, egui::Button::new(label));
            if play.on_hover_text("Render with benchtop's synth (the sanitized config) and play").clicked() {
                asked = Some(Asked::Play);
            }
            for (slot, name) in ["A", "B"].into_iter().enumerate() {
                let on = ab[slot] == Some(key);
                if ui
                    .selectable_label(on, name)
                    .on_hover_text(format!("Use as {name} for A/B switching (X switches)"))
                    .accessible_name(format!("Candidate {} as {name}", c + 1))
                    .clicked()
                {
                    asked = Some(Asked::Ab(slot));
                }
            }
        });
        ui.horizontal(|ui| {
            let wav = ui.small_button("WAV…").accessible_name(format!("Export WAV of candidate {}", c + 1));
            if wav.on_hover_text("Export this candidate's render").clicked() {
                asked = Some(Asked::Wav);
            }
            let json =
                ui.small_button("JSON…").accessible_name(format!("Export config of candidate {}", c + 1));
            if json.on_hover_text("Export this candidate's config as written").clicked() {
                asked = Some(Asked::Json);
            }
        });
    });
    asked
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

#[allow(clippy::too_many_arguments)]
pub fn show(
    ui: &mut egui::Ui,
    state: &mut VibesState,
    settings: &mut VibesSettings,
    jobs: &mut Jobs,
    player: &mut Player,
    save: &super::SaveDialog,
    hub: Option<(&str, &PathBuf)>,
) {
    let width = (ui.available_width() * 0.5).clamp(420.0, 700.0);
    egui::Panel::left("vibes_table_side").resizable(true).default_size(width).show(ui, |ui| {
        ui.add_space(4.0);
        ui.heading("LatentScore vibes and candidates");
        table_side(ui, state, settings, jobs, hub);
    });
    egui::CentralPanel::default_margins().show(ui, |ui| {
        detail(ui, state, settings, jobs, player, save);
        ui.add_space(4.0);
    });
    let ctx = ui.ctx().clone();
    bad_lines_window(&ctx, state);
    if player.is_playing() {
        ctx.request_repaint_after(std::time::Duration::from_millis(100));
    }
}

/// The panel's keys (when no text field has focus): Up/Down choose the previous/next vibe,
/// space plays or pauses, X switches A/B.
pub fn shortcuts(
    ctx: &egui::Context,
    state: &mut VibesState,
    settings: &VibesSettings,
    jobs: &mut Jobs,
    player: &mut Player,
) {
    if ctx.memory(|m| m.focused().is_some()) {
        return;
    }
    use egui::{Key, Modifiers};
    if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowDown)) {
        state.step(1);
    }
    if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowUp)) {
        state.step(-1);
    }
    if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Space)) {
        player.toggle();
    }
    if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::X)) {
        state.switch_ab(settings, jobs, player);
    }
}
