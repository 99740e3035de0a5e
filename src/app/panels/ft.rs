//! The FT vs PT panel: fine-tuning runs against the pre-trained checkpoints they started from —
//! a scatter of the fine-tuned metric against the checkpoint's with y = x, the gain against the
//! checkpoint's size or steps, training-loss curves per run, and the runs table with its column
//! groups. Tables are read on workers (`ft`); the bundled SYNTHETIC sample opens first.

use std::collections::BTreeSet;
use std::path::PathBuf;

use egui_plot::{Legend, Line, Plot, PlotPoints, Points};
use serde::{Deserialize, Serialize};

use super::PanelView;
use crate::app::AppCtx;
use crate::app::file_prompt::{self, PathPrompt};
use crate::app::widgets::synthetic_badge;
use crate::datadecide::catalog;
use crate::ft::{GROUPS, Histories, Runs, column_group};
use crate::jobs::{Jobs, Latest};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    #[default]
    Scatter,
    Gain,
    Loss,
    Table,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColourBy {
    #[default]
    Recipe,
    Size,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum GainAgainst {
    #[default]
    Size,
    Steps,
}

/// Remembered between runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FtSettings {
    /// Files opened last (none: the bundled sample).
    pub runs_file: Option<PathBuf>,
    pub history_file: Option<PathBuf>,
    pub metric: String,
    pub tab: Tab,
    pub colour_by: ColourBy,
    pub gain_against: GainAgainst,
    /// Column groups folded away in the table.
    pub hidden_groups: BTreeSet<String>,
}

type Loaded = (Option<Runs>, Option<Histories>);

/// The FT vs PT tab.
pub struct FtPanel {
    pub settings: FtSettings,
    pub state: FtState,
}

impl FtPanel {
    pub fn new(settings: FtSettings) -> Self {
        Self { settings, state: FtState::default() }
    }
}

impl PanelView for FtPanel {
    fn logic(&mut self, _egui: &egui::Context, ctx: &mut AppCtx) {
        self.state.poll(&mut self.settings, &mut ctx.notifications);
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        show(ui, &mut self.settings, &mut self.state, &mut ctx.jobs);
    }

    fn windows(&mut self, egui: &egui::Context, ctx: &mut AppCtx) {
        self.state.open_prompt(egui, &mut ctx.jobs);
    }
}

/// This run's part of the FT vs PT panel: the tables read and the runs chosen.
#[derive(Default)]
pub struct FtState {
    pub runs: Option<std::sync::Arc<Runs>>,
    pub histories: Option<std::sync::Arc<Histories>>,
    /// (Whether the load is of run histories, for the path prompt if the dialog cannot open.)
    loading: Latest<Loaded, bool>,
    /// A path asked for in benchtop's own field (the system dialog could not open), and whether
    /// it is for histories.
    open_prompt: Option<(PathPrompt, bool)>,
    started: bool,
    /// Runs whose loss curves are drawn.
    pub chosen: BTreeSet<String>,
}

impl FtState {
    /// Opens the remembered files, or the bundled sample, on a worker (once).
    pub fn start(&mut self, settings: &FtSettings, jobs: &mut Jobs) {
        if self.started {
            return;
        }
        self.started = true;
        let (runs, history) = (settings.runs_file.clone(), settings.history_file.clone());
        self.loading.start_with(jobs, "Open the FT-vs-PT tables", false, move |ctx| {
            if let Some(runs_path) = runs {
                ctx.message(format!("reading {}", runs_path.display()));
                let runs = crate::ft::Runs::open(&runs_path)?;
                let histories = history.map(|h| crate::ft::Histories::open(&h)).transpose()?;
                return Ok((Some(runs), histories));
            }
            ctx.message("reading the bundled synthetic sample");
            let (runs, histories) = crate::ft::sample()?;
            Ok((Some(runs), Some(histories)))
        });
    }

    /// Asks for a runs or histories file (the dialog runs on the worker) and reads it.
    fn open(&mut self, histories: bool, jobs: &mut Jobs) {
        let what = if histories { "run histories" } else { "fine-tuning runs" };
        self.loading.start_with(jobs, format!("Open {what}"), histories, move |ctx| {
            ctx.message("choosing a file");
            let title = format!("Open a table of {what}");
            let tables: &[(&str, &[&str])] = &[("Tables", &["parquet", "csv", "jsonl", "json", "pkl"])];
            let Some(path) = file_prompt::open(&title, tables, false).path()? else {
                return Ok((None, None));
            };
            Self::read(ctx, &path, histories)
        });
    }

    fn read(ctx: &crate::jobs::JobCtx, path: &std::path::Path, histories: bool) -> anyhow::Result<Loaded> {
        ctx.message(format!("reading {}", path.display()));
        if histories {
            Ok((None, Some(crate::ft::Histories::open(path)?)))
        } else {
            Ok((Some(crate::ft::Runs::open(path)?), None))
        }
    }

    /// Benchtop's own path field, while an open waits for one (the system dialog could not open).
    pub fn open_prompt(&mut self, ctx: &egui::Context, jobs: &mut Jobs) {
        let Some((prompt, histories)) = self.open_prompt.as_mut() else { return };
        let histories = *histories;
        let mut slot = Some(prompt.clone());
        let chosen = file_prompt::PathPrompt::show(ctx, &mut slot);
        match slot {
            Some(p) => *prompt = p,
            None => self.open_prompt = None,
        }
        if let Some(path) = chosen {
            self.loading
                .start_with(jobs, "Open a table", histories, move |ctx| Self::read(ctx, &path, histories));
        }
    }

    /// Takes finished loads.
    pub fn poll(&mut self, settings: &mut FtSettings, notifications: &mut crate::notify::Notifications) {
        let Some((_, histories_asked, result)) = self.loading.take_with() else { return };
        // Failures are toasts already, through the job; a dialog that could not open asks here.
        if let Err(err) = &result
            && file_prompt::no_dialog(err)
        {
            let default = file_prompt::default_folder();
            let prompt = file_prompt::PathPrompt::new("Open a table", &default, "Open");
            self.open_prompt = Some((prompt, histories_asked));
        }
        if let Ok((runs, histories)) = result {
            if let Some(runs) = runs {
                if let Some((line, reason)) = runs.skipped.first() {
                    notifications.warning(
                        format!("{}: skipped {} rows", runs.source.display(), runs.skipped.total),
                        format!("the first, row {line}: {reason}"),
                    );
                }
                if !runs.synthetic {
                    settings.runs_file = Some(runs.source.clone());
                }
                if !runs.matched_metrics().contains(&settings.metric) {
                    settings.metric = runs.matched_metrics().first().cloned().unwrap_or_default();
                }
                self.chosen = runs.runs.iter().take(6).map(|r| r.run_id.clone()).collect();
                // Histories of other runs (the sample's, say) do not describe these.
                if self
                    .histories
                    .as_ref()
                    .is_some_and(|h| !runs.runs.iter().any(|r| h.runs.contains_key(&r.run_id)))
                {
                    self.histories = None;
                    settings.history_file = None;
                }
                self.runs = Some(std::sync::Arc::new(runs));
            }
            if let Some(h) = histories {
                if self.runs.as_ref().is_some_and(|r| !r.synthetic) {
                    settings.history_file = Some(h.source.clone());
                }
                self.histories = Some(std::sync::Arc::new(h));
            }
        }
    }
}

fn group_colour(key: &str, colour_by: ColourBy) -> egui::Color32 {
    let index = match colour_by {
        ColourBy::Recipe => catalog::recipes().position(|r| r == key).unwrap_or(0),
        ColourBy::Size => catalog::size_rank(key).unwrap_or(0) * 3,
    };
    let [r, g, b] = crate::export::palette(index);
    egui::Color32::from_rgb(r, g, b)
}

fn key_of(run: &crate::ft::Run, colour_by: ColourBy) -> String {
    match colour_by {
        ColourBy::Recipe => run.ckpt_data.clone(),
        ColourBy::Size => run.ckpt_params.clone(),
    }
}

/// Groups (key, points, run ids) in a stable order.
fn grouped(
    runs: &Runs,
    settings: &FtSettings,
    point: impl Fn(&crate::ft::Run) -> Option<[f64; 2]>,
) -> Vec<(String, Vec<[f64; 2]>)> {
    let mut groups: Vec<(String, Vec<[f64; 2]>)> = Vec::new();
    for run in &runs.runs {
        let Some(p) = point(run) else { continue };
        let key = key_of(run, settings.colour_by);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(p),
            None => groups.push((key, vec![p])),
        }
    }
    let rank = |k: &str| match settings.colour_by {
        ColourBy::Recipe => catalog::recipes().position(|r| r == k).unwrap_or(usize::MAX),
        ColourBy::Size => catalog::size_rank(k).unwrap_or(usize::MAX),
    };
    groups.sort_by_key(|g| rank(&g.0));
    groups
}

fn scatter(ui: &mut egui::Ui, runs: &Runs, settings: &FtSettings) {
    let m = settings.metric.clone();
    let groups = grouped(runs, settings, |r| r.pair(&m).map(|(ft, pt)| [pt, ft]));
    let n: usize = groups.iter().map(|g| g.1.len()).sum();
    ui.weak(format!("{n} runs · above the line, fine-tuning helped"));
    let all: Vec<f64> = groups.iter().flat_map(|g| g.1.iter().flat_map(|p| [p[0], p[1]])).collect();
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Plot::new("ft_scatter")
        .legend(Legend::default())
        .data_aspect(1.0)
        .x_axis_label(format!("pre-trained checkpoint: pt_{m}"))
        .y_axis_label(format!("fine-tuned: ft_{m}"))
        .show(ui, |plot_ui| {
            if lo.is_finite() && hi > lo {
                let pad = (hi - lo) * 0.05;
                plot_ui.line(
                    Line::new("y = x", PlotPoints::from(vec![[lo - pad, lo - pad], [hi + pad, hi + pad]]))
                        .color(egui::Color32::GRAY)
                        .style(egui_plot::LineStyle::dashed_dense()),
                );
            }
            for (key, points) in groups {
                plot_ui.points(
                    Points::new(key.clone(), PlotPoints::from(points))
                        .radius(4.0)
                        .color(group_colour(&key, settings.colour_by)),
                );
            }
        });
}

fn gain(ui: &mut egui::Ui, runs: &Runs, settings: &mut FtSettings) {
    ui.horizontal(|ui| {
        ui.label("against the checkpoint's");
        ui.selectable_value(&mut settings.gain_against, GainAgainst::Size, "size (parameters, log)");
        ui.selectable_value(&mut settings.gain_against, GainAgainst::Steps, "training steps");
    });
    let m = settings.metric.clone();
    let against = settings.gain_against;
    let groups = grouped(runs, settings, |r| {
        let (ft, pt) = r.pair(&m)?;
        let x = match against {
            GainAgainst::Size => (catalog::size(&r.ckpt_params)?.params as f64).log10(),
            GainAgainst::Steps => r.ckpt_steps,
        };
        Some([x, ft - pt])
    });
    let x_label = match against {
        GainAgainst::Size => "checkpoint parameters (log10)".to_owned(),
        GainAgainst::Steps => "checkpoint steps".to_owned(),
    };
    Plot::new("ft_gain")
        .legend(Legend::default())
        .x_axis_label(x_label)
        .y_axis_label(format!("gain: ft_{m} - pt_{m}"))
        .show(ui, |plot_ui| {
            plot_ui.hline(egui_plot::HLine::new("no gain", 0.0).color(egui::Color32::GRAY));
            for (key, points) in groups {
                plot_ui.points(
                    Points::new(key.clone(), PlotPoints::from(points))
                        .radius(4.0)
                        .color(group_colour(&key, settings.colour_by)),
                );
            }
        });
}

fn loss(ui: &mut egui::Ui, runs: &Runs, histories: Option<&Histories>, state: &mut FtState) {
    let Some(histories) = histories else {
        ui.label(
            "No run histories loaded: open one (run_id, step, train_loss, learning_rate, total_tokens).",
        );
        return;
    };
    ui.weak(format!(
        "{} of {} runs drawn · choose them in the Runs table · {} runs have a history",
        state.chosen.len(),
        runs.runs.len(),
        histories.runs.len()
    ));
    Plot::new("ft_loss").legend(Legend::default()).x_axis_label("step").y_axis_label("train_loss").show(
        ui,
        |plot_ui| {
            for (i, id) in state.chosen.iter().enumerate() {
                let Some(points) = histories.runs.get(id) else { continue };
                let line: Vec<[f64; 2]> = points.iter().map(|p| [p.step, p.train_loss]).collect();
                let [r, g, b] = crate::export::palette(i);
                plot_ui.line(
                    Line::new(id.clone(), PlotPoints::from(line)).color(egui::Color32::from_rgb(r, g, b)),
                );
            }
        },
    );
}

fn table(ui: &mut egui::Ui, runs: &Runs, settings: &mut FtSettings, state: &mut FtState) {
    ui.horizontal_wrapped(|ui| {
        ui.label("column groups:");
        for group in GROUPS {
            let count = runs.columns.iter().filter(|c| column_group(c) == group).count();
            if count == 0 {
                continue;
            }
            let mut shown = !settings.hidden_groups.contains(group);
            if ui.checkbox(&mut shown, format!("{group} ({count})")).changed() {
                if shown {
                    settings.hidden_groups.remove(group);
                } else {
                    settings.hidden_groups.insert(group.to_owned());
                }
            }
        }
    });
    let columns: Vec<&String> = GROUPS
        .iter()
        .filter(|g| !settings.hidden_groups.contains(**g))
        .flat_map(|g| runs.columns.iter().filter(move |c| column_group(c) == *g))
        .collect();
    ui.weak("Click a row to draw (or stop drawing) its loss curve.");
    // Only the rows in view are laid out: a runs file may hold thousands.
    egui::ScrollArea::horizontal().id_salt("ft_table").show(ui, |ui| {
        ui.style_mut().interaction.selectable_labels = false;
        let mut table = egui_extras::TableBuilder::new(ui)
            .id_salt("ft_table_rows")
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
        for _ in &columns {
            table = table.column(egui_extras::Column::auto().at_least(40.0));
        }
        let mut clicked = None;
        table
            .header(20.0, |mut header| {
                let mut last_group = "";
                for c in &columns {
                    let group = column_group(c);
                    let title = if group != last_group { format!("{group}: {c}") } else { (*c).clone() };
                    last_group = group;
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(18.0, runs.runs.len(), |mut row| {
                    let run = &runs.runs[row.index()];
                    for (i, c) in columns.iter().enumerate() {
                        let text = match run.numbers.get(*c) {
                            Some(v) => crate::analysis::axis::format_value(*v),
                            None => run.texts.get(*c).cloned().unwrap_or_default(),
                        };
                        row.col(|ui| {
                            if i == 0 {
                                let chosen = state.chosen.contains(&run.run_id);
                                if ui.selectable_label(chosen, text).clicked() {
                                    clicked = Some(run.run_id.clone());
                                }
                            } else {
                                ui.label(text);
                            }
                        });
                    }
                });
            });
        if let Some(id) = clicked
            && !state.chosen.remove(&id)
        {
            state.chosen.insert(id);
        }
    });
}

fn show(ui: &mut egui::Ui, settings: &mut FtSettings, state: &mut FtState, jobs: &mut Jobs) {
    state.start(settings, jobs);
    ui.heading("Fine-tuning vs pretraining");
    ui.horizontal_wrapped(|ui| {
        ui.label("Runs:");
        match &state.runs {
            Some(runs) => {
                if runs.synthetic {
                    synthetic_badge(ui, "Made up by benchtop (src/ft/synth.rs) so the panel works offline");
                }
                ui.strong(format!("{} ({} runs)", runs.source.display(), runs.runs.len()));
            }
            None => {
                ui.weak(if state.loading.is_running() { "reading…" } else { "none" });
            }
        }
        if ui
            .button("Open runs…")
            .on_hover_text("parquet, CSV or JSONL with run_id, ckpt_*, lr, seed, ft_tok, ft_*/pt_* columns")
            .clicked()
        {
            state.open(false, jobs);
        }
        if ui
            .button("Open histories…")
            .on_hover_text("run_id, step, train_loss, learning_rate, total_tokens")
            .clicked()
        {
            state.open(true, jobs);
        }
        if settings.runs_file.is_some() && ui.button("Use the sample").clicked() {
            settings.runs_file = None;
            settings.history_file = None;
            state.started = false;
            state.start(settings, jobs);
        }
    });
    let Some(runs) = state.runs.clone() else { return };
    if runs.synthetic {
        ui.weak("A synthetic sample in the format of the seed's FT-vs-PT table; open your own runs to study real fine-tuning.");
    }
    let matched = runs.matched_metrics().to_vec();
    if matched.is_empty() {
        ui.label("This table has no metric with both an ft_ and a pt_ column.");
        return;
    }
    ui.horizontal(|ui| {
        let label = ui.label("metric");
        egui::ComboBox::from_id_salt("ft_metric")
            .selected_text(&settings.metric)
            .width(260.0)
            .show_ui(ui, |ui| {
                for m in &matched {
                    ui.selectable_value(&mut settings.metric, m.clone(), m);
                }
            })
            .response
            .labelled_by(label.id);
        ui.label("colour by");
        ui.selectable_value(&mut settings.colour_by, ColourBy::Recipe, "recipe");
        ui.selectable_value(&mut settings.colour_by, ColourBy::Size, "size");
    });
    ui.horizontal(|ui| {
        ui.selectable_value(&mut settings.tab, Tab::Scatter, "FT vs PT");
        ui.selectable_value(&mut settings.tab, Tab::Gain, "Gain");
        ui.selectable_value(&mut settings.tab, Tab::Loss, "Loss curves");
        ui.selectable_value(&mut settings.tab, Tab::Table, "Runs table");
    });
    ui.separator();
    match settings.tab {
        Tab::Scatter => scatter(ui, &runs, settings),
        Tab::Gain => gain(ui, &runs, settings),
        Tab::Loss => {
            let histories = state.histories.clone();
            loss(ui, &runs, histories.as_deref(), state)
        }
        Tab::Table => table(ui, &runs, settings, state),
    }
}
