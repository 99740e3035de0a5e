//! The chosen vibe in the Vibes panel: where it comes from, its original and noisy text with the
//! changed characters marked, its tags and other fields, what plays, then its candidates.

use super::{CandidateKey, VibesSettings, VibesState, changed_colour};
use crate::app::AppCtx;
use crate::app::widgets::{device_line, job_progress, synthetic_badge, timestamp};
use crate::audio::engine::Clip;
use crate::audio::wav::WavFormat;
use crate::vibes::diff::runs;

/// The chosen vibe: its texts, then its candidates.
pub(super) fn detail(
    ui: &mut egui::Ui,
    state: &mut VibesState,
    settings: &mut VibesSettings,
    ctx: &mut AppCtx,
) {
    let (Some(set), Some(row)) = (state.set.clone(), state.selected()) else {
        ui.add_space(20.0);
        ui.weak("Choose a vibe in the table (Up/Down move through it).");
        return;
    };
    let vibe = &set.rows[row];
    ui.horizontal_wrapped(|ui| {
        let id = vibe.id_in_dataset.as_deref().unwrap_or("?");
        ui.heading(format!("{} / {id}", vibe.dataset.as_deref().unwrap_or("?")));
        if vibe.is_synthetic() {
            synthetic_badge(ui, "This vibe and its candidates are made up by benchtop");
        }
    });
    let mut facts = vec![format!(
        "line {} of {}",
        vibe.line,
        set.files.get(vibe.file).map_or(String::new(), |f| f.display().to_string())
    )];
    for (name, value) in [
        ("split", &vibe.split),
        ("scope", &vibe.vibe_scope),
        ("level", &vibe.vibe_level),
        ("character", &vibe.character_name),
    ] {
        if let Some(v) = value {
            facts.push(format!("{name} {v}"));
        }
    }
    ui.weak(facts.join(" · "));
    let Some(d) = &state.detail else { return };
    let caption = |ui: &mut egui::Ui, text: &str| {
        ui.label(egui::RichText::new(text).small().strong());
    };
    match (&vibe.vibe_original, &vibe.vibe_noisy, &d.diff) {
        (Some(original), Some(noisy), Some(diff)) => {
            caption(ui, "ORIGINAL");
            marked_text(ui, original, &diff.original);
            if original == noisy {
                caption(ui, "NOISY: the same text (no noise injected)");
            } else {
                caption(ui, "NOISY");
                marked_text(ui, noisy, &diff.noisy).on_hover_text(format!(
                    "{} character(s) of the original and {} of the noisy text differ",
                    diff.changed_original(),
                    diff.changed_noisy()
                ));
            }
        }
        _ => {
            caption(ui, "VIBE");
            ui.label(vibe.vibe_text());
        }
    }
    if !vibe.tags_original.is_empty() || !vibe.tags_noisy.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new("TAGS").small().strong());
            ui.label(vibe.tags_original.join(", "));
        });
        if vibe.tags_noisy != vibe.tags_original && !vibe.tags_noisy.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new("TAGS NOISY").small().strong());
                for (tag, changed) in vibe.tags_noisy.iter().zip(&d.tag_changes) {
                    let text = egui::RichText::new(tag);
                    ui.label(if *changed { text.background_color(changed_colour(ui)) } else { text });
                }
            });
        }
    }
    if !vibe.extras.is_empty() || vibe.embedding.is_some() {
        egui::CollapsingHeader::new(format!(
            "Other fields ({})",
            vibe.extras.len() + usize::from(vibe.embedding.is_some())
        ))
        .id_salt("vibe_other_fields")
        .show(ui, |ui| {
            egui::Grid::new("vibe_extras").num_columns(2).striped(true).show(ui, |ui| {
                for (key, value) in &vibe.extras {
                    ui.monospace(key);
                    let mut text = value.text().to_owned();
                    if text.len() > 160 {
                        let cut = (0..=160).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                        text = format!("{}… ({} characters)", &text[..cut], value.text().len());
                    }
                    ui.label(text);
                    ui.end_row();
                }
                if let Some(e) = &vibe.embedding {
                    ui.monospace("embedding");
                    ui.label(format!("{} floats", e.len()));
                    ui.end_row();
                }
            });
        });
    }
    ui.separator();
    audition_bar(ui, state, settings, ctx);
    ui.separator();
    super::candidates::candidates(ui, state, settings, ctx, (vibe, row));
}

/// What plays, A and B, and the render's length, seed and WAV format.
fn audition_bar(ui: &mut egui::Ui, state: &mut VibesState, settings: &mut VibesSettings, ctx: &mut AppCtx) {
    device_line(ui, &mut ctx.player);
    let mut switch = false;
    ui.horizontal_wrapped(|ui| {
        let player = &mut ctx.player;
        let name = |k: Option<CandidateKey>| match k {
            Some((row, c)) if Some(row) == state.selected() => format!("#{}", c + 1),
            Some((row, c)) => format!("#{} (line {})", c + 1, state.line_of(row)),
            None => "-".to_owned(),
        };
        match state.playing.filter(|k| state.is_loaded(*k, player)) {
            Some(key) => {
                let verb = if player.is_playing() { "Playing" } else { "Paused" };
                ui.label(format!("{verb} {}", name(Some(key))));
                let duration = player.clip().map_or(0.0, Clip::seconds);
                ui.monospace(format!("{} / {}", timestamp(player.position()), timestamp(duration)));
                if ui.button("Stop").clicked() {
                    player.stop();
                }
            }
            None => {
                ui.weak("Press a candidate's Play to hear it (rendered by benchtop's synth).");
            }
        }
        ui.separator();
        ui.label(format!("A: {}  B: {}", name(state.ab[0]), name(state.ab[1])));
        let ready = state.ab.iter().all(Option::is_some);
        if ui
            .add_enabled(ready, egui::Button::new("Switch A/B"))
            .on_hover_text("Hear the other of A and B from the same moment (X)")
            .clicked()
        {
            switch = true;
        }
    });
    if switch {
        state.switch_ab(settings, ctx);
    }
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Length");
        ui.add(egui::DragValue::new(&mut settings.seconds).range(1.0..=120.0).suffix(" s").speed(0.5))
            .labelled_by(label.id);
        let label = ui.label("Seed");
        ui.add(egui::DragValue::new(&mut settings.seed).speed(1.0)).labelled_by(label.id);
        ui.label("WAV");
        ui.radio_value(&mut settings.wav_format, WavFormat::Pcm16, WavFormat::Pcm16.label());
        ui.radio_value(&mut settings.wav_format, WavFormat::Float32, WavFormat::Float32.label());
        if let (Some((key, _)), Some(id)) = (state.render.context(), state.render.id()) {
            let text = Some(format!("rendering #{}", key.1 + 1));
            job_progress(ui, &ctx.jobs, id, text, 160.0, "Candidate render progress");
        }
    });
}

/// A text with some characters marked.
fn marked_text(ui: &mut egui::Ui, text: &str, changed: &[bool]) -> egui::Response {
    let mut job = egui::text::LayoutJob::default();
    let font = egui::TextStyle::Body.resolve(ui.style());
    let colour = ui.visuals().text_color();
    for (run, is_changed) in runs(text, changed) {
        let mut format = egui::TextFormat::simple(font.clone(), colour);
        if is_changed {
            format.background = changed_colour(ui);
            format.underline = egui::Stroke::new(1.0, ui.visuals().warn_fg_color);
        }
        job.append(&run, 0.0, format);
    }
    job.wrap.max_width = ui.available_width();
    ui.label(job)
}
