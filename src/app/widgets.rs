//! Small widgets more than one panel draws: the SYNTHETIC badge, a job's progress row, the audio
//! output line, and times as text.

use std::time::Duration;

use crate::audio::engine::{Player, Status};
use crate::jobs::{JobId, Jobs};

/// The label every view of synthetic data carries.
pub fn synthetic_badge(ui: &mut egui::Ui, hover: &str) {
    ui.label(
        egui::RichText::new(" SYNTHETIC ")
            .strong()
            .color(egui::Color32::BLACK)
            .background_color(egui::Color32::from_rgb(240, 180, 60)),
    )
    .on_hover_text(hover);
}

/// A running job's progress bar (its message inside, unless `text` is given) and its Cancel
/// button, in the current row. `name` is the bar's accessible name.
pub fn job_progress(ui: &mut egui::Ui, jobs: &Jobs, id: JobId, text: Option<String>, width: f32, name: &str) {
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

/// The sound output the player uses, or why there is none (with a Retry).
pub fn device_line(ui: &mut egui::Ui, player: &mut Player) {
    ui.horizontal(|ui| match player.status().clone() {
        Status::Ready(info) => {
            ui.weak(format!("Output: {} ({} Hz, {} ch)", info.name, info.sample_rate, info.channels));
        }
        Status::Opening => {
            ui.weak("Output: opening the sound device…");
        }
        Status::NoDevice(why) => {
            ui.colored_label(ui.visuals().warn_fg_color, "No audio output")
                .on_hover_text(format!("{why}\nRendering, the pictures and WAV export still work."));
            ui.weak("— rendering and WAV export still work.");
            if ui.small_button("Retry").on_hover_text("Open the default output device again").clicked() {
                player.reopen();
            }
        }
    });
}

/// `m:ss`, or `h:mm:ss` past an hour.
pub fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Seconds as `m:ss.s`.
pub fn timestamp(seconds: f64) -> String {
    format!("{}:{:04.1}", (seconds / 60.0).floor() as u64, seconds % 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_formats_minutes_and_hours() {
        assert_eq!(clock(Duration::from_secs(0)), "0:00");
        assert_eq!(clock(Duration::from_secs(75)), "1:15");
        assert_eq!(clock(Duration::from_secs(3 * 3600 + 4 * 60 + 5)), "3:04:05");
    }

    #[test]
    fn timestamps_have_tenths() {
        assert_eq!(timestamp(0.0), "0:00.0");
        assert_eq!(timestamp(75.3), "1:15.3");
    }
}
