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
    /// Shared: the same encoder can search several maps (a map without a split, to score it).
    pub embedder: std::sync::Arc<Embedder>,
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
        Ok(FastModel { embedder: std::sync::Arc::new(embedder), map, map_name: map_name.into() })
    }

    /// The same encoder over the map without `split`'s rows (to score that split fairly).
    pub fn without_split(&self, split: &str) -> anyhow::Result<FastModel> {
        let map = self.map.without_split(split);
        anyhow::ensure!(!map.is_empty(), "the map holds no row outside {split}");
        Ok(FastModel {
            embedder: self.embedder.clone(),
            map,
            map_name: format!("{} without {split}", self.map_name),
        })
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
    let embeddings = embedder.embed_with(
        &texts,
        super::minilm::DEFAULT_BATCH,
        &crate::jobs::Scaled { inner: progress, start: 0.0, span: 0.97 },
    )?;
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

/// Where the fast model's parts come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastSource {
    /// The MiniLM folder (model.safetensors, tokenizer.json, config.json).
    pub model_dir: PathBuf,
    pub map: MapSource,
    pub backend: crate::ml::backend::Backend,
}

/// Which embedding map the fast model searches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapSource {
    /// A map file (or folder) of one's own, or LatentScore's from the Hub.
    File(PathBuf),
    /// A map of the bundled SYNTHETIC training set (all but TEST), built at this path when missing.
    Bundled(PathBuf),
}

impl MapSource {
    pub fn path(&self) -> &Path {
        match self {
            MapSource::File(path) | MapSource::Bundled(path) => path,
        }
    }
}

/// The last model loaded, kept between jobs (loading reads the encoder and a map of ~100 MB).
#[derive(Default)]
pub struct FastCache(std::sync::Mutex<Option<(FastSource, std::sync::Arc<FastModel>)>>);

impl FastCache {
    /// The model of `source`: the one kept if it is the same, else loaded (and the bundled map
    /// built first if it is missing).
    pub fn get_or_load(
        &self,
        source: &FastSource,
        progress: &dyn Progress,
    ) -> anyhow::Result<std::sync::Arc<FastModel>> {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((kept_source, model)) = kept.as_ref()
            && kept_source == source
        {
            return Ok(model.clone());
        }
        progress.report(0.0, &format!("loading all-MiniLM-L6-v2 from {}", source.model_dir.display()));
        let embedder = Embedder::load(&source.model_dir, source.backend)?;
        let path = source.map.path();
        if let MapSource::Bundled(out) = &source.map
            && !out.exists()
        {
            let set = VibeSet::training_sample()?;
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
            }
            let part = crate::jobs::Scaled { inner: progress, start: 0.0, span: 0.8 };
            build_map(&set, &embedder, None, out, &part)?;
        }
        let part = crate::jobs::Scaled { inner: progress, start: 0.8, span: 0.2 };
        let map = open_map(path, embedder.dim(), &part)?;
        let name = match &source.map {
            MapSource::Bundled(_) => "the bundled SYNTHETIC training set's map".to_owned(),
            MapSource::File(path) => crate::paths::file_name(path),
        };
        let model = std::sync::Arc::new(FastModel::new(embedder, map, name)?);
        *kept = Some((source.clone(), model.clone()));
        Ok(model)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::Silent;
    use crate::ml::backend::Backend;
    use crate::vibes::map::MINILM_DIM;

    fn embedder() -> Embedder {
        Embedder::load(&crate::ml::minilm::tests::model_dir(), Backend::Cpu).unwrap()
    }

    fn config(tempo: &str) -> Json {
        let mut c = crate::synth::config::MusicConfig::default().to_json();
        c.insert("tempo".into(), json!(tempo));
        Json::Object(c)
    }

    fn write_lines(path: &Path, lines: &[Json]) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_built_map_answers_its_own_vibes_and_reports_what_it_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("02b.jsonl");
        write_lines(
            &input,
            &[
                json!({"split": "SFT-Train", "vibe_original": "rain on a tin roof at night",
                       "config_payload": {"title": "Tin Rain", "config": config("slow")}}),
                json!({"split": "SFT-Train", "vibe_original": "a crowded dance floor at 3am",
                       "config_payload": {"title": "Floor", "config": config("very_fast")}}),
                json!({"split": "SFT-Train", "vibe_original": "no config here"}),
                json!({"split": "TEST", "vibe_original": "held out", "config_payload": {"config": config("fast")}}),
            ],
        );
        let set = VibeSet::open(&input, &Silent).unwrap();
        let embedder = embedder();
        let out = dir.path().join("map.jsonl");
        let report = build_map(&set, &embedder, None, &out, &Silent).unwrap();
        assert_eq!((report.rows, report.other_splits), (2, 1), "TEST is left out by default");
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(report.skipped[0].line, 3);

        let map = open_map(&out, MINILM_DIM, &Silent).unwrap();
        let model = FastModel::new(embedder, map, "map.jsonl").unwrap();
        let got = model.retrieve_one("a crowded dance floor at 3am", 2).unwrap();
        // The same text embeds to the same unit vector: cosine 1 with its own row.
        assert_eq!(got.neighbours[0].row, 1);
        assert!((got.neighbours[0].similarity - 1.0).abs() < 1e-5, "{:?}", got.neighbours);
        assert!(got.neighbours[1].similarity < got.neighbours[0].similarity);
        assert_eq!(got.payload["title"], json!("Floor"));
        assert_eq!(got.payload["config"]["tempo"], json!("very_fast"));
        assert!(got.payload["thinking"].as_str().unwrap().contains("line 2"));

        // Naming the splits takes exactly those.
        let only_test = build_map(&set, &model.embedder, Some(&["TEST".to_owned()]), &out, &Silent).unwrap();
        assert_eq!((only_test.rows, only_test.other_splits), (1, 3));
    }

    #[test]
    fn a_map_with_wrong_embeddings_or_no_config_names_the_lines_it_skips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map.jsonl");
        let good: Vec<f32> = (0..MINILM_DIM).map(|i| (i as f32).sin()).collect();
        write_lines(
            &path,
            &[
                json!({"vibe_original": "ok", "embedding": good, "config": config("slow")}),
                json!({"vibe_original": "short", "embedding": &good[..383], "config": config("slow")}),
                json!({"vibe_original": "no config", "embedding": good}),
                json!({"vibe_original": "zero", "embedding": vec![0.0; MINILM_DIM], "config": config("slow")}),
            ],
        );
        std::fs::write(&path, std::fs::read_to_string(&path).unwrap() + "{not json\n").unwrap();
        let map = open_map(&path, MINILM_DIM, &Silent).unwrap();
        assert_eq!(map.len(), 1);
        let lines: Vec<usize> = map.skipped.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5], "{:?}", map.skipped.iter().collect::<Vec<_>>());
        let reasons: Vec<String> = map.skipped.iter().map(|b| b.reason.clone()).collect();
        assert!(reasons[0].contains("383 numbers, not 384"), "{reasons:?}");
    }

    /// Tempo and brightness said with words the training vibes never use (no content word of
    /// these phrases occurs in them: checked below), two phrasings a class.
    const TEMPO_PHRASES: [(&str, [&str; 2]); 5] = [
        ("very_slow", ["nearly stationary", "creeping along sluggishly"]),
        ("slow", ["in no hurry", "relaxed and leisurely"]),
        ("medium", ["at a moderate tempo", "neither rushed nor lazy"]),
        ("fast", ["quick and energetic", "zippy and speedy"]),
        ("very_fast", ["at a breathless sprint", "hyperactive and whirlwind-fast"]),
    ];
    const BRIGHTNESS_PHRASES: [(&str, [&str; 2]); 5] = [
        ("very_dark", ["in total darkness", "inky and lampless"]),
        ("dark", ["gloomy and murky", "murky and shaded"]),
        ("medium", ["hazy and cloudy", "pale and washed-out"]),
        ("bright", ["luminous and well-lit", "bathed in clear daylight"]),
        ("very_bright", ["blazing and glaring", "brilliantly, blindingly illuminated"]),
    ];
    const FUNCTION_WORDS: [&str; 6] = ["in", "at", "a", "and", "no", "nor"];

    fn words(text: &str) -> impl Iterator<Item = String> + '_ {
        text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
    }

    #[test]
    fn paraphrases_with_unseen_words_retrieve_tempo_and_brightness_above_the_majority() {
        let set = VibeSet::training_sample().unwrap();
        let seen: std::collections::HashSet<String> = set
            .rows
            .iter()
            .flat_map(|r| [r.vibe_original.as_deref(), r.vibe_noisy.as_deref()])
            .flatten()
            .flat_map(|t| words(t).collect::<Vec<_>>())
            .collect();
        for (_, phrases) in TEMPO_PHRASES.iter().chain(&BRIGHTNESS_PHRASES) {
            for word in phrases.iter().flat_map(|p| words(p)) {
                assert!(
                    FUNCTION_WORDS.contains(&word.as_str()) || !seen.contains(&word),
                    "{word:?} occurs in the training vibes"
                );
            }
        }

        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("map.jsonl");
        let embedder = embedder();
        let report = build_map(&set, &embedder, None, &out, &Silent).unwrap();
        let map = open_map(&out, MINILM_DIM, &Silent).unwrap();
        assert!(map.rows.iter().all(|r| r.split.as_deref() != Some(HELD_OUT_SPLIT)));
        assert_eq!(map.len(), report.rows);
        let model = FastModel::new(embedder, map, "train map").unwrap();

        let mut probes = Vec::new();
        for (tempo, tempo_phrases) in TEMPO_PHRASES {
            for (brightness, bright_phrases) in BRIGHTNESS_PHRASES {
                for t in tempo_phrases {
                    for b in bright_phrases {
                        probes.push((format!("{t}, {b}"), tempo, brightness));
                    }
                }
            }
        }
        let texts: Vec<&str> = probes.iter().map(|p| p.0.as_str()).collect();
        let got = model.retrieve(&texts, 1, &Silent).unwrap();
        let field_of = |payload: &Map<String, Json>, field: &str| -> String {
            payload["config"][field].as_str().unwrap_or("").to_owned()
        };
        let accuracy = |pick: &dyn Fn(usize) -> String, truth: &dyn Fn(usize) -> &'static str| {
            (0..probes.len()).filter(|&i| pick(i) == truth(i)).count() as f64 / probes.len() as f64
        };
        // The majority baseline: each field's most common value among the map's (training) rows.
        let majority = |field: &str| {
            let mut counts = std::collections::HashMap::<String, usize>::new();
            for row in &model.map.rows {
                *counts.entry(row.config.value()[field].as_str().unwrap_or("").to_owned()).or_default() += 1;
            }
            counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).unwrap().0
        };
        for (field, truth) in [("tempo", 1usize), ("brightness", 2)] {
            let truth_of = |i: usize| if truth == 1 { probes[i].1 } else { probes[i].2 };
            let fast = accuracy(&|i| field_of(&got[i].payload, field), &truth_of);
            let common = majority(field);
            let base = accuracy(&|_| common.clone(), &truth_of);
            eprintln!("{field}: fast {fast:.2}, majority ({common}) {base:.2} on {} probes", probes.len());
            // Every class appears equally often among the probes: the majority guess scores 0.2.
            assert!((base - 0.2).abs() < 1e-9);
            assert!(fast >= base + 0.1, "{field}: fast {fast:.2} is not well above the majority's {base:.2}");
        }
    }
}
