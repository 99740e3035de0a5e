//! DataDecide's scaling-law fit in the Jobs panel: its start controls, the job, and its per-task
//! results (each task a link to its curves, with the predictions dashed, on the Scaling panel).

use std::sync::Arc;

use crate::app::widgets::synthetic_badge;
use crate::app::{AppCommand, AppCtx, FitResult};
use crate::datadecide::table::LongTable;
use crate::jobs::{JobId, Jobs, Latest};
use crate::ml::backend::Backend;
use crate::ml::fit::{FitOptions, FitReport, SolveOptions};
use crate::notify::Notifications;

/// The fit job and the job its shown results came from.
#[derive(Default)]
pub struct FitJob {
    job: Latest<FitReport, Arc<LongTable>>,
    /// The job whose results the panel shows (the job list links them).
    pub shown_from: Option<JobId>,
}

impl FitJob {
    /// The running fit, if any.
    pub fn running(&self) -> Option<JobId> {
        self.job.id()
    }

    /// Starts the scaling-law fit of a table on a backend.
    pub fn start(
        &mut self,
        jobs: &mut Jobs,
        table: Arc<LongTable>,
        (opts, solve): (FitOptions, SolveOptions),
        backend: Backend,
    ) {
        let for_job = table.clone();
        self.job.start_with(jobs, "Fit scaling laws", table, move |ctx| {
            ctx.message(format!("starting burn on {}", backend.label()));
            crate::ml::fit::fit(&for_job, &opts, &solve, backend, ctx)
        });
    }

    /// Takes a finished fit (a failure is a toast already, through the job); true when one came.
    pub fn poll(&mut self, fit: &mut Option<FitResult>, notifications: &mut Notifications) -> bool {
        let Some((id, table, Ok(report))) = self.job.take_with() else { return false };
        self.shown_from = Some(id);
        let (acc, mae) = report.overall();
        notifications.success(format!(
            "Scaling laws fitted: {} task × recipe fits, mean |error| {:.4}, decision accuracy {}",
            report.rows.len(),
            mae,
            acc.map_or("–".to_owned(), |a| format!("{:.1}%", 100.0 * a))
        ));
        *fit = Some(FitResult { table, report: Arc::new(report) });
        true
    }
}

/// The fit's start button and options; returns the job it started, if any.
pub fn controls(
    ui: &mut egui::Ui,
    fit: &mut FitJob,
    settings: &mut super::JobsSettings,
    ctx: &mut AppCtx,
) -> Option<JobId> {
    let mut started = None;
    ui.horizontal_wrapped(|ui| {
        let dataset = ctx.data.dataset.as_ref();
        let running = fit.running().is_some();
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
            let backend = super::backend(settings, ctx.compute());
            fit.start(&mut ctx.jobs, dataset.table.clone(), (settings.fit.clone(), settings.solve), backend);
            started = fit.running();
        }
        let options = &mut settings.fit;
        ui.label("loss");
        ui.add(egui::TextEdit::singleline(&mut options.loss_metric).desired_width(130.0))
            .on_hover_text("The task loss of step 1 (metric without the task)");
        ui.label("accuracy");
        ui.add(egui::TextEdit::singleline(&mut options.acc_metric).desired_width(70.0))
            .on_hover_text("The accuracy of step 2 (metric without the task)");
        ui.label(format!("fit on {}, predict {}", options.fit_params.join(", "), options.target));
        let solve = &mut settings.solve;
        ui.label("iterations");
        ui.add(egui::DragValue::new(&mut solve.step2_iterations).range(10..=50_000).speed(50.0))
            .on_hover_text(
                "Adam iterations of each step (step 1 takes half as many): more is closer to the optimum",
            );
        solve.step1_iterations = solve.step2_iterations.div_ceil(2);
        if let Some(dataset) = ctx.data.dataset.as_ref() {
            ui.weak(format!("· {}", dataset.source.label()));
            if dataset.source.synthetic {
                synthetic_badge(ui, "The loaded DataDecide table is synthetic, not AllenAI's results");
            }
        }
    });
    started
}

/// The fit's per-task table: decision accuracy of the predicted ranking and the mean error, each
/// task a link to its curves with the predictions.
pub fn results(ui: &mut egui::Ui, result: &FitResult, ctx: &mut AppCtx) {
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
                ctx.send(AppCommand::ShowOnScaling {
                    metric: format!("{}_{}", t.task, report.options.acc_metric),
                });
            }
            ui.label(t.accuracy.map_or("–".to_owned(), |a| format!("{:.1}%", 100.0 * a)));
            ui.label(t.pairs.to_string());
            ui.label(format!("{:.4}", t.mean_abs_error));
            ui.end_row();
        }
    });
}
