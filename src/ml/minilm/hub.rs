//! all-MiniLM-L6-v2 from the Hugging Face Hub, pinned to one commit, in the Hugging Face cache
//! ([`crate::hub`]): the folder sentence-transformers itself reads, so a model fetched by either
//! is not fetched again by the other. The four files the encoder reads are checked against the
//! sizes and SHA-256 published for that commit.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::download::{Remote, RetryPolicy, Transfer};
use crate::hub::{self, Download, HubCache, RepoFile, RepoKind};
use crate::jobs::Progress;

pub const MODEL_REPO: &str = "sentence-transformers/all-MiniLM-L6-v2";
/// The commit the files are taken at.
pub const MODEL_REVISION: &str = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41";

/// One file of the model at [`MODEL_REVISION`], as the Hub lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelFile {
    pub path: &'static str,
    pub size: u64,
    pub sha256: &'static str,
    /// The Hub's ETag, the blob's name in the cache: the SHA-256 of an LFS file, the git blob id
    /// of a file kept in git.
    pub etag: &'static str,
}

/// The files the encoder reads, smallest first (a bad small file stops a fetch before the large
/// one is downloaded).
pub const MODEL_FILES: [ModelFile; 4] = [
    ModelFile {
        path: "sentence_bert_config.json",
        size: 53,
        sha256: "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
        etag: "59d594003bf59880a884c574bf88ef7555bb0202",
    },
    ModelFile {
        path: "config.json",
        size: 612,
        sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        etag: "72b987fd805cfa2b58c4c8c952b274a11bfd5a00",
    },
    ModelFile {
        path: "tokenizer.json",
        size: 466_247,
        sha256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        etag: "cb202bfe2e3c98645018a6d12f182a434c9d3e02",
    },
    ModelFile {
        path: "model.safetensors",
        size: 90_868_376,
        sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        // An LFS file: its ETag is its SHA-256.
        etag: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    },
];

/// The bytes of all the files.
pub const DOWNLOAD_BYTES: u64 = {
    let mut total = 0;
    let mut i = 0;
    while i < MODEL_FILES.len() {
        total += MODEL_FILES[i].size;
        i += 1;
    }
    total
};

/// Whether a file is in the cache with its size (its bytes are not hashed).
fn present(cache: &HubCache, file: &ModelFile) -> bool {
    cache
        .find(MODEL_REPO, RepoKind::Model, MODEL_REVISION, file.path)
        .and_then(|path| std::fs::metadata(path).ok())
        .is_some_and(|meta| meta.len() == file.size)
}

/// The model's snapshot folder in the cache, when all its files are there with their sizes.
pub fn find_model(cache: &HubCache) -> Option<PathBuf> {
    MODEL_FILES
        .iter()
        .all(|file| present(cache, file))
        .then(|| cache.snapshot_dir(MODEL_REPO, RepoKind::Model, MODEL_REVISION))
}

/// The files not (or not whole) in the cache.
pub fn missing_files(cache: &HubCache) -> Vec<&'static str> {
    MODEL_FILES.iter().filter(|file| !present(cache, file)).map(|file| file.path).collect()
}

/// Downloads the files the cache lacks from `base_url` (the Hub, or a server with its layout),
/// each checked against its published size and SHA-256, reporting progress over all the bytes
/// and stopping when `progress` is cancelled (a partial file is kept and resumes next time).
/// Returns the model's snapshot folder.
pub fn fetch_model(cache: &HubCache, base_url: &str, progress: &dyn Progress) -> anyhow::Result<PathBuf> {
    let cancelled = || progress.cancelled();
    let mut done = 0;
    for file in &MODEL_FILES {
        progress.checkpoint()?;
        if present(cache, file) {
            done += file.size;
            continue;
        }
        let url = hub::file_url(base_url, RepoKind::Model, MODEL_REPO, MODEL_REVISION, file.path);
        let download = Download {
            remote: Remote::verified(url, file.size, file.sha256),
            etag: Some(file.etag.to_owned()),
            adopt: None,
        };
        let mut on_progress = |t: &Transfer| {
            let message = format!("{}: {}", file.path, t.describe());
            progress.report((done + t.done.min(file.size)) as f32 / DOWNLOAD_BYTES as f32, &message);
        };
        let repo_file =
            RepoFile { repo: MODEL_REPO, kind: RepoKind::Model, commit: MODEL_REVISION, path: file.path };
        cache
            .fetch(&repo_file, &download, &RetryPolicy::default(), &mut on_progress, &cancelled)
            .with_context(|| format!("fetching {} of {MODEL_REPO}", file.path))?;
        done += file.size;
    }
    let folder = find_model(cache).with_context(|| {
        format!("{MODEL_REPO}: files still missing after the download: {}", missing_files(cache).join(", "))
    })?;
    progress.report(1.0, &format!("{MODEL_REPO} in {}", folder.display()));
    Ok(folder)
}

/// The model's folder in the Hugging Face cache `huggingface_hub` uses, or an error saying how to
/// download it.
pub fn default_model_dir() -> anyhow::Result<PathBuf> {
    let cache = HubCache::discover();
    find_model(&cache).with_context(|| {
        format!(
            "{MODEL_REPO} is not downloaded (not in the Hugging Face cache {}): run `benchtop models fetch minilm`",
            cache.root.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_files_add_up() {
        assert_eq!(DOWNLOAD_BYTES, 90_868_376 + 466_247 + 612 + 53);
        // The encoder's required files are all fetched.
        for required in crate::ml::minilm::REQUIRED_FILES {
            assert!(MODEL_FILES.iter().any(|f| f.path == required), "{required}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_model_is_found_by_its_files_sizes_and_missing_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HubCache::at(dir.path());
        assert_eq!(missing_files(&cache).len(), 4);
        assert_eq!(find_model(&cache), None);
        let snapshot = cache.snapshot_dir(MODEL_REPO, RepoKind::Model, MODEL_REVISION);
        std::fs::create_dir_all(&snapshot).unwrap();
        // Plain files of the right sizes (some tools copy instead of linking): found, not hashed.
        for file in &MODEL_FILES[..3] {
            std::fs::write(snapshot.join(file.path), vec![b'x'; file.size as usize]).unwrap();
        }
        assert_eq!(missing_files(&cache), ["model.safetensors"]);
        // A file of the wrong size counts as missing.
        std::fs::write(snapshot.join("model.safetensors"), b"short").unwrap();
        assert_eq!(missing_files(&cache), ["model.safetensors"]);
        let model = std::fs::File::create(snapshot.join("model.safetensors")).unwrap();
        model.set_len(MODEL_FILES[3].size).unwrap();
        assert_eq!(find_model(&cache), Some(snapshot));
        assert!(missing_files(&cache).is_empty());
    }
}
