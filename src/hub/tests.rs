//! The cache's layout against what huggingface_hub writes (folder names, relative links, refs),
//! without a network: every remote here points at a closed port, so a test that downloaded
//! anything would fail.

use super::*;

/// SHA-256("abc"), FIPS 180-2 appendix B.1.
const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const COMMIT: &str = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41";
const REPO: &str = "org/name";

/// Nothing listens on port 9 (discard) of this machine's loopback in the tests.
fn unreachable(path: &str, size: u64, sha256: &str) -> Download {
    Download {
        remote: Remote::verified(format!("http://127.0.0.1:9/{path}"), size, sha256),
        ..Default::default()
    }
}

fn once() -> RetryPolicy {
    RetryPolicy { attempts: 1, ..Default::default() }
}

fn fetch(cache: &HubCache, path: &str, download: &Download) -> anyhow::Result<Fetched> {
    let file = RepoFile { repo: REPO, kind: RepoKind::Model, commit: COMMIT, path };
    cache.fetch(&file, download, &once(), &mut |_| {}, &|| false)
}

#[test]
fn folder_names_and_urls_follow_the_hub() {
    assert_eq!(
        repo_folder_name("sentence-transformers/all-MiniLM-L6-v2", RepoKind::Model),
        "models--sentence-transformers--all-MiniLM-L6-v2"
    );
    assert_eq!(
        repo_folder_name("allenai/DataDecide-ppl-results", RepoKind::Dataset),
        "datasets--allenai--DataDecide-ppl-results"
    );
    assert_eq!(
        file_url("https://huggingface.co/", RepoKind::Model, "a/b", "main", "x/config.json"),
        "https://huggingface.co/a/b/resolve/main/x/config.json"
    );
    assert_eq!(
        file_url("https://huggingface.co", RepoKind::Dataset, "a/b", COMMIT, "data/f.parquet"),
        format!("https://huggingface.co/datasets/a/b/resolve/{COMMIT}/data/f.parquet")
    );
    assert_eq!(
        tree_url("http://h", RepoKind::Dataset, "a/b", "main", "data"),
        "http://h/api/datasets/a/b/tree/main/data"
    );
    assert_eq!(
        revision_url("http://h", RepoKind::Model, "a/b", "main"),
        "http://h/api/models/a/b/revision/main"
    );
    let cache = HubCache::at("/c");
    assert_eq!(
        cache.snapshot_path("a/b", RepoKind::Model, COMMIT, "1_Pooling/config.json"),
        PathBuf::from(format!("/c/models--a--b/snapshots/{COMMIT}/1_Pooling/config.json"))
    );
    assert_eq!(
        cache.blob_path("a/b", RepoKind::Dataset, "ab12"),
        PathBuf::from("/c/datasets--a--b/blobs/ab12")
    );
}

#[test]
fn the_root_is_found_as_huggingface_hub_finds_it() {
    let home = Path::new("/home/u");
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| std::ffi::OsString::from(v))
    };
    const ALL: &[(&str, &str)] = &[("HF_HUB_CACHE", "/hub"), ("HF_HOME", "/hf"), ("XDG_CACHE_HOME", "/xdg")];
    assert_eq!(discover_root(&env(ALL), Some(home)), PathBuf::from("/hub"));
    assert_eq!(discover_root(&env(&ALL[1..]), Some(home)), PathBuf::from("/hf/hub"));
    assert_eq!(discover_root(&env(&ALL[2..]), Some(home)), PathBuf::from("/xdg/huggingface/hub"));
    assert_eq!(discover_root(&env(&[]), Some(home)), PathBuf::from("/home/u/.cache/huggingface/hub"));
    // An empty variable counts as unset; `~` is the home folder.
    assert_eq!(
        discover_root(&env(&[("HF_HUB_CACHE", ""), ("HF_HOME", "~/hf")]), Some(home)),
        PathBuf::from("/home/u/hf/hub")
    );
}

#[cfg(unix)]
#[test]
fn a_blob_in_the_cache_is_linked_relatively_and_not_downloaded() {
    let dir = tempfile::tempdir().unwrap();
    let cache = HubCache::at(dir.path());
    let blob = cache.blob_path(REPO, RepoKind::Model, ABC_SHA256);
    std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
    std::fs::write(&blob, b"abc").unwrap();
    for (path, target) in [
        ("top.bin", format!("../../blobs/{ABC_SHA256}")),
        ("a/b/deep.bin", format!("../../../../blobs/{ABC_SHA256}")),
    ] {
        let got = fetch(&cache, path, &unreachable(path, 3, ABC_SHA256)).unwrap();
        assert!(got.already_present, "{path} was downloaded");
        let snapshot = cache.snapshot_path(REPO, RepoKind::Model, COMMIT, path);
        assert_eq!(got.path, snapshot);
        assert_eq!(std::fs::read_link(&snapshot).unwrap(), PathBuf::from(target));
        assert_eq!(std::fs::read(&snapshot).unwrap(), b"abc");
        assert_eq!(cache.find(REPO, RepoKind::Model, COMMIT, path), Some(snapshot));
    }
    // Nothing is left beside the links.
    let names: Vec<_> = std::fs::read_dir(cache.snapshot_dir(REPO, RepoKind::Model, COMMIT))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[cfg(unix)]
#[test]
fn a_link_whose_blob_is_gone_is_not_found_and_a_plain_file_is() {
    let dir = tempfile::tempdir().unwrap();
    let cache = HubCache::at(dir.path());
    let snapshot = cache.snapshot_path(REPO, RepoKind::Model, COMMIT, "config.json");
    std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(format!("../../blobs/{ABC_SHA256}"), &snapshot).unwrap();
    assert_eq!(cache.find(REPO, RepoKind::Model, COMMIT, "config.json"), None);
    // A fetch does not take the dangling link for the file: it tries the server (closed here).
    let err = fetch(&cache, "config.json", &unreachable("config.json", 3, ABC_SHA256)).unwrap_err();
    assert!(format!("{err:#}").contains("cannot reach"), "{err:#}");
    // Some tools copy files into the snapshot instead of linking them.
    std::fs::remove_file(&snapshot).unwrap();
    std::fs::write(&snapshot, b"abc").unwrap();
    assert_eq!(cache.find(REPO, RepoKind::Model, COMMIT, "config.json"), Some(snapshot.clone()));
    let got = fetch(&cache, "config.json", &unreachable("config.json", 3, ABC_SHA256)).unwrap();
    assert!(got.already_present);
    // Not a commit, or a path leaving the repository: never found.
    assert_eq!(cache.find(REPO, RepoKind::Model, "main", "config.json"), None);
    assert_eq!(cache.find(REPO, RepoKind::Model, COMMIT, "../../x"), None);
}

#[test]
fn refs_hold_the_commit_text() {
    let dir = tempfile::tempdir().unwrap();
    let cache = HubCache::at(dir.path());
    assert_eq!(cache.read_ref(REPO, RepoKind::Dataset, "main"), None);
    cache.write_ref(REPO, RepoKind::Dataset, "main", COMMIT).unwrap();
    let file = dir.path().join("datasets--org--name/refs/main");
    // huggingface_hub writes the bare commit, no newline.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), COMMIT);
    assert_eq!(cache.read_ref(REPO, RepoKind::Dataset, "main").as_deref(), Some(COMMIT));
    // One written by another tool with a newline reads the same.
    std::fs::write(&file, format!("{COMMIT}\n")).unwrap();
    assert_eq!(cache.read_ref(REPO, RepoKind::Dataset, "main").as_deref(), Some(COMMIT));
    assert!(cache.write_ref(REPO, RepoKind::Dataset, "main", "not-a-commit").is_err());
    assert!(cache.write_ref(REPO, RepoKind::Dataset, "../escape", COMMIT).is_err());
}

#[test]
fn a_file_in_the_old_layout_is_moved_into_the_blob_when_it_matches() {
    let dir = tempfile::tempdir().unwrap();
    let cache = HubCache::at(dir.path().join("hub"));
    let old = dir.path().join("benchtop/datadecide/pinned/org/name/data/f.parquet");
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    std::fs::write(&old, b"abc").unwrap();
    let download = Download { adopt: Some(old.clone()), ..unreachable("data/f.parquet", 3, ABC_SHA256) };
    let got = fetch(&cache, "data/f.parquet", &download).unwrap();
    assert!(got.already_present);
    assert!(!old.exists(), "the old copy was moved, not copied");
    assert_eq!(std::fs::read(cache.blob_path(REPO, RepoKind::Model, ABC_SHA256)).unwrap(), b"abc");
    assert_eq!(std::fs::read(&got.path).unwrap(), b"abc");

    // An old file that is not the Hub's is left alone and not used.
    let other = dir.path().join("benchtop/other.bin");
    std::fs::write(&other, b"abd").unwrap();
    let download = Download { adopt: Some(other.clone()), ..unreachable("other.bin", 3, ABC_SHA256) };
    let cache = HubCache::at(dir.path().join("hub2"));
    assert!(fetch(&cache, "other.bin", &download).is_err());
    assert_eq!(std::fs::read(&other).unwrap(), b"abd");
    assert_eq!(cache.find(REPO, RepoKind::Model, COMMIT, "other.bin"), None);
    assert!(!cache.blob_path(REPO, RepoKind::Model, ABC_SHA256).exists());
}

#[cfg(unix)]
#[test]
fn a_stale_snapshot_file_is_replaced_by_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let cache = HubCache::at(dir.path());
    let blob = cache.blob_path(REPO, RepoKind::Model, ABC_SHA256);
    std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
    std::fs::write(&blob, b"abc").unwrap();
    let snapshot = cache.snapshot_path(REPO, RepoKind::Model, COMMIT, "f.bin");
    std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
    std::fs::write(&snapshot, b"old").unwrap();
    fetch(&cache, "f.bin", &unreachable("f.bin", 3, ABC_SHA256)).unwrap();
    assert!(std::fs::symlink_metadata(&snapshot).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read(&snapshot).unwrap(), b"abc");
}

#[test]
fn paths_and_etags_cannot_leave_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let cache = HubCache::at(dir.path());
    for path in ["", "/etc/passwd", "a/../../x", "a//b", "./a"] {
        assert!(fetch(&cache, path, &unreachable("x", 3, ABC_SHA256)).is_err(), "{path:?}");
    }
    let download = Download { etag: Some("../../x".into()), ..unreachable("x", 3, ABC_SHA256) };
    assert!(fetch(&cache, "x", &download).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing was written");
}
