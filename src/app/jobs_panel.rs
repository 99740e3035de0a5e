//! The Jobs panel: start burn jobs (on the chosen backend), every background job with its
//! progress, and the selected one's live metrics, log and results.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::data::DataState;
use super::status_bar::clock;
use crate::datadecide::table::LongTable;
use crate::jobs::{JobId, JobState, JobStatus, Jobs};
use crate::ml::backend::{AdapterSummary, Backend, ComputeProbe};
use crate::ml::fit::{FitOptions, FitReport, SolveOptions};
use crate::notify::Notifications;

/// Remembered between runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MlSettings {
    /// The backend picked by the user; `None`: the probe's default.
    pub backend: Option<Backend>,
    pub fit: FitOptions,
    /// Adam iterations of the fit's two steps.
    pub solve: SolveOptions,
    pub vibe: super::vibe_model::VibeModelSettings,
}

/// What a finished fit is about: the table it was fitted on, and its report.
#[derive(Clone)]
pub struct FitResult {
    pub table: Arc<LongTable>,
    pub report: Arc<FitReport>,
}

/// The burn jobs the panel started and what they left.
#[derive(Default)]
pub struct MlState {
    fit: crate::jobs::Latest<FitReport, Arc<LongTable>>,
    pub fit_result: Option<FitResult>,
    /// The adapter the window draws with, when burn shares its wgpu device.
    pub window_adapter: Option<AdapterSummary>,
    /// Which result the panel shows below the jobs.
    results_open: bool,
    /// The job the fit's results came from.
    fit_job: Option<JobId>,
    /// Scroll to the results group that a job's Results link opened.
    scroll_to: Option<Results>,
    /// The vibe-to-config model's jobs and results.
    pub vibe: super::vibe_model::VibeModelState,
}

/// Which results a finished job left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Results {
    Fit,
    VibeModel,
}

impl MlState {
    fn results_of(&self, id: JobId) -> Option<Results> {
        if self.fit_job == Some(id) && self.fit_result.is_some() {
            Some(Results::Fit)
        } else if self.vibe.shows_results_of(id) {
            Some(Results::VibeModel)
        } else {
            None
        }
    }
}

/// What the panel asks the app to do.
pub enum Action {
    /// Open the Scaling panel on this metric (with the fit's dashed predictions).
    ShowOnScaling(String),
    /// Open this config in the Audition panel and render it.
    Audition(Box<crate::synth::config::MusicConfig>),
    /// Open this LatentScore file in the Vibes panel.
    OpenInVibes(std::path::PathBuf),
}

impl MlState {
    /// Takes finished jobs' results.
    pub fn poll(&mut self, notifications: &mut Notifications) {
        self.vibe.poll(notifications);
        // A failed fit is already a toast through the job.
        if let Some((id, table, Ok(report))) = self.fit.take_with() {
            self.fit_job = Some(id);
            let (acc, mae) = report.overall();
            notifications.success(format!(
                "Scaling laws fitted: {} task × recipe fits, mean |error| {:.4}, decision accuracy {}",
                report.rows.len(),
                mae,
                acc.map_or("–".to_owned(), |a| format!("{:.1}%", 100.0 * a))
            ));
            self.fit_result = Some(FitResult { table, report: Arc::new(report) });
            self.results_open = true;
        }
    }

    /// The fit made on this table, if any.
    pub fn fit_for(&self, table: &Arc<LongTable>) -> Option<&FitReport> {
        self.fit_result.as_ref().filter(|r| Arc::ptr_eq(&r.table, table)).map(|r| r.report.as_ref())
    }

    /// Starts the scaling-law fit of a table on a backend.
    pub fn start_fit(
        &mut self,
        jobs: &mut Jobs,
        table: Arc<LongTable>,
        (opts, solve): (FitOptions, SolveOptions),
        backend: Backend,
    ) {
        let for_job = table.clone();
        self.fit.start_with(jobs, "Fit scaling laws", table, move |ctx| {
            ctx.message(format!("starting burn on {}", backend.label()));
            crate::ml::fit::fit(&for_job, &opts, &solve, backend, ctx)
        });
    }

    pub fn fit_running(&self) -> Option<JobId> {
        self.fit.id()
    }
}

/// The backend jobs run on: the user's pick, or the probe's default.
pub fn backend(settings: &MlSettings, probe: Option<&ComputeProbe>) -> Backend {
    settings.backend.unwrap_or_else(|| probe.map_or(Backend::Cpu, Backend::default_for))
}

fn backend_picker(
    ui: &mut egui::Ui,
    settings: &mut MlSettings,
    state: &MlState,
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
    jobs: &mut Jobs,
    state: &mut MlState,
    settings: &mut MlSettings,
    data: &DataState,
    (probe, vibe_inputs): (Option<&ComputeProbe>, super::vibe_model::Inputs),
) -> Option<JobId> {
    let mut started = None;
    ui.group(|ui| {
        ui.strong("Start a burn job");
        backend_picker(ui, settings, state, probe);
        ui.separator();
        ui.label("DataDecide: scaling laws");
        ui.horizontal_wrapped(|ui| {
            let dataset = data.dataset.as_ref();
            let running = state.fit_running().is_some();
            let button = ui
                .add_enabled(dataset.is_some() && !running, egui::Button::new("Fit scaling laws"))
                .on_hover_text(
                    "DataDecide's two-step method for every task × recipe at once: task loss vs \
                     compute on the sizes below, accuracy vs task loss, then predict the target",
                )
                .on_disabled_hover_text(if running {
                    "A fit is running"
                } else {
                    "Load a DataDecide table first"
                });
            if button.clicked()
                && let Some(dataset) = dataset
            {
                let backend = backend(settings, probe);
                state.start_fit(jobs, dataset.table.clone(), (settings.fit.clone(), settings.solve), backend);
                started = state.fit_running();
            }
            let fit = &mut settings.fit;
            ui.label("loss");
            ui.add(egui::TextEdit::singleline(&mut fit.loss_metric).desired_width(130.0))
                .on_hover_text("The task loss of step 1 (metric without the task)");
            ui.label("accuracy");
            ui.add(egui::TextEdit::singleline(&mut fit.acc_metric).desired_width(70.0))
                .on_hover_text("The accuracy of step 2 (metric without the task)");
            ui.label(format!("fit on {}, predict {}", fit.fit_params.join(", "), fit.target));
            let solve = &mut settings.solve;
            ui.label("iterations");
            ui.add(egui::DragValue::new(&mut solve.step2_iterations).range(10..=50_000).speed(50.0))
                .on_hover_text(
                    "Adam iterations of each step (step 1 takes half as many): more is closer to the optimum",
                );
            solve.step1_iterations = solve.step2_iterations.div_ceil(2);
            if let Some(dataset) = dataset {
                ui.weak(format!("· {}", dataset.source.label()));
                if dataset.source.synthetic {
                    super::synthetic_badge(
                        ui,
                        "The loaded DataDecide table is synthetic, not AllenAI's results",
                    );
                }
            }
        });
        ui.separator();
        ui.label("LatentScore: vibe-to-config model");
        let chosen = backend(settings, probe);
        let trained =
            super::vibe_model::controls(ui, jobs, &mut state.vibe, &mut settings.vibe, (vibe_inputs, chosen));
        started = started.or(trained);
    });
    started
}

pub fn show(
    ui: &mut egui::Ui,
    jobs: &mut Jobs,
    selected: &mut Option<JobId>,
    state: &mut MlState,
    settings: &mut MlSettings,
    data: &DataState,
    inputs: (Option<&ComputeProbe>, super::vibe_model::Inputs),
) -> Option<Action> {
    ui.heading("Background jobs");
    // A burn job started here opens its details (live plots, log) at once.
    if let Some(started) = start_controls(ui, jobs, state, settings, data, inputs) {
        *selected = Some(started);
    }
    ui.add_space(6.0);
    let mut action = None;
    egui::ScrollArea::vertical().id_salt("jobs_scroll").show(ui, |ui| {
        if jobs.statuses().is_empty() {
            ui.label("No jobs yet.");
        } else {
            if let Some(which) = job_list(ui, jobs, selected, |id| state.results_of(id)) {
                match which {
                    Results::Fit => state.results_open = true,
                    Results::VibeModel => state.vibe.results_open = true,
                }
                state.scroll_to = Some(which);
            }
            if let Some(job) = selected.and_then(|id| jobs.status(id)) {
                ui.separator();
                details(ui, job);
            }
        }
        if let Some(result) = &state.fit_result {
            ui.separator();
            let open = egui::CollapsingHeader::new("Scaling-law fit: results")
                .open(state.results_open.then_some(true))
                .show(ui, |ui| fit_results(ui, result));
            state.results_open = false;
            if state.scroll_to.take_if(|w| *w == Results::Fit).is_some() {
                open.header_response.scroll_to_me(Some(egui::Align::TOP));
            }
            if let Some(Some(a)) = open.body_returned {
                action = Some(a);
            }
        }
        let vibe = &mut state.vibe;
        if vibe.report.is_some() || vibe.predicted.is_some() || vibe.batch_result.is_some() {
            ui.separator();
            let open = egui::CollapsingHeader::new("Vibe-to-config model: results")
                .open(vibe.results_open.then_some(true))
                .show(ui, |ui| super::vibe_model::results(ui, vibe));
            vibe.results_open = false;
            if state.scroll_to.take_if(|w| *w == Results::VibeModel).is_some() {
                open.header_response.scroll_to_me(Some(egui::Align::TOP));
            }
            if let Some(Some(a)) = open.body_returned {
                action = Some(a);
            }
        }
    });
    action
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

/// The fit's per-task table: decision accuracy of the predicted ranking and the mean error,
/// each task a link to its curves with the predictions.
fn fit_results(ui: &mut egui::Ui, result: &FitResult) -> Option<Action> {
    let report = &result.report;
    let (acc, mae) = report.overall();
    ui.label(format!(
        "{} task × recipe fits on {} in {:.2} s; fitted on {}, predicting {}. Mean |predicted - actual| \
         {} accuracy {:.4}; decision accuracy of the predicted ranking {} (mean over tasks).",
        report.rows.len(),
        report.device,
        report.seconds,
        report.options.fit_params.join(", "),
        report.options.target,
        report.options.target,
        mae,
        acc.map_or("–".to_owned(), |a| format!("{:.1}%", 100.0 * a)),
    ));
    if !report.skipped.is_empty() {
        ui.weak(format!("{} skipped (first: {})", report.skipped.len(), report.skipped[0]));
    }
    ui.weak(crate::datadecide::catalog::ATTRIBUTION);
    let mut action = None;
    egui::Grid::new("fit_results").striped(true).num_columns(4).show(ui, |ui| {
        for header in ["Task (open its curves)", "Decision accuracy", "Pairs", "Mean |error|"] {
            ui.strong(header);
        }
        ui.end_row();
        for t in &report.tasks {
            if ui
                .link(&t.task)
                .on_hover_text("Show the accuracy curves with the dashed predictions")
                .clicked()
            {
                action = Some(Action::ShowOnScaling(format!("{}_{}", t.task, report.options.acc_metric)));
            }
            ui.label(t.accuracy.map_or("–".to_owned(), |a| format!("{:.1}%", 100.0 * a)));
            ui.label(t.pairs.to_string());
            ui.label(format!("{:.4}", t.mean_abs_error));
            ui.end_row();
        }
    });
    action
}
