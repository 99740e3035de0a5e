//! LatentScore's default ("fast") text-to-config model: embed the vibe with all-MiniLM-L6-v2 and
//! answer with the config of the embedding map's nearest row by cosine similarity (exact search).
//! Also builds a map of one's own: any 02b/02c file or map-format file, each vibe embedded.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::{Map, Value as Json, json};

use super::minilm::Embedder;
use super::vibe::infer::ConfigModel;
use crate::jobs::Progress;
use crate::vibes::map::{EmbeddingMap, HELD_OUT_SPLIT, Neighbour};
use crate::vibes::{BadLine, VibeRow, VibeSet};

/// The encoder and the map it searches.
pub struct FastModel {
    pub embedder: Embedder,
    pub map: EmbeddingMap,
    /// Where the map came from (shown, and written as `config_model`).
    pub map_name: String,
}

/// A vibe's neighbours in the map, most similar first, and the payload of the nearest.
#[derive(Clone, Debug, PartialEq)]
pub struct Retrieved {
    pub neighbours: Vec<Neighbour>,
    pub payload: Map<String, Json>,
}

impl FastModel {
    /// The model, once the map's embeddings are the encoder's length.
    pub fn new(
        embedder: Embedder,
        map: EmbeddingMap,
        map_name: impl Into<String>,
    ) -> anyhow::Result<FastModel> {
        anyhow::ensure!(!map.is_empty(), "the embedding map has no usable rows");
        anyhow::ensure!(
            map.dim() == embedder.dim(),
            "the map's embeddings have {} numbers, the encoder's {}",
            map.dim(),
            embedder.dim()
        );
        Ok(FastModel { embedder, map, map_name: map_name.into() })
    }

    /// Each vibe's `k` nearest map rows and the nearest one's payload.
    pub fn retrieve(
        &self,
        vibes: &[&str],
        k: usize,
        progress: &dyn Progress,
    ) -> anyhow::Result<Vec<Retrieved>> {
        let embeddings = self.embedder.embed_with(vibes, super::minilm::DEFAULT_BATCH, progress)?;
        Ok(embeddings
            .iter()
            .map(|e| {
                let neighbours = self.map.nearest(e, k.max(1));
                let payload = self.payload_of(&neighbours);
                Retrieved { neighbours, payload }
            })
            .collect())
    }

    /// One vibe's neighbours and payload.
    pub fn retrieve_one(&self, vibe: &str, k: usize) -> anyhow::Result<Retrieved> {
        let mut got = self.retrieve(&[vibe], k, &crate::jobs::Silent)?;
        got.pop().context("no embedding came back")
    }

    /// The nearest row's title, config and palettes, with a note of where they came from.
    fn payload_of(&self, neighbours: &[Neighbour]) -> Map<String, Json> {
        let Some(first) = neighbours.first() else { return Map::new() };
        let row = &self.map.rows[first.row];
        let mut payload = row.payload();
        let thinking = format!(
            "Retrieved by LatentScore's fast model: all-MiniLM-L6-v2 embedded the vibe and the nearest \
             row of the embedding map ({}, line {}, cosine {:.3}) gave its config: \"{}\"",
            self.map_name,
            row.line,
            first.similarity,
            shorten(&row.vibe, 400)
        );
        payload.insert("thinking".into(), json!(thinking));
        payload
    }
}

/// At most `chars` characters of `text`, with "..." where it was cut.
pub fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        format!("{}...", text.chars().take(chars.saturating_sub(3)).collect::<String>())
    }
}

impl ConfigModel for FastModel {
    fn name(&self) -> String {
        format!("LatentScore fast (all-MiniLM-L6-v2 retrieval over {})", self.map_name)
    }

    fn synthetic(&self) -> bool {
        self.map.is_synthetic()
    }

    fn payloads(&self, vibes: &[&str], progress: &dyn Progress) -> anyhow::Result<Vec<Map<String, Json>>> {
        Ok(self.retrieve(vibes, 1, progress)?.into_iter().map(|r| r.payload).collect())
    }
}

/// Which splits go into a built map: the named ones, or every split but TEST.
pub fn keeps_split(splits: Option<&[String]>, split: Option<&str>) -> bool {
    match splits {
        Some(names) => split.is_some_and(|s| names.iter().any(|n| n == s)),
        None => split != Some(HELD_OUT_SPLIT),
    }
}

/// What building a map wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct MapReport {
    pub out: PathBuf,
    pub rows: usize,
    /// Rows of other splits, left out.
    pub other_splits: usize,
    /// Rows of the chosen splits without a config (with their file and line).
    pub skipped: Vec<BadLine>,
    pub synthetic: bool,
}

/// Embeds the vibe of every row of the chosen splits that has a config, and writes the rows in
/// LatentScore's map format (one JSON object a line: vibe_original, embedding, config, title,
/// palettes, split, clap_score; plus dataset, id_in_dataset and `synthetic`) to `out`, atomically.
pub fn build_map(
    set: &VibeSet,
    embedder: &Embedder,
    splits: Option<&[String]>,
    out: &Path,
    progress: &dyn Progress,
) -> anyhow::Result<MapReport> {
    let mut report = MapReport {
        out: out.to_owned(),
        rows: 0,
        other_splits: 0,
        skipped: Vec::new(),
        synthetic: set.is_synthetic(),
    };
    let mut chosen: Vec<(&VibeRow, crate::vibes::map::BestPayload)> = Vec::new();
    for row in &set.rows {
        if !keeps_split(splits, row.split.as_deref()) {
            report.other_splits += 1;
            continue;
        }
        match row.best_payload() {
            Some(payload) => chosen.push((row, payload)),
            None => report.skipped.push(BadLine {
                file: set.files.get(row.file).cloned().unwrap_or_default(),
                line: row.line,
                reason: "no config".into(),
            }),
        }
    }
    anyhow::ensure!(!chosen.is_empty(), "no row of the chosen splits has a vibe and a config");
    let texts: Vec<&str> = chosen.iter().map(|(row, _)| row.vibe_text()).collect();
    let embeddings = embedder.embed_with(&texts, super::minilm::DEFAULT_BATCH, &Scaled(progress, 0.97))?;
    crate::paths::write_atomically(out, |tmp| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(tmp)?);
        for ((row, payload), embedding) in chosen.iter().zip(&embeddings) {
            serde_json::to_writer(&mut file, &map_line(row, payload, embedding))?;
            file.write_all(b"\n")?;
        }
        file.flush()?;
        Ok(())
    })
    .with_context(|| format!("writing {}", out.display()))?;
    report.rows = chosen.len();
    progress.report(1.0, &format!("wrote {} map rows to {}", report.rows, out.display()));
    Ok(report)
}

/// One line of a built map, its keys in this order (LatentScore's, then benchtop's own).
#[derive(serde::Serialize)]
struct MapLine<'a> {
    dataset: Option<&'a str>,
    id_in_dataset: Option<&'a str>,
    split: Option<&'a str>,
    vibe_original: &'a str,
    embedding: &'a [f32],
    config: Json,
    title: Option<&'a str>,
    palettes: Json,
    clap_score: Option<f64>,
    synthetic: bool,
}

fn map_line<'a>(
    row: &'a VibeRow,
    payload: &'a crate::vibes::map::BestPayload,
    embedding: &'a [f32],
) -> MapLine<'a> {
    MapLine {
        dataset: row.dataset.as_deref(),
        id_in_dataset: row.id_in_dataset.as_deref(),
        split: row.split.as_deref(),
        vibe_original: row.vibe_text(),
        embedding,
        config: payload.config.value(),
        title: payload.title.as_deref(),
        palettes: payload.palettes.as_ref().map_or(Json::Null, |p| p.value()),
        clap_score: payload.clap_score,
        synthetic: row.is_synthetic(),
    }
}

/// Progress of a first part of the work, scaled into `0..=share`.
struct Scaled<'a>(&'a dyn Progress, f32);

impl Progress for Scaled<'_> {
    fn report(&self, fraction: f32, message: &str) {
        self.0.report(fraction * self.1, message);
    }

    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}

/// Opens a map file (or a folder of them) with the rows that cannot serve reported.
pub fn open_map(path: &Path, dim: usize, progress: &dyn Progress) -> anyhow::Result<EmbeddingMap> {
    let set = VibeSet::open(path, progress)?;
    let mut map = EmbeddingMap::from_set(&set, dim);
    for bad in set.bad.iter() {
        map.skipped.push(bad.clone());
    }
    map.skipped.total += set.bad.not_kept();
    anyhow::ensure!(
        !map.is_empty(),
        "{}: no row has a {dim}-number embedding and a config{}",
        path.display(),
        map.skipped.first().map_or(String::new(), |b| format!(" (first: {b})"))
    );
    Ok(map)
}
