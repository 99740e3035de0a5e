//! Exponential moving average with bias correction, as TensorBoard and W&B smooth curves:
//! `last = w · last + (1 − w) · y`, divided by `1 − w^k` after k finite points, so the first
//! points are not pulled towards zero. Non-finite points pass through and do not count.

/// Smooths `ys` with weight `w` in 0..1 (0: unchanged; 0.99: very smooth).
pub fn debiased_ema(ys: &[f64], w: f64) -> Vec<f64> {
    let w = w.clamp(0.0, 0.999_999);
    let mut last = 0.0;
    let mut count = 0i32;
    ys.iter()
        .map(|&y| {
            if !y.is_finite() {
                return y;
            }
            last = last * w + (1.0 - w) * y;
            count += 1;
            let debias = 1.0 - w.powi(count);
            if debias > 0.0 { last / debias } else { y }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ema_is_the_weighted_mean_of_the_past() {
        // By hand, w = 0.5: point k is the mean of y_1..y_k weighted 0.5^(k-i).
        // [1, 2, 3] -> 1, (1·0.5 + 2)/1.5 = 5/3, (1·0.25 + 2·0.5 + 3)/1.75 = 17/7.
        let s = debiased_ema(&[1.0, 2.0, 3.0], 0.5);
        let want = [1.0, 5.0 / 3.0, 17.0 / 7.0];
        for (a, b) in s.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{s:?}");
        }
    }

    #[test]
    fn zero_weight_is_the_identity_and_gaps_pass_through() {
        let ys = [3.0, f64::NAN, 5.0, 4.0];
        let s = debiased_ema(&ys, 0.0);
        assert_eq!(s[0], 3.0);
        assert!(s[1].is_nan());
        assert_eq!((s[2], s[3]), (5.0, 4.0));
        // With w = 0.9 the NaN neither counts nor breaks the run: point 3 is (0.9·3 + 5)/1.9.
        let s = debiased_ema(&ys, 0.9);
        assert!((s[2] - (0.9 * 3.0 + 5.0) / 1.9).abs() < 1e-12, "{s:?}");
    }

    #[test]
    fn a_constant_stays_constant() {
        for w in [0.3, 0.6, 0.95] {
            assert!(debiased_ema(&[2.5; 50], w).iter().all(|v| (v - 2.5).abs() < 1e-12));
        }
    }
}
