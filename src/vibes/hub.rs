//! LatentScore's stage-10 embedding map on the Hugging Face Hub (dataset guprab/latentscore-data,
//! Apache-2.0): fetched into the cache with the shared downloader (progress, resume, retries,
//! size and SHA-256 from the Hub's listing), then opened like any other vibes file.
//!
//! The map is pinned to a commit of the dataset: the one given (`--revision`), else the one this
//! cache fetched before (recorded in `<cache>/latentscore/pinned-revision`), else the commit
//! `main` names when it is first fetched, which is then recorded. Files are always requested at
//! that commit, never at a moving branch.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::download::{self, DownloadError, Remote, RetryPolicy, Transfer};
use crate::jobs::Progress;

pub const MAP_REPO: &str = "guprab/latentscore-data";
pub const MAP_PATH: &str = "2026-01-26_scored/vibe_and_embeddings_to_config_map.jsonl";
/// The branch whose commit is pinned when no revision was given or recorded.
pub const MAP_BRANCH: &str = "main";
const PIN_FILE: &str = "pinned-revision";

/// `<base>/datasets/<repo>/resolve/<revision>/<path>`.
pub fn map_url(base_url: &str, revision: &str) -> String {
    format!("{}/datasets/{MAP_REPO}/resolve/{revision}/{MAP_PATH}", base_url.trim_end_matches('/'))
}

/// The Hub's listing of the map's folder (sizes and hashes) at `revision`.
pub fn map_tree_url(base_url: &str, revision: &str) -> String {
    let folder = MAP_PATH.rsplit_once('/').map_or("", |(dir, _)| dir);
    format!("{}/api/datasets/{MAP_REPO}/tree/{revision}/{folder}", base_url.trim_end_matches('/'))
}

/// The Hub's description of the dataset at a branch, which names its commit (`"sha"`).
pub fn revision_url(base_url: &str, branch: &str) -> String {
    format!("{}/api/datasets/{MAP_REPO}/revision/{branch}", base_url.trim_end_matches('/'))
}

/// Where the map of a revision lives in the cache.
pub fn cached_map_at(cache: &Path, revision: &str) -> PathBuf {
    cache.join("latentscore").join(revision).join(MAP_REPO).join(MAP_PATH)
}

/// The revision this cache pinned, if it fetched the map before.
pub fn pinned_revision(cache: &Path) -> Option<String> {
    let text = std::fs::read_to_string(cache.join("latentscore").join(PIN_FILE)).ok()?;
    let revision = text.trim();
    is_commit(revision).then(|| revision.to_owned())
}

/// Where the pinned map lives in the cache (`None` before the first fetch).
pub fn cached_map(cache: &Path) -> Option<PathBuf> {
    pinned_revision(cache).map(|r| cached_map_at(cache, &r))
}

/// A full commit id: 40 hex digits.
fn is_commit(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The commit a branch names now, from the Hub's API.
pub fn resolve_branch(base_url: &str, branch: &str, cancelled: &dyn Fn() -> bool) -> anyhow::Result<String> {
    let url = revision_url(base_url, branch);
    let text = download::get_text(&url, cancelled)?;
    let info: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| DownloadError::BadListing { url: url.clone(), detail: format!("not JSON ({e})") })?;
    match info.get("sha").and_then(|s| s.as_str()) {
        Some(sha) if is_commit(sha) => Ok(sha.to_ascii_lowercase()),
        _ => anyhow::bail!("{url}: the answer names no commit (no 40-digit \"sha\")"),
    }
}

/// Fetches the map into the cache (nothing to do when it is there and matches the listing) and
/// returns its path. `revision`: a commit or branch to use instead of the pinned one (a branch is
/// resolved to its commit, which becomes the pin); `no_verify`: download
/// it even when the listing gives no size and SHA-256.
pub fn fetch_map(
    base_url: &str,
    cache: &Path,
    revision: Option<&str>,
    no_verify: bool,
    policy: &RetryPolicy,
    progress: &dyn Progress,
) -> anyhow::Result<PathBuf> {
    let cancelled = || progress.cancelled();
    let revision = match revision.map(str::to_owned).or_else(|| pinned_revision(cache)) {
        Some(r) if is_commit(&r) => r.to_ascii_lowercase(),
        branch => {
            let branch = branch.unwrap_or_else(|| MAP_BRANCH.to_owned());
            progress.report(0.0, &format!("asking the Hub which commit {branch} is"));
            resolve_branch(base_url, &branch, &cancelled)?
        }
    };
    progress
        .report(0.0, &format!("asking the Hub for the embedding map's size (commit {})", short(&revision)));
    let remote = Remote::listed(
        map_url(base_url, &revision),
        &map_tree_url(base_url, &revision),
        MAP_PATH,
        no_verify,
        &cancelled,
    )
    .with_context(|| format!("fetching {MAP_PATH} from {MAP_REPO}"))?;
    let dest = cached_map_at(cache, &revision);
    let mut on_progress = |t: &Transfer| {
        progress.report(t.fraction().unwrap_or(0.0), &format!("embedding map: {}", t.describe()));
    };
    let got = download::fetch(&remote, &dest, policy, &mut on_progress, &cancelled)
        .with_context(|| format!("fetching {MAP_PATH} from {MAP_REPO}"))?;
    let pin = cache.join("latentscore").join(PIN_FILE);
    crate::paths::write_atomically(&pin, |tmp| Ok(std::fs::write(tmp, format!("{revision}\n"))?))
        .with_context(|| format!("recording the map's commit in {}", pin.display()))?;
    progress.report(
        1.0,
        &if got.already_present {
            format!("embedding map already in the cache ({})", download::bytes(got.bytes))
        } else {
            format!("downloaded the embedding map ({})", download::bytes(got.bytes))
        },
    );
    Ok(got.path)
}

fn short(revision: &str) -> &str {
    revision.get(..8).unwrap_or(revision)
}
