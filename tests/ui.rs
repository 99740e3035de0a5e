//! The window, driven through AccessKit queries (no display needed), and a few rendered
//! snapshots on whatever wgpu adapter the machine has (Mesa's lavapipe in CI).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use benchtop::app::{AppConfig, BenchtopApp, Panel, UiState};
use benchtop::audio::engine::MockBackend;
use benchtop::ml::backend::{AdapterSummary, ComputeProbe};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// A sound card that refuses to open, as this machine's ALSA "default" device does.
fn refusing_audio() -> MockBackend {
    let mock = MockBackend::default();
    mock.refuse(Some("the output device \"default\" cannot play: not available"));
    mock
}

/// The probes of a machine like CI's: lavapipe only, an ALSA default device that cannot open.
fn headless_machine() -> AppConfig {
    with_audio(refusing_audio())
}

/// A machine like CI's whose sound card is `mock`.
fn with_audio(mock: MockBackend) -> AppConfig {
    AppConfig {
        probe_compute: Arc::new(|| {
            ComputeProbe::from_adapters(
                vec![AdapterSummary {
                    name: "llvmpipe (LLVM 15.0.6, 256 bits)".into(),
                    backend: "Vulkan".into(),
                    device_type: "Cpu".into(),
                    driver: "llvmpipe".into(),
                    software: true,
                }],
                None,
            )
        }),
        audio_backend: Arc::new(move || Box::new(mock.clone())),
        cache_dir: None,
        // As a headless system dialog does: nothing chosen.
        save_dialog: Arc::new(|_, _, _| benchtop::app::file_prompt::DialogAnswer::Cancelled),
        initial_data: None,
        burn_on_window_device: false,
    }
}

/// A save dialog that answers with `dir/<suggested name>`.
fn saving_into(dir: &std::path::Path) -> benchtop::app::SaveDialog {
    let dir = dir.to_owned();
    Arc::new(move |name, _, _| benchtop::app::file_prompt::DialogAnswer::Chosen(dir.join(name)))
}

/// The app, after its start-up work (probes, first dataset) has settled.
fn harness_with(config: AppConfig, size: [f32; 2]) -> Harness<'static, BenchtopApp> {
    let mut harness = Harness::builder().with_size(size).build_eframe(move |cc| BenchtopApp::new(cc, config));
    probed(&mut harness);
    harness
}

/// Steps the UI (with real time passing, so workers can report) until `done` holds.
fn step_until(
    harness: &mut Harness<'_, BenchtopApp>,
    what: &str,
    done: impl Fn(&Harness<'_, BenchtopApp>) -> bool,
) {
    step_until_within(harness, what, Duration::from_secs(20), done);
}

/// [`step_until`] with a time limit of its own (training in a debug build takes minutes).
fn step_until_within(
    harness: &mut Harness<'_, BenchtopApp>,
    what: &str,
    limit: Duration,
    done: impl Fn(&Harness<'_, BenchtopApp>) -> bool,
) {
    let deadline = Instant::now() + limit;
    while !done(harness) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
        harness.step();
    }
    harness.run_ok();
}

/// Steps until no job runs (a choice that starts one, such as reading seed bands, may take many
/// frames on a busy machine), then until the UI is still.
fn settle(harness: &mut Harness<'_, BenchtopApp>) {
    step_until(harness, "the jobs to end", |h| h.state().ctx.jobs.active().next().is_none());
}

/// Waits for the start-up work: the compute probe, the audio output, the first dataset and the
/// vibes sample.
fn probed(harness: &mut Harness<'_, BenchtopApp>) {
    step_until(harness, "the start-up probes and data", |h| {
        h.state().compute().is_some()
            && h.state().audio_settled()
            && h.state().dataset().is_some()
            && h.state().panels.vibes.state.set.is_some()
    });
}

/// Steps the UI until no job runs: start-up jobs other than the probes (reading the FT-vs-PT
/// seeds) may still be running on a loaded machine, and the status bar names the first.
fn idle(harness: &mut Harness<'_, BenchtopApp>) {
    step_until(harness, "the start-up jobs to end", |h| h.state().ctx.jobs.active().next().is_none());
    harness.run();
}

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
fn a_running_job_shows_in_the_jobs_panel_and_can_be_cancelled() {
    let mut harness = harness_with(headless_machine(), [1100.0, 700.0]);
    probed(&mut harness);
    idle(&mut harness);
    let handle = harness.state_mut().ctx.jobs.spawn("Spin", |ctx| -> anyhow::Result<()> {
        ctx.progress(0.25, "a quarter done");
        loop {
            ctx.checkpoint()?;
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    harness.get_by_label("Jobs").click();
    step_until(&mut harness, "the job to report", |h| h.query_by_label_contains("a quarter done").is_some());
    harness.get_by_label_contains("job: Spin 25%");
    harness.get_by_label("Cancel").click();
    step_until(&mut harness, "the cancellation", |h| h.query_by_label("cancelled").is_some());
    assert!(matches!(handle.try_take(), Some(Err(benchtop::jobs::JobError::Cancelled))));
    harness.get_by_label("no jobs running");
}

/// Steps the UI until the job called `name` has ended, keeping every progress fraction it showed.
fn watch_job(
    harness: &mut Harness<'_, BenchtopApp>,
    name: &str,
    limit: Duration,
) -> (benchtop::jobs::JobState, Vec<f32>) {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    loop {
        harness.step();
        let status = harness.state().ctx.jobs.statuses().iter().find(|j| j.name == name).cloned();
        let status = status.unwrap_or_else(|| panic!("no job called {name}"));
        if let Some(f) = status.fraction {
            seen.push(f);
        }
        if status.state.is_finished() {
            return (status.state, seen);
        }
        assert!(Instant::now() < deadline, "{name} did not finish in {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn training_starts_from_its_button_and_the_prediction_auditions_in_one_click() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness_with(headless_machine(), [1280.0, 900.0]);
    {
        let ml = &mut harness.state_mut().panels.jobs.settings;
        ml.backend = Some(benchtop::ml::backend::Backend::Cpu);
        ml.vibe.epochs = 1;
        ml.vibe.folder = dir.path().join("model").display().to_string();
    }
    harness.get_by_label("Jobs").click();
    harness.run_ok();
    harness.get_by_label("Train vibe-to-config model").click();
    harness.step();
    harness.step();
    // Its details open at once; the live loss plot shows once steps report.
    assert!(harness.query_by_label("Log:").is_some(), "the new job's details are shown");
    let (state, seen) = watch_job(&mut harness, "Train vibe-to-config model", Duration::from_secs(240));
    harness.get_by_label("training loss (cross-entropy per field)");
    assert_eq!(state, benchtop::jobs::JobState::Done);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress went back: {seen:?}");
    assert!(seen.iter().any(|&f| f > 0.0 && f < 1.0), "no progress between start and end: {seen:?}");
    assert_eq!(seen.last(), Some(&1.0));
    harness.run_ok();
    // The held-out table next to the baselines, labelled synthetic.
    harness.get_by_label("mean over fields");
    harness.get_by_label("Nearest neighbour");
    // The finished job links to them.
    harness.get_by_label("Results").click_accesskit();
    harness.run_ok();
    assert!(
        harness.state().panels.jobs.state.vibe.report.as_ref().is_some_and(|r| r.synthetic && r.epochs == 1)
    );
    // Type a vibe, predict, audition.
    harness.state_mut().panels.jobs.settings.vibe.vibe = "frantic and sunny, dazzling".into();
    harness.get_by_label("Predict config").click();
    let (state, _) = watch_job(&mut harness, "Predict a config", Duration::from_secs(60));
    assert_eq!(state, benchtop::jobs::JobState::Done);
    harness.run_ok();
    harness.get_by_label_contains("Config predicted for");
    harness.get_by_label("Render & audition").click();
    harness.step();
    assert_eq!(harness.state().panel, Panel::Audition);
    let predicted = harness.state().panels.jobs.state.vibe.predicted.clone().unwrap().prediction.config;
    assert_eq!(harness.state().panels.audition.state.config, predicted);
    assert!(
        harness.state().panels.audition.state.render_job().is_some(),
        "the predicted config is rendering"
    );
    // A split of the set open in Vibes (the bundled 02c sample), predicted and opened in Vibes.
    harness.get_by_label("Jobs").click();
    harness.step();
    harness.get_by_label("Predict a split").click();
    let (state, _) = watch_job(&mut harness, "Predict configs for TEST", Duration::from_secs(60));
    assert_eq!(state, benchtop::jobs::JobState::Done);
    harness.step();
    // Below the fold: clicked through AccessKit, as a screen reader would.
    harness.get_by_label("Open in Vibes").click_accesskit();
    harness.step();
    assert_eq!(harness.state().panel, Panel::Vibes);
    let written = dir.path().join("model").join("predictions-TEST.jsonl");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !harness.state().panels.vibes.state.set.as_ref().is_some_and(|s| s.files == [written.clone()]) {
        assert!(Instant::now() < deadline, "the predictions did not open in Vibes");
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    let set = harness.state().panels.vibes.state.set.clone().unwrap();
    assert!(!set.rows.is_empty() && set.rows.iter().all(|r| r.valid_count() == (1, 1)));
}

/// An in-memory eframe storage, as the real file storage behaves between runs.
#[derive(Default)]
struct MemoryStorage(HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
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

/// Renders the window and writes it to `out/name`.
fn save_shot(harness: &mut Harness<'_, BenchtopApp>, out: &std::path::Path, name: &str) {
    let image = harness.render().expect("rendering needs a wgpu adapter (install mesa-vulkan-drivers)");
    let path = out.join(name);
    image.save(&path).unwrap();
    println!("wrote {}", path.display());
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
        if panel == Panel::FtVsPt {
            step_until(&mut harness, "the FT-vs-PT sample", |h| h.state().panels.ft.state.runs.is_some());
        }
        if panel == Panel::Vibes {
            step_until(&mut harness, "the vibes sample", |h| h.state().panels.vibes.state.set.is_some());
            // A noisy vibe whose candidates include an invalid one, and whose best by score
            // (02c) is not 02b's pick, both among the first three columns.
            let row = {
                let set = harness.state().panels.vibes.state.set.clone().unwrap();
                (0..set.rows.len())
                    .find(|&i| {
                        let r = &set.rows[i];
                        let (valid, total) = r.valid_count();
                        r.is_noisy()
                            && valid < total
                            && r.best_changed() == Some(true)
                            && r.best_index.is_some_and(|b| b <= 2)
                            && r.first_valid().is_some_and(|b| b <= 2)
                    })
                    .expect("the sample has such a vibe")
            };
            harness.state_mut().panels.vibes.state.select(row);
            harness.run();
        }
        if panel == Panel::Audition {
            // A preset, rendered, its layer levels open.
            harness.state_mut().panels.audition.settings.seconds = 20.0;
            harness.get_by_label("Presets").click();
            harness.run();
            harness.get_by_label("Cinematic rise").click();
            step_until(&mut harness, "the render", |h| {
                h.state().panels.audition.state.last.is_some()
                    && h.state().panels.audition.state.render_job().is_none()
            });
            harness.state_mut().ctx.player.seek(7.5);
            harness.get_by_label("Layer levels (before mixing)").click();
            harness.run();
        }
        if panel == Panel::Jobs {
            // The scaling-law fit, caught half-way with its live objective plot.
            {
                let ml = &mut harness.state_mut().panels.jobs.settings;
                ml.backend = Some(benchtop::ml::backend::Backend::Cpu);
                ml.solve = benchtop::ml::fit::SolveOptions {
                    step1_iterations: 1500,
                    step2_iterations: 3000,
                    learning_rate: 0.05,
                };
            }
            // Starting a burn job opens its details.
            harness.get_by_label("Fit scaling laws").click();
            harness.step();
            step_until(&mut harness, "the fit's step 2", |h| {
                h.state()
                    .ctx
                    .jobs
                    .statuses()
                    .iter()
                    .any(|j| j.name == "Fit scaling laws" && j.fraction.is_some_and(|f| f > 0.6))
            });
            // The vibe-to-config model training, caught in its last epoch with its live loss
            // and validation plots.
            let model = tempfile::tempdir().unwrap().keep();
            {
                let vibe = &mut harness.state_mut().panels.jobs.settings.vibe;
                vibe.epochs = 4;
                vibe.folder = model.display().to_string();
            }
            harness.get_by_label("Train vibe-to-config model").click();
            harness.step();
            step_until_within(&mut harness, "the training's last epoch", Duration::from_secs(300), |h| {
                h.state()
                    .ctx
                    .jobs
                    .statuses()
                    .iter()
                    .any(|j| j.name == "Train vibe-to-config model" && j.fraction.is_some_and(|f| f > 0.8))
            });
        }
        harness.remove_cursor();
        harness.run();
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
    harness.state_mut().panels.jobs.settings.vibe.vibe =
        "Rain on a harbour at night: slow, wistful, dim, cavernous".into();
    harness.get_by_label("Predict config").click();
    step_until(&mut harness, "the prediction", |h| h.state().panels.jobs.state.vibe.predicted.is_some());
    harness.remove_cursor();
    harness.run();
    save_shot(&mut harness, &out, "8-vibe-model.png");
}

#[test]
fn the_bundled_demo_data_opens_offline_and_says_it_is_synthetic() {
    let mut harness = harness_with(headless_machine(), [1100.0, 700.0]);
    probed(&mut harness);
    let dataset = harness.state().dataset().unwrap();
    assert!(dataset.source.synthetic);
    harness.get_by_label(" SYNTHETIC ");
    harness.get_by_label("synthetic demo data (datadecide-synthetic-demo-mean_eval_melted.parquet)");
    harness.get_by_label("170100 rows · 14 sizes · 25 recipes · 81 metrics · steps 0 to 69369");
    // Nothing but the start-up jobs ran, and no notification was raised for the automatic load.
    assert_eq!(harness.state().ctx.notifications.unread(), 0);
}

#[test]
fn a_remembered_file_that_is_gone_falls_back_to_the_demo_with_a_toast() {
    let storage = MemoryStorage::default();
    let mut storage = storage;
    let state = UiState {
        data: benchtop::app::DataSettings {
            file: Some("/nonexistent/mean_eval_melted.parquet".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    eframe::set_value(&mut storage, eframe::APP_KEY, &state);
    let storage_ref: &'static MemoryStorage = Box::leak(Box::new(storage));
    let config = headless_machine();
    let mut harness = Harness::builder().with_size([1100.0, 700.0]).build_eframe(move |cc| {
        cc.storage = Some(storage_ref);
        BenchtopApp::new(cc, config)
    });
    probed(&mut harness);
    harness.get_by_label("Job \"Open the last DataDecide table\" failed");
    harness.get_by_label_contains("opening /nonexistent/mean_eval_melted.parquet");
    assert!(harness.state().dataset().unwrap().source.synthetic);
    assert_eq!(harness.state().ctx.data.settings.file, None);
}

/// The label of benchtop's own path field (shown where the system file dialog cannot open).
const PATH_PROMPT: &str = "The system file dialog could not open here. Type the path:";

/// Replaces the text of the path field with `path`.
fn type_path(harness: &mut Harness<'_, BenchtopApp>, path: &std::path::Path) {
    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, PATH_PROMPT).focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, PATH_PROMPT)
        .type_text(path.to_str().unwrap());
    harness.run();
}

#[test]
fn the_data_menu_opens_a_file_dialog_on_a_worker_and_without_one_asks_for_a_path() {
    if benchtop::app::file_prompt::unavailable().is_none() {
        eprintln!("a desktop session is here: the system dialog would open; skipped");
        return;
    }
    let mut harness = harness_with(headless_machine(), [1100.0, 700.0]);
    probed(&mut harness);
    let open = |harness: &mut Harness<'_, BenchtopApp>| {
        harness.get_by_label("Data").click();
        harness.run();
        harness.get_by_label("Open table…  (Ctrl+O)").click();
        // Headless there is no dialog: the job says so and benchtop's own path field appears.
        step_until(harness, "the path field", |h| {
            h.query_by_role_and_label(
                egui::accesskit::Role::TextInput,
                "The system file dialog could not open here. Type the path:",
            )
            .is_some()
        });
    };
    open(&mut harness);
    harness.get_by_label_contains("the system file dialog could not open");
    // Cancel changes nothing.
    harness.get_by_label("Cancel").click();
    harness.run();
    assert!(harness.query_by_label_contains("Type the path").is_none());
    assert!(harness.state().dataset().unwrap().source.synthetic);
    // A typed path opens.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("typed.csv");
    std::fs::write(&csv, "params,data,step,tokens,compute,metric,value\n1B,C4,10,1e9,1e18,m,0.5\n").unwrap();
    open(&mut harness);
    type_path(&mut harness, &csv);
    harness.get_by_label("Open").click();
    step_until(&mut harness, "the typed table", |h| {
        h.state().dataset().is_some_and(|d| d.source.path == csv)
    });
    assert!(!harness.state().dataset().unwrap().source.synthetic);
}

mod common;

#[test]
fn fetch_and_build_from_a_local_hub_through_the_data_menu() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = common::local_hub(&dir.path().join("hub"));
    let config = AppConfig { cache_dir: Some(dir.path().join("cache")), ..headless_machine() };
    let mut harness = harness_with(config, [1100.0, 700.0]);
    harness.state_mut().ctx.data.settings.hub_base_url = server.base.clone();
    harness.get_by_label("Data").click();
    harness.run();
    harness.get_by_label("Fetch and build from the Hub").click();
    step_until(&mut harness, "the fetched table", |h| {
        h.state().dataset().is_some_and(|d| d.source.path.ends_with("mean_eval_melted.parquet"))
    });
    let dataset = harness.state().dataset().unwrap();
    // The served files were synthetic, and the built table says so.
    assert!(dataset.source.synthetic);
    // 25 recipes × 14 sizes × 2 checkpoints × (11 perplexities + 10 tasks × 7 metrics + the 7
    // metrics of the OLMES-10 macro average).
    assert_eq!(dataset.table.len(), 25 * 14 * 2 * (81 + 7));
    assert!(dataset.source.path.starts_with(dir.path().join("cache").join("datadecide")));
    harness.get_by_label_contains("Loaded synthetic data (mean_eval_melted.parquet)");
    // It is remembered for the next start.
    assert_eq!(harness.state().ctx.data.settings.file.as_deref(), Some(dataset.source.path.as_path()));
}

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

/// The Scaling panel on the bundled demo data.
fn scaling() -> Harness<'static, BenchtopApp> {
    scaling_with(headless_machine())
}

fn scaling_with(config: AppConfig) -> Harness<'static, BenchtopApp> {
    let mut harness = harness_with(config, [1280.0, 900.0]);
    harness.get_by_label("Scaling curves").click();
    // The seed bands are read on a worker: let that settle, so that nothing moves between
    // finding a widget and clicking it.
    step_until(&mut harness, "the panel's jobs", |h| h.state().ctx.jobs.active().next().is_none());
    harness
}

#[test]
fn choosing_a_metric_and_toggling_a_recipe_redraws_the_curves() {
    let mut harness = scaling();
    harness.get_by_label("16 curves");
    // Search for a task metric and pick it.
    let search = harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Metric");
    search.click();
    search.type_text("arc_easy_acc");
    settle(&mut harness);
    // The matching group opens with an animation: the item is picked through AccessKit (as a
    // screen reader would), so its position mid-animation does not matter.
    harness.get_by_label("arc_easy_acc_raw").click_accesskit();
    settle(&mut harness);
    assert_eq!(harness.state().panels.scaling.settings.selection.metric, "arc_easy_acc_raw");
    // Add a recipe: four sizes more curves.
    harness.get_by_label("FineWeb-Pro").click();
    settle(&mut harness);
    assert!(harness.state().panels.scaling.settings.selection.recipes.contains(&"FineWeb-Pro".to_owned()));
    harness.get_by_label("20 curves");
    // And drop a size.
    harness.get_by_label("60M").click();
    settle(&mut harness);
    harness.get_by_label("15 curves");
}

#[test]
fn log_axes_and_the_x_axis_switch() {
    // (The tick labels themselves are painted by the plot; analysis::axis tests them.)
    let dir = tempfile::tempdir().unwrap();
    let mut harness = scaling_with(AppConfig { save_dialog: saving_into(dir.path()), ..headless_machine() });
    let svg = dir.path().join("pile-valppl.svg");
    let export_svg = |harness: &mut Harness<'_, BenchtopApp>| {
        let _ = std::fs::remove_file(&svg);
        harness.get_by_label("SVG…").click();
        step_until(harness, "the SVG", |_| svg.exists());
        std::fs::read_to_string(&svg).unwrap()
    };
    // The default: compute on a log x axis, as the exported figure says.
    assert!(harness.state().panels.scaling.settings.selection.log_x);
    assert!(export_svg(&mut harness).contains("compute (FLOPs), log scale"));
    harness.get_by_label("log x").click();
    harness.run();
    assert!(!harness.state().panels.scaling.settings.selection.log_x);
    harness.get_by_label("step").click();
    harness.run();
    assert_eq!(harness.state().panels.scaling.settings.selection.x, benchtop::datadecide::query::XAxis::Step);
    let figure = export_svg(&mut harness);
    assert!(!figure.contains("log scale") && !figure.contains("compute"), "a linear step axis");
    // The series follow: the CSV's x column is now the step.
    harness.get_by_label("CSV…").click();
    let csv = dir.path().join("pile-valppl.csv");
    step_until(&mut harness, "the CSV", |_| csv.exists());
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().nth(1), Some("recipe,params,step,pile-valppl"));
}

#[test]
fn the_decision_view_shows_every_task_against_1b() {
    let mut harness = scaling();
    harness.get_by_label("Decision accuracy").click();
    harness.run();
    harness.get_by_label("arc_easy");
    harness.get_by_label("winogrande");
    // The target agrees with itself.
    assert_eq!(harness.get_all_by_label("100").count(), 10);
    harness.get_by_label_contains("mmlu_average_acc_raw: 150M against 1B");
}

#[test]
fn an_export_without_a_system_dialog_asks_for_the_path_and_writes_there() {
    use benchtop::app::file_prompt::DialogAnswer;
    let dir = tempfile::tempdir().unwrap();
    let no_dialog: benchtop::app::SaveDialog =
        Arc::new(|_, _, _| DialogAnswer::Unavailable("no portal".into()));
    let mut harness = scaling_with(AppConfig { save_dialog: no_dialog, ..headless_machine() });
    harness.get_by_label("CSV…").click();
    step_until(&mut harness, "the path field", |h| {
        h.query_by_role_and_label(egui::accesskit::Role::TextInput, PATH_PROMPT).is_some()
    });
    // The toast says why, and the field starts at a sensible place with the suggested name.
    harness.get_by_label_contains("the system file dialog could not open (no portal)");
    let suggested = harness.state().panels.scaling.settings.selection.metric.clone() + ".csv";
    let shown = harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, PATH_PROMPT)
        .value()
        .unwrap_or_default();
    assert!(shown.ends_with(&suggested), "{shown:?}");
    let csv = dir.path().join("typed.csv");
    type_path(&mut harness, &csv);
    harness.get_by_label("Save").click();
    step_until(&mut harness, "the typed CSV", |_| csv.exists());
    assert!(std::fs::read_to_string(&csv).unwrap().starts_with("# SYNTHETIC"));
}

#[test]
fn exports_write_the_figure_and_the_series_where_the_dialog_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = scaling_with(AppConfig { save_dialog: saving_into(dir.path()), ..headless_machine() });
    harness.get_by_label("CSV…").click();
    step_until(&mut harness, "the CSV", |_| dir.path().join("pile-valppl.csv").exists());
    let csv = std::fs::read_to_string(dir.path().join("pile-valppl.csv")).unwrap();
    assert!(csv.starts_with("# SYNTHETIC"));
    // 16 curves of 6 checkpoints, a header and the caption.
    assert_eq!(csv.lines().count(), 16 * 6 + 2);
    // Ctrl+E: the PNG, at the chosen figure size.
    harness.state_mut().panels.scaling.settings.figure_size = [900, 600];
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    step_until(&mut harness, "the PNG", |_| dir.path().join("pile-valppl.png").exists());
    let image = image::open(dir.path().join("pile-valppl.png")).unwrap();
    assert_eq!((image.width(), image.height()), (900, 600));
    harness.get_by_label_contains("pile-valppl.png");
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

#[test]
fn the_ft_vs_pt_panel_shows_the_sample_and_its_table() {
    let mut harness = harness_with(headless_machine(), [1280.0, 900.0]);
    harness.get_by_label("FT vs PT").click();
    step_until(&mut harness, "the sample", |h| h.state().panels.ft.state.runs.is_some());
    harness.get_by_label(" SYNTHETIC ");
    harness.get_by_label("128 runs · above the line, fine-tuning helped");
    // Another metric.
    harness.get_by_role_and_label(egui::accesskit::Role::ComboBox, "metric").click();
    harness.run();
    harness.get_by_label("piqa_primary_metric").click();
    harness.run();
    assert_eq!(harness.state().panels.ft.settings.metric, "piqa_primary_metric");
    // The table: fold the PT metrics away, then choose a run for the loss curves.
    harness.get_by_label("Runs table").click();
    harness.run();
    harness.get_by_label("PT metrics (5)").click();
    harness.run();
    assert!(harness.state().panels.ft.settings.hidden_groups.contains("PT metrics"));
    assert!(harness.query_by_label("pt_piqa_primary_metric").is_none());
    harness.get_by_label("synthetic-ft-010").click();
    harness.run();
    assert!(harness.state().panels.ft.state.chosen.contains("synthetic-ft-010"));
    harness.get_by_label("Loss curves").click();
    harness.run();
    harness.get_by_label_contains("7 of 128 runs drawn");
}

#[test]
fn the_plot_as_on_screen_is_cropped_from_a_frame_drawn_at_twice_the_scale() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = scaling_with(AppConfig { save_dialog: saving_into(dir.path()), ..headless_machine() });
    let scale = harness.ctx.pixels_per_point();
    harness.get_by_label("As on screen…").click();
    let png = dir.path().join("plot.png");
    // Where the plot is in the frames drawn at twice the scale (kittest does not grow the window
    // as the real one does, so the layout there is its own).
    let zoomed = std::cell::Cell::new(None);
    step_until(&mut harness, "the copy of the plot", |h| {
        if h.ctx.pixels_per_point() == 2.0 * scale {
            zoomed.set(h.state().panels.scaling.state.plot_rect());
        }
        png.exists()
    });
    let image = image::open(&png).unwrap().to_rgba8();
    // The plot's rectangle (not the window), at two pixels a point.
    let rect = zoomed.get().expect("frames were drawn at twice the scale");
    let (w, h) = (2.0 * scale * rect.width(), 2.0 * scale * rect.height());
    assert!((image.width() as f32 - w).abs() <= 2.0, "width {} vs {w}", image.width());
    assert!((image.height() as f32 - h).abs() <= 2.0, "height {} vs {h}", image.height());
    assert!(image.width() < (2.0 * scale * 1280.0 / 2.0) as u32, "a crop, not the whole window");
    // It holds a drawing, not one flat colour.
    let first = image.get_pixel(0, 0);
    assert!(image.pixels().any(|p| p != first), "the copy is blank");
    // And the scale is back.
    assert_eq!(harness.ctx.pixels_per_point(), scale);
}

// ---- The Vibes panel -------------------------------------------------------------------------

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
    let config = AppConfig { cache_dir: Some(dir.path().to_owned()), ..headless_machine() };
    let mut harness = vibes_with(config);
    harness.state_mut().ctx.data.settings.hub_base_url = server.base.clone();
    harness.get_by_label("Embedding map (Hub)").click();
    step_until(&mut harness, "the map", |h| {
        h.state().panels.vibes.state.loading_job().is_none()
            && h.state().panels.vibes.settings.source.is_some()
    });
    let cached = cached_map(dir.path()).expect("the map's commit is pinned after the fetch");
    assert!(cached.to_string_lossy().contains(commit), "{}", cached.display());
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

#[test]
fn a_scaling_law_fit_started_in_the_jobs_panel_draws_dashed_predictions() {
    let mut harness = harness_with(headless_machine(), [1280.0, 900.0]);
    {
        let ml = &mut harness.state_mut().panels.jobs.settings;
        ml.backend = Some(benchtop::ml::backend::Backend::Cpu);
        // Few iterations: this checks the plumbing; the fit's accuracy has its own tests.
        ml.solve = benchtop::ml::fit::SolveOptions {
            step1_iterations: 30,
            step2_iterations: 60,
            learning_rate: 0.05,
        };
    }
    harness.get_by_label("Jobs").click();
    harness.run();
    harness.get_by_label("Fit scaling laws").click();
    // The running job repaints as it reports: step, not run, until it ends.
    harness.step();
    step_until(&mut harness, "the fit", |h| h.state().ctx.fit.is_some());
    // The demo table has 10 tasks with both metrics, 25 recipes each.
    let table = harness.state().dataset().unwrap().table.clone();
    let tasks: Vec<&String> = table
        .metrics
        .iter()
        .filter(|m| {
            m.ends_with("_bits_per_byte_corr")
                && table.metrics.contains(&m.replace("_bits_per_byte_corr", "_acc_raw"))
        })
        .collect();
    let report = harness.state().ctx.fit.as_ref().unwrap().report.clone();
    assert_eq!(report.rows.len(), tasks.len() * table.recipes.len());
    // The job reported its objective as it went, iteration after iteration.
    let status =
        harness.state().ctx.jobs.statuses().iter().find(|j| j.name == "Fit scaling laws").unwrap().clone();
    assert_eq!(status.state, benchtop::jobs::JobState::Done);
    let (_, step1) = status.metrics.iter().find(|(name, _)| name.starts_with("step 1")).unwrap();
    assert!(step1.len() >= 2 && step1.windows(2).all(|w| w[0][0] < w[1][0]));
    // The results table links each task to its curves, where the predictions are drawn dashed.
    // It sits below the job's details (opened when the fit started): clicked through AccessKit.
    harness.get_by_label("arc_easy").click_accesskit();
    // The Scaling panel reads the new metric's seed bands on a worker: let that settle.
    harness.step();
    step_until(&mut harness, "the panel's jobs", |h| h.state().ctx.jobs.active().next().is_none());
    let state = harness.state().ui_state();
    assert_eq!(state.panel, Panel::ScalingCurves);
    assert_eq!(state.scaling.selection.metric, "arc_easy_acc_raw");
    harness.get_by_label_contains("dashed: the scaling-law fit's predictions up to 1B");
}
