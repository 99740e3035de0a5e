//! The status bar: compute backend, audio output, the running job, notifications.

use super::widgets::clock;
use super::{AppCtx, Pending};
use crate::audio::engine::Status;
use crate::ml::backend::{ComputeChoice, ComputeProbe};

fn compute_detail(p: &ComputeProbe) -> String {
    let mut lines = vec![match &p.choice {
        ComputeChoice::Wgpu(a) => format!("burn runs on wgpu: {a}"),
        ComputeChoice::Cpu { why } => format!("burn runs on its CPU backend: {why}"),
    }];
    lines.extend(p.adapters.iter().map(|a| format!("adapter: {a}")));
    lines.join("\n")
}

/// The audio output's label and hover text.
fn audio_text(status: &Status) -> (String, String) {
    match status {
        Status::Opening => ("audio: opening…".to_owned(), "Opening the default output device".to_owned()),
        Status::Ready(d) => (
            format!("audio: {} ({} ch, {} Hz)", d.name, d.channels, d.sample_rate),
            "Playback goes to this device".to_owned(),
        ),
        Status::NoDevice(why) => {
            ("audio: no audio output".to_owned(), format!("{why}\nRendering and WAV export still work."))
        }
    }
}

/// The label and hover text of a probed value.
fn probed<T>(
    pending: &Pending<T>,
    what: &str,
    text: fn(&T) -> String,
    detail: fn(&T) -> String,
) -> (String, String) {
    match pending {
        Pending::Waiting(_) => (format!("{what}: probing…"), "Asking the drivers at start-up".to_owned()),
        Pending::Ready(value) => (text(value), detail(value)),
        Pending::Failed(err) => (format!("{what}: unknown"), format!("The probe failed: {err}")),
    }
}

/// Draws the status bar; true when its job summary was clicked (open the Jobs panel).
pub fn show(ui: &mut egui::Ui, app: &mut AppCtx, notifications_open: &mut bool) -> bool {
    let mut open_jobs = false;
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            let (text, hover) = probed(&app.compute, "compute", ComputeProbe::status_text, compute_detail);
            ui.label(text).on_hover_text(hover);
            ui.separator();
            let (text, hover) = audio_text(app.player.status());
            ui.label(text).on_hover_text(hover);
            ui.separator();

            let active: Vec<_> = app.jobs.active().collect();
            let summary = match active.first() {
                None => "no jobs running".to_owned(),
                Some(job) => {
                    let mut s = format!("job: {}", job.name);
                    if let Some(f) = job.fraction {
                        s += &format!(" {:.0}%", f * 100.0);
                    }
                    if let Some(eta) = job.eta() {
                        s += &format!(" ETA {}", clock(eta));
                    }
                    if active.len() > 1 {
                        s += &format!(" (+{} more)", active.len() - 1);
                    }
                    s
                }
            };
            if ui.link(summary).on_hover_text("Open the Jobs panel").clicked() {
                open_jobs = true;
            }

            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let unread = app.notifications.unread();
                let label =
                    if unread > 0 { format!("notifications ({unread})") } else { "notifications".to_owned() };
                if ui.selectable_label(*notifications_open, label).clicked() {
                    *notifications_open = !*notifications_open;
                    app.notifications.mark_read();
                }
            });
        });
    });
    open_jobs
}
