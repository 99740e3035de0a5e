//! The real `benchtop` binary: `doctor` on a machine without GPU, sound card or display; the
//! clear error without a display; and the window under Xvfb, its panels switched by keyboard.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;
mod hostile;

const BIN: &str = env!("CARGO_BIN_EXE_benchtop");

/// A command for the binary with a private home, so no user state leaks in or out.
fn benchtop(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("HOME", home)
        .env("XDG_RUNTIME_DIR", home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("BENCHTOP_CACHE_DIR")
        .env_remove("BENCHTOP_CONFIG_DIR")
        .env_remove("HF_HOME")
        .env_remove("HF_HUB_CACHE")
        .env_remove("HUGGINGFACE_HUB_CACHE");
    cmd
}

#[test]
fn help_lists_the_subcommands() {
    let home = tempfile::tempdir().unwrap();
    let out = benchtop(home.path()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for sub in ["gui", "doctor"] {
        assert!(text.lines().any(|l| l.trim_start().starts_with(sub)), "{sub} missing from:\n{text}");
    }
}

#[test]
fn doctor_exits_zero_and_reports_every_section_with_reasons() {
    let home = tempfile::tempdir().unwrap();
    let out = benchtop(home.path())
        .arg("doctor")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "doctor failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    for section in ["versions", "compute (burn)", "audio (cpal)", "display", "folders"] {
        assert!(text.lines().any(|l| l == section), "section {section} missing:\n{text}");
    }
    // Either an adapter or the reason there is none; either a device or the reason.
    assert!(text.contains("burn will use: "), "{text}");
    assert!(text.contains("default output: ") || text.contains("no audio output: "), "{text}");
    assert!(text.contains("neither DISPLAY nor WAYLAND_DISPLAY is set"), "{text}");
    // The folders follow the (private) home.
    let home_text = home.path().to_string_lossy();
    assert!(text.contains(&format!("cache: {home_text}/.cache/benchtop")), "{text}");
    assert!(text.contains(&format!("config: {home_text}/.config/benchtop")), "{text}");
    assert!(text.contains(&format!("hugging face cache: {home_text}/.cache/huggingface/hub\n")), "{text}");
}

#[test]
fn without_a_display_the_window_fails_with_a_clear_error_not_a_panic() {
    let home = tempfile::tempdir().unwrap();
    let out = benchtop(home.path()).env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("benchtop: cannot open the benchtop window: neither DISPLAY nor WAYLAND_DISPLAY is set"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// Kills the child when the test ends, however it ends.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn require(tool: &str) {
    let found = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().unwrap();
    assert!(found.status.success(), "{tool} is needed for this test: run scripts/setup-debian test");
}

/// Waits until `ready`; on timeout fails with `context()` (what the app logged, whether it exited).
fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool, context: impl Fn() -> String) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}\n{}", context());
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool").args(args).env("DISPLAY", display).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The panel the app last reported opening.
fn last_panel(log: &str) -> Option<String> {
    log.lines().filter_map(|l| l.split("opened panel ").nth(1)).next_back().map(|p| p.trim().to_owned())
}

#[test]
fn under_xvfb_the_window_opens_and_its_five_panels_switch() {
    require("Xvfb");
    require("xdotool");
    let home = tempfile::tempdir().unwrap();
    // Xvfb picks a free display and writes its number to stdout once it accepts connections:
    // no race with a socket that exists before the server listens, no clash with another run.
    let mut xvfb = Reaper(
        Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut number = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(xvfb.0.stdout.take().unwrap()), &mut number)
        .unwrap();
    let number: u32 =
        number.trim().parse().unwrap_or_else(|_| panic!("Xvfb gave no display number: {number:?}"));
    let display = format!(":{number}");

    let log_path = home.path().join("benchtop.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let app = std::cell::RefCell::new(Reaper(
        benchtop(home.path())
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .env("BENCHTOP_LOG", "benchtop=debug")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    ));
    let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let context = || {
        let exited = match app.borrow_mut().0.try_wait() {
            Ok(Some(status)) => format!("benchtop exited: {status}"),
            Ok(None) => "benchtop is still running".to_owned(),
            Err(err) => format!("benchtop's state is unknown: {err}"),
        };
        let windows = xdotool(&display, &["search", "--name", "."]);
        let names: Vec<String> = windows.lines().map(|w| xdotool(&display, &["getwindowname", w])).collect();
        format!("{exited}\nwindows: {names:?}\nits log:\n{}", read_log())
    };
    let mut window = String::new();
    wait_for(
        "the benchtop window",
        Duration::from_secs(120),
        || {
            window = xdotool(&display, &["search", "--name", "^benchtop$"])
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            !window.is_empty()
        },
        context,
    );
    wait_for(
        "the first frame",
        Duration::from_secs(120),
        || read_log().contains("opened panel Scaling curves"),
        context,
    );

    for (key, label) in
        [("2", "FT vs PT"), ("3", "Vibes"), ("4", "Audition"), ("5", "Jobs"), ("1", "Scaling curves")]
    {
        // Without a window manager a fresh window may miss the first events: press again if so.
        let mut pressed_at = Instant::now() - Duration::from_secs(10);
        wait_for(
            &format!("panel {label}"),
            Duration::from_secs(30),
            || {
                if pressed_at.elapsed() > Duration::from_secs(3) {
                    xdotool(&display, &["windowfocus", "--sync", &window]);
                    xdotool(&display, &["key", "--window", &window, &format!("ctrl+{key}")]);
                    pressed_at = Instant::now();
                }
                last_panel(&read_log()).as_deref() == Some(label)
            },
            context,
        );
    }
    let log = read_log();
    assert!(!log.contains("panicked"), "{log}");
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{cmd:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn datadecide_fetch_build_and_info_against_a_local_hub() {
    let home = tempfile::tempdir().unwrap();
    let (server, _) = common::local_hub(&home.path().join("hub"));
    let cache = home.path().join("cache");
    let cache_arg = cache.to_str().unwrap();

    let fetched = run_ok(benchtop(home.path()).args([
        "datadecide",
        "fetch",
        "--base-url",
        &server.base,
        "--cache",
        cache_arg,
        "--only",
        "ppl",
        "--only",
        "eval",
    ]));
    assert_eq!(fetched.lines().filter(|l| l.starts_with("downloaded: ")).count(), 5, "{fetched}");

    let out = home.path().join("long.parquet");
    let per_seed = home.path().join("per_seed.parquet");
    let built = run_ok(benchtop(home.path()).args([
        "datadecide",
        "build",
        "--cache",
        cache_arg,
        "--out",
        out.to_str().unwrap(),
        "--per-seed",
        per_seed.to_str().unwrap(),
    ]));
    // 25 recipes × 14 sizes × 2 checkpoints × (11 perplexities + 10 tasks × 7 metrics).
    assert!(
        built.starts_with(&format!("{} rows of mean_eval_melted written to", 25 * 14 * 2 * 81)),
        "{built}"
    );
    assert!(built.contains("(SYNTHETIC data)"), "{built}");

    let info = run_ok(benchtop(home.path()).args(["datadecide", "info", out.to_str().unwrap()]));
    assert!(info.contains("kind: long table (mean_eval_melted), SYNTHETIC data"), "{info}");
    assert!(info.contains("params (14): 4M, 6M"), "{info}");
    assert!(info.contains("recipes (25): "), "{info}");
    let info = run_ok(benchtop(home.path()).args(["datadecide", "info", per_seed.to_str().unwrap()]));
    assert!(info.contains(&format!("rows: {}", 25 * 14 * 3 * 2)), "{info}");
}

#[test]
fn datadecide_fetch_without_a_server_fails_clearly() {
    let home = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = benchtop(home.path())
        .args([
            "datadecide",
            "fetch",
            "--only",
            "ppl",
            "--attempts",
            "1",
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
        ])
        .args(["--cache", home.path().join("c").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("benchtop: fetching data/train-00000-of-00001.parquet from allenai/DataDecide-ppl-results: cannot reach"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn datadecide_build_names_the_file_and_column_that_are_wrong() {
    let home = tempfile::tempdir().unwrap();
    let bad = home.path().join("bad.csv.parquet");
    std::fs::write(&bad, b"not parquet at all").unwrap();
    let out = benchtop(home.path())
        .args([
            "datadecide",
            "build",
            "--eval",
            bad.to_str().unwrap(),
            "--out",
            home.path().join("o.parquet").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}: not a readable parquet file", bad.display())), "{err}");
}

#[test]
fn render_writes_a_wav_of_exactly_the_asked_length_from_a_payload_or_a_bare_config() {
    let home = tempfile::tempdir().unwrap();
    let payload = home.path().join("candidate.json");
    std::fs::write(
        &payload,
        r#"{"thinking": "slow and dark", "title": "Harbour at Night",
            "config": {"tempo": "slow", "mode": "dorian", "bass": "walking", "density": 4},
            "palettes": []}"#,
    )
    .unwrap();
    let wav = home.path().join("out.wav");
    let spectrogram = home.path().join("out.png");
    let stdout = run_ok(benchtop(home.path()).args([
        "render",
        payload.to_str().unwrap(),
        "-o",
        wav.to_str().unwrap(),
        "--seconds",
        "2.5",
        "--seed",
        "3",
        "--spectrogram",
        spectrogram.to_str().unwrap(),
    ]));
    assert!(stdout.contains("88.0 BPM"), "{stdout}");
    let reader = hound::WavReader::open(&wav).unwrap();
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (1, 44_100, 16));
    assert_eq!(reader.len(), 110_250);
    let peak = reader.into_samples::<i16>().map(|s| s.unwrap().unsigned_abs()).max().unwrap();
    // Peak-normalized to 0.85 of full scale.
    assert_eq!(peak, (0.85f32 * 32767.0).round() as u16);
    assert!(std::fs::metadata(&spectrogram).unwrap().len() > 1000);

    // A bare config, as 32-bit float.
    let bare = home.path().join("bare.json");
    std::fs::write(&bare, r#"{"tempo": "fast", "texture": "stars"}"#).unwrap();
    let float = home.path().join("float.wav");
    run_ok(benchtop(home.path()).args([
        "render",
        bare.to_str().unwrap(),
        "-o",
        float.to_str().unwrap(),
        "--seconds",
        "1",
        "--float",
    ]));
    let spec = hound::WavReader::open(&float).unwrap().spec();
    assert_eq!((spec.bits_per_sample, spec.sample_format), (32, hound::SampleFormat::Float));
}

#[test]
fn render_refuses_invalid_fields_by_name_and_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("bad.json");
    std::fs::write(&config, r#"{"config": {"tempo": "warp", "density": 9, "bass": "walking"}}"#).unwrap();
    let wav = home.path().join("out.wav");
    let out = benchtop(home.path())
        .args(["render", config.to_str().unwrap(), "-o", wav.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid config: tempo: \"warp\" is not one of"), "{err}");
    assert!(err.contains("density: 9 is not one of 2, 3, 4, 5, 6"), "{err}");
    assert!(!wav.exists());
    std::fs::write(&config, "{\"tempo\": ").unwrap();
    let out =
        benchtop(home.path()).args(["render", config.to_str().unwrap(), "-o", "x.wav"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}: not JSON: EOF while parsing", config.display())), "{err}");
}

#[test]
fn plot_writes_png_svg_and_csv_figures_of_the_chosen_curves() {
    let home = tempfile::tempdir().unwrap();
    let png = home.path().join("fig.png");
    let out = run_ok(benchtop(home.path()).args([
        "plot",
        "--synthetic",
        "--metric",
        "pile-valppl",
        "--x",
        "compute",
        "--log-x",
        "--log-y",
        "--width",
        "1200",
        "--height",
        "800",
        "--out",
        png.to_str().unwrap(),
    ]));
    assert!(out.contains("16 curves of pile-valppl"), "{out}");
    assert!(out.contains("SYNTHETIC"), "{out}");
    let image = image::open(&png).unwrap();
    assert_eq!((image.width(), image.height()), (1200, 800));

    let svg = home.path().join("fig.svg");
    run_ok(benchtop(home.path()).args([
        "plot",
        "--synthetic",
        "--metric",
        "arc_easy_acc_raw",
        "--recipes",
        "C4,Falcon",
        "--sizes",
        "1B",
        "--out",
        svg.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg") && text.contains("arc_easy_acc_raw") && text.contains("SYNTHETIC"),
        "{}",
        &text[..200]
    );

    // The CSV holds the table's own numbers: compare with the demo parquet read directly.
    let csv = home.path().join("fig.csv");
    run_ok(benchtop(home.path()).args([
        "plot",
        "--synthetic",
        "--metric",
        "hellaswag_acc_raw",
        "--recipes",
        "DCLM-Baseline",
        "--sizes",
        "150M",
        "--x",
        "step",
        "--out",
        csv.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("# SYNTHETIC"));
    assert_eq!(lines.next().unwrap(), "recipe,params,step,hellaswag_acc_raw");
    let rows: Vec<(f64, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!((f[0], f[1]), ("DCLM-Baseline", "150M"));
            (f[2].parse().unwrap(), f[3].parse().unwrap())
        })
        .collect();
    use polars::prelude::SerReader;
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/datadecide-synthetic-demo-mean_eval_melted.parquet"
    ))
    .unwrap();
    let df = polars::prelude::ParquetReader::new(file).finish().unwrap();
    let (params, data, metric) = (
        df.column("params").unwrap().str().unwrap(),
        df.column("data").unwrap().str().unwrap(),
        df.column("metric").unwrap().str().unwrap(),
    );
    let (step, value) = (
        df.column("step").unwrap().cast(&polars::prelude::DataType::Float64).unwrap(),
        df.column("value").unwrap().f64().unwrap().clone(),
    );
    let step = step.f64().unwrap();
    let mut want: Vec<(f64, f64)> = (0..df.height())
        .filter(|&i| {
            params.get(i) == Some("150M")
                && data.get(i) == Some("DCLM-Baseline")
                && metric.get(i) == Some("hellaswag_acc_raw")
        })
        .map(|i| (step.get(i).unwrap(), value.get(i).unwrap()))
        .collect();
    want.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(rows, want);

    // A metric the table lacks is named.
    let out = benchtop(home.path())
        .args(["plot", "--synthetic", "--metric", "nope", "--out", "x.png"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the table has no metric \"nope\""));
}

#[test]
fn decide_prints_the_decision_accuracy_table_and_json() {
    let home = tempfile::tempdir().unwrap();
    let out = run_ok(benchtop(home.path()).args([
        "decide",
        "--synthetic",
        "--task",
        "arc_easy",
        "--metric",
        "acc_raw",
    ]));
    assert!(
        out.contains("decision accuracy of arc_easy_acc_raw against 1B (final checkpoint) -- SYNTHETIC data"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.trim_start().starts_with("1B") && l.contains("100.0%") && l.contains("300")),
        "{out}"
    );
    let json = run_ok(benchtop(home.path()).args([
        "decide",
        "--synthetic",
        "--task",
        "arc_easy_acc_raw",
        "--last",
        "2",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["aggregate"], "mean of the last 2 checkpoints");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 14);
    assert_eq!(rows[13]["params"], "1B");
    assert_eq!(rows[13]["accuracy"], 1.0);
    assert_eq!(rows[13]["ranking"].as_array().unwrap().len(), 25);
}
