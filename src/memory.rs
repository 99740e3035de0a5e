//! Handing memory back to the system. Loading a large table passes through several times the
//! memory the table keeps; the binary's allocator holds on to freed pages for speed, so after a
//! load the binary asks it (through the hook `main` installs) to return them.

use std::sync::OnceLock;

static RELEASE: OnceLock<fn()> = OnceLock::new();

/// Installs the allocator's "give freed memory back" call (the binary does, at start).
pub fn set_release(release: fn()) {
    let _ = RELEASE.set(release);
}

/// Returns freed memory to the system, if the allocator can.
pub fn release() {
    if let Some(release) = RELEASE.get() {
        release();
    }
}

/// This process's resident memory now and at its peak, in MB (Linux; `None` elsewhere).
pub fn resident_mb() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
