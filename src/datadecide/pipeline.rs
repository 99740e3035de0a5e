//! Builds DataDecide's long table, `mean_eval_melted`, from the Hub's files:
//!
//! 1. parse each eval row's `metrics` literal (in parallel) and keep the 28 metrics;
//! 2. pivot to one row per (params, data, seed, step) with `<task>_<metric>` columns, keeping the
//!    first non-missing value of a duplicated (row, task); MMLU subject rows feed
//!    `mmlu_average_<metric>`, the unweighted mean over the subjects present (NaN skipped);
//! 3. full-join the perplexities (`eval/<d>-validation/Perplexity` renamed `<d>-valppl`) on the
//!    same four keys (polars);
//! 4. add tokens = step × batch × 2048 and compute = 6 × N × tokens from the size table;
//! 5. keep that per-seed table (sorted by size, recipe, seed, step) and average it across seeds
//!    per (params, data, step), missing values skipped (polars);
//! 6. melt to (params, data, step, tokens, compute, metric, value) over the 291 long-table
//!    metrics that exist, dropping missing values (polars).
//!
//! The pivot is done while parsing rather than with polars: polars 0.55 has no eager pivot, and
//! parsing straight into columns avoids materialising 1.4M parsed dicts. Bad rows are skipped and
//! reported with file, row and reason; the good rows are used.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use polars::prelude::*;
use rayon::prelude::*;

use super::catalog::{self, METRICS, PPL_DOMAINS};
use super::files::{self, Kind};
use super::pylit;
use crate::jobs::Progress;
use crate::paths::file_name;

/// A row that was skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    pub file: PathBuf,
    /// 0-based row index within the file.
    pub row: usize,
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} row {}: {}", self.file.display(), self.row, self.reason)
    }
}

/// What a build read, used and skipped.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub eval_rows: usize,
    pub ppl_rows: usize,
    /// The first skipped rows (at most [`Report::KEPT_BAD_ROWS`]); `bad_row_count` counts them all.
    pub bad_rows: Vec<BadRow>,
    pub bad_row_count: usize,
    /// Whether any input carried the synthetic marker.
    pub synthetic: bool,
    pub per_seed_rows: usize,
    pub mean_rows: usize,
    pub long_rows: usize,
    /// Rows of tasks the long table does not report (dropped as they were read), and the first
    /// few such task names.
    pub unknown_task_rows: usize,
    pub unknown_tasks: Vec<String>,
    /// Metric and perplexity values that were ±inf (dropped, like missing ones).
    pub infinite_values: usize,
}

impl Report {
    pub const KEPT_BAD_ROWS: usize = 200;
    pub const KEPT_UNKNOWN_TASKS: usize = 20;

    fn unknown_task(&mut self, task: &str) {
        self.unknown_task_rows += 1;
        if self.unknown_tasks.len() < Self::KEPT_UNKNOWN_TASKS
            && !self.unknown_tasks.iter().any(|t| t == task)
        {
            self.unknown_tasks.push(task.to_owned());
        }
    }

    /// Counts the ±inf among `values`.
    fn count_infinite(&mut self, values: &[f64]) {
        self.infinite_values += values.iter().filter(|v| v.is_infinite()).count();
    }

    fn bad(&mut self, file: &Path, row: usize, reason: impl Into<String>) {
        self.bad_row_count += 1;
        if self.bad_rows.len() < Self::KEPT_BAD_ROWS {
            self.bad_rows.push(BadRow { file: file.to_owned(), row, reason: reason.into() });
        }
    }
}

/// The files a build reads.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub ppl: Vec<PathBuf>,
    pub eval: Vec<PathBuf>,
    /// macro_avg files (the same columns, `metrics` as JSON; adds `olmes_10_macro_avg_<metric>`).
    pub macro_avg: Vec<PathBuf>,
}

/// How a file's `metrics` column is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MetricsFormat {
    /// eval-results shards: Python dict literals.
    PythonLiteral,
    /// macro_avg: JSON objects.
    Json,
}

/// The task the macro_avg file reports.
pub const MACRO_TASK: &str = "olmes_10_macro_avg";

/// The tables a build makes.
pub struct Built {
    /// One row per (params, data, seed, step): keys, tokens, compute, the long-table metrics.
    pub per_seed: DataFrame,
    /// `mean_eval_melted`.
    pub long: DataFrame,
    pub report: Report,
}

const KEYS: [&str; 4] = ["params", "data", "seed", "step"];

/// The most cells (per-seed rows × metric columns) a build makes: about twice what AllenAI's files
/// make (~22,700 rows × 330 columns, ~7.5M), so that no input, however crafted, makes the build
/// take more than a few hundred MB.
pub const MAX_CELLS: usize = 16_000_000;

/// Whether a task feeds the long table: the ten OLMES tasks, the MMLU subjects (averaged) and the
/// macro average. Others are dropped as they are read.
pub fn is_kept_task(task: &str) -> bool {
    catalog::OLMES_TASKS.contains(&task) || catalog::is_mmlu_subject(task) || task == MACRO_TASK
}

fn too_many_cells(rows: usize, columns: usize) -> anyhow::Error {
    anyhow::anyhow!(
        "the inputs make {rows} distinct (params, data, seed, step) rows × {columns} metric columns, more \
         than the {MAX_CELLS} cells benchtop builds (AllenAI's DataDecide files make about 7.5 million); \
         these are not DataDecide result files"
    )
}

/// The slot of a kept metric in [`METRICS`].
fn metric_slot(key: &str) -> Option<usize> {
    Some(match key {
        "correct_choice" => 0,
        "acc_raw" => 1,
        "acc_per_token" => 2,
        "acc_per_char" => 3,
        "acc_per_byte" => 4,
        "acc_uncond" => 5,
        "no_answer" => 6,
        "sum_logits_corr" => 7,
        "logits_per_token_corr" => 8,
        "logits_per_char_corr" => 9,
        "bits_per_byte_corr" => 10,
        "correct_prob" => 11,
        "correct_prob_per_token" => 12,
        "correct_prob_per_char" => 13,
        "margin" => 14,
        "margin_per_token" => 15,
        "margin_per_char" => 16,
        "total_prob" => 17,
        "total_prob_per_token" => 18,
        "total_prob_per_char" => 19,
        "uncond_correct_prob" => 20,
        "uncond_correct_prob_per_token" => 21,
        "uncond_correct_prob_per_char" => 22,
        "uncond_total_prob" => 23,
        "norm_correct_prob" => 24,
        "norm_correct_prob_per_token" => 25,
        "norm_correct_prob_per_char" => 26,
        "primary_metric" => 27,
        _ => return None,
    })
}

/// The 28 kept metrics of one `metrics` literal; NaN where absent, None or not a number.
pub fn parse_metrics(text: &str) -> Result<[f64; 28], pylit::PyLitError> {
    let mut out = [f64::NAN; 28];
    pylit::for_each_entry(text, |key, value| {
        if let Some(slot) = metric_slot(&key) {
            out[slot] = value.as_f64().unwrap_or(f64::NAN);
        }
    })?;
    Ok(out)
}

/// The 28 kept metrics of one JSON object (the macro_avg form); NaN where absent, null or not a number.
pub fn parse_metrics_json(text: &str) -> Result<[f64; 28], String> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
    let mut out = [f64::NAN; 28];
    for (key, value) in &object {
        if let Some(slot) = metric_slot(key) {
            out[slot] = value.as_f64().unwrap_or(f64::NAN);
        }
    }
    Ok(out)
}

/// Strings to small ids, in first-seen order.
#[derive(Default)]
struct Interner {
    ids: PlHashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }
}

type Key = (u8, u32, u32, i64);

/// The per-seed wide table as it is being filled.
#[derive(Default)]
struct Wide {
    rows: PlHashMap<Key, usize>,
    keys: Vec<Key>,
    recipes: Interner,
    seeds: Interner,
    tasks: Interner,
    /// Per task id: whether it is an MMLU subject (averaged rather than kept).
    task_is_mmlu: Vec<bool>,
    /// `task id × 28 + metric slot` -> index into `columns` (usize::MAX: none yet).
    column_of: Vec<usize>,
    columns: Vec<(String, Vec<f64>)>,
    /// Per metric slot: sum and count of the MMLU subjects' values in each row (grown to a row
    /// when an MMLU value for it arrives: a table without MMLU rows holds none).
    mmlu_sum: Vec<Vec<f64>>,
    mmlu_n: Vec<Vec<u32>>,
}

impl Wide {
    fn new() -> Self {
        Self { mmlu_sum: vec![Vec::new(); 28], mmlu_n: vec![Vec::new(); 28], ..Default::default() }
    }

    /// The cells the table holds: rows × (metric columns and the 28 MMLU sums).
    fn cells(&self, rows: usize, columns: usize) -> anyhow::Result<()> {
        if rows.saturating_mul(columns + 28) > MAX_CELLS {
            return Err(too_many_cells(rows, columns));
        }
        Ok(())
    }

    fn row(&mut self, key: Key) -> anyhow::Result<usize> {
        if let Some(row) = self.rows.get(&key) {
            return Ok(*row);
        }
        self.cells(self.keys.len() + 1, self.columns.len())?;
        let row = self.keys.len();
        self.rows.insert(key, row);
        self.keys.push(key);
        for (_, values) in &mut self.columns {
            values.push(f64::NAN);
        }
        Ok(row)
    }

    /// Adds an MMLU subject's finite values to a row's sums.
    fn add_mmlu(&mut self, row: usize, values: &[f64; 28]) {
        let rows = self.keys.len();
        for (slot, v) in values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
            let (sum, n) = (&mut self.mmlu_sum[slot], &mut self.mmlu_n[slot]);
            if sum.len() <= row {
                sum.resize(rows, 0.0);
                n.resize(rows, 0);
            }
            sum[row] += v;
            n[row] += 1;
        }
    }

    /// The id of a task, noting whether it is an MMLU subject.
    fn task(&mut self, name: &str) -> u32 {
        let id = self.tasks.id(name);
        if id as usize == self.task_is_mmlu.len() {
            self.task_is_mmlu.push(catalog::is_mmlu_subject(name));
            self.column_of.extend([usize::MAX; 28]);
        }
        id
    }

    fn set(&mut self, task: u32, slot: usize, row: usize, value: f64) -> anyhow::Result<()> {
        let at = task as usize * 28 + slot;
        let index = match self.column_of[at] {
            usize::MAX => {
                self.cells(self.keys.len(), self.columns.len() + 1)?;
                let name = format!("{}_{}", self.tasks.names[task as usize], METRICS[slot]);
                self.columns.push((name, vec![f64::NAN; self.keys.len()]));
                self.column_of[at] = self.columns.len() - 1;
                self.columns.len() - 1
            }
            i => i,
        };
        let cell = &mut self.columns[index].1[row];
        if cell.is_nan() {
            *cell = value;
        }
        Ok(())
    }

    /// Folds the MMLU sums into `mmlu_average_<metric>` columns (filling only missing cells).
    fn finish_mmlu(&mut self) -> anyhow::Result<()> {
        let task = self.task("mmlu_average");
        for slot in 0..28 {
            for row in 0..self.mmlu_n[slot].len() {
                let n = self.mmlu_n[slot][row];
                if n > 0 {
                    let mean = self.mmlu_sum[slot][row] / f64::from(n);
                    self.set(task, slot, row, mean)?;
                }
            }
        }
        Ok(())
    }
}

/// A whole, non-negative step, or why not.
fn whole_step(step: Option<f64>) -> Result<i64, String> {
    match step {
        None => Err("step is empty".into()),
        Some(s) if s.is_finite() && s >= 0.0 && s.fract() == 0.0 && s < 1e15 => Ok(s as i64),
        Some(s) => Err(format!("step {s} is not a whole number of steps")),
    }
}

/// The size index of a params label, or why not.
fn size_index(params: Option<&str>) -> Result<u8, String> {
    let label = params.ok_or("params is empty")?;
    catalog::size_rank(label)
        .map(|i| i as u8)
        .ok_or_else(|| format!("unknown model size \"{label}\" (expected one of 4M … 1B)"))
}

const EVAL_COLUMNS: [(&str, Kind); 6] = [
    ("params", Kind::Text),
    ("data", Kind::Text),
    ("seed", Kind::Text),
    ("step", Kind::Number),
    ("task", Kind::Text),
    ("metrics", Kind::Text),
];

/// Rows parsed in parallel at a time (bounds the memory of parsed rows).
const CHUNK: usize = 32_768;

fn read_eval_file(path: &Path) -> anyhow::Result<DataFrame> {
    files::read_parquet(path, &EVAL_COLUMNS, &[])
}

#[allow(clippy::too_many_arguments)]
fn add_eval_file(
    wide: &mut Wide,
    df: DataFrame,
    path: &Path,
    format: MetricsFormat,
    report: &mut Report,
    progress: &dyn Progress,
    done_before: usize,
    total_rows: usize,
) -> anyhow::Result<()> {
    let text = |name| -> anyhow::Result<Vec<Option<&str>>> {
        Ok(files::text_column(&df, path, name)?.iter().collect())
    };
    let (params, data, seed, task, metrics) =
        (text("params")?, text("data")?, text("seed")?, text("task")?, text("metrics")?);
    let steps: Vec<Option<f64>> = files::f64_column(&df, path, "step")?.iter().collect();
    report.eval_rows += df.height();

    let parse = |start: usize| -> Vec<Result<[f64; 28], String>> {
        let end = (start + CHUNK).min(df.height());
        metrics[start..end]
            .par_iter()
            .map(|m| match m {
                None => Err("metrics is empty".to_owned()),
                Some(text) => match format {
                    MetricsFormat::PythonLiteral => parse_metrics(text).map_err(|e| format!("metrics: {e}")),
                    MetricsFormat::Json => parse_metrics_json(text).map_err(|e| format!("metrics: {e}")),
                },
            })
            .collect()
    };
    // Each chunk is merged (one thread) while the next one is parsed (the others).
    let mut parsed = if df.height() > 0 { parse(0) } else { Vec::new() };
    for start in (0..df.height()).step_by(CHUNK) {
        progress.checkpoint()?;
        let end = (start + CHUNK).min(df.height());
        let next = end;
        let current = std::mem::take(&mut parsed);
        let (next_parsed, merged) = rayon::join(
            || if next < df.height() { parse(next) } else { Vec::new() },
            || merge_chunk(wide, path, report, start, current, &params, &data, &seed, &steps, &task),
        );
        merged?;
        parsed = next_parsed;
        let done = done_before + end;
        progress.report(
            done as f32 / total_rows.max(1) as f32,
            &format!("parsed {done} of {total_rows} eval rows ({})", file_name(path)),
        );
    }
    Ok(())
}

/// Adds parsed rows `start..` to the wide table; rows with bad keys are reported and skipped, rows
/// of tasks the long table does not report are dropped, ±inf values are dropped and counted.
#[allow(clippy::too_many_arguments)]
fn merge_chunk(
    wide: &mut Wide,
    path: &Path,
    report: &mut Report,
    start: usize,
    parsed: Vec<Result<[f64; 28], String>>,
    params: &[Option<&str>],
    data: &[Option<&str>],
    seed: &[Option<&str>],
    steps: &[Option<f64>],
    task: &[Option<&str>],
) -> anyhow::Result<()> {
    for (offset, values) in parsed.into_iter().enumerate() {
        let i = start + offset;
        if let Some(name) = task[i].filter(|t| !is_kept_task(t)) {
            report.unknown_task(name);
            continue;
        }
        let checked = (|| -> Result<(Key, u32, [f64; 28]), String> {
            let size = size_index(params[i])?;
            let recipe = data[i].ok_or("data (recipe) is empty")?;
            let seed = seed[i].ok_or("seed is empty")?;
            let step = whole_step(steps[i])?;
            let task = task[i].ok_or("task is empty")?;
            let values = values?;
            Ok(((size, wide.recipes.id(recipe), wide.seeds.id(seed), step), wide.task(task), values))
        })();
        let (key, task, values) = match checked {
            Ok(ok) => ok,
            Err(reason) => {
                report.bad(path, i, reason);
                continue;
            }
        };
        report.count_infinite(&values);
        let row = wide.row(key)?;
        if wide.task_is_mmlu[task as usize] {
            wide.add_mmlu(row, &values);
        } else {
            for (slot, v) in values.iter().enumerate() {
                if v.is_finite() {
                    wide.set(task, slot, row, *v)?;
                }
            }
        }
    }
    Ok(())
}

fn nullable(values: &[f64]) -> Vec<Option<f64>> {
    values.iter().map(|v| (!v.is_nan()).then_some(*v)).collect()
}

/// The four key columns of a set of keys.
fn key_columns(keys: &[Key], recipes: &Interner, seeds: &Interner) -> Vec<Column> {
    vec![
        Column::new(
            "params".into(),
            keys.iter().map(|k| catalog::SIZES[k.0 as usize].label).collect::<Vec<_>>(),
        ),
        Column::new(
            "data".into(),
            keys.iter().map(|k| recipes.names[k.1 as usize].as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "seed".into(),
            keys.iter().map(|k| seeds.names[k.2 as usize].as_str()).collect::<Vec<_>>(),
        ),
        Column::new("step".into(), keys.iter().map(|k| k.3).collect::<Vec<i64>>()),
    ]
}

fn downstream_frame(wide: &Wide, wanted: &HashSet<String>) -> anyhow::Result<DataFrame> {
    let mut columns = key_columns(&wide.keys, &wide.recipes, &wide.seeds);
    for (name, values) in &wide.columns {
        if wanted.contains(name) {
            columns.push(Column::new(name.as_str().into(), nullable(values)));
        }
    }
    Ok(DataFrame::new(wide.keys.len(), columns)?)
}

/// Reads perplexity files: valid rows, first row of a duplicated key, renamed columns.
fn ppl_frame(paths: &[PathBuf], report: &mut Report) -> anyhow::Result<Option<DataFrame>> {
    if paths.is_empty() {
        return Ok(None);
    }
    let sources: Vec<String> = PPL_DOMAINS.iter().map(|d| catalog::ppl_source_column(d)).collect();
    let mut required: Vec<(&str, Kind)> =
        vec![("params", Kind::Text), ("data", Kind::Text), ("seed", Kind::Text), ("step", Kind::Number)];
    required.extend(sources.iter().map(|s| (s.as_str(), Kind::Number)));

    let mut recipes = Interner::default();
    let mut seeds = Interner::default();
    let mut keys: Vec<Key> = Vec::new();
    let mut seen: HashSet<Key> = HashSet::new();
    let mut values: Vec<Vec<Option<f64>>> = vec![Vec::new(); PPL_DOMAINS.len()];
    for path in paths {
        let df = files::read_parquet(path, &required, &[])?;
        report.ppl_rows += df.height();
        let params: Vec<Option<&str>> = files::text_column(&df, path, "params")?.iter().collect();
        let data: Vec<Option<&str>> = files::text_column(&df, path, "data")?.iter().collect();
        let seed: Vec<Option<&str>> = files::text_column(&df, path, "seed")?.iter().collect();
        let steps: Vec<Option<f64>> = files::f64_column(&df, path, "step")?.iter().collect();
        let ppl: Vec<Float64Chunked> =
            sources.iter().map(|s| files::f64_column(&df, path, s)).collect::<anyhow::Result<_>>()?;
        for i in 0..df.height() {
            let key = (|| -> Result<Key, String> {
                let size = size_index(params[i])?;
                let recipe = data[i].ok_or("data (recipe) is empty")?;
                let seed = seed[i].ok_or("seed is empty")?;
                let step = whole_step(steps[i])?;
                Ok((size, recipes.id(recipe), seeds.id(seed), step))
            })();
            match key {
                Err(reason) => report.bad(path, i, reason),
                Ok(key) if !seen.insert(key) => report.bad(
                    path,
                    i,
                    "duplicate of an earlier (params, data, seed, step); the first is kept",
                ),
                Ok(key) => {
                    keys.push(key);
                    for (d, column) in ppl.iter().enumerate() {
                        let value = column.get(i);
                        report.infinite_values += usize::from(value.is_some_and(f64::is_infinite));
                        values[d].push(value.filter(|v| v.is_finite()));
                    }
                }
            }
        }
    }
    let mut columns = key_columns(&keys, &recipes, &seeds);
    for (d, domain) in PPL_DOMAINS.iter().enumerate() {
        columns.push(Column::new(catalog::ppl_metric(domain).into(), std::mem::take(&mut values[d])));
    }
    Ok(Some(DataFrame::new(keys.len(), columns)?))
}

/// How many of the perplexity table's keys the wide table does not have.
fn new_keys(wide: &Wide, ppl: &DataFrame) -> anyhow::Result<usize> {
    let (params, data) = (ppl.column("params")?.str()?, ppl.column("data")?.str()?);
    let (seed, step) = (ppl.column("seed")?.str()?, ppl.column("step")?.i64()?);
    let mut new = 0;
    for i in 0..ppl.height() {
        let key = (|| {
            let size = catalog::size_rank(params.get(i)?)? as u8;
            let recipe = *wide.recipes.ids.get(data.get(i)?)?;
            let seed = *wide.seeds.ids.get(seed.get(i)?)?;
            Some((size, recipe, seed, step.get(i)?))
        })();
        new += usize::from(key.is_none_or(|k| !wide.rows.contains_key(&k)));
    }
    Ok(new)
}

/// Adds tokens and compute from the size table, sorts by size, recipe, seed, step, and puts the
/// columns in their order: keys, tokens, compute, metrics in long-table order.
fn finish_per_seed(df: DataFrame, metric_order: &[String]) -> anyhow::Result<DataFrame> {
    let params: Vec<Option<&str>> = df.column("params")?.str()?.iter().collect();
    let steps: Vec<Option<i64>> = df.column("step")?.i64()?.iter().collect();
    let mut tokens = Vec::with_capacity(df.height());
    let mut compute = Vec::with_capacity(df.height());
    let mut rank = Vec::with_capacity(df.height());
    for (p, s) in params.iter().zip(&steps) {
        // Keys were validated on the way in: every label is a known size and every step is set.
        let size = p.and_then(catalog::size).context("a row lost its size while joining")?;
        let step = s.context("a row lost its step while joining")? as f64;
        tokens.push(size.tokens(step));
        compute.push(size.compute(step));
        rank.push(catalog::size_rank(size.label).unwrap_or(0) as u32);
    }
    let mut df = df;
    df.with_column(Column::new("tokens".into(), tokens))?;
    df.with_column(Column::new("compute".into(), compute))?;
    df.with_column(Column::new("_size".into(), rank))?;
    let df = df.sort(["_size", "data", "seed", "step"], SortMultipleOptions::default())?;
    let mut order: Vec<&str> = vec!["params", "data", "seed", "step", "tokens", "compute"];
    order.extend(metric_order.iter().map(String::as_str).filter(|m| df.get_column_index(m).is_some()));
    Ok(df.select(order)?)
}

/// Averages the per-seed table across seeds: one row per (params, data, step), in the per-seed
/// table's order; each metric is the mean over the seeds that have it.
pub fn mean_over_seeds(per_seed: &DataFrame) -> anyhow::Result<DataFrame> {
    let values: Vec<String> = per_seed
        .get_column_names()
        .into_iter()
        .filter(|n| !["params", "data", "seed", "step"].contains(&n.as_str()))
        .map(|n| n.to_string())
        .collect();
    let groups = per_seed.group_by_stable(["params", "data", "step"])?;
    let mut columns = groups.keys();
    for name in &values {
        // SAFETY: the groups were computed from this same frame, so every index is in bounds.
        let mean = unsafe { per_seed.column(name)?.agg_mean(groups.get_groups()) };
        columns.push(mean.with_name(name.as_str().into()));
    }
    let df = DataFrame::new_infer_height(columns)?;
    let mut order = vec!["params", "data", "step"];
    order.extend(values.iter().map(String::as_str));
    Ok(df.select(order)?)
}

/// Melts a mean table to the long form, dropping missing values: the rows of the first metric
/// column, then the next... Only the values that exist are materialised (an unpivot would make
/// every cell first).
pub fn melt(mean: &DataFrame) -> anyhow::Result<DataFrame> {
    let index = ["params", "data", "step", "tokens", "compute"];
    let metrics: Vec<&PlSmallStr> =
        mean.get_column_names().into_iter().filter(|n| !index.contains(&n.as_str())).collect();
    let mut rows: Vec<IdxSize> = Vec::new();
    let (mut metric, mut value) = (Vec::new(), Vec::new());
    for name in metrics {
        let column = mean.column(name)?.cast(&DataType::Float64)?;
        for (i, v) in column.f64()?.iter().enumerate() {
            if let Some(v) = v {
                rows.push(i as IdxSize);
                metric.push(name.as_str());
                value.push(v);
            }
        }
    }
    let rows = IdxCa::from_vec("rows".into(), rows);
    let mut long = mean.select(index)?.take(&rows)?;
    long.with_column(Column::new("metric".into(), metric))?;
    long.with_column(Column::new("value".into(), value))?;
    Ok(long)
}

/// Runs the whole pipeline.
pub fn build(inputs: &Inputs, progress: &dyn Progress) -> anyhow::Result<Built> {
    anyhow::ensure!(!inputs.eval.is_empty(), "no eval-results files to build from");
    let mut report = Report::default();
    for path in inputs.eval.iter().chain(&inputs.ppl).chain(&inputs.macro_avg) {
        report.synthetic |= files::is_synthetic_parquet(path)?;
    }
    let mut total_rows = 0;
    for path in inputs.eval.iter().chain(&inputs.macro_avg) {
        total_rows += files::parquet_rows(path)?;
    }

    // Parsing is most of the work: 90% of the bar.
    let parse = crate::jobs::Scaled { inner: progress, start: 0.0, span: 0.9 };
    let mut wide = Wide::new();
    let mut done = 0;
    let sources: Vec<(&PathBuf, MetricsFormat)> = inputs
        .eval
        .iter()
        .map(|p| (p, MetricsFormat::PythonLiteral))
        .chain(inputs.macro_avg.iter().map(|p| (p, MetricsFormat::Json)))
        .collect();
    // The next file is read (and decompressed) while this one is parsed.
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let read = |i: usize| sources.get(i).map(|(path, _)| scope.spawn(move || read_eval_file(path)));
        let mut next = read(0);
        for (i, (path, format)) in sources.iter().enumerate() {
            let df = match next.take().map(|h| h.join()) {
                Some(Ok(df)) => df?,
                _ => anyhow::bail!("reading {} stopped unexpectedly", path.display()),
            };
            next = read(i + 1);
            add_eval_file(&mut wide, df, path, *format, &mut report, &parse, done, total_rows)?;
            done = report.eval_rows;
        }
        Ok(())
    })?;
    wide.finish_mmlu()?;

    progress.report(0.9, "joining perplexities");
    let mut metric_order = catalog::long_table_metrics();
    if !inputs.macro_avg.is_empty() {
        metric_order.extend(METRICS.iter().map(|m| format!("{MACRO_TASK}_{m}")));
    }
    let wanted: HashSet<String> = metric_order.iter().cloned().collect();
    let downstream = downstream_frame(&wide, &wanted)?;
    let ppl = ppl_frame(&inputs.ppl, &mut report)?;
    if let Some(ppl) = &ppl {
        // The full join's rows and columns, checked before it makes them.
        let rows = wide.keys.len() + new_keys(&wide, ppl)?;
        let columns = downstream.width() - KEYS.len() + ppl.width() - KEYS.len();
        if rows.saturating_mul(columns) > MAX_CELLS {
            return Err(too_many_cells(rows, columns));
        }
    }
    drop(wide);
    let merged = match ppl {
        Some(ppl) => downstream.join(
            &ppl,
            KEYS,
            KEYS,
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
            None,
        )?,
        None => downstream,
    };
    progress.checkpoint()?;
    progress.report(0.94, "adding tokens and compute");
    let per_seed = finish_per_seed(merged, &metric_order)?;
    progress.report(0.96, "averaging over seeds");
    let mean = mean_over_seeds(&per_seed)?;
    progress.report(0.98, "melting to the long table");
    let long = melt(&mean)?;
    report.per_seed_rows = per_seed.height();
    report.mean_rows = mean.height();
    report.long_rows = long.height();
    progress.report(1.0, &format!("built {} rows of mean_eval_melted", long.height()));
    Ok(Built { per_seed, long, report })
}

/// Builds and writes the long table (and the per-seed table if asked).
pub fn build_to_files(
    inputs: &Inputs,
    long_out: &Path,
    per_seed_out: Option<&Path>,
    progress: &dyn Progress,
) -> anyhow::Result<Report> {
    let mut built = build(inputs, progress)?;
    let synthetic = built.report.synthetic;
    files::write_parquet(long_out, &mut built.long, synthetic)?;
    if let Some(path) = per_seed_out {
        files::write_parquet(path, &mut built.per_seed, synthetic)?;
    }
    Ok(built.report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kept_metric_has_its_slot() {
        for (i, name) in METRICS.iter().enumerate() {
            assert_eq!(metric_slot(name), Some(i), "{name}");
        }
        for dropped in catalog::DROPPED_METRICS {
            assert_eq!(metric_slot(dropped), None);
        }
    }

    #[test]
    fn metrics_are_read_into_their_slots() {
        let v = parse_metrics(
            "{'acc_raw': 0.25, 'predicted_index_raw': 3, 'primary_metric': 0.5, 'margin': None}",
        )
        .unwrap();
        assert_eq!(v[1], 0.25);
        assert_eq!(v[27], 0.5);
        assert!(v[14].is_nan() && v[0].is_nan());
    }

    #[test]
    fn json_metrics_are_read_into_their_slots() {
        let v =
            parse_metrics_json(r#"{"acc_raw": 0.5, "primary_metric": null, "flag": true, "margin": "x"}"#)
                .unwrap();
        assert_eq!(v[1], 0.5);
        assert!(v[27].is_nan() && v[14].is_nan());
        assert!(parse_metrics_json("{'acc_raw': 0.5}").unwrap_err().starts_with("not a JSON object"));
    }

    #[test]
    fn steps_must_be_whole() {
        assert_eq!(whole_step(Some(1250.0)), Ok(1250));
        assert_eq!(whole_step(Some(12.5)), Err("step 12.5 is not a whole number of steps".into()));
        assert_eq!(whole_step(None), Err("step is empty".into()));
        assert!(whole_step(Some(f64::NAN)).is_err() && whole_step(Some(-1.0)).is_err());
    }
}
