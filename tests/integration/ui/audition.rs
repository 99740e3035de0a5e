//! The Audition panel: presets, edits and undo, a slider drag as one edit, pasted JSON, no sound card, exports.

use super::*;

/// The Audition panel with a working (mock) sound card, ready to render short clips.
fn audition_with(mock: MockBackend) -> Harness<'static, BenchtopApp> {
    let mut harness = harness_with(with_audio(mock), [1280.0, 900.0]);
    harness.state_mut().panels.audition.settings.seconds = 3.0;
    harness.get_by_label("Audition").click();
    harness.run();
    harness
}

fn wait_for_render(harness: &mut Harness<'_, BenchtopApp>) {
    step_until(harness, "the render", |h| {
        h.state().panels.audition.state.last.is_some()
            && h.state().panels.audition.state.render_job().is_none()
    });
}

#[test]
fn a_preset_renders_and_plays_through_the_sound_card() {
    let mock = MockBackend::default();
    let mut harness = audition_with(mock.clone());
    harness.get_by_label("audio: mock output (2 ch, 48000 Hz)");
    harness.get_by_label("Presets").click();
    harness.run();
    harness.get_by_label("Jazz walk").click();
    wait_for_render(&mut harness);
    // Jazz walk: medium tempo (110 BPM), D dorian, jazz harmony, density 5 with no accent.
    harness.get_by_label("110 BPM · D dorian · jazz harmony · 5 layers");
    let clip = harness.state().panels.audition.state.last.as_ref().unwrap().clip.clone();
    assert_eq!(clip.samples.len(), 3 * 44_100);

    harness.get_by_label("Play").click();
    harness.run();
    let volume = harness.state().ctx.player.volume();
    let out = mock.pull(4800).unwrap();
    // What reaches the card is the render, resampled to 48 kHz, times the volume.
    for k in [0usize, 1000, 4799] {
        let x = k as f64 * 44_100.0 / 48_000.0;
        let i = x as usize;
        let f = (x - i as f64) as f32;
        let want = (clip.samples[i] + (clip.samples[i + 1] - clip.samples[i]) * f) * volume;
        assert!((out[2 * k] - want).abs() < 1e-5, "frame {k}: {} vs {want}", out[2 * k]);
    }
    assert!(out.iter().any(|v| v.abs() > 0.01));
    harness.run();
    assert!(harness.state().ctx.player.position() > 0.09);
    // Space pauses (no text field has focus).
    harness.key_press(egui::Key::Space);
    harness.run();
    mock.pull(10).unwrap();
    assert!(!harness.state().ctx.player.is_playing());
    assert!(mock.pull(100).unwrap().iter().all(|v| *v == 0.0));
}

#[test]
fn editing_a_field_renders_again_and_undo_brings_it_back() {
    let mut harness = audition_with(MockBackend::default());
    harness.get_by_label("Render").click();
    wait_for_render(&mut harness);
    harness.get_by_label_contains("110 BPM · C minor");
    harness.get_by_role_and_label(egui::accesskit::Role::ComboBox, "tempo").click();
    harness.run();
    harness.get_by_label("very_fast").click();
    wait_for_render(&mut harness);
    assert_eq!(harness.state().panels.audition.state.config.to_synth().bpm(), 154.0);
    step_until(&mut harness, "the re-render", |h| {
        h.state().panels.audition.state.last.as_ref().is_some_and(|r| r.summary.starts_with("154 BPM"))
    });
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for_render(&mut harness);
    assert_eq!(harness.state().panels.audition.state.config.to_synth().bpm(), 110.0);
    // The edit is remembered for the next start.
    assert_eq!(harness.state().panels.audition.settings.config["tempo"], serde_json::json!("medium"));
}

#[test]
fn dragging_a_slider_is_one_edit_and_one_render() {
    let mut harness = audition_with(MockBackend::default());
    harness.get_by_label("Render").click();
    wait_for_render(&mut harness);
    let renders = |h: &Harness<'_, BenchtopApp>| {
        h.state().ctx.jobs.statuses().iter().filter(|s| s.name.starts_with("Render")).count()
    };
    let before = (renders(&harness), harness.state().panels.audition.state.undo_depth());
    let rect = harness.get_by_role_and_label(egui::accesskit::Role::Slider, "tempo").rect();
    let y = rect.center().y;
    harness.event(egui::Event::PointerMoved(egui::pos2(rect.left() + 5.0, y)));
    harness.event(egui::Event::PointerButton {
        pos: egui::pos2(rect.left() + 5.0, y),
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    harness.step();
    // Ten frames of dragging to the right: the tempo follows on screen, nothing is committed.
    for i in 1..=10 {
        harness.event(egui::Event::PointerMoved(egui::pos2(rect.left() + 5.0 + i as f32 * 8.0, y)));
        harness.step();
    }
    assert_eq!(
        (renders(&harness), harness.state().panels.audition.state.undo_depth()),
        before,
        "nothing committed mid-drag"
    );
    let dragged = harness.state().panels.audition.state.config.to_synth().tempo;
    assert!(dragged > 0.2, "the slider moved the tempo: {dragged}");
    harness.event(egui::Event::PointerButton {
        pos: egui::pos2(rect.left() + 85.0, y),
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    harness.step();
    harness.step();
    assert_eq!(
        harness.state().panels.audition.state.undo_depth(),
        before.1 + 1,
        "one undo entry for the drag"
    );
    assert_eq!(renders(&harness), before.0 + 1, "one render when the drag ends");
    // Undo goes back to where the drag started (the default, medium: 0.5).
    harness.remove_cursor();
    wait_for_render(&mut harness);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for_render(&mut harness);
    assert_eq!(harness.state().panels.audition.state.config.to_synth().tempo, 0.5);
}

#[test]
fn pasted_json_with_bad_fields_is_refused_with_their_names() {
    let mut harness = audition_with(MockBackend::default());
    harness.get_by_label("Paste JSON…").click();
    harness.run();
    harness
        .state_mut()
        .panels
        .audition
        .state
        .set_paste_text(r#"{"config": {"tempo": "warp", "bass": "walking", "density": 9}}"#);
    harness.run();
    harness.get_by_label("Use this config").click();
    harness.run();
    harness.get_by_label_contains("tempo: \"warp\" is not one of very_slow, slow, medium, fast, very_fast");
    harness.get_by_label_contains("density: 9 is not one of 2, 3, 4, 5, 6");
    // Nothing changed.
    assert_eq!(
        harness.state().panels.audition.state.config.to_synth().bass,
        benchtop::synth::config::Bass::Drone
    );
    harness.state_mut().panels.audition.state.set_paste_text(r#"{"tempo": "slow", "bass": "walking"}"#);
    harness.run();
    // A second pointer click on the same spot so soon would be a double click: click through
    // AccessKit, as a screen reader would.
    harness.get_by_label("Use this config").click_accesskit();
    wait_for_render(&mut harness);
    assert_eq!(
        harness.state().panels.audition.state.config.to_synth().bass,
        benchtop::synth::config::Bass::Walking
    );
}

#[test]
fn without_a_sound_card_the_panel_says_so_and_still_renders() {
    let mut harness = audition_with(refusing_audio());
    harness.get_by_label("No audio output");
    harness.get_by_label("audio: no audio output");
    harness.get_by_label("Render").click();
    wait_for_render(&mut harness);
    harness.get_by_label("Play").click();
    harness.run();
    harness.get_by_label("Export WAV…");
}

#[test]
fn the_audition_panel_exports_wav_and_config() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness_with(
        AppConfig { save_dialog: saving_into(dir.path()), ..with_audio(MockBackend::default()) },
        [1280.0, 900.0],
    );
    harness.state_mut().panels.audition.settings.seconds = 2.0;
    harness.get_by_label("Audition").click();
    harness.run();
    harness.get_by_label("Render").click();
    wait_for_render(&mut harness);
    harness.get_by_label("Export WAV…").click();
    let wav = dir.path().join("benchtop-render-seed0.wav");
    step_until(&mut harness, "the WAV", |_| wav.exists());
    let reader = hound::WavReader::open(&wav).unwrap();
    assert_eq!((reader.spec().bits_per_sample, reader.len()), (16, 2 * 44_100));
    harness.get_by_label("Export config JSON…").click();
    let json = dir.path().join("config.json");
    step_until(&mut harness, "the JSON", |_| json.exists());
    let config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(config["tempo"], "medium");
    assert_eq!(config.as_object().unwrap().len(), 34);
}
