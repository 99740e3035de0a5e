//! The Audition panel's listening controls: the transport (play, stop, loop, seek, volume,
//! level), the waveform and the spectrogram, each with the playhead and click-to-seek.

use super::{AuditionSettings, AuditionState, Rendering, SPECTRO_H, SPECTRO_W};
use crate::app::widgets::timestamp;
use crate::audio::engine::{Clip, Player};
use crate::audio::spectrum;

/// The transport: play/pause, stop, loop, seek, volume, level meter.
pub(super) fn transport(
    ui: &mut egui::Ui,
    state: &mut AuditionState,
    settings: &mut AuditionSettings,
    player: &mut Player,
) {
    let duration = player.clip().map_or(0.0, Clip::seconds);
    ui.horizontal(|ui| {
        let play_label = if player.is_playing() { "Pause" } else { "Play" };
        if ui
            .add_enabled(player.clip().is_some(), egui::Button::new(play_label))
            .on_hover_text("Space")
            .clicked()
        {
            player.toggle();
        }
        if ui.add_enabled(player.clip().is_some(), egui::Button::new("Stop")).clicked() {
            player.stop();
        }
        if ui.checkbox(&mut settings.looping, "Loop").changed() {
            player.set_looping(settings.looping);
        }
        let mut at = player.position();
        let seek = egui::Slider::new(&mut at, 0.0..=duration.max(0.001)).show_value(false);
        if ui.add_sized([260.0, 18.0], seek).accessible_name("Seek").changed() {
            player.seek(at);
        }
        ui.monospace(format!("{} / {}", timestamp(player.position()), timestamp(duration)));
        ui.separator();
        let label = ui.label("Volume");
        let volume = ui.add(egui::Slider::new(&mut settings.volume, 0.0..=1.0).show_value(false));
        if volume.labelled_by(label.id).changed() {
            player.set_volume(settings.volume);
        }
        state.meter = (state.meter * 0.85).max(player.level());
        ui.add(egui::ProgressBar::new(state.meter.clamp(0.0, 1.0)).desired_width(90.0))
            .accessible_name("Output level")
            .on_hover_text("Output level (peak)");
    });
}

/// The waveform with the playhead; a click seeks.
pub(super) fn waveform(ui: &mut egui::Ui, r: &Rendering, player: &mut Player) {
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(ui.available_width(), 90.0), egui::Sense::click());
    let response = response.accessible_name("Waveform");
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let n = r.envelope.len().max(1) as f32;
    let stroke = egui::Stroke::new(1.0, ui.visuals().selection.bg_fill);
    for (i, (lo, hi)) in r.envelope.iter().enumerate() {
        let x = rect.left() + rect.width() * (i as f32 + 0.5) / n;
        let y = |v: f32| rect.center().y - v * rect.height() * 0.5;
        painter.line_segment([egui::pos2(x, y(*hi)), egui::pos2(x, y(*lo))], stroke);
    }
    playhead(&painter, rect, player, r.clip.seconds());
    seek_on_click(&response, rect, player, r.clip.seconds());
}

fn playhead(painter: &egui::Painter, rect: egui::Rect, player: &Player, seconds: f64) {
    if seconds > 0.0 {
        let x = rect.left() + rect.width() * (player.position() / seconds) as f32;
        painter.line_segment(
            [egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())],
            (1.5, egui::Color32::WHITE),
        );
    }
}

fn seek_on_click(response: &egui::Response, rect: egui::Rect, player: &mut Player, seconds: f64) {
    if response.clicked()
        && let Some(pos) = response.interact_pointer_pos()
    {
        player.seek(f64::from((pos.x - rect.left()) / rect.width()) * seconds);
    }
}

pub(super) fn spectrogram(ui: &mut egui::Ui, state: &mut AuditionState, player: &mut Player) {
    let Some(r) = &state.last else { return };
    let texture = state.texture.get_or_insert_with(|| {
        let image = egui::ColorImage::from_rgba_unmultiplied([SPECTRO_W, SPECTRO_H], &r.spectrogram);
        ui.ctx().load_texture("audition_spectrogram", image, egui::TextureOptions::LINEAR)
    });
    let size = egui::vec2(ui.available_width(), 170.0);
    let response = ui
        .add(egui::Image::new((texture.id(), size)).sense(egui::Sense::click()))
        .accessible_name("Spectrogram");
    let painter = ui.painter_at(response.rect);
    playhead(&painter, response.rect, player, r.clip.seconds());
    painter.text(
        response.rect.left_top() + egui::vec2(4.0, 2.0),
        egui::Align2::LEFT_TOP,
        format!("{:.0} kHz", spectrum::PICTURE_MAX_HZ / 1000.0),
        egui::FontId::proportional(11.0),
        egui::Color32::WHITE,
    );
    seek_on_click(&response, response.rect, player, r.clip.seconds());
}
