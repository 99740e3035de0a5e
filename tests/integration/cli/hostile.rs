//! The real binary against hostile input: each test reproduces something that broke benchtop when
//! it was tried as an adversary would (a crash, memory taken by a small file, a silent wrong
//! result, data destroyed), and checks the clear error, the bound, or the kept data instead.
//! Peak memory is the OS's account of the child (wait4's ru_maxrss).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use polars::prelude::*;

use super::benchtop;

const LIMIT_MB: f64 = 1024.0;
const SMALL_FILE: u64 = 10 << 20;

/// Runs a command to its end: exit code (`None`: killed), stdout, stderr, and the peak resident
/// memory in MB that benchtop reports for itself (`BENCHTOP_REPORT_MEMORY`: the kernel's VmHWM of
/// its process after exec; the OS's account of a child through wait4 would also count this big
/// test process, whose memory a spawned child shares until it execs).
fn run_measured(cmd: &mut Command) -> (Option<i32>, String, String, f64) {
    let out = cmd.env("BENCHTOP_REPORT_MEMORY", "1").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let peak = err
        .lines()
        .find_map(|l| l.strip_prefix("benchtop: peak resident memory ")?.strip_suffix(" MB")?.parse().ok())
        .unwrap_or(f64::NAN);
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), err, peak)
}

/// Runs `args` on `input` (a file under 10 MB): it must not panic and must stay under 1 GB.
fn bounded(home: &Path, input: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let size = std::fs::metadata(input).unwrap().len();
    assert!(size < SMALL_FILE, "{} is {size} bytes, not a small file", input.display());
    let (code, out, err, peak) = run_measured(benchtop(home).args(args));
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    assert!(code.is_some(), "{args:?} was killed:\n{err}");
    assert!(peak < LIMIT_MB, "{args:?} on a {size}-byte file took {peak:.0} MB (or said nothing):\n{err}");
    eprintln!("{args:?} on {size} bytes: peak {peak:.0} MB, exit {code:?}");
    (code, out, err)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// One eval-results row: (params, data, seed, step, task, metrics).
type EvalRow = (String, String, String, f64, String, String);

/// An eval-results shard of these rows.
fn eval_shard(path: &Path, rows: impl Iterator<Item = EvalRow>) {
    let rows: Vec<_> = rows.collect();
    let col = |f: fn(&EvalRow) -> &str| rows.iter().map(f).collect::<Vec<&str>>();
    let mut df = df!(
        "params" => col(|r| &r.0),
        "data" => col(|r| &r.1),
        "seed" => col(|r| &r.2),
        "step" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        "task" => col(|r| &r.4),
        "metrics" => col(|r| &r.5),
    )
    .unwrap();
    benchtop::datadecide::files::write_parquet(path, &mut df, false).unwrap();
}

#[test]
fn an_eval_shard_of_forty_thousand_unknown_tasks_builds_in_little_memory() {
    let home = tempfile::tempdir().unwrap();
    let shard = home.path().join("unknown-tasks.parquet");
    let metrics = "{'acc_raw': 0.5, 'acc_per_char': 0.25, 'primary_metric': 0.5}";
    let unknown = (0..40_000).map(|i| {
        ("150M".into(), "C4".into(), "default".into(), 1000.0, format!("task_{i}"), metrics.to_owned())
    });
    let known = ["150M", "1B"].into_iter().map(|p| {
        (p.to_owned(), "C4".into(), "default".into(), 1000.0, "arc_easy".into(), metrics.to_owned())
    });
    eval_shard(&shard, unknown.chain(known));
    let out = home.path().join("long.parquet");
    let (code, stdout, err) =
        bounded(home.path(), &shard, &["datadecide", "build", "--eval", s(&shard), "--out", s(&out)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        stdout.contains("dropped 40000 rows of tasks the long table does not report: task_0, task_1"),
        "{stdout}"
    );
    // Three metrics of arc_easy at two sizes.
    assert!(stdout.starts_with("6 rows of mean_eval_melted"), "{stdout}");
}

#[test]
fn an_eval_shard_of_a_million_distinct_keys_stops_at_the_cell_bound() {
    let home = tempfile::tempdir().unwrap();
    // A task kept as columns, and an MMLU subject (averaged through per-row sums).
    for task in ["arc_easy", "mmlu_anatomy"] {
        let shard = home.path().join(format!("{task}.parquet"));
        let metrics = "{'acc_raw': 0.5, 'acc_per_char': 0.25}";
        let rows = (0..1_000_000).map(|i| {
            ("150M".into(), format!("r{i}"), "default".into(), 1000.0, task.into(), metrics.to_owned())
        });
        eval_shard(&shard, rows);
        let out = home.path().join("long.parquet");
        let (code, _, err) =
            bounded(home.path(), &shard, &["datadecide", "build", "--eval", s(&shard), "--out", s(&out)]);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("cells benchtop builds"), "{err}");
        assert!(!out.exists());
    }
}

/// A long table as CSV with one row per (params, data, metric) label triple.
fn long_csv(path: &Path, rows: impl Iterator<Item = (String, String, String)>) {
    let mut text = String::from("params,data,step,tokens,compute,metric,value\n");
    for (p, d, m) in rows {
        text += &format!("{p},{d},100,1e9,1e18,{m},0.5\n");
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_small_csv_of_thirty_thousand_metric_and_recipe_pairs_opens_in_little_memory() {
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("pairs.csv");
    long_csv(&csv, (0..30_000).map(|i| ("1B".to_owned(), format!("r{i}"), format!("m{i}"))));
    let (code, out, err) = bounded(home.path(), &csv, &["datadecide", "info", s(&csv)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("rows: 30000"), "{out}");
    let png = home.path().join("p.png");
    let args =
        ["plot", "--data", s(&csv), "--metric", "m7", "--recipes", "r7", "--sizes", "1B", "--out", s(&png)];
    let (code, _, err) = bounded(home.path(), &csv, &args);
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = bounded(
        home.path(),
        &csv,
        &["decide", "--data", s(&csv), "--task", "m7", "--target", "1B", "--json"],
    );
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["rows"][0]["ranking"][0][0], "r7");
}

#[test]
fn a_small_csv_of_fifteen_thousand_sizes_and_recipes_decides_in_little_memory() {
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("sizes.csv");
    long_csv(&csv, (0..15_000).flat_map(|i| [(format!("p{i}"), format!("r{i}"), "m".to_owned())]));
    let (code, out, err) =
        bounded(home.path(), &csv, &["decide", "--data", s(&csv), "--task", "m", "--target", "p0", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["rows"].as_array().unwrap().len(), 15_000);
}

#[test]
fn more_labels_than_ids_hold_is_an_error_not_a_wrap() {
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("labels.csv");
    long_csv(&csv, (0..70_000).map(|i| (format!("p{i}"), "C4".to_owned(), "m".to_owned())));
    let (code, _, err) = bounded(home.path(), &csv, &["datadecide", "info", s(&csv)]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("column \"params\" has 70000 distinct values; benchtop reads at most 65534"),
        "{err}"
    );
}

#[test]
fn jsonl_of_millions_of_bad_lines_or_no_newline_stays_small() {
    let home = tempfile::tempdir().unwrap();
    let bad = home.path().join("bad.jsonl");
    std::fs::write(&bad, "x\n".repeat(5_000_000)).unwrap();
    let (code, out, err) = bounded(home.path(), &bad, &["vibes", "summary", s(&bad), "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["bad_lines"], 5_000_000);
    assert_eq!(json["bad"].as_array().unwrap().len(), benchtop::jsonl::KEPT_BAD_LINES);
    assert_eq!(json["bad_lines_not_listed"], 5_000_000 - benchtop::jsonl::KEPT_BAD_LINES);
    // The same file as fine-tuning runs: the skipped rows are kept the same way.
    let (code, out, err) = bounded(home.path(), &bad, &["ft", "info", s(&bad)]);
    assert_eq!(code, Some(1), "{out}{err}");

    let one_line = home.path().join("one-line.jsonl");
    std::fs::write(&one_line, vec![b'{'; 9 << 20]).unwrap();
    let mut cmd = benchtop(home.path());
    cmd.env("BENCHTOP_JSONL_MAX_LINE", "1048576").args(["vibes", "summary", s(&one_line), "--json"]);
    let (code, out, err, peak) = run_measured(&mut cmd);
    assert_eq!(code, Some(0), "{err}");
    assert!(peak < LIMIT_MB);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["bad"][0]["reason"],
        "longer than 1048576 bytes (set BENCHTOP_JSONL_MAX_LINE to read longer lines)"
    );
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

#[test]
fn a_decimal_or_float16_column_is_an_error_naming_it_in_every_reader() {
    let home = tempfile::tempdir().unwrap();
    for (file, column) in [("decimal_column.parquet", "price"), ("float16_column.parquet", "half")] {
        let path = fixture(file);
        let p = s(&path);
        let out = home.path().join("o.parquet");
        let png = home.path().join("o.png");
        for args in [
            vec!["datadecide", "info", p],
            vec!["datadecide", "build", "--eval", p, "--out", s(&out)],
            vec!["plot", "--data", p, "--metric", "arc_easy_acc_raw", "--out", s(&png)],
            vec!["decide", "--data", p, "--task", "arc_easy_acc_raw"],
            vec!["fit", "--data", p, "--backend", "cpu"],
            vec!["ft", "info", p],
        ] {
            let (code, _, err) = bounded(home.path(), &path, &args);
            assert_eq!(code, Some(1), "{args:?}: {err}");
            let expected = format!("{p}: column \"{column}\" holds");
            assert!(err.contains(&expected), "{args:?}: {err}");
        }
    }
}

#[test]
fn numeric_arguments_out_of_range_are_refused_with_the_range() {
    let home = tempfile::tempdir().unwrap();
    let out = s(home.path());
    for (args, says) in [
        (
            vec!["plot", "--synthetic", "--metric", "x", "--width", "100000", "--out", "/tmp/x.png"],
            "100000 is not in 100..=8192",
        ),
        (vec!["vibes", "synth", "-o", "/tmp/x.jsonl", "--vibes", "1000000000000"], "not in 1..=1000000"),
        (vec!["fit", "--synthetic", "--iterations", "0"], "0 is not in 1..=1000000"),
        (vec!["render", "x.json", "-o", "/tmp/x.wav", "--seconds", "1e-9"], "is not in 0.1..=3600"),
        (vec!["train", "--out", out, "--batch-size", "0"], "0 is not in 1..=65536"),
        (vec!["decide", "--synthetic", "--task", "arc_easy", "--last", "0"], "0 is not in 1..=10000"),
    ] {
        let o = benchtop(home.path()).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let o = benchtop(home.path())
        .args(["fit", "--synthetic", "--fit-sizes", "150M,150M,300M,530M", "--iterations", "5"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("size 150M is given twice"), "{err}");
}

#[test]
fn outputs_that_clash_or_are_folders_are_refused_before_any_work() {
    let home = tempfile::tempdir().unwrap();
    let shard = home.path().join("e.parquet");
    let metrics = "{'acc_raw': 0.5}";
    eval_shard(
        &shard,
        std::iter::once((
            "1B".into(),
            "C4".into(),
            "default".into(),
            100.0,
            "arc_easy".into(),
            metrics.into(),
        )),
    );
    let build = |outputs: &[&str]| {
        let (code, out, err, _) = run_measured(
            benchtop(home.path()).args(["datadecide", "build", "--eval", s(&shard)]).args(outputs),
        );
        assert_eq!(code, Some(1), "{outputs:?}: {err}");
        (out, err)
    };
    let same = home.path().join("same.parquet");
    let (_, err) = build(&["--out", s(&same), "--per-seed", s(&same)]);
    assert!(err.contains("--out and --per-seed both name"), "{err}");
    assert!(!same.exists());
    let folder = home.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    let (out, err) = build(&["--out", s(&folder)]);
    assert!(err.contains("is a folder"), "{err}");
    assert!(!out.contains("parsed"), "the build did not start: {out}");
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0, "nothing left in the folder");
    let (_, err) = build(&["--out", s(&shard)]);
    assert!(err.contains("is also an input"), "{err}");
    // A device stays a device.
    let (code, _, err, _) =
        run_measured(benchtop(home.path()).args(["vibes", "synth", "-o", "/dev/null", "--vibes", "3"]));
    assert_eq!(code, Some(0), "{err}");
    use std::os::unix::fs::FileTypeExt as _;
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    // No temporary file is left next to the outputs.
    let left: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn machine_readable_outputs_say_whether_their_data_is_synthetic_by_its_marker() {
    let home = tempfile::tempdir().unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let (code, out, err, _) = run_measured(benchtop(home.path()).args(args));
        assert_eq!(code, Some(0), "{args:?}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    let decided = json(&["decide", "--synthetic", "--task", "arc_easy", "--metric", "acc_raw", "--json"]);
    assert_eq!(decided["synthetic"], true);
    // A CSV is synthetic by its first line, not by its name.
    let named = home.path().join("synthetic-looking.csv");
    long_csv(
        &named,
        [("1B", "C4", "m"), ("150M", "C4", "m")].map(|(a, b, c)| (a.into(), b.into(), c.into())).into_iter(),
    );
    let decided = json(&["decide", "--data", s(&named), "--task", "m", "--json"]);
    assert_eq!(decided["synthetic"], false);
    let marked = home.path().join("real.csv");
    let text = std::fs::read_to_string(&named).unwrap();
    std::fs::write(
        &marked,
        format!("{} data generated by benchtop\n{text}", benchtop::datadecide::files::CSV_SYNTHETIC_PREFIX),
    )
    .unwrap();
    let decided = json(&["decide", "--data", s(&marked), "--task", "m", "--json"]);
    assert_eq!(decided["synthetic"], true);
    // The fit's report and its points.
    let points = home.path().join("points.json");
    let fitted = json(&[
        "fit",
        "--synthetic",
        "--backend",
        "cpu",
        "--iterations",
        "5",
        "--json",
        "--points-out",
        s(&points),
    ]);
    assert_eq!(fitted["synthetic"], true);
    let points: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&points).unwrap()).unwrap();
    assert_eq!(points["synthetic"], true);
}

/// Trains the vibe model on the bundled SYNTHETIC set for `epochs` into `dir`.
fn train(home: &Path, dir: &Path, epochs: &str, resume: bool) -> (Option<i32>, String) {
    let mut cmd = benchtop(home);
    cmd.args(["train", "--out", s(dir), "--epochs", epochs, "--backend", "cpu"]);
    if resume {
        cmd.arg("--resume");
    }
    let (code, out, err, _) = run_measured(&mut cmd);
    assert!(!err.contains("panicked"), "{err}");
    (code, format!("{out}{err}"))
}

#[test]
fn a_checkpoint_that_disagrees_with_its_files_is_refused_and_a_half_save_is_ignored() {
    let home = tempfile::tempdir().unwrap();
    let model = home.path().join("model");
    let (code, text) = train(home.path(), &model, "1", false);
    assert_eq!(code, Some(0), "{text}");
    let json_path = model.join("checkpoint.json");
    let saved = std::fs::read_to_string(&json_path).unwrap();
    let checkpoint: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let model_file = model.join(checkpoint["files"]["model"].as_str().unwrap());
    assert!(model_file.is_file());

    // A batch size of 0 (it divided by zero) is refused with its range.
    let mut zero = checkpoint.clone();
    zero["options"]["batch_size"] = 0.into();
    std::fs::write(&json_path, zero.to_string()).unwrap();
    let (code, text) = train(home.path(), &model, "2", true);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("batch_size 0 is not in 1..=65536"), "{text}");
    std::fs::write(&json_path, &saved).unwrap();

    // A model file that is not the one checkpoint.json names (changed after the save).
    let bytes = std::fs::read(&model_file).unwrap();
    let mut other = bytes.clone();
    let last = other.len() - 1;
    other[last] ^= 1;
    std::fs::write(&model_file, &other).unwrap();
    let (code, text) = train(home.path(), &model, "2", true);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("does not match checkpoint.json"), "{text}");
    let (code, _, err, _) = run_measured(benchtop(home.path()).args([
        "infer",
        "--model",
        s(&model),
        "--vibe",
        "rain on a tin roof",
    ]));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("does not match checkpoint.json"), "{err}");
    std::fs::write(&model_file, &bytes).unwrap();

    // A save killed after its model file but before checkpoint.json: the stray file is ignored,
    // the resume starts from the checkpoint's own files and clears it away.
    let stray = model.join("model-99999999-abc.bpk");
    std::fs::write(&stray, b"half a save").unwrap();
    let (code, text) = train(home.path(), &model, "2", true);
    assert_eq!(code, Some(0), "{text}");
    assert!(!stray.exists());

    // Predictions say the model learnt from synthetic data.
    let payload = home.path().join("payload.json");
    let (code, _, err, _) = run_measured(benchtop(home.path()).args([
        "infer",
        "--model",
        s(&model),
        "--vibe",
        "rain on a tin roof",
        "-o",
        s(&payload),
    ]));
    assert_eq!(code, Some(0), "{err}");
    let payload: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&payload).unwrap()).unwrap();
    assert_eq!(payload["synthetic"], true);
}

#[test]
fn ctrl_c_stops_training_with_its_checkpoint_kept_and_resumable() {
    let home = tempfile::tempdir().unwrap();
    let model = home.path().join("model");
    let mut child = benchtop(home.path())
        .args(["train", "--out", s(&model), "--epochs", "500", "--backend", "cpu"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !model.join("checkpoint.json").exists() {
        assert!(started.elapsed() < std::time::Duration::from_secs(300), "no epoch ended in 5 minutes");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // SAFETY: signals our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted (Ctrl+C): the last checkpoint in"), "{err}");
    let checkpoint: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("checkpoint.json")).unwrap()).unwrap();
    let done = checkpoint["epoch"].as_u64().unwrap();
    assert!(done < 500, "stopped early: {done} epochs");
    let (code, text) = train(home.path(), &model, &(done + 1).to_string(), true);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn ctrl_c_stops_a_fetch_keeping_the_partial_file_which_the_next_fetch_resumes() {
    use super::common::{Behaviour, Server};
    use benchtop::datadecide::catalog::HUB_FILES;
    let home = tempfile::tempdir().unwrap();
    let ppl = &HUB_FILES[0];
    let body = super::common::bytes(400_000, 12);
    let sha = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(&body))
    };
    let server = Server::start();
    let file_url = format!("/datasets/{}/resolve/{}/{}", ppl.repo, ppl.default_revision(), ppl.path);
    let slow =
        Behaviour::Slow { body: body.clone(), chunk: 8_000, pause: std::time::Duration::from_millis(50) };
    server.route(&file_url, slow);
    server.route(
        &format!("/api/datasets/{}/tree/{}/data", ppl.repo, ppl.default_revision()),
        Behaviour::Serve(
            format!(
                r#"[{{"path":"{}","size":{n},"lfs":{{"oid":"{sha}","size":{n}}}}}]"#,
                ppl.path,
                n = body.len()
            )
            .into_bytes(),
        ),
    );
    let cache = home.path().join("cache");
    let fetch = || {
        let mut cmd = benchtop(home.path());
        cmd.args(["datadecide", "fetch", "--only", "ppl", "--base-url", &server.base, "--cache", s(&cache)]);
        cmd
    };
    let mut child = fetch().stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // In the Hugging Face cache: the download goes to the blob, the snapshot links to it.
    let hub = benchtop::hub::HubCache::at(&cache);
    let kind = benchtop::hub::RepoKind::Dataset;
    let dest = hub.snapshot_path(ppl.repo, kind, ppl.default_revision(), ppl.path);
    let part = benchtop::download::part_path(&hub.blob_path(ppl.repo, kind, &sha));
    let started = std::time::Instant::now();
    while std::fs::metadata(&part).map_or(0, |m| m.len()) < 40_000 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the download did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: signals our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{err}");
    assert!(err.contains("interrupted (Ctrl+C): files already downloaded are kept"), "{err}");
    let kept = std::fs::metadata(&part).unwrap().len();
    assert!(kept >= 40_000 && kept < body.len() as u64, "kept {kept}");
    assert!(!dest.exists());
    // The next fetch resumes where it stopped.
    server.route(&file_url, Behaviour::Serve(body.clone()));
    let out = fetch().output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    let resumed = server.requests().iter().any(|r| r.range.as_deref() == Some(&format!("bytes={kept}-")));
    assert!(resumed, "{:?}", server.requests());
}
