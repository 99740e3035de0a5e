//! Notifications: every error, warning and notable event shown to the user, with its cause.
//! The app shows new ones as toasts and keeps them all in a log the user can reopen.

use std::time::{Duration, SystemTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Success => "done",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    /// How long the toast stays up; errors stay until dismissed.
    pub fn toast_lifetime(self) -> Option<Duration> {
        match self {
            Self::Info | Self::Success => Some(Duration::from_secs(5)),
            Self::Warning => Some(Duration::from_secs(10)),
            Self::Error => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Notification {
    pub id: u64,
    pub level: Level,
    /// What happened, in a few words ("Could not open data/x.parquet").
    pub title: String,
    /// Why: the whole cause chain, outermost first, each cause on its own line.
    pub causes: Vec<String>,
    pub at: SystemTime,
    /// Still shown as a toast.
    pub toast: bool,
}

impl Notification {
    /// Title and causes as one text, the way a log line or the clipboard wants it.
    pub fn full_text(&self) -> String {
        std::iter::once(self.title.as_str())
            .chain(self.causes.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(": ")
    }
}

/// The notification log.
#[derive(Default)]
pub struct Notifications {
    items: Vec<Notification>,
    next_id: u64,
    unread: usize,
}

impl Notifications {
    pub fn push(&mut self, level: Level, title: impl Into<String>, causes: Vec<String>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let title = title.into();
        match level {
            Level::Error => tracing::error!("{title}: {}", causes.join(": ")),
            Level::Warning => tracing::warn!("{title}: {}", causes.join(": ")),
            _ => tracing::info!("{title}"),
        }
        self.items.push(Notification { id, level, title, causes, at: SystemTime::now(), toast: true });
        self.unread += 1;
        id
    }

    /// An error with its whole cause chain (anyhow's `context` layers, io errors...).
    pub fn error(&mut self, title: impl Into<String>, err: &anyhow::Error) -> u64 {
        let causes = err.chain().map(|c| c.to_string()).collect();
        self.push(Level::Error, title, causes)
    }

    /// An error whose cause is already text (a failed job's state carries its chain as text).
    pub fn error_text(&mut self, title: impl Into<String>, cause: impl Into<String>) -> u64 {
        self.push(Level::Error, title, vec![cause.into()])
    }

    pub fn warning(&mut self, title: impl Into<String>, cause: impl Into<String>) -> u64 {
        self.push(Level::Warning, title, vec![cause.into()])
    }

    pub fn info(&mut self, title: impl Into<String>) -> u64 {
        self.push(Level::Info, title, Vec::new())
    }

    pub fn success(&mut self, title: impl Into<String>) -> u64 {
        self.push(Level::Success, title, Vec::new())
    }

    /// Every notification, oldest first.
    pub fn all(&self) -> &[Notification] {
        &self.items
    }

    /// Notifications still shown as toasts, retiring those whose time is up.
    pub fn toasts(&mut self, now: SystemTime) -> impl Iterator<Item = &Notification> {
        for n in &mut self.items {
            if let (true, Some(life)) = (n.toast, n.level.toast_lifetime())
                && now.duration_since(n.at).unwrap_or_default() > life
            {
                n.toast = false;
            }
        }
        self.items.iter().filter(|n| n.toast)
    }

    /// The earliest moment a shown toast expires (for a timed repaint), if any does.
    pub fn next_expiry(&self) -> Option<SystemTime> {
        self.items
            .iter()
            .filter(|n| n.toast)
            .filter_map(|n| n.level.toast_lifetime().map(|life| n.at + life))
            .min()
    }

    pub fn dismiss(&mut self, id: u64) {
        if let Some(n) = self.items.iter_mut().find(|n| n.id == id) {
            n.toast = false;
        }
    }

    pub fn unread(&self) -> usize {
        self.unread
    }

    pub fn mark_read(&mut self) {
        self.unread = 0;
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.unread = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_keeps_every_cause_in_order() {
        let mut log = Notifications::default();
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let err = anyhow::Error::new(io).context("writing fig.png").context("exporting the figure");
        log.error("Export failed", &err);
        let n = &log.all()[0];
        assert_eq!(n.causes, vec!["exporting the figure", "writing fig.png", "permission denied"]);
        assert_eq!(n.full_text(), "Export failed: exporting the figure: writing fig.png: permission denied");
        assert_eq!(log.unread(), 1);
    }

    #[test]
    fn toasts_expire_by_level_and_errors_stay_until_dismissed() {
        let mut log = Notifications::default();
        let info = log.info("Loaded");
        let err = log.error_text("Download failed", "HTTP 404 for data.parquet");
        let t0 = log.all()[0].at;
        assert_eq!(log.toasts(t0).count(), 2);
        assert_eq!(log.next_expiry(), Some(t0 + Duration::from_secs(5)));
        let later = t0 + Duration::from_secs(60);
        let shown: Vec<u64> = log.toasts(later).map(|n| n.id).collect();
        assert_eq!(shown, vec![err]);
        assert!(!log.all().iter().find(|n| n.id == info).unwrap().toast);
        log.dismiss(err);
        assert_eq!(log.toasts(later).count(), 0);
        // Dismissed toasts stay in the log.
        assert_eq!(log.all().len(), 2);
        log.mark_read();
        assert_eq!(log.unread(), 0);
    }
}
