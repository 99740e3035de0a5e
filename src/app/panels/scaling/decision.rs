//! The Scaling panel's decision-accuracy view: every task's recipe ranking at each size against
//! the target size's, as a heatmap, and two sizes' rankings side by side.

use super::{ScalingSettings, ScalingState, recipe_colour};
use crate::analysis::decision::Aggregate;
use crate::datadecide::catalog;
use crate::datadecide::dataset::Dataset;
use crate::datadecide::query::Decision;
use crate::datadecide::table::LongTable;
use crate::jobs::Jobs;

/// The task metrics ending in `_<suffix>`, tasks in OLMES order.
pub(super) fn decision_metrics(table: &LongTable, suffix: &str) -> Vec<String> {
    let mut tasks: Vec<&str> = catalog::OLMES_TASKS.to_vec();
    tasks.push("olmes_10_macro_avg");
    tasks.iter().map(|t| format!("{t}_{suffix}")).filter(|m| table.metric_index(m).is_some()).collect()
}

/// Colour of an accuracy cell: red at 0.5 (chance) to green at 1.
fn accuracy_colour(a: f64) -> egui::Color32 {
    let t = ((a - 0.5) / 0.5).clamp(0.0, 1.0) as f32;
    let lerp = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t) as u8;
    egui::Color32::from_rgb(lerp(190, 40), lerp(60, 160), lerp(50, 80))
}

pub(super) fn decision_view(
    ui: &mut egui::Ui,
    dataset: &Dataset,
    settings: &mut ScalingSettings,
    state: &mut ScalingState,
    jobs: &mut Jobs,
) {
    let table = dataset.table.clone();
    ui.horizontal(|ui| {
        let label = ui.label("metric");
        state.follow(dataset, jobs);
        let suffixes = state.decision_suffixes.clone();
        egui::ComboBox::from_id_salt("decision_metric")
            .selected_text(&settings.decision_metric)
            .show_ui(ui, |ui| {
                for m in suffixes {
                    ui.selectable_value(&mut settings.decision_metric, m.to_owned(), m);
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("target");
        egui::ComboBox::from_id_salt("decision_target")
            .selected_text(&settings.target)
            .show_ui(ui, |ui| {
                for p in &table.params {
                    ui.selectable_value(&mut settings.target, p.clone(), p);
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("score");
        egui::ComboBox::from_id_salt("decision_aggregate")
            .selected_text(settings.aggregate.label())
            .show_ui(ui, |ui| {
                for a in [Aggregate::Final, Aggregate::MeanOfLast(2), Aggregate::MeanOfLast(3)] {
                    ui.selectable_value(&mut settings.aggregate, a, a.label());
                }
            })
            .response
            .labelled_by(label.id);
    });
    ui.weak(
        "Decision accuracy: over all pairs of recipes that differ at the target size, the share each size \
         orders the same way (ties count ½). 0.5 is chance.",
    );
    let decisions = state.decisions(dataset, settings, jobs);
    if decisions.is_empty() {
        ui.label(format!("No task has a {} metric in this table.", settings.decision_metric));
        return;
    }
    // The heatmap: tasks down, sizes across.
    egui::Grid::new("decision_heatmap").spacing([2.0, 2.0]).show(ui, |ui| {
        ui.label("");
        for p in &table.params {
            ui.strong(p.as_str());
        }
        ui.end_row();
        for d in decisions.iter() {
            ui.label(d.metric.trim_end_matches(&format!("_{}", settings.decision_metric)));
            for row in &d.rows {
                let (text, fill) = match row.accuracy {
                    Some(a) => (format!("{:.0}", a * 100.0), accuracy_colour(a)),
                    None => ("–".to_owned(), ui.visuals().faint_bg_color),
                };
                let cell =
                    egui::Button::new(egui::RichText::new(text).color(egui::Color32::WHITE).monospace())
                        .fill(fill)
                        .min_size(egui::vec2(38.0, 20.0));
                let hover = format!("{} at {}: {} pairs", d.metric, row.params, row.pairs);
                if ui.add(cell).on_hover_text(hover).clicked() {
                    settings.compare_size = row.params.clone();
                    settings.decision_task = d.metric.clone();
                }
            }
            ui.end_row();
        }
    });
    ui.add_space(8.0);
    // Rankings side by side: the chosen size against the target, for the chosen task.
    let chosen = decisions.iter().find(|d| d.metric == settings.decision_task).unwrap_or(&decisions[0]);
    rankings(ui, chosen, settings, &table);
}

/// Two sizes' rankings of a task side by side: the chosen size and the target.
fn rankings(ui: &mut egui::Ui, chosen: &Decision, settings: &ScalingSettings, table: &LongTable) {
    let find = |p: &str| chosen.rows.iter().find(|r| r.params == p);
    if let (Some(small), Some(target)) = (find(&settings.compare_size), find(&settings.target)) {
        ui.strong(format!(
            "{}: {} against {} ({}{})",
            chosen.metric,
            small.params,
            target.params,
            chosen.aggregate,
            if chosen.lower_is_better { ", lower is better" } else { "" }
        ));
        egui::ScrollArea::vertical().id_salt("rankings").show(ui, |ui| {
            egui::Grid::new("rankings_grid").striped(true).num_columns(5).show(ui, |ui| {
                for h in ["#", small.params.as_str(), "", target.params.as_str(), ""] {
                    ui.strong(h);
                }
                ui.end_row();
                for i in 0..small.ranking.len().max(target.ranking.len()) {
                    ui.label(format!("{}", i + 1));
                    for side in [small, target] {
                        match side.ranking.get(i) {
                            Some((recipe, score)) => {
                                let colour =
                                    table.recipe_index(recipe).map_or(egui::Color32::GRAY, recipe_colour);
                                ui.colored_label(colour, recipe);
                                ui.monospace(format!("{score:.4}"));
                            }
                            None => {
                                ui.label("");
                                ui.label("");
                            }
                        }
                    }
                    ui.end_row();
                }
            });
        });
    }
}
