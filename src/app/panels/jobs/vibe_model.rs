//! The vibe-to-config model in the Jobs panel: train it (on the bundled synthetic set or the set
//! open in Vibes), see its held-out accuracy next to the baselines, type a vibe and audition the
//! config it predicts, or predict a whole split to a 02b file that opens in Vibes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::app::widgets::synthetic_badge;
use crate::app::{AppCommand, AppCtx, OpenVibes};
use crate::jobs::{JobId, Jobs, Latest};
use crate::ml::backend::Backend;
use crate::ml::vibe::data::{TEST_SPLIT, TRAIN_SPLIT, VAL_SPLIT};
use crate::ml::vibe::infer::{BatchReport, Prediction, Predictor, predict_set};
use crate::ml::vibe::train::{TrainOptions, TrainReport, TrainRun, train};
use crate::notify::Notifications;
use crate::synth::config::Field;
use crate::vibes::VibeSet;
use crate::vibes::synthetic::{TRAIN_FILE, TRAIN_VIBES};

/// Which rows the model trains on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrainData {
    /// `data/latentscore-synthetic-train.jsonl`, built into the binary.
    #[default]
    Bundled,
    /// Whatever file the Vibes panel has open (02b, 02c or the embedding map).
    Vibes,
}

/// Remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VibeModelSettings {
    pub data: TrainData,
    pub epochs: usize,
    pub resume: bool,
    /// Where the model is kept; empty: `<cache>/models/vibe-to-config`.
    pub folder: String,
    /// The vibe typed last.
    pub vibe: String,
    /// The split batch prediction runs on.
    pub split: String,
}

impl Default for VibeModelSettings {
    fn default() -> Self {
        Self {
            data: TrainData::Bundled,
            epochs: TrainOptions::default().epochs,
            resume: false,
            folder: String::new(),
            vibe: "A slow, misty harbour before dawn, dim and melancholic".to_owned(),
            split: TEST_SPLIT.to_owned(),
        }
    }
}

impl VibeModelSettings {
    /// The model's folder: the one typed, else under the cache.
    pub fn folder(&self, cache: Option<&Path>) -> Option<PathBuf> {
        let typed = self.folder.trim();
        if typed.is_empty() {
            cache.map(|c| c.join("models").join("vibe-to-config"))
        } else {
            Some(typed.into())
        }
    }
}

/// A config the model predicted for a vibe.
#[derive(Clone, Debug)]
pub struct Predicted {
    pub vibe: String,
    pub prediction: Prediction,
    /// The model learnt from synthetic rows.
    pub synthetic: bool,
}

/// The model's jobs and what they left.
#[derive(Default)]
pub struct VibeModelState {
    training: Latest<TrainReport>,
    pub report: Option<TrainReport>,
    predicting: Latest<Predicted>,
    pub predicted: Option<Predicted>,
    batch: Latest<BatchReport>,
    pub batch_result: Option<BatchReport>,
    /// Open the results below the jobs on the next frame.
    pub results_open: bool,
    /// The jobs that left the report, the prediction and the batch shown (the job list links
    /// them here).
    shown_from: [Option<JobId>; 3],
}

/// The rows training reads: the set open in Vibes, or the bundled one (read on the worker).
pub type TrainSource = Option<(Arc<VibeSet>, String)>;

impl VibeModelState {
    pub fn training(&self) -> Option<JobId> {
        self.training.id()
    }

    /// Starts training on `source` (`run.source` is replaced by its label), into `run.out`.
    pub fn start_training(&mut self, jobs: &mut Jobs, source: TrainSource, mut run: TrainRun) {
        self.training.start(jobs, "Train vibe-to-config model", move |ctx| {
            ctx.message(format!("reading the training rows; burn on {}", run.backend.label()));
            let (set, label) = match source {
                Some(source) => source,
                None => (Arc::new(VibeSet::training_sample()?), TRAIN_FILE.to_owned()),
            };
            run.source = label;
            let examples = crate::ml::vibe::data::examples(&set);
            train(&examples, &run, ctx)
        });
    }

    /// Predicts the config of one vibe with the model in `folder`.
    pub fn start_prediction(&mut self, jobs: &mut Jobs, folder: PathBuf, vibe: String, backend: Backend) {
        self.predicting.start(jobs, "Predict a config", move |ctx| {
            ctx.message(format!("loading the model in {}", folder.display()));
            let predictor = Predictor::load(&folder, backend)?;
            let prediction = predictor.predict_one(&vibe);
            ctx.progress(1.0, "predicted");
            Ok(Predicted { vibe, prediction, synthetic: predictor.synthetic() })
        });
    }

    /// Predicts every row of `split` of a set and writes them as 02b JSONL in the model's folder.
    pub fn start_batch(
        &mut self,
        jobs: &mut Jobs,
        folder: PathBuf,
        set: Arc<VibeSet>,
        split: String,
        backend: Backend,
    ) {
        self.batch.start(jobs, format!("Predict configs for {split}"), move |ctx| {
            ctx.message(format!("loading the model in {}", folder.display()));
            let predictor = Predictor::load(&folder, backend)?;
            let out = folder.join(format!("predictions-{split}.jsonl"));
            predict_set(&predictor, &set, Some(&split), &out, ctx)
        });
    }

    /// Takes finished jobs' results (a failure is a toast already, through the job).
    pub fn poll(&mut self, notifications: &mut Notifications) {
        if let Some((id, Ok(report))) = self.training.take() {
            let (model, majority, nearest) = report.evaluation.means();
            notifications.success(format!(
                "Vibe-to-config model trained{}: {} mean accuracy {:.1}% (majority {:.1}%, nearest neighbour {:.1}%)",
                if report.synthetic { " on SYNTHETIC data" } else { "" },
                report.evaluation.split,
                100.0 * model,
                100.0 * majority,
                100.0 * nearest
            ));
            self.report = Some(report);
            self.shown_from[0] = Some(id);
            self.results_open = true;
        }
        if let Some((id, Ok(predicted))) = self.predicting.take() {
            self.predicted = Some(predicted);
            self.shown_from[1] = Some(id);
            self.results_open = true;
        }
        if let Some((id, Ok(report))) = self.batch.take() {
            notifications.success(format!("{} configs predicted to {}", report.rows, report.out.display()));
            self.batch_result = Some(report);
            self.shown_from[2] = Some(id);
            self.results_open = true;
        }
    }

    /// Whether the results shown came from this job.
    pub fn shows_results_of(&self, id: JobId) -> bool {
        self.shown_from.contains(&Some(id))
    }
}

fn set_label(set: &VibeSet) -> String {
    let file = set.files.first().map_or_else(String::new, |f| crate::paths::file_name(f));
    format!("{file} ({} rows)", set.rows.len())
}

/// The start controls: training, one vibe, a split. Returns the training it started, if any.
pub fn controls(
    ui: &mut egui::Ui,
    state: &mut VibeModelState,
    settings: &mut VibeModelSettings,
    ctx: &mut AppCtx,
    backend: Backend,
) -> Option<JobId> {
    let folder = settings.folder(ctx.cache.as_deref());
    let open = ctx.vibes.clone();
    let vibes = open.as_ref().map(|o| &o.set);
    let jobs = &mut ctx.jobs;
    let started = train_row(ui, state, settings, (open.as_ref(), folder.clone(), backend), jobs);
    ui.horizontal(|ui| {
        ui.label("model folder");
        let hint =
            folder.as_ref().map_or("(no cache folder: type one)".to_owned(), |f| f.display().to_string());
        ui.add(egui::TextEdit::singleline(&mut settings.folder).hint_text(hint).desired_width(420.0))
            .on_hover_text("Checkpoints (burn records), the report and batch predictions go here");
    });
    ui.horizontal(|ui| {
        let edit = ui.add(
            egui::TextEdit::singleline(&mut settings.vibe).hint_text("type a vibe").desired_width(420.0),
        );
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let ready = folder.is_some() && !settings.vibe.trim().is_empty();
        let clicked = ui
            .add_enabled(ready, egui::Button::new("Predict config"))
            .on_hover_text("Run the trained model on this vibe (Enter in the box)")
            .clicked();
        if (clicked || entered && ready)
            && let Some(folder) = folder.clone()
        {
            state.start_prediction(jobs, folder, settings.vibe.trim().to_owned(), backend);
        }
    });
    ui.horizontal(|ui| {
        let set = vibes;
        let clicked = ui
            .add_enabled(set.is_some() && folder.is_some(), egui::Button::new("Predict a split"))
            .on_hover_text(
                "Predict a config for every vibe of a split of the set open in Vibes; writes 02b JSONL",
            )
            .on_disabled_hover_text("Open a LatentScore file in Vibes first")
            .clicked();
        egui::ComboBox::from_id_salt("vibe_predict_split")
            .selected_text(settings.split.clone())
            .show_ui(ui, |ui| {
                for split in [TRAIN_SPLIT, VAL_SPLIT, "GRPO", TEST_SPLIT] {
                    ui.selectable_value(&mut settings.split, split.to_owned(), split);
                }
            })
            .response
            .accessible_name("Split to predict");
        ui.weak(
            set.map_or("of the set open in Vibes (none open)".to_owned(), |s| format!("of {}", set_label(s))),
        );
        if clicked && let (Some(set), Some(folder)) = (set, folder.clone()) {
            state.start_batch(jobs, folder, set.clone(), settings.split.clone(), backend);
        }
    });
    started
}

/// The training row: Train, what on, epochs, resume; returns the training it started, if any.
fn train_row(
    ui: &mut egui::Ui,
    state: &mut VibeModelState,
    settings: &mut VibeModelSettings,
    (open, folder, backend): (Option<&OpenVibes>, Option<PathBuf>, Backend),
    jobs: &mut Jobs,
) -> Option<JobId> {
    let vibes = open.map(|o| &o.set);
    let bundled = format!("the bundled training set ({TRAIN_VIBES} vibes)");
    let mut started = None;
    ui.horizontal(|ui| {
        let running = state.training().is_some();
        let source_ok = settings.data == TrainData::Bundled || vibes.is_some();
        let button = ui
            .add_enabled(
                !running && source_ok && folder.is_some(),
                egui::Button::new("Train vibe-to-config model"),
            )
            .on_hover_text(
                "Learn to predict every config field from a vibe's words (a classification head per \
                 field), trained on the noisy vibes of SFT-Train, checked on SFT-Val, reported on TEST",
            )
            .on_disabled_hover_text(if running {
                "Training is running"
            } else if folder.is_none() {
                "No folder for the model: type one"
            } else {
                "Open a LatentScore file in Vibes first, or train on the bundled set"
            });
        if button.clicked()
            && let Some(folder) = folder.clone()
        {
            let source = match settings.data {
                TrainData::Bundled => None,
                TrainData::Vibes => vibes.map(|set| (set.clone(), set_label(set))),
            };
            let options = TrainOptions { epochs: settings.epochs, ..TrainOptions::default() };
            let run =
                TrainRun { source: String::new(), out: folder, options, resume: settings.resume, backend };
            state.start_training(jobs, source, run);
            started = state.training();
        }
        ui.label("on");
        let vibes_text = vibes.map_or("the set open in Vibes (none open)".to_owned(), |s| {
            format!("the set open in Vibes: {}", set_label(s))
        });
        egui::ComboBox::from_id_salt("vibe_train_data")
            .selected_text(match settings.data {
                TrainData::Bundled => bundled.clone(),
                TrainData::Vibes => vibes_text.clone(),
            })
            .width(300.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut settings.data, TrainData::Bundled, bundled);
                ui.selectable_value(&mut settings.data, TrainData::Vibes, vibes_text);
            })
            .response
            .accessible_name("Training data");
        let synthetic = match settings.data {
            TrainData::Bundled => true,
            TrainData::Vibes => open.is_some_and(|o| o.synthetic),
        };
        if synthetic {
            synthetic_badge(ui, "These vibes and configs are synthetic, made by benchtop, not LatentScore's");
        }
        ui.label("epochs");
        ui.add(egui::DragValue::new(&mut settings.epochs).range(1..=500))
            .on_hover_text("Passes over SFT-Train");
        ui.checkbox(&mut settings.resume, "resume")
            .on_hover_text("Continue from the checkpoint in the model's folder instead of starting afresh");
    });
    started
}

/// The results: held-out accuracy per field next to the baselines, the last prediction, the
/// last batch.
pub fn results(ui: &mut egui::Ui, state: &VibeModelState, ctx: &mut AppCtx) {
    if let Some(p) = &state.predicted {
        ui.horizontal(|ui| {
            ui.strong(format!("Config predicted for {:?}", p.vibe));
            if p.synthetic {
                synthetic_badge(ui, "The model learnt from synthetic vibes and configs");
            }
            if ui
                .button("Render & audition")
                .on_hover_text("Open it in the Audition panel and render it")
                .clicked()
            {
                ctx.send(AppCommand::Audition(Box::new(p.prediction.config.clone())));
            }
        });
        egui::Grid::new("vibe_prediction").striped(true).num_columns(6).show(ui, |ui| {
            for (f, field) in Field::all().enumerate() {
                let spec = field.spec();
                ui.label(spec.name);
                ui.label(spec.display(p.prediction.config.get(field)));
                ui.weak(format!("{:.0}%", 100.0 * p.prediction.confidence[f]));
                if f % 2 == 1 {
                    ui.end_row();
                }
            }
        });
        ui.add_space(6.0);
    }
    if let Some(batch) = &state.batch_result {
        ui.horizontal(|ui| {
            ui.label(format!("{} configs predicted to {}", batch.rows, batch.out.display()));
            if ui.button("Open in Vibes").clicked() {
                ctx.send(AppCommand::OpenInVibes(batch.out.clone()));
            }
        });
        ui.add_space(6.0);
    }
    if let Some(report) = &state.report {
        report_view(ui, report);
    }
}

fn report_view(ui: &mut egui::Ui, report: &TrainReport) {
    let e = &report.evaluation;
    ui.horizontal(|ui| {
        ui.label(format!(
            "Trained on {} ({} SFT-Train rows, {} skipped): {} epochs, {} steps on {}, {:.0} rows/s. \
             Accuracy on {} ({} rows, clean vibes):",
            report.source,
            report.rows[0],
            report.skipped,
            report.epochs,
            report.steps,
            report.device,
            report.rows_per_second,
            e.split,
            e.rows
        ));
        if report.synthetic {
            synthetic_badge(ui, "Trained and evaluated on synthetic vibes and configs");
        }
    });
    let (m, maj, nn) = e.means();
    egui::Grid::new("vibe_model_scores").striped(true).num_columns(5).show(ui, |ui| {
        for header in ["Field", "Options", "Model", "Majority", "Nearest neighbour"] {
            ui.strong(header);
        }
        ui.end_row();
        ui.strong("mean over fields");
        ui.label("");
        for x in [m, maj, nn] {
            ui.strong(format!("{:.1}%", 100.0 * x));
        }
        ui.end_row();
        for f in &e.fields {
            ui.label(&f.field);
            ui.label(f.options.to_string());
            let best = f.model >= f.majority.max(f.nearest);
            let text = egui::RichText::new(format!("{:.1}%", 100.0 * f.model));
            ui.label(if best { text.strong() } else { text });
            ui.label(format!("{:.1}%", 100.0 * f.majority));
            ui.label(format!("{:.1}%", 100.0 * f.nearest));
            ui.end_row();
        }
    });
}
