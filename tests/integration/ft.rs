//! The FT-vs-PT tables: runs and histories from JSONL, CSV and parquet, bad rows reported with
//! their line, missing columns and pickles refused with what to do, ft_/pt_ pairs matched.

use benchtop::ft::{Histories, Runs, column_group, sample};

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn jsonl_runs_load_their_good_lines_and_name_the_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "runs.jsonl",
        concat!(
            r#"{"run_id": "a", "ckpt_params": "150M", "ckpt_data": "C4", "ckpt_steps": 1000, "lr": 2e-5, "seed": 1, "ft_tok": 1e8, "ft_arc_easy": 0.61, "pt_arc_easy": 0.55, "note": "first"}"#,
            "\n\n",
            "{\"run_id\": \"b\", \"ckpt_params\": \"1B\"\n",
            r#"{"run_id": "c", "ckpt_params": "1B", "ckpt_data": "C4", "ckpt_steps": "x", "lr": 2e-5, "seed": 1, "ft_tok": 1e8}"#,
            "\n",
            r#"{"run_id": "d", "ckpt_params": "1B", "ckpt_data": "DCLM-Baseline", "ckpt_steps": 2000, "lr": 5e-5, "seed": 2, "ft_tok": 2e8, "ft_arc_easy": 0.7, "pt_arc_easy": null, "ft_only": 0.3}"#,
            "\n[1, 2]\n",
        ),
    );
    let runs = Runs::open(&path).unwrap();
    assert_eq!(runs.runs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(), ["a", "d"]);
    let skipped: Vec<usize> = runs.skipped.iter().map(|s| s.0).collect();
    assert_eq!(skipped, [3, 4, 6]);
    assert!(runs.skipped.kept[0].1.starts_with("not JSON"), "{:?}", runs.skipped);
    assert_eq!(runs.skipped.kept[1].1, "ckpt_steps is not a number");
    assert_eq!(runs.skipped.kept[2].1, "a list instead of an object");
    // Only arc_easy has both sides; d's pt value is missing, so only a pairs.
    assert_eq!(runs.matched_metrics(), ["arc_easy"]);
    assert_eq!(runs.runs[0].pair("arc_easy"), Some((0.61, 0.55)));
    assert_eq!(runs.runs[1].pair("arc_easy"), None);
    assert_eq!(runs.runs[0].texts["note"], "first");
    assert!(!runs.synthetic);
}

#[test]
fn csv_runs_and_histories_read_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let runs = write(
        dir.path(),
        "runs.csv",
        "run_id,ckpt_params,ckpt_data,ckpt_steps,lr,seed,ft_tok,comparison_metric,ft_piqa,pt_piqa\n\
         r1,60M,Dolma1.7,500,2e-5,1,1e8,piqa,0.6,0.58\n\
         r2,60M,Dolma1.7,,2e-5,1,1e8,piqa,0.62,0.58\n",
    );
    let runs = Runs::open(&runs).unwrap();
    assert_eq!(runs.runs.len(), 1);
    assert_eq!(runs.skipped.kept, [(2, "ckpt_steps is not a number".to_owned())]);
    assert_eq!(runs.runs[0].pair("piqa"), Some((0.6, 0.58)));
    assert_eq!(column_group("comparison_metric"), "comparison");
    assert_eq!(column_group("ft_tok"), "fine-tuning");
    assert_eq!(column_group("ft_piqa"), "FT metrics");
    assert_eq!(column_group("ckpt_steps"), "checkpoint");

    let history = write(
        dir.path(),
        "history.csv",
        "run_id,step,train_loss,learning_rate,total_tokens\nr1,20,2.0,1e-5,100\nr1,10,2.5,5e-6,50\nr2,10,x,1e-5,50\n",
    );
    let h = Histories::open(&history).unwrap();
    let r1 = &h.runs["r1"];
    assert_eq!(r1.iter().map(|p| p.step).collect::<Vec<_>>(), [10.0, 20.0]);
    assert_eq!(r1[0].train_loss, 2.5);
    assert_eq!(h.skipped.total, 1);
}

#[test]
fn wrong_tables_and_pickles_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = write(dir.path(), "wrong.csv", "run_id,step,train_loss\nr1,1,2.0\n");
    let err = Runs::open(&wrong).unwrap_err().to_string();
    assert!(err.contains("not a fine-tuning runs table: missing column(s) ckpt_params, ckpt_data, ckpt_steps, lr, seed, ft_tok"), "{err}");
    let err =
        Runs::open(std::path::Path::new("/x/combined_plotting_data_matched.pkl")).unwrap_err().to_string();
    assert!(
        err.contains("a pandas pickle can only be read by Python")
            && err.contains("to_parquet('runs.parquet')"),
        "{err}"
    );
    let bad = write(dir.path(), "runs.parquet", "not parquet");
    let err = format!("{:#}", Runs::open(&bad).unwrap_err());
    assert!(err.contains("runs.parquet"), "{err}");
}

#[test]
fn the_bundled_sample_is_synthetic_and_complete() {
    let (runs, histories) = sample().unwrap();
    // The shipped file itself says so in its parquet metadata (not only the name).
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(benchtop::ft::SAMPLE_RUNS_FILE);
    assert!(benchtop::datadecide::files::is_synthetic_parquet(&shipped).unwrap());
    assert!(runs.synthetic);
    assert_eq!(runs.runs.len(), 128);
    assert_eq!(runs.matched_metrics().len(), 5);
    // Every run has a history, and fine-tuning helped on average (the sample's model).
    assert!(runs.runs.iter().all(|r| histories.runs.contains_key(&r.run_id)));
    let gains: Vec<f64> =
        runs.runs.iter().filter_map(|r| r.pair("arc_easy_primary_metric")).map(|(f, p)| f - p).collect();
    assert!(gains.iter().sum::<f64>() / gains.len() as f64 > 0.01);
}
