//! The Scaling curves panel: choosing metrics and recipes, axes, the decision view, exports (with and without a system dialog), the plot as on screen.

use super::*;

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
