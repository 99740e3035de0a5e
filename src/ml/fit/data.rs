//! The points the two-step scaling-law fit is made on, read off the long table (DataDecide,
//! Magnusson et al. 2025, §3; ../shared/reference/datadecide.md):
//! - step 1, per model size used for fitting: the compute of its final checkpoint and the task loss
//!   averaged over the final 10% of its checkpoints;
//! - step 2: every checkpoint of those sizes after the first 10%, as (task loss, accuracy) pairs;
//! - the target size (1B): its final compute and the actual loss and accuracy, averaged as in step 1.
//!
//! One problem per task × recipe. Pure data work; the tensor program is in `solve`.

use crate::datadecide::catalog;
use crate::datadecide::table::LongTable;

/// What to fit and on which sizes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FitOptions {
    /// The task loss metric, without the task prefix (`<task>_<loss_metric>`).
    pub loss_metric: String,
    /// The accuracy metric, without the task prefix.
    pub acc_metric: String,
    /// The sizes the laws are fitted on.
    pub fit_params: Vec<String>,
    /// The held-out size predicted.
    pub target: String,
    /// The share of final checkpoints averaged into one value (0.1 in the paper).
    pub final_fraction: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            loss_metric: "bits_per_byte_corr".into(),
            acc_metric: "acc_raw".into(),
            fit_params: ["150M", "300M", "530M", "750M"].map(String::from).to_vec(),
            target: "1B".into(),
            final_fraction: 0.1,
        }
    }
}

/// One task × recipe's points.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub task: String,
    pub recipe: String,
    /// Step 1: (compute in FLOPs, task loss) per fitted size.
    pub loss_points: Vec<(f64, f64)>,
    /// Step 2: (task loss, accuracy) per checkpoint.
    pub acc_points: Vec<(f64, f64)>,
    /// The target size's final compute, actual loss and actual accuracy.
    pub target_compute: f64,
    pub target_loss: f64,
    pub target_acc: f64,
}

/// Every problem the table supports, and the task × recipe pairs skipped with the reason.
#[derive(Clone, Debug, Default)]
pub struct Problems {
    pub problems: Vec<Problem>,
    pub skipped: Vec<String>,
}

/// The mean of the final `fraction` of a curve's finite values (at least one value).
pub fn final_mean(values: &[f64], fraction: f64) -> Option<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return None;
    }
    let k = ((finite.len() as f64 * fraction).ceil() as usize).clamp(1, finite.len());
    Some(finite[finite.len() - k..].iter().sum::<f64>() / k as f64)
}

/// The tasks that have both metrics, in the table's order.
pub fn tasks(table: &LongTable, opts: &FitOptions) -> Vec<String> {
    let loss_suffix = format!("_{}", opts.loss_metric);
    table
        .metrics
        .iter()
        .filter_map(|m| m.strip_suffix(&loss_suffix))
        .filter(|task| table.metric_index(&format!("{task}_{}", opts.acc_metric)).is_some())
        .map(str::to_owned)
        .collect()
}

/// Reads the problems off the table. Errors name what the table lacks: a size, or the metrics.
pub fn problems(table: &LongTable, opts: &FitOptions) -> anyhow::Result<Problems> {
    for (i, p) in opts.fit_params.iter().enumerate() {
        anyhow::ensure!(
            !opts.fit_params[..i].contains(p),
            "size {p} is given twice in the fit sizes ({}): each size counts once",
            opts.fit_params.join(", ")
        );
        anyhow::ensure!(
            *p != opts.target,
            "the target size {p} is also a fit size: the fit must predict a size it did not see"
        );
    }
    if opts.fit_params.len() < 3 {
        anyhow::bail!(
            "the loss law has three parameters: fit it on at least three sizes (got {})",
            opts.fit_params.join(", ")
        );
    }
    let missing: Vec<&str> = opts
        .fit_params
        .iter()
        .chain(std::iter::once(&opts.target))
        .filter(|p| table.param_index(p).is_none())
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "the table has no rows for size{} {} (the fit uses {} and predicts {}; it has {})",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            opts.fit_params.join(", "),
            opts.target,
            table.params.join(", ")
        );
    }
    let tasks = tasks(table, opts);
    if tasks.is_empty() {
        let has_loss = table.metrics.iter().any(|m| m.ends_with(&format!("_{}", opts.loss_metric)));
        let has_acc = table.metrics.iter().any(|m| m.ends_with(&format!("_{}", opts.acc_metric)));
        let what = match (has_loss, has_acc) {
            (false, false) => {
                format!("no `<task>_{}` and no `<task>_{}` metrics", opts.loss_metric, opts.acc_metric)
            }
            (false, true) => format!("no `<task>_{}` metrics (the task loss)", opts.loss_metric),
            (true, false) => format!("no `<task>_{}` metrics (the accuracy)", opts.acc_metric),
            (true, true) => {
                format!("no task with both `<task>_{}` and `<task>_{}`", opts.loss_metric, opts.acc_metric)
            }
        };
        anyhow::bail!("the table has {what}; pick other metrics or open a table that has them");
    }
    let fit_idx: Vec<usize> = opts.fit_params.iter().filter_map(|p| table.param_index(p)).collect();
    let target_idx = table.param_index(&opts.target).expect("checked above");
    let mut out = Problems::default();
    for task in &tasks {
        let loss_m = table.metric_index(&format!("{task}_{}", opts.loss_metric)).expect("listed");
        let acc_m = table.metric_index(&format!("{task}_{}", opts.acc_metric)).expect("listed");
        for (r, recipe) in table.recipes.iter().enumerate() {
            match problem(table, opts, (loss_m, acc_m), &fit_idx, target_idx, r) {
                Ok(points) => {
                    out.problems.push(Problem { task: task.clone(), recipe: recipe.clone(), ..points })
                }
                Err(why) => out.skipped.push(format!("{task} · {recipe}: {why}")),
            }
        }
    }
    if out.problems.is_empty() {
        anyhow::bail!(
            "no task × recipe has enough points to fit ({} skipped; first: {})",
            out.skipped.len(),
            out.skipped.first().map_or("", String::as_str)
        );
    }
    Ok(out)
}

fn problem(
    table: &LongTable,
    opts: &FitOptions,
    (loss_m, acc_m): (usize, usize),
    fit_idx: &[usize],
    target_idx: usize,
    recipe: usize,
) -> Result<Problem, String> {
    let mut loss_points = Vec::new();
    let mut acc_points = Vec::new();
    for &p in fit_idx {
        let loss = table.curve(loss_m, p, recipe);
        let acc = table.curve(acc_m, p, recipe);
        let (Some(&compute), Some(mean)) = (loss.compute.last(), final_mean(loss.value, opts.final_fraction))
        else {
            continue;
        };
        if compute > 0.0 && mean > 0.0 {
            loss_points.push((compute, mean));
        }
        // Checkpoints present in both curves, after the first 10%.
        let mut pairs = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < loss.len() && j < acc.len() {
            match loss.step[i].total_cmp(&acc.step[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if loss.value[i].is_finite() && acc.value[j].is_finite() {
                        pairs.push((loss.value[i], acc.value[j]));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        let skip = (pairs.len() as f64 * opts.final_fraction).floor() as usize;
        acc_points.extend_from_slice(&pairs[skip..]);
    }
    if loss_points.len() < 3 {
        return Err(format!(
            "{} of {} fit sizes have the task loss (3 needed)",
            loss_points.len(),
            fit_idx.len()
        ));
    }
    if acc_points.len() < 4 {
        return Err(format!("{} (loss, accuracy) checkpoints (4 needed)", acc_points.len()));
    }
    let target_loss = table.curve(loss_m, target_idx, recipe);
    let target_acc = table.curve(acc_m, target_idx, recipe);
    let target_compute = target_loss
        .compute
        .last()
        .copied()
        .or_else(|| catalog::size(&opts.target).map(|s| s.compute(s.full_steps as f64)))
        .ok_or_else(|| format!("no {} compute", opts.target))?;
    let (Some(target_loss), Some(target_acc)) = (
        final_mean(target_loss.value, opts.final_fraction),
        final_mean(target_acc.value, opts.final_fraction),
    ) else {
        return Err(format!("no {} loss or accuracy to compare with", opts.target));
    };
    Ok(Problem {
        task: String::new(),
        recipe: String::new(),
        loss_points,
        acc_points,
        target_compute,
        target_loss,
        target_acc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_without_a_size_or_a_metric_gets_an_error_naming_it() {
        let demo = crate::datadecide::dataset::Dataset::demo().unwrap();
        let table = &demo.table;
        let opts = FitOptions { target: "7B".into(), ..Default::default() };
        let err = problems(table, &opts).unwrap_err().to_string();
        assert!(err.contains("no rows for size 7B"), "{err}");
        let opts =
            FitOptions { fit_params: vec!["150M".into(), "3M".into(), "5M".into()], ..Default::default() };
        let err = problems(table, &opts).unwrap_err().to_string();
        assert!(err.contains("sizes 3M, 5M"), "{err}");
        let opts = FitOptions { loss_metric: "perplexity_corr".into(), ..Default::default() };
        let err = problems(table, &opts).unwrap_err().to_string();
        assert!(err.contains("no `<task>_perplexity_corr` metrics (the task loss)"), "{err}");
        let opts = FitOptions { acc_metric: "acc_nope".into(), ..Default::default() };
        let err = problems(table, &opts).unwrap_err().to_string();
        assert!(err.contains("no `<task>_acc_nope` metrics (the accuracy)"), "{err}");
        // The defaults read every task x recipe of the demo table.
        let found = problems(table, &FitOptions::default()).unwrap();
        assert_eq!(found.problems.len(), tasks(table, &FitOptions::default()).len() * table.recipes.len());
        // Step 1 has one point per fitted size; step 2 drops the first 10% of each size's checkpoints.
        let p = &found.problems[0];
        assert_eq!(p.loss_points.len(), 4);
        let loss = table.metric_index(&format!("{}_bits_per_byte_corr", p.task)).unwrap();
        let recipe = table.recipe_index(&p.recipe).unwrap();
        let expected: usize = ["150M", "300M", "530M", "750M"]
            .iter()
            .map(|s| {
                let n = table.curve(loss, table.param_index(s).unwrap(), recipe).len();
                n - n / 10
            })
            .sum();
        assert_eq!(p.acc_points.len(), expected);
    }

    #[test]
    fn final_mean_takes_the_last_tenth_rounded_up() {
        // 12 values: ceil(1.2) = 2 -> mean of the last two.
        let v: Vec<f64> = (1..=12).map(f64::from).collect();
        assert_eq!(final_mean(&v, 0.1), Some(11.5));
        // 5 values: ceil(0.5) = 1 -> the last; NaNs are not checkpoints.
        assert_eq!(final_mean(&[1.0, f64::NAN, 2.0, 3.0, 4.0, 5.0], 0.1), Some(5.0));
        assert_eq!(final_mean(&[f64::NAN], 0.1), None);
    }
}
