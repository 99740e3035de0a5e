//! The scaling-curve queries on real-shaped tables: curves come out in step order per (metric,
//! size, recipe); log axes, smoothing and seed bands are what an independent computation over
//! the same rows gives; decision accuracy matches a brute-force count over planted effects.

use std::path::Path;

use benchtop::analysis::decision::Aggregate;
use benchtop::datadecide::dataset::Dataset;
use benchtop::datadecide::query::{Band, Selection, XAxis, decision, series};
use benchtop::datadecide::table::LongTable;
use polars::prelude::{Column, DataFrame};

/// A long table from rows (params, data, step, metric, value); tokens and compute from the size
/// table as the pipeline makes them.
fn table(rows: &[(&str, &str, f64, &str, f64)]) -> LongTable {
    let size = |p: &str| benchtop::datadecide::catalog::size(p).unwrap();
    let df = DataFrame::new(
        rows.len(),
        vec![
            Column::new("params".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
            Column::new("data".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            Column::new("step".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
            Column::new("tokens".into(), rows.iter().map(|r| size(r.0).tokens(r.2)).collect::<Vec<_>>()),
            Column::new("compute".into(), rows.iter().map(|r| size(r.0).compute(r.2)).collect::<Vec<_>>()),
            Column::new("metric".into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
            Column::new("value".into(), rows.iter().map(|r| r.4).collect::<Vec<_>>()),
        ],
    )
    .unwrap();
    LongTable::from_frame(&df, Path::new("test.parquet")).unwrap().0
}

#[test]
fn curves_come_out_in_step_order_whatever_the_row_order() {
    let t = table(&[
        ("1B", "C4", 300.0, "pile-valppl", 20.0),
        ("60M", "C4", 100.0, "pile-valppl", 40.0),
        ("1B", "C4", 100.0, "pile-valppl", 30.0),
        ("1B", "C4", 200.0, "arc_easy_acc_raw", 0.5),
        ("1B", "C4", 200.0, "pile-valppl", 25.0),
        ("1B", "Dolma1.7", 100.0, "pile-valppl", 31.0),
    ]);
    let m = t.metric_index("pile-valppl").unwrap();
    let curve = t.curve(m, t.param_index("1B").unwrap(), t.recipe_index("C4").unwrap());
    assert_eq!(curve.step, [100.0, 200.0, 300.0]);
    assert_eq!(curve.value, [30.0, 25.0, 20.0]);
    // 1B: batch 704 × 2048 tokens a step; compute 6 N tokens.
    assert_eq!(curve.tokens[0], 100.0 * 704.0 * 2048.0);
    assert_eq!(curve.compute[0], 6.0 * 1_176_832_000.0 * 100.0 * 704.0 * 2048.0);
    assert!(t.curve(m, t.param_index("60M").unwrap(), t.recipe_index("Dolma1.7").unwrap()).is_empty());
}

#[test]
fn log_axes_and_smoothing_transform_the_drawn_points_only() {
    let t = table(&[
        ("150M", "C4", 1000.0, "pile-valppl", 40.0),
        ("150M", "C4", 2000.0, "pile-valppl", 20.0),
        ("150M", "C4", 4000.0, "pile-valppl", 10.0),
    ]);
    let sel = Selection {
        metric: "pile-valppl".into(),
        recipes: vec!["C4".into()],
        params: vec!["150M".into()],
        x: XAxis::Step,
        log_x: true,
        log_y: true,
        smoothing: 0.5,
        band: Band::None,
        max_points: 100,
    };
    let s = series(&t, None, &sel);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].raw, [[1000.0, 40.0], [2000.0, 20.0], [4000.0, 10.0]]);
    // x: log10 of the step; y: log10 of the debiased EMA (w = 0.5) of 40, 20, 10, by hand:
    // 40; (0.5·40 + 20)/1.5 = 26.67; (0.25·40 + 0.5·20 + 10)/1.75 = 17.14.
    let want = [
        [3.0, 40f64.log10()],
        [2000f64.log10(), (80.0f64 / 3.0).log10()],
        [4000f64.log10(), (30.0f64 / 1.75).log10()],
    ];
    for (got, want) in s[0].points.iter().zip(want) {
        assert!((got[0] - want[0]).abs() < 1e-12 && (got[1] - want[1]).abs() < 1e-12, "{got:?} vs {want:?}");
    }
}

#[test]
fn seed_bands_hold_the_per_seed_extremes() {
    let demo = Dataset::demo().unwrap();
    let bands = demo.per_seed.as_ref().unwrap().bands("arc_easy_acc_raw").unwrap().unwrap();
    // The same numbers, straight from the per-seed parquet with polars.
    let df = polars::prelude::ParquetReader::new(
        std::fs::File::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/datadecide-synthetic-demo-per_seed.parquet"
        ))
        .unwrap(),
    )
    .finish()
    .unwrap();
    use polars::prelude::SerReader;
    let params = df.column("params").unwrap().str().unwrap();
    let data = df.column("data").unwrap().str().unwrap();
    let step = df.column("step").unwrap().cast(&polars::prelude::DataType::Float64).unwrap();
    let step = step.f64().unwrap();
    let value = df.column("arc_easy_acc_raw").unwrap().f64().unwrap();
    let band = bands.band("150M", "DCLM-Baseline");
    assert!(!band.is_empty());
    for stat in band {
        let seeds: Vec<f64> = (0..df.height())
            .filter(|&i| {
                params.get(i) == Some("150M")
                    && data.get(i) == Some("DCLM-Baseline")
                    && step.get(i) == Some(stat.step)
            })
            .filter_map(|i| value.get(i))
            .collect();
        assert_eq!(stat.seeds as usize, seeds.len());
        let min = seeds.iter().copied().fold(f64::INFINITY, f64::min);
        let max = seeds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = seeds.iter().sum::<f64>() / seeds.len() as f64;
        assert_eq!((stat.min, stat.max), (min, max));
        assert!((stat.mean - mean).abs() < 1e-12);
    }
    // And the drawn band of the selection is those bounds on the chosen axes.
    let sel = Selection {
        metric: "arc_easy_acc_raw".into(),
        recipes: vec!["DCLM-Baseline".into()],
        params: vec!["150M".into()],
        x: XAxis::Step,
        log_x: false,
        log_y: false,
        band: Band::MinMax,
        ..Selection::default()
    };
    let s = series(&demo.table, Some(&bands), &sel);
    assert_eq!(s[0].band.len(), band.len());
    assert_eq!(s[0].band[2], [band[2].step, band[2].min, band[2].max]);
}

#[test]
fn decision_accuracy_counts_the_pairs_each_size_orders_as_1b_does() {
    // Ten recipes with planted effects; at 1B the score is the effect; at 150M the effect plus a
    // fixed perturbation that flips some close pairs; at 60M the reverse of the effects.
    let effects: Vec<f64> = (0..10).map(|i| 0.40 + 0.01 * i as f64).collect();
    let bump = [0.0, 0.015, -0.012, 0.0, 0.02, -0.02, 0.0, 0.013, 0.0, -0.004];
    let recipes: Vec<&str> = benchtop::datadecide::catalog::recipes().take(10).collect();
    let mut rows = Vec::new();
    for (r, recipe) in recipes.iter().enumerate() {
        for step in [100.0, 200.0] {
            rows.push(("1B", *recipe, step, "arc_easy_acc_raw", effects[r]));
            rows.push(("150M", *recipe, step, "arc_easy_acc_raw", effects[r] + bump[r]));
            rows.push(("60M", *recipe, step, "arc_easy_acc_raw", 1.0 - effects[r]));
        }
    }
    let t = table(&rows);
    let d = decision(&t, "arc_easy_acc_raw", "1B", Aggregate::Final).unwrap();
    // Brute force over the planted numbers.
    let mut agree = 0.0;
    for i in 0..10 {
        for j in i + 1..10 {
            let (si, sj) = (effects[i] + bump[i], effects[j] + bump[j]);
            let big = effects[i] - effects[j];
            agree += if si == sj {
                0.5
            } else if (si - sj) * big > 0.0 {
                1.0
            } else {
                0.0
            };
        }
    }
    let row = |p: &str| d.rows.iter().find(|r| r.params == p).unwrap();
    assert_eq!(row("150M").pairs, 45);
    assert!((row("150M").accuracy.unwrap() - agree / 45.0).abs() < 1e-12, "{:?}", row("150M"));
    assert!(agree < 45.0 && agree > 30.0);
    assert_eq!(row("60M").accuracy, Some(0.0));
    assert_eq!(row("1B").accuracy, Some(1.0));
    // Rankings best first: at 1B the largest effect leads.
    assert_eq!(row("1B").ranking[0].0, recipes[9]);
    assert!(!d.lower_is_better);
}
