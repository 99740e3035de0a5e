//! The Scaling panel's curves view: one plot or small multiples, seed bands, hover readouts on
//! log axes, and a fit's predicted curves dashed.

use egui_plot::{FilledArea, GridMark, Legend, Line, Plot, PlotPoints};

use super::{Facet, ScalingSettings, ScalingState, recipe_colour};
use crate::analysis::axis::{format_log_position, format_value, log_ticks};
use crate::datadecide::catalog;
use crate::datadecide::dataset::Dataset;
use crate::datadecide::query::{self, Band, Selection, Series, XAxis};
use crate::datadecide::table::LongTable;
use crate::jobs::Jobs;
use crate::ml::fit::{FitReport, Predicted};

/// Grid marks for a log axis: decades (and 2, 5 within short ranges).
fn log_marks(input: egui_plot::GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    log_ticks(lo, hi)
        .into_iter()
        .map(|t| GridMark { value: t.position, step_size: if t.decade { 1.0 } else { 0.3 } })
        .collect()
}

/// One plot of some of the series.
fn plot(
    ui: &mut egui::Ui,
    (id, title, height): (&str, Option<&str>, f32),
    series: &[&Series],
    table: &LongTable,
    sel: &Selection,
    predictions: &[(String, Vec<[f64; 2]>)],
) -> egui::Rect {
    if let Some(title) = title {
        ui.strong(title);
    }
    let (log_x, log_y) = (sel.log_x, sel.log_y);
    let y_label = format!(
        "{}{}",
        sel.metric,
        if catalog::lower_is_better(&sel.metric) { " (lower is better)" } else { "" }
    );
    let multi_size = sel.params.len() > 1;
    let x_name = sel.x.label();
    let mut plot = Plot::new(id)
        .height(height)
        .legend(
            Legend::default()
                .color_conflict_handling(egui_plot::ColorConflictHandling::PickFirst)
                .follow_insertion_order(true),
        )
        .x_axis_label(format!("{}{}", x_name, if log_x { " (log)" } else { "" }))
        .y_axis_label(y_label)
        .link_axis(egui::Id::unique("scaling_linked"), [true, true])
        .link_cursor(egui::Id::unique("scaling_linked"), [true, false])
        .label_formatter(move |pos| {
            let (name, p) = match pos {
                egui_plot::HoverPosition::NearDataPoint { plot_name, position, .. } => {
                    (*plot_name, *position)
                }
                egui_plot::HoverPosition::Elsewhere { position } => ("", *position),
            };
            let x = if log_x { 10f64.powf(p.x) } else { p.x };
            let y = if log_y { 10f64.powf(p.y) } else { p.y };
            // The exact value of the nearest point, unsmoothed, when the cursor is on a curve.
            // Looked up only while hovering: the curve by its legend name.
            let exact = series.iter().find(|s| series_name(s, multi_size) == name).and_then(|s| {
                s.raw.iter().min_by(|a, b| (a[0] - x).abs().total_cmp(&(b[0] - x).abs())).copied()
            });
            Some(match exact {
                Some([ex, ey]) => format!("{name}\n{x_name} {}\nvalue {ey:.6}", format_value(ex)),
                None => format!("{x_name} {}\n{}", format_value(x), format_value(y)),
            })
        });
    if log_x {
        plot = plot.x_grid_spacer(log_marks).x_axis_formatter(|m, _| format_log_position(m.value));
    }
    if log_y {
        plot = plot.y_grid_spacer(log_marks).y_axis_formatter(|m, _| format_log_position(m.value));
    }
    let shown = plot.show(ui, |plot_ui| {
        for s in series {
            let colour = table.recipe_index(&s.recipe).map_or(egui::Color32::GRAY, recipe_colour);
            let name = series_name(s, multi_size);
            // Larger models draw thicker lines.
            let width = match table.param_index(&s.params) {
                Some(i) if multi_size => 1.0 + 2.0 * i as f32 / table.params.len().max(1) as f32,
                _ => 1.8,
            };
            // The line first: the legend takes its colour; the band (same name) hides with it.
            plot_ui
                .line(Line::new(name.clone(), PlotPoints::from(s.points.clone())).color(colour).width(width));
            if s.band.len() > 1 {
                let xs: Vec<f64> = s.band.iter().map(|b| b[0]).collect();
                let lo: Vec<f64> = s.band.iter().map(|b| b[1]).collect();
                let hi: Vec<f64> = s.band.iter().map(|b| b[2]).collect();
                plot_ui.add(
                    FilledArea::new(name.clone(), &xs, &lo, &hi)
                        .fill_color(colour.gamma_multiply(0.18))
                        .allow_hover(false),
                );
            }
        }
        for (recipe, points) in predictions {
            let colour = table.recipe_index(recipe).map_or(egui::Color32::GRAY, recipe_colour);
            plot_ui.line(
                Line::new(format!("{recipe} · predicted"), PlotPoints::from(points.clone()))
                    .color(colour)
                    .width(1.6)
                    .style(egui_plot::LineStyle::dashed_loose()),
            );
        }
    });
    shown.response.rect
}

fn series_name(s: &Series, with_size: bool) -> String {
    if with_size { format!("{} · {}", s.recipe, s.params) } else { s.recipe.clone() }
}

pub(super) fn curves_view(
    ui: &mut egui::Ui,
    dataset: &Dataset,
    settings: &ScalingSettings,
    state: &mut ScalingState,
    jobs: &mut Jobs,
    fit: Option<&FitReport>,
) {
    let sel = &settings.selection;
    let table = dataset.table.clone();
    let series = state.series(dataset, sel, jobs);
    if sel.recipes.is_empty() || sel.params.is_empty() {
        ui.label("Choose at least one recipe and one size on the left.");
        return;
    }
    if series.is_empty() {
        ui.label(format!("No {} curves for this choice of recipes and sizes.", sel.metric));
        return;
    }
    let pending_bands =
        sel.band != Band::None && dataset.per_seed.is_some() && !state.bands.contains_key(&sel.metric);
    let predicted = fit.and_then(|f| f.predicts(&sel.metric).map(|(task, which)| (f, task, which)));
    let predictions = match predicted {
        Some((f, task, which)) if sel.x == XAxis::Compute => predicted_curves(f, task, which, sel),
        _ => Vec::new(),
    };
    ui.horizontal(|ui| {
        ui.weak(format!("{} curves", series.len()));
        match predicted {
            Some(_) if sel.x == XAxis::Compute => {
                ui.weak(format!(
                    "· dashed: the scaling-law fit's predictions up to {}",
                    fit.map_or("", |f| f.options.target.as_str())
                ));
            }
            Some(_) => {
                ui.weak("· the scaling-law fit's predictions show with x = compute");
            }
            None => {}
        }
        if pending_bands {
            ui.weak("· reading the seeds…");
        } else if sel.band != Band::None && series.iter().all(|s| s.band.is_empty()) {
            ui.weak("· no per-seed table for this data: means only");
        }
    });
    let available = ui.available_height() - 8.0;
    match settings.facet {
        Facet::None => {
            let refs: Vec<&Series> = series.iter().collect();
            state.plot_rect =
                Some(plot(ui, ("scaling_plot", None, available), &refs, &table, sel, &predictions));
        }
        Facet::BySize | Facet::ByRecipe => {
            let keys: Vec<&String> = if settings.facet == Facet::BySize {
                sel.params.iter().collect()
            } else {
                sel.recipes.iter().collect()
            };
            let columns = if keys.len() > 4 { 3 } else { 2.min(keys.len()) }.max(1);
            let rows = keys.len().div_ceil(columns);
            let height = (available / rows as f32 - 24.0).max(140.0);
            let width = ui.available_width() / columns as f32 - 8.0;
            let mut union: Option<egui::Rect> = None;
            egui::ScrollArea::vertical().id_salt("facets").show(ui, |ui| {
                for row in keys.chunks(columns) {
                    ui.horizontal(|ui| {
                        for key in row {
                            ui.vertical(|ui| {
                                ui.set_width(width);
                                let refs: Vec<&Series> = series
                                    .iter()
                                    .filter(|s| {
                                        if settings.facet == Facet::BySize {
                                            &s.params == *key
                                        } else {
                                            &s.recipe == *key
                                        }
                                    })
                                    .collect();
                                let mut single = sel.clone();
                                if settings.facet == Facet::BySize {
                                    single.params = vec![(*key).clone()];
                                }
                                let id = format!("scaling_facet_{key}");
                                let mine: Vec<(String, Vec<[f64; 2]>)> = predictions
                                    .iter()
                                    .filter(|(r, _)| settings.facet == Facet::ByRecipe && r == *key)
                                    .cloned()
                                    .collect();
                                let rect = plot(ui, (&id, Some(key), height), &refs, &table, &single, &mine);
                                union = Some(union.map_or(rect, |u| u.union(rect)));
                            });
                        }
                    });
                }
            });
            state.plot_rect = union;
        }
    }
}

/// The fit's predicted curves of the selected recipes, in plot coordinates.
fn predicted_curves(
    fit: &FitReport,
    task: &str,
    which: Predicted,
    sel: &Selection,
) -> Vec<(String, Vec<[f64; 2]>)> {
    let axis = query::axis;
    sel.recipes
        .iter()
        .filter_map(|recipe| {
            let row = fit.row(task, recipe)?;
            let points = row
                .curve(which, 64)
                .into_iter()
                .filter_map(|[x, y]| Some([axis(x, sel.log_x)?, axis(y, sel.log_y)?]));
            Some((recipe.clone(), points.collect()))
        })
        .collect()
}
