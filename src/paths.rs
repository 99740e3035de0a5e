//! The platform folders benchtop uses: downloads and built tables go to the cache folder,
//! settings to the config folder. `BENCHTOP_CACHE_DIR` / `BENCHTOP_CONFIG_DIR` override them
//! (tests and CI point them at temporary folders).

use std::path::PathBuf;

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
}
