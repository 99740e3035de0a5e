//! The Jobs panel: start burn jobs (on the chosen backend), every background job with its
//! progress, and the selected one's live metrics, log and results. The scaling-law fit is in
//! `fit`, the vibe-to-config model in `vibe_model`.

mod fast_model;
mod fit;
pub mod vibe_model;

use serde::{Deserialize, Serialize};

use super::PanelView;
use crate::app::AppCtx;
use crate::app::widgets::clock;
use crate::jobs::{JobId, JobState, JobStatus, Jobs};
use crate::ml::backend::{AdapterSummary, Backend, ComputeProbe};
use crate::ml::fit::{FitOptions, SolveOptions};

/// Remembered between runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobsSettings {
    /// The backend picked by the user; `None`: the probe's default.
    pub backend: Option<Backend>,
    pub fit: FitOptions,
    /// Adam iterations of the fit's two steps.
    pub solve: SolveOptions,
    pub vibe: vibe_model::VibeModelSettings,
}

/// The Jobs tab.
#[derive(Default)]
pub struct JobsPanel {
    pub settings: JobsSettings,
    pub state: JobsState,
}

/// This run's part of the Jobs panel: the burn jobs it started and what they left.
#[derive(Default)]
pub struct JobsState {
    pub fit: fit::FitJob,
    /// The vibe-to-config model's jobs and results.
    pub vibe: vibe_model::VibeModelState,
    /// The adapter the window draws with, when burn shares its wgpu device.
    pub window_adapter: Option<AdapterSummary>,
    /// The job whose details are shown.
    pub selected: Option<JobId>,
    /// Open the fit's results on the next frame.
    fit_open: bool,
    /// Scroll to the results group that a job's Results link opened.
    scroll_to: Option<Results>,
}

/// Which results a finished job left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Results {
    Fit,
    VibeModel,
}

impl JobsPanel {
    pub fn new(settings: JobsSettings) -> Self {
        Self { settings, state: JobsState::default() }
    }
}

impl PanelView for JobsPanel {
    fn logic(&mut self, _egui: &egui::Context, ctx: &mut AppCtx) {
        self.state.vibe.poll(&mut ctx.notifications);
        if self.state.fit.poll(&mut ctx.fit, &mut ctx.notifications) {
            self.state.fit_open = true;
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        show(ui, &mut self.state, &mut self.settings, ctx);
    }
}

/// The backend jobs run on: the user's pick, or the probe's default.
pub fn backend(settings: &JobsSettings, probe: Option<&ComputeProbe>) -> Backend {
    settings.backend.unwrap_or_else(|| probe.map_or(Backend::Cpu, Backend::default_for))
}

fn backend_picker(
    ui: &mut egui::Ui,
    settings: &mut JobsSettings,
    state: &JobsState,
    probe: Option<&ComputeProbe>,
) {
    let chosen = backend(settings, probe);
    // The wgpu adapter burn would use: the window's, else the probe's first.
    let adapter = state.window_adapter.clone().or_else(|| probe.and_then(|p| p.adapters.first().cloned()));
    let wgpu_text = match &adapter {
        Some(a) if a.software => format!("wgpu · {} (software: first kernels compile slowly)", a.name),
        Some(a) => format!("wgpu · {}", a.name),
        None => "wgpu (no adapter found)".to_owned(),
    };
    let text = |b: Backend| match b {
        Backend::Cpu => "CPU · burn flex".to_owned(),
        Backend::Wgpu => wgpu_text.clone(),
    };
    ui.horizontal(|ui| {
        ui.label("Run burn on");
        egui::ComboBox::from_id_salt("ml_backend")
            .selected_text(text(chosen))
            .width(360.0)
            .show_ui(ui, |ui| {
                for b in [Backend::Cpu, Backend::Wgpu] {
                    if ui.selectable_label(chosen == b, text(b)).clicked() {
                        settings.backend = Some(b);
                    }
                }
            })
            .response
            .accessible_name("Backend");
        if settings.backend.is_some()
            && ui.small_button("Default").on_hover_text("Use the probe's choice").clicked()
        {
            settings.backend = None;
        }
        if settings.backend.is_none() {
            ui.weak(match probe.map(|p| &p.choice) {
                Some(crate::ml::backend::ComputeChoice::Cpu { why }) => format!("(default: {why})"),
                Some(_) => "(default: the hardware adapter)".to_owned(),
                None => "(probing…)".to_owned(),
            });
        }
    });
}

/// The buttons that start burn jobs; returns the job started, if any.
fn start_controls(
    ui: &mut egui::Ui,
    state: &mut JobsState,
    settings: &mut JobsSettings,
    ctx: &mut AppCtx,
) -> Option<JobId> {
    let mut started = None;
    ui.group(|ui| {
        ui.strong("Start a burn job");
        backend_picker(ui, settings, state, ctx.compute());
        ui.separator();
        ui.label("DataDecide: scaling laws");
        started = fit::controls(ui, &mut state.fit, settings, ctx);
        ui.separator();
        ui.label("LatentScore: vibe-to-config model");
        let backend = backend(settings, ctx.compute());
        let trained = vibe_model::controls(ui, &mut state.vibe, &mut settings.vibe, ctx, backend);
        started = started.or(trained);
    });
    started
}

fn show(ui: &mut egui::Ui, state: &mut JobsState, settings: &mut JobsSettings, ctx: &mut AppCtx) {
    ui.heading("Background jobs");
    // A burn job started here opens its details (live plots, log) at once.
    if let Some(started) = start_controls(ui, state, settings, ctx) {
        state.selected = Some(started);
    }
    ui.add_space(6.0);
    egui::ScrollArea::vertical().id_salt("jobs_scroll").show(ui, |ui| {
        if ctx.jobs.statuses().is_empty() {
            ui.label("No jobs yet.");
        } else {
            // Which results a finished job left (its Results link opens them).
            let (fit_from, has_fit, vibe) = (state.fit.shown_from, ctx.fit.is_some(), &state.vibe);
            let results = move |id| {
                if fit_from == Some(id) && has_fit {
                    Some(Results::Fit)
                } else {
                    vibe.shows_results_of(id).then_some(Results::VibeModel)
                }
            };
            if let Some(which) = job_list(ui, &mut ctx.jobs, &mut state.selected, results) {
                match which {
                    Results::Fit => state.fit_open = true,
                    Results::VibeModel => state.vibe.results_open = true,
                }
                state.scroll_to = Some(which);
            }
            if let Some(job) = state.selected.and_then(|id| ctx.jobs.status(id)) {
                ui.separator();
                details(ui, job);
            }
        }
        results_groups(ui, state, ctx);
    });
}

/// The fit's and the vibe model's results, each in a group opened when its job ends.
fn results_groups(ui: &mut egui::Ui, state: &mut JobsState, ctx: &mut AppCtx) {
    if let Some(result) = ctx.fit.clone() {
        ui.separator();
        let open = egui::CollapsingHeader::new("Scaling-law fit: results")
            .open(state.fit_open.then_some(true))
            .show(ui, |ui| fit::results(ui, &result, ctx));
        state.fit_open = false;
        if state.scroll_to.take_if(|w| *w == Results::Fit).is_some() {
            open.header_response.scroll_to_me(Some(egui::Align::TOP));
        }
    }
    let vibe = &mut state.vibe;
    if vibe.report.is_some() || vibe.predicted.is_some() || vibe.batch_result.is_some() {
        ui.separator();
        let open = egui::CollapsingHeader::new("Vibe-to-config model: results")
            .open(vibe.results_open.then_some(true))
            .show(ui, |ui| vibe_model::results(ui, vibe, ctx));
        vibe.results_open = false;
        if state.scroll_to.take_if(|w| *w == Results::VibeModel).is_some() {
            open.header_response.scroll_to_me(Some(egui::Align::TOP));
        }
    }
}

/// The jobs, newest first; returns which results a job's Results link asked for.
fn job_list(
    ui: &mut egui::Ui,
    jobs: &mut Jobs,
    selected: &mut Option<JobId>,
    results_of: impl Fn(JobId) -> Option<Results>,
) -> Option<Results> {
    let mut cancel = None;
    let mut show = None;
    egui::Grid::new("jobs_grid").striped(true).num_columns(6).show(ui, |ui| {
        for header in ["Job", "State", "Progress", "Elapsed", "ETA", ""] {
            ui.strong(header);
        }
        ui.end_row();
        for job in jobs.statuses().iter().rev() {
            let picked = *selected == Some(job.id);
            if ui.selectable_label(picked, format!("{} {}", job.id, job.name)).clicked() {
                *selected = if picked { None } else { Some(job.id) };
            }
            state_label(ui, &job.state);
            let bar = match job.fraction {
                Some(f) => egui::ProgressBar::new(f).show_percentage(),
                None => egui::ProgressBar::new(0.0).animate(job.state == JobState::Running),
            };
            ui.add(bar.text(job.message.clone()).desired_width(420.0)).on_hover_text(&job.message);
            ui.label(clock(job.elapsed()));
            ui.label(job.eta().map_or_else(|| "–".to_owned(), clock));
            if !job.state.is_finished() {
                if ui.button("Cancel").clicked() {
                    cancel = Some(job.id);
                }
            } else if let Some(which) = results_of(job.id) {
                if ui.link("Results").on_hover_text("Open this job's results below").clicked() {
                    show = Some(which);
                }
            } else {
                ui.label("");
            }
            ui.end_row();
        }
    });
    if let Some(id) = cancel {
        jobs.cancel(id);
    }
    ui.add_space(6.0);
    if ui.button("Clear finished").clicked() {
        jobs.clear_finished();
    }
    show
}

fn state_label(ui: &mut egui::Ui, state: &JobState) {
    let text = egui::RichText::new(state.label());
    match state {
        JobState::Failed(cause) => {
            ui.label(text.color(ui.visuals().error_fg_color)).on_hover_text(cause);
        }
        JobState::Done => {
            ui.label(text.color(egui::Color32::from_rgb(60, 170, 90)));
        }
        _ => {
            ui.label(text);
        }
    }
}

fn details(ui: &mut egui::Ui, job: &JobStatus) {
    ui.strong(format!("{} {}", job.id, job.name));
    if let JobState::Failed(cause) = &job.state {
        ui.colored_label(ui.visuals().error_fg_color, format!("Failed: {cause}"));
    }
    // One plot per series, side by side: a loss and an accuracy have different units.
    if !job.metrics.is_empty() {
        let columns = job.metrics.len().min(2);
        ui.columns(columns, |cols| {
            for (i, (name, points)) in job.metrics.iter().enumerate() {
                let ui = &mut cols[i % columns];
                ui.label(egui::RichText::new(name).strong());
                let last = points.last().map_or(String::new(), |p| format!("{:.4} at step {}", p[1], p[0]));
                ui.weak(last);
                egui_plot::Plot::new(("job_metric", job.id, i)).height(200.0).x_axis_label("step").show(
                    ui,
                    |plot| {
                        plot.line(egui_plot::Line::new(
                            name.clone(),
                            egui_plot::PlotPoints::from(points.clone()),
                        ));
                    },
                );
            }
        });
    }
    ui.label("Log:");
    egui::ScrollArea::vertical().id_salt("job_log").max_height(160.0).stick_to_bottom(true).show(ui, |ui| {
        if job.log.is_empty() {
            ui.weak("(empty)");
        }
        for line in &job.log {
            ui.monospace(line);
        }
    });
}
