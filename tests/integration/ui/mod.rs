//! The window, driven through AccessKit queries (no display needed), and a few rendered
//! snapshots on whatever wgpu adapter the machine has (Mesa's lavapipe in CI).

use benchtop::app::{AppConfig, BenchtopApp, Panel, UiState};
use benchtop::audio::engine::MockBackend;
use benchtop::ml::backend::{AdapterSummary, ComputeProbe};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod audition;
mod data;
mod ft;
mod jobs;
mod scaling;
mod shell;
mod vibes;

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
        hub_cache_dir: None,
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

/// Renders the window and writes it to `out/name`.
fn save_shot(harness: &mut Harness<'_, BenchtopApp>, out: &std::path::Path, name: &str) {
    let image = harness.render().expect("rendering needs a wgpu adapter (install mesa-vulkan-drivers)");
    let path = out.join(name);
    image.save(&path).unwrap();
    println!("wrote {}", path.display());
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
