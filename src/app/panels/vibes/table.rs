//! The Vibes panel's left side: where rows come from, the filters and search, the counts, and
//! the sortable table of vibes.

use super::{VibesSettings, VibesState, source_label};
use crate::app::AppCtx;
use crate::app::widgets::{job_progress, synthetic_badge};
use crate::vibes::VibeSet;
use crate::vibes::filter::{Column, Filter, Validity};

/// The left side: source, filters, counts and the table.
pub(super) fn table_side(
    ui: &mut egui::Ui,
    state: &mut VibesState,
    settings: &mut VibesSettings,
    ctx: &mut AppCtx,
) {
    sources(ui, state, ctx);
    let Some(set) = state.set.clone() else {
        ui.weak("Nothing loaded yet.");
        return;
    };
    ui.horizontal(|ui| {
        ui.strong(source_label(settings.source.as_deref(), &set));
        if state.synthetic() {
            synthetic_badge(ui, "Made up by benchtop (benchtop vibes synth): not LatentScore's data");
        }
    });
    ui.horizontal(|ui| {
        ui.label(format!("{} vibes, {} candidates", set.rows.len(), state.candidate_total));
        if !set.bad.is_empty()
            && ui
                .button(format!("{} bad lines…", set.bad.total))
                .on_hover_text("Lines that were skipped, with file, line number and reason")
                .clicked()
        {
            state.bad_open = true;
        }
    });
    ui.separator();
    filters(ui, state, settings);
    state.refresh_view(settings);
    // Something to look at from the start: the first row shown.
    if state.detail.is_none()
        && let Some(&first) = state.view.first()
    {
        state.select(first);
    }
    ui.label(format!("Showing {} of {}", state.view.len(), set.rows.len()));
    for line in &state.view_counts {
        ui.weak(line);
    }
    ui.separator();
    table(ui, state, settings, &set);
}

/// Where rows come from (a file, a folder, the Hub's embedding map, the sample) and the load
/// running now.
fn sources(ui: &mut egui::Ui, state: &mut VibesState, ctx: &mut AppCtx) {
    let base = ctx.data.settings.hub_base_url.trim().to_owned();
    let caches = crate::hub::Caches { hub: ctx.hub.clone(), benchtop: ctx.cache.clone() };
    let jobs = &mut ctx.jobs;
    ui.horizontal_wrapped(|ui| {
        if ui.button("Open file…").clicked() {
            state.open_dialog(jobs, false);
        }
        let folder = ui.button("Open folder…");
        if folder.on_hover_text("A folder of split files (SFT-Train, SFT-Val, GRPO, TEST)").clicked() {
            state.open_dialog(jobs, true);
        }
        let map = ui.button("Embedding map (Hub)").on_hover_text(format!(
            "Downloads LatentScore's stage-10 map ({} / {}, ~100 MB, Apache-2.0) into the Hugging Face cache, \
             resuming a partial download, and opens it",
            crate::vibes::hub::MAP_REPO,
            crate::vibes::hub::MAP_PATH
        ));
        if map.clicked() {
            state.fetch_map(jobs, base, caches, false);
        }
        if ui.button("Sample").on_hover_text("The bundled synthetic 02c sample").clicked() {
            state.load_sample(jobs);
        }
    });
    if let Some(id) = state.loading_job() {
        ui.horizontal(|ui| job_progress(ui, jobs, id, None, 300.0, "Loading vibes"));
    }
}

fn filters(ui: &mut egui::Ui, state: &VibesState, settings: &mut VibesSettings) {
    let names = ["Split", "Dataset", "Scope", "Level"];
    egui::Grid::new("vibe_filters").num_columns(4).spacing([6.0, 4.0]).show(ui, |ui| {
        let f = &mut settings.filter;
        let slots: [&mut Option<String>; 4] = [&mut f.split, &mut f.dataset, &mut f.scope, &mut f.level];
        for (i, (slot, values)) in slots.into_iter().zip(&state.choices).enumerate() {
            let label = ui.label(names[i]);
            egui::ComboBox::from_id_salt(("vibe_filter", i))
                .selected_text(slot.clone().unwrap_or_else(|| "all".to_owned()))
                .width(110.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(slot, None, "all");
                    for v in values {
                        ui.selectable_value(slot, Some(v.clone()), v);
                    }
                })
                .response
                .labelled_by(label.id);
            if i % 2 == 1 {
                ui.end_row();
            }
        }
        let label = ui.label("Valid");
        egui::ComboBox::from_id_salt("vibe_filter_validity")
            .selected_text(f.validity.label())
            .width(110.0)
            .show_ui(ui, |ui| {
                for v in Validity::ALL {
                    ui.selectable_value(&mut f.validity, v, v.label());
                }
            })
            .response
            .labelled_by(label.id);
        ui.end_row();
    });
    ui.horizontal(|ui| {
        let label = ui.label("Search");
        ui.add(
            egui::TextEdit::singleline(&mut settings.filter.search)
                .hint_text("words in the vibe, tags, character, titles")
                .desired_width(260.0),
        )
        .labelled_by(label.id);
        if ui.add_enabled(settings.filter.is_active(), egui::Button::new("Clear filters")).clicked() {
            settings.filter = Filter::default();
        }
    });
}

fn table(ui: &mut egui::Ui, state: &mut VibesState, settings: &mut VibesSettings, set: &VibeSet) {
    use egui_extras::{Column as Col, TableBuilder};
    let columns = [
        (Column::Line, Col::exact(34.0)),
        (Column::Split, Col::initial(62.0).clip(true)),
        (Column::Dataset, Col::initial(72.0).clip(true)),
        (Column::Scope, Col::initial(58.0).clip(true)),
        (Column::Level, Col::exact(34.0)),
        (Column::Vibe, Col::remainder().at_least(150.0).clip(true)),
        (Column::Tags, Col::initial(90.0).clip(true)),
        (Column::Validity, Col::exact(34.0)),
        (Column::BestScore, Col::exact(50.0)),
    ];
    // Rows are chosen by clicking anywhere on them: labels must not take the click for selecting text.
    ui.style_mut().interaction.selectable_labels = false;
    let mut builder = TableBuilder::new(ui)
        .id_salt("vibes_table")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    for (_, col) in columns {
        builder = builder.column(col);
    }
    if state.scroll_to_selected
        && let Some(pos) = state.selected().and_then(|s| state.view.iter().position(|r| *r == s))
    {
        builder = builder.scroll_to_row(pos, None);
        state.scroll_to_selected = false;
    }
    let mut clicked = None;
    builder
        .header(20.0, |mut header| {
            for (column, _) in columns {
                header.col(|ui| {
                    let arrow = match (settings.sort == column, settings.descending) {
                        (true, false) => " ^",
                        (true, true) => " v",
                        _ => "",
                    };
                    let button =
                        egui::Button::new(egui::RichText::new(format!("{}{arrow}", column.label())).strong())
                            .frame(false);
                    if ui.add(button).on_hover_text(format!("Sort by {}", column.label())).clicked() {
                        if settings.sort == column {
                            settings.descending = !settings.descending;
                        } else {
                            settings.sort = column;
                            settings.descending = column == Column::BestScore;
                        }
                    }
                });
            }
        })
        .body(|body| {
            body.rows(20.0, state.view.len(), |mut row| {
                let index = state.view[row.index()];
                let vibe = &set.rows[index];
                row.set_selected(state.selected() == Some(index));
                row.col(|ui| {
                    ui.weak(vibe.line.to_string());
                });
                for text in [&vibe.split, &vibe.dataset, &vibe.vibe_scope, &vibe.vibe_level] {
                    row.col(|ui| {
                        ui.label(text.as_deref().unwrap_or(""));
                    });
                }
                row.col(|ui| {
                    let text = if vibe.is_noisy() {
                        format!("{} (noisy)", vibe.vibe_text())
                    } else {
                        vibe.vibe_text().to_owned()
                    };
                    ui.add(egui::Label::new(text).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(vibe.tags_original.join(", ")).truncate());
                });
                row.col(|ui| {
                    let (valid, total) = vibe.valid_count();
                    if total > 0 {
                        ui.label(format!("{valid}/{total}"));
                    }
                });
                row.col(|ui| {
                    if let Some(score) = vibe.best_score() {
                        ui.label(format!("{score:.3}"));
                    }
                });
                if row.response().clicked() {
                    clicked = Some(index);
                }
            });
        });
    if let Some(index) = clicked {
        state.select(index);
    }
}
