//! Inference: a trained model (a folder `train` wrote) turns vibes into configs. One vibe gives a
//! config and each field's confidence; a whole split of a loaded file gives a 02b-format JSONL
//! file (one candidate per vibe, its validation flags, `config_payload`) that the Vibes panel opens.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use burn::module::Module;
use burn::tensor::Device;
use serde_json::{Map, Value as Json, json};

use super::model::{VibeNet, argmax_labels, field_probabilities, predict_logits};
use super::text::fnv1a;
use super::train::Checkpoint;
use crate::jobs::Progress;
use crate::ml::backend::Backend;
use crate::synth::config::{FIELD_COUNT, Field, MusicConfig, Value};
use crate::synth::payload::{MAX_TITLE_CHARS, Payload};
use crate::vibes::{VibeRow, VibeSet};

/// A trained model, ready to predict.
pub struct Predictor {
    model: VibeNet,
    device: Device,
    pub checkpoint: Checkpoint,
    pub dir: PathBuf,
}

/// One vibe's predicted config and, per field, the probability of the label chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    pub config: MusicConfig,
    pub confidence: [f32; FIELD_COUNT],
}

impl Predictor {
    /// Loads the model in `dir` (its `checkpoint.json` and the model file it names, checked).
    pub fn load(dir: &Path, backend: Backend) -> anyhow::Result<Predictor> {
        let checkpoint = Checkpoint::read(dir)?.ok_or_else(|| {
            anyhow::anyhow!("{}: no trained model here (no {})", dir.display(), super::train::CHECKPOINT_FILE)
        })?;
        let device = crate::ml::backend::device(backend)?;
        let path = checkpoint.model_path(dir)?;
        let model = VibeNet::new(&checkpoint.shape, &device)
            .try_load_file(&path)
            .with_context(|| format!("loading {}", path.display()))?;
        Ok(Predictor { model, device, checkpoint, dir: dir.to_owned() })
    }

    /// Whether the model learnt from synthetic data (its configs then carry that label).
    pub fn synthetic(&self) -> bool {
        self.checkpoint.synthetic
    }

    /// The configs of a batch of vibes.
    pub fn predict(&self, vibes: &[&str]) -> Vec<Prediction> {
        predict_logits(&self.model, vibes, self.checkpoint.shape.buckets, &self.device)
            .iter()
            .map(|logits| {
                let probabilities = field_probabilities(logits);
                let labels = argmax_labels(&probabilities);
                let mut config = MusicConfig::default();
                let mut confidence = [0f32; FIELD_COUNT];
                for (f, field) in Field::all().enumerate() {
                    config.set(field, Value::Label(labels[f]));
                    confidence[f] = probabilities[f][labels[f] as usize];
                }
                Prediction { config, confidence }
            })
            .collect()
    }

    /// One vibe's config.
    pub fn predict_one(&self, vibe: &str) -> Prediction {
        self.predict(&[vibe]).pop().expect("one prediction per vibe")
    }

    /// What the model is called in the files it writes (`config_model`).
    pub fn name(&self) -> String {
        let folder = self
            .dir
            .file_name()
            .map_or_else(|| self.dir.display().to_string(), |f| f.to_string_lossy().into());
        format!("benchtop vibe-to-config ({folder})")
    }
}

/// A model that turns vibes into config payloads (title, config, palettes): the trained
/// vibe-to-config model, or LatentScore's fast retrieval (`crate::ml::fast`).
pub trait ConfigModel {
    /// What the model is called in the files it writes (`config_model`).
    fn name(&self) -> String;
    /// Whether what it answers comes from synthetic data.
    fn synthetic(&self) -> bool;
    /// One payload a vibe, in order.
    fn payloads(&self, vibes: &[&str], progress: &dyn Progress) -> anyhow::Result<Vec<Map<String, Json>>>;
}

impl ConfigModel for Predictor {
    fn name(&self) -> String {
        Predictor::name(self)
    }

    fn synthetic(&self) -> bool {
        Predictor::synthetic(self)
    }

    fn payloads(&self, vibes: &[&str], _: &dyn Progress) -> anyhow::Result<Vec<Map<String, Json>>> {
        Ok(vibes.iter().zip(self.predict(vibes)).map(|(v, p)| payload(v, &p.config)).collect())
    }
}

/// A title from the vibe's first words: at most five words and 60 characters.
pub fn title_of(vibe: &str) -> String {
    let words: Vec<&str> = vibe
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .take(5)
        .collect();
    let mut title = String::new();
    for word in words {
        let capitalized = crate::vibes::synthetic::capitalize(word);
        if title.chars().count() + 1 + capitalized.chars().count() > MAX_TITLE_CHARS {
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(&capitalized);
    }
    if title.is_empty() { "Untitled vibe".to_owned() } else { title }
}

/// The payload (thinking, title, config, palettes) of a predicted config. The model predicts
/// the config only: the title is the vibe's first words and the palettes follow a fixed rule
/// (hue from the mode, lightness from the brightness), as the thinking says.
pub fn payload(vibe: &str, config: &MusicConfig) -> Map<String, Json> {
    let mut out = Map::new();
    out.insert(
        "thinking".into(),
        json!(
            "Predicted by benchtop's vibe-to-config model from the vibe's words (one classification \
             head per field). The title is the vibe's first words; the palettes follow a fixed rule: \
             hue from the mode, lightness from the brightness."
        ),
    );
    out.insert("title".into(), json!(title_of(vibe)));
    out.insert("config".into(), Json::Object(config.to_json()));
    out.insert("palettes".into(), crate::vibes::synthetic::palettes_for(config, fnv1a(vibe.as_bytes())));
    out
}

/// What a batch prediction wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchReport {
    pub out: PathBuf,
    pub rows: usize,
    /// Rows of the split without any vibe text.
    pub skipped: usize,
}

fn text_or_null(value: &Option<String>) -> Json {
    value.as_ref().map_or(Json::Null, |s| json!(s))
}

/// The 02b row of one vibe and its predicted payload.
fn row_json(row: &VibeRow, payload: Map<String, Json>, model: &str, synthetic: bool) -> Json {
    let parsed = Payload::from_json(&payload);
    let (schema, palette) = (u8::from(parsed.schema_valid()), u8::from(parsed.palette_valid()));
    let payload = Json::Object(payload);
    let mut object = Map::new();
    object.insert("dataset".into(), text_or_null(&row.dataset));
    object.insert("id_in_dataset".into(), text_or_null(&row.id_in_dataset));
    object.insert("split".into(), text_or_null(&row.split));
    object.insert("vibe_scope".into(), text_or_null(&row.vibe_scope));
    object.insert("character_name".into(), text_or_null(&row.character_name));
    object.insert("vibe_level".into(), text_or_null(&row.vibe_level));
    object.insert("vibe_original".into(), text_or_null(&row.vibe_original));
    object.insert("vibe_noisy".into(), text_or_null(&row.vibe_noisy));
    object.insert("tags_original".into(), json!(row.tags_original));
    object.insert("tags_noisy".into(), json!(row.tags_noisy));
    object.insert("config_model".into(), json!(model));
    object.insert("config_candidates".into(), json!([payload.clone()]));
    object.insert(
        "validation_scores".into(),
        json!({"format_valid": [1], "schema_valid": [schema], "palette_valid": [palette]}),
    );
    object.insert("best_index".into(), json!(0));
    object.insert("config_payload".into(), payload);
    object.insert("config_error".into(), Json::Null);
    object.insert("synthetic".into(), json!(synthetic));
    Json::Object(object)
}

/// Predicts a config for every row of `split` (every row when `None`) of a set, from its clean
/// vibe (`vibe_original`, else `vibe_noisy`), and writes them as a 02b file at `out` (atomically).
/// The rows are marked synthetic when they or the model's training data were.
pub fn predict_set(
    predictor: &dyn ConfigModel,
    set: &VibeSet,
    split: Option<&str>,
    out: &Path,
    progress: &dyn Progress,
) -> anyhow::Result<BatchReport> {
    let in_split: Vec<&VibeRow> =
        set.rows.iter().filter(|r| split.is_none_or(|s| r.split.as_deref() == Some(s))).collect();
    let (rows, without_text): (Vec<&VibeRow>, Vec<&VibeRow>) =
        in_split.into_iter().partition(|r| r.vibe_original.is_some() || r.vibe_noisy.is_some());
    anyhow::ensure!(
        !rows.is_empty(),
        "no row {}has a vibe to predict from",
        split.map_or(String::new(), |s| format!("of the split {s} "))
    );
    let model = predictor.name();
    let mut lines = Vec::with_capacity(rows.len());
    for (done, chunk) in rows.chunks(256).enumerate() {
        progress.checkpoint()?;
        let texts: Vec<&str> = chunk
            .iter()
            .map(|r| r.vibe_original.as_deref().or(r.vibe_noisy.as_deref()).unwrap_or_default())
            .collect();
        for (row, payload) in chunk.iter().zip(predictor.payloads(&texts, &crate::jobs::Silent)?) {
            let synthetic = row.is_synthetic() || predictor.synthetic();
            lines.push(row_json(row, payload, &model, synthetic));
        }
        let finished = (done * 256 + chunk.len()) as f32;
        progress.report(
            finished / rows.len() as f32 * 0.95,
            &format!("predicted {} of {} vibes", lines.len(), rows.len()),
        );
    }
    crate::paths::write_atomically(out, |tmp| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(tmp)?);
        for line in &lines {
            serde_json::to_writer(&mut file, line)?;
            file.write_all(b"\n")?;
        }
        file.flush()?;
        Ok(())
    })
    .with_context(|| format!("writing {}", out.display()))?;
    progress.report(1.0, &format!("wrote {} rows to {}", lines.len(), out.display()));
    Ok(BatchReport { out: out.to_owned(), rows: lines.len(), skipped: without_text.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_the_first_words_within_the_schemas_limits() {
        assert_eq!(title_of("a slow, misty harbour at dawn with gulls"), "A Slow Misty Harbour At");
        assert_eq!(title_of("  ...  "), "Untitled vibe");
        let long = "Pneumonoultramicroscopicsilicovolcanoconiosis Supercalifragilisticexpialidocious x";
        let t = title_of(long);
        assert!(t.chars().count() <= MAX_TITLE_CHARS, "{t}");
        assert_eq!(t, "Pneumonoultramicroscopicsilicovolcanoconiosis");
    }

    #[test]
    fn a_predicted_payload_passes_the_pipelines_validation() {
        let mut config = MusicConfig::default();
        for field in Field::all() {
            config.set(field, Value::Label(0));
        }
        let payload = payload("rain on a tin roof", &config);
        let parsed = Payload::from_json(&payload);
        assert!(parsed.schema_valid(), "{:?}", parsed.all_issues().collect::<Vec<_>>());
        assert!(parsed.palette_valid());
        assert_eq!(payload["title"], "Rain On A Tin Roof");
    }
}
