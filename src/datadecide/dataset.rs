//! The DataDecide data the app works on: the bundled synthetic demo, a file the user opens, or
//! the real tables fetched from the Hub and built here.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use polars::prelude::{ParquetReader, SerReader};

use super::hub::{self, Caches, HubSource};
use super::pipeline;
use super::query::PerSeed;
use super::table::{DataSource, LongTable};
use crate::download::RetryPolicy;
use crate::jobs::{Progress, Scaled};

/// The synthetic demo tables made by `scripts/make-demo-data`, built into the binary so that the
/// app works offline on first start.
pub const DEMO_LONG_FILE: &str = "data/datadecide-synthetic-demo-mean_eval_melted.parquet";
const DEMO_LONG: &[u8] = include_bytes!("../../data/datadecide-synthetic-demo-mean_eval_melted.parquet");
pub const DEMO_PER_SEED_FILE: &str = "data/datadecide-synthetic-demo-per_seed.parquet";
const DEMO_PER_SEED: &[u8] = include_bytes!("../../data/datadecide-synthetic-demo-per_seed.parquet");

#[derive(Clone, Debug)]
pub struct Dataset {
    pub table: Arc<LongTable>,
    pub source: DataSource,
    /// The per-seed table the long table was averaged from, when there is one (seed bands).
    pub per_seed: Option<PerSeed>,
}

/// The per-seed table that sits next to a long table: `per_seed.parquet` beside
/// `mean_eval_melted.parquet`, or the same name with `per_seed` for `mean_eval_melted`.
pub fn per_seed_beside(long: &Path) -> Option<PathBuf> {
    let name = long.file_name()?.to_str()?;
    let candidate = if name.contains("mean_eval_melted") {
        long.with_file_name(name.replace("mean_eval_melted", "per_seed"))
    } else {
        long.with_file_name("per_seed.parquet")
    };
    candidate.is_file().then_some(candidate)
}

impl Dataset {
    /// The bundled SYNTHETIC demo data.
    pub fn demo() -> anyhow::Result<Self> {
        let path = Path::new(DEMO_LONG_FILE);
        let df = ParquetReader::new(Cursor::new(DEMO_LONG)).finish()?;
        let (table, skipped) = LongTable::from_frame(&df, path)?;
        let per_seed = ParquetReader::new(Cursor::new(DEMO_PER_SEED)).finish()?;
        Ok(Self {
            table: Arc::new(table),
            source: DataSource { path: path.to_owned(), synthetic: true, skipped },
            per_seed: Some(PerSeed::Frame {
                frame: Arc::new(per_seed),
                path: PathBuf::from(DEMO_PER_SEED_FILE),
            }),
        })
    }

    /// A mean_eval_melted parquet or CSV file (and its per-seed table, if one sits beside it).
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let opened = LongTable::open(path);
        // The frame the table was read from is gone: hand its memory back.
        crate::memory::release();
        let (table, source) = opened?;
        anyhow::ensure!(!table.is_empty(), "{}: the table has no rows", path.display());
        let per_seed = per_seed_beside(path).map(PerSeed::File);
        Ok(Self { table: Arc::new(table), source, per_seed })
    }
}

/// Where the built tables of a Hub revision go in the cache.
pub fn built_paths(source: &HubSource, cache: &Path) -> (PathBuf, PathBuf) {
    let root = source.cache_root(cache);
    (root.join("mean_eval_melted.parquet"), root.join("per_seed.parquet"))
}

/// Fetches the ppl and eval files into the Hugging Face cache (what is cached is kept), builds
/// the tables into benchtop's cache, and opens the result.
pub fn fetch_and_build(
    source: &HubSource,
    caches: &Caches,
    no_verify: bool,
    progress: &dyn Progress,
) -> anyhow::Result<Dataset> {
    let cache = caches.benchtop.as_deref().context("no cache folder to build the tables in")?;
    let files = hub::select(&["ppl".to_owned(), "eval".to_owned(), "macro".to_owned()])?;
    hub::fetch(
        source,
        &files,
        caches,
        &RetryPolicy::default(),
        no_verify,
        &Scaled { inner: progress, start: 0.0, span: 0.6 },
    )?;
    let inputs = hub::cached_inputs(source, caches)?;
    let (long, per_seed) = built_paths(source, cache);
    let report = pipeline::build_to_files(
        &inputs,
        &long,
        Some(&per_seed),
        &Scaled { inner: progress, start: 0.6, span: 0.38 },
    )?;
    if report.bad_row_count > 0 {
        tracing::warn!(
            "skipped {} bad rows while building; first: {}",
            report.bad_row_count,
            report.bad_rows[0]
        );
    }
    progress.report(0.99, "opening the built table");
    Dataset::open(&long)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_synthetic_and_covers_the_suite() {
        let demo = Dataset::demo().unwrap();
        assert!(demo.source.synthetic);
        assert!(demo.source.label().starts_with("synthetic demo data"));
        let t = &demo.table;
        assert_eq!(t.params.len(), 14);
        assert_eq!(t.recipes.len(), 25);
        // 11 perplexities + 10 tasks × the demo's 7 metrics.
        assert_eq!(t.metrics.len(), 81);
        assert_eq!(t.params.first().map(String::as_str), Some("4M"));
        assert_eq!(t.params.last().map(String::as_str), Some("1B"));
    }
}
