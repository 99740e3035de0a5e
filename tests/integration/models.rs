//! `benchtop models fetch minilm` against a local server in the Hub's URL layout that serves the
//! real model files (the copy `scripts/fetch-test-model` fetched): the files land in the Hugging
//! Face cache as huggingface_hub lays it out, with the SHA-256 the Hub publishes for them; a second
//! run downloads nothing; a corrupted file is refused and leaves no snapshot entry.

use std::path::Path;
use std::process::Command;

use crate::common::{Behaviour, Server};

const REPO: &str = "sentence-transformers/all-MiniLM-L6-v2";
const COMMIT: &str = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41";

/// The Hub's listing of the four files at that commit: path, size, SHA-256, ETag (an LFS file's
/// ETag is its SHA-256, a git file's its git blob id).
const PUBLISHED: [(&str, u64, &str, &str); 4] = [
    (
        "model.safetensors",
        90_868_376,
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    (
        "tokenizer.json",
        466_247,
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        "cb202bfe2e3c98645018a6d12f182a434c9d3e02",
    ),
    (
        "config.json",
        612,
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        "72b987fd805cfa2b58c4c8c952b274a11bfd5a00",
    ),
    (
        "sentence_bert_config.json",
        53,
        "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
        "59d594003bf59880a884c574bf88ef7555bb0202",
    ),
];

fn url(file: &str) -> String {
    format!("/{REPO}/resolve/{COMMIT}/{file}")
}

/// A server with the four files at their Hub URLs.
fn serve_model() -> Server {
    let model = crate::common::test_model();
    let server = Server::start();
    for (file, ..) in PUBLISHED {
        server.route(&url(file), Behaviour::Serve(std::fs::read(model.join(file)).unwrap()));
    }
    server
}

/// `benchtop models fetch minilm` from `server` into `cache`, with a private home and no
/// Hugging Face variables (nothing outside the test's folders is touched).
fn fetch(home: &Path, server: &Server, cache: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_benchtop"))
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HF_HOME")
        .env_remove("HF_HUB_CACHE")
        .env_remove("HUGGINGFACE_HUB_CACHE")
        .env_remove("BENCHTOP_CACHE_DIR")
        .args(["models", "fetch", "minilm", "--base-url", &server.base, "--cache"])
        .arg(cache)
        .output()
        .unwrap()
}

fn blob_requests(server: &Server) -> usize {
    server.requests().iter().filter(|r| r.path.contains("/resolve/")).count()
}

/// Names in a folder that are not the expected entries: temporaries, partial files.
fn leftovers(dir: &Path, expected: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !expected.contains(&name.as_str()))
        .collect()
}

#[test]
fn minilm_lands_in_the_hugging_face_layout_and_a_second_fetch_downloads_nothing() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("hf-hub");
    let server = serve_model();

    let out = fetch(home.path(), &server, &cache);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let repo_dir = cache.join("models--sentence-transformers--all-MiniLM-L6-v2");
    let folder = repo_dir.join("snapshots").join(COMMIT);
    // Only the folder goes to stdout.
    assert_eq!(stdout, format!("{}\n", folder.display()));
    for (file, size, sha256, etag) in PUBLISHED {
        let path = folder.join(file);
        assert_eq!(benchtop::download::sha256_file(&path).unwrap(), sha256, "{file}");
        #[cfg(unix)]
        assert_eq!(std::fs::read_link(&path).unwrap(), Path::new("../../blobs").join(etag), "{file}");
        let blob = std::fs::symlink_metadata(repo_dir.join("blobs").join(etag)).unwrap();
        assert!(blob.is_file() && blob.len() == size, "{file}'s blob");
    }
    let etags: Vec<&str> = PUBLISHED.iter().map(|p| p.3).collect();
    assert_eq!(leftovers(&repo_dir.join("blobs"), &etags), Vec::<String>::new());
    let names: Vec<&str> = PUBLISHED.iter().map(|p| p.0).collect();
    assert_eq!(leftovers(&folder, &names), Vec::<String>::new());
    // The encoder takes the folder as its model folder.
    benchtop::ml::minilm::weights::check_folder(&folder).unwrap();
    assert_eq!(blob_requests(&server), 4, "{:?}", server.requests());

    // Everything is in the cache: nothing is asked of the server.
    let again = fetch(home.path(), &server, &cache);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(String::from_utf8(again.stdout).unwrap(), stdout);
    assert_eq!(blob_requests(&server), 4, "{:?}", server.requests());
}

#[test]
fn a_corrupted_tokenizer_is_refused_and_leaves_no_snapshot_entry() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("hf-hub");
    let server = serve_model();
    // The same length, one byte changed.
    let mut tokenizer = std::fs::read(crate::common::test_model().join("tokenizer.json")).unwrap();
    tokenizer[1000] ^= 0x20;
    server.route(&url("tokenizer.json"), Behaviour::Serve(tokenizer));

    let out = fetch(home.path(), &server, &cache);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    let error = stderr.lines().find(|l| l.starts_with("benchtop: ")).unwrap_or_default();
    assert!(error.contains("tokenizer.json") && error.contains("SHA-256"), "{stderr}");
    let repo_dir = cache.join("models--sentence-transformers--all-MiniLM-L6-v2");
    let snapshot = repo_dir.join("snapshots").join(COMMIT).join("tokenizer.json");
    assert!(std::fs::symlink_metadata(&snapshot).is_err(), "{} exists", snapshot.display());
    assert!(!repo_dir.join("blobs/cb202bfe2e3c98645018a6d12f182a434c9d3e02").exists());
}
