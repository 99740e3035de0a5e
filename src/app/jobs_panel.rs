//! The Jobs panel: every background job, its progress, and the selected one's metrics and log.

use super::status_bar::clock;
use crate::jobs::{JobId, JobState, JobStatus, Jobs};

pub fn show(ui: &mut egui::Ui, jobs: &mut Jobs, selected: &mut Option<JobId>) {
    ui.heading("Background jobs");
    ui.label(
        "Everything long runs here, off the window's thread: device probes now; downloads, \
         renders and burn training and inference as their issues land (burn jobs: issue #7).",
    );
    ui.add_space(6.0);

    if jobs.statuses().is_empty() {
        ui.label("No jobs yet.");
        return;
    }
    let mut cancel = None;
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
            if job.state.is_finished() {
                ui.label("");
            } else if ui.button("Cancel").clicked() {
                cancel = Some(job.id);
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

    if let Some(job) = selected.and_then(|id| jobs.status(id)) {
        ui.separator();
        details(ui, job);
    }
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
    if !job.metrics.is_empty() {
        let series: Vec<(String, Vec<[f64; 2]>)> =
            job.metrics.iter().map(|(name, points)| (name.clone(), points.clone())).collect();
        egui_plot::Plot::new(("job_metrics", job.id))
            .height(220.0)
            .legend(egui_plot::Legend::default())
            .show(ui, move |plot| {
                for (name, points) in series {
                    plot.line(egui_plot::Line::new(name, points));
                }
            });
    }
    ui.label("Log:");
    egui::ScrollArea::vertical().max_height(160.0).stick_to_bottom(true).show(ui, |ui| {
        if job.log.is_empty() {
            ui.weak("(empty)");
        }
        for line in &job.log {
            ui.monospace(line);
        }
    });
}
