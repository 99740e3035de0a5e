//! The window's tabs, one per capability. Each panel is a struct holding its `settings`
//! (remembered between runs) and its `state` (this run's), and implements [`PanelView`]: it draws
//! itself with the [`AppCtx`] it is handed, and asks for what another panel does by sending an
//! [`AppCommand`](super::AppCommand). Domain work (queries, rendering, training) happens in the
//! domain modules, on jobs; a panel only chooses, starts and draws.

pub mod audition;
pub mod ft;
pub mod jobs;
pub mod scaling;
pub mod vibes;

use serde::{Deserialize, Serialize};

use super::AppCtx;

/// A tab of the window.
pub trait PanelView {
    /// Takes what the panel's jobs finished; called every frame, whichever tab is open.
    fn logic(&mut self, _egui: &egui::Context, _ctx: &mut AppCtx) {}

    /// Draws the panel while its tab is open.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx);

    /// Windows the panel's work may be waiting on (a path to type, a question); drawn every
    /// frame, whichever tab is open.
    fn windows(&mut self, _egui: &egui::Context, _ctx: &mut AppCtx) {}

    /// The panel's keyboard shortcuts, while its tab is open.
    fn shortcuts(&mut self, _egui: &egui::Context, _ctx: &mut AppCtx) {}
}

/// The tabs, in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Panel {
    #[default]
    ScalingCurves,
    FtVsPt,
    Vibes,
    Audition,
    Jobs,
}

impl Panel {
    pub const ALL: [Panel; 5] = [Self::ScalingCurves, Self::FtVsPt, Self::Vibes, Self::Audition, Self::Jobs];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::ScalingCurves => "Scaling curves",
            Self::FtVsPt => "FT vs PT",
            Self::Vibes => "Vibes",
            Self::Audition => "Audition",
            Self::Jobs => "Jobs",
        }
    }

    /// Ctrl (Cmd on macOS) and the tab's number opens it.
    pub fn shortcut(self) -> egui::KeyboardShortcut {
        let key = match self {
            Self::ScalingCurves => egui::Key::Num1,
            Self::FtVsPt => egui::Key::Num2,
            Self::Vibes => egui::Key::Num3,
            Self::Audition => egui::Key::Num4,
            Self::Jobs => egui::Key::Num5,
        };
        egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, key)
    }
}
