//! The DataDecide pipeline on small fixtures in the Hub's real format, checked against values
//! worked out by hand in the comments (not with the pipeline).

use std::path::{Path, PathBuf};

use benchtop::datadecide::catalog;
use benchtop::datadecide::files::write_parquet;
use benchtop::datadecide::pipeline::{Inputs, build};
use benchtop::jobs::Silent;
use polars::prelude::*;

/// An eval-results shard: the real columns, metrics as Python literal strings.
fn eval_shard(dir: &Path, rows: &[(&str, &str, &str, f64, &str, &str)]) -> PathBuf {
    let path = dir.join("train-00000-of-00001.parquet");
    let mut df = df!(
        "params" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        "data" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        "seed" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        "step" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        "tokens" => rows.iter().map(|r| r.3 * 1000.0).collect::<Vec<_>>(),
        "compute" => rows.iter().map(|r| r.3 * 1e9).collect::<Vec<_>>(),
        "chinchilla" => rows.iter().map(|_| "5xC").collect::<Vec<_>>(),
        "task" => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
        "metrics" => rows.iter().map(|r| r.5).collect::<Vec<_>>(),
    )
    .unwrap();
    write_parquet(&path, &mut df, false).unwrap();
    path
}

/// A ppl-results file: only pile has values; the other ten domains are NaN.
fn ppl_file(dir: &Path, rows: &[(&str, &str, &str, f64, f64)]) -> PathBuf {
    let path = dir.join("ppl.parquet");
    let mut columns = vec![
        Column::new("params".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new("data".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        Column::new("seed".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
        Column::new("step".into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
        Column::new("__index_level_0__".into(), (0..rows.len() as i64).collect::<Vec<_>>()),
    ];
    for domain in catalog::PPL_DOMAINS {
        let values: Vec<f64> = rows.iter().map(|r| if domain == "pile" { r.4 } else { f64::NAN }).collect();
        columns.push(Column::new(catalog::ppl_source_column(domain).into(), values));
    }
    let mut df = DataFrame::new(rows.len(), columns).unwrap();
    write_parquet(&path, &mut df, false).unwrap();
    path
}

fn fixture(dir: &Path) -> Inputs {
    let eval = eval_shard(
        dir,
        &[
            /* 0 */
            (
                "10M",
                "C4",
                "default",
                0.0,
                "arc_easy",
                "{'acc_raw': 0.25, 'acc_per_char': 0.3, 'predicted_index_raw': 1, 'logits_per_byte_corr': 2.0}",
            ),
            /* 1 */
            ("10M", "C4", "default", 0.0, "mmlu_anatomy", "{'acc_raw': 0.2, 'bits_per_byte_corr': 1.5}"),
            /* 2 */
            ("10M", "C4", "default", 0.0, "mmlu_astronomy", "{'acc_raw': 0.4, 'bits_per_byte_corr': nan}"),
            /* 3 */
            ("10M", "C4", "small aux 2", 0.0, "arc_easy", "{'acc_raw': 0.35, 'acc_per_char': None}"),
            /* 4 */
            ("10M", "C4", "small aux 2", 0.0, "mmlu_anatomy", "{'acc_raw': 0.3, 'bits_per_byte_corr': 1.1}"),
            /* 5 */ ("10M", "C4", "default", 0.0, "arc_easy", "{'acc_raw': 0.99}"),
            /* 6 */
            ("10M", "C4", "default", 100.0, "arc_easy", "{'acc_raw': 0.5, 'acc_per_char': 0.55}"),
            /* 7 */ ("10M", "C4", "default", 100.0, "arc_easy", "{'acc_raw': 0.5"),
            /* 8 */ ("11M", "C4", "default", 100.0, "arc_easy", "{'acc_raw': 0.5}"),
            /* 9 */ ("1B", "C4", "default", 100.5, "arc_easy", "{'acc_raw': 0.5}"),
            /* 10 */
            (
                "1B",
                "Dolma1.7",
                "default",
                200.0,
                "boolq",
                "{'acc_raw': 0.6, 'primary_metric': 0.6, 'flag': True}",
            ),
        ],
    );
    let ppl = ppl_file(
        dir,
        &[
            ("10M", "C4", "default", 0.0, 30.0),
            ("10M", "C4", "small aux 2", 0.0, 32.0),
            ("10M", "C4", "default", 300.0, 20.0),
            ("10M", "C4", "default", 0.0, 99.0),
        ],
    );
    Inputs { ppl: vec![ppl], eval: vec![eval], macro_avg: vec![] }
}

type LongRow = (String, String, i64, f64, f64, String, f64);

fn long_rows(df: &DataFrame) -> Vec<LongRow> {
    let s = |n: &str| {
        df.column(n).unwrap().str().unwrap().iter().map(|v| v.unwrap().to_owned()).collect::<Vec<_>>()
    };
    let f = |n: &str| df.column(n).unwrap().f64().unwrap().iter().map(|v| v.unwrap()).collect::<Vec<_>>();
    let (params, data, metric) = (s("params"), s("data"), s("metric"));
    let step: Vec<i64> = df.column("step").unwrap().i64().unwrap().iter().map(|v| v.unwrap()).collect();
    let (tokens, compute, value) = (f("tokens"), f("compute"), f("value"));
    (0..df.height())
        .map(|i| {
            (params[i].clone(), data[i].clone(), step[i], tokens[i], compute[i], metric[i].clone(), value[i])
        })
        .collect()
}

#[test]
fn the_fixture_builds_the_long_table_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let built = build(&fixture(dir.path()), &Silent).unwrap();
    assert_eq!(built.long.get_column_names(), catalog::LONG_COLUMNS.to_vec());

    // tokens = step × batch × 2048, compute = 6 × N × tokens (10M: batch 32, N 9,900,432;
    // 1B: batch 704, N 1,176,832,000).
    let t10 = |step: f64| step * 32.0 * 2048.0;
    let c10 = |step: f64| 6.0 * 9_900_432.0 * t10(step);
    let t1b = 200.0 * 704.0 * 2048.0;
    let c1b = 6.0 * 1_176_832_000.0 * t1b;
    let row = |p: &str, d: &str, step: i64, t: f64, c: f64, m: &str, v: f64| -> LongRow {
        (p.into(), d.into(), step, t, c, m.into(), v)
    };
    let expected = vec![
        // pile: seeds 30 and 32 at step 0 (the duplicate 99 is dropped) average to 31; step 300 has
        // perplexity only.
        row("10M", "C4", 0, 0.0, 0.0, "pile-valppl", 31.0),
        row("10M", "C4", 300, t10(300.0), c10(300.0), "pile-valppl", 20.0),
        // arc_easy acc_raw: default 0.25 (the later duplicate 0.99 is ignored), aux 0.35 -> 0.30.
        row("10M", "C4", 0, 0.0, 0.0, "arc_easy_acc_raw", 0.3),
        row("10M", "C4", 100, t10(100.0), c10(100.0), "arc_easy_acc_raw", 0.5),
        row("1B", "Dolma1.7", 200, t1b, c1b, "boolq_acc_raw", 0.6),
        // MMLU acc_raw: default (0.2 + 0.4) / 2 = 0.3, aux 0.3 -> 0.3.
        row("10M", "C4", 0, 0.0, 0.0, "mmlu_average_acc_raw", 0.3),
        // acc_per_char: default 0.3, aux None -> 0.3.
        row("10M", "C4", 0, 0.0, 0.0, "arc_easy_acc_per_char", 0.3),
        row("10M", "C4", 100, t10(100.0), c10(100.0), "arc_easy_acc_per_char", 0.55),
        // MMLU bits per byte: default 1.5 (astronomy's nan skipped), aux 1.1 -> 1.3.
        row("10M", "C4", 0, 0.0, 0.0, "mmlu_average_bits_per_byte_corr", 1.3),
        row("1B", "Dolma1.7", 200, t1b, c1b, "boolq_primary_metric", 0.6),
    ];
    let got = long_rows(&built.long);
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!((&g.0, &g.1, g.2, &g.5), (&e.0, &e.1, e.2, &e.5));
        for (a, b) in [(g.3, e.3), (g.4, e.4), (g.6, e.6)] {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{g:?} vs {e:?}");
        }
    }

    // Four rows were skipped, each with its file, row and reason; the rest were used.
    let report = &built.report;
    assert_eq!((report.eval_rows, report.ppl_rows, report.bad_row_count), (11, 4, 4));
    let reasons: Vec<(usize, &str)> = report.bad_rows.iter().map(|b| (b.row, b.reason.as_str())).collect();
    assert_eq!(
        reasons,
        vec![
            (7, "metrics: at byte 15: expected ',' or '}' in a dict, found end of input"),
            (8, "unknown model size \"11M\" (expected one of 4M … 1B)"),
            (9, "step 100.5 is not a whole number of steps"),
            (3, "duplicate of an earlier (params, data, seed, step); the first is kept"),
        ]
    );
    assert!(report.bad_rows[0].file.ends_with("train-00000-of-00001.parquet"));
    assert!(report.bad_rows[3].file.ends_with("ppl.parquet"));
    assert!(!report.synthetic);

    // The per-seed table keeps seeds apart, sorted by size, recipe, seed, step.
    let per_seed = &built.per_seed;
    let keys: Vec<(String, String, String, i64)> = (0..per_seed.height())
        .map(|i| {
            let s = |n: &str| per_seed.column(n).unwrap().str().unwrap().get(i).unwrap().to_owned();
            (
                s("params"),
                s("data"),
                s("seed"),
                per_seed.column("step").unwrap().i64().unwrap().get(i).unwrap(),
            )
        })
        .collect();
    let k = |p: &str, d: &str, s: &str, st: i64| (p.to_owned(), d.to_owned(), s.to_owned(), st);
    assert_eq!(
        keys,
        vec![
            k("10M", "C4", "default", 0),
            k("10M", "C4", "default", 100),
            k("10M", "C4", "default", 300),
            k("10M", "C4", "small aux 2", 0),
            k("1B", "Dolma1.7", "default", 200),
        ]
    );
    let mmlu = per_seed.column("mmlu_average_acc_raw").unwrap().f64().unwrap();
    assert!((mmlu.get(0).unwrap() - 0.3).abs() < 1e-12);
    assert!((mmlu.get(3).unwrap() - 0.3).abs() < 1e-12);
    assert_eq!(mmlu.get(1), None);
}

#[test]
fn a_shard_without_the_metrics_column_names_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.parquet");
    let mut df = df!("params" => ["10M"], "data" => ["C4"], "seed" => ["default"], "step" => [0.0], "task" => ["boolq"])
        .unwrap();
    write_parquet(&path, &mut df, false).unwrap();
    let err = build(&Inputs { eval: vec![path.clone()], ..Default::default() }, &Silent).err().unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: missing column \"metrics\" (the file has: params, data, seed, step, task)",
            path.display()
        )
    );
}

use crate::common;
use benchtop::hub::{Caches, HubCache};

#[test]
fn fetched_files_match_the_hub_and_build_the_same_table_as_the_originals() {
    use benchtop::datadecide::hub::{HubSource, cached_inputs, fetch, select};
    use benchtop::download::RetryPolicy;
    let dir = tempfile::tempdir().unwrap();
    let (server, generated) = common::local_hub(&dir.path().join("hub"));

    let source = HubSource { base_url: server.base.clone(), revision: None };
    let hub = dir.path().join("hf-hub");
    let cache = Caches { hub: HubCache::at(&hub), benchtop: None };
    let files = select(&["ppl".into(), "eval".into()]).unwrap();
    let fetched = fetch(&source, &files, &cache, &RetryPolicy::default(), false, &Silent).unwrap();
    assert_eq!(fetched.len(), 5);
    for f in &fetched {
        let original = dir.path().join("hub").join(f.file.repo).join(f.file.path);
        assert_eq!(
            std::fs::read(&f.path).unwrap(),
            std::fs::read(&original).unwrap(),
            "{}",
            f.path.display()
        );
        // huggingface_hub's layout: the snapshot of the pinned commit links to the blob named by
        // the file's SHA-256 (an LFS file's ETag), relatively.
        let folder = format!("datasets--{}", f.file.repo.replace('/', "--"));
        let snapshot = hub.join(&folder).join("snapshots").join(f.file.default_revision()).join(f.file.path);
        assert_eq!(f.path, snapshot);
        let sha = benchtop::download::sha256_file(&original).unwrap();
        #[cfg(unix)]
        assert_eq!(std::fs::read_link(&snapshot).unwrap(), Path::new("../../../blobs").join(&sha));
        assert!(hub.join(&folder).join("blobs").join(&sha).is_file());
    }
    // A second fetch finds everything cached: only the listings are asked for again.
    let before = server.requests().len();
    let again = fetch(&source, &files, &cache, &RetryPolicy::default(), false, &Silent).unwrap();
    assert!(again.iter().all(|f| f.already_present));
    assert!(server.requests()[before..].iter().all(|r| r.path.starts_with("/api/")));

    let from_cache = build(&cached_inputs(&source, &cache).unwrap(), &Silent).unwrap();
    let direct = build(
        &Inputs { ppl: vec![generated.ppl.clone()], eval: generated.eval.clone(), macro_avg: vec![] },
        &Silent,
    )
    .unwrap();
    assert!(from_cache.long.equals_missing(&direct.long));
    assert!(from_cache.report.synthetic, "the synthetic marker travels with the files");
    // 25 recipes × 14 sizes × 2 checkpoints, each with 11 perplexities + 10 tasks × 7 metrics.
    assert_eq!(direct.long.height(), 25 * 14 * 2 * (11 + 10 * 7));
}

#[test]
fn a_file_whose_hash_differs_from_the_listing_is_refused() {
    use benchtop::datadecide::hub::{HubSource, fetch, select};
    use benchtop::download::RetryPolicy;
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = common::local_hub(&dir.path().join("hub"));
    // Serve different bytes of the same length under the ppl file's URL.
    let ppl = &catalog::HUB_FILES[0];
    let local = dir.path().join("hub").join(ppl.repo).join(ppl.path);
    let mut body = std::fs::read(&local).unwrap();
    body[100] ^= 0xff;
    server.route(
        &format!("/datasets/{}/resolve/{}/{}", ppl.repo, ppl.default_revision(), ppl.path),
        common::Behaviour::Serve(body),
    );
    let source = HubSource { base_url: server.base.clone(), revision: None };
    let hub = HubCache::at(dir.path().join("hf-hub"));
    let err = fetch(
        &source,
        &select(&["ppl".into()]).unwrap(),
        &Caches { hub: hub.clone(), benchtop: None },
        &RetryPolicy::default(),
        false,
        &Silent,
    )
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.starts_with("fetching data/train-00000-of-00001.parquet from allenai/DataDecide-ppl-results: "),
        "{text}"
    );
    assert!(text.contains("SHA-256 is"), "{text}");
    assert_eq!(source.cached_path(&hub, ppl), None, "no snapshot of a refused file");
}

#[test]
fn a_file_in_benchtops_old_cache_is_moved_into_the_hugging_face_cache_not_downloaded() {
    use benchtop::datadecide::hub::{HubSource, fetch, select};
    use benchtop::download::RetryPolicy;
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = common::local_hub(&dir.path().join("hub"));
    let source = HubSource { base_url: server.base.clone(), revision: None };
    let ppl = &catalog::HUB_FILES[0];
    let original = dir.path().join("hub").join(ppl.repo).join(ppl.path);
    // Where benchtop's cache kept it before: <cache>/datadecide/pinned-<ppl>-<eval>/<repo>/<path>.
    let old_cache = dir.path().join("benchtop-cache");
    let old = old_cache
        .join(format!("datadecide/pinned-{}-{}", &catalog::PPL_REVISION[..8], &catalog::EVAL_REVISION[..8]))
        .join(ppl.repo)
        .join(ppl.path);
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    std::fs::copy(&original, &old).unwrap();
    let caches = Caches { hub: HubCache::at(dir.path().join("hf-hub")), benchtop: Some(old_cache) };
    let fetched =
        fetch(&source, &select(&["ppl".into()]).unwrap(), &caches, &RetryPolicy::default(), false, &Silent)
            .unwrap();
    assert!(fetched[0].already_present);
    assert_eq!(std::fs::read(&fetched[0].path).unwrap(), std::fs::read(&original).unwrap());
    assert!(!old.exists(), "moved, not copied");
    // Only the listing was asked for.
    assert!(server.requests().iter().all(|r| r.path.starts_with("/api/")), "{:?}", server.requests());
}

#[test]
fn a_macro_avg_file_with_json_metrics_adds_its_task() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = fixture(dir.path());
    let path = dir.path().join("macro_avg-00000-of-00001.parquet");
    let mut df = df!(
        "params" => ["10M", "10M", "10M"],
        "data" => ["C4", "C4", "C4"],
        "seed" => ["default", "small aux 2", "default"],
        "step" => [0.0, 0.0, 100.0],
        "task" => ["olmes_10_macro_avg"; 3],
        "metrics" => [r#"{"acc_raw": 0.41, "primary_metric": 0.45}"#, r#"{"acc_raw": 0.43, "primary_metric": null}"#, "{'acc_raw': 0.5}"],
    )
    .unwrap();
    write_parquet(&path, &mut df, false).unwrap();
    inputs.macro_avg.push(path);
    let built = build(&inputs, &Silent).unwrap();
    let rows: Vec<(String, i64, f64)> = long_rows(&built.long)
        .into_iter()
        .filter(|r| r.5.starts_with("olmes_10_macro_avg"))
        .map(|r| (r.5, r.2, r.6))
        .collect();
    // acc_raw at step 0: (0.41 + 0.43) / 2 = 0.42; primary_metric: 0.45 (the null is skipped);
    // the step-100 row is not JSON and is reported, not used.
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!((rows[0].0.as_str(), rows[0].1), ("olmes_10_macro_avg_acc_raw", 0));
    assert!((rows[0].2 - 0.42).abs() < 1e-12);
    assert_eq!((rows[1].0.as_str(), rows[1].1, rows[1].2), ("olmes_10_macro_avg_primary_metric", 0, 0.45));
    let last =
        built.report.bad_rows.iter().find(|b| b.file.ends_with("macro_avg-00000-of-00001.parquet")).unwrap();
    assert_eq!(last.row, 2);
    assert!(last.reason.starts_with("metrics: not a JSON object"), "{}", last.reason);
}
