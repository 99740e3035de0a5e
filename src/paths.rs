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
        let state = state_folder().unwrap_or_else(|| dirs.data_dir().to_path_buf());
        Ok(Self { cache, config, state })
    }
}

/// Where the window keeps its state: the folder eframe's own storage uses (the user's data folder
/// and the app id; on Windows its `data` subfolder), worked out here so that no domain module
/// needs eframe.
fn state_folder() -> Option<PathBuf> {
    let data = directories::BaseDirs::new()?.data_dir().join(crate::APP_ID);
    Some(if cfg!(windows) { data.join("data") } else { data })
}

/// A path's file name for showing, or the whole path where it has none (`/`, `..`).
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// What an output path is now, and so how it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// A regular file, or nothing yet: written to a temporary file renamed over it.
    File(PathBuf),
    /// A device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO): written in place.
    InPlace(PathBuf),
}

/// Follows `path` through symbolic links (also to a target that does not exist yet), at most 40.
fn resolve_links(path: &Path) -> anyhow::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&path)
                    .with_context(|| format!("reading the link {}", path.display()))?;
                path = match path.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    anyhow::bail!("{}: too many levels of symbolic links", path.display())
}

/// Checks an output path before any work is done: it must not be a folder or a socket.
fn target(path: &Path) -> anyhow::Result<Target> {
    anyhow::ensure!(!path.as_os_str().is_empty(), "an output path is empty");
    let real = resolve_links(path)?;
    let meta = match std::fs::metadata(&real) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            anyhow::ensure!(
                real.file_name().is_some(),
                "{}: not a file name (give the file to write, e.g. out.parquet)",
                path.display()
            );
            return Ok(Target::File(real));
        }
        Err(err) => return Err(err).with_context(|| format!("checking the output {}", path.display())),
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(Target::File(real));
    }
    anyhow::ensure!(
        !kind.is_dir(),
        "{} is a folder: give the file to write in it (e.g. {})",
        path.display(),
        path.join("out").display()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        anyhow::ensure!(!kind.is_socket(), "{} is a socket: benchtop writes only to files", path.display());
    }
    Ok(Target::InPlace(real))
}

/// What an output path stands for, to compare outputs: the file its links lead to, in a folder
/// named without `..` or links where the folder exists.
fn identity(path: &Path) -> anyhow::Result<PathBuf> {
    let real = match target(path)? {
        Target::File(p) | Target::InPlace(p) => p,
    };
    let parent = real.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = real.file_name().unwrap_or_default();
    Ok(std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf()).join(name))
}

/// Checks a command's outputs before it starts: none is a folder or a socket, no two are the same
/// file (through links too), and none is one of its inputs. `outputs` pairs each path with the
/// option that named it (`--out`), for the message.
pub fn check_outputs(outputs: &[(&str, &Path)], inputs: &[&Path]) -> anyhow::Result<()> {
    let mut seen: Vec<(&str, PathBuf)> = Vec::new();
    for (option, path) in outputs {
        let id = identity(path).with_context(|| format!("{option} {}", path.display()))?;
        let in_place = matches!(target(path)?, Target::InPlace(_));
        if let Some((first, _)) = seen.iter().find(|(_, other)| *other == id).filter(|_| !in_place) {
            anyhow::bail!("{first} and {option} both name {}: give each output its own file", path.display());
        }
        for input in inputs {
            if identity(input).is_ok_and(|i| i == id) && !in_place {
                anyhow::bail!(
                    "{option} {} is also an input: write the output to another file",
                    path.display()
                );
            }
        }
        seen.push((option, id));
    }
    Ok(())
}

/// The prefix of the temporary files written for `name`: `.<name>.benchtop-tmp-`.
fn temp_prefix(name: &std::ffi::OsStr) -> String {
    format!(".{}.benchtop-tmp-", name.to_string_lossy())
}

/// Whether a process with this id runs (unknown: assumed to run).
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
        // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
        let ok = unsafe { libc::kill(pid, 0) } == 0;
        ok || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Removes temporary files an earlier, killed benchtop left next to `path` (those of processes
/// that no longer run). Returns how many it removed.
pub fn remove_stale_temporaries(path: &Path) -> usize {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return 0 };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = temp_prefix(name);
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else { continue };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| pid != std::process::id() && !process_alive(pid))
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Writes an output file safely. `write` fills the path it is given:
/// - a regular file (or a new one) is written to a temporary file beside it, flushed to disk and
///   renamed over it, so the old file stays whole until the new one is; the temporary file is
///   removed on every failure, and ones that killed runs left are removed first;
/// - a symbolic link is followed: the file it points to is replaced, the link stays;
/// - a device or a pipe (`/dev/null`, a FIFO) is written in place;
/// - a folder or a socket is refused before `write` runs.
///
/// Creates the parent folder.
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let real = match target(path)? {
        Target::InPlace(device) => {
            return write(&device).with_context(|| format!("writing {}", path.display()));
        }
        Target::File(real) => real,
    };
    if let Some(parent) = real.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    remove_stale_temporaries(&real);
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = real.with_file_name(format!(
        "{}{}-{n}",
        temp_prefix(real.file_name().unwrap_or_default()),
        std::process::id()
    ));
    let result = write(&tmp).and_then(|()| {
        let file = std::fs::File::open(&tmp).with_context(|| format!("reopening {}", tmp.display()))?;
        file.sync_all().with_context(|| format!("flushing {} to disk", tmp.display()))?;
        if let Ok(old) = std::fs::metadata(&real) {
            // The new file keeps the old one's permissions.
            std::fs::set_permissions(&tmp, old.permissions())
                .with_context(|| format!("setting the permissions of {}", tmp.display()))?;
        }
        std::fs::rename(&tmp, &real).with_context(|| format!("moving {} into place", real.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // The rename itself reaches the disk with its folder.
    if let Some(parent) = real.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(dir) = std::fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
    Ok(())
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

    fn write_text(path: &Path, text: &'static str) -> anyhow::Result<()> {
        write_atomically(path, |tmp| Ok(std::fs::write(tmp, text)?))
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt as _;
        let null = Path::new("/dev/null");
        write_text(null, "into the void").unwrap();
        let kind = std::fs::metadata(null).unwrap().file_type();
        assert!(kind.is_char_device(), "/dev/null is no longer a device");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.txt", &link).unwrap();
        write_text(&link, "new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        // A link to a file not yet there creates the file it names.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("sub/made.txt", &dangling).unwrap();
        write_text(&dangling, "made").unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("sub/made.txt")).unwrap(), "made");
    }

    #[test]
    fn a_folder_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut ran = false;
        let err = write_atomically(dir.path(), |_| {
            ran = true;
            Ok(())
        })
        .unwrap_err();
        assert!(!ran, "the writer ran for a folder");
        assert!(err.to_string().contains("is a folder"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let err = check_outputs(&[("--out", dir.path())], &[]).unwrap_err();
        assert!(format!("{err:#}").contains("is a folder"), "{err:#}");
    }

    #[test]
    fn two_outputs_naming_one_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.parquet");
        let same = dir.path().join("sub/../a.parquet");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let err = check_outputs(&[("--out", &a), ("--per-seed", &same)], &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("--out and --per-seed both name {}: give each output its own file", same.display())
        );
        let b = dir.path().join("b.parquet");
        check_outputs(&[("--out", &a), ("--per-seed", &b)], &[]).unwrap();
        let err = check_outputs(&[("--out", &a)], &[&a]).unwrap_err();
        assert!(err.to_string().contains("is also an input"), "{err}");
        // Devices may take several outputs.
        check_outputs(&[("--out", Path::new("/dev/null")), ("--per-seed", Path::new("/dev/null"))], &[])
            .unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn temporaries_of_killed_runs_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        // A process that has ended: its id names no running process.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = dir.path().join(format!(".out.csv.benchtop-tmp-{dead}-0"));
        let live = dir.path().join(format!(".out.csv.benchtop-tmp-{}-99", std::process::id()));
        let other = dir.path().join(format!(".other.csv.benchtop-tmp-{dead}-0"));
        for p in [&stale, &live, &other] {
            std::fs::write(p, "partial").unwrap();
        }
        write_text(&path, "done").unwrap();
        assert!(!stale.exists(), "the killed run's temporary file is still there");
        assert!(live.exists() && other.exists());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "done");
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
