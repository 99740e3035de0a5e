//! The DataDecide data of the app: which table is loaded, the Data menu that opens, fetches and
//! builds tables (all on workers), and the settings those use. It lives in the [`AppCtx`]: the
//! Scaling and Jobs panels read the table.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::AppCtx;
use crate::datadecide::dataset::{self, Dataset};
use crate::datadecide::hub::{Caches, DEFAULT_BASE_URL, HubSource};
use crate::jobs::{JobId, Jobs};
use crate::notify::Notifications;

/// Remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataSettings {
    /// The table opened last (none: the bundled demo).
    pub file: Option<PathBuf>,
    pub hub_base_url: String,
    /// Empty: the pinned revisions.
    pub hub_revision: String,
}

impl Default for DataSettings {
    fn default() -> Self {
        Self { file: None, hub_base_url: DEFAULT_BASE_URL.to_owned(), hub_revision: String::new() }
    }
}

impl DataSettings {
    pub fn hub_source(&self) -> HubSource {
        let revision = self.hub_revision.trim();
        HubSource {
            base_url: self.hub_base_url.trim().to_owned(),
            revision: (!revision.is_empty()).then(|| revision.to_owned()),
        }
    }
}

/// The loaded dataset and the one job that may be replacing it.
#[derive(Default)]
pub struct DataState {
    pub settings: DataSettings,
    pub dataset: Option<Dataset>,
    /// A job that ends with a dataset (or with none, when a file dialog was dismissed).
    /// (The Hub source and cache of a fetch, to retry it unchecked if it cannot be verified.)
    pending: crate::jobs::Latest<Option<Dataset>, Option<(HubSource, Caches)>>,
    /// Whether the pending load was asked for by the user (and earns a "Loaded" note).
    announce: bool,
    pub settings_open: bool,
    /// A fetch that stopped because its files could not be verified, waiting for the user's word.
    unverified: Option<super::unverified::Ask<(HubSource, Caches)>>,
    /// A path asked for in benchtop's own field (the system dialog could not open).
    open_prompt: Option<super::file_prompt::PathPrompt>,
}

impl DataState {
    /// The job loading data now, if any.
    pub fn pending_job(&self) -> Option<JobId> {
        self.pending.id()
    }

    fn start(
        &mut self,
        jobs: &mut Jobs,
        name: &str,
        work: impl FnOnce(&crate::jobs::JobCtx) -> anyhow::Result<Option<Dataset>> + Send + 'static,
    ) {
        self.pending.start_with(jobs, name, None, work);
        self.announce = true;
    }

    /// Opens the remembered file, or the bundled demo when there is none.
    pub fn load_initial(&mut self, jobs: &mut Jobs) {
        match self.settings.file.clone() {
            Some(path) => self.start(jobs, "Open the last DataDecide table", move |ctx| {
                ctx.message(format!("reading {}", path.display()));
                Dataset::open(&path).map(Some)
            }),
            None => self.load_demo(jobs),
        }
        self.announce = false;
    }

    pub fn load_demo(&mut self, jobs: &mut Jobs) {
        self.start(jobs, "Open the synthetic demo data", |ctx| {
            ctx.message("reading the bundled synthetic demo table");
            Dataset::demo().map(Some)
        });
    }

    /// Asks for a file (the dialog runs on the worker) and opens it.
    pub fn open_file(&mut self, jobs: &mut Jobs) {
        self.start(jobs, "Open a DataDecide table", |ctx| {
            ctx.message("choosing a file");
            let tables: &[(&str, &[&str])] = &[("Tables", &["parquet", "csv"])];
            let answer = super::file_prompt::open("Open a mean_eval_melted table", tables, false);
            let Some(path) = answer.path()? else { return Ok(None) };
            ctx.message(format!("reading {}", path.display()));
            Dataset::open(&path).map(Some)
        });
    }

    /// Opens a table file on a worker.
    pub fn open_path(&mut self, jobs: &mut Jobs, path: PathBuf) {
        self.start(jobs, "Open a DataDecide table", move |ctx| {
            ctx.message(format!("reading {}", path.display()));
            Dataset::open(&path).map(Some)
        });
    }

    /// Fetches the Hub's files (`no_verify`: even those the listing gives no size and SHA-256
    /// for, which the user agreed to), builds the tables and opens them.
    pub fn fetch_and_build(&mut self, jobs: &mut Jobs, source: HubSource, caches: Caches, no_verify: bool) {
        self.pending.start_with(
            jobs,
            "Fetch and build DataDecide",
            Some((source.clone(), caches.clone())),
            move |ctx| dataset::fetch_and_build(&source, &caches, no_verify, ctx).map(Some),
        );
        self.announce = true;
    }

    /// The questions the data may be waiting on: a fetch unverified, a path to open.
    fn prompts(&mut self, ctx: &egui::Context, jobs: &mut Jobs) {
        if let Some((source, caches)) = super::unverified::window(ctx, &mut self.unverified) {
            self.fetch_and_build(jobs, source, caches, true);
        }
        if let Some(path) = super::file_prompt::PathPrompt::show(ctx, &mut self.open_prompt) {
            self.open_path(jobs, path);
        }
    }

    /// Takes a finished load: the new dataset replaces the old one and is remembered. A failed
    /// first load falls back to the demo.
    pub fn poll(&mut self, jobs: &mut Jobs, notifications: &mut Notifications) {
        let Some((_, fetch, result)) = self.pending.take_with() else { return };
        match result {
            Ok(Some(dataset)) => {
                let is_demo = dataset.source.path.as_os_str() == dataset::DEMO_LONG_FILE;
                tracing::info!("loaded {} ({} rows)", dataset.source.label(), dataset.table.len());
                self.settings.file = (!is_demo).then(|| dataset.source.path.clone());
                if self.announce {
                    notifications.success(format!(
                        "Loaded {} ({} rows)",
                        dataset.source.label(),
                        dataset.table.len()
                    ));
                }
                self.dataset = Some(dataset);
            }
            Ok(None) => {}
            Err(err) => {
                // The job's failure is already a toast; keep what was loaded, or fall back to the demo.
                tracing::warn!("loading data failed: {err}");
                if let (Some(why), Some(retry)) = (super::unverified::reason(&err), fetch) {
                    self.unverified =
                        Some(super::unverified::Ask { what: "the DataDecide files".into(), why, retry });
                }
                if super::file_prompt::no_dialog(&err) {
                    let default = super::file_prompt::default_folder();
                    self.open_prompt = Some(super::file_prompt::PathPrompt::new(
                        "Open a DataDecide table",
                        &default,
                        "Open",
                    ));
                }
                if self.dataset.is_none() {
                    self.settings.file = None;
                    self.load_demo(jobs);
                    self.announce = false;
                }
            }
        }
    }
}

/// The Data menu's entries.
pub fn menu(ui: &mut egui::Ui, ctx: &mut AppCtx) {
    let (state, jobs, cache, hub) = (&mut ctx.data, &mut ctx.jobs, ctx.cache.as_ref(), &ctx.hub);
    if ui.button("Open table…  (Ctrl+O)").clicked() {
        state.open_file(jobs);
        ui.close();
    }
    let fetch = ui.add_enabled(cache.is_some(), egui::Button::new("Fetch and build from the Hub"));
    let fetch = fetch.on_hover_text(format!(
        "Downloads the ppl and eval files of AllenAI's DataDecide ({}), builds mean_eval_melted and opens it",
        state.settings.hub_source().base_url
    ));
    if fetch.clicked() {
        if let Some(cache) = cache {
            let source = state.settings.hub_source();
            let caches = Caches { hub: hub.clone(), benchtop: Some(cache.clone()) };
            state.fetch_and_build(jobs, source, caches, false);
        }
        ui.close();
    }
    if ui.button("Use the synthetic demo data").clicked() {
        state.load_demo(jobs);
        ui.close();
    }
    ui.separator();
    if ui.button("Hub settings…").clicked() {
        state.settings_open = true;
        ui.close();
    }
}

/// The data's windows: the Hub settings, and the questions a load may be waiting on.
pub fn windows(egui: &egui::Context, ctx: &mut AppCtx) {
    let state = &mut ctx.data;
    let settings = &mut state.settings;
    egui::Window::new("Hub settings").open(&mut state.settings_open).resizable(false).show(egui, |ui| {
        egui::Grid::new("hub_settings").num_columns(2).show(ui, |ui| {
            ui.label("Base URL");
            ui.text_edit_singleline(&mut settings.hub_base_url);
            ui.end_row();
            ui.label("Revision");
            ui.add(egui::TextEdit::singleline(&mut settings.hub_revision).hint_text("pinned commits"));
            ui.end_row();
        });
        ui.weak("A mirror or a local server with the Hub's layout can replace huggingface.co.");
        if ui.button("Reset").clicked() {
            *settings = DataSettings { file: settings.file.clone(), ..Default::default() };
        }
    });
    state.prompts(egui, &mut ctx.jobs);
}
