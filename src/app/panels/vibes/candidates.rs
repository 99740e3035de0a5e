//! The chosen vibe's candidates side by side: titles, validity flags, scores, palettes, the
//! audition buttons (play, A/B, WAV and JSON export), the model's thinking, and every config field
//! with the disagreements marked.

use super::state::Detail;
use super::{CandidateKey, VibesSettings, VibesState, changed_colour};
use crate::app::AppCtx;
use crate::audio::engine::Player;
use crate::synth::config::Field;
use crate::synth::payload::Palette;
use crate::vibes::VibeRow;

/// What a candidate's buttons asked for.
enum Asked {
    Play,
    Ab(usize),
    Wav,
    Json,
}

/// The candidates of the chosen vibe (`row` in the set).
pub(super) fn candidates(
    ui: &mut egui::Ui,
    state: &mut VibesState,
    settings: &mut VibesSettings,
    ctx: &mut AppCtx,
    (vibe, row): (&VibeRow, usize),
) {
    let Some(d) = state.detail.take() else { return };
    let n = d.payloads.len();
    if n == 0 {
        ui.weak("This row has no config candidates (a 02a vibes file).");
        state.detail = Some(d);
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!("{n} candidate(s)"));
        let differing = d.comparison.majority.iter().filter(|m| m.is_some()).count();
        ui.label(format!("· {differing} of {} fields differ", d.comparison.majority.len()));
        ui.checkbox(&mut settings.only_differing, "Only fields that differ");
        ui.checkbox(&mut settings.show_thinking, "Show thinking");
    });
    let mut asked = None;
    egui::ScrollArea::both().id_salt("vibe_candidates").auto_shrink([false, false]).show(ui, |ui| {
        egui::Grid::new("candidate_grid")
            .num_columns(n + 1)
            .striped(true)
            .min_col_width(120.0)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                heads(ui, vibe, n);
                titles_and_flags(ui, vibe, &d);
                scores(ui, vibe, n);
                palettes(ui, &d);
                asked = audition_row(ui, state, &ctx.player, &d, row);
                if settings.show_thinking {
                    thinking(ui, &d);
                }
                fields(ui, &d, settings.only_differing);
            });
    });
    state.detail = Some(d);
    match asked {
        Some((key, Asked::Play)) => state.play(key, settings, ctx),
        Some((key, Asked::Ab(slot))) => state.set_ab(slot, key),
        Some((key, Asked::Wav)) => state.export_wav(key, settings, ctx),
        Some((key, Asked::Json)) => state.export_config(key, ctx),
        None => {}
    }
}

/// The header row: each candidate's number, the best one marked, 02b's pick where 02c changed it.
fn heads(ui: &mut egui::Ui, vibe: &VibeRow, n: usize) {
    let first_valid = vibe.first_valid();
    ui.label("");
    for c in 0..n {
        ui.horizontal(|ui| {
            ui.strong(format!("#{}", c + 1));
            if vibe.best_index == Some(c) {
                let best = egui::RichText::new(" BEST ")
                    .strong()
                    .color(egui::Color32::BLACK)
                    .background_color(egui::Color32::from_rgb(120, 200, 120));
                let note = match vibe.best_changed() {
                    Some(true) => "02c's best by score; 02b had chosen another (the first valid one)",
                    Some(false) => "02c's best by score, the same as 02b's choice",
                    None => "the row's best_index",
                };
                ui.label(best).on_hover_text(note);
            }
            if first_valid == Some(c) && vibe.best_changed() == Some(true) {
                ui.weak("02b's pick").on_hover_text("02b chose the first candidate whose three flags hold");
            }
        });
    }
    ui.end_row();
}

/// The titles, and the format / schema / palette flags.
fn titles_and_flags(ui: &mut egui::Ui, vibe: &VibeRow, d: &Detail) {
    ui.strong("title");
    for p in &d.payloads {
        match p {
            Some(p) => ui.label(egui::RichText::new(p.title.clone().unwrap_or_default()).strong()),
            None => ui.colored_label(ui.visuals().error_fg_color, "generation failed (null)"),
        };
    }
    ui.end_row();
    ui.strong("validity");
    for c in 0..d.payloads.len() {
        ui.vertical(|ui| {
            flag_label(ui, "format", vibe.format_valid.get(c).copied().flatten());
            flag_label(ui, "schema", vibe.schema_valid.get(c).copied().flatten());
            flag_label(ui, "palette", vibe.palette_valid.get(c).copied().flatten());
        });
    }
    ui.end_row();
}

/// Each scorer's score of each candidate, and the best one's score parts.
fn scores(ui: &mut egui::Ui, vibe: &VibeRow, n: usize) {
    if vibe.clap_scores.is_empty() && vibe.other_scores.is_empty() {
        return;
    }
    ui.strong("scores");
    for c in 0..n {
        ui.vertical(|ui| {
            let score = |s: Option<&Option<f64>>| {
                s.copied().flatten().map_or("not scored".to_owned(), |x| format!("{x:.4}"))
            };
            if !vibe.clap_scores.is_empty() {
                ui.monospace(format!("clap {}", score(vibe.clap_scores.get(c))));
            }
            for (name, scores) in &vibe.other_scores {
                ui.monospace(format!("{name} {}", score(scores.get(c))));
            }
            if vibe.best_index == Some(c) && !vibe.score_parts.is_empty() {
                ui.weak("parts…").on_hover_ui(|ui| {
                    for (scorer, parts) in &vibe.score_parts {
                        for (part, v) in parts {
                            ui.monospace(format!("{scorer}.{part} {v:.4}"));
                        }
                    }
                });
            }
        });
    }
    ui.end_row();
}

fn palettes(ui: &mut egui::Ui, d: &Detail) {
    ui.strong("palettes");
    for p in &d.payloads {
        match p {
            Some(p) => palette_swatches(ui, &p.palettes),
            None => {
                ui.label("");
            }
        }
    }
    ui.end_row();
}

/// Each candidate's buttons; what one asked for.
fn audition_row(
    ui: &mut egui::Ui,
    state: &VibesState,
    player: &Player,
    d: &Detail,
    row: usize,
) -> Option<(CandidateKey, Asked)> {
    let mut asked = None;
    ui.strong("audition");
    for (c, p) in d.payloads.iter().enumerate() {
        let key = (row, c);
        if p.is_none() {
            ui.label("");
            continue;
        }
        let now = state.playing == Some(key) && state.is_loaded(key, player);
        let rendering = state.render.context().is_some_and(|(k, _)| *k == key);
        if let Some(action) = candidate_controls(ui, key, now && player.is_playing(), rendering, state.ab) {
            asked = Some((key, action));
        }
    }
    ui.end_row();
    asked
}

fn thinking(ui: &mut egui::Ui, d: &Detail) {
    ui.strong("thinking");
    for p in &d.payloads {
        let text = p.as_ref().and_then(|p| p.thinking.clone()).unwrap_or_default();
        ui.add(egui::Label::new(egui::RichText::new(text).small()).wrap());
    }
    ui.end_row();
}

/// Every config field (or only those that differ): the name marked where the candidates
/// disagree, invalid values in red, values against the majority highlighted.
fn fields(ui: &mut egui::Ui, d: &Detail, only_differing: bool) {
    for (f, field) in Field::all().enumerate() {
        let differs = d.comparison.majority[f].is_some();
        if only_differing && !differs {
            continue;
        }
        let name = egui::RichText::new(field.spec().name);
        let name = if differs { name.strong().color(ui.visuals().warn_fg_color) } else { name };
        ui.label(name).on_hover_text(field.spec().description);
        for cell in &d.comparison.cells[f] {
            let Some(cell) = cell else {
                ui.label("");
                continue;
            };
            let mut rich = egui::RichText::new(&cell.text);
            if cell.invalid {
                rich = rich.color(ui.visuals().error_fg_color).strong();
            } else if d.comparison.against_majority(f, cell) {
                rich = rich.background_color(changed_colour(ui));
            }
            let response = ui.label(rich);
            if cell.invalid {
                response
                    .on_hover_text(format!("not a valid {}: the synth uses its fallback", field.spec().name));
            }
        }
        ui.end_row();
    }
}

/// A candidate's play, A, B, WAV and JSON buttons.
fn candidate_controls(
    ui: &mut egui::Ui,
    key: CandidateKey,
    playing: bool,
    rendering: bool,
    ab: [Option<CandidateKey>; 2],
) -> Option<Asked> {
    let (mut asked, c) = (None, key.1);
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            let label = match (playing, rendering) {
                (true, _) => format!("Pause #{}", c + 1),
                (_, true) => format!("Rendering #{}", c + 1),
                _ => format!("Play #{}", c + 1),
            };
            let play = ui.add_enabled(!rendering, egui::Button::new(label));
            if play.on_hover_text("Render with benchtop's synth (the sanitized config) and play").clicked() {
                asked = Some(Asked::Play);
            }
            for (slot, name) in ["A", "B"].into_iter().enumerate() {
                let on = ab[slot] == Some(key);
                if ui
                    .selectable_label(on, name)
                    .on_hover_text(format!("Use as {name} for A/B switching (X switches)"))
                    .accessible_name(format!("Candidate {} as {name}", c + 1))
                    .clicked()
                {
                    asked = Some(Asked::Ab(slot));
                }
            }
        });
        ui.horizontal(|ui| {
            let wav = ui.small_button("WAV…").accessible_name(format!("Export WAV of candidate {}", c + 1));
            if wav.on_hover_text("Export this candidate's render").clicked() {
                asked = Some(Asked::Wav);
            }
            let json =
                ui.small_button("JSON…").accessible_name(format!("Export config of candidate {}", c + 1));
            if json.on_hover_text("Export this candidate's config as written").clicked() {
                asked = Some(Asked::Json);
            }
        });
    });
    asked
}

fn palette_swatches(ui: &mut egui::Ui, palettes: &[Palette]) {
    if palettes.is_empty() {
        ui.weak("no palettes");
        return;
    }
    ui.vertical(|ui| {
        for (i, palette) in palettes.iter().enumerate() {
            let (rect, response) = ui.allocate_exact_size(egui::vec2(140.0, 12.0), egui::Sense::hover());
            let painter = ui.painter_at(rect);
            let total: f32 = palette.colours.iter().map(|c| c.weight_units()).sum::<f32>().max(1.0);
            let mut x = rect.left();
            for colour in &palette.colours {
                let w = rect.width() * colour.weight_units() / total;
                let r = egui::Rect::from_min_size(egui::pos2(x, rect.top()), egui::vec2(w, rect.height()));
                match colour.rgb() {
                    Some([red, green, blue]) => {
                        painter.rect_filled(r, 0.0, egui::Color32::from_rgb(red, green, blue));
                    }
                    None => {
                        painter.rect_stroke(
                            r.shrink(1.0),
                            0.0,
                            (1.5, egui::Color32::RED),
                            egui::StrokeKind::Inside,
                        );
                    }
                }
                x += w;
            }
            response.on_hover_ui(|ui| {
                ui.label(format!("palette {}: {} colours", i + 1, palette.colours.len()));
                for c in &palette.colours {
                    ui.monospace(format!("{} {}", c.hex, c.weight));
                }
            });
        }
    });
}

fn flag_label(ui: &mut egui::Ui, name: &str, flag: Option<bool>) {
    let (text, colour) = match flag {
        Some(true) => (format!("{name} ok"), egui::Color32::from_rgb(90, 170, 90)),
        Some(false) => (format!("{name} invalid"), ui.visuals().error_fg_color),
        None => (format!("{name} ?"), ui.visuals().weak_text_color()),
    };
    ui.colored_label(colour, text);
}
