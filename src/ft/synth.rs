//! A SYNTHETIC FT-vs-PT sample, so the panel works offline: runs fine-tuned from DataDecide
//! checkpoints (4 recipes × 4 sizes × 2 checkpoint steps × 2 learning rates × 2 seeds) with the
//! seed viewer's columns, and their training histories. Made up by benchtop from a simple model:
//!
//! - the checkpoint's score on task t is `pt = 0.25 + 0.5 σ(1.6 (log10 N − 8.2) + e_recipe + 0.6
//!   (steps fraction − 1))` (bigger and longer-trained checkpoints score higher);
//! - fine-tuning adds `gain = 0.08 (1 − pt) · (lr / 5e-5)^0.3 · (ft_tok / 1e8)^0.2` plus noise
//!   (σ = 0.01), so weaker checkpoints gain more;
//! - the training loss decays as `1.2 + 1.8 e^{−step / τ}` with multiplicative noise, the learning
//!   rate warms up linearly over 3% of the steps and decays linearly to zero.

use std::path::Path;

use polars::prelude::{Column, DataFrame};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};

use crate::datadecide::{catalog, files};

const RECIPES: [&str; 4] = ["Dolma1.7", "DCLM-Baseline", "C4", "FineWeb-Edu"];
const RECIPE_EFFECT: [f64; 4] = [0.0, 0.35, -0.25, 0.2];
const SIZES: [&str; 4] = ["60M", "150M", "530M", "1B"];
const TASKS: [&str; 5] = ["arc_easy", "hellaswag", "piqa", "mmlu_average", "winogrande"];

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The runs and history frames.
pub fn frames(seed: u64) -> anyhow::Result<(DataFrame, DataFrame)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let noise = Normal::new(0.0, 0.01)?;
    let mut cols: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    let mut text: Vec<(String, Vec<String>)> = [
        "run_id",
        "matched_group_name",
        "ckpt_params",
        "ckpt_data",
        "comparison_model_size",
        "comparison_model_recipe",
    ]
    .iter()
    .map(|n| ((*n).to_owned(), Vec::new()))
    .collect();
    let num = |cols: &mut Vec<(String, Vec<Option<f64>>)>, name: &str, v: f64| match cols
        .iter_mut()
        .find(|c| c.0 == name)
    {
        Some(c) => c.1.push(Some(v)),
        None => cols.push((name.to_owned(), vec![Some(v)])),
    };
    let (mut h_run, mut h_step, mut h_loss, mut h_lr, mut h_tok) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut n = 0;
    for (r, recipe) in RECIPES.iter().enumerate() {
        for size in SIZES {
            let spec = catalog::size(size).expect("a DataDecide size");
            for fraction in [0.5, 1.0] {
                for lr in [2e-5, 5e-5] {
                    for seed in [1.0, 2.0] {
                        n += 1;
                        let run_id = format!("synthetic-ft-{n:03}");
                        let steps = (spec.full_steps as f64 * fraction).round();
                        let ft_tok = 1e8 * if seed == 1.0 { 1.0 } else { 1.5 };
                        for (name, value) in [
                            ("run_id", run_id.clone()),
                            ("matched_group_name", format!("{recipe} {size} @ {steps}")),
                            ("ckpt_params", size.to_owned()),
                            ("ckpt_data", (*recipe).to_owned()),
                            ("comparison_model_size", size.to_owned()),
                            ("comparison_model_recipe", (*recipe).to_owned()),
                        ] {
                            text.iter_mut().find(|c| c.0 == name).unwrap().1.push(value);
                        }
                        num(&mut cols, "ckpt_steps", steps);
                        num(&mut cols, "lr", lr);
                        num(&mut cols, "seed", seed);
                        num(&mut cols, "ft_tok", ft_tok);
                        num(&mut cols, "ft_epochs", 2.0);
                        for (t, task) in TASKS.iter().enumerate() {
                            let task_offset = 0.15 * t as f64 - 0.3;
                            let x = 1.6 * ((spec.params as f64).log10() - 8.2)
                                + RECIPE_EFFECT[r]
                                + 0.6 * (fraction - 1.0)
                                + task_offset;
                            let pt = 0.25 + 0.5 * sigmoid(x);
                            let gain =
                                0.08 * (1.0 - pt) * (lr / 5e-5f64).powf(0.3) * (ft_tok / 1e8f64).powf(0.2);
                            let ft = (pt + gain + noise.sample(&mut rng)).clamp(0.0, 1.0);
                            num(&mut cols, &format!("ft_{task}_primary_metric"), ft);
                            num(&mut cols, &format!("pt_{task}_primary_metric"), pt);
                        }
                        // The training history.
                        let total_steps = 400;
                        let tau = 60.0 + 40.0 * rng.random::<f64>();
                        for step in (0..=total_steps).step_by(5) {
                            let s = step as f64;
                            let warm = (total_steps as f64 * 0.03).max(1.0);
                            let rate = if s < warm {
                                lr * s / warm
                            } else {
                                lr * (1.0 - (s - warm) / (total_steps as f64 - warm))
                            };
                            let loss =
                                (1.2 + 1.8 * (-s / tau).exp()) * (1.0 + 0.03 * noise.sample(&mut rng) / 0.01);
                            h_run.push(run_id.clone());
                            h_step.push(s);
                            h_loss.push(loss);
                            h_lr.push(rate.max(0.0));
                            h_tok.push(ft_tok * s / total_steps as f64);
                        }
                    }
                }
            }
        }
    }
    let mut columns: Vec<Column> =
        text.into_iter().map(|(name, values)| Column::new(name.into(), values)).collect();
    columns.extend(cols.into_iter().map(|(name, values)| Column::new(name.into(), values)));
    let runs = DataFrame::new(n, columns)?;
    let history = DataFrame::new(
        h_run.len(),
        vec![
            Column::new("run_id".into(), h_run),
            Column::new("step".into(), h_step),
            Column::new("train_loss".into(), h_loss),
            Column::new("learning_rate".into(), h_lr),
            Column::new("total_tokens".into(), h_tok),
        ],
    )?;
    Ok((runs, history))
}

/// Writes the sample as parquet (marked synthetic) into `dir`.
pub fn write(dir: &Path, seed: u64) -> anyhow::Result<()> {
    let (mut runs, mut history) = frames(seed)?;
    // The bundled sample's names (data/...), in `dir`.
    let name = |file: &'static str| Path::new(file).file_name().map_or_else(|| file.into(), |n| dir.join(n));
    files::write_parquet(&name(super::SAMPLE_RUNS_FILE), &mut runs, true)?;
    files::write_parquet(&name(super::SAMPLE_HISTORY_FILE), &mut history, true)?;
    Ok(())
}
