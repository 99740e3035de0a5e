//! LatentScore's pipeline rows (JSONL, one object a line): 02a vibes, 02b config candidates with
//! their validity flags, 02c scored candidates, and stage 10's embedding map. Read tolerantly: a
//! bad line is skipped and reported with its file, line number and reason, the good lines load,
//! and fields benchtop does not know are kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::{Map, Value};

use crate::jobs::Progress;
use crate::jsonl::kind;

pub mod compare;
pub mod diff;
pub mod filter;
pub mod hub;
pub mod map;
pub mod synthetic;

const SAMPLE: &[u8] = include_bytes!("../../data/latentscore-synthetic-02c.jsonl");
const TRAINING: &[u8] = include_bytes!("../../data/latentscore-synthetic-train.jsonl");

/// A JSON value kept as its text: a parsed `serde_json::Value` takes several times the memory,
/// and a candidate is only parsed when its vibe is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored(Box<str>);

impl Stored {
    pub fn new(value: &Value) -> Stored {
        Stored(value.to_string().into_boxed_str())
    }

    /// The value again (null if the text were somehow not JSON: it always is, it was written here).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> &str {
        &self.0
    }

    pub fn is_null(&self) -> bool {
        &*self.0 == "null"
    }
}

/// One row of any stage.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VibeRow {
    /// Which file (index into [`VibeSet::files`]) and line (1-based) it came from.
    pub file: usize,
    pub line: usize,
    pub dataset: Option<String>,
    pub id_in_dataset: Option<String>,
    pub split: Option<String>,
    pub vibe_scope: Option<String>,
    pub character_name: Option<String>,
    pub vibe_level: Option<String>,
    pub vibe_original: Option<String>,
    pub vibe_noisy: Option<String>,
    pub tags_original: Vec<String>,
    pub tags_noisy: Vec<String>,
    /// 02b's candidates as written (a payload object, or null for a failed generation).
    pub candidates: Vec<Stored>,
    pub format_valid: Vec<Option<bool>>,
    pub schema_valid: Vec<Option<bool>>,
    pub palette_valid: Vec<Option<bool>>,
    pub best_index: Option<usize>,
    /// 02c's first scorer (CLAP) per candidate.
    pub clap_scores: Vec<Option<f64>>,
    /// 02c's other scorers per candidate (an LLM judge...), by name, in file order.
    pub other_scores: Vec<(String, Vec<Option<f64>>)>,
    /// 02c's parts of each scorer's score for the best candidate (`scores_external`):
    /// scorer -> [(part, value)], e.g. clap -> audio_text_similarity, penalty, final_score.
    pub score_parts: Vec<(String, Vec<(String, f64)>)>,
    /// Stage 10's single config (and its title), when the row is from the embedding map.
    pub config: Option<Stored>,
    pub title: Option<String>,
    /// Stage 10's vibe embedding (all-MiniLM-L6-v2, 384 floats), kept compact.
    pub embedding: Option<Vec<f32>>,
    /// Every field benchtop does not read, kept as written.
    pub extras: BTreeMap<String, Stored>,
    /// Everything full-text search looks at (texts, character, tags, titles), lower-cased once
    /// when the row is read.
    pub search: Box<str>,
}

impl VibeRow {
    /// Whether candidate `i` passed all three flags.
    pub fn candidate_valid(&self, i: usize) -> bool {
        [&self.format_valid, &self.schema_valid, &self.palette_valid]
            .iter()
            .all(|f| f.get(i).copied().flatten() == Some(true))
    }

    /// The candidate 02b picked: the first whose three flags all hold.
    pub fn first_valid(&self) -> Option<usize> {
        (0..self.candidates.len()).find(|&i| self.candidate_valid(i))
    }

    /// Whether 02c's best candidate differs from 02b's choice (both known).
    pub fn best_changed(&self) -> Option<bool> {
        if self.clap_scores.is_empty() {
            return None;
        }
        Some(self.best_index? != self.first_valid()?)
    }

    /// The best candidate's CLAP score.
    pub fn best_score(&self) -> Option<f64> {
        self.clap_scores.get(self.best_index?).copied().flatten()
    }

    /// (candidates passing all three flags, candidates).
    pub fn valid_count(&self) -> (usize, usize) {
        let total = self.candidates.len().max(self.format_valid.len());
        let valid = (0..total).filter(|&i| self.candidate_valid(i)).count();
        (valid, total)
    }

    /// The vibe as the table shows it: the original text, else the noisy one.
    pub fn vibe_text(&self) -> &str {
        self.vibe_original.as_deref().or(self.vibe_noisy.as_deref()).unwrap_or("")
    }

    /// Whether the noisy text differs from the original.
    pub fn is_noisy(&self) -> bool {
        matches!((&self.vibe_original, &self.vibe_noisy), (Some(a), Some(b)) if a != b)
    }

    /// The search text of a row and its candidates' titles.
    fn search_text(&self, titles: impl Iterator<Item = String>) -> Box<str> {
        let mut text = String::new();
        let parts = [&self.vibe_original, &self.vibe_noisy, &self.character_name, &self.title];
        for part in parts.into_iter().flatten().chain(&self.tags_original).chain(&self.tags_noisy) {
            text.push_str(part);
            text.push('\n');
        }
        for title in titles {
            text.push_str(&title);
            text.push('\n');
        }
        text.to_lowercase().into_boxed_str()
    }

    /// Candidate `i` (see [`VibeRow::candidate_values`]).
    pub fn candidate_value(&self, i: usize) -> Option<Value> {
        if self.candidates.is_empty() {
            self.candidate_values().into_iter().nth(i)
        } else {
            Some(self.candidates.get(i)?.value())
        }
    }

    /// The candidates to show: 02b/02c's list, or stage 10's single config as one candidate
    /// (title, config, palettes).
    pub fn candidate_values(&self) -> Vec<Value> {
        match (&self.config, self.candidates.is_empty()) {
            (Some(config), true) => {
                let mut payload = Map::new();
                payload.insert("title".into(), self.title.clone().map_or(Value::Null, Value::String));
                payload.insert("config".into(), config.value());
                if let Some(palettes) = self.extras.get("palettes") {
                    payload.insert("palettes".into(), palettes.value());
                }
                vec![Value::Object(payload)]
            }
            _ => self.candidates.iter().map(Stored::value).collect(),
        }
    }

    /// Whether the row says it was made up (the bundled sample's rows carry `"synthetic": true`).
    pub fn is_synthetic(&self) -> bool {
        self.extras.get("synthetic").is_some_and(|v| v.text() == "true")
    }
}

/// A line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    pub file: PathBuf,
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} line {}: {}", self.file.display(), self.line, self.reason)
    }
}

/// The rows of one or more files.
#[derive(Clone, Debug, Default)]
pub struct VibeSet {
    pub files: Vec<PathBuf>,
    pub rows: Vec<VibeRow>,
    /// The lines that could not be read (the first ones kept with their reasons, all counted).
    pub bad: crate::jsonl::BadLines<BadLine>,
}

const KNOWN: [&str; 19] = [
    "dataset",
    "id_in_dataset",
    "split",
    "vibe_scope",
    "character_name",
    "vibe_level",
    "vibe_original",
    "vibe_noisy",
    "tags_original",
    "tags_noisy",
    "config_candidates",
    "validation_scores",
    "scores",
    "best_index",
    "candidate_scores",
    "config",
    "title",
    "scores_external",
    "embedding",
];

fn opt_text(object: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if key == "id_in_dataset" => Ok(Some(n.to_string())),
        Some(other) => Err(format!("{key} is {}, not text", kind(other))),
    }
}

fn tags(object: &Map<String, Value>, key: &str) -> Result<Vec<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                t.as_str().map(str::to_owned).ok_or_else(|| format!("{key} holds {}, not text", kind(t)))
            })
            .collect(),
        Some(Value::String(s)) => {
            Ok(s.split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect())
        }
        Some(other) => Err(format!("{key} is {}, not a list of tags", kind(other))),
    }
}

fn flags(scores: &Map<String, Value>, key: &str) -> Result<Vec<Option<bool>>, String> {
    match scores.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::Bool(b) => Ok(Some(*b)),
                Value::Number(n) => Ok(n.as_f64().map(|x| x >= 0.5)),
                Value::Null => Ok(None),
                other => Err(format!("{key} holds {}, not 0/1", kind(other))),
            })
            .collect(),
        Some(other) => Err(format!("{key} is {}, not a list", kind(other))),
    }
}

/// Reads one line's object into a row (or says what is wrong with it).
pub fn parse_row(object: Map<String, Value>, file: usize, line: usize) -> Result<VibeRow, String> {
    let mut row = VibeRow { file, line, ..VibeRow::default() };
    row.dataset = opt_text(&object, "dataset")?;
    row.id_in_dataset = opt_text(&object, "id_in_dataset")?;
    row.split = opt_text(&object, "split")?;
    row.vibe_scope = opt_text(&object, "vibe_scope")?;
    row.character_name = opt_text(&object, "character_name")?;
    row.vibe_level = opt_text(&object, "vibe_level")?;
    row.vibe_original = opt_text(&object, "vibe_original")?;
    row.vibe_noisy = opt_text(&object, "vibe_noisy")?;
    row.title = opt_text(&object, "title")?;
    row.tags_original = tags(&object, "tags_original")?;
    row.tags_noisy = tags(&object, "tags_noisy")?;
    if row.vibe_original.is_none() && row.vibe_noisy.is_none() {
        return Err("no vibe_original or vibe_noisy".to_owned());
    }
    match object.get("config_candidates") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => row.candidates = items.iter().map(Stored::new).collect(),
        Some(other) => return Err(format!("config_candidates is {}, not a list", kind(other))),
    }
    // The pipeline writes `validation_scores`; its README calls it `scores`: both are read.
    match object.get("validation_scores").or_else(|| object.get("scores")) {
        None | Some(Value::Null) => {}
        Some(Value::Object(scores)) => {
            row.format_valid = flags(scores, "format_valid")?;
            row.schema_valid = flags(scores, "schema_valid")?;
            row.palette_valid = flags(scores, "palette_valid")?;
        }
        Some(other) => return Err(format!("validation_scores is {}, not an object", kind(other))),
    }
    match object.get("best_index") {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_u64() {
            Some(i) => row.best_index = Some(i as usize),
            None => return Err(format!("best_index is {v}, not a candidate index")),
        },
    }
    match object.get("candidate_scores") {
        None | Some(Value::Null) => {}
        Some(Value::Object(scorers)) => {
            for (name, scores) in scorers {
                let scores = match scores {
                    Value::Array(items) => items.iter().map(Value::as_f64).collect(),
                    other => return Err(format!("candidate_scores.{name} is {}, not a list", kind(other))),
                };
                if name == "clap" {
                    row.clap_scores = scores;
                } else {
                    row.other_scores.push((name.clone(), scores));
                }
            }
        }
        Some(other) => return Err(format!("candidate_scores is {}, not an object", kind(other))),
    }
    if let Some(Value::Object(scorers)) = object.get("scores_external") {
        for (name, parts) in scorers {
            if let Value::Object(parts) = parts {
                let parts = parts.iter().filter_map(|(k, v)| Some((k.clone(), v.as_f64()?))).collect();
                row.score_parts.push((name.clone(), parts));
            }
        }
    }
    match object.get("embedding") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let floats: Option<Vec<f32>> = items.iter().map(|v| v.as_f64().map(|x| x as f32)).collect();
            row.embedding = Some(floats.ok_or("embedding holds something that is not a number")?);
        }
        Some(other) => return Err(format!("embedding is {}, not a list of numbers", kind(other))),
    }
    row.config = object.get("config").filter(|c| c.is_object()).map(Stored::new);
    row.extras = object
        .iter()
        .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), Stored::new(v)))
        .collect();
    let titles = match object.get("config_candidates") {
        Some(Value::Array(items)) => {
            items.iter().filter_map(|c| c.get("title")?.as_str()).map(str::to_owned).collect()
        }
        _ => Vec::new(),
    };
    row.search = row.search_text(titles.into_iter());
    Ok(row)
}

impl VibeSet {
    /// Reads a JSONL file, or every `*.jsonl` file of a folder (the split files), streaming with
    /// progress by bytes.
    pub fn open(path: &Path, progress: &dyn Progress) -> anyhow::Result<VibeSet> {
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("reading the folder {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
                .collect();
            files.sort();
            anyhow::ensure!(!files.is_empty(), "{}: no .jsonl files in this folder", path.display());
            files
        } else {
            vec![path.to_owned()]
        };
        let total: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
        let mut set = VibeSet { files: files.clone(), ..VibeSet::default() };
        let mut done = 0u64;
        for (index, file) in files.iter().enumerate() {
            let handle = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
            let reader = std::io::BufReader::with_capacity(1 << 20, handle);
            done = set.read(reader, index, done, total, progress)?;
        }
        progress.report(1.0, &format!("read {} rows", set.rows.len()));
        Ok(set)
    }

    /// The bundled SYNTHETIC sample ([`synthetic::SAMPLE_FILE`], built into the binary).
    pub fn sample() -> anyhow::Result<VibeSet> {
        Self::embedded(synthetic::SAMPLE_FILE, SAMPLE)
    }

    /// The bundled SYNTHETIC training set of the vibe-to-config model ([`synthetic::TRAIN_FILE`],
    /// built into the binary).
    pub fn training_sample() -> anyhow::Result<VibeSet> {
        Self::embedded(synthetic::TRAIN_FILE, TRAINING)
    }

    fn embedded(path: &str, bytes: &[u8]) -> anyhow::Result<VibeSet> {
        let mut set = VibeSet { files: vec![PathBuf::from(path)], ..VibeSet::default() };
        set.read(bytes, 0, 0, bytes.len() as u64, &crate::jobs::Silent)?;
        Ok(set)
    }

    /// Reads one file's lines into the set; returns the bytes read so far (`before` and this file's).
    fn read(
        &mut self,
        reader: impl std::io::BufRead,
        index: usize,
        before: u64,
        total: u64,
        progress: &dyn Progress,
    ) -> anyhow::Result<u64> {
        let file = self.files[index].clone();
        let mut done = before;
        crate::jsonl::read_objects(reader, &file, |number, read, object| {
            done = before + read;
            if number % 2048 == 0 {
                progress.checkpoint()?;
                progress.report(done as f32 / total.max(1) as f32, &format!("read {} rows", self.rows.len()));
            }
            match object.and_then(|object| parse_row(object, index, number)) {
                Ok(row) => self.rows.push(row),
                Err(reason) => self.bad.push(BadLine { file: file.clone(), line: number, reason }),
            }
            Ok(())
        })?;
        Ok(done)
    }

    /// Whether every row says it is made up.
    pub fn is_synthetic(&self) -> bool {
        !self.rows.is_empty() && self.rows.iter().all(VibeRow::is_synthetic)
    }

    /// The numbers `benchtop vibes summary` prints.
    pub fn summary(&self) -> Summary {
        Summary { bad_lines: self.bad.total, ..Summary::of(self.rows.iter()) }
    }
}

impl Summary {
    /// Counts over some rows (the bad lines are the set's: see [`VibeSet::summary`]).
    pub fn of<'a>(rows: impl Iterator<Item = &'a VibeRow>) -> Summary {
        let mut s = Summary::default();
        let count = |map: &mut BTreeMap<String, usize>, key: &Option<String>| {
            *map.entry(key.clone().unwrap_or_else(|| filter::NONE.to_owned())).or_default() += 1;
        };
        let (mut scores, mut scored) = (0.0, 0);
        for row in rows {
            s.rows += 1;
            count(&mut s.by_split, &row.split);
            count(&mut s.by_level, &row.vibe_level);
            count(&mut s.by_scope, &row.vibe_scope);
            for (name, flags) in [
                ("format_valid", &row.format_valid),
                ("schema_valid", &row.schema_valid),
                ("palette_valid", &row.palette_valid),
            ] {
                let entry = s.validity.entry(name.to_owned()).or_insert((0, 0));
                entry.0 += flags.iter().filter(|f| **f == Some(true)).count();
                entry.1 += flags.iter().filter(|f| f.is_some()).count();
            }
            s.candidates += row.candidates.len();
            if let Some(score) = row.best_score() {
                scores += score;
                scored += 1;
            }
            match row.best_changed() {
                Some(true) => s.best_changed += 1,
                Some(false) => s.best_kept += 1,
                None => {}
            }
        }
        s.mean_best_score = (scored > 0).then(|| scores / scored as f64);
        s
    }
}

/// Counts over a set of rows.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    pub rows: usize,
    pub bad_lines: usize,
    pub candidates: usize,
    pub by_split: BTreeMap<String, usize>,
    pub by_level: BTreeMap<String, usize>,
    pub by_scope: BTreeMap<String, usize>,
    /// Per flag: (candidates valid, candidates flagged).
    pub validity: BTreeMap<String, (usize, usize)>,
    pub mean_best_score: Option<f64>,
    /// Rows whose 02c best differs from 02b's first valid candidate, and rows where it does not.
    pub best_changed: usize,
    pub best_kept: usize,
}
