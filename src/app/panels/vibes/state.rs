//! The Vibes panel's state: the rows loaded (on a worker), the rows shown and the one chosen,
//! and the candidates' renders (kept for replay and A/B) and exports.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value as Json;

use super::{VibesSettings, source_label};
use crate::app::file_prompt::{self, PathPrompt};
use crate::app::save::{ClipToSave, SaveJob};
use crate::app::{AppCtx, unverified};
use crate::audio::engine::{Clip, Player};
use crate::hub::Caches;
use crate::jobs::{JobCtx, JobId, Jobs, Latest, Scaled};
use crate::notify::Notifications;
use crate::synth::config::{Field, MusicConfig};
use crate::synth::payload::Payload;
use crate::vibes::VibeSet;
use crate::vibes::compare::Comparison;
use crate::vibes::diff::{CharDiff, char_diff};
use crate::vibes::filter::{self, Column, Filter};

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
pub(super) enum Then {
    /// Play it from the start.
    Play,
    /// Swap it in at the playhead (A/B).
    Switch,
}

/// The chosen vibe, worked out once when it is chosen.
pub(super) struct Detail {
    pub row: usize,
    pub diff: Option<CharDiff>,
    pub tag_changes: Vec<bool>,
    /// One per candidate: the payload, or `None` for a failed generation (null).
    pub payloads: Vec<Option<Payload>>,
    /// The candidates compared field by field.
    pub comparison: Comparison,
}

#[derive(Default)]
pub struct VibesState {
    pub set: Option<Arc<VibeSet>>,
    /// Worked out once per set: whether every row says it is synthetic, and the candidates.
    synthetic: bool,
    pub(super) candidate_total: usize,
    /// (The Hub base URL and cache of a map download, to retry it unchecked if it cannot be verified.)
    loading: Latest<Option<Loaded>, Option<(String, Caches)>>,
    /// A map download that stopped unverified, waiting for the user's word.
    unverified: Option<unverified::Ask<(String, Caches)>>,
    /// A path asked for in benchtop's own field (the system dialog could not open).
    open_prompt: Option<PathPrompt>,
    /// Whether the running load was asked for by the user (and earns a note when done).
    announce: bool,
    /// The rows shown, in order, and the choices they were made with.
    pub(super) view: Vec<usize>,
    view_key: Option<(Filter, Column, bool)>,
    /// The shown rows counted by split and by level, as the panel prints them.
    pub(super) view_counts: [String; 2],
    /// The distinct values of split, dataset, scope and level in the set.
    pub(super) choices: [Vec<String>; 4],
    /// The chosen row's detail (its row is the selection).
    pub(super) detail: Option<Detail>,
    clips: HashMap<CandidateKey, Clip>,
    clip_order: VecDeque<CandidateKey>,
    pub(super) render: Latest<Clip, (CandidateKey, Option<Then>)>,
    /// The candidate in the player now.
    pub playing: Option<CandidateKey>,
    /// The two candidates A/B switches between.
    pub ab: [Option<CandidateKey>; 2],
    export: SaveJob,
    pub(super) bad_open: bool,
    pub(super) scroll_to_selected: bool,
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
            let answer = file_prompt::open("Open LatentScore pipeline rows", filters, folder);
            let Some(path) = answer.path()? else { return Ok(None) };
            let set = VibeSet::open(&path, ctx)?;
            Ok(Some(Loaded { set, source: Some(path) }))
        });
    }

    /// Downloads the stage-10 embedding map into the cache (resuming a partial download) and
    /// opens it.
    /// `no_verify`: download it even when the Hub's listing gives no size and SHA-256 (the user
    /// agreed to).
    pub fn fetch_map(&mut self, jobs: &mut Jobs, base_url: String, caches: Caches, no_verify: bool) {
        let retry = Some((base_url.clone(), caches.clone()));
        self.loading.start_with(jobs, "Download the LatentScore embedding map", retry, move |ctx| {
            let fetch = Scaled { inner: ctx, start: 0.0, span: 0.7 };
            let path = crate::vibes::hub::fetch_map(
                &base_url,
                &caches,
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
        if let Some((base_url, caches)) = unverified::window(ctx, &mut self.unverified) {
            self.fetch_map(jobs, base_url, caches, true);
        }
    }

    /// The questions this panel may be waiting on: a download unverified, a path to open or save.
    pub(super) fn prompts(&mut self, ctx: &egui::Context, jobs: &mut Jobs) {
        self.ask_unverified(ctx, jobs);
        if let Some(path) = file_prompt::PathPrompt::show(ctx, &mut self.open_prompt) {
            self.open_path(jobs, path);
        }
        self.export.prompt(ctx, jobs);
    }

    /// Takes finished loads, renders and exports; call every frame.
    pub(super) fn poll(&mut self, settings: &mut VibesSettings, ctx: &mut AppCtx) {
        let (jobs, player) = (&mut ctx.jobs, &mut ctx.player);
        if let Some((_, retry, result)) = self.loading.take_with() {
            match result {
                Ok(Some(loaded)) => self.take(loaded, settings, jobs, &mut ctx.notifications),
                Ok(None) => {}
                // The failure is already a toast; a failed first load falls back to the sample.
                Err(err) => {
                    tracing::warn!("loading vibes failed: {err}");
                    if let (Some(why), Some(retry)) = (unverified::reason(&err), retry) {
                        self.unverified =
                            Some(unverified::Ask { what: "the embedding map".into(), why, retry });
                    }
                    if file_prompt::no_dialog(&err) {
                        let default = file_prompt::default_folder();
                        self.open_prompt = Some(file_prompt::PathPrompt::new("Open vibes", &default, "Open"));
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
        self.export.poll(&mut ctx.notifications);
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
        let comparison = Comparison::of(&payloads);
        self.detail = Some(Detail { row, diff, tag_changes, payloads, comparison });
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
        self.detail.as_ref().map_or_else(Vec::new, |d| d.comparison.differing())
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
            move |ctx| Ok(crate::audio::render::render(&config, seconds, seed, ctx)?.clip),
        );
    }

    pub(super) fn line_of(&self, row: usize) -> usize {
        self.set.as_ref().and_then(|s| s.rows.get(row)).map_or(0, |r| r.line)
    }

    /// Whether the player holds this candidate's render now.
    pub(super) fn is_loaded(&self, key: CandidateKey, player: &Player) -> bool {
        match (self.clips.get(&key), player.clip()) {
            (Some(ours), Some(theirs)) => Arc::ptr_eq(&ours.samples, &theirs.samples),
            _ => false,
        }
    }

    /// The candidate's play button: plays it from the start (rendering it first if needed), or
    /// pauses and resumes it when it is the one playing.
    pub fn play(&mut self, key: CandidateKey, settings: &VibesSettings, ctx: &mut AppCtx) {
        if self.playing == Some(key) && self.is_loaded(key, &ctx.player) {
            ctx.player.toggle();
            return;
        }
        match self.clips.get(&key).cloned() {
            Some(clip) => self.play_clip(key, clip, &mut ctx.player),
            None => self.start_render(key, Some(Then::Play), settings, &mut ctx.jobs),
        }
    }

    fn play_clip(&mut self, key: CandidateKey, clip: Clip, player: &mut Player) {
        player.load(clip);
        player.seek(0.0);
        player.play();
        self.playing = Some(key);
    }

    /// Switches between A and B at the playhead, keeping play or pause.
    pub fn switch_ab(&mut self, settings: &VibesSettings, ctx: &mut AppCtx) {
        let [Some(a), Some(b)] = self.ab else { return };
        let target = if self.playing == Some(a) && self.is_loaded(a, &ctx.player) { b } else { a };
        match self.clips.get(&target).cloned() {
            Some(clip) => self.switch_to(target, clip, &mut ctx.player),
            None => self.start_render(target, Some(Then::Switch), settings, &mut ctx.jobs),
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
    pub fn export_wav(&mut self, key: CandidateKey, settings: &VibesSettings, ctx: &mut AppCtx) {
        let clip = match self.clips.get(&key).cloned() {
            Some(clip) => ClipToSave::Ready(clip),
            None => {
                let Some(config) = self.candidate_config(key) else { return };
                ClipToSave::Render {
                    config: Box::new(config),
                    seconds: settings.seconds,
                    seed: settings.seed,
                }
            }
        };
        let name = format!("vibe-line{}-candidate{}.wav", self.line_of(key.0), key.1 + 1);
        let what = ("Export candidate WAV", name);
        self.export.wav(&mut ctx.jobs, &ctx.save_dialog, what, clip, settings.wav_format);
    }

    /// Asks where to save and writes the candidate's config object as the file has it.
    pub fn export_config(&mut self, key: CandidateKey, ctx: &mut AppCtx) {
        let Some(set) = &self.set else { return };
        let Some(value) = set.rows.get(key.0).and_then(|r| r.candidate_value(key.1)) else {
            return;
        };
        let config = value.get("config").cloned().unwrap_or(value);
        let name = format!("vibe-line{}-candidate{}.json", self.line_of(key.0), key.1 + 1);
        self.export.json(&mut ctx.jobs, &ctx.save_dialog, ("Export candidate config JSON", name), &config);
    }
}
