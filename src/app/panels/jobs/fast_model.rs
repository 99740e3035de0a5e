//! The fast model's part of the Jobs panel: where all-MiniLM-L6-v2 is (or the offer to fetch it),
//! which embedding map it searches, and the loaded model kept between jobs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::AppCtx;
use crate::hub::HubCache;
use crate::jobs::{Jobs, Latest};
use crate::ml::backend::Backend;
use crate::ml::fast::{FastCache, FastSource, MapSource};
use crate::ml::minilm::hub as minilm_hub;
use crate::notify::Notifications;

/// The model's folder in the Hugging Face cache, looked up once (and again after a fetch).
#[derive(Default)]
pub struct FastModelState {
    /// `None` until looked up; then the folder, or the files missing.
    found: Option<Result<PathBuf, Vec<&'static str>>>,
    fetching: Latest<PathBuf>,
    /// LatentScore's map in the Hugging Face cache, and when that was looked up: the Vibes panel
    /// may fetch it meanwhile, so it is looked up again every few seconds, never every frame.
    hub_map: Option<(Instant, Option<PathBuf>)>,
    /// The model loaded last (shared with the jobs that use it).
    pub cache: Arc<FastCache>,
}

impl FastModelState {
    fn lookup(&mut self, hub: &HubCache) -> &Result<PathBuf, Vec<&'static str>> {
        self.found
            .get_or_insert_with(|| minilm_hub::find_model(hub).ok_or_else(|| minilm_hub::missing_files(hub)))
    }

    /// The model folder: the one typed, else the Hugging Face cache's (if it is there).
    pub fn model_dir(&mut self, typed: &str, hub: &HubCache) -> Option<PathBuf> {
        let typed = typed.trim();
        if typed.is_empty() { self.lookup(hub).as_ref().ok().cloned() } else { Some(PathBuf::from(typed)) }
    }

    /// The map the fast model searches: the one typed; else LatentScore's, if Vibes fetched it;
    /// else the bundled SYNTHETIC training set's (built in the cache on first use).
    pub fn map_source(&mut self, typed: &str, hub: &HubCache, cache: Option<&Path>) -> Option<MapSource> {
        let typed = typed.trim();
        if !typed.is_empty() {
            return Some(MapSource::File(typed.into()));
        }
        if self.hub_map.as_ref().is_none_or(|(at, _)| at.elapsed() > HUB_MAP_RECHECK) {
            self.hub_map = Some((Instant::now(), crate::vibes::hub::cached_map(hub)));
        }
        if let Some((_, Some(hub_map))) = &self.hub_map {
            return Some(MapSource::File(hub_map.clone()));
        }
        cache.map(|c| MapSource::Bundled(c.join("maps").join("bundled-train-map.jsonl")))
    }

    fn start_fetch(&mut self, jobs: &mut Jobs, hub: HubCache) {
        self.fetching.start(jobs, "Fetch all-MiniLM-L6-v2", move |ctx| {
            minilm_hub::fetch_model(&hub, crate::hub::DEFAULT_BASE_URL, ctx)
        });
    }

    pub fn poll(&mut self, notifications: &mut Notifications) {
        if let Some((_, result)) = self.fetching.take() {
            self.found = None;
            if let Ok(dir) = result {
                notifications.success(format!("all-MiniLM-L6-v2 is in {}", dir.display()));
            }
        }
    }
}

/// How long a lookup of LatentScore's map in the Hugging Face cache stands.
const HUB_MAP_RECHECK: Duration = Duration::from_secs(5);

/// The fast model's parts, if its folder and a map are known.
pub fn source(
    state: &mut FastModelState,
    (model_typed, map_typed): (&str, &str),
    (hub, cache): (&HubCache, Option<&Path>),
    backend: Backend,
) -> Option<FastSource> {
    let model_dir = state.model_dir(model_typed, hub)?;
    let map = state.map_source(map_typed, hub, cache)?;
    Some(FastSource { model_dir, map, backend })
}

/// The model's row: where it is, or what is missing and the fetch; the map and k.
pub fn controls(
    ui: &mut egui::Ui,
    state: &mut FastModelState,
    (model_typed, map_typed, k): (&mut String, &mut String, &mut usize),
    ctx: &mut AppCtx,
) {
    let found = if model_typed.trim().is_empty() { Some(state.lookup(&ctx.hub).clone()) } else { None };
    ui.horizontal(|ui| {
        ui.label("MiniLM folder");
        let hint = match &found {
            Some(Ok(dir)) => dir.display().to_string(),
            _ => "(the Hugging Face cache's, once fetched)".to_owned(),
        };
        ui.add(egui::TextEdit::singleline(model_typed).hint_text(hint).desired_width(420.0)).on_hover_text(
            "A folder holding model.safetensors, tokenizer.json and config.json; empty: the download in \
             the Hugging Face cache (HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub)",
        );
    });
    if let Some(Err(missing)) = &found {
        ui.horizontal(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, "all-MiniLM-L6-v2 is not downloaded")
                .on_hover_text(format!("missing from the Hugging Face cache: {}", missing.join(", ")));
            let mb = minilm_hub::DOWNLOAD_BYTES as f64 / 1e6;
            let fetching = state.fetching.is_running();
            if ui
                .add_enabled(!fetching, egui::Button::new(format!("Fetch model ({mb:.0} MB)")))
                .on_hover_text(format!(
                    "Download sentence-transformers/all-MiniLM-L6-v2 (commit {}) from the Hugging Face Hub \
                         into its cache, each file checked against its published SHA-256",
                    &minilm_hub::MODEL_REVISION[..8]
                ))
                .on_disabled_hover_text("Fetching: see its progress in the job list")
                .clicked()
            {
                state.start_fetch(&mut ctx.jobs, ctx.hub.clone());
            }
        });
    }
    ui.horizontal(|ui| {
        ui.label("map");
        let hint = match state.map_source("", &ctx.hub, ctx.cache.as_deref()) {
            Some(MapSource::File(path)) => format!("LatentScore's: {}", path.display()),
            Some(MapSource::Bundled(_)) => {
                "(the bundled SYNTHETIC training set's, built on first use; Vibes > Embedding map fetches \
                 LatentScore's)"
                    .to_owned()
            }
            None => "(no cache folder: type a map file)".to_owned(),
        };
        ui.add(egui::TextEdit::singleline(map_typed).hint_text(hint).desired_width(420.0)).on_hover_text(
            "An embedding map (LatentScore's stage 10 format): `benchtop vibes build-map` makes one",
        );
        ui.label("neighbours");
        ui.add(egui::DragValue::new(k).range(1..=50)).on_hover_text("How many nearest map rows to show");
    });
}
