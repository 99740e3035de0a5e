//! Fetching the DataDecide files from the Hugging Face Hub (or any server with the same layout,
//! `--base-url`) into the cache, with sizes and SHA-256 from the Hub's file listing.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::catalog::{self, HUB_FILES, HubFile};
use crate::download::{self, Remote, RetryPolicy, Transfer};
use crate::jobs::Progress;

pub const DEFAULT_BASE_URL: &str = "https://huggingface.co";

/// Where the files come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubSource {
    pub base_url: String,
    /// One revision for both repositories; `None`: each repository's pinned commit.
    pub revision: Option<String>,
}

impl Default for HubSource {
    fn default() -> Self {
        Self { base_url: DEFAULT_BASE_URL.to_owned(), revision: None }
    }
}

impl HubSource {
    fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    pub fn revision_of(&self, file: &HubFile) -> String {
        self.revision.clone().unwrap_or_else(|| file.default_revision().to_owned())
    }

    /// `<base>/datasets/<repo>/resolve/<revision>/<path>`.
    pub fn file_url(&self, file: &HubFile) -> String {
        format!("{}/datasets/{}/resolve/{}/{}", self.base(), file.repo, self.revision_of(file), file.path)
    }

    /// The Hub's listing of the folder holding `file`.
    pub fn tree_url(&self, file: &HubFile) -> String {
        let folder = file.path.rsplit_once('/').map_or("", |(dir, _)| dir);
        format!("{}/api/datasets/{}/tree/{}/{folder}", self.base(), file.repo, self.revision_of(file))
    }

    /// The cache folder for this revision: `<cache>/datadecide/<revision label>`.
    pub fn cache_root(&self, cache: &Path) -> PathBuf {
        let label = match &self.revision {
            Some(r) => sanitize(r),
            None => format!("pinned-{}-{}", &catalog::PPL_REVISION[..8], &catalog::EVAL_REVISION[..8]),
        };
        cache.join("datadecide").join(label)
    }

    /// Where a Hub file lives in the cache.
    pub fn cached_path(&self, cache: &Path, file: &HubFile) -> PathBuf {
        super::synth::local_path(&self.cache_root(cache), file)
    }
}

fn sanitize(revision: &str) -> String {
    revision.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// The Hub files of the chosen groups (all when `only` is empty).
pub fn select(only: &[String]) -> anyhow::Result<Vec<&'static HubFile>> {
    for group in only {
        anyhow::ensure!(
            HUB_FILES.iter().any(|f| f.group == group),
            "unknown file group \"{group}\" (choose from ppl, eval, macro, scaling-fit)"
        );
    }
    Ok(HUB_FILES.iter().filter(|f| only.is_empty() || only.iter().any(|g| g == f.group)).collect())
}

/// A fetched file.
#[derive(Clone, Debug)]
pub struct FetchedFile {
    pub file: &'static HubFile,
    pub path: PathBuf,
    pub bytes: u64,
    pub already_present: bool,
}

/// Fetches the files into the cache, one after another, reporting bytes, rate and ETA. Each file's
/// size and SHA-256 come from the Hub's listing and are checked; without them nothing is
/// downloaded unless `no_verify`.
pub fn fetch(
    source: &HubSource,
    files: &[&'static HubFile],
    cache: &Path,
    policy: &RetryPolicy,
    no_verify: bool,
    progress: &dyn Progress,
) -> anyhow::Result<Vec<FetchedFile>> {
    let mut fetched = Vec::new();
    for (i, file) in files.iter().enumerate() {
        progress.checkpoint()?;
        let cancelled = || progress.cancelled();
        let remote =
            Remote::listed(source.file_url(file), &source.tree_url(file), file.path, no_verify, &cancelled)
                .with_context(|| format!("fetching {} from {}", file.path, file.repo))?;
        let dest = source.cached_path(cache, file);
        let label = format!("{} ({} of {})", file.path, i + 1, files.len());
        let mut on_progress = |t: &Transfer| {
            let within = t.fraction().unwrap_or(0.0);
            progress.report((i as f32 + within) / files.len() as f32, &format!("{label}: {}", t.describe()));
        };
        let got = download::fetch(&remote, &dest, policy, &mut on_progress, &|| progress.cancelled())
            .with_context(|| format!("fetching {} from {}", file.path, file.repo))?;
        fetched.push(FetchedFile {
            file,
            path: got.path,
            bytes: got.bytes,
            already_present: got.already_present,
        });
    }
    progress.report(1.0, &format!("{} files in {}", fetched.len(), source.cache_root(cache).display()));
    Ok(fetched)
}

/// The pipeline's inputs from the cache, or what is missing there.
pub fn cached_inputs(source: &HubSource, cache: &Path) -> anyhow::Result<super::pipeline::Inputs> {
    let mut inputs = super::pipeline::Inputs::default();
    let mut missing = Vec::new();
    for file in HUB_FILES.iter().filter(|f| ["ppl", "eval", "macro"].contains(&f.group)) {
        let path = source.cached_path(cache, file);
        match (path.exists(), file.group) {
            (true, "ppl") => inputs.ppl.push(path),
            (true, "eval") => inputs.eval.push(path),
            (true, _) => inputs.macro_avg.push(path),
            // The macro averages are optional.
            (false, "macro") => {}
            (false, _) => missing.push(path.display().to_string()),
        }
    }
    anyhow::ensure!(
        missing.is_empty(),
        "DataDecide files missing from the cache (run `benchtop datadecide fetch` first): {}",
        missing.join(", ")
    );
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_hub_layout() {
        let source = HubSource::default();
        let eval = &HUB_FILES[1];
        assert_eq!(
            source.file_url(eval),
            "https://huggingface.co/datasets/allenai/DataDecide-eval-results/resolve/\
             9919b5a0e61e57a85021263918fa82d6ceaee038/data/train-00000-of-00004.parquet"
        );
        assert_eq!(
            source.tree_url(eval),
            "https://huggingface.co/api/datasets/allenai/DataDecide-eval-results/tree/\
             9919b5a0e61e57a85021263918fa82d6ceaee038/data"
        );
        let local = HubSource { base_url: "http://127.0.0.1:9/".into(), revision: Some("main".into()) };
        assert_eq!(
            local.file_url(&HUB_FILES[0]),
            "http://127.0.0.1:9/datasets/allenai/DataDecide-ppl-results/resolve/main/data/train-00000-of-00001.parquet"
        );
        assert_eq!(
            local.cached_path(Path::new("/c"), &HUB_FILES[0]),
            PathBuf::from(
                "/c/datadecide/main/allenai/DataDecide-ppl-results/data/train-00000-of-00001.parquet"
            )
        );
    }

    #[test]
    fn groups_select_files() {
        assert_eq!(select(&[]).unwrap().len(), 7);
        assert_eq!(select(&["eval".into()]).unwrap().len(), 4);
        assert_eq!(
            select(&["evals".into()]).unwrap_err().to_string(),
            "unknown file group \"evals\" (choose from ppl, eval, macro, scaling-fit)"
        );
    }
}
