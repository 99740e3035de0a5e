//! The Jobs panel: a running job and its Cancel, training and prediction, the scaling-law fit drawn on the Scaling panel.

use super::*;

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

#[test]
fn training_starts_from_its_button_and_the_prediction_auditions_in_one_click() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness_with(headless_machine(), [1280.0, 900.0]);
    {
        let ml = &mut harness.state_mut().panels.jobs.settings;
        ml.backend = Some(benchtop::ml::backend::Backend::Cpu);
        ml.vibe.epochs = 1;
        ml.vibe.folder = dir.path().join("model").display().to_string();
        ml.vibe.model = benchtop::app::panels::jobs::vibe_model::ModelChoice::Trained;
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
    let (state, _) = watch_job(&mut harness, "Predict a config (trained model)", Duration::from_secs(60));
    assert_eq!(state, benchtop::jobs::JobState::Done);
    harness.run_ok();
    harness.get_by_label_contains("Config predicted for");
    harness.get_by_label("Render & audition").click();
    harness.step();
    assert_eq!(harness.state().panel, Panel::Audition);
    let predicted = harness.state().panels.jobs.state.vibe.predicted.clone().unwrap().config;
    assert_eq!(harness.state().panels.audition.state.config, predicted);
    assert!(
        harness.state().panels.audition.state.render_job().is_some(),
        "the predicted config is rendering"
    );
    // A split of the set open in Vibes (the bundled 02c sample), predicted and opened in Vibes.
    harness.get_by_label("Jobs").click();
    harness.step();
    harness.get_by_label("Predict a split").click();
    let (state, _) =
        watch_job(&mut harness, "Predict configs for TEST (trained small model)", Duration::from_secs(60));
    assert_eq!(state, benchtop::jobs::JobState::Done);
    harness.step();
    // Below the fold: clicked through AccessKit, as a screen reader would.
    harness.get_by_label("Open in Vibes").click_accesskit();
    harness.step();
    assert_eq!(harness.state().panel, Panel::Vibes);
    let written = dir.path().join("model").join("predictions-trained-TEST.jsonl");
    let deadline = Instant::now() + Duration::from_secs(30);
    while harness.state().panels.vibes.state.set.as_ref().is_none_or(|s| s.files != [written.clone()]) {
        assert!(Instant::now() < deadline, "the predictions did not open in Vibes");
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    let set = harness.state().panels.vibes.state.set.clone().unwrap();
    assert!(!set.rows.is_empty() && set.rows.iter().all(|r| r.valid_count() == (1, 1)));
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

/// A map of the bundled SYNTHETIC training set's first `rows` rows (all but TEST), built with the
/// test model.
pub(super) fn small_map(dir: &std::path::Path, rows: usize) -> std::path::PathBuf {
    let mut set = benchtop::vibes::VibeSet::training_sample().unwrap();
    set.rows.truncate(rows);
    let embedder = benchtop::ml::minilm::Embedder::load(
        &crate::common::test_model(),
        benchtop::ml::backend::Backend::Cpu,
    )
    .unwrap();
    let out = dir.join("map.jsonl");
    benchtop::ml::fast::build_map(&set, &embedder, None, &out, &benchtop::jobs::Silent).unwrap();
    out
}

#[test]
fn the_fast_model_shows_its_neighbours_auditions_and_scores_a_split_beside_the_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let map = small_map(dir.path(), 300);
    let mut harness = harness_with(headless_machine(), [1280.0, 900.0]);
    {
        let ml = &mut harness.state_mut().panels.jobs.settings;
        ml.backend = Some(benchtop::ml::backend::Backend::Cpu);
        ml.vibe.folder = dir.path().join("model").display().to_string();
        ml.vibe.minilm = crate::common::test_model().display().to_string();
        ml.vibe.map = map.display().to_string();
        ml.vibe.k = 3;
        ml.vibe.vibe = "a languid, sleepy summer afternoon in the shade".into();
    }
    harness.get_by_label("Jobs").click();
    harness.run_ok();
    assert_eq!(harness.state().panels.jobs.settings.vibe.model, Default::default(), "fast is the default");
    harness.get_by_label("Predict config").click();
    let (state, _) = watch_job(&mut harness, "Predict a config (fast model)", Duration::from_secs(120));
    assert_eq!(state, benchtop::jobs::JobState::Done);
    harness.run_ok();
    let predicted = harness.state().panels.jobs.state.vibe.predicted.clone().unwrap();
    assert_eq!(predicted.neighbours.len(), 3);
    assert!(predicted.synthetic && predicted.confidence.is_none());
    assert!(predicted.neighbours.windows(2).all(|w| w[0].similarity >= w[1].similarity));
    // The answer is the nearest row's config, as the map file holds it.
    let line = std::fs::read_to_string(&map)
        .unwrap()
        .lines()
        .nth(predicted.neighbours[0].line - 1)
        .unwrap()
        .to_owned();
    let row: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(row["vibe_original"], serde_json::json!(predicted.neighbours[0].vibe));
    let config = benchtop::synth::config::MusicConfig::from_json(row["config"].as_object().unwrap()).config;
    assert_eq!(predicted.config, config);
    harness.get_by_label("Nearest vibes in the map (the first one's config is the answer):");
    harness.get_by_label(&crate::common::shorten(&predicted.neighbours[0].vibe));
    harness.get_by_label("Render & audition").click();
    harness.step();
    assert_eq!(harness.state().panel, Panel::Audition);
    assert_eq!(harness.state().panels.audition.state.config, config);
    // A split of the set open in Vibes (the bundled 02c sample): predicted, then scored.
    harness.get_by_label("Jobs").click();
    harness.step();
    harness.get_by_label("Predict a split").click();
    let (state, _) = watch_job(
        &mut harness,
        "Predict configs for TEST (fast (MiniLM retrieval))",
        Duration::from_secs(180),
    );
    assert_eq!(state, benchtop::jobs::JobState::Done);
    harness.run_ok();
    let outcome = harness.state().panels.jobs.state.vibe.batch_result.clone().unwrap();
    let scores = outcome.scores.expect("the split is scored");
    // No trained model in the folder: the fast model and the two baselines.
    assert_eq!(scores.columns.len(), 3, "{:?} {:?}", scores.columns, outcome.notes);
    assert!(scores.columns[0].starts_with("LatentScore fast"));
    assert!(outcome.notes.iter().any(|n| n.starts_with("trained model:")), "{:?}", outcome.notes);
    harness.get_by_label("mean over fields");
}
