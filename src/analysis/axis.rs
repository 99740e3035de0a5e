//! Logarithmic axes. egui_plot draws linear axes only, so a log axis plots log10(x) and labels
//! its ticks with the values they stand for: decades always, and 2× and 5× in between when the
//! range holds few decades.

/// A tick on a log axis: where it sits (log10 of the value), the value's label, and whether it
/// is a decade (drawn stronger).
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub position: f64,
    pub label: String,
    pub decade: bool,
}

/// A number as an axis label: plain from 0.001 up to a million (at most 3 significant digits
/// after the point), otherwise `<mantissa>e<exponent>` (`2e18`, `2.5e-5`).
pub fn format_value(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if (1e-3..1e6).contains(&a) {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        return s.to_owned();
    }
    let exp = a.log10().floor() as i32;
    let mantissa = v / 10f64.powi(exp);
    // Rounding may carry the mantissa to 10.
    let (mantissa, exp) = if (mantissa.abs() * 100.0).round() / 100.0 >= 10.0 {
        (mantissa / 10.0, exp + 1)
    } else {
        (mantissa, exp)
    };
    let m = format!("{mantissa:.2}");
    let m = m.trim_end_matches('0').trim_end_matches('.');
    format!("{m}e{exp}")
}

/// The label of a position on a log axis (log10 of the value).
pub fn format_log_position(position: f64) -> String {
    format_value(10f64.powf(position))
}

/// The ticks of a log axis spanning `lo..=hi` (log10 values).
pub fn log_ticks(lo: f64, hi: f64) -> Vec<Tick> {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return Vec::new();
    }
    let decades = hi - lo;
    // Within a decade: every digit; a few decades: 1, 2, 5 of each; many: every decade, or
    // every n-th.
    let multiples: &[f64] = if decades < 1.0 {
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    } else if decades < 3.0 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let every = if decades > 12.0 { (decades / 8.0).ceil() as i64 } else { 1 };
    let mut ticks = Vec::new();
    for e in (lo.floor() as i64 - 1)..=(hi.ceil() as i64) {
        if e.rem_euclid(every) != 0 {
            continue;
        }
        for m in multiples {
            let position = e as f64 + m.log10();
            if position >= lo - 1e-9 && position <= hi + 1e-9 {
                ticks.push(Tick {
                    position,
                    label: format_value(m * 10f64.powi(e as i32)),
                    decade: *m == 1.0,
                });
            }
        }
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_a_researcher_writes_them() {
        assert_eq!(format_value(100.0), "100");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(20_000.0), "20000");
        assert_eq!(format_value(1e18), "1e18");
        assert_eq!(format_value(2.5e17), "2.5e17");
        assert_eq!(format_value(5e-5), "5e-5");
        assert_eq!(format_value(9.999e6), "1e7");
        assert_eq!(format_value(-3e9), "-3e9");
    }

    #[test]
    fn a_compute_axis_gets_decades() {
        // 3.7e15 .. 4.9e20 FLOPs: decades 1e16 .. 1e20.
        let t = log_ticks(3.7e15f64.log10(), 4.9e20f64.log10());
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["1e16", "1e17", "1e18", "1e19", "1e20"]);
        assert!(t.iter().all(|t| t.decade));
        assert!((t[2].position - 18.0).abs() < 1e-12);
    }

    #[test]
    fn a_short_range_adds_twos_and_fives() {
        // Perplexity from 12 to 400: 20, 50, 100, 200 (and no 10 or 500: outside).
        let t = log_ticks(12f64.log10(), 400f64.log10());
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["20", "50", "100", "200"]);
        assert_eq!(t.iter().filter(|t| t.decade).count(), 1);
    }

    #[test]
    fn a_range_inside_one_decade_gets_every_digit() {
        // Perplexity from 11 to 48: 20, 30, 40.
        let t = log_ticks(11f64.log10(), 48f64.log10());
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["20", "30", "40"]);
    }

    #[test]
    fn a_very_long_range_thins_its_decades() {
        let t = log_ticks(-10.0, 20.0);
        assert!(t.len() <= 9, "{}", t.len());
        assert!(t.iter().all(|t| t.position.fract() == 0.0 && t.position as i64 % 4 == 0));
    }
}
