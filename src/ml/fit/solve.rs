//! The two-step fit as one batched tensor program: every task × recipe problem at once, each
//! problem's parameters a row of the parameter tensors, gradients by burn's autodiff, and Adam
//! applied element-wise (so each problem follows its own Adam path, exactly as if fitted alone).
//!
//! Step 1, L(F) = exp(a) / F^alpha + E, minimizes the Huber loss (delta 1e-3) of
//! log(pred) − log(actual). Internally F enters centred, x = ln F − x0 (x0 the problem's mean
//! ln F), with c = a − alpha·x0 and E = exp(e) ≥ 0, which keeps the parameters of order one.
//!
//! Step 2, Acc(L) = a / (1 + exp(−k (L − L0))) + b, minimizes the mean squared error under the
//! bounds a ∈ [−1, 0], k ≥ 0, L0 ≥ 0, b ∈ [0, 1] by projected Adam (each step is clamped back
//! into the box, so a bound can be reached exactly, as scipy's bounded least squares reaches it).
//!
//! Both start from closed-form guesses (the same ones `benches/scaling_fit_scipy.py` gives scipy):
//! step 1 puts E at a grid of fractions of the smallest loss and fits ln(L − E) against ln F by
//! least squares (every start is a row of the batch; the best end wins);
//! step 2 puts b just above the highest accuracy, a + b just below the lowest, L0 at the median
//! loss and k at 4 / (loss range).

use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};

use super::data::Problem;
use crate::jobs::{Cancelled, Progress};

/// Huber's delta on log residuals (the paper's 1e-3).
pub const HUBER_DELTA: f64 = 1e-3;

/// Step 1's law: L(F) = exp(a) / F^alpha + E.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LossLaw {
    pub a: f64,
    pub alpha: f64,
    pub e: f64,
}

impl LossLaw {
    pub fn at(&self, compute: f64) -> f64 {
        (self.a - self.alpha * compute.ln()).exp() + self.e
    }
}

/// Step 2's bounds, in the order (a, k, L0, b): a in [−1, 0], k ≥ 0, L0 ≥ 0, b in [0, 1].
pub const STEP2_BOUNDS: [(f64, f64); 4] = [(-1.0, 0.0), (0.0, 1e6), (0.0, 1e6), (0.0, 1.0)];

/// Step 2's law: Acc(L) = a / (1 + exp(−k (L − L0))) + b.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccLaw {
    pub a: f64,
    pub k: f64,
    pub l0: f64,
    pub b: f64,
}

impl AccLaw {
    pub fn at(&self, loss: f64) -> f64 {
        self.a / (1.0 + (-self.k * (loss - self.l0)).exp()) + self.b
    }
}

/// How long each step runs.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SolveOptions {
    pub step1_iterations: usize,
    pub step2_iterations: usize,
    /// Adam's learning rate at the start; it decays along a cosine to a thousandth of it.
    pub learning_rate: f64,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self { step1_iterations: 3000, step2_iterations: 6000, learning_rate: 0.05 }
    }
}

/// The fitted laws, one per problem, and the final objective of each step (summed over problems).
#[derive(Clone, Debug)]
pub struct Solved {
    pub loss: Vec<LossLaw>,
    pub acc: Vec<AccLaw>,
}

/// Step 1 starts from each of these fractions of the smallest loss as E (a grid of starts, as
/// Chinchilla's fits use): the valley between E and the power law is long, and one start can
/// stall in it. The start whose fit ends with the smallest objective wins.
pub const STEP1_E_STARTS: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.9];

/// Step 1's starting point in the centred form (c, alpha, E) for one problem's points, with E at
/// `e_fraction` of the smallest loss.
pub fn step1_guess(points: &[(f64, f64)], x0: f64, e_fraction: f64) -> (f64, f64, f64) {
    let e0 = e_fraction * points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let xs: Vec<f64> = points.iter().map(|p| p.0.ln() - x0).collect();
    let ys: Vec<f64> = points.iter().map(|p| (p.1 - e0).ln()).collect();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (my - slope * mx, -slope, e0)
}

/// Step 2's starting point (a, k, L0, b) for one problem's (loss, accuracy) points.
pub fn step2_guess(points: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut lmin, mut lmax) = (f64::INFINITY, f64::NEG_INFINITY);
    for &(l, a) in points {
        lo = lo.min(a);
        hi = hi.max(a);
        lmin = lmin.min(l);
        lmax = lmax.max(l);
    }
    let b0 = (hi + 0.02).min(0.999);
    let a0 = (lo - 0.02 - b0).clamp(-0.999, -0.001);
    let mut losses: Vec<f64> = points.iter().map(|p| p.0).collect();
    losses.sort_by(f64::total_cmp);
    // numpy's median: the mean of the two middle values for an even count.
    let m = losses.len();
    let median = if m % 2 == 1 { losses[m / 2] } else { 0.5 * (losses[m / 2 - 1] + losses[m / 2]) };
    (a0, 4.0 / (lmax - lmin).max(1e-3), median.max(1e-3), b0)
}

/// A padded [problems, points] pair of value tensors and a 0/1 mask.
struct Padded {
    x: Tensor<2>,
    y: Tensor<2>,
    mask: Tensor<2>,
}

fn padded(rows: &[Vec<(f64, f64)>], device: &Device) -> Padded {
    let width = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let mut x = vec![0f32; rows.len() * width];
    let mut y = vec![1f32; rows.len() * width];
    let mut mask = vec![0f32; rows.len() * width];
    for (r, row) in rows.iter().enumerate() {
        // Padding repeats the row's first point, so every entry is a valid input (masked out).
        for j in 0..width {
            let (px, py) = row.get(j).or(row.first()).copied().unwrap_or((0.0, 1.0));
            x[r * width + j] = px as f32;
            y[r * width + j] = py as f32;
            mask[r * width + j] = f32::from(u8::from(j < row.len()));
        }
    }
    let shape = [rows.len(), width];
    Padded {
        x: Tensor::from_data(TensorData::new(x, shape), device),
        y: Tensor::from_data(TensorData::new(y, shape), device),
        mask: Tensor::from_data(TensorData::new(mask, shape), device),
    }
}

fn column(values: impl Iterator<Item = f64>, device: &Device) -> Tensor<2> {
    let v: Vec<f32> = values.map(|x| x as f32).collect();
    let n = v.len();
    Tensor::from_data(TensorData::new(v, [n, 1]), device)
}

fn read(t: Tensor<2>) -> Vec<f64> {
    t.into_data()
        .convert::<f32>()
        .as_slice::<f32>()
        .map(|s| s.iter().map(|&x| f64::from(x)).collect())
        .unwrap_or_default()
}

/// Element-wise Adam over a set of [problems, 1] parameter tensors.
struct Adam {
    m: Vec<Tensor<2>>,
    v: Vec<Tensor<2>>,
    t: i32,
}

impl Adam {
    const BETA1: f64 = 0.9;
    const BETA2: f64 = 0.999;
    const EPS: f64 = 1e-8;

    fn new(params: &[Tensor<2>]) -> Self {
        Self {
            m: params.iter().map(Tensor::zeros_like).collect(),
            v: params.iter().map(Tensor::zeros_like).collect(),
            t: 0,
        }
    }

    fn step(&mut self, params: Vec<Tensor<2>>, grads: Vec<Tensor<2>>, lr: f64) -> Vec<Tensor<2>> {
        self.t += 1;
        let c1 = 1.0 - Self::BETA1.powi(self.t);
        let c2 = 1.0 - Self::BETA2.powi(self.t);
        let mut out = Vec::with_capacity(params.len());
        for (i, (p, g)) in params.into_iter().zip(grads).enumerate() {
            let m = self.m[i].clone() * Self::BETA1 + g.clone() * (1.0 - Self::BETA1);
            let v = self.v[i].clone() * Self::BETA2 + g.clone() * g * (1.0 - Self::BETA2);
            let update = (m.clone() / c1) / ((v.clone() / c2).sqrt() + Self::EPS);
            out.push(p - update * lr);
            self.m[i] = m;
            self.v[i] = v;
        }
        out
    }
}

/// The learning rate at iteration `i` of `n`: a cosine from `lr` down to `lr / 1000`.
fn schedule(lr: f64, i: usize, n: usize) -> f64 {
    let floor = lr * 1e-3;
    floor + 0.5 * (lr - floor) * (1.0 + (std::f64::consts::PI * i as f64 / n.max(1) as f64).cos())
}

/// What the solver tells the job while it runs: the objective of iteration `i` of `n`, now and
/// then, as a metric and as progress within `[base, base + span]`.
fn report(
    progress: &dyn Progress,
    series: &str,
    (base, span): (f32, f32),
    (i, n): (usize, usize),
    objective: impl FnOnce() -> f64,
) {
    if i.is_multiple_of(25) || i + 1 == n {
        let value = objective();
        progress.metric(series, i as f64, value);
        progress.report(
            base + span * (i + 1) as f32 / n as f32,
            &format!("{series}: iteration {} of {n}", i + 1),
        );
    }
}

/// Fits both steps for every problem on `device` (autodiff is enabled on it here).
pub fn solve(
    problems: &[Problem],
    device: &Device,
    opts: &SolveOptions,
    progress: &dyn Progress,
) -> Result<Solved, Cancelled> {
    let ad = device.clone().autodiff();
    let loss = solve_step1(problems, &ad, opts, progress)?;
    let acc = solve_step2(problems, &ad, opts, progress)?;
    Ok(Solved { loss, acc })
}

/// Step 1's objective for one problem's points under a law (the sum of Huber / delta).
pub fn step1_objective(points: &[(f64, f64)], law: &LossLaw) -> f64 {
    points
        .iter()
        .map(|&(f, l)| {
            let r = law.at(f).ln() - l.ln();
            let d = HUBER_DELTA;
            if r.abs() <= d { 0.5 * r * r / d } else { r.abs() - 0.5 * d }
        })
        .sum()
}

fn solve_step1(
    problems: &[Problem],
    ad: &Device,
    opts: &SolveOptions,
    progress: &dyn Progress,
) -> Result<Vec<LossLaw>, Cancelled> {
    let x0: Vec<f64> = problems
        .iter()
        .map(|p| p.loss_points.iter().map(|q| q.0.ln()).sum::<f64>() / p.loss_points.len() as f64)
        .collect();
    // Row r is problem r / starts with the (r % starts)-th start.
    let starts = STEP1_E_STARTS.len();
    let rows: Vec<Vec<(f64, f64)>> = problems
        .iter()
        .zip(&x0)
        .flat_map(|(p, x0)| {
            let row: Vec<(f64, f64)> = p.loss_points.iter().map(|&(f, l)| (f.ln() - x0, l.ln())).collect();
            std::iter::repeat_n(row, starts)
        })
        .collect();
    let data = padded(&rows, ad);
    let guesses: Vec<(f64, f64, f64)> = problems
        .iter()
        .zip(&x0)
        .flat_map(|(p, &x0)| STEP1_E_STARTS.map(|f| step1_guess(&p.loss_points, x0, f)))
        .collect();
    let mut params = vec![
        column(guesses.iter().map(|g| g.0), ad).inner(),
        column(guesses.iter().map(|g| g.1), ad).inner(),
        column(guesses.iter().map(|g| g.2.ln()), ad).inner(),
    ];
    let mut adam = Adam::new(&params);
    let n = opts.step1_iterations;
    let delta = HUBER_DELTA;
    for i in 0..n {
        progress.checkpoint()?;
        let [c, alpha, e]: [Tensor<2>; 3] =
            std::array::from_fn(|k| params[k].clone().autodiff().require_grad());
        let pred = ((c.clone() - alpha.clone() * data.x.clone()).exp() + e.clone().exp()).log();
        let r = pred - data.y.clone();
        let abs = r.clone().abs();
        let quadratic = r.clone() * r * 0.5;
        let linear = (abs.clone() - 0.5 * delta) * delta;
        let huber = quadratic.mask_where(abs.greater_elem(delta), linear);
        let objective = (huber * data.mask.clone()).sum() / delta;
        let grads = objective.backward();
        let g: Vec<Tensor<2>> = [&c, &alpha, &e].iter().map(|t| t.grad(&grads).expect("a leaf")).collect();
        report(progress, "step 1 objective (Huber / delta)", (0.0, 0.4), (i, n), || {
            f64::from(objective.clone().inner().into_scalar::<f32>()) / starts as f64
        });
        params = adam.step(params, g, schedule(opts.learning_rate, i, n));
    }
    let [c, alpha, e] = [0, 1, 2].map(|k| read(params[k].clone()));
    Ok(problems
        .iter()
        .enumerate()
        .map(|(b, p)| {
            (b * starts..(b + 1) * starts)
                .map(|r| LossLaw { a: c[r] + alpha[r] * x0[b], alpha: alpha[r], e: e[r].exp() })
                .map(|law| (step1_objective(&p.loss_points, &law), law))
                .min_by(|x, y| x.0.total_cmp(&y.0))
                .expect("at least one start")
                .1
        })
        .collect())
}

fn solve_step2(
    problems: &[Problem],
    ad: &Device,
    opts: &SolveOptions,
    progress: &dyn Progress,
) -> Result<Vec<AccLaw>, Cancelled> {
    let rows: Vec<Vec<(f64, f64)>> = problems.iter().map(|p| p.acc_points.clone()).collect();
    let data = padded(&rows, ad);
    let counts = column(rows.iter().map(|r| r.len() as f64), ad);
    let guesses: Vec<_> = problems.iter().map(|p| step2_guess(&p.acc_points)).collect();
    let mut params = vec![
        column(guesses.iter().map(|g| g.0), ad).inner(),
        column(guesses.iter().map(|g| g.1), ad).inner(),
        column(guesses.iter().map(|g| g.2), ad).inner(),
        column(guesses.iter().map(|g| g.3), ad).inner(),
    ];
    let mut adam = Adam::new(&params);
    let n = opts.step2_iterations;
    for i in 0..n {
        progress.checkpoint()?;
        let [a, k, l0, b]: [Tensor<2>; 4] =
            std::array::from_fn(|j| params[j].clone().autodiff().require_grad());
        let z = (data.x.clone() - l0.clone()) * k.clone();
        let pred = a.clone() * sigmoid(z) + b.clone();
        let r = pred - data.y.clone();
        // Mean squared error per problem, summed over problems.
        let objective = ((r.clone() * r * data.mask.clone()).sum_dim(1) / counts.clone()).sum();
        let grads = objective.backward();
        let g: Vec<Tensor<2>> = [&a, &k, &l0, &b].iter().map(|t| t.grad(&grads).expect("a leaf")).collect();
        report(progress, "step 2 objective (mean squared error)", (0.4, 0.6), (i, n), || {
            f64::from(objective.clone().inner().into_scalar::<f32>())
        });
        // Projected Adam: a step, then back inside the bounds.
        let stepped = adam.step(params, g, schedule(opts.learning_rate, i, n));
        params = stepped.into_iter().zip(STEP2_BOUNDS).map(|(p, (lo, hi))| p.clamp(lo, hi)).collect();
    }
    let [a, k, l0, b] = [0, 1, 2, 3].map(|j| read(params[j].clone()));
    Ok((0..problems.len()).map(|i| AccLaw { a: a[i], k: k[i], l0: l0[i], b: b[i] }).collect())
}
