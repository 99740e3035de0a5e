//! Job 1, "Fit scaling laws": DataDecide's two-step prediction of the 1B results from the smaller
//! sizes, for every task × recipe at once. `data` reads the points off the table, `solve` fits
//! them as one batched tensor program, and this module turns the laws into predictions, errors
//! and the decision accuracy of the predicted ranking.

pub mod data;
pub mod solve;

use std::time::Instant;

use crate::ml::backend::Backend;

pub use data::{FitOptions, Problem, Problems};
pub use solve::{AccLaw, LossLaw, SolveOptions};

use crate::analysis::decision::pairwise_accuracy;
use crate::datadecide::table::LongTable;
use crate::jobs::Progress;

/// One task × recipe: the fitted laws, the prediction at the target size and the actual values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FitRow {
    pub task: String,
    pub recipe: String,
    pub loss_law: LossLaw,
    pub acc_law: AccLaw,
    pub target_compute: f64,
    /// The compute of the smallest size fitted (where predicted curves start).
    pub min_compute: f64,
    pub predicted_loss: f64,
    pub actual_loss: f64,
    pub predicted_acc: f64,
    pub actual_acc: f64,
}

impl FitRow {
    /// |predicted − actual| accuracy at the target size.
    pub fn abs_error(&self) -> f64 {
        (self.predicted_acc - self.actual_acc).abs()
    }

    /// The predicted accuracy at a compute, through both laws.
    pub fn acc_at(&self, compute: f64) -> f64 {
        self.acc_law.at(self.loss_law.at(compute))
    }

    /// The predicted curve of the loss or the accuracy against compute, `n` log-spaced points
    /// from the smallest fitted size to the target.
    pub fn curve(&self, which: Predicted, n: usize) -> Vec<[f64; 2]> {
        let (lo, hi) = (self.min_compute.ln(), self.target_compute.ln());
        (0..n.max(2))
            .map(|i| {
                let f = (lo + (hi - lo) * i as f64 / (n.max(2) - 1) as f64).exp();
                let y = match which {
                    Predicted::Loss => self.loss_law.at(f),
                    Predicted::Accuracy => self.acc_at(f),
                };
                [f, y]
            })
            .collect()
    }
}

/// How well the predicted target-size accuracies rank the recipes of one task.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TaskDecision {
    pub task: String,
    /// Pairwise agreement of the predicted with the actual ranking (None: no pair).
    pub accuracy: Option<f64>,
    pub pairs: usize,
    pub mean_abs_error: f64,
}

/// Everything one fit produced.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FitReport {
    pub options: FitOptions,
    pub rows: Vec<FitRow>,
    pub tasks: Vec<TaskDecision>,
    /// Task × recipe pairs that could not be fitted, and why.
    pub skipped: Vec<String>,
    /// The device the tensors ran on.
    pub device: String,
    pub seconds: f64,
}

impl FitReport {
    /// The row fitted for a task and recipe.
    pub fn row(&self, task: &str, recipe: &str) -> Option<&FitRow> {
        self.rows.iter().find(|r| r.task == task && r.recipe == recipe)
    }

    /// Which law a metric of the table is predicted by: the task and whether it is the loss.
    pub fn predicts<'m>(&self, metric: &'m str) -> Option<(&'m str, Predicted)> {
        let loss =
            metric.strip_suffix(&format!("_{}", self.options.loss_metric)).map(|t| (t, Predicted::Loss));
        let acc =
            metric.strip_suffix(&format!("_{}", self.options.acc_metric)).map(|t| (t, Predicted::Accuracy));
        loss.or(acc).filter(|(task, _)| self.tasks.iter().any(|t| t.task == *task))
    }

    /// The mean decision accuracy over tasks and the mean absolute error over rows.
    pub fn overall(&self) -> (Option<f64>, f64) {
        let accs: Vec<f64> = self.tasks.iter().filter_map(|t| t.accuracy).collect();
        let mean_acc = (!accs.is_empty()).then(|| accs.iter().sum::<f64>() / accs.len() as f64);
        let mae = self.rows.iter().map(FitRow::abs_error).sum::<f64>() / self.rows.len().max(1) as f64;
        (mean_acc, mae)
    }
}

/// Which of the two laws a metric follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Predicted {
    Loss,
    Accuracy,
}

/// Predictions, errors and per-task decision accuracy from solved laws.
pub fn report(problems: &[Problem], solved: &solve::Solved) -> (Vec<FitRow>, Vec<TaskDecision>) {
    let rows: Vec<FitRow> = problems
        .iter()
        .zip(solved.loss.iter().zip(&solved.acc))
        .map(|(p, (&loss_law, &acc_law))| {
            let predicted_loss = loss_law.at(p.target_compute);
            FitRow {
                task: p.task.clone(),
                recipe: p.recipe.clone(),
                loss_law,
                acc_law,
                target_compute: p.target_compute,
                min_compute: p.loss_points.iter().map(|q| q.0).fold(f64::INFINITY, f64::min),
                predicted_loss,
                actual_loss: p.target_loss,
                predicted_acc: acc_law.at(predicted_loss),
                actual_acc: p.target_acc,
            }
        })
        .collect();
    // Problems come task by task, so each task's rows are one run.
    let tasks = rows
        .chunk_by(|x, y| x.task == y.task)
        .map(|rs| {
            let predicted: Vec<Option<f64>> = rs.iter().map(|r| Some(r.predicted_acc)).collect();
            let actual: Vec<Option<f64>> = rs.iter().map(|r| Some(r.actual_acc)).collect();
            let decision = pairwise_accuracy(&predicted, &actual);
            TaskDecision {
                task: rs[0].task.clone(),
                accuracy: decision.map(|d| d.0),
                pairs: decision.map_or(0, |d| d.1),
                mean_abs_error: rs.iter().map(FitRow::abs_error).sum::<f64>() / rs.len() as f64,
            }
        })
        .collect();
    (rows, tasks)
}

/// The whole job: points, the batched fit on `backend`, the report.
pub fn fit(
    table: &LongTable,
    opts: &FitOptions,
    solve_opts: &SolveOptions,
    backend: Backend,
    progress: &dyn Progress,
) -> anyhow::Result<FitReport> {
    let start = Instant::now();
    fit_problems(data::problems(table, opts)?, opts, solve_opts, backend, progress, start)
}

/// [`fit`] of problems already read from a table (`start`: when reading them began, for the
/// report's time).
pub fn fit_problems(
    problems: data::Problems,
    opts: &FitOptions,
    solve_opts: &SolveOptions,
    backend: Backend,
    progress: &dyn Progress,
    start: Instant,
) -> anyhow::Result<FitReport> {
    let device = crate::ml::backend::device(backend)?;
    progress.log(&format!(
        "{} task × recipe problems on {} ({} skipped); fitting on {}, predicting {}",
        problems.problems.len(),
        backend.label(),
        problems.skipped.len(),
        opts.fit_params.join(", "),
        opts.target
    ));
    let solved = solve::solve(&problems.problems, &device, solve_opts, progress)?;
    let (rows, tasks) = report(&problems.problems, &solved);
    let report = FitReport {
        options: opts.clone(),
        rows,
        tasks,
        skipped: problems.skipped,
        device: backend.label().to_owned(),
        seconds: start.elapsed().as_secs_f64(),
    };
    let (acc, mae) = report.overall();
    progress.log(&format!(
        "done in {:.2} s: mean |error| at {} {:.4}, decision accuracy of the predicted ranking {}",
        report.seconds,
        opts.target,
        mae,
        acc.map_or("–".to_owned(), |a| format!("{:.1}%", 100.0 * a))
    ));
    Ok(report)
}

/// The problems as JSON for the scipy reference (`benches/scaling_fit_scipy.py`).
pub fn points_json(problems: &[Problem]) -> serde_json::Value {
    serde_json::json!({
        "problems": problems.iter().map(|p| serde_json::json!({
            "task": p.task,
            "recipe": p.recipe,
            "loss_points": p.loss_points,
            "acc_points": p.acc_points,
            "target_compute": p.target_compute,
        })).collect::<Vec<_>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datadecide::catalog;
    use crate::jobs::Silent;
    use burn::tensor::Device;

    /// Final compute of a size (6 N D at its full step count, the size table's numbers).
    fn compute(label: &str) -> f64 {
        let s = catalog::size(label).unwrap();
        s.compute(s.full_steps as f64)
    }

    fn planted(loss: LossLaw, acc: AccLaw, task: &str) -> Problem {
        let loss_points: Vec<(f64, f64)> =
            ["150M", "300M", "530M", "750M"].iter().map(|s| (compute(s), loss.at(compute(s)))).collect();
        // Checkpoint losses spread over the curve's range, and a bit beyond.
        let acc_points = (0..40).map(|i| 0.6 + 0.03 * f64::from(i)).map(|l| (l, acc.at(l))).collect();
        let target_compute = compute("1B");
        Problem {
            task: task.into(),
            recipe: "planted".into(),
            loss_points,
            acc_points,
            target_compute,
            target_loss: loss.at(target_compute),
            target_acc: acc.at(loss.at(target_compute)),
        }
    }

    /// Parameters chosen by hand in the range real fits take (bits per byte near 1, accuracy
    /// between chance and 0.8).
    const TRUTHS: [(LossLaw, AccLaw); 3] = [
        (LossLaw { a: 12.5, alpha: 0.3, e: 0.6 }, AccLaw { a: -0.35, k: 5.0, l0: 1.0, b: 0.75 }),
        (LossLaw { a: 8.0, alpha: 0.2, e: 0.4 }, AccLaw { a: -0.5, k: 8.0, l0: 0.9, b: 0.8 }),
        (LossLaw { a: 20.0, alpha: 0.5, e: 0.9 }, AccLaw { a: -0.2, k: 3.0, l0: 1.3, b: 0.45 }),
    ];

    /// Problems whose points lie exactly on the planted laws.
    pub(super) fn planted_set() -> Vec<Problem> {
        TRUTHS.iter().enumerate().map(|(i, (l, a))| planted(*l, *a, &format!("task{i}"))).collect()
    }

    #[test]
    fn the_batched_fit_recovers_planted_parameters() {
        let truths = TRUTHS;
        let problems = planted_set();
        let solved = solve::solve(&problems, &Device::flex(), &SolveOptions::default(), &Silent).unwrap();
        for (i, (truth_l, truth_a)) in truths.iter().enumerate() {
            let (l, a) = (solved.loss[i], solved.acc[i]);
            let close = |got: f64, want: f64, tol: f64| (got - want).abs() <= tol * want.abs().max(1.0);
            assert!(
                close(l.alpha, truth_l.alpha, 0.02) && close(l.e, truth_l.e, 0.02),
                "{i}: {l:?} vs {truth_l:?}"
            );
            assert!(close(l.a, truth_l.a, 0.02), "{i}: {l:?} vs {truth_l:?}");
            for (got, want) in [(a.a, truth_a.a), (a.k, truth_a.k), (a.l0, truth_a.l0), (a.b, truth_a.b)] {
                assert!(close(got, want, 0.02), "{i}: {a:?} vs {truth_a:?}");
            }
            // The 1B prediction, which is what the method is for, to 0.2% of the loss and 0.002 accuracy.
            let p = &problems[i];
            assert!((l.at(p.target_compute) - p.target_loss).abs() < 2e-3 * p.target_loss, "{i}");
            assert!((a.at(l.at(p.target_compute)) - p.target_acc).abs() < 2e-3, "{i}");
        }
    }
}

#[cfg(test)]
mod backends {
    use super::*;
    use crate::jobs::Silent;
    use crate::ml::backend::{Backend, device};

    /// The same fit on wgpu (lavapipe in CI) and on the CPU gives the same laws: the tensor program
    /// is backend-independent. Without an adapter, asking for wgpu is an error that says so.
    #[test]
    fn wgpu_and_cpu_fit_the_same_laws() {
        let problems = super::tests::planted_set();
        let opts = SolveOptions { step1_iterations: 150, step2_iterations: 150, learning_rate: 0.05 };
        let cpu = solve::solve(&problems, &device(Backend::Cpu).unwrap(), &opts, &Silent).unwrap();
        let Some(wgpu) = crate::ml::backend::wgpu_or_skip() else { return };
        let gpu = solve::solve(&problems, &wgpu, &opts, &Silent).unwrap();
        // f32 sums in another order: Adam's paths drift apart a little, not more than 1%.
        let near = |x: f64, y: f64| (x - y).abs() <= 1e-2 * x.abs().max(0.1);
        for (c, g) in cpu.loss.iter().zip(&gpu.loss) {
            assert!(near(c.a, g.a) && near(c.alpha, g.alpha) && near(c.e, g.e), "{c:?} vs {g:?}");
        }
        for (c, g) in cpu.acc.iter().zip(&gpu.acc) {
            assert!(near(c.a, g.a) && near(c.k, g.k) && near(c.l0, g.l0) && near(c.b, g.b), "{c:?} vs {g:?}");
        }
    }
}

#[cfg(test)]
mod scipy {
    //! The batched fit against scipy on the same points. The points are four task × recipe
    //! problems of the bundled SYNTHETIC demo table, in tests/data/fit_points.json; the expected
    //! numbers were printed by
    //!     python3 benches/scaling_fit_scipy.py tests/data/fit_points.json
    //! (scipy 1.17.1, numpy 2.4.6: least_squares with Huber loss for step 1, bounded curve_fit for
    //! step 2, each from the same starting guesses).
    use super::*;
    use crate::jobs::Silent;
    use burn::tensor::Device;

    /// (task, recipe, step 1 [a, alpha, E], step 2 [a, k, L0, b], predicted 1B loss, accuracy).
    type Reference = (&'static str, &'static str, [f64; 3], [f64; 4], f64, f64);
    const SCIPY: [Reference; 4] = [
        (
            "arc_challenge",
            "Dolma1.7",
            [5.01795533249123, 0.13277861668700405, 0.6608704416135877],
            [-0.753162552837205, 5.762965316946069, 0.6483071859747521, 0.9999999999902521],
            0.9184893446586444,
            0.377940679819761,
        ),
        (
            "arc_easy",
            "DCLM-Baseline",
            [10.113538689840256, 0.25993914092962606, 0.8031280000702581],
            [-0.617361809373542, 6.057311799660587, 0.9932602885325093, 0.8667474063335586],
            0.8970570897567816,
            0.6455441846746539,
        ),
        (
            "hellaswag",
            "C4",
            [6.741605296835847, 0.1766156083274411, 0.761056525361835],
            [-0.7046772732515398, 5.782686060353245, 0.9269230782481608, 0.9534149366386506],
            0.9370898372000406,
            0.5907220809331716,
        ),
        (
            "piqa",
            "FineWeb-Edu",
            [2.149811454763417, 0.0466886449713891, 9.047121856410684e-26],
            [-0.3306486690851551, 5.609619488624015, 1.1272034966965343, 0.8321951886298438],
            0.912520826914747,
            0.7559101536403555,
        ),
    ];

    fn problems() -> Vec<Problem> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fit_points.json");
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let pairs = |v: &serde_json::Value| -> Vec<(f64, f64)> {
            v.as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())).collect()
        };
        json["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| Problem {
                task: p["task"].as_str().unwrap().into(),
                recipe: p["recipe"].as_str().unwrap().into(),
                loss_points: pairs(&p["loss_points"]),
                acc_points: pairs(&p["acc_points"]),
                target_compute: p["target_compute"].as_f64().unwrap(),
                target_loss: f64::NAN,
                target_acc: f64::NAN,
            })
            .collect()
    }

    fn mse(points: &[(f64, f64)], law: &AccLaw) -> f64 {
        points.iter().map(|&(l, a)| (law.at(l) - a).powi(2)).sum::<f64>() / points.len() as f64
    }

    #[test]
    fn the_batched_fit_matches_scipy_on_the_same_points() {
        let problems = problems();
        let solved = solve::solve(&problems, &Device::flex(), &SolveOptions::default(), &Silent).unwrap();
        for (i, (task, recipe, s1, s2, pred_loss, pred_acc)) in SCIPY.iter().enumerate() {
            let p = &problems[i];
            assert_eq!((p.task.as_str(), p.recipe.as_str()), (*task, *recipe));
            let (l, a) = (solved.loss[i], solved.acc[i]);
            let ref_l = LossLaw { a: s1[0], alpha: s1[1], e: s1[2] };
            let ref_a = AccLaw { a: s2[0], k: s2[1], l0: s2[2], b: s2[3] };
            // Same optimum (the objectives), whatever flat direction each solver stopped in...
            let ours1 = solve::step1_objective(&p.loss_points, &l);
            let ref1 = solve::step1_objective(&p.loss_points, &ref_l);
            assert!(ours1 <= ref1 + 1e-3, "{task} {recipe}: step 1 objective {ours1} vs scipy {ref1}");
            let (ours2, ref2) = (mse(&p.acc_points, &a), mse(&p.acc_points, &ref_a));
            assert!(ours2 <= ref2 * 1.05, "{task} {recipe}: step 2 MSE {ours2} vs scipy {ref2}");
            // ...and the same predictions at 1B.
            let loss = l.at(p.target_compute);
            assert!(
                (loss - pred_loss).abs() <= 3e-3 * pred_loss,
                "{task} {recipe}: loss {loss} vs {pred_loss}"
            );
            let acc = a.at(loss);
            assert!((acc - pred_acc).abs() <= 5e-3, "{task} {recipe}: accuracy {acc} vs {pred_acc}");
        }
    }
}
