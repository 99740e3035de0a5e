//! The eframe app. [`BenchtopApp`] owns the [`AppCtx`] (the shared services and data every panel
//! is handed) and the five panels (`panels/`, one per tab). Each frame, `logic` applies what the
//! workers reported, lets every panel take its finished jobs, and carries out the commands panels
//! sent; `ui` draws the top bar, the status bar, the open tab and the windows panels wait on.
//! What is remembered between runs is [`UiState`], gathered from the panels' settings.

mod ctx;
mod data;
pub mod file_prompt;
pub mod panels;
mod save;
mod status_bar;
mod toasts;
mod unverified;
pub mod widgets;
pub mod window;

pub use ctx::{AppCommand, AppCtx, FitResult, OpenVibes, Pending};
pub use data::{DataSettings, DataState};
pub use panels::audition::{AuditionPanel, AuditionSettings, Rendering, render_job};
pub use panels::ft::{FtPanel, FtSettings};
pub use panels::jobs::{JobsPanel, JobsSettings};
pub use panels::scaling::{Facet, ScalingPanel, ScalingSettings, View as ScalingView};
pub use panels::vibes::{VibesPanel, VibesSettings};
pub use panels::{Panel, PanelView};
pub use save::{ClipToSave, SaveDialog, SaveJob, system_save_dialog};

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::audio::engine::{Backend, CpalBackend, Player};
use crate::jobs::{JobState, Jobs};
use crate::ml::backend::{ComputeProbe, probe_compute};

/// What is remembered between runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiState {
    pub panel: Panel,
    pub notifications_open: bool,
    pub about_open: bool,
    pub data: DataSettings,
    pub audition: AuditionSettings,
    pub scaling: ScalingSettings,
    pub ft: FtSettings,
    pub vibes: VibesSettings,
    #[serde(alias = "ml")]
    pub jobs: JobsSettings,
}

type Prober<T> = Arc<dyn Fn() -> T + Send + Sync>;

/// How the app finds out about the machine and reaches its sound card; tests substitute fixed
/// answers and the mock audio backend.
#[derive(Clone)]
pub struct AppConfig {
    pub probe_compute: Prober<ComputeProbe>,
    /// Makes the audio backend playback opens its streams with.
    pub audio_backend: Prober<Box<dyn Backend>>,
    /// The cache folder; `None`: the platform's (see `benchtop doctor`).
    pub cache_dir: Option<std::path::PathBuf>,
    /// The Hugging Face cache folder Hub files go to; `None`: the one huggingface_hub uses.
    pub hub_cache_dir: Option<std::path::PathBuf>,
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
            hub_cache_dir: None,
            save_dialog: system_save_dialog(),
            initial_data: None,
            burn_on_window_device: true,
        }
    }
}

/// The panels, one per tab.
pub struct Panels {
    pub scaling: ScalingPanel,
    pub ft: FtPanel,
    pub vibes: VibesPanel,
    pub audition: AuditionPanel,
    pub jobs: JobsPanel,
}

impl Panels {
    /// Every panel, for what each does every frame.
    fn all(&mut self) -> [&mut dyn PanelView; 5] {
        [&mut self.scaling, &mut self.ft, &mut self.vibes, &mut self.audition, &mut self.jobs]
    }

    /// The panel of a tab.
    fn get(&mut self, panel: Panel) -> &mut dyn PanelView {
        match panel {
            Panel::ScalingCurves => &mut self.scaling,
            Panel::FtVsPt => &mut self.ft,
            Panel::Vibes => &mut self.vibes,
            Panel::Audition => &mut self.audition,
            Panel::Jobs => &mut self.jobs,
        }
    }
}

pub struct BenchtopApp {
    pub ctx: AppCtx,
    /// The open tab.
    pub panel: Panel,
    pub panels: Panels,
    notifications_open: bool,
    about_open: bool,
    /// The tab drawn last frame, to log switches.
    shown_panel: Option<Panel>,
}

/// Runs a probe as a job whose final message is the probe's verdict.
fn probe_job<T: Send + 'static>(
    jobs: &mut Jobs,
    (name, doing): (&str, &'static str),
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
        let mut state: UiState =
            cc.storage.and_then(|storage| eframe::get_value(storage, eframe::APP_KEY)).unwrap_or_default();
        if let Some(file) = &config.initial_data {
            state.data.file = Some(file.clone());
        }
        let egui_ctx = cc.egui_ctx.clone();
        let mut jobs = Jobs::with_default_workers(Arc::new(move || egui_ctx.request_repaint()));
        // Probed on workers: the first frame never waits for a driver.
        let compute = probe_job(
            &mut jobs,
            ("Probe compute backend", "asking wgpu for adapters"),
            config.probe_compute.clone(),
            ComputeProbe::status_text,
        );
        // Opens the default output on its own thread: the first frame never waits for it.
        let mut player = Player::new((config.audio_backend)());
        player.set_volume(state.audition.volume);
        player.set_looping(state.audition.looping);
        let cache = config
            .cache_dir
            .clone()
            .map(Ok)
            .unwrap_or_else(|| crate::paths::Folders::discover().map(|f| f.cache));
        let (cache, no_cache) = match cache {
            Ok(cache) => (Some(cache), None),
            Err(err) => (None, Some(err)),
        };
        let hub = config
            .hub_cache_dir
            .clone()
            .map_or_else(crate::hub::HubCache::discover, crate::hub::HubCache::at);
        let mut ctx = AppCtx::new(jobs, player, compute, (config.save_dialog.clone(), cache, hub));
        if let Some(err) = no_cache {
            ctx.notifications.error("No cache folder: fetching from the Hub is off", &err);
        }
        ctx.data.settings = state.data.clone();
        ctx.data.load_initial(&mut ctx.jobs);
        let mut vibes = VibesPanel::new(state.vibes.clone());
        vibes.load_initial(&mut ctx.jobs);
        let mut jobs_panel = JobsPanel::new(state.jobs.clone());
        // burn's wgpu jobs run on the window's own device (made with what burn needs: see
        // `window::wgpu_configuration`).
        if let Some(render) = cc.wgpu_render_state.as_ref().filter(|_| config.burn_on_window_device) {
            let info = render.adapter.get_info();
            crate::ml::backend::share_wgpu(burn::tensor::wgpu::WgpuSetup {
                instance: render.instance.clone(),
                adapter: render.adapter.clone(),
                device: render.device.clone(),
                queue: render.queue.clone(),
                backend: info.backend,
            });
            jobs_panel.state.window_adapter = Some(crate::ml::backend::summarize(&info));
        }
        let panels = Panels {
            scaling: ScalingPanel::new(state.scaling),
            ft: FtPanel::new(state.ft),
            vibes,
            audition: AuditionPanel::new(state.audition),
            jobs: jobs_panel,
        };
        Self {
            ctx,
            panel: state.panel,
            panels,
            notifications_open: state.notifications_open,
            about_open: state.about_open,
            shown_panel: None,
        }
    }

    /// What is remembered between runs, as it stands now.
    pub fn ui_state(&self) -> UiState {
        UiState {
            panel: self.panel,
            notifications_open: self.notifications_open,
            about_open: self.about_open,
            data: self.ctx.data.settings.clone(),
            audition: self.panels.audition.settings.clone(),
            scaling: self.panels.scaling.settings.clone(),
            ft: self.panels.ft.settings.clone(),
            vibes: self.panels.vibes.settings.clone(),
            jobs: self.panels.jobs.settings.clone(),
        }
    }

    /// The compute backend, once probed.
    pub fn compute(&self) -> Option<&ComputeProbe> {
        self.ctx.compute()
    }

    /// Whether the audio output has been opened or found missing.
    pub fn audio_settled(&self) -> bool {
        !matches!(self.ctx.player.status(), crate::audio::engine::Status::Opening)
    }

    /// The DataDecide dataset loaded now.
    pub fn dataset(&self) -> Option<&crate::datadecide::dataset::Dataset> {
        self.ctx.data.dataset.as_ref()
    }

    /// Applies what the workers reported: job states (failures become toasts), probes, playback.
    fn apply_reports(&mut self) {
        let ctx = &mut self.ctx;
        for ended in ctx.jobs.poll() {
            match &ended.state {
                // Not a failure of the work: the panel asks for the path in its own field.
                JobState::Failed(cause) if cause.contains(file_prompt::NO_DIALOG) => {
                    ctx.notifications.warning(format!("{}: no file dialog", ended.name), cause.clone());
                }
                JobState::Failed(cause) => {
                    ctx.notifications.error_text(format!("Job \"{}\" failed", ended.name), cause.clone());
                }
                _ => {}
            }
        }
        ctx.compute.update();
        ctx.player.poll();
        ctx.data.poll(&mut ctx.jobs, &mut ctx.notifications);
    }

    /// Carries out the commands panels sent.
    fn apply_commands(&mut self) {
        for command in self.ctx.take_commands() {
            match command {
                AppCommand::Open(panel) => self.panel = panel,
                AppCommand::ShowOnScaling { metric } => {
                    self.panels.scaling.show_metric(metric);
                    self.panel = Panel::ScalingCurves;
                }
                AppCommand::Audition(config) => {
                    self.panels.audition.audition(*config, &mut self.ctx.jobs);
                    self.panel = Panel::Audition;
                }
                AppCommand::OpenInVibes(path) => {
                    self.panels.vibes.open_path(&mut self.ctx.jobs, path);
                    self.panel = Panel::Vibes;
                }
            }
        }
    }

    fn shortcuts(&mut self, egui: &egui::Context) {
        let open = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
        if egui.input_mut(|i| i.consume_shortcut(&open)) {
            self.ctx.data.open_file(&mut self.ctx.jobs);
        }
        for panel in Panel::ALL {
            if egui.input_mut(|i| i.consume_shortcut(&panel.shortcut())) {
                self.panel = panel;
            }
        }
        self.panels.get(self.panel).shortcuts(egui, &mut self.ctx);
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("top_bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong("benchtop");
                ui.separator();
                for panel in Panel::ALL {
                    let hint =
                        format!("Open {} ({})", panel.label(), ui.ctx().format_shortcut(&panel.shortcut()));
                    ui.selectable_value(&mut self.panel, panel, panel.label()).on_hover_text(hint);
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.menu_button("Help", |ui| {
                        if ui.button("About benchtop").clicked() {
                            self.about_open = true;
                        }
                    });
                    ui.menu_button("Data", |ui| data::menu(ui, &mut self.ctx));
                });
            });
        });
    }

    fn about_window(&mut self, egui: &egui::Context) {
        egui::Window::new("About benchtop").open(&mut self.about_open).resizable(false).show(egui, |ui| {
            ui.label(format!("benchtop {}", crate::build_info::PKG_VERSION));
            ui.label(
                "A native workbench for DataDecide scaling curves, FT-vs-PT comparisons, \
                 LatentScore vibes and their audio, and burn jobs.",
            );
            ui.separator();
            ui.label("DataDecide data: © Allen Institute for AI (AllenAI), shown with attribution.");
            ui.label("The synth and the music config schema follow LatentScore (Apache-2.0).");
        });
    }
}

impl eframe::App for BenchtopApp {
    fn logic(&mut self, egui: &egui::Context, _frame: &mut eframe::Frame) {
        self.apply_reports();
        for panel in self.panels.all() {
            panel.logic(egui, &mut self.ctx);
        }
        self.apply_commands();
        self.shortcuts(egui);
        // Running jobs show elapsed time and ETA: refresh them even when nothing is reported.
        if self.ctx.jobs.active().next().is_some() {
            egui.request_repaint_after(Duration::from_millis(500));
        }
        if let Some(expiry) = self.ctx.notifications.next_expiry() {
            let wait = expiry.duration_since(SystemTime::now()).unwrap_or_default();
            egui.request_repaint_after(wait + Duration::from_millis(50));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.top_bar(ui);
        if self.shown_panel != Some(self.panel) {
            self.shown_panel = Some(self.panel);
            tracing::debug!("opened panel {}", self.panel.label());
        }
        if status_bar::show(ui, &mut self.ctx, &mut self.notifications_open) {
            self.panel = Panel::Jobs;
        }
        egui::CentralPanel::default().show(ui, |ui| self.panels.get(self.panel).ui(ui, &mut self.ctx));
        let egui = ui.ctx().clone();
        toasts::show_toasts(&egui, &mut self.ctx.notifications);
        toasts::show_log(&egui, &mut self.ctx.notifications, &mut self.notifications_open);
        self.about_window(&egui);
        data::windows(&egui, &mut self.ctx);
        for panel in self.panels.all() {
            panel.windows(&egui, &mut self.ctx);
        }
        // What the panels asked for takes effect now; the next frame draws it.
        if self.ctx.has_commands() {
            self.apply_commands();
            egui.request_repaint();
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.ui_state());
    }
}
