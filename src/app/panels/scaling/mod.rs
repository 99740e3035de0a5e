//! The Scaling curves panel: DataDecide curves (metric, recipes, sizes; x = step, tokens or
//! compute; log axes; smoothing; seed bands; small multiples; hover readouts) and the decision
//! accuracy view (tasks × sizes heatmap, rankings side by side). Queries are in
//! `datadecide::query`; this module keeps the choices and what was computed from them, `pickers`
//! draws the choices, `curves` and `decision` the two views.

mod curves;
mod decision;
mod pickers;

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::PanelView;
use crate::analysis::decision::Aggregate;
use crate::app::AppCtx;
use crate::app::save::{SaveDialog, SaveJob};
use crate::datadecide::catalog;
use crate::datadecide::dataset::Dataset;
use crate::datadecide::query::{self, Band, Decision, SeedBands, Selection, Series, XAxis};
use crate::datadecide::table::LongTable;
use crate::jobs::Jobs;
use decision::decision_metrics;
use pickers::{axis_controls, dataset_header, export_controls, metric_picker, recipe_picker, size_picker};

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
        show(ui, &mut self.settings, &mut self.state, ctx);
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

fn show(ui: &mut egui::Ui, settings: &mut ScalingSettings, state: &mut ScalingState, ctx: &mut AppCtx) {
    // The latest fit, when it was made on the table shown.
    let fit = ctx.fit.clone();
    let shown = ctx.data.dataset.as_ref();
    let fit = fit.as_ref().filter(|f| shown.is_some_and(|d| Arc::ptr_eq(&f.table, &d.table)));
    let fit = fit.map(|f| f.report.as_ref());
    let save = ctx.save_dialog.clone();
    let (data, jobs) = (&ctx.data, &mut ctx.jobs);
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
            View::Curves => curves::curves_view(ui, &dataset, settings, state, jobs, fit),
            View::Decision => decision::decision_view(ui, &dataset, settings, state, jobs),
        }
    });
}
