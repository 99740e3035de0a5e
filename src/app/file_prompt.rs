//! Choosing a file where the system's dialog cannot open (no desktop portal and no zenity, as on
//! a bare window manager or under Xvfb): the job says so (a toast, through its failure) and the
//! panel offers benchtop's own path field, filled with a sensible default, so opening and
//! exporting always work.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::jobs::JobError;

/// What a file dialog gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogAnswer {
    Chosen(PathBuf),
    /// The user closed it.
    Cancelled,
    /// It could not open; why.
    Unavailable(String),
}

/// How [`NoDialog`]'s message begins.
pub const NO_DIALOG: &str = "the system file dialog could not open";

/// The error a job ends with when the system dialog could not open; the panel then asks in its
/// own window.
#[derive(Debug, thiserror::Error)]
#[error("{NO_DIALOG} ({why}); type the path in benchtop's own field instead")]
pub struct NoDialog {
    pub why: String,
}

impl DialogAnswer {
    /// The chosen path, `None` when cancelled, [`NoDialog`] when the dialog could not open.
    pub fn path(self) -> Result<Option<PathBuf>, NoDialog> {
        match self {
            DialogAnswer::Chosen(path) => Ok(Some(path)),
            DialogAnswer::Cancelled => Ok(None),
            DialogAnswer::Unavailable(why) => Err(NoDialog { why }),
        }
    }
}

/// Whether a failed job failed because the dialog could not open.
pub fn no_dialog(err: &JobError) -> bool {
    matches!(err, JobError::Failed(e) if e.chain().any(|c| c.downcast_ref::<NoDialog>().is_some()))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Why the system dialog cannot open here, when that is known before trying.
pub fn unavailable() -> Option<String> {
    if cfg!(target_os = "linux") {
        let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
            || std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| Path::new(&d).join("bus").exists());
        if !bus && !on_path("zenity") {
            return Some("no desktop portal (no D-Bus session) and no zenity".to_owned());
        }
    }
    None
}

/// Runs a dialog; an answer of nothing that comes back at once, where zenity is missing, is the
/// portal failing, not the user.
fn run(dialog: impl FnOnce() -> Option<PathBuf>) -> DialogAnswer {
    if let Some(why) = unavailable() {
        return DialogAnswer::Unavailable(why);
    }
    let started = Instant::now();
    match dialog() {
        Some(path) => DialogAnswer::Chosen(path),
        None if started.elapsed() < Duration::from_millis(300)
            && cfg!(target_os = "linux")
            && !on_path("zenity") =>
        {
            DialogAnswer::Unavailable(
                "the desktop portal did not answer and zenity is not installed".to_owned(),
            )
        }
        None => DialogAnswer::Cancelled,
    }
}

/// The system's save dialog.
pub fn save(name: &str, filter: &str, extension: &str) -> DialogAnswer {
    run(|| rfd::FileDialog::new().set_file_name(name).add_filter(filter, &[extension]).save_file())
}

/// The system's open dialog for a file (with these filters) or a folder.
pub fn open(title: &str, filters: &[(&str, &[&str])], folder: bool) -> DialogAnswer {
    run(|| {
        let mut dialog = rfd::FileDialog::new().set_title(title);
        if folder {
            return dialog.pick_folder();
        }
        for (name, extensions) in filters {
            dialog = dialog.add_filter(*name, extensions);
        }
        dialog.add_filter("All files", &["*"]).pick_file()
    })
}

/// Where a typed path starts: the documents folder, else home, else the working folder.
pub fn default_folder() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|u| u.document_dir().map(Path::to_path_buf).or_else(|| Some(u.home_dir().to_path_buf())))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A path asked for in benchtop's own window.
#[derive(Clone, Debug)]
pub struct PathPrompt {
    pub title: String,
    pub text: String,
    /// The button's word: "Open", "Save".
    pub action: &'static str,
}

impl PathPrompt {
    pub fn new(title: impl Into<String>, default: &Path, action: &'static str) -> Self {
        Self { title: title.into(), text: default.display().to_string(), action }
    }

    /// Draws the prompt while `slot` holds one; gives the path when confirmed (Enter or the
    /// button) and empties the slot when answered either way.
    pub fn show(ctx: &egui::Context, slot: &mut Option<PathPrompt>) -> Option<PathBuf> {
        let prompt = slot.as_mut()?;
        let (mut chosen, mut closed) = (None, false);
        let window = egui::Window::new(prompt.title.clone()).collapsible(false).resizable(false);
        window.anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0]).min_width(480.0).show(ctx, |ui| {
            let label = ui.label("The system file dialog could not open here. Type the path:");
            let field = ui
                .add(egui::TextEdit::singleline(&mut prompt.text).desired_width(460.0))
                .labelled_by(label.id);
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                let ok = !prompt.text.trim().is_empty();
                if ui.add_enabled(ok, egui::Button::new(prompt.action)).clicked() || (entered && ok) {
                    chosen = Some(PathBuf::from(prompt.text.trim()));
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    closed = true;
                }
            });
        });
        if chosen.is_some() || closed {
            *slot = None;
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_become_paths_or_the_no_dialog_error() {
        assert_eq!(DialogAnswer::Chosen("/a".into()).path().unwrap(), Some(PathBuf::from("/a")));
        assert_eq!(DialogAnswer::Cancelled.path().unwrap(), None);
        let err = DialogAnswer::Unavailable("no portal".into()).path().unwrap_err();
        let job = JobError::Failed(anyhow::Error::new(err).context("exporting"));
        assert!(no_dialog(&job));
        assert!(!no_dialog(&JobError::Failed(anyhow::anyhow!("disk full"))));
    }
}
