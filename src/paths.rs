//! The platform folders benchtop uses: downloads and built tables go to the cache folder,
//! settings to the config folder. `BENCHTOP_CACHE_DIR` / `BENCHTOP_CONFIG_DIR` override them
//! (tests and CI point them at temporary folders).

use std::path::{Path, PathBuf};

use anyhow::Context as _;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folders {
    pub cache: PathBuf,
    pub config: PathBuf,
    /// Where eframe keeps the window and UI state between runs.
    pub state: PathBuf,
}

impl Folders {
    /// The folders for this user on this platform.
    pub fn discover() -> anyhow::Result<Self> {
        let dirs = directories::ProjectDirs::from("org", "benchtop", "benchtop")
            .context("no home folder: cannot place the cache and config folders (set HOME)")?;
        let cache = std::env::var_os("BENCHTOP_CACHE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.cache_dir().to_path_buf());
        let config = std::env::var_os("BENCHTOP_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.config_dir().to_path_buf());
        // eframe stores its state under the data folder named after the app id.
        let state = eframe::storage_dir(crate::APP_ID).unwrap_or_else(|| dirs.data_dir().to_path_buf());
        Ok(Self { cache, config, state })
    }
}

/// A path's file name for showing, or the whole path where it has none (`/`, `..`).
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Writes a file atomically: `write` fills a temporary file next to `path`, which is renamed
/// into place only if it succeeds (and removed if it fails). Creates the parent folder.
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> anyhow::Result<()>) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(name);
    if let Err(err) = write(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(err);
    }
    std::fs::rename(&tmp, path).with_context(|| format!("moving {} into place", path.display()))
}

/// Writes RGBA pixels (`width × height`) as a PNG file, atomically.
pub fn write_rgba_png(path: &Path, rgba: &[u8], width: u32, height: u32) -> anyhow::Result<()> {
    crate::paths::write_atomically(path, |tmp| {
        image::save_buffer_with_format(
            tmp,
            rgba,
            width,
            height,
            image::ColorType::Rgba8,
            image::ImageFormat::Png,
        )
        .with_context(|| format!("writing {}", tmp.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_named_after_the_app() {
        let folders = Folders::discover().unwrap();
        for path in [&folders.cache, &folders.config, &folders.state] {
            assert!(path.to_string_lossy().contains("benchtop"), "{}", path.display());
        }
    }

    #[test]
    fn atomic_writes_leave_nothing_behind_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.txt");
        write_atomically(&path, |tmp| Ok(std::fs::write(tmp, "done")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "done");
        let failed = write_atomically(&path, |tmp| {
            std::fs::write(tmp, "half")?;
            anyhow::bail!("disk full")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "done");
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }
}
