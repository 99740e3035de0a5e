//! Fine-tuning vs pre-training (FT vs PT): fine-tuning runs started from DataDecide checkpoints,
//! each matched with the pre-trained checkpoint it started from, and their training histories.
//!
//! The runs table has one row per run: `run_id`, the checkpoint (`ckpt_params`, `ckpt_data`,
//! `ckpt_steps`), the fine-tuning (`lr`, `seed`, `ft_tok`, ...), comparison columns, and metric
//! columns `ft_<m>` / `pt_<m>` (the fine-tuned model's and its checkpoint's). Histories have
//! `run_id, step, train_loss, learning_rate, total_tokens`. Both read from parquet, CSV or JSONL.

pub mod synth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use polars::prelude::{DataFrame, DataType};

use crate::datadecide::files;

/// One fine-tuning run.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub run_id: String,
    pub ckpt_params: String,
    pub ckpt_data: String,
    pub ckpt_steps: f64,
    pub lr: f64,
    pub seed: f64,
    pub ft_tok: f64,
    /// Every numeric column by name (the core ones too).
    pub numbers: BTreeMap<String, f64>,
    /// Every other column, as text.
    pub texts: BTreeMap<String, String>,
}

impl Run {
    /// The fine-tuned and pre-trained values of a metric base (`ft_<m>`, `pt_<m>`).
    pub fn pair(&self, metric: &str) -> Option<(f64, f64)> {
        let ft = *self.numbers.get(&format!("ft_{metric}"))?;
        let pt = *self.numbers.get(&format!("pt_{metric}"))?;
        (ft.is_finite() && pt.is_finite()).then_some((ft, pt))
    }
}

/// The runs of a table, where they came from, and its columns in file order.
#[derive(Clone, Debug, Default)]
pub struct Runs {
    pub runs: Vec<Run>,
    pub columns: Vec<String>,
    pub source: PathBuf,
    pub synthetic: bool,
    /// Lines or rows that could not be read: (1-based line or row, reason).
    pub skipped: crate::jsonl::BadLines<(usize, String)>,
    /// The metric bases with both an `ft_` and a `pt_` value in some run, in column order.
    pub matched: Vec<String>,
}

/// A group of columns of the runs table, as the seed's viewer grouped them.
pub fn column_group(column: &str) -> &'static str {
    match column {
        "run_id" | "timestamp" | "matched_group_id" | "matched_group_name" => "run",
        c if c.starts_with("ckpt_") => "checkpoint",
        "lr" | "seed" => "fine-tuning",
        c if c.starts_with("ft_tok") || c.starts_with("ft_epochs") || c.starts_with("abs_difference") => {
            "fine-tuning"
        }
        c if c.starts_with("comparison_") => "comparison",
        c if c.starts_with("ft_") => "FT metrics",
        c if c.starts_with("pt_") => "PT metrics",
        _ => "other",
    }
}

pub const GROUPS: [&str; 7] =
    ["run", "checkpoint", "fine-tuning", "comparison", "FT metrics", "PT metrics", "other"];

const REQUIRED: [&str; 7] = ["run_id", "ckpt_params", "ckpt_data", "ckpt_steps", "lr", "seed", "ft_tok"];

/// A pandas pickle cannot be read outside Python: say so, and how to convert it.
fn refuse_pickle(path: &Path) -> anyhow::Result<()> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pkl") || e.eq_ignore_ascii_case("pickle")) {
        anyhow::bail!(
            "{}: a pandas pickle can only be read by Python (unpickling runs code); convert it once with \
             `python -c \"import pandas as pd; pd.read_pickle('{}').to_parquet('runs.parquet')\"` and open \
             runs.parquet",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// Rows of a file as column → value maps (JSON values), with the file's column order.
type Rows = (
    Vec<String>,
    Vec<(usize, serde_json::Map<String, serde_json::Value>)>,
    crate::jsonl::BadLines<(usize, String)>,
);

fn read_rows(path: &Path) -> anyhow::Result<Rows> {
    refuse_pickle(path)?;
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("jsonl") | Some("ndjson") | Some("json") => read_jsonl(path),
        Some("csv") => frame_rows(&files::read_csv(path, &[])?),
        _ => {
            use polars::prelude::{ParquetReader, SerReader};
            // Names the file when it is not parquet at all.
            files::parquet_schema(path)?;
            let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            frame_rows(
                &ParquetReader::new(file).finish().with_context(|| format!("reading {}", path.display()))?,
            )
        }
    }
}

fn read_jsonl(path: &Path) -> anyhow::Result<Rows> {
    let (mut columns, mut rows, mut skipped) = (Vec::new(), Vec::new(), crate::jsonl::BadLines::default());
    crate::jsonl::for_each_object(path, |line, _, object| {
        match object {
            Ok(map) => {
                for k in map.keys() {
                    if !columns.contains(k) {
                        columns.push(k.clone());
                    }
                }
                rows.push((line, map));
            }
            Err(reason) => skipped.push((line, reason)),
        }
        Ok(())
    })?;
    Ok((columns, rows, skipped))
}

fn frame_rows(df: &DataFrame) -> anyhow::Result<Rows> {
    let columns: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    let mut rows: Vec<(usize, serde_json::Map<String, serde_json::Value>)> =
        (0..df.height()).map(|i| (i + 1, serde_json::Map::new())).collect();
    for column in df.columns() {
        let name = column.name().to_string();
        if column.dtype().is_primitive_numeric() || matches!(column.dtype(), DataType::Boolean) {
            let values = column.cast(&DataType::Float64)?;
            for (i, v) in values.f64()?.iter().enumerate() {
                if let Some(v) = v.and_then(serde_json::Number::from_f64) {
                    rows[i].1.insert(name.clone(), serde_json::Value::Number(v));
                }
            }
        } else {
            let values = column.cast(&DataType::String)?;
            for (i, v) in values.str()?.iter().enumerate() {
                if let Some(v) = v {
                    rows[i].1.insert(name.clone(), serde_json::Value::String(v.to_owned()));
                }
            }
        }
    }
    Ok((columns, rows, crate::jsonl::BadLines::default()))
}

fn number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        serde_json::Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Runs {
    /// Reads a runs table (parquet, CSV or JSONL). A file without the required columns is an
    /// error naming them; rows missing a required value are skipped and listed.
    pub fn open(path: &Path) -> anyhow::Result<Runs> {
        let rows = read_rows(path)?;
        // The data's own marker says whether it is synthetic: the parquet key, the CSV's first
        // line, or `"synthetic": true` on every JSONL row; never the file's name.
        let jsonl_synthetic =
            !rows.1.is_empty() && rows.1.iter().all(|(_, row)| row.get("synthetic") == Some(&true.into()));
        let mut runs = Self::from_rows(rows, path)?;
        runs.synthetic =
            match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
                Some("csv") => files::is_synthetic_csv(path)?,
                Some("jsonl" | "ndjson" | "json") => jsonl_synthetic,
                _ => files::is_synthetic_parquet(path)?,
            };
        Ok(runs)
    }

    fn from_rows((columns, rows, mut skipped): Rows, path: &Path) -> anyhow::Result<Runs> {
        let missing: Vec<&str> =
            REQUIRED.iter().copied().filter(|c| !columns.iter().any(|x| x == c)).collect();
        anyhow::ensure!(
            missing.is_empty(),
            "{}: not a fine-tuning runs table: missing column(s) {}",
            path.display(),
            missing.join(", ")
        );
        let mut runs = Vec::new();
        for (line, row) in rows {
            let get_text = |c: &str| row.get(c).map(text).filter(|s| !s.is_empty() && s != "null");
            let get_num = |c: &str| row.get(c).and_then(number);
            let core = (|| -> Result<Run, String> {
                let need_text = |c: &str| get_text(c).ok_or_else(|| format!("{c} is empty"));
                let need_num = |c: &str| get_num(c).ok_or_else(|| format!("{c} is not a number"));
                Ok(Run {
                    run_id: need_text("run_id")?,
                    ckpt_params: need_text("ckpt_params")?,
                    ckpt_data: need_text("ckpt_data")?,
                    ckpt_steps: need_num("ckpt_steps")?,
                    lr: need_num("lr")?,
                    seed: need_num("seed")?,
                    ft_tok: need_num("ft_tok")?,
                    numbers: BTreeMap::new(),
                    texts: BTreeMap::new(),
                })
            })();
            match core {
                Err(reason) => skipped.push((line, reason)),
                Ok(mut run) => {
                    for (k, v) in &row {
                        match number(v).filter(|_| {
                            !matches!(v, serde_json::Value::String(_))
                                || k.starts_with("ft_")
                                || k.starts_with("pt_")
                        }) {
                            Some(n) => {
                                run.numbers.insert(k.clone(), n);
                            }
                            None => {
                                run.texts.insert(k.clone(), text(v));
                            }
                        }
                    }
                    runs.push(run);
                }
            }
        }
        skipped.kept.sort_by_key(|s| s.0);
        let matched = columns
            .iter()
            .filter_map(|c| c.strip_prefix("ft_"))
            .filter(|m| columns.iter().any(|c| c.strip_prefix("pt_") == Some(m)))
            .filter(|m| runs.iter().any(|r| r.pair(m).is_some()))
            .map(str::to_owned)
            .collect();
        Ok(Runs { runs, columns, source: path.to_owned(), synthetic: false, skipped, matched })
    }

    /// The metric bases with both an `ft_` and a `pt_` column, in column order.
    pub fn matched_metrics(&self) -> &[String] {
        &self.matched
    }
}

/// One logged step of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistoryPoint {
    pub step: f64,
    pub train_loss: f64,
    pub learning_rate: f64,
    pub total_tokens: f64,
}

/// Training histories by run, each in step order.
#[derive(Clone, Debug, Default)]
pub struct Histories {
    pub runs: BTreeMap<String, Vec<HistoryPoint>>,
    pub skipped: crate::jsonl::BadLines<(usize, String)>,
    pub source: PathBuf,
}

impl Histories {
    pub fn open(path: &Path) -> anyhow::Result<Histories> {
        Self::from_rows(read_rows(path)?, path)
    }

    fn from_rows((columns, rows, mut skipped): Rows, path: &Path) -> anyhow::Result<Histories> {
        let missing: Vec<&str> = ["run_id", "step", "train_loss"]
            .into_iter()
            .filter(|c| !columns.iter().any(|x| x == c))
            .collect();
        anyhow::ensure!(
            missing.is_empty(),
            "{}: not a run-history table: missing column(s) {}",
            path.display(),
            missing.join(", ")
        );
        let mut runs: BTreeMap<String, Vec<HistoryPoint>> = BTreeMap::new();
        for (line, row) in rows {
            let num = |c: &str| row.get(c).and_then(number);
            match (row.get("run_id").map(text), num("step"), num("train_loss")) {
                (Some(id), Some(step), Some(loss)) if loss.is_finite() => {
                    runs.entry(id).or_default().push(HistoryPoint {
                        step,
                        train_loss: loss,
                        learning_rate: num("learning_rate").unwrap_or(f64::NAN),
                        total_tokens: num("total_tokens").unwrap_or(f64::NAN),
                    });
                }
                _ => skipped.push((line, "run_id, step or train_loss missing or not a number".to_owned())),
            }
        }
        for points in runs.values_mut() {
            points.sort_by(|a, b| a.step.total_cmp(&b.step));
        }
        skipped.kept.sort_by_key(|s| s.0);
        Ok(Histories { runs, skipped, source: path.to_owned() })
    }
}

/// The bundled SYNTHETIC sample, built into the binary.
pub const SAMPLE_RUNS_FILE: &str = "data/ft-vs-pt-synthetic-runs.parquet";
pub const SAMPLE_HISTORY_FILE: &str = "data/ft-vs-pt-synthetic-history.parquet";
const SAMPLE_RUNS: &[u8] = include_bytes!("../../data/ft-vs-pt-synthetic-runs.parquet");
const SAMPLE_HISTORY: &[u8] = include_bytes!("../../data/ft-vs-pt-synthetic-history.parquet");

/// The bundled SYNTHETIC sample.
pub fn sample() -> anyhow::Result<(Runs, Histories)> {
    use polars::prelude::{ParquetReader, SerReader};
    let frame = |bytes: &'static [u8]| ParquetReader::new(std::io::Cursor::new(bytes)).finish();
    let mut runs = Runs::from_rows(frame_rows(&frame(SAMPLE_RUNS)?)?, Path::new(SAMPLE_RUNS_FILE))?;
    runs.synthetic = true;
    let histories =
        Histories::from_rows(frame_rows(&frame(SAMPLE_HISTORY)?)?, Path::new(SAMPLE_HISTORY_FILE))?;
    Ok((runs, histories))
}
