//! LatentScore's embedding map (stage 10): one row a vibe, with its sentence embedding
//! (all-MiniLM-L6-v2, 384 floats), its config, title and palettes. The "fast" model answers a
//! vibe with the config of the map's nearest row by cosine similarity; this module holds the
//! map's rows as one matrix of unit vectors and finds the nearest ones exactly (a map is ~10k
//! rows: one pass of dot products). Rows that cannot serve (an embedding of the wrong length or
//! not finite, no config) are reported with their file and line and left out.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{BadLine, Stored, VibeRow, VibeSet};
use crate::jsonl::BadLines;

/// The length of all-MiniLM-L6-v2's embeddings.
pub const MINILM_DIM: usize = 384;

/// The split a map leaves out unless asked: the pipeline's held-out rows.
pub const HELD_OUT_SPLIT: &str = "TEST";

/// One row of the map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapEntry {
    pub vibe: String,
    pub config: Stored,
    pub title: Option<String>,
    pub palettes: Option<Stored>,
    pub split: Option<String>,
    pub clap_score: Option<f64>,
    pub synthetic: bool,
    /// The line of the file it came from (1-based).
    pub line: usize,
}

impl MapEntry {
    /// The row's payload: title, config and palettes, as a config candidate is written.
    pub fn payload(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("title".into(), self.title.clone().map_or(Value::Null, Value::String));
        out.insert("config".into(), self.config.value());
        if let Some(palettes) = &self.palettes {
            out.insert("palettes".into(), palettes.value());
        }
        out
    }
}

/// The rows and their unit-length embeddings, row after row.
#[derive(Clone, Debug, Default)]
pub struct EmbeddingMap {
    pub files: Vec<PathBuf>,
    pub rows: Vec<MapEntry>,
    matrix: Vec<f32>,
    dim: usize,
    /// The rows left out, and why.
    pub skipped: BadLines<BadLine>,
}

/// One neighbour of a query: the map row and its cosine similarity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbour {
    pub row: usize,
    pub similarity: f32,
}

/// A vector scaled to unit length (`None` when it has no length or is not finite).
pub fn unit(v: &[f32]) -> Option<Vec<f32>> {
    let norm = v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    (norm.is_finite() && norm > 0.0).then(|| v.iter().map(|x| (f64::from(*x) / norm) as f32).collect())
}

impl EmbeddingMap {
    /// The map of a set's rows that carry an embedding of `dim` numbers and a config; the others
    /// are counted in `skipped` with their line.
    pub fn from_set(set: &VibeSet, dim: usize) -> EmbeddingMap {
        let mut map = EmbeddingMap { files: set.files.clone(), dim, ..EmbeddingMap::default() };
        for row in &set.rows {
            let file = set.files.get(row.file).cloned().unwrap_or_default();
            match map_entry(row, dim) {
                Ok((entry, vector)) => {
                    map.rows.push(entry);
                    map.matrix.extend_from_slice(&vector);
                }
                Err(reason) => map.skipped.push(BadLine { file, line: row.line, reason }),
            }
        }
        map
    }

    /// The length of the embeddings.
    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`'s unit embedding.
    pub fn embedding(&self, i: usize) -> &[f32] {
        &self.matrix[i * self.dim..(i + 1) * self.dim]
    }

    /// Whether every row says it was made up.
    pub fn is_synthetic(&self) -> bool {
        !self.rows.is_empty() && self.rows.iter().all(|r| r.synthetic)
    }

    /// The map without the rows of `split` (to score a split fairly: a map that holds the
    /// split's own vibes would answer them with their own configs).
    pub fn without_split(&self, split: &str) -> EmbeddingMap {
        let mut out = EmbeddingMap {
            files: self.files.clone(),
            dim: self.dim,
            skipped: self.skipped.clone(),
            ..EmbeddingMap::default()
        };
        for (i, row) in self.rows.iter().enumerate() {
            if row.split.as_deref() != Some(split) {
                out.rows.push(row.clone());
                out.matrix.extend_from_slice(self.embedding(i));
            }
        }
        out
    }

    /// The `k` rows most similar to `query` (any length-`dim` vector; it is normalised), most
    /// similar first; ties go to the earlier row. Empty when the query has no direction.
    pub fn nearest(&self, query: &[f32], k: usize) -> Vec<Neighbour> {
        let Some(q) = unit(query).filter(|q| q.len() == self.dim) else { return Vec::new() };
        let mut best: Vec<Neighbour> = Vec::with_capacity(k + 1);
        for (row, e) in self.matrix.chunks_exact(self.dim).enumerate() {
            let similarity = dot(&q, e);
            if best.len() == k && best.last().is_some_and(|w| similarity <= w.similarity) {
                continue;
            }
            let at = best.partition_point(|n| n.similarity >= similarity);
            best.insert(at, Neighbour { row, similarity });
            best.truncate(k);
        }
        best
    }
}

/// The dot product in eight running sums (the compiler vectorizes it).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            sums[i] += x[i] * y[i];
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// A map row, or why the row cannot be one.
fn map_entry(row: &VibeRow, dim: usize) -> Result<(MapEntry, Vec<f32>), String> {
    let embedding = row.embedding.as_ref().ok_or("no embedding")?;
    if embedding.len() != dim {
        return Err(format!("its embedding has {} numbers, not {dim}", embedding.len()));
    }
    let vector = unit(embedding).ok_or("its embedding is zero or not finite")?;
    let payload = row.best_payload().ok_or("no config")?;
    let vibe = row.vibe_original.clone().or_else(|| row.vibe_noisy.clone()).unwrap_or_default();
    Ok((
        MapEntry {
            vibe,
            config: payload.config,
            title: payload.title,
            palettes: payload.palettes,
            split: row.split.clone(),
            clap_score: row.extras.get("clap_score").and_then(|s| s.value().as_f64()).or(payload.clap_score),
            synthetic: row.is_synthetic(),
            line: row.line,
        },
        vector,
    ))
}

/// The config a row stands for, with its title, palettes and score.
#[derive(Clone, Debug, PartialEq)]
pub struct BestPayload {
    pub config: Stored,
    pub title: Option<String>,
    pub palettes: Option<Stored>,
    pub clap_score: Option<f64>,
}

impl VibeRow {
    /// The config the row stands for: the map's own config; else 02c's best candidate by its
    /// first scorer; else 02b's chosen payload; else the first candidate passing all three flags.
    pub fn best_payload(&self) -> Option<BestPayload> {
        if let Some(config) = &self.config {
            return Some(BestPayload {
                config: config.clone(),
                title: self.title.clone(),
                palettes: self.extras.get("palettes").cloned(),
                clap_score: None,
            });
        }
        let scored = self.best_index.filter(|_| !self.clap_scores.is_empty());
        let (payload, score) = match scored.and_then(|i| Some((self.candidates.get(i)?.value(), i))) {
            Some((payload, i)) => (payload, self.clap_scores.get(i).copied().flatten()),
            None => match self.extras.get("config_payload").filter(|p| !p.is_null()) {
                Some(p) => (p.value(), None),
                None => (self.candidate_value(self.first_valid()?)?, None),
            },
        };
        let Value::Object(payload) = payload else { return None };
        let config = payload.get("config").filter(|c| c.is_object())?;
        Some(BestPayload {
            config: Stored::new(config),
            title: payload.get("title").and_then(Value::as_str).map(str::to_owned),
            palettes: payload.get("palettes").filter(|p| !p.is_null()).map(Stored::new),
            clap_score: score,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(lines: &[Value]) -> VibeSet {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let mut set = VibeSet { files: vec![PathBuf::from("m.jsonl")], ..VibeSet::default() };
        set.read(text.as_bytes(), 0, 0, text.len() as u64, &crate::jobs::Silent).unwrap();
        set
    }

    #[test]
    fn rows_without_a_usable_embedding_or_config_are_reported_by_line() {
        let s = set(&[
            json!({"vibe_original": "a", "embedding": [3.0, 4.0, 0.0], "config": {"tempo": "slow"}, "title": "A"}),
            json!({"vibe_original": "b", "embedding": [1.0, 0.0], "config": {"tempo": "slow"}}),
            json!({"vibe_original": "c", "embedding": [0.0, 0.0, 0.0], "config": {"tempo": "slow"}}),
            json!({"vibe_original": "d", "embedding": [0.0, 1.0, 0.0]}),
            json!({"vibe_original": "e", "config": {"tempo": "fast"}}),
        ]);
        let map = EmbeddingMap::from_set(&s, 3);
        assert_eq!(map.len(), 1);
        // 3-4-5: the stored vector is the unit one.
        assert_eq!(map.embedding(0), &[0.6, 0.8, 0.0]);
        let reasons: Vec<(usize, &str)> = map.skipped.iter().map(|b| (b.line, b.reason.as_str())).collect();
        assert_eq!(
            reasons,
            [
                (2, "its embedding has 2 numbers, not 3"),
                (3, "its embedding is zero or not finite"),
                (4, "no config"),
                (5, "no embedding"),
            ]
        );
    }

    #[test]
    fn nearest_rows_come_most_similar_first() {
        let rows: Vec<Value> = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.2], [1.0, 0.0]]
            .iter()
            .enumerate()
            .map(|(i, e)| json!({"vibe_original": format!("v{i}"), "embedding": e, "config": {"tempo": "slow"}}))
            .collect();
        let map = EmbeddingMap::from_set(&set(&rows), 2);
        // Query (2, 1): cosines by hand: row 0 and 4: 2/sqrt5 = .894; row 1: 1/sqrt5 = .447;
        // row 2: 3/(sqrt5 sqrt2) = .949; row 3: (-2 + .2)/(sqrt5 sqrt1.04) = -.789.
        let got = map.nearest(&[2.0, 1.0], 3);
        assert_eq!(got.iter().map(|n| n.row).collect::<Vec<_>>(), [2, 0, 4]);
        assert!((got[0].similarity - 0.948_683).abs() < 1e-5);
        assert!((got[1].similarity - 0.894_427).abs() < 1e-5);
        assert_eq!(map.nearest(&[0.0, 0.0], 3), []);
        assert_eq!(map.nearest(&[1.0, 0.0, 0.0], 3), [], "a query of another length finds nothing");
        assert_eq!(map.nearest(&[2.0, 1.0], 10).len(), 5);
    }

    #[test]
    fn ties_among_thousands_of_rows_go_to_the_earlier_row() {
        // 5,000 rows on the unit circle, angles repeating every 997 rows (so equal rows tie).
        let rows: Vec<Value> = (0..5000)
            .map(|i| {
                let a = (i % 997) as f64 * 0.0063;
                json!({"vibe_original": "v", "embedding": [a.cos(), a.sin()], "config": {"tempo": "slow"}})
            })
            .collect();
        let map = EmbeddingMap::from_set(&set(&rows), 2);
        let query = [0.3f32, 0.95];
        let q = unit(&query).unwrap();
        let mut expected: Vec<(f32, usize)> =
            (0..map.len()).map(|i| (dot(&q, map.embedding(i)), i)).collect();
        expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let got = map.nearest(&query, 7);
        assert_eq!(
            got.iter().map(|n| n.row).collect::<Vec<_>>(),
            expected[..7].iter().map(|e| e.1).collect::<Vec<_>>()
        );
        // The best angle occurs in rows r, r + 997, ...: the earliest first.
        assert_eq!(got[0].row % 997, got[1].row % 997);
        assert!(got[0].row < got[1].row);
    }

    #[test]
    fn leaving_a_split_out_keeps_the_other_rows_and_their_embeddings() {
        let rows: Vec<Value> = [("TEST", [1.0, 0.0]), ("SFT-Train", [0.0, 1.0]), ("TEST", [1.0, 1.0]), ("GRPO", [3.0, 4.0])]
            .iter()
            .map(|(split, e)| json!({"split": split, "vibe_original": split, "embedding": e, "config": {"tempo": "slow"}}))
            .collect();
        let map = EmbeddingMap::from_set(&set(&rows), 2).without_split("TEST");
        assert_eq!(map.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(map.embedding(1), [0.6, 0.8]);
        assert_eq!(map.nearest(&[1.0, 0.0], 1)[0].row, 1, "the TEST row (1, 0) is gone");
    }

    #[test]
    fn the_best_payload_of_a_scored_row_is_its_best_candidate() {
        let candidate =
            |t: &str, tempo: &str| json!({"title": t, "config": {"tempo": tempo}, "palettes": []});
        let s = set(&[json!({
            "vibe_original": "x",
            "config_candidates": [candidate("A", "slow"), candidate("B", "fast")],
            "validation_scores": {"format_valid": [1, 1], "schema_valid": [1, 1], "palette_valid": [1, 1]},
            "candidate_scores": {"clap": [0.1, 0.3]},
            "best_index": 1,
        })]);
        let best = s.rows[0].best_payload().unwrap();
        assert_eq!((best.title.as_deref(), best.clap_score), (Some("B"), Some(0.3)));
        assert_eq!(best.config.value(), json!({"tempo": "fast"}));
    }
}
