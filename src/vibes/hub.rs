//! LatentScore's stage-10 embedding map on the Hugging Face Hub (dataset guprab/latentscore-data,
//! Apache-2.0): fetched into the cache with the shared downloader (progress, resume, retries,
//! size and SHA-256 from the Hub's listing), then opened like any other vibes file.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::download::{self, Remote, RetryPolicy, Transfer};
use crate::jobs::Progress;

pub const MAP_REPO: &str = "guprab/latentscore-data";
pub const MAP_PATH: &str = "2026-01-26_scored/vibe_and_embeddings_to_config_map.jsonl";
pub const MAP_REVISION: &str = "main";

/// `<base>/datasets/<repo>/resolve/<revision>/<path>`.
pub fn map_url(base_url: &str) -> String {
    format!("{}/datasets/{MAP_REPO}/resolve/{MAP_REVISION}/{MAP_PATH}", base_url.trim_end_matches('/'))
}

/// The Hub's listing of the map's folder (sizes and hashes).
pub fn map_tree_url(base_url: &str) -> String {
    let folder = MAP_PATH.rsplit_once('/').map_or("", |(dir, _)| dir);
    format!("{}/api/datasets/{MAP_REPO}/tree/{MAP_REVISION}/{folder}", base_url.trim_end_matches('/'))
}

/// Where the map lives in the cache.
pub fn cached_map(cache: &Path) -> PathBuf {
    cache.join("latentscore").join(MAP_REVISION).join(MAP_REPO).join(MAP_PATH)
}

/// Fetches the map into the cache (nothing to do when it is there and matches the listing) and
/// returns its path.
pub fn fetch_map(
    base_url: &str,
    cache: &Path,
    policy: &RetryPolicy,
    progress: &dyn Progress,
) -> anyhow::Result<PathBuf> {
    progress.report(0.0, "asking the Hub for the embedding map's size");
    let remote = Remote::listed(map_url(base_url), &map_tree_url(base_url), MAP_PATH);
    let dest = cached_map(cache);
    let mut on_progress = |t: &Transfer| {
        progress.report(t.fraction().unwrap_or(0.0), &format!("embedding map: {}", t.describe()));
    };
    let got = download::fetch(&remote, &dest, policy, &mut on_progress, &|| progress.cancelled())
        .with_context(|| format!("fetching {MAP_PATH} from {MAP_REPO}"))?;
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
