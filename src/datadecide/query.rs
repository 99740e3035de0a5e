//! What the Scaling panel, `benchtop plot` and `benchtop decide` ask of the data: the curves of a
//! selection (metric, recipes, sizes, x axis, smoothing, log axes) ready to draw, seed bands from
//! the per-seed table, and the decision-accuracy table.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::catalog;
use super::files::{self, Kind};
use super::table::LongTable;
use crate::analysis::decision::{Aggregate, pairwise_accuracy, ranking};
use crate::analysis::downsample::min_max;
use crate::analysis::smoothing::debiased_ema;

/// What the x axis shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum XAxis {
    #[value(alias = "steps")]
    Step,
    Tokens,
    #[default]
    #[value(alias = "flops")]
    Compute,
}

impl XAxis {
    pub const ALL: [XAxis; 3] = [XAxis::Step, XAxis::Tokens, XAxis::Compute];

    pub fn label(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::Tokens => "tokens",
            XAxis::Compute => "compute (FLOPs)",
        }
    }

    /// The one of three values (or columns) that goes with this axis.
    pub fn pick<T>(self, step: T, tokens: T, compute: T) -> T {
        match self {
            XAxis::Step => step,
            XAxis::Tokens => tokens,
            XAxis::Compute => compute,
        }
    }

    /// The column name (CSV headers, the CLI).
    pub fn column(self) -> &'static str {
        self.pick("step", "tokens", "compute")
    }
}

/// The seed band drawn around each mean curve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum Band {
    None,
    #[default]
    #[value(name = "minmax", alias = "min-max")]
    MinMax,
    /// Mean ± one standard deviation (population, over the seeds present).
    Std,
}

/// A choice of curves and how to draw them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Selection {
    pub metric: String,
    /// Recipes to draw (empty: none).
    pub recipes: Vec<String>,
    /// Sizes to draw (params labels).
    pub params: Vec<String>,
    pub x: XAxis,
    pub log_x: bool,
    pub log_y: bool,
    /// Debiased EMA weight, 0 (off) to 0.99.
    pub smoothing: f64,
    pub band: Band,
    /// Points per curve drawn at most (long curves are downsampled keeping their extremes).
    pub max_points: usize,
}

impl Default for Selection {
    fn default() -> Self {
        Self {
            metric: "pile-valppl".to_owned(),
            recipes: vec!["Dolma1.7".into(), "DCLM-Baseline".into(), "C4".into(), "FineWeb-Edu".into()],
            params: vec!["60M".into(), "150M".into(), "530M".into(), "1B".into()],
            x: XAxis::Compute,
            log_x: true,
            log_y: true,
            smoothing: 0.0,
            band: Band::MinMax,
            max_points: 2000,
        }
    }
}

/// One drawn curve: the mean over seeds, and its seed band.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub recipe: String,
    pub params: String,
    /// `[x, y]` as drawn: smoothed, log10 where the axis is logarithmic, downsampled.
    pub points: Vec<[f64; 2]>,
    /// The unsmoothed values in data units, `[x, y]`, for hover readouts and CSV.
    pub raw: Vec<[f64; 2]>,
    /// `[x, low, high]` in drawn units (empty: no per-seed data).
    pub band: Vec<[f64; 3]>,
}

/// A value in plot coordinates: log10 on a log axis (None where it cannot be drawn there).
pub fn axis(v: f64, log: bool) -> Option<f64> {
    if !log {
        return v.is_finite().then_some(v);
    }
    (v > 0.0 && v.is_finite()).then(|| v.log10())
}

/// The curves of a selection, sizes outer and recipes inner, each mean curve with its band.
pub fn series(table: &LongTable, seeds: Option<&SeedBands>, sel: &Selection) -> Vec<Series> {
    let Some(m) = table.metric_index(&sel.metric) else { return Vec::new() };
    let mut out = Vec::new();
    for params in &sel.params {
        let Some(p) = table.param_index(params) else { continue };
        for recipe in &sel.recipes {
            let Some(r) = table.recipe_index(recipe) else { continue };
            let curve = table.curve(m, p, r);
            if curve.is_empty() {
                continue;
            }
            let xs = sel.x.pick(curve.step, curve.tokens, curve.compute);
            let raw: Vec<[f64; 2]> = xs.iter().zip(curve.value).map(|(x, y)| [*x, *y]).collect();
            let ys: Vec<f64> = raw.iter().map(|p| p[1]).collect();
            let smooth = if sel.smoothing > 0.0 { debiased_ema(&ys, sel.smoothing) } else { ys };
            let drawn: Vec<[f64; 2]> = raw
                .iter()
                .zip(&smooth)
                .filter_map(|(p, y)| Some([axis(p[0], sel.log_x)?, axis(*y, sel.log_y)?]))
                .collect();
            let band = match (seeds, sel.band) {
                (Some(seeds), band) if band != Band::None => seeds
                    .band(params, recipe)
                    .iter()
                    .filter_map(|s| {
                        let x = sel.x.pick(s.step, s.tokens, s.compute);
                        let (lo, hi) = match band {
                            Band::Std => (s.mean - s.std, s.mean + s.std),
                            _ => (s.min, s.max),
                        };
                        Some([axis(x, sel.log_x)?, axis(lo, sel.log_y)?, axis(hi, sel.log_y)?])
                    })
                    .collect(),
                _ => Vec::new(),
            };
            out.push(Series {
                recipe: recipe.clone(),
                params: params.clone(),
                points: min_max(&drawn, sel.max_points),
                raw,
                band,
            });
        }
    }
    out
}

/// The metrics of a table in the groups a researcher looks for them: perplexities, the MMLU
/// average, the OLMES macro average, then each task; inside a group, the table's order.
pub fn metric_groups(metrics: &[String]) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let mut push = |group: String, i: usize| match groups.iter_mut().find(|g| g.0 == group) {
        Some(g) => g.1.push(i),
        None => groups.push((group, vec![i])),
    };
    for (i, m) in metrics.iter().enumerate() {
        let group = if m.ends_with("-valppl") {
            "perplexity".to_owned()
        } else if m.starts_with("mmlu_average_") {
            "mmlu_average".to_owned()
        } else if m.starts_with("olmes_10_macro_avg_") {
            "olmes_10_macro_avg".to_owned()
        } else {
            catalog::OLMES_TASKS
                .iter()
                .find(|t| m.strip_prefix(*t).is_some_and(|rest| rest.starts_with('_')))
                .map_or_else(|| "other".to_owned(), |t| (*t).to_owned())
        };
        push(group, i);
    }
    let rank = |g: &str| match g {
        "perplexity" => 0,
        "mmlu_average" => 1,
        "olmes_10_macro_avg" => 2,
        "other" => 4,
        _ => 3,
    };
    groups.sort_by_key(|g| rank(&g.0));
    groups
}

/// The seed statistics of one (size, recipe, step).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeedStat {
    pub step: f64,
    pub tokens: f64,
    pub compute: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Population standard deviation over the seeds present.
    pub std: f64,
    pub seeds: u32,
}

/// One metric's per-seed spread, by (params, recipe), in step order.
#[derive(Clone, Debug, Default)]
pub struct SeedBands {
    bands: HashMap<(String, String), Vec<SeedStat>>,
}

impl SeedBands {
    pub fn band(&self, params: &str, recipe: &str) -> &[SeedStat] {
        self.bands.get(&(params.to_owned(), recipe.to_owned())).map_or(&[], Vec::as_slice)
    }

    /// Groups a per-seed frame's metric column by (params, data, step).
    pub fn from_frame(df: &DataFrame, path: &Path, metric: &str) -> anyhow::Result<SeedBands> {
        let text = |n| -> anyhow::Result<Vec<Option<&str>>> {
            Ok(files::text_column(df, path, n)?.iter().collect())
        };
        let num =
            |n| -> anyhow::Result<Vec<Option<f64>>> { Ok(files::f64_column(df, path, n)?.iter().collect()) };
        let (params, data) = (text("params")?, text("data")?);
        let (step, tokens, compute, value) = (num("step")?, num("tokens")?, num("compute")?, num(metric)?);
        // (params, data) -> (step, tokens, compute, value) of each seed's row.
        type Rows = Vec<(f64, f64, f64, f64)>;
        let mut groups: HashMap<(String, String), Rows> = HashMap::new();
        for i in 0..df.height() {
            let (Some(p), Some(d), Some(s), Some(t), Some(c), Some(v)) =
                (params[i], data[i], step[i], tokens[i], compute[i], value[i])
            else {
                continue;
            };
            if v.is_finite() {
                groups.entry((p.to_owned(), d.to_owned())).or_default().push((s, t, c, v));
            }
        }
        let mut bands = HashMap::new();
        for (key, mut rows) in groups {
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut stats: Vec<SeedStat> = Vec::new();
            for chunk in rows.chunk_by(|a, b| a.0 == b.0) {
                let n = chunk.len() as f64;
                let mean = chunk.iter().map(|r| r.3).sum::<f64>() / n;
                let var = chunk.iter().map(|r| (r.3 - mean).powi(2)).sum::<f64>() / n;
                stats.push(SeedStat {
                    step: chunk[0].0,
                    tokens: chunk[0].1,
                    compute: chunk[0].2,
                    min: chunk.iter().map(|r| r.3).fold(f64::INFINITY, f64::min),
                    max: chunk.iter().map(|r| r.3).fold(f64::NEG_INFINITY, f64::max),
                    mean,
                    std: var.sqrt(),
                    seeds: chunk.len() as u32,
                });
            }
            bands.insert(key, stats);
        }
        Ok(SeedBands { bands })
    }
}

/// The per-seed table of a dataset: the demo's (in memory) or a file read a metric at a time.
#[derive(Clone, Debug)]
pub enum PerSeed {
    Frame { frame: std::sync::Arc<DataFrame>, path: PathBuf },
    File(PathBuf),
}

const PER_SEED_KEYS: [(&str, Kind); 6] = [
    ("params", Kind::Text),
    ("data", Kind::Text),
    ("seed", Kind::Text),
    ("step", Kind::Number),
    ("tokens", Kind::Number),
    ("compute", Kind::Number),
];

impl PerSeed {
    /// The seed bands of one metric (`None`: the per-seed table has no such column).
    pub fn bands(&self, metric: &str) -> anyhow::Result<Option<SeedBands>> {
        match self {
            PerSeed::Frame { frame, path } => {
                if frame.get_column_index(metric).is_none() {
                    return Ok(None);
                }
                SeedBands::from_frame(frame, path, metric).map(Some)
            }
            PerSeed::File(path) => {
                let schema = files::parquet_schema(path)?;
                if !schema.contains(metric) {
                    return Ok(None);
                }
                let mut wanted: Vec<(&str, Kind)> = PER_SEED_KEYS.to_vec();
                wanted.push((metric, Kind::Number));
                let df = files::read_parquet(path, &wanted, &[])
                    .with_context(|| format!("reading the seeds of {metric}"))?;
                SeedBands::from_frame(&df, path, metric).map(Some)
            }
        }
    }
}

/// One row of the decision-accuracy table: a size, its pairwise accuracy against the target
/// size, and its ranking.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecisionRow {
    pub params: String,
    /// `None`: fewer than two recipes with scores here.
    pub accuracy: Option<f64>,
    pub pairs: usize,
    /// Recipes best first, with their scores.
    pub ranking: Vec<(String, f64)>,
}

/// Decision accuracy of every size against `target` for one metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    pub metric: String,
    pub target: String,
    pub aggregate: String,
    pub lower_is_better: bool,
    pub rows: Vec<DecisionRow>,
}

/// The scores of the recipes that have a curve of `metric` at size `param`, by recipe index.
fn scores_at(table: &LongTable, metric: usize, param: usize, aggregate: Aggregate) -> Vec<(usize, f64)> {
    table.curves_at(metric, param).filter_map(|(r, curve)| Some((r, aggregate.apply(curve.value)?))).collect()
}

/// Two sizes' scores over the recipes either has, in recipe order (`None`: that size lacks it).
fn aligned(a: &[(usize, f64)], b: &[(usize, f64)]) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let mut recipes: Vec<usize> = a.iter().chain(b).map(|(r, _)| *r).collect();
    recipes.sort_unstable();
    recipes.dedup();
    let find = |side: &[(usize, f64)], r| side.binary_search_by_key(&r, |(i, _)| *i).ok().map(|i| side[i].1);
    (recipes.iter().map(|&r| find(a, r)).collect(), recipes.iter().map(|&r| find(b, r)).collect())
}

/// The decision-accuracy table of a metric: every size's ranking against the target size's.
/// Only recipes with a curve are scored (memory grows with the curves, not labels²).
pub fn decision(
    table: &LongTable,
    metric: &str,
    target: &str,
    aggregate: Aggregate,
) -> anyhow::Result<Decision> {
    let m = table.metric_index(metric).with_context(|| format!("the table has no metric {metric:?}"))?;
    let t = table.param_index(target).with_context(|| format!("the table has no {target} models"))?;
    let target_scores = scores_at(table, m, t, aggregate);
    let lower = catalog::lower_is_better(metric);
    let rows = table
        .params
        .iter()
        .enumerate()
        .map(|(p, params)| {
            let here = scores_at(table, m, p, aggregate);
            let (small, big) = aligned(&here, &target_scores);
            let (accuracy, pairs) = match pairwise_accuracy(&small, &big) {
                Some((a, n)) => (Some(a), n),
                None => (None, 0),
            };
            let mine: Vec<Option<f64>> = here.iter().map(|(_, s)| Some(*s)).collect();
            let ranking = ranking(&mine, lower)
                .into_iter()
                .map(|i| (table.recipes[here[i].0].clone(), here[i].1))
                .collect();
            DecisionRow { params: params.clone(), accuracy, pairs, ranking }
        })
        .collect();
    Ok(Decision {
        metric: metric.to_owned(),
        target: target.to_owned(),
        aggregate: aggregate.label(),
        lower_is_better: lower,
        rows,
    })
}
