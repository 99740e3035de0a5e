//! Fetching the DataDecide files from the Hugging Face Hub (or any server with the same layout,
//! `--base-url`) into the Hugging Face cache ([`crate::hub`]), with sizes and SHA-256 from the
//! Hub's file listing. Files that benchtop's own cache holds from before (its old layout,
//! `<cache>/datadecide/<revision>/<repo>/<path>`) are moved into the Hugging Face cache when they
//! match the listing, instead of being downloaded again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::catalog::{self, HUB_FILES, HubFile};
use crate::download::{Remote, RetryPolicy, Transfer};
pub use crate::hub::Caches;
pub use crate::hub::DEFAULT_BASE_URL;
use crate::hub::{self as hf, HubCache, RepoFile, RepoKind};
use crate::jobs::Progress;

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
        self.file_url_at(file, &self.revision_of(file))
    }

    fn file_url_at(&self, file: &HubFile, revision: &str) -> String {
        hf::file_url(self.base(), RepoKind::Dataset, file.repo, revision, file.path)
    }

    /// The Hub's listing of the folder holding `file`.
    pub fn tree_url(&self, file: &HubFile) -> String {
        self.tree_url_at(file, &self.revision_of(file))
    }

    fn tree_url_at(&self, file: &HubFile, revision: &str) -> String {
        let folder = file.path.rsplit_once('/').map_or("", |(dir, _)| dir);
        hf::tree_url(self.base(), RepoKind::Dataset, file.repo, revision, folder)
    }

    /// benchtop's cache folder for this revision's built tables (and, in benchtop's layout before
    /// the Hugging Face cache, its files): `<cache>/datadecide/<revision label>`.
    pub fn cache_root(&self, cache: &Path) -> PathBuf {
        let label = match &self.revision {
            Some(r) => sanitize(r),
            None => format!("pinned-{}-{}", &catalog::PPL_REVISION[..8], &catalog::EVAL_REVISION[..8]),
        };
        cache.join("datadecide").join(label)
    }

    /// Where benchtop's cache kept a Hub file before the Hugging Face layout.
    pub fn legacy_path(&self, cache: &Path, file: &HubFile) -> PathBuf {
        super::synth::local_path(&self.cache_root(cache), file)
    }

    /// The commit the files of `file`'s repository are taken at, without asking the Hub: the
    /// pinned one, the revision given when it is a commit, else the one the cache's ref of that
    /// name records.
    pub fn cached_commit(&self, hub: &HubCache, file: &HubFile) -> Option<String> {
        let revision = self.revision_of(file);
        if hf::is_commit(&revision) {
            return Some(revision.to_ascii_lowercase());
        }
        hub.read_ref(file.repo, RepoKind::Dataset, &revision)
    }

    /// Where a Hub file is in the Hugging Face cache, if it is there.
    pub fn cached_path(&self, hub: &HubCache, file: &HubFile) -> Option<PathBuf> {
        let commit = self.cached_commit(hub, file)?;
        hub.find(file.repo, RepoKind::Dataset, &commit, file.path)
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
    /// Its path in the Hugging Face cache's snapshot.
    pub path: PathBuf,
    pub bytes: u64,
    pub already_present: bool,
}

/// Fetches the files into the Hugging Face cache, one after another, reporting bytes, rate and
/// ETA. Each file's size and SHA-256 come from the Hub's listing and are checked; without them
/// nothing is downloaded unless `no_verify`. A revision that is not a commit (a branch) is
/// resolved to its commit first, and recorded as the cache's ref of that name.
pub fn fetch(
    source: &HubSource,
    files: &[&'static HubFile],
    caches: &Caches,
    policy: &RetryPolicy,
    no_verify: bool,
    progress: &dyn Progress,
) -> anyhow::Result<Vec<FetchedFile>> {
    let mut fetched = Vec::new();
    let mut commits: HashMap<&str, String> = HashMap::new();
    for (i, file) in files.iter().enumerate() {
        progress.checkpoint()?;
        let cancelled = || progress.cancelled();
        let context = || format!("fetching {} from {}", file.path, file.repo);
        let commit = match commits.get(file.repo) {
            Some(commit) => commit.clone(),
            None => {
                let revision = source.revision_of(file);
                let commit =
                    hf::resolve_revision(source.base(), RepoKind::Dataset, file.repo, &revision, &cancelled)
                        .with_context(context)?;
                commits.insert(file.repo, commit.clone());
                commit
            }
        };
        let (remote, etag) = Remote::listed_with_etag(
            source.file_url_at(file, &commit),
            &source.tree_url_at(file, &commit),
            file.path,
            no_verify,
            &cancelled,
        )
        .with_context(context)?;
        let adopt = caches.benchtop.as_deref().map(|cache| source.legacy_path(cache, file));
        let download = hf::Download { remote, etag, adopt };
        let label = format!("{} ({} of {})", file.path, i + 1, files.len());
        let mut on_progress = |t: &Transfer| {
            let within = t.fraction().unwrap_or(0.0);
            progress.report((i as f32 + within) / files.len() as f32, &format!("{label}: {}", t.describe()));
        };
        let repo_file =
            RepoFile { repo: file.repo, kind: RepoKind::Dataset, commit: &commit, path: file.path };
        let got = caches
            .hub
            .fetch(&repo_file, &download, policy, &mut on_progress, &cancelled)
            .with_context(context)?;
        fetched.push(FetchedFile {
            file,
            path: got.path,
            bytes: got.bytes,
            already_present: got.already_present,
        });
    }
    if let Some(revision) = source.revision.as_deref().filter(|r| !hf::is_commit(r)) {
        for (repo, commit) in &commits {
            caches.hub.write_ref(repo, RepoKind::Dataset, revision, commit)?;
        }
    }
    progress.report(1.0, &format!("{} files in {}", fetched.len(), caches.hub.root.display()));
    Ok(fetched)
}

/// The pipeline's inputs from the Hugging Face cache (or benchtop's old layout), or what is
/// missing there.
pub fn cached_inputs(source: &HubSource, caches: &Caches) -> anyhow::Result<super::pipeline::Inputs> {
    let mut inputs = super::pipeline::Inputs::default();
    let mut missing = Vec::new();
    for file in HUB_FILES.iter().filter(|f| ["ppl", "eval", "macro"].contains(&f.group)) {
        let legacy = caches.benchtop.as_deref().map(|c| source.legacy_path(c, file)).filter(|p| p.is_file());
        match (source.cached_path(&caches.hub, file).or(legacy), file.group) {
            (Some(path), "ppl") => inputs.ppl.push(path),
            (Some(path), "eval") => inputs.eval.push(path),
            (Some(path), _) => inputs.macro_avg.push(path),
            // The macro averages are optional.
            (None, "macro") => {}
            (None, _) => missing.push(format!("{}/{} at {}", file.repo, file.path, source.revision_of(file))),
        }
    }
    anyhow::ensure!(
        missing.is_empty(),
        "DataDecide files missing from the Hugging Face cache {} (run `benchtop datadecide fetch` first): {}",
        caches.hub.root.display(),
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
            local.legacy_path(Path::new("/c"), &HUB_FILES[0]),
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
