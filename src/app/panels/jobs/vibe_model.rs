//! Text to config in the Jobs panel, with LatentScore's fast model (MiniLM retrieval over an
//! embedding map, `fast_model`) or the trained small model: train the latter (on the bundled
//! synthetic set or the set open in Vibes) and see its held-out accuracy next to the baselines;
//! type a vibe and audition the config predicted (the fast model shows the map rows it found);
//! predict a whole split to a 02b file that opens in Vibes, scored for both models side by side.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::fast_model::{self, FastModelState};
use crate::app::widgets::synthetic_badge;
use crate::app::{AppCommand, AppCtx, OpenVibes};
use crate::jobs::{JobId, Jobs, Latest};
use crate::ml::backend::Backend;
use crate::ml::fast::{FastCache, FastSource};
use crate::ml::vibe::data::{TEST_SPLIT, TRAIN_SPLIT, VAL_SPLIT};
use crate::ml::vibe::infer::{BatchReport, ConfigModel, Predictor, predict_set};
use crate::ml::vibe::score::{SplitScores, score_split};
use crate::ml::vibe::train::{TrainOptions, TrainReport, TrainRun, train};
use crate::notify::Notifications;
use crate::synth::config::Field;
use crate::synth::config::MusicConfig;
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

/// Which model turns a vibe into a config.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelChoice {
    /// LatentScore's default: all-MiniLM-L6-v2 and the embedding map's nearest row.
    #[default]
    Fast,
    /// The small model `Train` makes.
    Trained,
}

impl ModelChoice {
    pub fn label(self) -> &'static str {
        match self {
            ModelChoice::Fast => "fast (MiniLM retrieval)",
            ModelChoice::Trained => "trained small model",
        }
    }
}

/// Remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VibeModelSettings {
    pub model: ModelChoice,
    /// The MiniLM folder typed; empty: the Hugging Face cache's.
    pub minilm: String,
    /// The embedding map typed; empty: see `FastModelState::map_source`.
    pub map: String,
    /// Neighbours shown for a fast prediction.
    pub k: usize,
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
            model: ModelChoice::Fast,
            minilm: String::new(),
            map: String::new(),
            k: 5,
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

/// A config a model predicted for a vibe.
#[derive(Clone, Debug)]
pub struct Predicted {
    pub vibe: String,
    pub model: String,
    pub config: MusicConfig,
    /// The trained model's probability of each field's value.
    pub confidence: Option<Vec<f32>>,
    /// The fast model's nearest map rows, most similar first.
    pub neighbours: Vec<ShownNeighbour>,
    /// The model learnt from (or its map holds) synthetic rows.
    pub synthetic: bool,
}

/// A map row the fast model found.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownNeighbour {
    pub similarity: f32,
    pub vibe: String,
    pub title: Option<String>,
    pub split: Option<String>,
    pub line: usize,
}

/// What predicting a split left: the file, and the scores of every model at hand.
#[derive(Clone, Debug)]
pub struct BatchOutcome {
    pub report: BatchReport,
    pub scores: Option<SplitScores>,
    /// Why a model or the scores are missing.
    pub notes: Vec<String>,
}

/// What a split prediction needs.
pub struct BatchSpec {
    pub choice: ModelChoice,
    pub folder: Option<PathBuf>,
    pub fast: Option<(FastSource, Arc<FastCache>)>,
    pub set: Arc<VibeSet>,
    pub split: String,
    pub backend: Backend,
    /// Where the predictions go.
    pub out: PathBuf,
}

/// The model's jobs and what they left.
#[derive(Default)]
pub struct VibeModelState {
    training: Latest<TrainReport>,
    pub report: Option<TrainReport>,
    predicting: Latest<Predicted>,
    pub predicted: Option<Predicted>,
    batch: Latest<BatchOutcome>,
    pub batch_result: Option<BatchOutcome>,
    pub fast: FastModelState,
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

    /// Predicts the config of one vibe with the trained model in `folder`.
    pub fn start_prediction(&mut self, jobs: &mut Jobs, folder: PathBuf, vibe: String, backend: Backend) {
        self.predicting.start(jobs, "Predict a config (trained model)", move |ctx| {
            ctx.message(format!("loading the model in {}", folder.display()));
            let predictor = Predictor::load(&folder, backend)?;
            let prediction = predictor.predict_one(&vibe);
            ctx.progress(1.0, "predicted");
            Ok(Predicted {
                vibe,
                model: predictor.name(),
                config: prediction.config,
                confidence: Some(prediction.confidence.to_vec()),
                neighbours: Vec::new(),
                synthetic: predictor.synthetic(),
            })
        });
    }

    /// Predicts the config of one vibe with the fast model, keeping its `k` nearest map rows.
    pub fn start_fast_prediction(&mut self, jobs: &mut Jobs, source: FastSource, vibe: String, k: usize) {
        let cache = self.fast.cache.clone();
        self.predicting.start(jobs, "Predict a config (fast model)", move |ctx| {
            let model = cache.get_or_load(&source, ctx)?;
            ctx.message("embedding the vibe and searching the map");
            let got = model.retrieve_one(&vibe, k)?;
            let config = got.payload.get("config").and_then(|c| c.as_object()).map(MusicConfig::from_json);
            let config =
                config.ok_or_else(|| anyhow::anyhow!("the nearest map row has no config object"))?.config;
            let neighbours = got
                .neighbours
                .iter()
                .map(|n| {
                    let row = &model.map.rows[n.row];
                    ShownNeighbour {
                        similarity: n.similarity,
                        vibe: row.vibe.clone(),
                        title: row.title.clone(),
                        split: row.split.clone(),
                        line: row.line,
                    }
                })
                .collect();
            ctx.progress(1.0, "predicted");
            Ok(Predicted {
                vibe,
                model: model.name(),
                config,
                confidence: None,
                neighbours,
                synthetic: model.synthetic(),
            })
        });
    }

    /// Predicts every row of a split with the chosen model (02b JSONL to `spec.out`), then scores
    /// every model at hand on the split beside the baselines.
    pub fn start_batch(&mut self, jobs: &mut Jobs, spec: BatchSpec) {
        let name = format!("Predict configs for {} ({})", spec.split, spec.choice.label());
        self.batch.start(jobs, name, move |ctx| run_batch(spec, ctx));
    }

    /// Takes finished jobs' results (a failure is a toast already, through the job).
    pub fn poll(&mut self, notifications: &mut Notifications) {
        self.fast.poll(notifications);
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
        if let Some((id, Ok(outcome))) = self.batch.take() {
            let r = &outcome.report;
            notifications.success(format!("{} configs predicted to {}", r.rows, r.out.display()));
            self.batch_result = Some(outcome);
            self.shown_from[2] = Some(id);
            self.results_open = true;
        }
    }

    /// Whether the results shown came from this job.
    pub fn shows_results_of(&self, id: JobId) -> bool {
        self.shown_from.contains(&Some(id))
    }
}

/// The split job: the chosen model's predictions, then both models' scores where each is at hand.
fn run_batch(spec: BatchSpec, ctx: &crate::jobs::JobCtx) -> anyhow::Result<BatchOutcome> {
    let mut notes = Vec::new();
    let trained = match &spec.folder {
        Some(folder) => Predictor::load(folder, spec.backend)
            .map_err(|e| notes.push(format!("trained model: {e:#}")))
            .ok(),
        None => None,
    };
    let fast = match &spec.fast {
        Some((source, cache)) => {
            let part = crate::jobs::Scaled { inner: ctx, start: 0.0, span: 0.3 };
            match cache.get_or_load(source, &part) {
                Ok(model) => Some(model),
                Err(e) if spec.choice == ModelChoice::Fast => return Err(e),
                Err(e) => {
                    notes.push(format!("fast model: {e:#}"));
                    None
                }
            }
        }
        None => {
            notes.push("fast model: all-MiniLM-L6-v2 is not downloaded".to_owned());
            None
        }
    };
    let chosen: &dyn ConfigModel = match spec.choice {
        ModelChoice::Fast => {
            fast.as_deref().ok_or_else(|| anyhow::anyhow!("all-MiniLM-L6-v2 is not downloaded"))?
        }
        ModelChoice::Trained => trained.as_ref().ok_or_else(|| {
            anyhow::anyhow!("{}", notes.first().cloned().unwrap_or_else(|| "no trained model".to_owned()))
        })?,
    };
    if let Some(dir) = spec.out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
    }
    let part = crate::jobs::Scaled { inner: ctx, start: 0.3, span: 0.35 };
    let report = predict_set(chosen, &spec.set, Some(&spec.split), &spec.out, &part)?;
    // The fast model is scored without the map's rows of the split itself (they would answer
    // their own vibes).
    let fast_scored = match &fast {
        Some(model) => {
            model.without_split(&spec.split).map_err(|e| notes.push(format!("fast model: {e:#}"))).ok()
        }
        None => None,
    };
    let mut models: Vec<&dyn ConfigModel> = Vec::new();
    if let Some(model) = &fast_scored {
        models.push(model);
    }
    if let Some(model) = &trained {
        models.push(model);
    }
    let part = crate::jobs::Scaled { inner: ctx, start: 0.65, span: 0.35 };
    let scores = score_split(&spec.set, &spec.split, &models, &part)
        .map_err(|e| notes.push(format!("scores: {e:#}")))
        .ok();
    Ok(BatchOutcome { report, scores, notes })
}

fn set_label(set: &VibeSet) -> String {
    let file = set.files.first().map_or_else(String::new, |f| crate::paths::file_name(f));
    format!("{file} ({} rows)", set.rows.len())
}

/// The start controls: training, the model choice, one vibe, a split. Returns the training it
/// started, if any.
pub fn controls(
    ui: &mut egui::Ui,
    state: &mut VibeModelState,
    settings: &mut VibeModelSettings,
    ctx: &mut AppCtx,
    backend: Backend,
) -> Option<JobId> {
    let folder = settings.folder(ctx.cache.as_deref());
    let open = ctx.vibes.clone();
    let started = train_row(ui, state, settings, (open.as_ref(), folder.clone(), backend), &mut ctx.jobs);
    ui.horizontal(|ui| {
        ui.label("model folder");
        let hint =
            folder.as_ref().map_or("(no cache folder: type one)".to_owned(), |f| f.display().to_string());
        ui.add(egui::TextEdit::singleline(&mut settings.folder).hint_text(hint).desired_width(420.0))
            .on_hover_text("Checkpoints (burn records), the report and batch predictions go here");
    });
    ui.horizontal(|ui| {
        ui.label("Predict with");
        for choice in [ModelChoice::Fast, ModelChoice::Trained] {
            ui.radio_value(&mut settings.model, choice, choice.label()).on_hover_text(match choice {
                ModelChoice::Fast => {
                    "LatentScore's default: embed the vibe with all-MiniLM-L6-v2 and return the config of \
                     the embedding map's nearest vibe (cosine similarity)"
                }
                ModelChoice::Trained => "The small model trained above (one classification head per field)",
            });
        }
    });
    if settings.model == ModelChoice::Fast {
        fast_model::controls(
            ui,
            &mut state.fast,
            (&mut settings.minilm, &mut settings.map, &mut settings.k),
            ctx,
        );
    }
    let fast = fast_model::source(
        &mut state.fast,
        (&settings.minilm, &settings.map),
        (&ctx.hub, ctx.cache.as_deref()),
        backend,
    );
    let ready = match settings.model {
        ModelChoice::Fast => fast.is_some(),
        ModelChoice::Trained => folder.is_some(),
    };
    ui.horizontal(|ui| {
        let edit = ui.add(
            egui::TextEdit::singleline(&mut settings.vibe).hint_text("type a vibe").desired_width(420.0),
        );
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let ready = ready && !settings.vibe.trim().is_empty();
        let clicked = ui
            .add_enabled(ready, egui::Button::new("Predict config"))
            .on_hover_text(format!("Run the {} on this vibe (Enter in the box)", settings.model.label()))
            .on_disabled_hover_text("Type a vibe; the fast model needs all-MiniLM-L6-v2 (Fetch model)")
            .clicked();
        if clicked || entered && ready {
            let vibe = settings.vibe.trim().to_owned();
            match (settings.model, fast.clone(), folder.clone()) {
                (ModelChoice::Fast, Some(source), _) => {
                    state.start_fast_prediction(&mut ctx.jobs, source, vibe, settings.k.max(1));
                }
                (ModelChoice::Trained, _, Some(folder)) => {
                    state.start_prediction(&mut ctx.jobs, folder, vibe, backend)
                }
                _ => {}
            }
        }
    });
    split_row(ui, state, settings, ctx, (open.as_ref(), folder, fast, ready, backend));
    started
}

/// Predict a split: the button, the split, the set it reads.
fn split_row(
    ui: &mut egui::Ui,
    state: &mut VibeModelState,
    settings: &mut VibeModelSettings,
    ctx: &mut AppCtx,
    (open, folder, fast, ready, backend): (
        Option<&OpenVibes>,
        Option<PathBuf>,
        Option<FastSource>,
        bool,
        Backend,
    ),
) {
    ui.horizontal(|ui| {
        let set = open.map(|o| &o.set);
        let out_dir = match settings.model {
            ModelChoice::Fast => ctx.cache.as_ref().map(|c| c.join("predictions")),
            ModelChoice::Trained => folder.clone(),
        };
        let clicked = ui
            .add_enabled(set.is_some() && ready && out_dir.is_some(), egui::Button::new("Predict a split"))
            .on_hover_text(
                "Predict a config for every vibe of a split of the set open in Vibes (writes 02b JSONL), \
                 and score both models and the baselines on it, field by field",
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
        if clicked && let (Some(set), Some(dir)) = (set, out_dir) {
            let model = match settings.model {
                ModelChoice::Fast => "fast",
                ModelChoice::Trained => "trained",
            };
            let spec = BatchSpec {
                choice: settings.model,
                folder: folder.clone(),
                fast: fast.clone().map(|f| (f, state.fast.cache.clone())),
                set: set.clone(),
                split: settings.split.clone(),
                backend,
                out: dir.join(format!("predictions-{model}-{}.jsonl", settings.split)),
            };
            state.start_batch(&mut ctx.jobs, spec);
        }
    });
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

/// The results: the last prediction (with the fast model's neighbours), the last split's scores,
/// the trained model's held-out accuracy next to the baselines.
pub fn results(ui: &mut egui::Ui, state: &VibeModelState, ctx: &mut AppCtx) {
    if let Some(p) = &state.predicted {
        prediction_view(ui, p, ctx);
        ui.add_space(6.0);
    }
    if let Some(batch) = &state.batch_result {
        batch_view(ui, batch, ctx);
        ui.add_space(6.0);
    }
    if let Some(report) = &state.report {
        report_view(ui, report);
    }
}

fn prediction_view(ui: &mut egui::Ui, p: &Predicted, ctx: &mut AppCtx) {
    ui.horizontal(|ui| {
        ui.strong(format!("Config predicted for {:?}", p.vibe));
        if p.synthetic {
            synthetic_badge(ui, "The model learnt from (or its map holds) synthetic vibes and configs");
        }
        if ui
            .button("Render & audition")
            .on_hover_text("Open it in the Audition panel and render it")
            .clicked()
        {
            ctx.send(AppCommand::Audition(Box::new(p.config.clone())));
        }
    });
    ui.weak(format!("by {}", p.model));
    if !p.neighbours.is_empty() {
        ui.label("Nearest vibes in the map (the first one's config is the answer):");
        egui::Grid::new("fast_neighbours").striped(true).num_columns(5).show(ui, |ui| {
            for header in ["#", "Similarity", "Vibe", "Title", "Split · line"] {
                ui.strong(header);
            }
            ui.end_row();
            for (rank, n) in p.neighbours.iter().enumerate() {
                ui.label(format!("{}", rank + 1));
                ui.label(format!("{:.3}", n.similarity));
                ui.label(crate::ml::fast::shorten(&n.vibe, 90)).on_hover_text(&n.vibe);
                ui.label(n.title.as_deref().unwrap_or("—"));
                ui.weak(format!("{} · {}", n.split.as_deref().unwrap_or("—"), n.line));
                ui.end_row();
            }
        });
    }
    let columns = if p.confidence.is_some() { 6 } else { 4 };
    egui::Grid::new("vibe_prediction").striped(true).num_columns(columns).show(ui, |ui| {
        for (f, field) in Field::all().enumerate() {
            let spec = field.spec();
            ui.label(spec.name);
            ui.label(spec.display(p.config.get(field)));
            if let Some(confidence) = &p.confidence {
                ui.weak(format!("{:.0}%", 100.0 * confidence[f]));
            }
            if f % 2 == 1 {
                ui.end_row();
            }
        }
    });
}

fn batch_view(ui: &mut egui::Ui, batch: &BatchOutcome, ctx: &mut AppCtx) {
    let r = &batch.report;
    ui.horizontal(|ui| {
        ui.label(format!("{} configs predicted to {}", r.rows, r.out.display()));
        if ui.button("Open in Vibes").clicked() {
            ctx.send(AppCommand::OpenInVibes(r.out.clone()));
        }
    });
    for note in &batch.notes {
        ui.weak(note);
    }
    let Some(scores) = &batch.scores else { return };
    ui.horizontal(|ui| {
        ui.label(format!(
            "Accuracy on {} ({} rows with a config; the fast model searches the map without {}'s rows):",
            scores.split, scores.rows, scores.split
        ));
        if scores.synthetic {
            synthetic_badge(ui, "Scored on synthetic vibes and configs");
        }
    });
    let means = scores.means();
    egui::Grid::new("vibe_split_scores").striped(true).num_columns(scores.columns.len() + 2).show(ui, |ui| {
        ui.strong("Field");
        ui.strong("Options");
        for c in &scores.columns {
            ui.strong(crate::ml::fast::shorten(c, 40)).on_hover_text(c);
        }
        ui.end_row();
        ui.strong("mean over fields");
        ui.label("");
        for m in &means {
            ui.strong(format!("{:.1}%", 100.0 * m));
        }
        ui.end_row();
        for f in &scores.fields {
            ui.label(&f.field);
            ui.label(f.options.to_string());
            let best = f.accuracy.iter().copied().fold(0.0, f64::max);
            for a in &f.accuracy {
                let text = egui::RichText::new(format!("{:.1}%", 100.0 * a));
                ui.label(if *a >= best { text.strong() } else { text });
            }
            ui.end_row();
        }
    });
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
