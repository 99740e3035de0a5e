//! The panels whose issues have not landed yet: each says plainly what will arrive there.

use super::Panel;

struct Plan {
    heading: &'static str,
    issues: &'static str,
    arrives: &'static [&'static str],
}

fn plan(panel: Panel) -> Option<Plan> {
    Some(match panel {
        Panel::Vibes => Plan {
            heading: "LatentScore vibes and candidates",
            issues: "issue #6",
            arrives: &[
                "the vibes table from the pipeline's JSONL files, with filters, search and counts",
                "a vibe's original and noisy text with the changes highlighted",
                "its config candidates side by side: fields that differ, validity flags, scores, palettes",
                "a play button on every candidate, A/B switching, WAV and JSON export",
            ],
        },
        Panel::ScalingCurves | Panel::FtVsPt | Panel::Audition | Panel::Jobs => return None,
    })
}

pub fn show(ui: &mut egui::Ui, panel: Panel) {
    let Some(p) = plan(panel) else { return };
    ui.heading(p.heading);
    ui.add_space(4.0);
    show_plan(ui, panel);
}

/// What is still to come in a panel, and with which issue.
pub fn show_plan(ui: &mut egui::Ui, panel: Panel) {
    let Some(plan) = plan(panel) else { return };
    ui.label(format!("Not built yet: this panel's views arrive with {}.", plan.issues));
    ui.add_space(8.0);
    ui.label("What will be here:");
    for item in plan.arrives {
        ui.label(format!("• {item}"));
    }
}
