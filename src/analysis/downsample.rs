//! Fewer points for drawing a long series without losing its shape: the points are cut into
//! buckets along x and each bucket keeps its first, lowest, highest and last point (in x order),
//! so spikes and the envelope survive at any zoom of the whole series.

/// At most about `max_points` of `points` (sorted by x), the extremes of every bucket kept.
pub fn min_max(points: &[[f64; 2]], max_points: usize) -> Vec<[f64; 2]> {
    if points.len() <= max_points.max(4) {
        return points.to_vec();
    }
    let buckets = (max_points / 4).max(1);
    let mut out = Vec::with_capacity(buckets * 4);
    for b in 0..buckets {
        let start = b * points.len() / buckets;
        let end = ((b + 1) * points.len() / buckets).max(start + 1);
        let bucket = &points[start..end];
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in bucket.iter().enumerate() {
            if p[1] < bucket[lo][1] {
                lo = i;
            }
            if p[1] > bucket[hi][1] {
                hi = i;
            }
        }
        let mut keep = vec![0, lo, hi, bucket.len() - 1];
        keep.sort_unstable();
        keep.dedup();
        out.extend(keep.into_iter().map(|i| bucket[i]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_untouched() {
        let p = vec![[0.0, 1.0], [1.0, 3.0], [2.0, 2.0]];
        assert_eq!(min_max(&p, 100), p);
    }

    #[test]
    fn long_series_keep_their_extremes_in_order() {
        // 10,000 points of a sine with one spike at x = 5,000.
        let mut p: Vec<[f64; 2]> = (0..10_000).map(|i| [i as f64, (i as f64 / 300.0).sin()]).collect();
        p[5_000][1] = 9.0;
        let d = min_max(&p, 400);
        assert!(d.len() <= 400, "{}", d.len());
        assert!(d.windows(2).all(|w| w[0][0] < w[1][0]));
        assert!(d.contains(&[5_000.0, 9.0]));
        assert_eq!(d.first(), p.first());
        assert_eq!(d.last(), p.last());
        let lowest = p.iter().map(|q| q[1]).fold(f64::INFINITY, f64::min);
        assert!(d.iter().any(|q| q[1] == lowest));
    }
}
