//! What every panel works with: the window's shared services (jobs, playback, notifications, the
//! save dialog, the cache folder), the data panels share (the DataDecide table, the LatentScore
//! rows open in Vibes, the latest scaling-law fit), and the command queue through which a panel
//! asks for something another panel does.

use std::path::PathBuf;
use std::sync::Arc;

use super::data::DataState;
use super::panels::Panel;
use super::save::SaveDialog;
use crate::audio::engine::Player;
use crate::datadecide::table::LongTable;
use crate::jobs::{JobHandle, Jobs};
use crate::ml::backend::ComputeProbe;
use crate::ml::fit::FitReport;
use crate::notify::Notifications;
use crate::synth::config::MusicConfig;
use crate::vibes::VibeSet;

/// What a panel asks the app to do; the app carries it out at the end of the frame it was sent in
/// (the next frame draws the result).
#[derive(Clone, Debug)]
pub enum AppCommand {
    /// Open a tab.
    Open(Panel),
    /// Open the Scaling panel on this metric's curves (with a fit's dashed predictions).
    ShowOnScaling { metric: String },
    /// Open this config in the Audition panel and render it.
    Audition(Box<MusicConfig>),
    /// Open this LatentScore file or folder in the Vibes panel.
    OpenInVibes(PathBuf),
}

/// A value a worker is finding out (a probe at start-up).
pub enum Pending<T> {
    Waiting(JobHandle<T>),
    Ready(T),
    Failed(String),
}

impl<T> Pending<T> {
    /// Takes the job's result if it has ended.
    pub fn update(&mut self) {
        if let Self::Waiting(handle) = self {
            match handle.try_take() {
                Some(Ok(value)) => *self = Self::Ready(value),
                Some(Err(err)) => *self = Self::Failed(err.to_string()),
                None => {}
            }
        }
    }

    pub fn ready(&self) -> Option<&T> {
        match self {
            Self::Ready(value) => Some(value),
            _ => None,
        }
    }
}

/// The LatentScore rows open in the Vibes panel.
#[derive(Clone)]
pub struct OpenVibes {
    pub set: Arc<VibeSet>,
    /// Whether every row says it is synthetic.
    pub synthetic: bool,
}

/// A finished scaling-law fit: the table it was fitted on, and its report.
#[derive(Clone)]
pub struct FitResult {
    pub table: Arc<LongTable>,
    pub report: Arc<FitReport>,
}

/// The shared services and data every panel is handed.
pub struct AppCtx {
    pub jobs: Jobs,
    /// Playback through the sound card (or the reason there is none).
    pub player: Player,
    pub notifications: Notifications,
    pub save_dialog: SaveDialog,
    /// The cache folder (built tables, models), if the platform has one.
    pub cache: Option<PathBuf>,
    /// The Hugging Face cache (files downloaded from the Hub).
    pub hub: crate::hub::HubCache,
    /// The DataDecide table (loaded through the Data menu) and its settings.
    pub data: DataState,
    /// The rows open in the Vibes panel.
    pub vibes: Option<OpenVibes>,
    /// The latest scaling-law fit (the Jobs panel makes it, the Scaling panel draws it).
    pub fit: Option<FitResult>,
    pub(super) compute: Pending<ComputeProbe>,
    commands: Vec<AppCommand>,
}

impl AppCtx {
    pub(super) fn new(
        jobs: Jobs,
        player: Player,
        compute: Pending<ComputeProbe>,
        (save_dialog, cache, hub): (SaveDialog, Option<PathBuf>, crate::hub::HubCache),
    ) -> Self {
        Self {
            jobs,
            player,
            notifications: Notifications::default(),
            save_dialog,
            cache,
            hub,
            data: DataState::default(),
            vibes: None,
            fit: None,
            compute,
            commands: Vec::new(),
        }
    }

    /// Asks the app to do something (carried out at the end of this frame).
    pub fn send(&mut self, command: AppCommand) {
        self.commands.push(command);
    }

    /// The commands sent since the last call.
    pub(super) fn take_commands(&mut self) -> Vec<AppCommand> {
        std::mem::take(&mut self.commands)
    }

    pub fn has_commands(&self) -> bool {
        !self.commands.is_empty()
    }

    /// The compute backend, once probed.
    pub fn compute(&self) -> Option<&ComputeProbe> {
        self.compute.ready()
    }

    /// The fit made on this table, if the latest fit was.
    pub fn fit_for(&self, table: &Arc<LongTable>) -> Option<&FitReport> {
        self.fit.as_ref().filter(|r| Arc::ptr_eq(&r.table, table)).map(|r| r.report.as_ref())
    }
}
