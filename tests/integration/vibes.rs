//! LatentScore pipeline rows: which lines of a file with planted bad lines load and which are
//! reported (file, line, reason); a folder of split files; a 50 MB file; and `benchtop vibes
//! summary` against counts this test makes itself from its fixture.

use benchtop::jobs::Silent;
use benchtop::vibes::VibeSet;
use serde_json::json;

/// A 02c row: split, level, scope, three candidates with flags and CLAP scores, a best index.
fn row(i: usize) -> serde_json::Value {
    let splits = ["SFT-Train", "SFT-Val", "GRPO", "TEST"];
    let levels = ["xl", "lg", "m", "sm", "xs"];
    json!({
        "dataset": "gutenberg", "id_in_dataset": i, "split": splits[i % 4], "vibe_index": i,
        "vibe_scope": if i.is_multiple_of(3) { "character" } else { "scene" },
        "character_name": if i.is_multiple_of(3) { json!("Ahab") } else { json!(null) },
        "vibe_level": levels[i % 5], "vibe_original": format!("a grey harbour at dawn, number {i}"),
        "vibe_noisy": format!("a grey harbuor at dawn, number {i}"), "tags_original": ["grey", "calm"],
        "tags_noisy": ["gray", "calm"], "config_model": "m",
        "config_candidates": [{"title": "A"}, null, {"title": "C"}],
        "validation_scores": {"format_valid": [1, 0, 1], "schema_valid": [u8::from(!i.is_multiple_of(2)), 0, 1], "palette_valid": [1, 0, 1]},
        "best_index": if i.is_multiple_of(2) || i % 4 == 1 { 2 } else { 0 },
        "candidate_scores": {"clap": [0.1, null, 0.2 + i as f64 * 0.001]},
        "new_field_from_the_future": i,
    })
}

fn fixture(dir: &std::path::Path) -> (std::path::PathBuf, Vec<usize>) {
    let mut lines: Vec<String> = (0..20).map(|i| row(i).to_string()).collect();
    // Planted: truncated JSON, a wrong type, no vibe at all, a non-object, empty lines.
    lines.insert(3, row(100).to_string()[..80].to_owned());
    let mut wrong = row(101);
    wrong["best_index"] = json!("two");
    lines.insert(7, wrong.to_string());
    lines.insert(9, json!({"dataset": "x", "split": "TEST"}).to_string());
    lines.insert(12, "[1, 2, 3]".to_owned());
    lines.insert(14, String::new());
    lines.insert(15, "   ".to_owned());
    let path = dir.join("scored.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    // 1-based lines of the four bad ones.
    (path, vec![4, 8, 10, 13])
}

#[test]
fn good_lines_load_and_bad_lines_are_named_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bad_lines) = fixture(dir.path());
    let set = VibeSet::open(&path, &Silent).unwrap();
    assert_eq!(set.rows.len(), 20);
    let reported: Vec<usize> = set.bad.iter().map(|b| b.line).collect();
    assert_eq!(reported, bad_lines);
    assert!(set.bad[0].reason.starts_with("not JSON"), "{}", set.bad[0]);
    assert_eq!(set.bad[1].reason, "best_index is \"two\", not a candidate index");
    assert_eq!(set.bad[2].reason, "no vibe_original or vibe_noisy");
    assert_eq!(set.bad[3].reason, "a list instead of an object");
    assert!(set.bad[0].to_string().starts_with(&format!("{} line 4: ", path.display())));
    // Every good row kept its fields, unknown ones too, and its line.
    let r = &set.rows[5];
    assert_eq!(r.id_in_dataset.as_deref(), Some("5"));
    assert_eq!(r.tags_noisy, ["gray", "calm"]);
    assert_eq!(r.extras["new_field_from_the_future"].value(), json!(5));
    assert_eq!(r.candidates.len(), 3);
    assert!(r.candidates[1].is_null());
}

#[test]
fn a_folder_of_split_files_reads_as_one_set_and_scores_are_accepted_under_either_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut with_scores = row(1);
    let flags = with_scores.as_object_mut().unwrap().remove("validation_scores").unwrap();
    with_scores["scores"] = flags;
    std::fs::write(dir.path().join("SFT-Train.jsonl"), row(0).to_string() + "\n").unwrap();
    std::fs::write(dir.path().join("TEST.jsonl"), with_scores.to_string() + "\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a split").unwrap();
    let set = VibeSet::open(dir.path(), &Silent).unwrap();
    assert_eq!(set.files.len(), 2);
    assert_eq!(set.rows.len(), 2);
    assert_eq!(set.rows[1].schema_valid, [Some(true), Some(false), Some(true)]);
    assert_eq!(set.rows[1].file, 1);
}

#[test]
fn a_50_mb_file_loads_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 50 << 20 {
        let mut r = row(n);
        r["thinking_pad"] = json!("x".repeat(1500));
        text += &r.to_string();
        text.push('\n');
        n += 1;
    }
    std::fs::write(&path, &text).unwrap();
    let set = VibeSet::open(&path, &Silent).unwrap();
    assert_eq!(set.rows.len(), n);
    assert!(set.bad.is_empty());
}

#[test]
fn the_summary_counts_what_the_fixture_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = fixture(dir.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_benchtop"))
        .args(["vibes", "summary", path.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Counted here from the same definitions the fixture used.
    let good: Vec<usize> = (0..20).collect();
    let per = |f: &dyn Fn(usize) -> bool| good.iter().filter(|i| f(**i)).count();
    assert_eq!(s["rows"], 20);
    assert_eq!(s["bad_lines"], 4);
    assert_eq!(s["candidates"], 60);
    assert_eq!(s["by_split"]["SFT-Train"], per(&|i| i % 4 == 0));
    assert_eq!(s["by_split"]["TEST"], per(&|i| i % 4 == 3));
    assert_eq!(s["by_level"]["xs"], per(&|i| i % 5 == 4));
    assert_eq!(s["by_scope"]["character"], per(&|i| i % 3 == 0));
    // format: 2 of 3 valid per row; schema: 1 + (i % 2) of 3.
    assert_eq!(s["validity"]["format_valid"], json!([40, 60]));
    assert_eq!(s["validity"]["schema_valid"], json!([20 + per(&|i| i % 2 == 1), 60]));
    // Best score: candidate 2's score where 02c picked 2, candidate 0's (0.1) elsewhere.
    let best_two = |i: usize| i.is_multiple_of(2) || i % 4 == 1;
    let mean =
        good.iter().map(|&i| if best_two(i) { 0.2 + i as f64 * 0.001 } else { 0.1 }).sum::<f64>() / 20.0;
    assert!((s["mean_best_score"].as_f64().unwrap() - mean).abs() < 1e-12);
    // 02b's choice is the first fully valid candidate: 0 when schema_valid[0] (odd rows), else 2.
    // 02c picked 2 for rows 1, 5, 9... (odd, but 02b had picked 0): those changed.
    assert_eq!(s["best_changed"], per(&|i| i % 4 == 1));
    assert_eq!(s["best_kept"], 20 - per(&|i| i % 4 == 1));
    assert_eq!(s["bad"][1]["line"], 8);
}

#[test]
fn a_line_that_is_not_utf8_is_reported_and_reading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.jsonl");
    let mut bytes = row(0).to_string().into_bytes();
    bytes.extend_from_slice(b"\n{\"vibe_original\": \"caf\xe9\"}\n");
    bytes.extend_from_slice((row(1).to_string() + "\n").as_bytes());
    std::fs::write(&path, bytes).unwrap();
    let set = VibeSet::open(&path, &Silent).unwrap();
    assert_eq!(set.rows.len(), 2);
    assert_eq!(set.rows[1].line, 3);
    assert_eq!(set.bad.total, 1);
    assert_eq!(set.bad[0].line, 2);
    assert!(set.bad[0].reason.starts_with("not UTF-8"), "{}", set.bad[0]);
}
