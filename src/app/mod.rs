//! The eframe app: tabs, status bar, toasts. `logic` applies what workers reported; `ui` only
//! draws and records what the user asked for. Each panel lives in its own module.

mod audition;
pub use audition::{AuditionSettings, AuditionState, Rendering, presets, render_job};
mod data;
pub use data::DataSettings;
mod ft_panel;
pub use ft_panel::FtSettings;
mod jobs_panel;
pub use jobs_panel::{MlSettings, MlState};
mod scaling;
pub use scaling::{Facet, ScalingSettings, View as ScalingView};
pub mod file_prompt;
mod status_bar;
mod toasts;
mod unverified;
mod vibe_model;
mod vibes_panel;
pub use vibes_panel::{VibesSettings, VibesState};

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::audio::engine::{Backend, CpalBackend, Player};
use crate::jobs::{JobHandle, JobState, Jobs};
use crate::ml::backend::{ComputeProbe, probe_compute};
use crate::notify::Notifications;

/// The label every view of synthetic data carries.
pub(crate) fn synthetic_badge(ui: &mut egui::Ui, hover: &str) {
    ui.label(
        egui::RichText::new(" SYNTHETIC ")
            .strong()
            .color(egui::Color32::BLACK)
            .background_color(egui::Color32::from_rgb(240, 180, 60)),
    )
    .on_hover_text(hover);
}

/// The panels, one per capability, in tab order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Panel {
    #[default]
    ScalingCurves,
    FtVsPt,
    Vibes,
    Audition,
    Jobs,
}

impl Panel {
    pub const ALL: [Panel; 5] = [Self::ScalingCurves, Self::FtVsPt, Self::Vibes, Self::Audition, Self::Jobs];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::ScalingCurves => "Scaling curves",
            Self::FtVsPt => "FT vs PT",
            Self::Vibes => "Vibes",
            Self::Audition => "Audition",
            Self::Jobs => "Jobs",
        }
    }

    /// The keyboard key that opens it with Ctrl (Cmd on macOS).
    fn key(self) -> egui::Key {
        match self {
            Self::ScalingCurves => egui::Key::Num1,
            Self::FtVsPt => egui::Key::Num2,
            Self::Vibes => egui::Key::Num3,
            Self::Audition => egui::Key::Num4,
            Self::Jobs => egui::Key::Num5,
        }
    }

    fn shortcut(self) -> egui::KeyboardShortcut {
        egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, self.key())
    }
}

/// What is remembered between runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiState {
    pub panel: Panel,
    pub notifications_open: bool,
    pub about_open: bool,
    pub data: data::DataSettings,
    pub audition: audition::AuditionSettings,
    pub scaling: scaling::ScalingSettings,
    pub ft: ft_panel::FtSettings,
    pub vibes: vibes_panel::VibesSettings,
    pub ml: jobs_panel::MlSettings,
}

type Prober<T> = Arc<dyn Fn() -> T + Send + Sync>;

/// Asks where to save a file: (suggested file name, filter name, extension) to an answer. Runs on
/// a worker. The app uses the system dialog (rfd); tests answer with paths of their own.
pub type SaveDialog = Arc<dyn Fn(&str, &str, &str) -> file_prompt::DialogAnswer + Send + Sync>;

type Writer = Box<dyn FnOnce(&crate::jobs::JobCtx, &std::path::Path) -> anyhow::Result<()> + Send>;
/// A save's writer, shared by its job and the path prompt (whichever runs it takes it).
type SharedWriter = Arc<std::sync::Mutex<Option<Writer>>>;

/// A save-to-file job slot: asks where to save (the dialog runs on the worker), then writes
/// there. A new save replaces (and cancels) the one before. Where the system dialog cannot open,
/// the job says so and [`SaveJob::prompt`] asks for the path in benchtop's own window, then writes.
#[derive(Default)]
pub(crate) struct SaveJob {
    job: crate::jobs::Latest<Option<std::path::PathBuf>>,
    /// The last save's writer (until it runs), title and suggested name, for the prompt.
    pending: Option<(SharedWriter, String, String)>,
    prompt: Option<file_prompt::PathPrompt>,
}

impl SaveJob {
    /// `what` names the file type in the dialog's filter; `write` writes the chosen path.
    pub fn start(
        &mut self,
        jobs: &mut Jobs,
        title: impl Into<String>,
        save: &SaveDialog,
        name: String,
        (what, extension): (&'static str, &'static str),
        write: impl FnOnce(&crate::jobs::JobCtx, &std::path::Path) -> anyhow::Result<()> + Send + 'static,
    ) {
        let title = title.into();
        let writer: SharedWriter = Arc::new(std::sync::Mutex::new(Some(Box::new(write))));
        self.pending = Some((writer.clone(), title.clone(), name.clone()));
        self.prompt = None;
        let save = save.clone();
        self.job.start(jobs, title, move |ctx| {
            ctx.message("choosing where to save");
            let Some(path) = save(&name, what, extension).path()? else { return Ok(None) };
            Self::write(ctx, &writer, path).map(Some)
        });
    }

    fn write(
        ctx: &crate::jobs::JobCtx,
        writer: &SharedWriter,
        path: std::path::PathBuf,
    ) -> anyhow::Result<std::path::PathBuf> {
        let write = writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        let write = write.ok_or_else(|| anyhow::anyhow!("this export was already written"))?;
        ctx.message(format!("writing {}", path.display()));
        write(ctx, &path)?;
        Ok(path)
    }

    /// Where a finished save wrote (nothing while it runs, or when it was dismissed or failed: a
    /// failure is a toast already). A save whose dialog could not open asks for a path instead.
    pub fn finished(&mut self) -> Option<std::path::PathBuf> {
        match self.job.take()?.1 {
            Ok(path) => path,
            Err(err) => {
                if file_prompt::no_dialog(&err)
                    && let Some((_, title, name)) = &self.pending
                {
                    let default = file_prompt::default_folder().join(name);
                    self.prompt = Some(file_prompt::PathPrompt::new(title.clone(), &default, "Save"));
                }
                None
            }
        }
    }

    /// Announces a finished save.
    pub fn poll(&mut self, notifications: &mut Notifications) {
        if let Some(path) = self.finished() {
            notifications.success(format!("Saved {}", path.display()));
        }
    }

    /// Benchtop's own path field, while a save waits for one; writes there when confirmed.
    pub fn prompt(&mut self, ctx: &egui::Context, jobs: &mut Jobs) {
        let Some(path) = file_prompt::PathPrompt::show(ctx, &mut self.prompt) else { return };
        let Some((writer, title, _)) = self.pending.clone() else { return };
        self.job.start(jobs, title, move |ctx| Self::write(ctx, &writer, path).map(Some));
    }
}

/// A running job's progress bar (its message inside, unless `text` is given) and its Cancel
/// button, in the current row.
pub(crate) fn job_progress(
    ui: &mut egui::Ui,
    jobs: &Jobs,
    id: crate::jobs::JobId,
    text: Option<String>,
    width: f32,
    name: &str,
) {
    let Some(job) = jobs.status(id) else { return };
    let bar = match job.fraction {
        Some(f) => egui::ProgressBar::new(f),
        None => egui::ProgressBar::new(0.0).animate(true),
    };
    ui.add(bar.text(text.unwrap_or_else(|| job.message.clone())).desired_width(width)).accessible_name(name);
    if ui.small_button("Cancel").clicked() {
        jobs.cancel(id);
    }
}

/// The system's save dialog.
pub fn system_save_dialog() -> SaveDialog {
    Arc::new(file_prompt::save)
}

/// How the app finds out about the machine and reaches its sound card; tests substitute fixed
/// answers and the mock audio backend.
#[derive(Clone)]
pub struct AppConfig {
    pub probe_compute: Prober<ComputeProbe>,
    /// Makes the audio backend playback opens its streams with.
    pub audio_backend: Prober<Box<dyn Backend>>,
    /// The cache folder; `None`: the platform's (see `benchtop doctor`).
    pub cache_dir: Option<std::path::PathBuf>,
    pub save_dialog: SaveDialog,
    /// A table to open at start instead of the one used last (`benchtop gui --data`).
    pub initial_data: Option<std::path::PathBuf>,
    /// Whether burn's wgpu jobs run on the window's wgpu device (the app's device is made for
    /// it; a test harness's is not).
    pub burn_on_window_device: bool,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            probe_compute: Arc::new(probe_compute),
            audio_backend: Arc::new(|| Box::new(CpalBackend)),
            cache_dir: None,
            save_dialog: system_save_dialog(),
            initial_data: None,
            burn_on_window_device: true,
        }
    }
}

/// A value some worker is finding out.
enum Pending<T> {
    Waiting(JobHandle<T>),
    Ready(T),
    Failed(String),
}

impl<T> Pending<T> {
    /// Takes the job's result if it has ended.
    fn update(&mut self) {
        if let Self::Waiting(handle) = self {
            match handle.try_take() {
                Some(Ok(value)) => *self = Self::Ready(value),
                Some(Err(err)) => *self = Self::Failed(err.to_string()),
                None => {}
            }
        }
    }

    fn ready(&self) -> Option<&T> {
        match self {
            Self::Ready(value) => Some(value),
            _ => None,
        }
    }
}

pub struct BenchtopApp {
    pub state: UiState,
    pub jobs: Jobs,
    pub notifications: Notifications,
    compute: Pending<ComputeProbe>,
    /// Playback through the sound card (or the reason there is none).
    pub player: Player,
    pub audition: AuditionState,
    pub scaling: scaling::ScalingState,
    pub ft: ft_panel::FtState,
    pub vibes: vibes_panel::VibesState,
    /// burn jobs started from the Jobs panel, and their results.
    pub ml: jobs_panel::MlState,
    /// The job whose details the Jobs panel shows.
    selected_job: Option<crate::jobs::JobId>,
    /// The panel drawn last frame, to log switches.
    shown_panel: Option<Panel>,
    pub data: data::DataState,
    /// The cache folder (downloads, built tables), if the platform has one.
    cache: Option<std::path::PathBuf>,
    save_dialog: SaveDialog,
}

/// Runs a probe as a job whose final message is the probe's verdict.
fn probe_job<T: Send + 'static>(
    jobs: &mut Jobs,
    name: &str,
    doing: &'static str,
    probe: Prober<T>,
    verdict: fn(&T) -> String,
) -> Pending<T> {
    Pending::Waiting(jobs.spawn(name, move |ctx| {
        ctx.message(doing);
        let found = probe();
        ctx.progress(1.0, verdict(&found));
        Ok(found)
    }))
}

impl BenchtopApp {
    pub fn new(cc: &eframe::CreationContext<'_>, config: AppConfig) -> Self {
        let state: UiState =
            cc.storage.and_then(|storage| eframe::get_value(storage, eframe::APP_KEY)).unwrap_or_default();
        let ctx = cc.egui_ctx.clone();
        let mut jobs = Jobs::with_default_workers(Arc::new(move || ctx.request_repaint()));
        // Probed on workers: the first frame never waits for a driver.
        let compute = probe_job(
            &mut jobs,
            "Probe compute backend",
            "asking wgpu for adapters",
            config.probe_compute.clone(),
            ComputeProbe::status_text,
        );
        // Opens the default output on its own thread: the first frame never waits for it.
        let mut player = Player::new((config.audio_backend)());
        player.set_volume(state.audition.volume);
        player.set_looping(state.audition.looping);
        let mut audition = AuditionState::default();
        audition.restore(&state.audition);
        let mut notifications = Notifications::default();
        let cache = match config
            .cache_dir
            .clone()
            .map(Ok)
            .unwrap_or_else(|| crate::paths::Folders::discover().map(|f| f.cache))
        {
            Ok(cache) => Some(cache),
            Err(err) => {
                notifications.error("No cache folder: fetching from the Hub is off", &err);
                None
            }
        };
        let mut data = data::DataState::default();
        let mut state = state;
        if let Some(file) = &config.initial_data {
            state.data.file = Some(file.clone());
        }
        data.load_initial(&mut jobs, &state.data);
        let mut vibes = vibes_panel::VibesState::default();
        vibes.load_initial(&mut jobs, &state.vibes);
        // burn's wgpu jobs run on the window's own device (made with what burn needs: see
        // `ml::backend::window_wgpu_setup`).
        let mut ml = jobs_panel::MlState::default();
        if let Some(render) = cc.wgpu_render_state.as_ref().filter(|_| config.burn_on_window_device) {
            let info = render.adapter.get_info();
            crate::ml::backend::share_wgpu(burn::tensor::wgpu::WgpuSetup {
                instance: render.instance.clone(),
                adapter: render.adapter.clone(),
                device: render.device.clone(),
                queue: render.queue.clone(),
                backend: info.backend,
            });
            ml.window_adapter = Some(crate::ml::backend::summarize(&info));
        }
        Self {
            state,
            jobs,
            notifications,
            compute,
            player,
            audition,
            scaling: Default::default(),
            ft: Default::default(),
            vibes,
            ml,
            selected_job: None,
            shown_panel: None,
            data,
            cache,
            save_dialog: config.save_dialog.clone(),
        }
    }

    /// The compute backend, once probed.
    pub fn compute(&self) -> Option<&ComputeProbe> {
        self.compute.ready()
    }

    /// Whether the audio output has been opened or found missing.
    pub fn audio_settled(&self) -> bool {
        !matches!(self.player.status(), crate::audio::engine::Status::Opening)
    }

    /// Applies what the workers reported: job states, finished probes, failures to toasts.
    fn apply_reports(&mut self) {
        for ended in self.jobs.poll() {
            match &ended.state {
                // Not a failure of the work: the panel asks for the path in its own field.
                JobState::Failed(cause) if cause.contains(file_prompt::NO_DIALOG) => {
                    self.notifications.warning(format!("{}: no file dialog", ended.name), cause.clone());
                }
                JobState::Failed(cause) => {
                    self.notifications.error_text(format!("Job \"{}\" failed", ended.name), cause.clone());
                }
                _ => {}
            }
        }
        self.compute.update();
        self.player.poll();
        self.audition.poll(&mut self.player, &mut self.notifications);
        self.ft.poll(&mut self.state.ft, &mut self.notifications);
        self.ml.poll(&mut self.notifications);
        self.vibes.poll(&mut self.jobs, &mut self.state.vibes, &mut self.player, &mut self.notifications);

        if let Some(path) = self.scaling.poll_export() {
            self.notifications.success(format!("Saved {}", path.display()));
        }
        self.data.poll(&mut self.jobs, &mut self.state.data, &mut self.notifications);
    }

    /// The DataDecide dataset loaded now.
    pub fn dataset(&self) -> Option<&crate::datadecide::dataset::Dataset> {
        self.data.dataset.as_ref()
    }

    fn handle_shortcuts(&mut self, ctx: &egui::Context) {
        let open = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
        if ctx.input_mut(|i| i.consume_shortcut(&open)) {
            self.data.open_file(&mut self.jobs);
        }
        for panel in Panel::ALL {
            if ctx.input_mut(|i| i.consume_shortcut(&panel.shortcut())) {
                self.state.panel = panel;
            }
        }
        let export = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::E);
        if self.state.panel == Panel::ScalingCurves
            && ctx.input_mut(|i| i.consume_shortcut(&export))
            && let Some(dataset) = self.data.dataset.clone()
        {
            let save = self.save_dialog.clone();
            self.scaling.export(
                &dataset,
                &self.state.scaling,
                crate::export::Format::Png,
                save,
                &mut self.jobs,
            );
        }
        if self.state.panel == Panel::Vibes {
            vibes_panel::shortcuts(ctx, &mut self.vibes, &self.state.vibes, &mut self.jobs, &mut self.player);
        }
        if self.state.panel == Panel::Audition {
            audition::shortcuts(
                ctx,
                &mut self.audition,
                &mut self.state.audition,
                &mut self.jobs,
                &mut self.player,
            );
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("top_bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong("benchtop");
                ui.separator();
                for panel in Panel::ALL {
                    let hint =
                        format!("Open {} ({})", panel.label(), ui.ctx().format_shortcut(&panel.shortcut()));
                    ui.selectable_value(&mut self.state.panel, panel, panel.label()).on_hover_text(hint);
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.menu_button("Help", |ui| {
                        if ui.button("About benchtop").clicked() {
                            self.state.about_open = true;
                        }
                    });
                    ui.menu_button("Data", |ui| {
                        data::menu(ui, &mut self.data, &self.state.data, &mut self.jobs, self.cache.as_ref());
                    });
                });
            });
        });
    }

    fn about_window(&mut self, ctx: &egui::Context) {
        egui::Window::new("About benchtop").open(&mut self.state.about_open).resizable(false).show(
            ctx,
            |ui| {
                ui.label(format!("benchtop {}", crate::build_info::PKG_VERSION));
                ui.label(
                    "A native workbench for DataDecide scaling curves, FT-vs-PT comparisons, \
                          LatentScore vibes and their audio, and burn jobs.",
                );
                ui.separator();
                ui.label("DataDecide data: © Allen Institute for AI (AllenAI), shown with attribution.");
                ui.label("The synth and the music config schema follow LatentScore (Apache-2.0).");
            },
        );
    }
}

impl eframe::App for BenchtopApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.apply_reports();
        let save = self.save_dialog.clone();
        self.scaling.drive_snapshot(ctx, &save, &mut self.jobs);
        self.handle_shortcuts(ctx);
        // Running jobs show elapsed time and ETA: refresh them even when nothing is reported.
        if self.jobs.active().next().is_some() {
            ctx.request_repaint_after(Duration::from_millis(500));
        }
        if let Some(expiry) = self.notifications.next_expiry() {
            let wait = expiry.duration_since(SystemTime::now()).unwrap_or_default();
            ctx.request_repaint_after(wait + Duration::from_millis(50));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.top_bar(ui);
        if self.shown_panel != Some(self.state.panel) {
            self.shown_panel = Some(self.state.panel);
            tracing::debug!("opened panel {}", self.state.panel.label());
        }
        status_bar::show(ui, self);
        egui::CentralPanel::default().show(ui, |ui| match self.state.panel {
            Panel::ScalingCurves => {
                let save = self.save_dialog.clone();
                let fit = self.data.dataset.as_ref().and_then(|d| self.ml.fit_for(&d.table));
                scaling::show(
                    ui,
                    &self.data,
                    &mut self.state.scaling,
                    &mut self.scaling,
                    &mut self.jobs,
                    save,
                    fit,
                )
            }
            Panel::Jobs => {
                let action = jobs_panel::show(
                    ui,
                    &mut self.jobs,
                    &mut self.selected_job,
                    &mut self.ml,
                    &mut self.state.ml,
                    &self.data,
                    (
                        self.compute.ready(),
                        vibe_model::Inputs {
                            vibes: self.vibes.set.as_ref().map(|set| (set, self.vibes.synthetic())),
                            cache: self.cache.as_deref(),
                        },
                    ),
                );
                match action {
                    Some(jobs_panel::Action::ShowOnScaling(metric)) => {
                        self.state.scaling.view = ScalingView::Curves;
                        self.state.scaling.selection.metric = metric;
                        self.state.scaling.selection.x = crate::datadecide::query::XAxis::Compute;
                        self.state.panel = Panel::ScalingCurves;
                    }
                    Some(jobs_panel::Action::Audition(config)) => {
                        self.audition.edit(*config, &mut self.state.audition, &mut self.jobs);
                        if !self.state.audition.auto_render {
                            self.audition.start_render(&self.state.audition, &mut self.jobs);
                        }
                        self.state.panel = Panel::Audition;
                    }
                    Some(jobs_panel::Action::OpenInVibes(path)) => {
                        self.vibes.open_path(&mut self.jobs, path);
                        self.state.panel = Panel::Vibes;
                    }
                    None => {}
                }
            }
            Panel::FtVsPt => ft_panel::show(ui, &mut self.state.ft, &mut self.ft, &mut self.jobs),
            Panel::Audition => audition::show(
                ui,
                &mut self.audition,
                &mut self.state.audition,
                &mut self.jobs,
                &mut self.player,
                &self.save_dialog,
            ),
            Panel::Vibes => {
                let hub = self.cache.as_ref().map(|cache| (self.state.data.hub_base_url.trim(), cache));
                vibes_panel::show(
                    ui,
                    &mut self.vibes,
                    &mut self.state.vibes,
                    &mut self.jobs,
                    &mut self.player,
                    &self.save_dialog,
                    hub,
                )
            }
        });
        let ctx = ui.ctx().clone();
        toasts::show_toasts(&ctx, &mut self.notifications);
        toasts::show_log(&ctx, &mut self.notifications, &mut self.state.notifications_open);
        self.about_window(&ctx);
        data::settings_window(&ctx, &mut self.data, &mut self.state.data);
        // Questions a panel's work may be waiting on (shown whichever panel is open).
        self.data.prompts(&ctx, &mut self.jobs);
        self.vibes.prompts(&ctx, &mut self.jobs);
        self.ft.open_prompt(&ctx, &mut self.jobs);
        self.scaling.export.prompt(&ctx, &mut self.jobs);
        self.audition.export.prompt(&ctx, &mut self.jobs);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state);
    }
}
