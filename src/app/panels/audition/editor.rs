//! The Audition panel's config editor: presets, undo and redo, a dropdown (and where the synth
//! reads a number, a slider) per field, and the paste-JSON window.

use super::{AuditionSettings, AuditionState};
use crate::jobs::Jobs;
use crate::synth::config::{Field, Group, Kind, MusicConfig, Value};

/// The field editor: a dropdown of labels, plus a slider where the synth reads a number.
/// `dragging` is set while its slider is being dragged.
fn field_row(ui: &mut egui::Ui, config: &mut MusicConfig, field: Field, dragging: &mut bool) -> bool {
    let spec = field.spec();
    let value = config.get(field);
    let mut changed = false;
    let label = ui.label(spec.name.replace('_', " ")).on_hover_text(spec.description);
    let current = spec.nearest_option(value);
    let shown = match value {
        Value::Label(i) => spec.options[i as usize].to_owned(),
        Value::Number(_) => spec.display(value),
    };
    egui::ComboBox::from_id_salt(spec.name)
        .selected_text(shown)
        .width(150.0)
        .show_ui(ui, |ui| {
            for (i, option) in spec.options.iter().enumerate() {
                let selected = matches!(value, Value::Label(j) if j as usize == i);
                if ui.selectable_label(selected, *option).clicked() && !selected {
                    config.set(field, Value::Label(i as u8));
                    changed = true;
                }
            }
        })
        .response
        .labelled_by(label.id);
    if let (Some((lo, hi)), Kind::Label) = (spec.range, spec.kind) {
        let mut x = spec.number(value).unwrap_or(lo);
        let slider = egui::Slider::new(&mut x, lo..=hi).show_value(false);
        let response = ui.add_sized([90.0, 18.0], slider).labelled_by(label.id).on_hover_text(format!(
            "{} = {x:.3} (the label {} means {:.3})",
            spec.name,
            spec.options[current as usize],
            spec.number(Value::Label(current)).unwrap_or(lo)
        ));
        *dragging |= response.dragged();
        if response.changed() {
            let x = if hi > 1.0 { x.round() } else { (x * 1000.0).round() / 1000.0 };
            config.set(field, Value::Number(x));
            changed = true;
        }
    } else {
        ui.label("");
    }
    ui.end_row();
    changed
}

pub(super) fn fields_panel(
    ui: &mut egui::Ui,
    state: &mut AuditionState,
    settings: &mut AuditionSettings,
    jobs: &mut Jobs,
) {
    ui.horizontal(|ui| {
        let presets = crate::synth::presets::all();
        egui::ComboBox::from_id_salt("audition_preset")
            .selected_text("Presets")
            .width(110.0)
            .show_ui(ui, |ui| {
                for p in presets {
                    if ui.selectable_label(false, &p.name).on_hover_text(&p.note).clicked() {
                        state.edit(p.config.clone(), settings, jobs);
                    }
                }
            })
            .response
            .accessible_name("Presets");
        if ui.button("Paste JSON…").clicked() {
            state.paste_open = true;
        }
        if ui
            .add_enabled(!state.undo.is_empty(), egui::Button::new("Undo"))
            .on_hover_text("Undo (Ctrl+Z)")
            .clicked()
        {
            state.undo(settings, jobs);
        }
        if ui
            .add_enabled(!state.redo.is_empty(), egui::Button::new("Redo"))
            .on_hover_text("Redo (Ctrl+Shift+Z)")
            .clicked()
        {
            state.redo(settings, jobs);
        }
    });
    ui.separator();
    let mut edited = state.config.clone();
    let (mut changed, mut dragging) = (false, false);
    egui::ScrollArea::vertical().show(ui, |ui| {
        for group in [Group::Global, Group::Layers, Group::Modifiers, Group::MelodyHarmony] {
            egui::CollapsingHeader::new(group.title()).default_open(group != Group::MelodyHarmony).show(
                ui,
                |ui| {
                    egui::Grid::new(group.title()).num_columns(3).spacing([6.0, 4.0]).show(ui, |ui| {
                        for field in Field::all().filter(|f| f.spec().group == group) {
                            changed |= field_row(ui, &mut edited, field, &mut dragging);
                        }
                    });
                },
            );
        }
        if !edited.extras.is_empty() {
            ui.weak(format!(
                "Kept, not used by the synth: {}",
                edited.extras.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    });
    if dragging {
        // Follow the slider on screen; the edit is made once, when the drag ends.
        if changed {
            state.drag_base.get_or_insert_with(|| state.config.clone());
            state.config = edited;
        }
    } else if let Some(base) = state.drag_base.take() {
        let latest = if changed { edited } else { std::mem::replace(&mut state.config, base.clone()) };
        state.config = base;
        state.edit(latest, settings, jobs);
    } else if changed {
        state.edit(edited, settings, jobs);
    }
}

pub(super) fn paste_window(
    ctx: &egui::Context,
    state: &mut AuditionState,
    settings: &mut AuditionSettings,
    jobs: &mut Jobs,
) {
    let mut open = state.paste_open;
    let mut apply = false;
    egui::Window::new("Paste a config").open(&mut open).default_width(460.0).show(ctx, |ui| {
        ui.label("A bare config, or a candidate payload with a \"config\" key (labels or numbers).");
        ui.add(
            egui::TextEdit::multiline(&mut state.paste_text)
                .code_editor()
                .desired_rows(12)
                .desired_width(f32::INFINITY)
                .hint_text("{\"tempo\": \"slow\", \"mode\": \"dorian\", ...}"),
        );
        for problem in &state.paste_problems {
            ui.colored_label(ui.visuals().warn_fg_color, problem);
        }
        apply = ui.button("Use this config").clicked();
    });
    if apply && state.apply_paste(settings, jobs) {
        open = false;
    }
    state.paste_open = open;
}
