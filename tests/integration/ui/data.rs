//! The Data menu: the bundled demo, a remembered file that is gone, opening (with and without a system dialog), fetching and building from a local Hub.

use super::*;
use crate::common;

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

#[test]
fn fetch_and_build_from_a_local_hub_through_the_data_menu() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = common::local_hub(&dir.path().join("hub"));
    let config = AppConfig {
        cache_dir: Some(dir.path().join("cache")),
        hub_cache_dir: Some(dir.path().join("hf-hub")),
        ..headless_machine()
    };
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
    // The files it was built from went to the Hugging Face cache.
    assert!(dir.path().join("hf-hub/datasets--allenai--DataDecide-ppl-results/snapshots").is_dir());
    harness.get_by_label_contains("Loaded synthetic data (mean_eval_melted.parquet)");
    // It is remembered for the next start.
    assert_eq!(harness.state().ctx.data.settings.file.as_deref(), Some(dataset.source.path.as_path()));
}
