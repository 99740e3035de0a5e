//! The question a download asks when nothing can verify it: the Hub's listing failed or gave no
//! size and SHA-256. Downloads fail closed; only the user's explicit "yes" here (the CLI's
//! `--no-verify`) fetches the file unchecked.

use crate::download::DownloadError;
use crate::jobs::JobError;

/// A download that stopped unverified, with what retrying it unchecked needs.
pub struct Ask<T> {
    /// What was being downloaded ("the DataDecide files", "the embedding map").
    pub what: String,
    /// Why it could not be verified.
    pub why: String,
    pub retry: T,
}

/// Why a failed job's download could not be verified, when that is why it failed.
pub fn reason(err: &JobError) -> Option<String> {
    let JobError::Failed(err) = err else { return None };
    err.chain().find_map(|e| match e.downcast_ref::<DownloadError>() {
        Some(DownloadError::Unverified { url, why }) => Some(format!("{url}: {why}")),
        _ => None,
    })
}

/// Shows the question while `ask` holds one; gives the retry back when the user agrees to
/// download unchecked (and forgets the question either way once answered).
pub fn window<T>(ctx: &egui::Context, ask: &mut Option<Ask<T>>) -> Option<T> {
    let question = ask.as_ref()?;
    let mut answer = None;
    egui::Window::new("Download without verification?")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(format!(
                "benchtop could not learn the size and SHA-256 of {} from the Hub, so it cannot check \
                 that what arrives is the file the Hub holds. Nothing was downloaded.",
                question.what
            ));
            ui.add_space(4.0);
            ui.weak(&question.why);
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Download unchecked").clicked() {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    answer = Some(false);
                }
            });
        });
    match answer {
        Some(true) => ask.take().map(|a| a.retry),
        Some(false) => {
            *ask = None;
            None
        }
        None => None,
    }
}
