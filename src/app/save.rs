//! Saving to files from the window: the system save dialog (run on a worker), the save job that
//! writes where it says (or, where no dialog can open, where the user types), and the two exports
//! the panels share: a clip as WAV (rendered first if needed) and a value as JSON.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::file_prompt::{self, DialogAnswer, PathPrompt};
use crate::audio::engine::Clip;
use crate::audio::wav::{WavFormat, write_wav};
use crate::jobs::{JobCtx, Jobs, Latest, Scaled};
use crate::notify::Notifications;
use crate::synth::config::MusicConfig;

/// Asks where to save a file: (suggested file name, filter name, extension) to an answer. Runs on
/// a worker. The app uses the system dialog (rfd); tests answer with paths of their own.
pub type SaveDialog = Arc<dyn Fn(&str, &str, &str) -> DialogAnswer + Send + Sync>;

/// The system's save dialog.
pub fn system_save_dialog() -> SaveDialog {
    Arc::new(file_prompt::save)
}

type Writer = Box<dyn FnOnce(&JobCtx, &Path) -> anyhow::Result<()> + Send>;
/// A save's writer, shared by its job and the path prompt (whichever runs it takes it).
type SharedWriter = Arc<Mutex<Option<Writer>>>;

/// What a WAV export writes: a clip rendered already, or a config to render first.
pub enum ClipToSave {
    Ready(Clip),
    Render { config: Box<MusicConfig>, seconds: f64, seed: u64 },
}

/// A save-to-file job slot: asks where to save (the dialog runs on the worker), then writes
/// there. A new save replaces (and cancels) the one before. Where the system dialog cannot open,
/// the job says so and [`SaveJob::prompt`] asks for the path in benchtop's own window, then writes.
#[derive(Default)]
pub struct SaveJob {
    job: Latest<Option<PathBuf>>,
    /// The last save's writer (until it runs), title and suggested name, for the prompt.
    pending: Option<(SharedWriter, String, String)>,
    prompt: Option<PathPrompt>,
}

impl SaveJob {
    /// `what` names the file type in the dialog's filter; `write` writes the chosen path.
    pub fn start(
        &mut self,
        jobs: &mut Jobs,
        (title, name): (String, String),
        save: &SaveDialog,
        (what, extension): (&'static str, &'static str),
        write: impl FnOnce(&JobCtx, &Path) -> anyhow::Result<()> + Send + 'static,
    ) {
        let writer: SharedWriter = Arc::new(Mutex::new(Some(Box::new(write))));
        self.pending = Some((writer.clone(), title.clone(), name.clone()));
        self.prompt = None;
        let save = save.clone();
        self.job.start(jobs, title, move |ctx| {
            ctx.message("choosing where to save");
            let Some(path) = save(&name, what, extension).path()? else { return Ok(None) };
            Self::write(ctx, &writer, path).map(Some)
        });
    }

    /// Exports a clip as a WAV file of this format (rendering it first when it is a config).
    pub fn wav(
        &mut self,
        jobs: &mut Jobs,
        save: &SaveDialog,
        (title, name): (&str, String),
        clip: ClipToSave,
        format: WavFormat,
    ) {
        self.start(jobs, (title.to_owned(), name), save, ("WAV", "wav"), move |ctx, path| {
            let clip = match clip {
                ClipToSave::Ready(clip) => clip,
                ClipToSave::Render { config, seconds, seed } => {
                    let part = Scaled { inner: ctx, start: 0.0, span: 0.9 };
                    crate::audio::render::render(&config, seconds, seed, &part)?.clip
                }
            };
            write_wav(path, &clip.samples, clip.sample_rate, format)
        });
    }

    /// Exports a value as pretty-printed JSON.
    pub fn json(
        &mut self,
        jobs: &mut Jobs,
        save: &SaveDialog,
        (title, name): (&str, String),
        value: &serde_json::Value,
    ) {
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        self.start(jobs, (title.to_owned(), name), save, ("JSON", "json"), move |_, path| {
            crate::paths::write_atomically(path, |tmp| Ok(std::fs::write(tmp, &text)?))
        });
    }

    fn write(ctx: &JobCtx, writer: &SharedWriter, path: PathBuf) -> anyhow::Result<PathBuf> {
        let write = writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        let write = write.ok_or_else(|| anyhow::anyhow!("this export was already written"))?;
        ctx.message(format!("writing {}", path.display()));
        write(ctx, &path)?;
        Ok(path)
    }

    /// Where a finished save wrote (nothing while it runs, or when it was dismissed or failed: a
    /// failure is a toast already). A save whose dialog could not open asks for a path instead.
    pub fn finished(&mut self) -> Option<PathBuf> {
        match self.job.take()?.1 {
            Ok(path) => path,
            Err(err) => {
                if file_prompt::no_dialog(&err)
                    && let Some((_, title, name)) = &self.pending
                {
                    let default = file_prompt::default_folder().join(name);
                    self.prompt = Some(PathPrompt::new(title.clone(), &default, "Save"));
                }
                None
            }
        }
    }

    /// Announces a finished save.
    pub fn poll(&mut self, notifications: &mut Notifications) {
        if let Some(path) = self.finished() {
            notifications.success(format!("Saved {}", path.display()));
        }
    }

    /// Benchtop's own path field, while a save waits for one; writes there when confirmed.
    pub fn prompt(&mut self, ctx: &egui::Context, jobs: &mut Jobs) {
        let Some(path) = PathPrompt::show(ctx, &mut self.prompt) else { return };
        let Some((writer, title, _)) = self.pending.clone() else { return };
        self.job.start(jobs, title, move |ctx| Self::write(ctx, &writer, path).map(Some));
    }
}
