//! Decision accuracy (DataDecide, Magnusson et al. 2025): how often a small-scale experiment
//! orders two data recipes the way the target scale (1B) does. Over every pair of recipes that
//! differ at the target, the pair counts 1 when the small scale orders it the same way, 0 when
//! reversed, ½ when the small scale ties it (a coin flip). The direction of the metric does not
//! matter for agreement; it matters for the rankings, best first.

/// How a recipe's score at a size is read off its curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Aggregate {
    /// The final checkpoint.
    Final,
    /// The mean of the last k checkpoints (the paper smooths its 1B targets this way).
    MeanOfLast(usize),
}

impl Aggregate {
    /// The score of a curve given as values in step order.
    pub fn apply(self, values_in_step_order: &[f64]) -> Option<f64> {
        let finite: Vec<f64> = values_in_step_order.iter().copied().filter(|v| v.is_finite()).collect();
        match self {
            Aggregate::Final => finite.last().copied(),
            Aggregate::MeanOfLast(k) => {
                let k = k.max(1).min(finite.len());
                (k > 0).then(|| finite[finite.len() - k..].iter().sum::<f64>() / k as f64)
            }
        }
    }

    pub fn label(self) -> String {
        match self {
            Aggregate::Final => "final checkpoint".to_owned(),
            Aggregate::MeanOfLast(k) => format!("mean of the last {k} checkpoints"),
        }
    }
}

/// Pairwise agreement of `small` with `target` (scores per recipe, same order; `None`: missing).
/// Returns the accuracy and the number of pairs it is over, or `None` when no pair counts.
pub fn pairwise_accuracy(small: &[Option<f64>], target: &[Option<f64>]) -> Option<(f64, usize)> {
    let mut agree = 0.0;
    let mut pairs = 0usize;
    for i in 0..small.len().min(target.len()) {
        for j in i + 1..small.len().min(target.len()) {
            let (Some(si), Some(sj), Some(ti), Some(tj)) = (small[i], small[j], target[i], target[j]) else {
                continue;
            };
            if ti == tj {
                continue;
            }
            pairs += 1;
            agree += if si == sj {
                0.5
            } else if (si < sj) == (ti < tj) {
                1.0
            } else {
                0.0
            };
        }
    }
    (pairs > 0).then(|| (agree / pairs as f64, pairs))
}

/// Recipe indices best first (highest score, or lowest when lower is better); missing last.
pub fn ranking(scores: &[Option<f64>], lower_is_better: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| match (scores[a], scores[b]) {
        (Some(x), Some(y)) => {
            let ord = x.total_cmp(&y);
            if lower_is_better { ord } else { ord.reverse() }
        }
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_recipes_by_hand() {
        // Small scale orders (a, b, c) = 1 < 2 < 3; the target says b > c: one of three pairs flips.
        let small = [Some(1.0), Some(2.0), Some(3.0)];
        let target = [Some(1.0), Some(3.0), Some(2.0)];
        assert_eq!(pairwise_accuracy(&small, &target), Some((2.0 / 3.0, 3)));
        // A tie at the small scale is a coin flip; a tie at the target does not count.
        let small = [Some(1.0), Some(1.0), Some(3.0)];
        let target = [Some(1.0), Some(2.0), Some(2.0)];
        assert_eq!(pairwise_accuracy(&small, &target), Some((1.5 / 2.0, 2)));
        // Missing scores leave their pairs out.
        assert_eq!(pairwise_accuracy(&[None, Some(1.0)], &[Some(1.0), Some(2.0)]), None);
    }

    #[test]
    fn agreement_does_not_depend_on_the_metrics_direction() {
        let small = [Some(0.3), Some(0.1), Some(0.2), Some(0.5)];
        let target = [Some(0.4), Some(0.2), Some(0.1), Some(0.6)];
        let negated = |v: &[Option<f64>]| v.iter().map(|x| x.map(|x| -x)).collect::<Vec<_>>();
        // By hand: of the six pairs only (1, 2) is ordered differently (0.1 < 0.2 but 0.2 > 0.1).
        assert_eq!(pairwise_accuracy(&small, &target), Some((5.0 / 6.0, 6)));
        assert_eq!(pairwise_accuracy(&negated(&small), &negated(&target)), Some((5.0 / 6.0, 6)));
    }

    #[test]
    fn rankings_put_the_best_first_either_way() {
        let s = [Some(0.2), None, Some(0.9), Some(0.5)];
        assert_eq!(ranking(&s, false), [2, 3, 0, 1]);
        assert_eq!(ranking(&s, true), [0, 3, 2, 1]);
    }

    #[test]
    fn aggregates_read_the_end_of_a_curve() {
        let curve = [1.0, 2.0, f64::NAN, 4.0, 6.0];
        assert_eq!(Aggregate::Final.apply(&curve), Some(6.0));
        assert_eq!(Aggregate::MeanOfLast(2).apply(&curve), Some(5.0));
        assert_eq!(Aggregate::MeanOfLast(10).apply(&curve), Some(13.0 / 4.0));
        assert_eq!(Aggregate::Final.apply(&[]), None);
    }
}
