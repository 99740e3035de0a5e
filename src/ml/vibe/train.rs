//! Training: Adam (burn's) on the mean per-field cross-entropy, mini-batches shuffled per epoch
//! by a seeded generator, trained on the noisy vibes of SFT-Train, checked each epoch on the clean
//! vibes of SFT-Val, reported on TEST next to the baselines. A checkpoint (the model and the
//! optimizer as burn records, and `checkpoint.json` with where training stands) is written after
//! every epoch and when the job is cancelled; training resumes from it.
//!
//! A checkpoint is one unit: each save writes the model and optimizer to files named after its
//! step, then `checkpoint.json` (atomically, last) naming them with their SHA-256, then removes
//! the previous step's files. Killed at any moment, the folder still holds a `checkpoint.json`
//! whose files exist and match; resuming or loading checks them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Device;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::baseline::{Nearest, majority};
use super::data::{Example, Examples, TEST_SPLIT, VAL_SPLIT};
use super::model::{
    Shape, VibeNet, argmax_labels, encode_ids, field_probabilities, loss, predict_logits, targets,
};
use super::text::feature_ids;
use crate::jobs::{Cancelled, Progress};
use crate::ml::backend::Backend;
use crate::paths;
use crate::synth::config::{FIELD_COUNT, Field};

/// How to train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainOptions {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub shape: Shape,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self { epochs: 12, batch_size: 32, learning_rate: 0.01, shape: Shape::default(), seed: 0 }
    }
}

/// One field's held-out accuracy: the model's and the baselines'.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldScore {
    pub field: String,
    pub options: usize,
    pub model: f64,
    pub majority: f64,
    pub nearest: f64,
}

/// Per-field accuracy on one split.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub split: String,
    pub rows: usize,
    pub fields: Vec<FieldScore>,
}

impl Evaluation {
    /// The mean over fields of (model, majority, nearest neighbour).
    pub fn means(&self) -> (f64, f64, f64) {
        let n = self.fields.len().max(1) as f64;
        let sum = |f: fn(&FieldScore) -> f64| self.fields.iter().map(f).sum::<f64>() / n;
        (sum(|s| s.model), sum(|s| s.majority), sum(|s| s.nearest))
    }

    pub fn field(&self, name: &str) -> Option<&FieldScore> {
        self.fields.iter().find(|f| f.field == name)
    }
}

/// One epoch's line of the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Epoch {
    pub epoch: usize,
    pub step: usize,
    pub train_loss: f64,
    /// Mean over fields of the SFT-Val accuracy (clean text); none without SFT-Val rows.
    pub val_accuracy: Option<f64>,
    /// Training rows per second of this epoch's steps (in the run that finished it): the first
    /// epoch on wgpu includes compiling its kernels, later ones show the steady rate.
    #[serde(default)]
    pub rows_per_second: Option<f64>,
}

/// What a training run leaves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    pub source: String,
    pub synthetic: bool,
    pub device: String,
    pub out: PathBuf,
    /// Rows of SFT-Train, SFT-Val and TEST; rows skipped.
    pub rows: [usize; 3],
    pub skipped: usize,
    pub epochs: usize,
    pub steps: usize,
    /// Seconds spent in training steps by this run (not evaluation, not a resumed run's earlier part).
    pub seconds: f64,
    /// Training rows through forward, backward and the optimizer per second, in this run.
    pub rows_per_second: f64,
    pub history: Vec<Epoch>,
    /// On TEST (SFT-Val when there is no TEST row).
    pub evaluation: Evaluation,
}

/// Where training stands (`checkpoint.json` beside the burn records).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    pub shape: Shape,
    /// The heads' layout: each field and its options, in order.
    pub heads: Vec<(String, Vec<String>)>,
    pub options: TrainOptions,
    /// Epochs finished, and batches done of the next one.
    pub epoch: usize,
    pub batch: usize,
    /// The sum and count of this epoch's step losses so far (its mean goes into the history,
    /// also when a cancelled epoch is resumed).
    #[serde(default)]
    pub epoch_loss: (f64, usize),
    pub step: usize,
    pub history: Vec<Epoch>,
    pub source: String,
    pub synthetic: bool,
    /// Set once training finished.
    pub report: Option<TrainReport>,
    /// The model and optimizer files this checkpoint goes with, and their SHA-256 (absent in
    /// checkpoints written before saves were named: `model.bpk` and `optimizer.bpk`, unchecked).
    #[serde(default)]
    pub files: Option<CheckpointFiles>,
}

/// The files of one save, named in `checkpoint.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckpointFiles {
    pub model: String,
    pub model_sha256: String,
    pub optimizer: String,
    pub optimizer_sha256: String,
}

/// The model and optimizer files of checkpoints written before they were named per step.
pub const MODEL_FILE: &str = "model.bpk";
pub const OPTIMIZER_FILE: &str = "optimizer.bpk";
pub const CHECKPOINT_FILE: &str = "checkpoint.json";

/// This build's heads: every field and its options.
pub fn heads() -> Vec<(String, Vec<String>)> {
    Field::all()
        .map(|f| (f.spec().name.to_owned(), f.spec().options.iter().map(|o| (*o).to_owned()).collect()))
        .collect()
}

impl Checkpoint {
    /// Reads `checkpoint.json` of a model folder (`None` when there is none).
    pub fn read(dir: &Path) -> anyhow::Result<Option<Checkpoint>> {
        let path = dir.join(CHECKPOINT_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let checkpoint: Checkpoint = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a benchtop checkpoint", path.display()))?;
        anyhow::ensure!(
            checkpoint.heads == heads(),
            "{}: the model's fields or options differ from this build's config schema",
            path.display()
        );
        checkpoint.validate().with_context(|| format!("{} is not a usable checkpoint", path.display()))?;
        Ok(Some(checkpoint))
    }

    /// Checks what a resume would rely on: sizes and counts in range, the history as long as the
    /// epochs done.
    fn validate(&self) -> anyhow::Result<()> {
        let o = &self.options;
        anyhow::ensure!(
            (1..=65_536).contains(&o.batch_size),
            "batch_size {} is not in 1..=65536",
            o.batch_size
        );
        anyhow::ensure!((1..=100_000).contains(&o.epochs), "epochs {} is not in 1..=100000", o.epochs);
        anyhow::ensure!(
            o.learning_rate.is_finite() && o.learning_rate > 0.0 && o.learning_rate <= 10.0,
            "learning_rate {} is not in (0, 10]",
            o.learning_rate
        );
        let sh = &self.shape;
        anyhow::ensure!(
            (2..=1 << 24).contains(&sh.buckets)
                && (1..=4096).contains(&sh.dim)
                && (1..=16_384).contains(&sh.hidden),
            "the model shape {sh:?} is out of range (buckets 2..=16777216, dim 1..=4096, hidden 1..=16384)"
        );
        anyhow::ensure!(
            self.shape == o.shape,
            "the model shape {:?} differs from its options' {:?}",
            sh,
            o.shape
        );
        anyhow::ensure!(
            self.history.len() == self.epoch,
            "it says {} epochs are done but its history has {}",
            self.epoch,
            self.history.len()
        );
        anyhow::ensure!(self.epoch_loss.0.is_finite(), "its running loss is not a number");
        Ok(())
    }

    /// The model file, checked against the SHA-256 `checkpoint.json` gives for it.
    pub fn model_path(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        self.checked(dir, |f| (&f.model, &f.model_sha256), MODEL_FILE)
    }

    /// The optimizer file, checked likewise.
    pub fn optimizer_path(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        self.checked(dir, |f| (&f.optimizer, &f.optimizer_sha256), OPTIMIZER_FILE)
    }

    fn checked(
        &self,
        dir: &Path,
        pick: impl Fn(&CheckpointFiles) -> (&String, &String),
        old_name: &str,
    ) -> anyhow::Result<PathBuf> {
        let Some(files) = &self.files else {
            tracing::warn!(
                "{}: a checkpoint of an older benchtop: {old_name} cannot be checked against it",
                dir.display()
            );
            return Ok(dir.join(old_name));
        };
        let (name, sha) = pick(files);
        anyhow::ensure!(
            !name.contains(['/', '\\']) && !name.starts_with('.'),
            "{}: names the file {name:?}, which is not a file of this folder",
            dir.join(CHECKPOINT_FILE).display()
        );
        let path = dir.join(name);
        let got =
            crate::download::sha256_file(&path).with_context(|| format!("reading {}", path.display()))?;
        anyhow::ensure!(
            got.eq_ignore_ascii_case(sha),
            "{} does not match {} (SHA-256 {got}, expected {sha}): the folder was changed after training \
             saved it; train afresh (without --resume) or restore the files",
            path.display(),
            CHECKPOINT_FILE
        );
        Ok(path)
    }

    fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        crate::paths::write_atomically(&dir.join(CHECKPOINT_FILE), |tmp| Ok(std::fs::write(tmp, text)?))
    }

    /// Saves the model and optimizer under names of this step, then this checkpoint naming them
    /// (the commit point), then removes the files of earlier saves.
    fn save(&mut self, dir: &Path, model: &VibeNet, optim: &ModuleOptimizer) -> anyhow::Result<()> {
        // Named by step and time: a second save at the same step never overwrites the files the
        // current checkpoint.json names.
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let tag = format!("{:08}-{:x}", self.step, stamp.as_micros() & 0xff_ffff);
        let (model_name, optimizer_name) = (format!("model-{tag}.bpk"), format!("optimizer-{tag}.bpk"));
        let (model_path, optimizer_path) = (dir.join(&model_name), dir.join(&optimizer_name));
        model
            .clone()
            .save_file(&model_path)
            .with_context(|| format!("saving the model in {}", dir.display()))?;
        optim.save(&optimizer_path).with_context(|| format!("saving the optimizer in {}", dir.display()))?;
        for path in [&model_path, &optimizer_path] {
            std::fs::File::open(path)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("flushing {}", path.display()))?;
        }
        self.files = Some(CheckpointFiles {
            model_sha256: crate::download::sha256_file(&model_path)?,
            model: model_name,
            optimizer_sha256: crate::download::sha256_file(&optimizer_path)?,
            optimizer: optimizer_name,
        });
        self.write(dir)?;
        remove_other_saves(dir, self.files.as_ref());
        Ok(())
    }
}

/// Removes model and optimizer files of other saves than `keep` (and those of older benchtops).
fn remove_other_saves(dir: &Path, keep: Option<&CheckpointFiles>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = (name.starts_with("model") || name.starts_with("optimizer")) && name.ends_with(".bpk");
        let kept = keep.is_some_and(|k| name == k.model || name == k.optimizer);
        if ours && !kept {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Accuracy per field of predicted labels against the examples'.
fn accuracy(predicted: &[[u8; FIELD_COUNT]], examples: &[Example]) -> [f64; FIELD_COUNT] {
    let mut right = [0usize; FIELD_COUNT];
    for (p, e) in predicted.iter().zip(examples) {
        for f in 0..FIELD_COUNT {
            right[f] += usize::from(p[f] == e.labels[f]);
        }
    }
    right.map(|r| r as f64 / examples.len().max(1) as f64)
}

/// The model's labels for the examples' clean texts, in batches.
fn predict(model: &VibeNet, examples: &[Example], buckets: usize, device: &Device) -> Vec<[u8; FIELD_COUNT]> {
    examples
        .chunks(256)
        .flat_map(|chunk| {
            let texts: Vec<&str> = chunk.iter().map(|e| e.clean.as_str()).collect();
            predict_logits(model, &texts, buckets, device)
        })
        .map(|logits| argmax_labels(&field_probabilities(&logits)))
        .collect()
}

/// The model and both baselines on a split; stops (`Cancelled`) at the next hundred rows when
/// asked to.
pub fn evaluate(
    model: &VibeNet,
    examples: &Examples,
    split: &str,
    (buckets, device): (usize, &Device),
    progress: &dyn Progress,
) -> Result<Evaluation, Cancelled> {
    let rows = examples.split(split);
    progress.checkpoint()?;
    let model_acc = accuracy(&predict(model, rows, buckets, device), rows);
    let majority_labels = majority(&examples.train);
    let majority_acc = accuracy(&vec![majority_labels; rows.len()], rows);
    let nearest = Nearest::new(&examples.train, buckets);
    let mut nearest_labels = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(100) {
        progress.checkpoint()?;
        nearest_labels.extend(chunk.iter().map(|e| nearest.predict(&e.clean)));
    }
    let nearest_acc = accuracy(&nearest_labels, rows);
    let fields = Field::all()
        .enumerate()
        .map(|(f, field)| FieldScore {
            field: field.spec().name.to_owned(),
            options: field.spec().options.len(),
            model: model_acc[f],
            majority: majority_acc[f],
            nearest: nearest_acc[f],
        })
        .collect();
    Ok(Evaluation { split: split.to_owned(), rows: rows.len(), fields })
}

fn mean_accuracy(model: &VibeNet, rows: &[Example], buckets: usize, device: &Device) -> Option<f64> {
    (!rows.is_empty()).then(|| {
        let acc = accuracy(&predict(model, rows, buckets, device), rows);
        acc.iter().sum::<f64>() / FIELD_COUNT as f64
    })
}

/// Restores Adam's moments. burn materializes them on its default device first (moved to the
/// parameters' device at the next step); should that device fail to start, the moments restart.
fn load_optimizer(path: &Path, progress: &dyn Progress) -> ModuleOptimizer {
    let fresh = AdamConfig::new().init();
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fresh.clone().load(path)));
    match loaded {
        Ok(Ok(optim)) => optim,
        Ok(Err(err)) => {
            progress.log(&format!("Adam's state could not be read ({err}); its moments restart"));
            fresh
        }
        Err(_) => {
            progress.log("Adam's state could not be placed on burn's default device; its moments restart");
            fresh
        }
    }
}

/// Where and how a training run goes.
#[derive(Clone, Debug)]
pub struct TrainRun {
    /// What the rows are called in the report (a file's path, the bundled set's name).
    pub source: String,
    /// The folder the model, its checkpoints and its report go to.
    pub out: PathBuf,
    pub options: TrainOptions,
    /// Continue from `out`'s checkpoint when it has one (a finished model trains on up to
    /// `options.epochs` if that is more than it had); otherwise start afresh, replacing it.
    pub resume: bool,
    pub backend: Backend,
}

/// Trains (or resumes training of) the vibe-to-config model in `run.out`.
pub fn train(examples: &Examples, run: &TrainRun, progress: &dyn Progress) -> anyhow::Result<TrainReport> {
    let (source, out, opts) = (run.source.as_str(), run.out.as_path(), &run.options);
    anyhow::ensure!(
        !examples.train.is_empty(),
        "{source}: no SFT-Train row with a usable config ({} rows skipped{})",
        examples.skipped.len(),
        examples.skipped.first().map_or(String::new(), |s| format!("; first: {s}"))
    );
    anyhow::ensure!(opts.batch_size > 0 && opts.epochs > 0, "epochs and batch size must be at least 1");
    let device = crate::ml::backend::device(run.backend)?;
    let ad = device.clone().autodiff();
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let (mut model, mut optim, mut state) = start(examples, run, (&device, &ad), progress)?;
    let shape = state.shape;
    let trainer = Trainer {
        examples,
        out,
        ids: examples.train.iter().map(|e| feature_ids(&e.noisy, shape.buckets)).collect(),
        batches: examples.train.len().div_ceil(state.options.batch_size),
        epochs: opts.epochs,
        ad: &ad,
    };
    let (mut trained_rows, mut step_seconds) = (0usize, 0f64);
    while state.epoch < opts.epochs {
        let (next, rows, seconds) = trainer.epoch(model, &mut optim, &mut state, progress)?;
        model = next;
        (trained_rows, step_seconds) = (trained_rows + rows, step_seconds + seconds);
        let val = mean_accuracy(&model.valid(), &examples.val, shape.buckets, &device);
        trainer.end_epoch(&mut state, val, (rows, seconds), progress);
        state.save(out, &model, &optim)?;
    }

    progress.report(1.0, "evaluating on the held-out split");
    let split = if examples.test.is_empty() { VAL_SPLIT } else { TEST_SPLIT };
    // Cancelled here, the model of the last epoch is already saved.
    let evaluation = evaluate(&model.valid(), examples, split, (shape.buckets, &device), progress)?;
    let (m, maj, nn) = evaluation.means();
    progress.log(&format!(
        "{split} ({} rows), mean accuracy over fields: model {:.1}%, majority {:.1}%, nearest neighbour {:.1}%",
        evaluation.rows,
        100.0 * m,
        100.0 * maj,
        100.0 * nn
    ));
    let report = TrainReport {
        source: state.source.clone(),
        synthetic: state.synthetic,
        device: run.backend.label().to_owned(),
        out: out.to_owned(),
        rows: [examples.train.len(), examples.val.len(), examples.test.len()],
        skipped: examples.skipped.len(),
        epochs: state.epoch,
        steps: state.step,
        seconds: step_seconds,
        rows_per_second: trained_rows as f64 / step_seconds.max(1e-9),
        history: state.history.clone(),
        evaluation,
    };
    state.report = Some(report.clone());
    state.write(out)?;
    Ok(report)
}

/// The model, optimizer and checkpoint a run starts from: `out`'s checkpoint when resuming
/// (checked, and said where it resumes from), else fresh ones seeded from the options.
fn start(
    examples: &Examples,
    run: &TrainRun,
    (device, ad): (&Device, &Device),
    progress: &dyn Progress,
) -> anyhow::Result<(VibeNet, ModuleOptimizer, Checkpoint)> {
    let (source, out, opts) = (run.source.as_str(), run.out.as_path(), &run.options);
    let previous = if run.resume { Checkpoint::read(out)? } else { None };
    if run.resume && previous.is_none() {
        progress.log(&format!("no checkpoint in {}: training starts afresh", out.display()));
    }
    if let Some(ckpt) = previous.as_ref().filter(|c| c.source != source) {
        progress.log(&format!("resuming a model trained on {} with the rows of {source}", ckpt.source));
    }
    let started = match previous {
        Some(mut ckpt) => {
            let (model_path, optimizer_path) = (ckpt.model_path(out)?, ckpt.optimizer_path(out)?);
            let model = VibeNet::new(&ckpt.shape, ad)
                .try_load_file(&model_path)
                .with_context(|| format!("loading {}", model_path.display()))?;
            let optim = load_optimizer(&optimizer_path, progress);
            progress.log(&format!(
                "resuming {} at epoch {} batch {} (step {}) from {} and {}, trained on {}; batch {}, Adam at {}",
                out.display(),
                ckpt.epoch + 1,
                ckpt.batch,
                ckpt.step,
                paths::file_name(&model_path),
                paths::file_name(&optimizer_path),
                ckpt.source,
                ckpt.options.batch_size,
                ckpt.options.learning_rate
            ));
            ckpt.options.epochs = opts.epochs;
            ckpt.report = None;
            (model, optim, ckpt)
        }
        None => {
            device.seed(opts.seed);
            ad.seed(opts.seed);
            let ckpt = Checkpoint {
                shape: opts.shape,
                heads: heads(),
                options: opts.clone(),
                epoch: 0,
                batch: 0,
                epoch_loss: (0.0, 0),
                step: 0,
                history: Vec::new(),
                source: source.to_owned(),
                synthetic: examples.synthetic,
                report: None,
                files: None,
            };
            (VibeNet::new(&opts.shape, ad), AdamConfig::new().init(), ckpt)
        }
    };
    let (shape, options) = (started.2.shape, &started.2.options);
    progress.log(&format!(
        "{} training rows ({} SFT-Val, {} TEST, {} skipped) from {source}{}; {} hash buckets × {} dims, \
         hidden {}; batch {}, Adam at {}, on {}",
        examples.train.len(),
        examples.val.len(),
        examples.test.len(),
        examples.skipped.len(),
        if examples.split_by_hash { " (no split column: 80/10/10 by id)" } else { "" },
        shape.buckets,
        shape.dim,
        shape.hidden,
        options.batch_size,
        options.learning_rate,
        run.backend.label()
    ));
    Ok(started)
}

/// What every epoch of a run uses.
struct Trainer<'a> {
    examples: &'a Examples,
    out: &'a Path,
    /// The noisy text's feature ids of each SFT-Train row.
    ids: Vec<Vec<u32>>,
    batches: usize,
    epochs: usize,
    ad: &'a Device,
}

impl Trainer<'_> {
    /// The rest of the current epoch's batches (from `state.batch`), in the epoch's seeded order;
    /// the model after them, and the rows and seconds of training steps they took. Cancelled, it
    /// saves a checkpoint at the step it stopped.
    fn epoch(
        &self,
        mut model: VibeNet,
        optim: &mut ModuleOptimizer,
        state: &mut Checkpoint,
        progress: &dyn Progress,
    ) -> anyhow::Result<(VibeNet, usize, f64)> {
        let (batch_size, lr, seed) =
            (state.options.batch_size, state.options.learning_rate, state.options.seed);
        let (train, ad) = (&self.examples.train, self.ad);
        let mut order: Vec<usize> = (0..train.len()).collect();
        order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(
            seed ^ (state.epoch as u64).wrapping_mul(0x9e37_79b9),
        ));
        let (mut rows, mut seconds) = (0usize, 0f64);
        let total_steps = (self.epochs * self.batches).max(1);
        while state.batch < self.batches {
            if progress.checkpoint().is_err() {
                state.save(self.out, &model, optim)?;
                let out = self.out.display();
                progress.log(&format!("cancelled at step {}: checkpoint saved in {out}", state.step));
                return Err(Cancelled.into());
            }
            let started = Instant::now();
            let picked = &order[state.batch * batch_size..((state.batch + 1) * batch_size).min(order.len())];
            let batch_ids: Vec<&[u32]> = picked.iter().map(|&i| self.ids[i].as_slice()).collect();
            let labels: Vec<[u8; FIELD_COUNT]> = picked.iter().map(|&i| train[i].labels).collect();
            let (x, mask) = encode_ids(&batch_ids, ad);
            let objective = loss(model.forward(x, mask), targets(&labels, ad));
            let value = f64::from(objective.clone().inner().into_scalar::<f32>());
            let grads = GradientsParams::from_grads(objective.backward(), &model);
            model = optim.step(lr, model, grads);
            seconds += started.elapsed().as_secs_f64();
            rows += picked.len();
            state.batch += 1;
            state.step += 1;
            state.epoch_loss = (state.epoch_loss.0 + value, state.epoch_loss.1 + 1);
            progress.metric("training loss (cross-entropy per field)", state.step as f64, value);
            let done = state.epoch * self.batches + state.batch;
            progress.report(
                done as f32 / total_steps as f32,
                &format!("epoch {}/{} · step {} · loss {value:.3}", state.epoch + 1, self.epochs, state.step),
            );
        }
        Ok((model, rows, seconds))
    }

    /// Closes an epoch: its mean loss and SFT-Val accuracy into the history, the metrics and the
    /// log; the checkpoint moves to the next epoch.
    fn end_epoch(
        &self,
        state: &mut Checkpoint,
        val: Option<f64>,
        (rows, seconds): (usize, f64),
        progress: &dyn Progress,
    ) {
        let train_loss = state.epoch_loss.0 / state.epoch_loss.1.max(1) as f64;
        state.epoch_loss = (0.0, 0);
        state.history.push(Epoch {
            epoch: state.epoch + 1,
            step: state.step,
            train_loss,
            val_accuracy: val,
            rows_per_second: (seconds > 0.0).then(|| rows as f64 / seconds),
        });
        if let Some(v) = val {
            progress.metric("SFT-Val accuracy (mean over fields)", state.step as f64, v);
        }
        progress.log(&format!(
            "epoch {}: mean loss {train_loss:.4}{}",
            state.epoch + 1,
            val.map_or(String::new(), |v| format!(", SFT-Val accuracy {:.1}% (mean over fields)", 100.0 * v))
        ));
        state.epoch += 1;
        state.batch = 0;
    }
}

/// The report as text: where the model is, the throughput, and each field's held-out accuracy
/// next to the baselines.
pub fn report_table(report: &TrainReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let e = &report.evaluation;
    let _ = writeln!(
        out,
        "vibe-to-config model trained on {}{} ({} SFT-Train, {} SFT-Val, {} TEST rows; {} skipped)",
        report.source,
        if report.synthetic { " (SYNTHETIC)" } else { "" },
        report.rows[0],
        report.rows[1],
        report.rows[2],
        report.skipped
    );
    let _ = writeln!(
        out,
        "{} epochs, {} steps on {}: {:.1} s training, {:.0} rows/s; saved in {}",
        report.epochs,
        report.steps,
        report.device,
        report.seconds,
        report.rows_per_second,
        report.out.display()
    );
    let _ = writeln!(out, "accuracy on {} ({} rows, clean vibes):", e.split, e.rows);
    let _ =
        writeln!(out, "  {:<22} {:>7} {:>8} {:>9} {:>9}", "field", "options", "model", "majority", "nearest");
    for f in &e.fields {
        let _ = writeln!(
            out,
            "  {:<22} {:>7} {:>7.1}% {:>8.1}% {:>8.1}%",
            f.field,
            f.options,
            100.0 * f.model,
            100.0 * f.majority,
            100.0 * f.nearest
        );
    }
    let (m, maj, nn) = e.means();
    let _ = writeln!(
        out,
        "  {:<22} {:>7} {:>7.1}% {:>8.1}% {:>8.1}%",
        "mean over fields",
        "",
        100.0 * m,
        100.0 * maj,
        100.0 * nn
    );
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::jobs::{JobError, JobState, Jobs, Silent, no_waker};
    use crate::ml::vibe::data::examples;
    use crate::vibes::VibeSet;

    /// A smaller network than the default, so that debug-build tests train in seconds.
    fn small(epochs: usize) -> TrainOptions {
        TrainOptions {
            epochs,
            shape: Shape { buckets: 4096, dim: 32, hidden: 64 },
            ..TrainOptions::default()
        }
    }

    /// A run of the bundled rows into `out`.
    fn run(out: &Path, options: TrainOptions, resume: bool, backend: Backend) -> TrainRun {
        TrainRun { source: "bundled".into(), out: out.to_owned(), options, resume, backend }
    }

    fn bundled() -> Examples {
        examples(&VibeSet::training_sample().expect("the bundled training set reads"))
    }

    /// Keeps what training reports, and asks it to stop after `stop_after` checkpoints.
    #[derive(Default)]
    struct Recorder {
        checks: AtomicUsize,
        stop_after: Option<usize>,
        fractions: Mutex<Vec<f32>>,
        losses: Mutex<Vec<(f64, f64)>>,
    }

    impl Progress for Recorder {
        fn report(&self, fraction: f32, _message: &str) {
            self.fractions.lock().unwrap().push(fraction);
        }
        fn metric(&self, series: &str, x: f64, y: f64) {
            if series.starts_with("training loss") {
                self.losses.lock().unwrap().push((x, y));
            }
        }
        fn checkpoint(&self) -> Result<(), Cancelled> {
            let n = self.checks.fetch_add(1, Ordering::SeqCst) + 1;
            if self.stop_after.is_some_and(|stop| n > stop) { Err(Cancelled) } else { Ok(()) }
        }
    }

    #[test]
    fn the_model_beats_the_majority_baseline_on_the_synthetic_held_out_split() {
        // What is learnable, by the generator's design (vibes::synthetic): tempo, mode and
        // brightness are named in every vibe by words unique to their label, so the best
        // possible accuracy is 100%; space is named in 3 of the 5 vibe levels (60% of vibes;
        // best 0.6 + 0.4/5 = 0.68), rhythm in 2 (0.4 + 0.6/11 = 0.45), texture in 1
        // (0.2 + 0.8/10 = 0.28). The other 28 fields are drawn uniformly at random.
        let data = bundled();
        let dir = tempfile::tempdir().unwrap();
        let report = train(&data, &run(dir.path(), small(6), false, Backend::Cpu), &Silent).unwrap();
        let e = &report.evaluation;
        assert_eq!((e.split.as_str(), e.rows), (TEST_SPLIT, data.test.len()));
        assert!(report.synthetic);
        let score = |name: &str| e.field(name).unwrap_or_else(|| panic!("no field {name}")).clone();
        for name in ["tempo", "mode", "brightness"] {
            let s = score(name);
            assert!(s.model >= 0.85 && s.model >= s.majority + 0.5, "{name}: {s:?}");
        }
        let space = score("space");
        assert!(space.model >= 0.4 && space.model >= space.majority + 0.15, "{space:?}");
        eprintln!("{}", report_table(&report));
        let signal = ["tempo", "mode", "brightness", "space", "rhythm", "texture"].map(score);
        let mean = |f: fn(&FieldScore) -> f64| signal.iter().map(f).sum::<f64>() / signal.len() as f64;
        let (model, majority) = (mean(|s| s.model), mean(|s| s.majority));
        assert!(model >= majority + 0.3, "signal fields: model {model:.3}, majority {majority:.3}");
        // The loss at the start is near the uniform guess (mean ln(options) ≈ 1.61 over the
        // 34 fields) and falls.
        let first = report.history.first().unwrap().train_loss;
        let last = report.history.last().unwrap().train_loss;
        assert!(last < first - 0.05, "{first} -> {last}");
    }

    #[test]
    fn cancel_keeps_a_checkpoint_that_loads_and_resumes_where_it_stopped() {
        let data = bundled();
        let batches = data.train.len().div_ceil(32);
        let dir = tempfile::tempdir().unwrap();
        let stop_after = batches + 5;
        let recorder = Recorder { stop_after: Some(stop_after), ..Recorder::default() };
        let err = train(&data, &run(dir.path(), small(2), false, Backend::Cpu), &recorder).unwrap_err();
        assert!(err.is::<Cancelled>(), "{err:#}");
        let saved = Checkpoint::read(dir.path()).unwrap().expect("a checkpoint was written");
        assert_eq!((saved.epoch, saved.batch, saved.step), (1, 5, stop_after));
        assert_eq!(saved.history.len(), 1);
        assert!(saved.report.is_none());
        // The saved model loads for inference.
        let predictor = super::super::infer::Predictor::load(dir.path(), Backend::Cpu).unwrap();
        assert_eq!(predictor.predict(&["slow and dim"]).len(), 1);
        // A split predicted to a 02b file reads back with one valid candidate per vibe.
        let set = VibeSet::training_sample().unwrap();
        let out = dir.path().join("predictions.jsonl");
        let batch =
            super::super::infer::predict_set(&predictor, &set, Some(TEST_SPLIT), &out, &Silent).unwrap();
        assert_eq!((batch.rows, batch.skipped), (data.test.len(), 0));
        let back = VibeSet::open(&out, &Silent).unwrap();
        assert!(back.bad.is_empty() && back.is_synthetic());
        assert_eq!(back.rows.len(), data.test.len());
        assert!(
            back.rows.iter().all(|r| r.split.as_deref() == Some(TEST_SPLIT) && r.valid_count() == (1, 1))
        );
        assert_eq!(examples(&back).test.len(), data.test.len(), "every row has a usable config_payload");
        let err =
            super::super::infer::predict_set(&predictor, &set, Some("nope"), &out, &Silent).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
        // Resuming finishes the second epoch: the steps continue from where it stopped.
        let resumed = Recorder::default();
        let report = train(&data, &run(dir.path(), small(2), true, Backend::Cpu), &resumed).unwrap();
        assert_eq!(report.steps, 2 * batches);
        let losses = resumed.losses.lock().unwrap();
        assert_eq!(losses.first().unwrap().0 as usize, stop_after + 1);
        assert_eq!(losses.len(), batches - 5);
        assert_eq!(report.history.len(), 2);
        // The resumed epoch's mean loss counts its steps from before the cancel too.
        let before: f64 = saved.epoch_loss.0;
        let after: f64 = losses.iter().map(|&(_, l)| l).sum();
        let mean = (before + after) / batches as f64;
        assert_eq!(saved.epoch_loss.1, 5);
        assert!((report.history[1].train_loss - mean).abs() < 1e-9, "{:?} vs {mean}", report.history[1]);
        // Not resuming starts afresh.
        let fresh = Recorder { stop_after: Some(1), ..Recorder::default() };
        let _ = train(&data, &run(dir.path(), small(2), false, Backend::Cpu), &fresh);
        assert_eq!(Checkpoint::read(dir.path()).unwrap().unwrap().step, 1);
    }

    #[test]
    fn a_training_jobs_progress_arrives_in_order_and_ends_done() {
        let mut jobs = Jobs::new(no_waker(), 1);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_owned();
        let data = bundled();
        let handle = jobs.spawn("Train vibe-to-config model", move |ctx| {
            train(&data, &run(&out, small(1), false, Backend::Cpu), ctx)
        });
        let mut fractions = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        let result = loop {
            jobs.poll();
            if let Some(f) = jobs.status(handle.id()).and_then(|s| s.fraction) {
                fractions.push(f);
            }
            if let Some(result) = handle.try_take() {
                break result;
            }
            assert!(std::time::Instant::now() < deadline, "training did not finish");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(!matches!(result, Err(JobError::Failed(_) | JobError::Panicked(_))), "{result:?}");
        jobs.poll();
        let status = jobs.status(handle.id()).unwrap();
        assert_eq!(status.state, JobState::Done);
        assert_eq!(status.fraction, Some(1.0));
        fractions.push(1.0);
        assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
        let losses = &status.metrics["training loss (cross-entropy per field)"];
        assert!(losses.windows(2).all(|w| w[0][0] < w[1][0]), "steps in order");
        assert!(status.metrics.contains_key("SFT-Val accuracy (mean over fields)"));
        assert!(status.log.iter().any(|l| l.starts_with("TEST (")), "{:?}", status.log);
    }

    /// Training runs on wgpu (lavapipe in CI) as on the CPU: the same program, and the same
    /// losses up to the initial weights (each backend draws its own) and f32 sums in another
    /// order. Without an adapter, asking for wgpu is an error that says so.
    #[test]
    fn training_on_wgpu_follows_the_cpu() {
        let all = bundled();
        let data = Examples {
            train: all.train[..320].to_vec(),
            val: all.val[..32].to_vec(),
            test: all.test[..64].to_vec(),
            ..Examples::default()
        };
        let run = |backend: Backend| {
            let dir = tempfile::tempdir().unwrap();
            train(&data, &run(dir.path(), small(2), false, backend), &Silent)
        };
        if crate::ml::backend::wgpu_or_skip().is_none() {
            return;
        }
        let cpu = run(Backend::Cpu).unwrap();
        let gpu = run(Backend::Wgpu).unwrap();
        assert_eq!((gpu.device.as_str(), gpu.steps), ("wgpu", cpu.steps));
        for (c, g) in cpu.history.iter().zip(&gpu.history) {
            assert!((c.train_loss - g.train_loss).abs() <= 0.01 * c.train_loss, "{c:?} vs {g:?}");
        }
        assert!(gpu.history[1].train_loss < gpu.history[0].train_loss, "{:?}", gpu.history);
    }
}
