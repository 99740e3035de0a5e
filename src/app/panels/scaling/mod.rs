//! The Scaling curves panel: DataDecide curves (metric, recipes, sizes; x = step, tokens or
//! compute; log axes; smoothing; seed bands; small multiples; hover readouts) and the decision
//! accuracy view (tasks × sizes heatmap, rankings side by side). Queries are in
//! `datadecide::query`; this module keeps the choices and draws.

use std::collections::HashMap;
use std::sync::Arc;

use egui_plot::{FilledArea, GridMark, Legend, Line, Plot, PlotPoints};
use serde::{Deserialize, Serialize};

use super::PanelView;
use crate::analysis::axis::{format_log_position, format_value, log_ticks};
use crate::analysis::decision::Aggregate;
use crate::app::save::{SaveDialog, SaveJob};
use crate::app::widgets::synthetic_badge;
use crate::app::{AppCtx, DataState};
use crate::datadecide::catalog::{self, ATTRIBUTION};
use crate::datadecide::dataset::Dataset;
use crate::datadecide::query::{self, Band, Decision, SeedBands, Selection, Series, XAxis};
use crate::datadecide::table::LongTable;
use crate::jobs::Jobs;
use crate::ml::fit::{FitReport, Predicted};

/// How curves are split into plots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Facet {
    #[default]
    None,
    BySize,
    ByRecipe,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum View {
    #[default]
    Curves,
    Decision,
}

/// Remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScalingSettings {
    pub selection: Selection,
    pub facet: Facet,
    pub view: View,
    /// The metric filter typed in the search box.
    pub search: String,
    /// Decision accuracy: the metric suffix compared across tasks, the target size, the aggregate.
    pub decision_metric: String,
    pub target: String,
    pub aggregate: Aggregate,
    /// The size whose ranking is shown beside the target's.
    pub compare_size: String,
    /// The task (a metric of the decision family) whose rankings are shown; empty: the first.
    pub decision_task: String,
    /// Exported figures' size in pixels.
    pub figure_size: [u32; 2],
}

impl Default for ScalingSettings {
    fn default() -> Self {
        Self {
            selection: Selection::default(),
            facet: Facet::None,
            view: View::Curves,
            search: String::new(),
            decision_metric: "acc_raw".to_owned(),
            target: "1B".to_owned(),
            aggregate: Aggregate::MeanOfLast(2),
            compare_size: "150M".to_owned(),
            decision_task: String::new(),
            figure_size: [1600, 1000],
        }
    }
}

/// The Scaling curves tab.
pub struct ScalingPanel {
    pub settings: ScalingSettings,
    pub state: ScalingState,
}

impl ScalingPanel {
    pub fn new(settings: ScalingSettings) -> Self {
        Self { settings, state: ScalingState::default() }
    }

    /// Shows a metric's curves against compute (a fit's task, say).
    pub fn show_metric(&mut self, metric: String) {
        self.settings.view = View::Curves;
        self.settings.selection.metric = metric;
        self.settings.selection.x = XAxis::Compute;
    }
}

impl PanelView for ScalingPanel {
    fn logic(&mut self, egui: &egui::Context, ctx: &mut AppCtx) {
        self.state.drive_snapshot(egui, &ctx.save_dialog, &mut ctx.jobs);
        if let Some(path) = self.state.export.finished() {
            ctx.notifications.success(format!("Saved {}", path.display()));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let dataset = ctx.data.dataset.as_ref();
        let fit = ctx.fit.as_ref().filter(|f| dataset.is_some_and(|d| Arc::ptr_eq(&f.table, &d.table)));
        let fit = fit.map(|f| f.report.as_ref());
        show(ui, &ctx.data, &mut self.settings, &mut self.state, &mut ctx.jobs, ctx.save_dialog.clone(), fit);
    }

    fn windows(&mut self, egui: &egui::Context, ctx: &mut AppCtx) {
        self.state.export.prompt(egui, &mut ctx.jobs);
    }

    fn shortcuts(&mut self, egui: &egui::Context, ctx: &mut AppCtx) {
        // Ctrl+E: the curves as a PNG figure.
        let export = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::E);
        if egui.input_mut(|i| i.consume_shortcut(&export))
            && let Some(dataset) = ctx.data.dataset.clone()
        {
            let save = ctx.save_dialog.clone();
            self.state.export(&dataset, &self.settings, crate::export::Format::Png, save, &mut ctx.jobs);
        }
    }
}

/// What the panel computed, kept until the choices or the data change.
#[derive(Default)]
pub struct ScalingState {
    /// The table everything below was computed from.
    table: Option<Arc<LongTable>>,
    /// The selection and bands the series were drawn for.
    series: Option<(Selection, Option<usize>, Arc<[Series]>)>,
    bands: HashMap<String, Option<Arc<SeedBands>>>,
    bands_job: crate::jobs::Latest<Option<SeedBands>, String>,
    decision: Option<(String, String, Aggregate, Arc<[Decision]>)>,
    /// The metric suffixes every task can be compared on, for the decision view.
    decision_suffixes: Vec<&'static str>,
    /// The table's metrics grouped for the picker (perplexities, MMLU, each task), by index.
    metric_groups: Vec<(String, Vec<usize>)>,
    export: SaveJob,
    /// Where the curves were drawn last frame (points), for the on-screen copy.
    plot_rect: Option<egui::Rect>,
    snapshot: Snapshot,
}

/// The on-screen copy of the plot: drawn at twice the scale for a frame, captured, cropped.
#[derive(Default)]
enum Snapshot {
    #[default]
    Idle,
    /// The scale was doubled; capture after this many more frames.
    Zoomed {
        restore: f32,
        size: egui::Vec2,
        frames: u8,
    },
    Waiting {
        restore: f32,
        size: egui::Vec2,
        image: std::sync::mpsc::Receiver<Arc<egui::ColorImage>>,
    },
}

/// A stable colour for each recipe (the figures' palette, by the table's recipe order).
pub fn recipe_colour(index: usize) -> egui::Color32 {
    let [r, g, b] = crate::export::palette(index);
    egui::Color32::from_rgb(r, g, b)
}

impl ScalingState {
    /// Seed bands of the selected metric: cached, or read on a worker.
    fn bands_for(&mut self, dataset: &Dataset, metric: &str, jobs: &mut Jobs) -> Option<Arc<SeedBands>> {
        if let Some(done) = self.bands.get(metric) {
            return done.clone();
        }
        if self.bands_job.context().is_some_and(|pending| pending == metric) {
            let (_, _, result) = self.bands_job.take_with()?;
            let bands = result.ok().flatten().map(Arc::new);
            self.bands.insert(metric.to_owned(), bands.clone());
            return bands;
        }
        let per_seed = dataset.per_seed.clone()?;
        // Only the shown metric's seeds are wanted: a read for another one stops.
        let wanted = metric.to_owned();
        self.bands_job.start_with(
            jobs,
            format!("Read the seeds of {metric}"),
            metric.to_owned(),
            move |ctx| {
                ctx.message(format!("reading the per-seed values of {wanted}"));
                per_seed.bands(&wanted)
            },
        );
        None
    }

    /// Forgets everything computed from another table (a new load is a new `Arc`).
    fn follow(&mut self, dataset: &Dataset, jobs: &mut Jobs) {
        if self.table.as_ref().is_some_and(|t| Arc::ptr_eq(t, &dataset.table)) {
            return;
        }
        self.bands_job.cancel(jobs);
        self.bands.clear();
        self.series = None;
        self.decision = None;
        self.decision_suffixes = catalog::METRICS
            .iter()
            .copied()
            .filter(|m| !decision_metrics(&dataset.table, m).is_empty())
            .collect();
        self.metric_groups = query::metric_groups(&dataset.table.metrics);
        self.table = Some(dataset.table.clone());
    }

    /// The curves of the selection (recomputed only when it, the data or the bands change).
    fn series(&mut self, dataset: &Dataset, sel: &Selection, jobs: &mut Jobs) -> Arc<[Series]> {
        self.follow(dataset, jobs);
        let bands = if sel.band == Band::None { None } else { self.bands_for(dataset, &sel.metric, jobs) };
        let bands_key = bands.as_ref().map(|b| Arc::as_ptr(b) as usize);
        match &self.series {
            Some((s, b, series)) if s == sel && *b == bands_key => series.clone(),
            _ => {
                let computed: Arc<[Series]> = query::series(&dataset.table, bands.as_deref(), sel).into();
                self.series = Some((sel.clone(), bands_key, computed.clone()));
                computed
            }
        }
    }

    /// Decision accuracy for every task with the chosen metric suffix.
    fn decisions(
        &mut self,
        dataset: &Dataset,
        settings: &ScalingSettings,
        jobs: &mut Jobs,
    ) -> Arc<[Decision]> {
        self.follow(dataset, jobs);
        match &self.decision {
            Some((m, t, a, d))
                if *m == settings.decision_metric && *t == settings.target && *a == settings.aggregate =>
            {
                d.clone()
            }
            _ => {
                let decisions: Arc<[Decision]> = decision_metrics(&dataset.table, &settings.decision_metric)
                    .iter()
                    .filter_map(|m| {
                        query::decision(&dataset.table, m, &settings.target, settings.aggregate).ok()
                    })
                    .collect();
                self.decision = Some((
                    settings.decision_metric.clone(),
                    settings.target.clone(),
                    settings.aggregate,
                    decisions.clone(),
                ));
                decisions
            }
        }
    }
}

impl ScalingState {
    /// Asks where to save (the dialog runs on the worker) and writes the figure or its CSV.
    pub fn export(
        &mut self,
        dataset: &Dataset,
        settings: &ScalingSettings,
        kind: crate::export::Format,
        save: SaveDialog,
        jobs: &mut Jobs,
    ) {
        // The selection as it is now (the Curves view may not have drawn it: Ctrl+E in the
        // decision view, or right after start).
        let series = self.series(dataset, &settings.selection, jobs);
        let sel = settings.selection.clone();
        let (recipes, caption) = (
            dataset.table.recipes.clone(),
            crate::export::caption(dataset.source.synthetic, &dataset.source.label()),
        );
        let [width, height] = settings.figure_size;
        let (extension, filter) = kind.extension();
        let name = format!("{}.{extension}", sel.metric);
        self.export.start(
            jobs,
            (format!("Export {filter}"), name),
            &save,
            (filter, extension),
            move |_, path| {
                let fig = crate::export::Figure {
                    series: &series,
                    selection: &sel,
                    recipes: &recipes,
                    caption,
                    width,
                    height,
                };
                crate::export::write_as(path, kind, &fig)
            },
        );
    }

    /// Where the plot was drawn last frame (in points).
    pub fn plot_rect(&self) -> Option<egui::Rect> {
        self.plot_rect
    }

    /// Starts an on-screen copy of the plot at twice the screen's scale.
    pub fn start_snapshot(&mut self, ctx: &egui::Context) {
        if matches!(self.snapshot, Snapshot::Idle) && self.plot_rect.is_some() {
            // Twice the pixels per point in a window twice as large (in pixels): the same layout,
            // drawn at twice the resolution.
            let restore = ctx.pixels_per_point();
            let size = ctx.content_rect().size();
            ctx.set_pixels_per_point(restore * 2.0);
            ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
            self.snapshot = Snapshot::Zoomed { restore, size, frames: 3 };
            ctx.request_repaint();
        }
    }

    /// Moves the on-screen copy along; call every frame. When the image is in, it is cropped to
    /// the plot and saved through the dialog on a worker.
    pub fn drive_snapshot(&mut self, ctx: &egui::Context, save: &SaveDialog, jobs: &mut Jobs) {
        match std::mem::take(&mut self.snapshot) {
            Snapshot::Idle => {}
            Snapshot::Zoomed { restore, size, frames: 0 } => {
                let (tx, rx) = std::sync::mpsc::channel();
                let repaint = ctx.clone();
                ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(egui::ScreenshotCallback::new(
                    move |image| {
                        let _ = tx.send(image);
                        repaint.request_repaint();
                    },
                )));
                self.snapshot = Snapshot::Waiting { restore, size, image: rx };
                ctx.request_repaint();
            }
            Snapshot::Zoomed { restore, size, frames } => {
                self.snapshot = Snapshot::Zoomed { restore, size, frames: frames - 1 };
                ctx.request_repaint();
            }
            Snapshot::Waiting { restore, size, image } => match image.try_recv() {
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    self.snapshot = Snapshot::Waiting { restore, size, image }
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    ctx.set_pixels_per_point(restore);
                    ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
                }
                Ok(image) => {
                    let scale = image.width() as f32 / ctx.content_rect().width().max(1.0);
                    let cropped = self.plot_rect.map(|r| image.region(&r, Some(scale)));
                    ctx.set_pixels_per_point(restore);
                    ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
                    if let Some(cropped) = cropped {
                        let (title, name) = ("Export the plot as on screen", "plot.png".to_owned());
                        let what = (title.to_owned(), name);
                        self.export.start(jobs, what, save, ("PNG image", "png"), move |_, path| {
                            let [w, h] = cropped.size;
                            let rgba: Vec<u8> =
                                cropped.pixels.iter().flat_map(|c| c.to_srgba_unmultiplied()).collect();
                            crate::paths::write_rgba_png(path, &rgba, w as u32, h as u32)
                        });
                    }
                }
            },
        }
    }
}

/// The export controls: figure size, then PNG, SVG, CSV (Ctrl+E: PNG).
fn export_controls(
    ui: &mut egui::Ui,
    dataset: &Dataset,
    settings: &mut ScalingSettings,
    state: &mut ScalingState,
    jobs: &mut Jobs,
    save: &SaveDialog,
) {
    ui.horizontal(|ui| {
        let label = ui.strong("Export");
        ui.add(egui::DragValue::new(&mut settings.figure_size[0]).range(320..=8000).suffix(" px"))
            .labelled_by(label.id);
        ui.label("×");
        ui.add(egui::DragValue::new(&mut settings.figure_size[1]).range(240..=8000).suffix(" px"))
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        use crate::export::Format;
        for (kind, text, hover) in [
            (Format::Png, "PNG…", "The curves as a PNG figure of the size above (Ctrl+E)"),
            (Format::Svg, "SVG…", "The curves as an SVG figure"),
            (Format::Csv, "CSV…", "The plotted series: recipe, size, x, value (and smoothed value)"),
        ] {
            if ui.button(text).on_hover_text(hover).clicked() {
                state.export(dataset, settings, kind, save.clone(), jobs);
            }
        }
        if ui
            .button("As on screen…")
            .on_hover_text("The plot as drawn here, at twice the screen's scale (PNG)")
            .clicked()
        {
            state.start_snapshot(ui.ctx());
        }
    });
}

/// The task metrics ending in `_<suffix>`, tasks in OLMES order.
fn decision_metrics(table: &LongTable, suffix: &str) -> Vec<String> {
    let mut tasks: Vec<&str> = catalog::OLMES_TASKS.to_vec();
    tasks.push("olmes_10_macro_avg");
    tasks.iter().map(|t| format!("{t}_{suffix}")).filter(|m| table.metric_index(m).is_some()).collect()
}

/// The data line every DataDecide view shows: source, synthetic badge or attribution.
pub fn dataset_header(ui: &mut egui::Ui, data: &DataState, jobs: &mut Jobs) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Data:");
        match &data.dataset {
            Some(d) => {
                if d.source.synthetic {
                    synthetic_badge(
                        ui,
                        "Generated by benchtop in DataDecide's format; not AllenAI's results",
                    );
                }
                ui.strong(d.source.label()).on_hover_text(d.source.path.display().to_string());
            }
            None => {
                ui.weak("none loaded");
            }
        }
    });
    if let Some(d) = &data.dataset {
        let t = &d.table;
        let steps = t.step_range().map_or_else(String::new, |(lo, hi)| format!(" · steps {lo} to {hi}"));
        ui.weak(format!(
            "{} rows · {} sizes · {} recipes · {} metrics{steps}",
            t.len(),
            t.params.len(),
            t.recipes.len(),
            t.metrics.len()
        ))
        .on_hover_ui(|ui| {
            ui.label(t.summary().join("\n"));
        });
        if d.source.synthetic {
            ui.weak("Numbers generated by benchtop from a documented model, in the format of AllenAI's DataDecide; use Data > Fetch and build from the Hub to work on the real results.");
        } else {
            ui.weak(ATTRIBUTION);
        }
    }
    if let Some(job) = data.pending_job().and_then(|id| jobs.status(id)) {
        let (id, fraction, message) = (job.id, job.fraction, job.message.clone());
        ui.horizontal(|ui| {
            let bar = match fraction {
                Some(f) => egui::ProgressBar::new(f).show_percentage(),
                None => egui::ProgressBar::new(0.0).animate(true),
            };
            ui.add(bar.text(message).desired_width(480.0));
            if ui.button("Cancel").clicked() {
                jobs.cancel(id);
            }
        });
    }
}

/// A metric's name for people: "pile (perplexity)", "arc_easy acc_raw".
fn metric_label(metric: &str) -> String {
    let lower = if catalog::lower_is_better(metric) { "  (lower)" } else { "" };
    format!("{metric}{lower}")
}

fn metric_picker(
    ui: &mut egui::Ui,
    table: &LongTable,
    groups: &[(String, Vec<usize>)],
    settings: &mut ScalingSettings,
) {
    let heading = ui.strong("Metric");
    ui.add(egui::TextEdit::singleline(&mut settings.search).hint_text("search metrics"))
        .labelled_by(heading.id);
    let needle = settings.search.to_lowercase();
    egui::ScrollArea::vertical().id_salt("metric_list").max_height(220.0).show(ui, |ui| {
        for (group, members) in groups {
            let matching: Vec<&String> = members
                .iter()
                .map(|i| &table.metrics[*i])
                .filter(|m| needle.is_empty() || m.to_lowercase().contains(&needle))
                .collect();
            if matching.is_empty() {
                continue;
            }
            let open = !needle.is_empty() || matching.iter().any(|m| **m == settings.selection.metric);
            egui::CollapsingHeader::new(format!("{group} ({})", matching.len()))
                .id_salt(("metric_group", group))
                .open(if !needle.is_empty() { Some(true) } else { None })
                .default_open(open)
                .show(ui, |ui| {
                    for m in matching {
                        let picked = settings.selection.metric == *m;
                        let hover =
                            if catalog::lower_is_better(m) { "lower is better" } else { "higher is better" };
                        if ui.selectable_label(picked, metric_label(m)).on_hover_text(hover).clicked() {
                            settings.selection.metric = m.clone();
                        }
                    }
                });
        }
    });
}

fn recipe_picker(ui: &mut egui::Ui, table: &LongTable, sel: &mut Selection) {
    ui.horizontal(|ui| {
        ui.strong("Recipes");
        if ui.small_button("all").clicked() {
            sel.recipes = table.recipes.clone();
        }
        if ui.small_button("none").clicked() {
            sel.recipes.clear();
        }
    });
    egui::ScrollArea::vertical().id_salt("recipe_list").max_height(260.0).show(ui, |ui| {
        let mut families: Vec<(&str, Vec<&String>)> = Vec::new();
        for r in &table.recipes {
            let family = catalog::recipe_family(r).unwrap_or("other");
            match families.iter_mut().find(|f| f.0 == family) {
                Some(f) => f.1.push(r),
                None => families.push((family, vec![r])),
            }
        }
        for (family, members) in families {
            let chosen = members.iter().filter(|r| sel.recipes.contains(r)).count();
            let mut all = chosen == members.len();
            let family_box = egui::Checkbox::new(&mut all, egui::RichText::new(family).strong())
                .indeterminate(chosen > 0 && chosen < members.len());
            if ui.add(family_box).changed() {
                sel.recipes.retain(|r| !members.contains(&r));
                if all {
                    sel.recipes.extend(members.iter().map(|r| (*r).clone()));
                }
            }
            ui.indent(("family", family), |ui| {
                for r in members {
                    let mut on = sel.recipes.contains(r);
                    let index = table.recipe_index(r).unwrap_or(0);
                    let text = egui::RichText::new(r.as_str()).color(recipe_colour(index));
                    if ui.checkbox(&mut on, text).changed() {
                        if on {
                            sel.recipes.push(r.clone());
                        } else {
                            sel.recipes.retain(|x| x != r);
                        }
                    }
                }
            });
        }
    });
}

fn size_picker(ui: &mut egui::Ui, table: &LongTable, sel: &mut Selection) {
    ui.strong("Sizes");
    ui.horizontal_wrapped(|ui| {
        for p in &table.params {
            let mut on = sel.params.contains(p);
            if ui.checkbox(&mut on, p.as_str()).changed() {
                if on {
                    sel.params.push(p.clone());
                    let rank = |x: &String| table.param_index(x).unwrap_or(usize::MAX);
                    sel.params.sort_by_key(rank);
                } else {
                    sel.params.retain(|x| x != p);
                }
            }
        }
    });
}

fn axis_controls(ui: &mut egui::Ui, settings: &mut ScalingSettings) {
    let sel = &mut settings.selection;
    ui.horizontal(|ui| {
        ui.strong("x");
        for x in XAxis::ALL {
            ui.selectable_value(&mut sel.x, x, x.label());
        }
    });
    ui.horizontal(|ui| {
        ui.checkbox(&mut sel.log_x, "log x");
        ui.checkbox(&mut sel.log_y, "log y");
    });
    ui.horizontal(|ui| {
        let label = ui.label("smoothing");
        ui.add(egui::Slider::new(&mut sel.smoothing, 0.0..=0.99).fixed_decimals(2))
            .labelled_by(label.id)
            .on_hover_text("Debiased exponential moving average, as TensorBoard and W&B smooth (0: off)");
    });
    ui.horizontal(|ui| {
        ui.strong("seeds");
        ui.selectable_value(&mut sel.band, Band::None, "mean");
        ui.selectable_value(&mut sel.band, Band::MinMax, "min-max");
        ui.selectable_value(&mut sel.band, Band::Std, "±1 std");
    });
    ui.horizontal(|ui| {
        ui.strong("plots");
        ui.selectable_value(&mut settings.facet, Facet::None, "one");
        ui.selectable_value(&mut settings.facet, Facet::BySize, "per size");
        ui.selectable_value(&mut settings.facet, Facet::ByRecipe, "per recipe");
    });
}

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
    id: &str,
    series: &[&Series],
    table: &LongTable,
    sel: &Selection,
    height: f32,
    title: Option<&str>,
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

fn curves_view(
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
                Some(plot(ui, "scaling_plot", &refs, &table, sel, available, None, &predictions));
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
                                let rect = plot(ui, &id, &refs, &table, &single, height, Some(key), &mine);
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

/// Colour of an accuracy cell: red at 0.5 (chance) to green at 1.
fn accuracy_colour(a: f64) -> egui::Color32 {
    let t = ((a - 0.5) / 0.5).clamp(0.0, 1.0) as f32;
    let lerp = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t) as u8;
    egui::Color32::from_rgb(lerp(190, 40), lerp(60, 160), lerp(50, 80))
}

fn decision_view(
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

fn show(
    ui: &mut egui::Ui,
    data: &DataState,
    settings: &mut ScalingSettings,
    state: &mut ScalingState,
    jobs: &mut Jobs,
    save: SaveDialog,
    fit: Option<&FitReport>,
) {
    let Some(dataset) = data.dataset.clone() else {
        ui.heading("DataDecide scaling curves");
        dataset_header(ui, data, jobs);
        return;
    };
    state.follow(&dataset, jobs);
    egui::Panel::left("scaling_choices").resizable(true).default_size(300.0).show(ui, |ui| {
        egui::ScrollArea::vertical().id_salt("scaling_left").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut settings.view, View::Curves, "Curves");
                ui.selectable_value(&mut settings.view, View::Decision, "Decision accuracy");
            });
            ui.separator();
            if settings.view == View::Decision {
                ui.label("Every task's recipe ranking at each size, against the target size's.");
                ui.weak("Click a cell to compare that size's ranking with the target's below the table.");
                return;
            }
            metric_picker(ui, &dataset.table, &state.metric_groups, settings);
            ui.separator();
            axis_controls(ui, settings);
            ui.separator();
            size_picker(ui, &dataset.table, &mut settings.selection);
            ui.separator();
            export_controls(ui, &dataset, settings, state, jobs, &save);
            ui.separator();
            recipe_picker(ui, &dataset.table, &mut settings.selection);
        });
    });
    egui::CentralPanel::default_margins().show(ui, |ui| {
        ui.heading("DataDecide scaling curves");
        dataset_header(ui, data, jobs);
        ui.add_space(4.0);
        match settings.view {
            View::Curves => curves_view(ui, &dataset, settings, state, jobs, fit),
            View::Decision => decision_view(ui, &dataset, settings, state, jobs),
        }
    });
}
