//! LatentScore's stage-10 embedding map on the Hugging Face Hub (dataset guprab/latentscore-data,
//! Apache-2.0): fetched into the Hugging Face cache ([`crate::hub`]) with the shared downloader
//! (progress, resume, retries, size and SHA-256 from the Hub's listing), then opened like any
//! other vibes file.
//!
//! The map is pinned to a commit of the dataset: the one given (`--revision`), else the one the
//! cache's `refs/main` records (the commit `main` named when the dataset was fetched, by benchtop
//! or by huggingface_hub), else the one benchtop's own cache pinned before it used the Hugging
//! Face layout, else the commit `main` names now, which is then recorded in `refs/main`. Files are
//! always requested at that commit, never at a moving branch. A map benchtop's old cache holds is
//! moved into the Hugging Face cache when it matches the listing, instead of downloaded again.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::download::{self, Remote, RetryPolicy, Transfer};
use crate::hub::{self as hf, Caches, HubCache, RepoFile, RepoKind};
use crate::jobs::Progress;

pub const MAP_REPO: &str = "guprab/latentscore-data";
pub const MAP_PATH: &str = "2026-01-26_scored/vibe_and_embeddings_to_config_map.jsonl";
/// The branch whose commit is pinned when no revision was given or recorded.
pub const MAP_BRANCH: &str = "main";
/// benchtop's record of the pinned commit in its own cache, before the Hugging Face layout.
const PIN_FILE: &str = "pinned-revision";

/// `<base>/datasets/<repo>/resolve/<revision>/<path>`.
pub fn map_url(base_url: &str, revision: &str) -> String {
    hf::file_url(base_url, RepoKind::Dataset, MAP_REPO, revision, MAP_PATH)
}

/// The Hub's listing of the map's folder (sizes and hashes) at `revision`.
pub fn map_tree_url(base_url: &str, revision: &str) -> String {
    let folder = MAP_PATH.rsplit_once('/').map_or("", |(dir, _)| dir);
    hf::tree_url(base_url, RepoKind::Dataset, MAP_REPO, revision, folder)
}

/// The Hub's description of the dataset at a branch, which names its commit (`"sha"`).
pub fn revision_url(base_url: &str, branch: &str) -> String {
    hf::revision_url(base_url, RepoKind::Dataset, MAP_REPO, branch)
}

/// Where the map of a commit is in the Hugging Face cache, if it is there.
pub fn cached_map_at(hub: &HubCache, commit: &str) -> Option<PathBuf> {
    hub.find(MAP_REPO, RepoKind::Dataset, commit, MAP_PATH)
}

/// The commit the Hugging Face cache records for `main` (see the module's notes).
pub fn pinned_revision(hub: &HubCache) -> Option<String> {
    hub.read_ref(MAP_REPO, RepoKind::Dataset, MAP_BRANCH)
}

/// The pinned map in the Hugging Face cache (`None` before the first fetch).
pub fn cached_map(hub: &HubCache) -> Option<PathBuf> {
    pinned_revision(hub).and_then(|commit| cached_map_at(hub, &commit))
}

/// The commit benchtop's own cache pinned, before the Hugging Face layout.
pub fn legacy_pinned_revision(cache: &Path) -> Option<String> {
    let text = std::fs::read_to_string(cache.join("latentscore").join(PIN_FILE)).ok()?;
    let revision = text.trim();
    hf::is_commit(revision).then(|| revision.to_ascii_lowercase())
}

/// Where benchtop's own cache kept the map of a commit, before the Hugging Face layout.
pub fn legacy_map_at(cache: &Path, revision: &str) -> PathBuf {
    cache.join("latentscore").join(revision).join(MAP_REPO).join(MAP_PATH)
}

/// The commit a branch names now, from the Hub's API.
pub fn resolve_branch(base_url: &str, branch: &str, cancelled: &dyn Fn() -> bool) -> anyhow::Result<String> {
    anyhow::ensure!(!hf::is_commit(branch), "{branch} is a commit, not a branch");
    hf::resolve_revision(base_url, RepoKind::Dataset, MAP_REPO, branch, cancelled)
}

/// Fetches the map into the Hugging Face cache (nothing to do when it is there and matches the
/// listing) and returns its path. `revision`: a commit or branch to use instead of the pinned one
/// (a branch is resolved to its commit, recorded as the cache's ref of that name); `no_verify`:
/// download it even when the listing gives no size and SHA-256.
pub fn fetch_map(
    base_url: &str,
    caches: &Caches,
    revision: Option<&str>,
    no_verify: bool,
    policy: &RetryPolicy,
    progress: &dyn Progress,
) -> anyhow::Result<PathBuf> {
    let cancelled = || progress.cancelled();
    let resolve = |branch: &str| {
        progress.report(0.0, &format!("asking the Hub which commit {branch} is"));
        resolve_branch(base_url, branch, &cancelled)
    };
    // The commit, and the ref to record it as.
    let (commit, record) = match revision {
        Some(r) if hf::is_commit(r) => (r.to_ascii_lowercase(), None),
        Some(branch) => (resolve(branch)?, Some(branch)),
        None => match pinned_revision(&caches.hub) {
            Some(pinned) => (pinned, None),
            None => match caches.benchtop.as_deref().and_then(legacy_pinned_revision) {
                Some(pinned) => (pinned, Some(MAP_BRANCH)),
                None => (resolve(MAP_BRANCH)?, Some(MAP_BRANCH)),
            },
        },
    };
    progress.report(0.0, &format!("asking the Hub for the embedding map's size (commit {})", short(&commit)));
    let (remote, etag) = Remote::listed_with_etag(
        map_url(base_url, &commit),
        &map_tree_url(base_url, &commit),
        MAP_PATH,
        no_verify,
        &cancelled,
    )
    .with_context(|| format!("fetching {MAP_PATH} from {MAP_REPO}"))?;
    let adopt = caches.benchtop.as_deref().map(|cache| legacy_map_at(cache, &commit));
    let download = hf::Download { remote, etag, adopt };
    let mut on_progress = |t: &Transfer| {
        progress.report(t.fraction().unwrap_or(0.0), &format!("embedding map: {}", t.describe()));
    };
    let file = RepoFile { repo: MAP_REPO, kind: RepoKind::Dataset, commit: &commit, path: MAP_PATH };
    let got = caches
        .hub
        .fetch(&file, &download, policy, &mut on_progress, &cancelled)
        .with_context(|| format!("fetching {MAP_PATH} from {MAP_REPO}"))?;
    if let Some(name) = record {
        caches.hub.write_ref(MAP_REPO, RepoKind::Dataset, name, &commit)?;
    }
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
