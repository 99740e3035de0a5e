//! Side-by-side accuracy on one split: every config model given (the trained model, the fast
//! retrieval model) next to the two baselines (the majority value of SFT-Train, and the
//! shared-words nearest neighbour over SFT-Train), field by field, on the same rows and the same
//! (clean) vibe texts.

use serde_json::Value as Json;

use super::baseline::{Nearest, majority};
use super::data::{Example, TEST_SPLIT, TRAIN_SPLIT, VAL_SPLIT, examples, labels_of};
use super::infer::ConfigModel;
use crate::jobs::Progress;
use crate::synth::config::{FIELD_COUNT, Field};
use crate::vibes::VibeSet;

/// The columns after the models'.
pub const BASELINES: [&str; 2] = ["majority", "nearest (shared words)"];

/// One field's accuracy in each column.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRow {
    pub field: String,
    pub options: usize,
    /// In the order of [`SplitScores::columns`].
    pub accuracy: Vec<f64>,
}

/// Accuracy by field and column on a split's rows.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitScores {
    pub split: String,
    pub rows: usize,
    /// The models' names, then [`BASELINES`].
    pub columns: Vec<String>,
    pub fields: Vec<FieldRow>,
    /// Per model: answers whose config was not a usable label set (counted wrong).
    pub unusable: Vec<usize>,
    pub synthetic: bool,
}

impl SplitScores {
    /// Each column's mean over fields.
    pub fn means(&self) -> Vec<f64> {
        (0..self.columns.len())
            .map(|c| self.fields.iter().map(|f| f.accuracy[c]).sum::<f64>() / self.fields.len().max(1) as f64)
            .collect()
    }
}

/// Scores `models` and the baselines on the rows of `split` that have a usable config (their own
/// config is the truth). The baselines learn from SFT-Train. Only the pipeline's SFT-Train, SFT-Val
/// and TEST splits can be scored.
pub fn score_split(
    set: &VibeSet,
    split: &str,
    models: &[&dyn ConfigModel],
    progress: &dyn Progress,
) -> anyhow::Result<SplitScores> {
    anyhow::ensure!(
        [TRAIN_SPLIT, VAL_SPLIT, TEST_SPLIT].contains(&split),
        "only {TRAIN_SPLIT}, {VAL_SPLIT} and {TEST_SPLIT} can be scored (not {split})"
    );
    let examples = examples(set);
    let rows: &[Example] = examples.split(split);
    anyhow::ensure!(!rows.is_empty(), "no row of {split} has a vibe and a usable config");
    anyhow::ensure!(!examples.train.is_empty(), "the baselines need {TRAIN_SPLIT} rows with a usable config");
    let texts: Vec<&str> = rows.iter().map(|e| e.clean.as_str()).collect();
    let mut columns = Vec::new();
    let mut answers: Vec<Vec<[u8; FIELD_COUNT]>> = Vec::new();
    let mut unusable = Vec::new();
    for (m, model) in models.iter().enumerate() {
        progress.checkpoint()?;
        let share = 0.9 / models.len() as f32;
        let scaled = crate::jobs::Scaled { inner: progress, start: m as f32 * share, span: share };
        let payloads = model.payloads(&texts, &scaled)?;
        let mut bad = 0;
        let labels = payloads
            .iter()
            .map(|p| match p.get("config").and_then(Json::as_object).map(labels_of) {
                Some(Ok(labels)) => labels,
                _ => {
                    bad += 1;
                    [u8::MAX; FIELD_COUNT]
                }
            })
            .collect();
        columns.push(model.name());
        answers.push(labels);
        unusable.push(bad);
    }
    progress.report(0.9, "scoring the baselines");
    answers.push(vec![majority(&examples.train); rows.len()]);
    let nearest = Nearest::new(&examples.train, 4096);
    answers.push(rows.iter().map(|e| nearest.predict(&e.clean)).collect());
    columns.extend(BASELINES.iter().map(|b| (*b).to_owned()));
    let fields = Field::all()
        .enumerate()
        .map(|(f, field)| FieldRow {
            field: field.spec().name.to_owned(),
            options: field.spec().options.len(),
            accuracy: answers
                .iter()
                .map(|a| {
                    a.iter().zip(rows).filter(|(p, e)| p[f] == e.labels[f]).count() as f64 / rows.len() as f64
                })
                .collect(),
        })
        .collect();
    progress.report(1.0, &format!("scored {} rows of {split}", rows.len()));
    Ok(SplitScores {
        split: split.to_owned(),
        rows: rows.len(),
        columns,
        fields,
        unusable,
        synthetic: examples.synthetic || models.iter().any(|m| m.synthetic()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::Silent;
    use crate::synth::config::MusicConfig;
    use crate::vibes::parse_row;
    use serde_json::{Map, json};

    fn config(tempo: &str) -> Json {
        let mut c = MusicConfig::default().to_json();
        c.insert("tempo".into(), json!(tempo));
        Json::Object(c)
    }

    /// Always answers a config with this tempo (the rest default).
    struct Constant(&'static str);

    impl ConfigModel for Constant {
        fn name(&self) -> String {
            format!("always {}", self.0)
        }
        fn synthetic(&self) -> bool {
            false
        }
        fn payloads(&self, vibes: &[&str], _: &dyn Progress) -> anyhow::Result<Vec<Map<String, Json>>> {
            Ok(vibes.iter().map(|_| json!({"config": config(self.0)}).as_object().unwrap().clone()).collect())
        }
    }

    #[test]
    fn models_and_baselines_are_scored_on_the_same_rows() {
        let lines = [
            ("SFT-Train", "slow rain", "slow"),
            ("SFT-Train", "slow fog", "slow"),
            ("SFT-Train", "fast city", "fast"),
            ("TEST", "slow rain again", "slow"),
            ("TEST", "fast city lights", "fast"),
            ("TEST", "something else", "very_fast"),
            ("TEST", "fast fog", "fast"),
        ];
        let rows = lines
            .iter()
            .enumerate()
            .map(|(i, (split, vibe, tempo))| {
                let v = json!({"split": split, "vibe_original": vibe, "config": config(tempo)});
                parse_row(v.as_object().unwrap().clone(), 0, i + 1).unwrap()
            })
            .collect();
        let set = VibeSet { files: vec!["f.jsonl".into()], rows, bad: Default::default() };
        let fast = Constant("fast");
        let scores = score_split(&set, "TEST", &[&fast], &Silent).unwrap();
        assert_eq!(scores.rows, 4);
        assert_eq!(scores.columns, vec!["always fast", "majority", "nearest (shared words)"]);
        let tempo = scores.fields.iter().find(|f| f.field == "tempo").unwrap();
        // Hand count on the 4 TEST rows (slow, fast, very_fast, fast): "always fast" is right twice;
        // the majority of SFT-Train is slow (2 of 3), right once.
        assert_eq!(tempo.accuracy[0], 0.5);
        assert_eq!(tempo.accuracy[1], 0.25);
        // Every other field is the default everywhere: all three columns are right on all rows.
        let mode = scores.fields.iter().find(|f| f.field == "mode").unwrap();
        assert_eq!(mode.accuracy, vec![1.0, 1.0, 1.0]);
        assert!(score_split(&set, "GRPO", &[&fast], &Silent).is_err());
    }
}
