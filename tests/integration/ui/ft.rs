//! The FT vs PT panel.

use super::*;

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
