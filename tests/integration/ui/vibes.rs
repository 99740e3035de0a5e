//! The Vibes panel: the table, a vibe's detail and candidates, playing and A/B, exports, bad lines, the embedding map from a local Hub.

use super::*;
use crate::common;

/// The bundled sample's rows, read here with serde_json alone (not benchtop's reader).
fn sample_rows() -> Vec<serde_json::Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/latentscore-synthetic-02c.jsonl");
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The Vibes panel with the sample loaded and 2-second auditions.
fn vibes_with(config: AppConfig) -> Harness<'static, BenchtopApp> {
    let mut harness = harness_with(config, [1400.0, 950.0]);
    harness.state_mut().panels.vibes.settings.seconds = 2.0;
    harness.get_by_label("Vibes").click();
    step_until(&mut harness, "the vibes sample", |h| h.state().panels.vibes.state.set.is_some());
    harness
}

/// Clicks a vibe's row in the table by its text (as the table shows it) and waits for the detail.
fn open_vibe(harness: &mut Harness<'_, BenchtopApp>, row: &serde_json::Value) {
    let text = row["vibe_original"].as_str().unwrap();
    let noisy = row["vibe_noisy"].as_str().is_some_and(|n| n != text);
    let shown = if noisy { format!("{text} (noisy)") } else { text.to_owned() };
    // The table's cell (the detail may show the same text when this row is already chosen).
    harness.get_all_by_label(&shown).next().unwrap().click();
    harness.run();
    let id = row["id_in_dataset"].as_str().unwrap();
    harness.get_by_label(&format!("{} / {id}", row["dataset"].as_str().unwrap()));
}

#[test]
fn the_vibes_table_filters_by_split_and_search_and_counts_what_it_shows() {
    let rows = sample_rows();
    let mut harness = vibes_with(headless_machine());
    harness.get_by_label("Showing 300 of 300");
    harness.get_by_label("the synthetic sample");
    assert!(harness.query_all_by_label(" SYNTHETIC ").count() >= 2, "the source and the vibe say synthetic");

    harness.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Split").click();
    harness.run();
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "SFT-Val").click();
    harness.run();
    let val: Vec<&serde_json::Value> = rows.iter().filter(|r| r["split"] == "SFT-Val").collect();
    harness.get_by_label(&format!("Showing {} of 300", val.len()));
    harness.get_by_label(&format!("by split: SFT-Val {}", val.len()));
    let shown = harness.state().panels.vibes.state.shown().to_vec();
    let set = harness.state().panels.vibes.state.set.clone().unwrap();
    assert!(shown.iter().all(|&i| set.rows[i].split.as_deref() == Some("SFT-Val")));

    // Full-text search on top: every word must appear in the texts, tags, character or titles.
    let text_of = |r: &serde_json::Value| {
        let mut text: Vec<String> = ["vibe_original", "vibe_noisy", "character_name"]
            .iter()
            .filter_map(|k| r[*k].as_str().map(str::to_lowercase))
            .collect();
        for key in ["tags_original", "tags_noisy"] {
            text.extend(r[key].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_lowercase()));
        }
        for c in r["config_candidates"].as_array().unwrap() {
            text.extend(c["title"].as_str().map(str::to_lowercase));
        }
        text
    };
    let count = |word: &str| val.iter().filter(|r| text_of(r).iter().any(|t| t.contains(word))).count();
    // A word of the first SFT-Val vibe's tags that some, not all, of the SFT-Val vibes share.
    let word = val[0]["tags_original"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_lowercase())
        .find(|w| !w.contains(' ') && count(w) < val.len())
        .expect("a tag that narrows the rows");
    let hits = count(&word);
    assert!(hits > 0);
    harness.get_by_label("Search").click();
    harness.run();
    harness.get_by_label("Search").type_text(&word);
    harness.run();
    harness.get_by_label(&format!("Showing {hits} of 300"));

    // Clearing brings every row back; the filter is remembered in the settings.
    harness.get_by_label("Clear filters").click();
    harness.run();
    harness.get_by_label("Showing 300 of 300");
    assert_eq!(harness.state().panels.vibes.settings.filter, Default::default());
}

#[test]
fn sorting_by_best_score_puts_the_highest_first() {
    let rows = sample_rows();
    let mut harness = vibes_with(headless_machine());
    harness.get_by_label("best score").click();
    harness.run();
    let best = |r: &serde_json::Value| {
        r["best_index"].as_u64().and_then(|i| r["candidate_scores"]["clap"][i as usize].as_f64())
    };
    let top = rows.iter().filter_map(best).fold(f64::MIN, f64::max);
    let shown = harness.state().panels.vibes.state.shown().to_vec();
    let set = harness.state().panels.vibes.state.set.clone().unwrap();
    assert_eq!(set.rows[shown[0]].best_score(), Some(top));
    harness.get_by_label(&format!("{top:.3}"));
}

#[test]
fn a_vibe_opens_with_its_noise_marked_and_its_candidates_side_by_side() {
    let rows = sample_rows();
    // A noisy vibe among the first rows, whose candidates include an invalid one and a failed one
    // if the sample has one there.
    let (index, row) = rows
        .iter()
        .enumerate()
        .take(20)
        .find(|(_, r)| r["vibe_noisy"] != r["vibe_original"])
        .expect("a noisy vibe in the first 20 rows");
    let mut harness = vibes_with(headless_machine());
    open_vibe(&mut harness, row);
    assert_eq!(harness.state().panels.vibes.state.selected(), Some(index));
    harness.get_by_label("ORIGINAL");
    harness.get_by_label("NOISY");
    let candidates = row["config_candidates"].as_array().unwrap();
    harness.get_by_label(&format!("{} candidate(s)", candidates.len()));
    // The best candidate is marked, and every title is shown.
    harness.get_by_label(" BEST ");
    for c in candidates.iter().filter(|c| !c.is_null()) {
        assert!(!harness.query_all_by_label(c["title"].as_str().unwrap()).collect::<Vec<_>>().is_empty());
    }
    // The fields that differ, counted here from the JSON: a field differs when the non-null
    // candidates do not all write the same value.
    let fields = benchtop::synth::config::Field::all().map(|f| f.spec().name);
    let differing: Vec<&str> = fields
        .filter(|name| {
            let mut values =
                candidates.iter().filter(|c| !c.is_null()).map(|c| c["config"][*name].to_string());
            let first = values.next().unwrap();
            values.any(|v| v != first)
        })
        .collect();
    harness.get_by_label_contains(&format!("{} of 34 fields differ", differing.len()));
    let names: Vec<&str> =
        harness.state().panels.vibes.state.differing_fields().iter().map(|f| f.spec().name).collect();
    assert_eq!(names, differing);
    // Validity flags as the file has them.
    let flags = &row["validation_scores"]["palette_valid"];
    let invalid = flags.as_array().unwrap().iter().filter(|v| v.as_i64() == Some(0)).count();
    assert_eq!(harness.query_all_by_label("palette invalid").count(), invalid);
    // Down moves to the next row in the table.
    harness.key_press(egui::Key::ArrowDown);
    harness.run();
    assert_eq!(harness.state().panels.vibes.state.selected(), Some(index + 1));
}

/// The candidate's render, made here from the file's JSON.
fn expected_render(candidate: &serde_json::Value, seconds: f64, seed: u64) -> Vec<f32> {
    let payload = benchtop::synth::payload::Payload::from_json(candidate.as_object().unwrap());
    let synth = payload.config.config.to_synth();
    benchtop::synth::render(&synth, seconds, seed, &benchtop::jobs::Silent).unwrap().samples
}

/// What the mock card received, checked against `clip` from frame `from` (the card runs at 48 kHz
/// and the engine interpolates linearly from 44.1 kHz).
fn assert_plays(out: &[f32], clip: &[f32], from: f64, volume: f32) {
    assert_eq!(deviation(out, clip, from, volume), 0.0, "what was played is not this clip");
}

/// The largest difference (beyond 1e-5) between every frame the card received and `clip` played
/// from frame `from`.
fn deviation(out: &[f32], clip: &[f32], from: f64, volume: f32) -> f32 {
    (0..out.len() / 2)
        .map(|k| {
            let x = from + k as f64 * 44_100.0 / 48_000.0;
            let i = x as usize;
            let f = (x - i as f64) as f32;
            let want = (clip[i] + (clip[i + 1] - clip[i]) * f) * volume;
            (out[2 * k] - want).abs()
        })
        .fold(0.0, f32::max)
        .max(1e-5)
        - 1e-5
}

#[test]
fn a_candidates_play_button_renders_and_plays_it_and_a_b_switches_at_the_playhead() {
    let rows = sample_rows();
    let (index, row) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r["config_candidates"].as_array().unwrap().iter().take(2).all(|c| !c.is_null()))
        .unwrap();
    let mock = MockBackend::default();
    let mut harness = vibes_with(with_audio(mock.clone()));
    open_vibe(&mut harness, row);
    harness.get_by_label("Play #2").click();
    step_until(&mut harness, "candidate 2 playing", |h| {
        h.state().panels.vibes.state.playing == Some((index, 1))
    });
    harness.get_by_label("Playing #2");
    harness.get_by_label("Pause #2");
    let second = expected_render(&row["config_candidates"][1], 2.0, 0);
    let clip = harness.state().ctx.player.clip().unwrap().samples.clone();
    assert_eq!(clip.len(), second.len());
    assert_eq!(&clip[..], &second[..], "the player holds candidate 2's render");
    let volume = harness.state().ctx.player.volume();
    let out = mock.pull(2000).unwrap();
    assert_plays(&out, &second, 0.0, volume);
    let first = expected_render(&row["config_candidates"][0], 2.0, 0);
    assert!(deviation(&out, &first, 0.0, volume) > 1e-3, "candidate 1 would not have sounded the same");

    // A = #1, B = #2; X switches to the other at the same moment.
    harness.get_by_label("Candidate 1 as A").click();
    harness.get_by_label("Candidate 2 as B").click();
    harness.run();
    harness.get_by_label("A: #1  B: #2");
    harness.remove_cursor();
    harness.run();
    harness.key_press(egui::Key::X);
    step_until(&mut harness, "candidate 1 swapped in", |h| {
        h.state().panels.vibes.state.playing == Some((index, 0))
    });
    // 2000 frames at 48 kHz were played: the playhead is 2000 × 44.1 / 48 = 1837.5 frames in,
    // and candidate 1 goes on from exactly there.
    let at = harness.state().ctx.player.position();
    assert_eq!((at * 44_100.0).round(), 1837.0, "the playhead kept its place");
    let out = mock.pull(2000).unwrap();
    assert_plays(&out, &first, 1837.5, volume);
    assert!(deviation(&out, &second, 1837.5, volume) > 1e-3, "it is no longer candidate 2");
    assert!(harness.state().ctx.player.is_playing());
}

#[test]
fn a_candidates_wav_and_config_export_where_the_dialog_says() {
    let rows = sample_rows();
    let (index, row) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| !r["config_candidates"][0].is_null() && !r["config_candidates"][2].is_null())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut harness = vibes_with(AppConfig { save_dialog: saving_into(dir.path()), ..headless_machine() });
    open_vibe(&mut harness, row);
    let line = index + 1;
    harness.get_by_label("Export config of candidate 3").click();
    let json = dir.path().join(format!("vibe-line{line}-candidate3.json"));
    step_until(&mut harness, "the JSON", |_| json.exists());
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(written, row["config_candidates"][2]["config"]);
    // Without a sound card the render still runs and exports.
    harness.get_by_label("Export WAV of candidate 3").click();
    let wav = dir.path().join(format!("vibe-line{line}-candidate3.wav"));
    step_until(&mut harness, "the WAV", |_| wav.exists());
    let mut reader = hound::WavReader::open(&wav).unwrap();
    assert_eq!(
        (reader.spec().bits_per_sample, reader.spec().sample_rate, reader.len()),
        (16, 44_100, 2 * 44_100)
    );
    let want = expected_render(&row["config_candidates"][2], 2.0, 0);
    let got: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let pcm = |x: f32| (x.clamp(-1.0, 1.0) * 32767.0).round() as i16;
    for (i, (got, want)) in got.iter().zip(&want).enumerate() {
        assert!((got - pcm(*want)).abs() <= 1, "sample {i}: {got} vs {}", pcm(*want));
    }
    let other = expected_render(&row["config_candidates"][0], 2.0, 0);
    assert!(got.iter().zip(&other).any(|(g, o)| (g - pcm(*o)).abs() > 100), "not candidate 1's render");
    harness.get_by_label_contains("No audio output");
}

#[test]
fn a_file_with_bad_lines_opens_its_good_rows_and_lists_the_bad_ones() {
    let rows = sample_rows();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scored.jsonl");
    let good = |i: usize| serde_json::to_string(&rows[i]).unwrap();
    let truncated = &good(3)[..200];
    let text = format!("{}\n{truncated}\n{}\n\n{{\"vibe_original\": 7}}\n{}\n", good(0), good(1), good(2));
    std::fs::write(&path, text).unwrap();
    let mut harness = vibes_with(headless_machine());
    {
        let app = harness.state_mut();
        app.panels.vibes.open_path(&mut app.ctx.jobs, path.clone());
    }
    step_until(&mut harness, "the file", |h| {
        h.state().panels.vibes.state.loading_job().is_none()
            && h.state().panels.vibes.settings.source.as_ref() == Some(&path)
    });
    harness.get_by_label("Showing 3 of 3");
    harness.get_by_label("2 bad lines…").click();
    harness.run();
    let line2 = format!("{} line 2: not JSON", path.display());
    assert!(harness.query_all_by_label_contains(&line2).count() >= 1, "line 2 is listed");
    harness.get_by_label(&format!("{} line 5: vibe_original is a number, not text", path.display()));
    // These rows are the sample's and say they are synthetic: the badge follows the rows.
    assert!(harness.query_all_by_label(" SYNTHETIC ").count() >= 1);
}

#[test]
fn the_embedding_map_downloads_from_a_local_hub_resumes_and_opens() {
    use benchtop::vibes::hub::{MAP_PATH, MAP_REPO, cached_map};
    // Three rows of stage 10's shape: the vibe, a 384-float embedding, the chosen config.
    let rows = sample_rows();
    let mut body = String::new();
    for (i, r) in rows.iter().take(3).enumerate() {
        let best = r["best_index"].as_u64().unwrap() as usize;
        let payload = &r["config_candidates"][best];
        let map_row = serde_json::json!({
            "dataset": "map-test", "id_in_dataset": i, "split": r["split"],
            "vibe_original": r["vibe_original"], "embedding": vec![0.05f32; 384],
            "title": payload["title"], "config": payload["config"], "palettes": payload["palettes"],
        });
        body.push_str(&serde_json::to_string(&map_row).unwrap());
        body.push('\n');
    }
    let bytes = body.into_bytes();
    let sha = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(&bytes))
    };
    let server = common::Server::start();
    // `main` is resolved to a commit, and everything is fetched at that commit.
    let commit = "0123456789abcdef0123456789abcdef01234567";
    server.route(
        &format!("/api/datasets/{MAP_REPO}/revision/main"),
        common::Behaviour::Serve(format!(r#"{{"id":"{MAP_REPO}","sha":"{commit}"}}"#).into_bytes()),
    );
    server.route(
        &format!("/datasets/{MAP_REPO}/resolve/{commit}/{MAP_PATH}"),
        common::Behaviour::TruncateFirst { body: bytes.clone(), first: bytes.len() / 2, times: 1 },
    );
    let folder = MAP_PATH.rsplit_once('/').unwrap().0;
    server.route(
        &format!("/api/datasets/{MAP_REPO}/tree/{commit}/{folder}"),
        common::Behaviour::Serve(
            format!(
                r#"[{{"type":"file","path":"{MAP_PATH}","size":{n},"lfs":{{"oid":"{sha}","size":{n}}}}}]"#,
                n = bytes.len()
            )
            .into_bytes(),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let hub = benchtop::hub::HubCache::at(dir.path().join("hf-hub"));
    let config = AppConfig {
        cache_dir: Some(dir.path().join("cache")),
        hub_cache_dir: Some(hub.root.clone()),
        ..headless_machine()
    };
    let mut harness = vibes_with(config);
    harness.state_mut().ctx.data.settings.hub_base_url = server.base.clone();
    harness.get_by_label("Embedding map (Hub)").click();
    step_until(&mut harness, "the map", |h| {
        h.state().panels.vibes.state.loading_job().is_none()
            && h.state().panels.vibes.settings.source.is_some()
    });
    let cached = cached_map(&hub).expect("the map's commit is pinned after the fetch");
    assert_eq!(
        cached,
        hub.root.join(format!("datasets--guprab--latentscore-data/snapshots/{commit}")).join(MAP_PATH)
    );
    assert_eq!(
        std::fs::read_to_string(hub.root.join("datasets--guprab--latentscore-data/refs/main")).unwrap(),
        commit
    );
    assert_eq!(std::fs::read(&cached).unwrap(), bytes);
    assert_eq!(harness.state().panels.vibes.settings.source.as_ref(), Some(&cached));
    // The second request resumed where the cut-off first one ended.
    let resumed =
        server.requests().iter().any(|r| r.range.as_deref() == Some(&format!("bytes={}-", bytes.len() / 2)));
    assert!(resumed, "requests: {:?}", server.requests());
    harness.get_by_label("vibe_and_embeddings_to_config_map.jsonl");
    harness.get_by_label("Showing 3 of 3");
    assert!(harness.query_by_label(" SYNTHETIC ").is_none(), "map rows do not say they are synthetic");
    // A map row shows its one config as a candidate.
    open_vibe(
        &mut harness,
        &serde_json::json!({
            "vibe_original": rows[0]["vibe_original"], "vibe_noisy": null, "dataset": "map-test", "id_in_dataset": "0"
        }),
    );
    harness.get_by_label("1 candidate(s)");
    harness.get_by_label("Other fields (2)");
}
