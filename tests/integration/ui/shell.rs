//! The window as a whole: tabs, shortcuts, the status bar, toasts, remembered state, snapshots and the README's screenshots.

use super::*;

#[test]
fn every_panel_opens_by_its_tab_label_and_says_what_it_shows() {
    let mut harness = harness_with(headless_machine(), [1100.0, 700.0]);
    probed(&mut harness);
    let expected = [
        (Panel::FtVsPt, "Fine-tuning vs pretraining", "Open runs…"),
        (Panel::Vibes, "LatentScore vibes and candidates", "Showing 300 of 300"),
        (Panel::Audition, "Audition a music config", "Press Render to hear this config."),
        (Panel::Jobs, "Background jobs", "Probe compute backend"),
        (Panel::ScalingCurves, "DataDecide scaling curves", "16 curves"),
    ];
    for (panel, heading, detail) in expected {
        harness.get_by_label(panel.label()).click();
        harness.run();
        assert_eq!(harness.state().panel, panel);
        harness.get_by_label(heading);
        harness.get_by_label_contains(detail);
        // Only the open panel is drawn.
        for (other, other_heading, _) in expected {
            if other != panel {
                assert!(
                    harness.query_by_label(other_heading).is_none(),
                    "{other_heading} shown on {panel:?}"
                );
            }
        }
    }
}

#[test]
fn ctrl_and_a_number_switch_panels() {
    let mut harness = harness_with(headless_machine(), [1100.0, 700.0]);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num3);
    harness.run();
    assert_eq!(harness.state().panel, Panel::Vibes);
    harness.get_by_label("LatentScore vibes and candidates");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num5);
    harness.run();
    harness.get_by_label("Background jobs");
}

#[test]
fn the_status_bar_shows_the_probed_compute_backend_and_audio_output() {
    let mut harness = harness_with(headless_machine(), [1100.0, 700.0]);
    probed(&mut harness);
    harness.get_by_label("compute: CPU · software wgpu available: llvmpipe (LLVM 15.0.6, 256 bits)");
    harness.get_by_label("audio: no audio output");
    idle(&mut harness);
    harness.get_by_label("no jobs running");
}

#[test]
fn the_status_bar_names_a_hardware_adapter_and_a_working_device() {
    let config = AppConfig {
        probe_compute: Arc::new(|| {
            ComputeProbe::from_adapters(
                vec![AdapterSummary {
                    name: "NVIDIA H100".into(),
                    backend: "Vulkan".into(),
                    device_type: "DiscreteGpu".into(),
                    driver: String::new(),
                    software: false,
                }],
                None,
            )
        }),
        ..with_audio(MockBackend::default())
    };
    let mut harness = harness_with(config, [1100.0, 700.0]);
    probed(&mut harness);
    harness.get_by_label("compute: wgpu · NVIDIA H100 (Vulkan)");
    harness.get_by_label("audio: mock output (2 ch, 48000 Hz)");
}

#[test]
fn a_failed_job_reaches_a_toast_with_its_cause_and_stays_in_the_log() {
    let mut harness = harness_with(headless_machine(), [1100.0, 700.0]);
    probed(&mut harness);
    harness.state_mut().ctx.jobs.spawn("Load table", |_| -> anyhow::Result<()> {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        Err(anyhow::Error::new(io).context("opening data/missing.parquet"))
    });
    step_until(&mut harness, "the failure toast", |h| {
        h.query_by_label("Job \"Load table\" failed").is_some()
    });
    harness.get_by_label("opening data/missing.parquet: no such file");

    harness.get_by_label("Dismiss").click();
    harness.run();
    assert!(harness.query_by_label("Job \"Load table\" failed").is_none());

    harness.get_by_label("notifications (1)").click();
    harness.run();
    harness.get_by_label("Job \"Load table\" failed");
    harness.get_by_label("opening data/missing.parquet: no such file");
    harness.get_by_label("notifications");
}

#[test]
fn the_open_panel_is_remembered_between_runs() {
    let mut storage = MemoryStorage::default();
    {
        let mut harness = harness_with(headless_machine(), [1100.0, 700.0]);
        harness.get_by_label("Audition").click();
        harness.run();
        eframe::App::save(harness.state_mut(), &mut storage);
    }
    let saved: UiState = eframe::get_value(&storage, eframe::APP_KEY).unwrap();
    assert_eq!(saved.panel, Panel::Audition);

    let config = headless_machine();
    let storage_ref: &'static MemoryStorage = Box::leak(Box::new(storage));
    let mut harness = Harness::builder().with_size([1100.0, 700.0]).build_eframe(move |cc| {
        cc.storage = Some(storage_ref);
        BenchtopApp::new(cc, config)
    });
    harness.run();
    assert_eq!(harness.state().panel, Panel::Audition);
    harness.get_by_label("Audition a music config");
}

/// Rendered on the machine's wgpu adapter (lavapipe in CI); compared with tests/snapshots.
#[test]
fn snapshots_of_the_shell() {
    let mut harness = harness_with(headless_machine(), [900.0, 560.0]);
    probed(&mut harness);
    // (The status bar names a start-up job still running, e.g. reading the FT-vs-PT seeds.)
    idle(&mut harness);
    harness.snapshot("shell_scaling_curves");
    harness.get_by_label("Vibes").click();
    harness.run();
    harness.snapshot("shell_vibes");
}

/// Writes screenshots/<n>-<panel>.png of the real app at 1280x800, with this machine's own
/// probes. Run by `scripts/screenshots` (ignored in the ordinary test run).
#[test]
#[ignore = "writes the README's screenshots: run scripts/screenshots"]
fn write_screenshots() {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&out).unwrap();
    let mut harness = harness_with(AppConfig::default(), [1280.0, 800.0]);
    probed(&mut harness);
    for (i, panel) in Panel::ALL.into_iter().enumerate() {
        harness.get_by_label(panel.label()).click();
        harness.run();
        match panel {
            Panel::FtVsPt => {
                step_until(&mut harness, "the FT-vs-PT sample", |h| h.state().panels.ft.state.runs.is_some());
            }
            Panel::Vibes => show_a_telling_vibe(&mut harness),
            Panel::Audition => show_a_rendered_preset(&mut harness),
            Panel::Jobs => catch_two_jobs_running(&mut harness),
            _ => {}
        }
        harness.remove_cursor();
        if panel == Panel::Jobs {
            // Its jobs are still running and repaint as they report: step, not run.
            harness.step();
            harness.step();
        } else {
            harness.run();
        }
        let slug = panel.label().to_lowercase().replace(' ', "-");
        save_shot(&mut harness, &out, &format!("{}-{slug}.png", i + 1));
    }
    // Every job ends before the views that follow (a running job keeps the UI repainting).
    step_until_within(&mut harness, "the jobs to end", Duration::from_secs(300), |h| {
        h.state().ctx.jobs.active().next().is_none()
    });
    // The decision-accuracy view of the Scaling panel.
    harness.get_by_label(Panel::ScalingCurves.label()).click();
    harness.run();
    harness.get_by_label("Decision accuracy").click();
    harness.remove_cursor();
    harness.run();
    save_shot(&mut harness, &out, "6-decision-accuracy.png");
    // The fit's predictions, dashed, from its results table.
    step_until(&mut harness, "the fit", |h| h.state().ctx.fit.is_some());
    harness.get_by_label(Panel::Jobs.label()).click();
    harness.run();
    // The table sits below the fold: clicked through AccessKit, as a screen reader would.
    harness.get_by_label("arc_easy").click_accesskit();
    harness.run();
    assert_eq!(harness.state().panel, Panel::ScalingCurves);
    harness.remove_cursor();
    harness.run();
    save_shot(&mut harness, &out, "7-fit-predictions.png");
    // The vibe-to-config model's results (the training of the Jobs screenshot) and a prediction.
    harness.get_by_label(Panel::Jobs.label()).click();
    harness.run();
    harness.get_by_label("Clear finished").click();
    harness.run();
    harness.get_by_label("Scaling-law fit: results").click_accesskit();
    harness.run();
    {
        let vibe = &mut harness.state_mut().panels.jobs.settings.vibe;
        vibe.model = benchtop::app::panels::jobs::vibe_model::ModelChoice::Trained;
        vibe.vibe = "Rain on a harbour at night: slow, wistful, dim, cavernous".into();
    }
    // The fast model's rows go: lay the panel out again before clicking.
    harness.run();
    harness.get_by_label("Predict config").click();
    step_until(&mut harness, "the prediction", |h| h.state().panels.jobs.state.vibe.predicted.is_some());
    harness.remove_cursor();
    harness.run();
    save_shot(&mut harness, &out, "8-vibe-model.png");
    // LatentScore's fast model over a map of the bundled SYNTHETIC training set, with a vibe that
    // shares no word with the training vibes' tempo and brightness words.
    let dir = tempfile::tempdir().unwrap();
    let map = super::jobs::small_map(dir.path(), usize::MAX);
    {
        let vibe = &mut harness.state_mut().panels.jobs.settings.vibe;
        vibe.model = benchtop::app::panels::jobs::vibe_model::ModelChoice::Fast;
        vibe.minilm = crate::common::test_model().display().to_string();
        vibe.map = map.display().to_string();
        vibe.vibe = "a lazy Sunday by the lake, in no hurry, bathed in clear daylight".into();
    }
    harness.state_mut().panels.jobs.state.vibe.predicted = None;
    harness.run();
    harness.get_by_label("Predict config").click();
    step_until_within(&mut harness, "the fast prediction", Duration::from_secs(120), |h| {
        h.state().panels.jobs.state.vibe.predicted.is_some()
    });
    harness.remove_cursor();
    harness.run();
    save_shot(&mut harness, &out, "9-fast-model.png");
}

/// The Vibes screenshot: a noisy vibe whose candidates include an invalid one, and whose best by
/// score (02c) is not 02b's pick, both among the first three columns.
fn show_a_telling_vibe(harness: &mut Harness<'_, BenchtopApp>) {
    step_until(harness, "the vibes sample", |h| h.state().panels.vibes.state.set.is_some());
    let set = harness.state().panels.vibes.state.set.clone().unwrap();
    let row = (0..set.rows.len())
        .find(|&i| {
            let r = &set.rows[i];
            let (valid, total) = r.valid_count();
            r.is_noisy()
                && valid < total
                && r.best_changed() == Some(true)
                && r.best_index.is_some_and(|b| b <= 2)
                && r.first_valid().is_some_and(|b| b <= 2)
        })
        .expect("the sample has such a vibe");
    harness.state_mut().panels.vibes.state.select(row);
    harness.run();
}

/// The Audition screenshot: a preset, rendered, its layer levels open.
fn show_a_rendered_preset(harness: &mut Harness<'_, BenchtopApp>) {
    harness.state_mut().panels.audition.settings.seconds = 20.0;
    harness.get_by_label("Presets").click();
    harness.run();
    harness.get_by_label("Cinematic rise").click();
    step_until(harness, "the render", |h| {
        h.state().panels.audition.state.last.is_some()
            && h.state().panels.audition.state.render_job().is_none()
    });
    harness.state_mut().ctx.player.seek(7.5);
    harness.get_by_label("Layer levels (before mixing)").click();
    harness.run();
}

/// The Jobs screenshot: the scaling-law fit caught half-way with its live objective plot, and the
/// vibe-to-config model's training in its last epoch with its live loss and validation plots.
fn catch_two_jobs_running(harness: &mut Harness<'_, BenchtopApp>) {
    {
        let jobs = &mut harness.state_mut().panels.jobs.settings;
        jobs.backend = Some(benchtop::ml::backend::Backend::Cpu);
        jobs.solve = benchtop::ml::fit::SolveOptions {
            step1_iterations: 1500,
            step2_iterations: 3000,
            learning_rate: 0.05,
        };
    }
    // Starting a burn job opens its details.
    harness.get_by_label("Fit scaling laws").click();
    harness.step();
    let running = |name: &'static str, past: f32| {
        move |h: &Harness<'_, BenchtopApp>| {
            h.state()
                .ctx
                .jobs
                .statuses()
                .iter()
                .any(|j| j.name == name && j.fraction.is_some_and(|f| f > past))
        }
    };
    step_until(harness, "the fit's step 2", running("Fit scaling laws", 0.6));
    let model = tempfile::tempdir().unwrap().keep();
    {
        let vibe = &mut harness.state_mut().panels.jobs.settings.vibe;
        vibe.epochs = 4;
        vibe.folder = model.display().to_string();
    }
    harness.get_by_label("Train vibe-to-config model").click();
    harness.step();
    let last_epoch = running("Train vibe-to-config model", 0.8);
    step_until_within(harness, "the training's last epoch", Duration::from_secs(300), last_epoch);
}
