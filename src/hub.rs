//! The Hugging Face cache: the folder Python's `huggingface_hub` (and so sentence-transformers,
//! transformers, datasets) keeps Hub files in, which benchtop reads first and downloads into, so
//! that a file is never fetched twice.
//!
//! Its layout, as `huggingface_hub` writes it:
//!
//! ```text
//! <root>/models--<org>--<name>/            (datasets--<org>--<name>/ for a dataset)
//!     blobs/<etag>                          the bytes: the SHA-256 of an LFS file, the git blob
//!                                           id of a file kept in git
//!     snapshots/<commit>/<path>             a relative link to ../../blobs/<etag> (one more ../
//!                                           for each folder in <path>)
//!     refs/<branch>                         the commit the branch named when it was fetched
//! ```
//!
//! Downloads go through [`crate::download`] into `blobs/<etag>` (a partial file resumes there),
//! and the snapshot's link is made only when the blob is complete and checked; where links cannot
//! be made, the snapshot holds a copy.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::download::{self, DownloadError, Fetched, Remote, RetryPolicy, Transfer};

/// The Hub itself; `--base-url` replaces it with a mirror or a local server.
pub const DEFAULT_BASE_URL: &str = "https://huggingface.co";

/// Which kind of repository a file is in (their URLs and cache folders differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RepoKind {
    Model,
    Dataset,
}

impl RepoKind {
    /// The plural the cache folders and the API use: `models`, `datasets`.
    pub fn plural(self) -> &'static str {
        match self {
            Self::Model => "models",
            Self::Dataset => "datasets",
        }
    }

    /// What comes before the repository in a file's URL: nothing for a model.
    fn url_prefix(self) -> &'static str {
        match self {
            Self::Model => "",
            Self::Dataset => "datasets/",
        }
    }
}

/// The cache folder of a repository: `models--org--name`, `datasets--org--name`.
pub fn repo_folder_name(repo: &str, kind: RepoKind) -> String {
    format!("{}--{}", kind.plural(), repo.replace('/', "--"))
}

/// A file's URL: `<base>/<repo>/resolve/<revision>/<path>` for a model,
/// `<base>/datasets/<repo>/resolve/<revision>/<path>` for a dataset.
pub fn file_url(base_url: &str, kind: RepoKind, repo: &str, revision: &str, path: &str) -> String {
    format!("{}/{}{repo}/resolve/{revision}/{path}", base_url.trim_end_matches('/'), kind.url_prefix())
}

/// The Hub's listing (sizes, hashes) of a folder: `<base>/api/<kind>s/<repo>/tree/<revision>/<folder>`.
pub fn tree_url(base_url: &str, kind: RepoKind, repo: &str, revision: &str, folder: &str) -> String {
    format!("{}/api/{}/{repo}/tree/{revision}/{folder}", base_url.trim_end_matches('/'), kind.plural())
}

/// The Hub's description of a repository at a revision, which names its commit (`"sha"`).
pub fn revision_url(base_url: &str, kind: RepoKind, repo: &str, revision: &str) -> String {
    format!("{}/api/{}/{repo}/revision/{revision}", base_url.trim_end_matches('/'), kind.plural())
}

/// A full commit id: 40 hex digits.
pub fn is_commit(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The commit a revision names: a commit itself, or what the Hub's API says a branch (or tag)
/// names now.
pub fn resolve_revision(
    base_url: &str,
    kind: RepoKind,
    repo: &str,
    revision: &str,
    cancelled: &dyn Fn() -> bool,
) -> anyhow::Result<String> {
    if is_commit(revision) {
        return Ok(revision.to_ascii_lowercase());
    }
    let url = revision_url(base_url, kind, repo, revision);
    let text = download::get_text(&url, cancelled)?;
    let info: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| DownloadError::BadListing { url: url.clone(), detail: format!("not JSON ({e})") })?;
    match info.get("sha").and_then(|s| s.as_str()) {
        Some(sha) if is_commit(sha) => Ok(sha.to_ascii_lowercase()),
        _ => anyhow::bail!("{url}: the answer names no commit (no 40-digit \"sha\")"),
    }
}

/// One file of a repository at a commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepoFile<'a> {
    pub repo: &'a str,
    pub kind: RepoKind,
    /// A full commit id (40 hex digits).
    pub commit: &'a str,
    /// The file's path in the repository, with `/` between folders.
    pub path: &'a str,
}

/// How to get a file that is not in the cache.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Download {
    pub remote: Remote,
    /// The name of its blob: the SHA-256 of an LFS file, the git blob id of a file kept in git.
    /// `None`: the remote's SHA-256, else (a download unchecked) the SHA-256 of what arrives.
    pub etag: Option<String>,
    /// A copy of the file somewhere else (benchtop's cache layout before this one): when it
    /// matches the remote's size and SHA-256 it is moved into the blob instead of downloaded.
    pub adopt: Option<PathBuf>,
}

/// Where Hub files are kept: the Hugging Face cache, and benchtop's own cache folder (built
/// tables go there; versions of benchtop before the Hugging Face layout kept Hub files there,
/// and those are moved into the Hugging Face cache when they match).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caches {
    pub hub: HubCache,
    /// benchtop's cache folder, if the platform has one.
    pub benchtop: Option<PathBuf>,
}

/// The Hugging Face cache folder (`hub`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubCache {
    pub root: PathBuf,
}

impl HubCache {
    /// The folder `huggingface_hub` uses: `$HF_HUB_CACHE` (or the older `$HUGGINGFACE_HUB_CACHE`),
    /// else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
    /// `~/.cache/huggingface/hub`.
    pub fn discover() -> HubCache {
        let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
        HubCache { root: discover_root(&|name| std::env::var_os(name), home.as_deref()) }
    }

    pub fn at(root: impl Into<PathBuf>) -> HubCache {
        HubCache { root: root.into() }
    }

    /// A repository's folder: `<root>/models--org--name`.
    pub fn repo_dir(&self, repo: &str, kind: RepoKind) -> PathBuf {
        self.root.join(repo_folder_name(repo, kind))
    }

    /// Where the bytes of a blob are.
    pub fn blob_path(&self, repo: &str, kind: RepoKind, etag: &str) -> PathBuf {
        self.repo_dir(repo, kind).join("blobs").join(etag)
    }

    /// The snapshot folder of a commit.
    pub fn snapshot_dir(&self, repo: &str, kind: RepoKind, commit: &str) -> PathBuf {
        self.repo_dir(repo, kind).join("snapshots").join(commit)
    }

    /// Where a file of a commit is (or would be) in its snapshot.
    pub fn snapshot_path(&self, repo: &str, kind: RepoKind, commit: &str, path: &str) -> PathBuf {
        path.split('/').fold(self.snapshot_dir(repo, kind, commit), |dir, part| dir.join(part))
    }

    /// The file of a commit in the cache: its snapshot path, when that is a file or a link that
    /// leads to one (a link whose blob is gone is not found).
    pub fn find(&self, repo: &str, kind: RepoKind, commit: &str, path: &str) -> Option<PathBuf> {
        if !is_commit(commit) || check_path(path).is_err() {
            return None;
        }
        let snapshot = self.snapshot_path(repo, kind, commit, path);
        std::fs::metadata(&snapshot).is_ok_and(|m| m.is_file()).then_some(snapshot)
    }

    /// The commit a ref (`main`) named when it was last fetched.
    pub fn read_ref(&self, repo: &str, kind: RepoKind, name: &str) -> Option<String> {
        check_path(name).ok()?;
        let file = name.split('/').fold(self.repo_dir(repo, kind).join("refs"), |d, p| d.join(p));
        let text = std::fs::read_to_string(file).ok()?;
        let commit = text.trim();
        is_commit(commit).then(|| commit.to_ascii_lowercase())
    }

    /// Records the commit a ref names (`refs/<name>`, the commit's text without a newline, as
    /// `huggingface_hub` writes it).
    pub fn write_ref(&self, repo: &str, kind: RepoKind, name: &str, commit: &str) -> anyhow::Result<()> {
        check_path(name).with_context(|| format!("the ref name {name:?}"))?;
        anyhow::ensure!(is_commit(commit), "{commit:?} is not a commit id");
        let file = name.split('/').fold(self.repo_dir(repo, kind).join("refs"), |d, p| d.join(p));
        crate::paths::write_atomically(&file, |tmp| Ok(std::fs::write(tmp, commit)?))
            .with_context(|| format!("recording {repo}'s {name} in {}", file.display()))
    }

    /// Puts a file into the cache unless it is there: a snapshot file that matches the remote's
    /// size and SHA-256 (or any, for a download unchecked) is kept; else the blob is taken from
    /// the cache (a blob of that name is not downloaded again), from `download.adopt`, or
    /// downloaded (resuming a partial one), and the snapshot's link made to it. Returns the
    /// snapshot path; `already_present` when nothing was downloaded.
    pub fn fetch(
        &self,
        file: &RepoFile,
        download: &Download,
        policy: &RetryPolicy,
        on_progress: &mut dyn FnMut(&Transfer),
        cancelled: &dyn Fn() -> bool,
    ) -> anyhow::Result<Fetched> {
        let RepoFile { repo, kind, commit, path } = *file;
        anyhow::ensure!(is_commit(commit), "{commit:?} is not a commit id (40 hex digits)");
        check_path(path)?;
        let remote = &download.remote;
        let snapshot = self.snapshot_path(repo, kind, commit, path);
        if let Some(found) = self.find(repo, kind, commit, path) {
            match matches(&found, remote) {
                Ok(bytes) => {
                    on_progress(&Transfer { done: bytes, total: Some(bytes), bytes_per_sec: 0.0 });
                    return Ok(present(snapshot, bytes));
                }
                Err(err) => tracing::warn!("{}: fetching it again: {err}", found.display()),
            }
        }
        let etag = download.etag.clone().or_else(|| remote.sha256.clone()).map(|e| e.to_ascii_lowercase());
        if let Some(etag) = &etag {
            anyhow::ensure!(
                !etag.is_empty() && etag.bytes().all(|b| b.is_ascii_hexdigit()),
                "{path}: {etag:?} is not an ETag (hex digits)"
            );
        }
        let (blob, fetched) = match etag {
            Some(etag) => {
                let blob = self.blob_path(repo, kind, &etag);
                let fetched = self.fill_blob(&blob, download, policy, on_progress, cancelled)?;
                (blob, fetched)
            }
            None => self.fetch_unnamed(file, remote, policy, on_progress, cancelled)?,
        };
        link_snapshot(&blob, &snapshot)?;
        Ok(Fetched { path: snapshot, ..fetched })
    }

    /// Makes `blob` hold the file: kept when it is there (checked, when the remote can be),
    /// else adopted or downloaded.
    fn fill_blob(
        &self,
        blob: &Path,
        download: &Download,
        policy: &RetryPolicy,
        on_progress: &mut dyn FnMut(&Transfer),
        cancelled: &dyn Fn() -> bool,
    ) -> anyhow::Result<Fetched> {
        let remote = &download.remote;
        let verifiable = remote.expected_size.is_some() && remote.sha256.is_some();
        if !blob.exists()
            && verifiable
            && let Some(old) = download.adopt.as_deref().filter(|p| p.is_file())
        {
            match matches(old, remote) {
                Ok(bytes) => {
                    move_file(old, blob)?;
                    tracing::info!(
                        "moved {} into the Hugging Face cache ({})",
                        old.display(),
                        blob.display()
                    );
                    on_progress(&Transfer { done: bytes, total: Some(bytes), bytes_per_sec: 0.0 });
                    return Ok(present(blob.to_owned(), bytes));
                }
                Err(err) => tracing::warn!("{} is not the file on the Hub, not used: {err}", old.display()),
            }
        }
        if !verifiable && let Ok(meta) = std::fs::metadata(blob) {
            // Unchecked, a blob of the right name is trusted, as huggingface_hub trusts it.
            return Ok(present(blob.to_owned(), meta.len()));
        }
        let got = download::fetch(remote, blob, policy, on_progress, cancelled)?;
        Ok(got)
    }

    /// Downloads a file whose ETag is not known (unchecked) and keeps it under its SHA-256.
    fn fetch_unnamed(
        &self,
        file: &RepoFile,
        remote: &Remote,
        policy: &RetryPolicy,
        on_progress: &mut dyn FnMut(&Transfer),
        cancelled: &dyn Fn() -> bool,
    ) -> anyhow::Result<(PathBuf, Fetched)> {
        use sha2::Digest as _;
        let key = sha2::Sha256::digest(format!("{}/{}", file.commit, file.path).as_bytes());
        let name = format!(".benchtop-unchecked-{:x}", key);
        let temporary = self.repo_dir(file.repo, file.kind).join("blobs").join(name);
        let got = download::fetch(remote, &temporary, policy, on_progress, cancelled)?;
        let sha256 = download::sha256_file(&temporary)?;
        let blob = self.blob_path(file.repo, file.kind, &sha256);
        std::fs::rename(&temporary, &blob)
            .with_context(|| format!("moving the download to {}", blob.display()))?;
        Ok((blob.clone(), Fetched { path: blob, ..got }))
    }
}

/// The cache root from the environment (`var`) and the home folder, as `huggingface_hub` finds it.
fn discover_root(var: &dyn Fn(&str) -> Option<std::ffi::OsString>, home: Option<&Path>) -> PathBuf {
    let var = |name: &str| var(name).filter(|v| !v.is_empty()).map(|v| expand_home(PathBuf::from(v), home));
    if let Some(hub) = var("HF_HUB_CACHE").or_else(|| var("HUGGINGFACE_HUB_CACHE")) {
        return hub;
    }
    if let Some(hf_home) = var("HF_HOME") {
        return hf_home.join("hub");
    }
    let cache = var("XDG_CACHE_HOME").unwrap_or_else(|| match home {
        Some(home) => home.join(".cache"),
        // No home folder: a folder that exists everywhere.
        None => std::env::temp_dir(),
    });
    cache.join("huggingface").join("hub")
}

/// `~/x` with the home folder put in (Python's `expanduser`).
fn expand_home(path: PathBuf, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path,
    }
}

/// A path in a repository must stay in it: relative, no empty, `.` or `..` parts.
fn check_path(path: &str) -> anyhow::Result<()> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.split('/').any(|part| part.is_empty() || part == "." || part == "..");
    anyhow::ensure!(!bad, "{path:?} is not a path inside a repository");
    Ok(())
}

/// A file found in place: nothing downloaded.
fn present(path: PathBuf, bytes: u64) -> Fetched {
    Fetched { path, bytes, already_present: true, resumed_from: 0, attempts: 0 }
}

/// Checks a file against the remote's size and SHA-256 (where it gives them); its size.
fn matches(path: &Path, remote: &Remote) -> anyhow::Result<u64> {
    let bytes = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    if let Some(expected) = remote.expected_size {
        anyhow::ensure!(bytes == expected, "{bytes} bytes, expected {expected}");
    }
    if let Some(expected) = &remote.sha256 {
        let got = download::sha256_file(path)?;
        anyhow::ensure!(got.eq_ignore_ascii_case(expected), "SHA-256 is {got}, expected {expected}");
    }
    Ok(bytes)
}

/// Moves a file, copying it where a rename cannot (another file system).
fn move_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let copy = temporary_beside(to);
    let copied = std::fs::copy(from, &copy).and_then(|_| std::fs::rename(&copy, to));
    if let Err(err) = copied {
        let _ = std::fs::remove_file(&copy);
        return Err(err).with_context(|| format!("moving {} to {}", from.display(), to.display()));
    }
    let _ = std::fs::remove_file(from);
    Ok(())
}

/// A name for a temporary file next to `path`, unique in this process.
fn temporary_beside(path: &Path) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.benchtop-tmp-{}-{n}", std::process::id()))
}

/// The relative link from a snapshot file to its blob: `../../blobs/<etag>`, one more `../` for
/// each folder the file is in.
fn relative_blob_target(snapshot_path_in_repo: &str, etag: &str) -> PathBuf {
    let depth = snapshot_path_in_repo.split('/').count() + 1;
    let mut target = PathBuf::new();
    for _ in 0..depth {
        target.push("..");
    }
    target.join("blobs").join(etag)
}

/// Points `snapshot` at `blob` (both in one repository folder) with a relative link, made beside
/// it and renamed over it, so the snapshot is never half there; a copy where no link can be made.
fn link_snapshot(blob: &Path, snapshot: &Path) -> anyhow::Result<()> {
    let repo_dir = blob.parent().and_then(Path::parent).context("a blob lies in <repo>/blobs")?;
    let etag = blob.file_name().context("a blob has a name")?.to_string_lossy().into_owned();
    let in_snapshot = snapshot
        .strip_prefix(repo_dir.join("snapshots"))
        .ok()
        .and_then(|rest| {
            let parts: Vec<String> = rest.iter().skip(1).map(|p| p.to_string_lossy().into_owned()).collect();
            (!parts.is_empty()).then(|| parts.join("/"))
        })
        .context("a snapshot file lies in <repo>/snapshots/<commit>")?;
    let parent = snapshot.parent().context("a snapshot file lies in a folder")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let temporary = temporary_beside(snapshot);
    let target = relative_blob_target(&in_snapshot, &etag);
    let made = match symlink(&target, &temporary) {
        Ok(()) => Ok(()),
        Err(err) => {
            tracing::info!("no link for {} ({err}): copying the blob instead", snapshot.display());
            std::fs::copy(blob, &temporary).map(|_| ())
        }
    };
    let placed = made.and_then(|()| std::fs::rename(&temporary, snapshot));
    if let Err(err) = placed {
        let _ = std::fs::remove_file(&temporary);
        return Err(err).with_context(|| format!("placing {} in the snapshot", snapshot.display()));
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(target, link)
}

#[cfg(not(any(unix, windows)))]
fn symlink(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "no symbolic links here"))
}

#[cfg(test)]
mod tests;
