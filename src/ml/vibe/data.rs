//! Training examples from LatentScore rows: the vibe's noisy and clean texts and one label per
//! config field, from whichever config a row holds (02b/02c's `config_payload`, the embedding
//! map's `config`, else the first valid candidate). Split by the file's `split` column as the
//! seed's SFT step does: SFT-Train trains, SFT-Val is checked each epoch, TEST is the held-out
//! report (GRPO rows are left to the RL step, as in the seed).

use serde_json::Value;

use crate::synth::config::{FIELD_COUNT, Field, MusicConfig, Problem};
use crate::vibes::{VibeRow, VibeSet};

/// The splits the pipeline writes.
pub const TRAIN_SPLIT: &str = "SFT-Train";
pub const VAL_SPLIT: &str = "SFT-Val";
pub const TEST_SPLIT: &str = "TEST";

/// One vibe and its config's labels (option index per field, in `Field::all()` order).
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// Index of the row in its set.
    pub row: usize,
    pub id: String,
    pub split: String,
    /// The text trained on: `vibe_noisy`, else `vibe_original`.
    pub noisy: String,
    /// The text evaluated on: `vibe_original`, else `vibe_noisy`.
    pub clean: String,
    pub labels: [u8; FIELD_COUNT],
}

/// The examples of a set, by split, and the rows that gave none (with why).
#[derive(Clone, Debug, Default)]
pub struct Examples {
    pub train: Vec<Example>,
    pub val: Vec<Example>,
    pub test: Vec<Example>,
    /// Rows of other splits (GRPO...).
    pub unused: usize,
    /// "line N of FILE: why" for rows without a usable config.
    pub skipped: Vec<String>,
    /// Set when the file has no split column and a fixed 80/10/10 split by id was used.
    pub split_by_hash: bool,
    pub synthetic: bool,
}

impl Examples {
    pub fn total(&self) -> usize {
        self.train.len() + self.val.len() + self.test.len()
    }

    /// Every example, whatever its split.
    pub fn all(&self) -> impl Iterator<Item = &Example> {
        self.train.iter().chain(&self.val).chain(&self.test)
    }

    /// The examples of a split by the pipeline's name.
    pub fn split(&self, name: &str) -> &[Example] {
        match name {
            TRAIN_SPLIT => &self.train,
            VAL_SPLIT => &self.val,
            _ => &self.test,
        }
    }
}

/// The labels of a config object, or what keeps it from being a label set.
pub fn labels_of(config: &serde_json::Map<String, Value>) -> Result<[u8; FIELD_COUNT], String> {
    let parsed = MusicConfig::from_json(config);
    if let Some(issue) = parsed.issues.iter().find(|i| i.problem != Problem::Unknown) {
        return Err(format!("its config is not usable ({issue})"));
    }
    let mut labels = [0u8; FIELD_COUNT];
    for (label, field) in labels.iter_mut().zip(Field::all()) {
        *label = field.spec().nearest_option(parsed.config.get(field));
    }
    Ok(labels)
}

/// The config a row teaches: 02b/02c's chosen payload, the map's config, else the first valid
/// candidate's.
fn config_of(row: &VibeRow) -> Result<serde_json::Map<String, Value>, String> {
    let from_payload = |v: Value| match v {
        Value::Object(mut payload) => match payload.remove("config") {
            Some(Value::Object(config)) => Some(config),
            _ => None,
        },
        _ => None,
    };
    if let Some(payload) = row.extras.get("config_payload").filter(|p| !p.is_null())
        && let Some(config) = from_payload(payload.value())
    {
        return Ok(config);
    }
    if let Some(Value::Object(config)) = row.config.as_ref().map(|c| c.value()) {
        return Ok(config);
    }
    if let Some(config) = row.first_valid().and_then(|i| row.candidate_value(i)).and_then(from_payload) {
        return Ok(config);
    }
    Err("no config_payload, config or valid candidate".to_owned())
}

/// Where a row without a split column goes: 80% train, 10% val, 10% test, fixed by its id.
fn hashed_split(id: &str) -> &'static str {
    match super::text::fnv1a(id.as_bytes()) % 10 {
        0 => VAL_SPLIT,
        1 => TEST_SPLIT,
        _ => TRAIN_SPLIT,
    }
}

/// Reads the examples of a set.
pub fn examples(set: &VibeSet) -> Examples {
    let mut out = Examples { synthetic: set.is_synthetic(), ..Examples::default() };
    out.split_by_hash = set.rows.iter().all(|r| r.split.is_none());
    for (index, row) in set.rows.iter().enumerate() {
        let file = set.files.get(row.file).map_or_else(String::new, |f| f.display().to_string());
        let labels = match config_of(row).and_then(|c| labels_of(&c)) {
            Ok(labels) => labels,
            Err(why) => {
                out.skipped.push(format!("line {} of {file}: {why}", row.line));
                continue;
            }
        };
        let id = row.id_in_dataset.clone().unwrap_or_else(|| format!("{file}:{}", row.line));
        let split = match &row.split {
            Some(s) => s.clone(),
            None if out.split_by_hash => hashed_split(&id).to_owned(),
            None => {
                out.skipped.push(format!("line {} of {file}: no split", row.line));
                continue;
            }
        };
        let noisy = row.vibe_noisy.clone().or_else(|| row.vibe_original.clone()).unwrap_or_default();
        let clean = row.vibe_original.clone().unwrap_or_else(|| noisy.clone());
        let example = Example { row: index, id, split, noisy, clean, labels };
        match example.split.as_str() {
            TRAIN_SPLIT => out.train.push(example),
            VAL_SPLIT => out.val.push(example),
            TEST_SPLIT => out.test.push(example),
            _ => out.unused += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vibes::parse_row;
    use serde_json::json;

    fn set(lines: Vec<Value>) -> VibeSet {
        let rows = lines
            .into_iter()
            .enumerate()
            .map(|(i, v)| parse_row(v.as_object().unwrap().clone(), 0, i + 1).unwrap())
            .collect();
        VibeSet { files: vec!["f.jsonl".into()], rows, bad: Default::default() }
    }

    /// The default config (numbers where the reference's default is a number) with a tempo label.
    fn config(tempo: &str) -> Value {
        let mut c = MusicConfig::default().to_json();
        c.insert("tempo".into(), json!(tempo));
        Value::Object(c)
    }

    #[test]
    fn labels_come_from_the_payload_the_map_or_the_first_valid_candidate() {
        let s = set(vec![
            json!({"split": "SFT-Train", "vibe_original": "a", "vibe_noisy": "b",
                   "config_payload": {"config": config("slow")}}),
            json!({"split": "TEST", "vibe_original": "c", "config": config("fast")}),
            json!({"split": "SFT-Val", "vibe_original": "d",
                   "config_candidates": [null, {"config": config("very_fast")}],
                   "validation_scores": {"format_valid": [0, 1], "schema_valid": [0, 1], "palette_valid": [0, 1]}}),
            json!({"split": "GRPO", "vibe_original": "e", "config": config("slow")}),
            json!({"split": "TEST", "vibe_original": "f", "config": {"tempo": "moderato"}}),
        ]);
        let e = examples(&s);
        let tempo = |e: &Example| Field::Tempo.spec().options[e.labels[Field::Tempo as usize] as usize];
        assert_eq!((e.train.len(), e.val.len(), e.test.len(), e.unused), (1, 1, 1, 1));
        assert_eq!(tempo(&e.train[0]), "slow");
        assert_eq!((e.train[0].noisy.as_str(), e.train[0].clean.as_str()), ("b", "a"));
        assert_eq!(tempo(&e.test[0]), "fast");
        assert_eq!(e.test[0].noisy, "c", "no noisy text: the original is trained on");
        assert_eq!(tempo(&e.val[0]), "very_fast");
        assert_eq!(e.skipped.len(), 1);
        assert!(
            e.skipped[0].starts_with("line 5 of f.jsonl: its config is not usable (tempo: \"moderato\""),
            "{}",
            e.skipped[0]
        );
    }

    #[test]
    fn a_file_without_splits_is_split_by_id() {
        let rows = (0..200)
            .map(
                |i| json!({"id_in_dataset": format!("v{i}"), "vibe_original": "x", "config": config("slow")}),
            )
            .collect();
        let e = examples(&set(rows));
        assert!(e.split_by_hash);
        assert_eq!(e.total(), 200);
        // About 10% each (binomial(200, 0.1): 20 ± 4.2).
        assert!(
            (8..=32).contains(&e.val.len()) && (8..=32).contains(&e.test.len()),
            "{} {}",
            e.val.len(),
            e.test.len()
        );
    }
}
