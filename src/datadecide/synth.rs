//! Synthetic DataDecide data, written in exactly the Hub's layout and formats (a ppl-results
//! parquet, eval-results shards whose `metrics` column holds Python dict literals), so that every
//! reader, the pipeline and every panel can be exercised without the real data. Everything made
//! here carries the synthetic marker and says SYNTHETIC in a README next to the files.
//!
//! # The generating model (all constants below, all draws from one seeded generator per run)
//!
//! For model size N (the size table's parameter count), recipe r, seed s and step t, with
//! D = t × batch × 2048 tokens:
//!
//! * **Loss** (nats/token), a Chinchilla-form power law:
//!   `L = E·(1 + q_r + g_r·ln(N / 1e8)·0.004) + A / N^α + B / (D + D0)^β`, times `exp(ε_s + ε_t)`,
//!   with E = 1.69, A = 406.4, α = 0.34, B = 410.7, β = 0.28 (Hoffmann et al. 2022), D0 = 1e6.
//!   `q_r` is the recipe's quality (its family's offset plus N(0, 0.005)); `g_r` ~ N(0, 1) tilts it
//!   with scale, so small-scale rankings can differ from 1B rankings; ε_s ~ N(0, 0.004) per run
//!   and ε_t ~ N(0, 0.002) per checkpoint are seed noise.
//! * **Perplexity** of domain d: `exp(w_d·L + o_d + e_rd)` with fixed w_d, o_d and e_rd ~ N(0, 0.03).
//! * **Task loss** (bits per byte of the correct answer):
//!   `bpb = a_T + b_T·L + e_rT + N(0, 0.004)`, with e_rT ~ N(0, 0.015) plus a knowledge bonus of
//!   -0.03 for educational/quality-filtered recipes on knowledge tasks (ARC, MMLU, OpenBookQA, CSQA).
//! * **Accuracy**, a sigmoid of task loss: `acc = c_T + (top_T - c_T) / (1 + exp(k·(bpb - m_T)))`
//!   with k = 6, chance c_T and ceiling top_T per task, plus binomial noise
//!   N(0, sqrt(acc(1-acc)/n_T)) for the task's n_T questions.
//! * The other metrics follow from acc and bpb (probabilities of the answer from bpb and its
//!   length in bytes, margins and normalised probabilities from the share of probability on the
//!   correct answer); see `metrics`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use polars::prelude::{Column, DataFrame};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

use super::catalog::{self, EVAL_REPO, METRICS, MMLU_SUBJECTS, ModelSize, PPL_DOMAINS, PPL_REPO, SIZES};
use super::files;
use super::pylit::PyValue;
use crate::jobs::Progress;

pub const E: f64 = 1.69;
pub const A: f64 = 406.4;
pub const ALPHA: f64 = 0.34;
pub const B: f64 = 410.7;
pub const BETA: f64 = 0.28;
pub const D0: f64 = 1e6;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthSpec {
    /// Checkpoints per run, step 0 included; `None`: the full-size layout (20 per run, 21 for the
    /// five largest sizes, which gives the real 1,410,750 eval rows).
    pub checkpoints: Option<usize>,
    /// How many MMLU subjects get rows (all 57 in the full set).
    pub mmlu_subjects: usize,
    /// Every metric of the real dicts, or only a few (the bundled demo data keeps it small).
    pub all_metrics: bool,
    pub seed: u64,
}

/// The metrics of the smaller sets (besides the dropped keys, kept so parsers see them).
pub const FEW_METRICS: [&str; 7] = [
    "acc_raw",
    "acc_per_char",
    "acc_uncond",
    "bits_per_byte_corr",
    "correct_prob",
    "margin",
    "primary_metric",
];

impl SynthSpec {
    /// The real size: 25 recipes × 14 sizes × 3 seeds × 20-21 checkpoints × 66 tasks.
    pub fn full(seed: u64) -> Self {
        Self { checkpoints: None, mmlu_subjects: 57, all_metrics: true, seed }
    }

    /// A smaller set for quick looks: 6 checkpoints, 8 MMLU subjects, every metric.
    pub fn small(seed: u64) -> Self {
        Self { checkpoints: Some(6), mmlu_subjects: 8, all_metrics: true, seed }
    }

    /// The demo data bundled in data/: as small, with 7 metrics.
    pub fn demo(seed: u64) -> Self {
        Self { all_metrics: false, ..Self::small(seed) }
    }

    fn checkpoints_for(&self, size_index: usize) -> usize {
        self.checkpoints.unwrap_or(if size_index >= SIZES.len() - 5 { 21 } else { 20 })
    }
}

/// Evenly spaced steps from 0 to the full run, rounded to tens.
pub fn steps(size: &ModelSize, count: usize) -> Vec<u64> {
    let count = count.max(2);
    (0..count)
        .map(|i| {
            let step = size.full_steps as f64 * i as f64 / (count - 1) as f64;
            if i == count - 1 { size.full_steps } else { ((step / 10.0).round() * 10.0) as u64 }
        })
        .collect()
}

/// The three seeds of a size: small sizes have the "small aux" seeds, 150M and up the "large aux".
pub fn seeds(size: &ModelSize) -> [&'static str; 3] {
    if size.params < 150_000_000 {
        ["default", "small aux 2", "small aux 3"]
    } else {
        ["default", "large aux 2", "large aux 3"]
    }
}

/// A task's fixed description.
#[derive(Clone, Copy, Debug)]
struct Task {
    chance: f64,
    top: f64,
    /// Midpoint of the accuracy sigmoid, in bits per byte.
    mid: f64,
    /// Task loss = a + b·L.
    a: f64,
    b: f64,
    questions: f64,
    choices: u32,
    /// Mean answer length in bytes.
    answer_bytes: f64,
    knowledge: bool,
}

fn task(name: &str) -> Task {
    let t = |chance, top, mid, questions, choices, answer_bytes, knowledge| Task {
        chance,
        top,
        mid,
        a: 0.2,
        b: 0.3,
        questions,
        choices,
        answer_bytes,
        knowledge,
    };
    match name {
        "arc_easy" => t(0.25, 0.85, 1.0, 2376.0, 4, 24.0, true),
        "arc_challenge" => t(0.25, 0.85, 0.7, 1172.0, 4, 28.0, true),
        "boolq" => t(0.5, 0.8, 0.8, 3270.0, 2, 3.0, false),
        "csqa" => t(0.2, 0.8, 0.95, 1221.0, 5, 9.0, true),
        "hellaswag" => t(0.25, 0.9, 0.95, 10042.0, 4, 110.0, false),
        "openbookqa" => t(0.25, 0.7, 0.8, 500.0, 4, 22.0, true),
        "piqa" => t(0.5, 0.85, 1.1, 1838.0, 2, 60.0, false),
        "socialiqa" => t(0.33, 0.75, 0.85, 1954.0, 3, 20.0, false),
        "winogrande" => t(0.5, 0.8, 0.8, 1267.0, 2, 8.0, false),
        // MMLU subjects: hard, near chance below 1B.
        _ => t(0.25, 0.7, 0.6, 150.0, 4, 18.0, true),
    }
}

/// The family offset of a recipe's quality (lower is better: it scales the irreducible loss).
fn family_quality(recipe: &str) -> f64 {
    let family = catalog::recipe_family(recipe).unwrap_or("");
    let base = match family {
        "DCLM" => -0.03,
        "FineWeb" => -0.025,
        "DCLM / Dolma mixes" => -0.015,
        "Dolma 1.7" => -0.008,
        "Dolma 1.6++" => 0.0,
        "Falcon+CC" => 0.004,
        "Falcon" => 0.01,
        "C4" => 0.018,
        _ => 0.0,
    };
    // Quality filtering helps a little more within a family.
    let qc = if recipe.contains("QC") || recipe.contains("Edu") { -0.006 } else { 0.0 };
    base + qc
}

fn is_knowledge_recipe(recipe: &str) -> bool {
    recipe.contains("Edu") || recipe.contains("QC")
}

/// Perplexity domain weight and offset.
fn domain(d: usize) -> (f64, f64) {
    const W: [(f64, f64); 11] = [
        (1.05, 0.25),
        (1.0, 0.0),
        (0.95, 0.15),
        (1.1, -0.05),
        (1.02, 0.2),
        (0.9, 0.1),
        (0.85, -0.4),
        (1.08, 0.35),
        (1.0, -0.1),
        (1.0, 0.1),
        (1.12, 0.3),
    ];
    W[d]
}

/// A stable 64-bit mix of the generator seed and a run's coordinates.
fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        h ^= p.wrapping_add(0x9E37_79B9_7F4A_7C15).wrapping_add(h << 6).wrapping_add(h >> 2);
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 31;
    }
    h
}

fn normal(rng: &mut Xoshiro256PlusPlus, sd: f64) -> f64 {
    Normal::new(0.0, sd).expect("a positive standard deviation").sample(rng)
}

/// The per-recipe draws, shared by all sizes and seeds of a recipe.
struct RecipeEffects {
    quality: f64,
    tilt: f64,
    domain: [f64; 11],
    /// By task name.
    task: Vec<(String, f64)>,
}

fn recipe_effects(spec_seed: u64, recipe_index: usize, recipe: &str, tasks: &[String]) -> RecipeEffects {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix(&[spec_seed, 1, recipe_index as u64]));
    let quality = family_quality(recipe) + normal(&mut rng, 0.005);
    let tilt = normal(&mut rng, 1.0);
    let mut domain = [0.0; 11];
    for d in &mut domain {
        *d = normal(&mut rng, 0.03);
    }
    let task = tasks
        .iter()
        .map(|name| {
            let bonus = if task(name).knowledge && is_knowledge_recipe(recipe) { -0.03 } else { 0.0 };
            (name.clone(), normal(&mut rng, 0.015) + bonus)
        })
        .collect();
    RecipeEffects { quality, tilt, domain, task }
}

/// Noise-free loss of the model (the closed form above, without seed noise).
pub fn loss(size: &ModelSize, quality: f64, tilt: f64, step: f64) -> f64 {
    let n = size.params as f64;
    let d = size.tokens(step);
    E * (1.0 + quality + tilt * (n / 1e8).ln() * 0.004) + A / n.powf(ALPHA) + B / (d + D0).powf(BETA)
}

fn sigmoid_acc(t: &Task, bpb: f64) -> f64 {
    t.chance + (t.top - t.chance) / (1.0 + (6.0 * (bpb - t.mid)).exp())
}

/// Six significant digits, as a logged evaluation would round them.
fn round6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 5 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// The metrics dict of one task row, in the order the real dicts use.
fn metrics(name: &str, t: &Task, acc: f64, bpb: f64, rng: &mut Xoshiro256PlusPlus, all: bool) -> PyValue {
    let ln2 = std::f64::consts::LN_2;
    let clamp = |x: f64| x.clamp(0.0, 1.0);
    let acc_per_token = clamp(acc + 0.005 + normal(rng, 0.005));
    let acc_per_char = clamp(acc + 0.02 + normal(rng, 0.005));
    let acc_per_byte = clamp(acc_per_char - 0.003);
    let uncond_gain = if ["arc_challenge", "csqa", "openbookqa"].contains(&name) { 0.03 } else { 0.01 };
    let acc_uncond = clamp(acc + uncond_gain + normal(rng, 0.005));
    let tokens = (t.answer_bytes / 4.2).max(1.0);
    let sum_logits = -bpb * ln2 * t.answer_bytes;
    let per_token = sum_logits / tokens;
    let per_char = sum_logits / t.answer_bytes;
    let share = clamp(t.chance + (acc - t.chance) * 0.8);
    let others = f64::from(t.choices - 1).max(1.0);
    let p = |logit: f64| logit.exp();
    let margin_of = |correct: f64| correct - (correct / share - correct) / others;
    let primary = match catalog::primary_metric(name) {
        "acc_uncond" => acc_uncond,
        "acc_per_char" => acc_per_char,
        _ => acc,
    };
    let all_values: [(&str, f64); 28] = [
        ("correct_choice", (f64::from(t.choices) - 1.0) / 2.0 + normal(rng, 0.02)),
        ("acc_raw", acc),
        ("acc_per_token", acc_per_token),
        ("acc_per_char", acc_per_char),
        ("acc_per_byte", acc_per_byte),
        ("acc_uncond", acc_uncond),
        ("no_answer", 0.0),
        ("sum_logits_corr", sum_logits),
        ("logits_per_token_corr", per_token),
        ("logits_per_char_corr", per_char),
        ("bits_per_byte_corr", bpb),
        ("correct_prob", p(sum_logits)),
        ("correct_prob_per_token", p(per_token)),
        ("correct_prob_per_char", p(per_char)),
        ("margin", margin_of(p(sum_logits))),
        ("margin_per_token", margin_of(p(per_token))),
        ("margin_per_char", margin_of(p(per_char))),
        ("total_prob", p(sum_logits) / share),
        ("total_prob_per_token", p(per_token) / share),
        ("total_prob_per_char", p(per_char) / share),
        ("uncond_correct_prob", 0.8 * p(sum_logits)),
        ("uncond_correct_prob_per_token", 0.8 * p(per_token)),
        ("uncond_correct_prob_per_char", 0.8 * p(per_char)),
        ("uncond_total_prob", 0.8 * p(sum_logits) / share),
        ("norm_correct_prob", share),
        ("norm_correct_prob_per_token", clamp(share + 0.01)),
        ("norm_correct_prob_per_char", clamp(share + 0.015)),
        ("primary_metric", primary),
    ];
    debug_assert!(all_values.iter().zip(METRICS).all(|((a, _), b)| *a == b));
    let mut entries: Vec<(String, PyValue)> = all_values
        .iter()
        .filter(|(k, _)| all || FEW_METRICS.contains(k))
        .map(|(k, v)| ((*k).to_owned(), PyValue::Float(round6(*v))))
        .collect();
    // Keys the readers must drop, as in the real dicts.
    let choice = rng.random_range(0..t.choices) as i64;
    entries.push(("predicted_index_raw".into(), PyValue::Int(choice)));
    entries.push(("predicted_index_per_char".into(), PyValue::Int(choice)));
    entries.push(("logits_per_byte_corr".into(), PyValue::Float(round6(per_char))));
    if all {
        literal_forms(&mut entries, rng);
    }
    PyValue::Dict(entries)
}

/// The literal forms the real dicts hold besides plain numbers, in the full-size set only (the
/// smaller sets keep their bytes): `None` (an index not computed), `True`/`False` (flags),
/// `nan` and `inf` (a metric that could not be computed, a zero probability). Tiny probabilities
/// already print with negative exponents (`2.15e-06`). Rates per row: a `None` index 5%, a
/// boolean `no_answer` 10% (1% of them `True`), a `nan` margin 0.5%, an infinite dropped key 0.5%,
/// an infinite bits-per-byte 0.1%.
fn literal_forms(entries: &mut [(String, PyValue)], rng: &mut Xoshiro256PlusPlus) {
    let mut set = |key: &str, value: PyValue| {
        if let Some(entry) = entries.iter_mut().find(|(k, _)| k == key) {
            entry.1 = value;
        }
    };
    let draws: [f64; 5] = std::array::from_fn(|_| rng.random::<f64>());
    if draws[0] < 0.05 {
        set("predicted_index_per_char", PyValue::None);
    }
    if draws[1] < 0.10 {
        set("no_answer", PyValue::Bool(draws[1] < 0.001));
    }
    if draws[2] < 0.005 {
        set("margin_per_char", PyValue::Float(f64::NAN));
    }
    if draws[3] < 0.005 {
        set("logits_per_byte_corr", PyValue::Float(f64::NEG_INFINITY));
    }
    if draws[4] < 0.001 {
        set("bits_per_byte_corr", PyValue::Float(f64::INFINITY));
    }
}

/// Rows of one run: (eval rows, ppl rows).
struct RunRows {
    /// (step, index into the task list, metrics literal).
    eval: Vec<(u64, usize, String)>,
    ppl: Vec<(u64, [f64; 11])>,
    /// (step, JSON object of the OLMES-10 macro average).
    macro_avg: Vec<(u64, String)>,
}

/// The macro average of one checkpoint: each metric averaged over the nine tasks and the MMLU
/// average (itself the mean over the subjects), written as JSON as the Hub's macro_avg file has it.
fn macro_average(rows: &[(&str, &PyValue)]) -> String {
    let mut tasks: Vec<(String, f64, u32)> = Vec::new();
    let mut mmlu: Vec<(String, f64, u32)> = Vec::new();
    for (task, dict) in rows {
        let PyValue::Dict(entries) = dict else { continue };
        let target = if task.starts_with("mmlu_") { &mut mmlu } else { &mut tasks };
        for (key, value) in entries {
            if METRICS.contains(&key.as_str()) {
                let Some(v) = value.as_f64().filter(|v| v.is_finite()) else { continue };
                match target.iter_mut().find(|(k, _, _)| k == key) {
                    Some(slot) => {
                        slot.1 += v;
                        slot.2 += 1;
                    }
                    None => target.push((key.clone(), v, 1)),
                }
            }
        }
    }
    let mut object = serde_json::Map::new();
    for (key, sum, n) in &tasks {
        // Nine tasks plus the MMLU average make ten.
        let mmlu_mean = mmlu.iter().find(|(k, _, _)| k == key).map(|(_, s, m)| s / f64::from(*m));
        let (total, count) = match mmlu_mean {
            Some(m) => (sum + m, n + 1),
            None => (*sum, *n),
        };
        object.insert(key.clone(), serde_json::json!(round6(total / f64::from(count))));
    }
    serde_json::Value::Object(object).to_string()
}

fn run_rows(
    spec: &SynthSpec,
    size_index: usize,
    recipe_index: usize,
    seed_index: usize,
    effects: &RecipeEffects,
    tasks: &[String],
) -> RunRows {
    let size = &SIZES[size_index];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix(&[
        spec.seed,
        2,
        size_index as u64,
        recipe_index as u64,
        seed_index as u64,
    ]));
    let run_noise = normal(&mut rng, 0.004);
    let mut rows = RunRows { eval: Vec::new(), ppl: Vec::new(), macro_avg: Vec::new() };
    for step in steps(size, spec.checkpoints_for(size_index)) {
        let l = loss(size, effects.quality, effects.tilt, step as f64)
            * (run_noise + normal(&mut rng, 0.002)).exp();
        let mut ppl = [0.0; 11];
        for (d, value) in ppl.iter_mut().enumerate() {
            let (w, o) = domain(d);
            *value = round6((w * l + o + effects.domain[d]).exp());
        }
        rows.ppl.push((step, ppl));
        let mut dicts = Vec::with_capacity(tasks.len());
        for (name, effect) in tasks.iter().zip(&effects.task) {
            let t = task(name);
            let bpb = t.a + t.b * l + effect.1 + normal(&mut rng, 0.004);
            let clean = sigmoid_acc(&t, bpb);
            let acc =
                (clean + normal(&mut rng, (clean * (1.0 - clean) / t.questions).sqrt())).clamp(0.0, 1.0);
            dicts.push(metrics(name, &t, acc, bpb, &mut rng, spec.all_metrics));
        }
        let named: Vec<(&str, &PyValue)> = tasks.iter().map(String::as_str).zip(&dicts).collect();
        rows.macro_avg.push((step, macro_average(&named)));
        for (index, dict) in dicts.iter().enumerate() {
            rows.eval.push((step, index, dict.to_string()));
        }
    }
    rows
}

/// The tasks the eval rows have: the nine non-MMLU OLMES tasks, then MMLU subjects.
fn task_list(spec: &SynthSpec) -> Vec<String> {
    let mut tasks: Vec<String> =
        catalog::OLMES_TASKS.iter().filter(|t| **t != "mmlu_average").map(|t| (*t).to_owned()).collect();
    tasks.extend(MMLU_SUBJECTS.iter().take(spec.mmlu_subjects.min(57)).map(|s| format!("mmlu_{s}")));
    tasks
}

/// Where the generated files are.
#[derive(Clone, Debug)]
pub struct Generated {
    pub ppl: PathBuf,
    pub eval: Vec<PathBuf>,
    pub macro_avg: PathBuf,
    pub eval_rows: usize,
    pub ppl_rows: usize,
}

/// The path of a Hub file under a local root (`<root>/<repo>/<path>`).
pub fn local_path(root: &Path, file: &catalog::HubFile) -> PathBuf {
    root.join(file.repo).join(file.path)
}

/// Generates the synthetic set into `out` in the Hub's layout.
pub fn generate(spec: &SynthSpec, out: &Path, progress: &dyn Progress) -> anyhow::Result<Generated> {
    let tasks = task_list(spec);
    let recipes: Vec<&str> = catalog::recipes().collect();
    let effects: Vec<RecipeEffects> =
        recipes.iter().enumerate().map(|(i, r)| recipe_effects(spec.seed, i, r, &tasks)).collect();
    let runs: Vec<(usize, usize, usize)> = (0..SIZES.len())
        .flat_map(|s| (0..recipes.len()).flat_map(move |r| (0..3).map(move |k| (s, r, k))))
        .collect();

    let total = runs.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let rows: Vec<RunRows> = runs
        .par_iter()
        .map(|&(s, r, k)| {
            let rows = run_rows(spec, s, r, k, &effects[r], &tasks);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.report(0.8 * n as f32 / total as f32, &format!("generated {n} of {total} runs"));
            rows
        })
        .collect();
    progress.checkpoint()?;
    let set = Written { out, runs: &runs, rows: &rows, recipes: &recipes, tasks: &tasks };
    let (ppl_path, ppl_rows) = set.ppl()?;
    let (paths, eval_rows) = set.eval_shards(progress)?;
    let macro_path = set.macro_avg()?;

    let readme = format!(
        "SYNTHETIC DATA. These files imitate the layout and formats of AllenAI's DataDecide datasets\n\
         ({PPL_REPO}, {EVAL_REPO}) but hold numbers generated by benchtop from a documented model\n\
         (src/datadecide/synth.rs). They are not DataDecide results.\n\
         spec: {spec:?}\neval rows: {eval_rows}\nppl rows: {ppl_rows}\n"
    );
    crate::paths::write_atomically(&out.join("README-SYNTHETIC.txt"), |tmp| Ok(std::fs::write(tmp, readme)?))
        .with_context(|| format!("writing the README into {}", out.display()))?;
    progress.report(1.0, &format!("wrote {eval_rows} eval rows and {ppl_rows} ppl rows"));
    Ok(Generated { ppl: ppl_path, eval: paths, macro_avg: macro_path, eval_rows, ppl_rows })
}

/// The generated runs, written in the Hub's layout under `out`.
struct Written<'a> {
    out: &'a Path,
    /// (size, recipe, seed index) of each run, and its rows.
    runs: &'a [(usize, usize, usize)],
    rows: &'a [RunRows],
    recipes: &'a [&'static str],
    tasks: &'a [String],
}

impl Written<'_> {
    /// ppl-results: one file. Its path and row count.
    fn ppl(&self) -> anyhow::Result<(PathBuf, usize)> {
        let ppl_file = catalog::HUB_FILES.iter().find(|f| f.group == "ppl").expect("catalog lists ppl");
        let ppl_path = local_path(self.out, ppl_file);
        let mut keys: (Vec<&str>, Vec<&str>, Vec<&str>, Vec<f64>) = Default::default();
        let mut ppl_values: Vec<Vec<f64>> = vec![Vec::new(); 11];
        for (&(s, r, k), run) in self.runs.iter().zip(self.rows) {
            for (step, values) in &run.ppl {
                keys.0.push(SIZES[s].label);
                keys.1.push(self.recipes[r]);
                keys.2.push(seeds(&SIZES[s])[k]);
                keys.3.push(*step as f64);
                for d in 0..11 {
                    ppl_values[d].push(values[d]);
                }
            }
        }
        let ppl_rows = keys.0.len();
        let mut columns = vec![
            Column::new("params".into(), keys.0),
            Column::new("data".into(), keys.1),
            Column::new("seed".into(), keys.2),
            Column::new("step".into(), keys.3),
            Column::new("__index_level_0__".into(), (0..ppl_rows as i64).collect::<Vec<_>>()),
        ];
        for (d, domain) in PPL_DOMAINS.iter().enumerate() {
            columns.push(Column::new(
                catalog::ppl_source_column(domain).into(),
                std::mem::take(&mut ppl_values[d]),
            ));
        }
        let mut ppl = DataFrame::new(ppl_rows, columns)?;
        files::write_parquet(&ppl_path, &mut ppl, true)?;
        Ok((ppl_path, ppl_rows))
    }

    /// eval-results: four shards, rows split evenly in run order. Their paths and row count.
    fn eval_shards(&self, progress: &dyn Progress) -> anyhow::Result<(Vec<PathBuf>, usize)> {
        let (recipes, tasks) = (self.recipes, self.tasks);
        let eval_files: Vec<&catalog::HubFile> =
            catalog::HUB_FILES.iter().filter(|f| f.group == "eval").collect();
        let eval_rows: usize = self.rows.iter().map(|r| r.eval.len()).sum();
        let per_shard = eval_rows.div_ceil(eval_files.len());
        let mut flat = self.runs.iter().zip(self.rows).flat_map(|(&(s, r, k), run)| {
            run.eval.iter().map(move |(step, task, text)| (s, r, k, *step, *task, text.as_str()))
        });
        let mut paths = Vec::new();
        for (i, file) in eval_files.iter().enumerate() {
            progress.checkpoint()?;
            progress.report(
                0.8 + 0.2 * i as f32 / eval_files.len() as f32,
                &format!("writing eval shard {}", i + 1),
            );
            let chunk: Vec<_> = flat.by_ref().take(per_shard).collect();
            let size = |s: usize| &SIZES[s];
            let mut df = DataFrame::new(
                chunk.len(),
                vec![
                    Column::new("params".into(), chunk.iter().map(|c| size(c.0).label).collect::<Vec<_>>()),
                    Column::new("data".into(), chunk.iter().map(|c| recipes[c.1]).collect::<Vec<_>>()),
                    Column::new(
                        "seed".into(),
                        chunk.iter().map(|c| seeds(size(c.0))[c.2]).collect::<Vec<_>>(),
                    ),
                    Column::new("step".into(), chunk.iter().map(|c| c.3 as f64).collect::<Vec<_>>()),
                    Column::new(
                        "tokens".into(),
                        chunk.iter().map(|c| size(c.0).tokens(c.3 as f64)).collect::<Vec<_>>(),
                    ),
                    Column::new(
                        "compute".into(),
                        chunk.iter().map(|c| size(c.0).compute(c.3 as f64)).collect::<Vec<_>>(),
                    ),
                    Column::new("chinchilla".into(), chunk.iter().map(|_| "5xC").collect::<Vec<_>>()),
                    Column::new("task".into(), chunk.iter().map(|c| tasks[c.4].as_str()).collect::<Vec<_>>()),
                    Column::new("metrics".into(), chunk.iter().map(|c| c.5).collect::<Vec<_>>()),
                ],
            )?;
            let path = local_path(self.out, file);
            files::write_parquet(&path, &mut df, true)?;
            paths.push(path);
        }
        Ok((paths, eval_rows))
    }

    /// macro_avg: one file, JSON metrics, task olmes_10_macro_avg. Its path.
    fn macro_avg(&self) -> anyhow::Result<PathBuf> {
        let recipes = self.recipes;
        let macro_file =
            catalog::HUB_FILES.iter().find(|f| f.group == "macro").expect("catalog lists macro_avg");
        let macro_rows: Vec<(usize, usize, usize, u64, &str)> = self
            .runs
            .iter()
            .zip(self.rows)
            .flat_map(|(&(s, r, k), run)| {
                run.macro_avg.iter().map(move |(step, text)| (s, r, k, *step, text.as_str()))
            })
            .collect();
        let n = macro_rows.len();
        let size = |s: usize| &SIZES[s];
        let mut df = DataFrame::new(
            n,
            vec![
                Column::new("params".into(), macro_rows.iter().map(|c| size(c.0).label).collect::<Vec<_>>()),
                Column::new("data".into(), macro_rows.iter().map(|c| recipes[c.1]).collect::<Vec<_>>()),
                Column::new(
                    "seed".into(),
                    macro_rows.iter().map(|c| seeds(size(c.0))[c.2]).collect::<Vec<_>>(),
                ),
                Column::new("step".into(), macro_rows.iter().map(|c| c.3 as f64).collect::<Vec<_>>()),
                Column::new("task".into(), vec![super::pipeline::MACRO_TASK; n]),
                Column::new("metrics".into(), macro_rows.iter().map(|c| c.4).collect::<Vec<_>>()),
            ],
        )?;
        let macro_path = local_path(self.out, macro_file);
        files::write_parquet(&macro_path, &mut df, true)?;
        Ok(macro_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_size_dicts_hold_the_real_literal_forms_and_parse_back() {
        let t = task("arc_easy");
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let (mut none, mut boolean, mut truth, mut nan, mut inf, mut tiny) = (0, 0, 0, 0, 0, 0);
        let rows = 20_000;
        for _ in 0..rows {
            let text = metrics("arc_easy", &t, 0.6, 1.1, &mut rng, true).to_string();
            none += usize::from(text.contains(": None"));
            boolean += usize::from(text.contains("'no_answer': False") || text.contains("'no_answer': True"));
            truth += usize::from(text.contains(": True"));
            nan += usize::from(text.contains(": nan"));
            inf += usize::from(text.contains("inf"));
            tiny += usize::from(text.contains("e-"));
            let parsed = super::super::pipeline::parse_metrics(&text).unwrap();
            assert!(parsed[METRICS.iter().position(|m| *m == "acc_raw").unwrap()].is_finite());
        }
        // 5%, 10%, 0.1%, 0.5% and 0.6% of rows (binomial: within about 4 standard deviations).
        assert!((800..1200).contains(&none), "{none}");
        assert!((1750..2250).contains(&boolean), "{boolean}");
        assert!((3..45).contains(&truth), "{truth}");
        assert!((60..145).contains(&nan), "{nan}");
        assert!((75..170).contains(&inf), "{inf}");
        assert_eq!(tiny, rows, "every dict has a probability small enough for a negative exponent");
        // The smaller sets keep their bytes: no literal forms there.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let few = metrics("arc_easy", &t, 0.6, 1.1, &mut rng, false).to_string();
        assert!(!few.contains("None") && !few.contains("nan") && !few.contains("inf"), "{few}");
    }

    #[test]
    fn the_full_layout_has_the_real_row_count() {
        let spec = SynthSpec::full(0);
        let tasks = task_list(&spec).len();
        assert_eq!(tasks, 66);
        let keys: usize = (0..SIZES.len()).map(|s| 25 * 3 * spec.checkpoints_for(s)).sum();
        // allenai/DataDecide-eval-results has 1,410,750 rows.
        assert_eq!(keys * tasks, 1_410_750);
    }

    #[test]
    fn steps_run_from_zero_to_the_full_run() {
        let s = catalog::size("1B").unwrap();
        let st = steps(s, 5);
        assert_eq!(st, vec![0, 17340, 34680, 52030, 69369]);
    }

    #[test]
    fn six_significant_digits() {
        assert_eq!(round6(0.123456789), 0.123457);
        assert_eq!(round6(2.15e-6), 2.15e-6);
        assert_eq!(round6(12345.678), 12345.7);
    }

    #[test]
    fn the_loss_law_matches_its_closed_form() {
        // 1B at its last step, neutral recipe: 1.69 + 406.4/N^0.34 + 410.7/(D + 1e6)^0.28.
        let s = catalog::size("1B").unwrap();
        let d = 69_369.0 * 704.0 * 2048.0;
        let want = 1.69 * (1.0 + 0.0) + 406.4 / 1_176_832_000f64.powf(0.34) + 410.7 / (d + 1e6f64).powf(0.28);
        assert!((loss(s, 0.0, 0.0, 69_369.0) - want).abs() < 1e-12);
        // Loss falls with scale and with training.
        let small = catalog::size("4M").unwrap();
        assert!(loss(small, 0.0, 0.0, 5725.0) > loss(s, 0.0, 0.0, 69_369.0));
        assert!(loss(s, 0.0, 0.0, 1000.0) > loss(s, 0.0, 0.0, 69_369.0));
    }
}
