//! Toasts (bottom right, above the status bar) and the notification log window.
//! Drawn with ordinary widgets so that screen readers and the UI tests can read them.

use std::time::SystemTime;

use crate::notify::{Level, Notification, Notifications};

fn level_color(ui: &egui::Ui, level: Level) -> egui::Color32 {
    let v = ui.visuals();
    match level {
        Level::Info => v.text_color(),
        Level::Success => egui::Color32::from_rgb(60, 170, 90),
        Level::Warning => v.warn_fg_color,
        Level::Error => v.error_fg_color,
    }
}

fn utc_time(at: SystemTime) -> String {
    // Seconds since the epoch, shown as UTC time of day: enough to order and match log lines.
    let secs = at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
    format!("{:02}:{:02}:{:02} UTC", secs / 3600 % 24, secs / 60 % 60, secs % 60)
}

fn body(ui: &mut egui::Ui, n: &Notification) {
    ui.label(egui::RichText::new(&n.title).strong().color(level_color(ui, n.level)));
    for cause in &n.causes {
        ui.label(cause);
    }
}

pub fn show_toasts(ctx: &egui::Context, notifications: &mut Notifications) {
    let shown: Vec<Notification> = notifications.toasts(SystemTime::now()).cloned().collect();
    if shown.is_empty() {
        return;
    }
    let mut dismissed = Vec::new();
    egui::Area::new(egui::Id::unique("toasts"))
        .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -36.0))
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            ui.set_max_width(420.0);
            for n in shown.iter().rev().take(5) {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.horizontal_top(|ui| {
                        ui.vertical(|ui| body(ui, n));
                        if ui.small_button("Dismiss").clicked() {
                            dismissed.push(n.id);
                        }
                    });
                });
                ui.add_space(4.0);
            }
        });
    for id in dismissed {
        notifications.dismiss(id);
    }
}

pub fn show_log(ctx: &egui::Context, notifications: &mut Notifications, open: &mut bool) {
    let mut clear = false;
    egui::Window::new("Notifications").open(open).default_size([520.0, 320.0]).show(ctx, |ui| {
        ui.horizontal(|ui| {
            if ui.button("Copy all").clicked() {
                let text: Vec<String> = notifications
                    .all()
                    .iter()
                    .map(|n| format!("{} {} {}", utc_time(n.at), n.level.label(), n.full_text()))
                    .collect();
                ui.ctx().copy_text(text.join("\n"));
            }
            clear = ui.button("Clear").clicked();
        });
        ui.separator();
        if notifications.all().is_empty() {
            ui.label("Nothing to report yet.");
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for n in notifications.all().iter().rev() {
                ui.horizontal_top(|ui| {
                    ui.weak(utc_time(n.at));
                    ui.vertical(|ui| body(ui, n));
                });
                ui.separator();
            }
        });
    });
    if clear {
        notifications.clear();
    }
}
