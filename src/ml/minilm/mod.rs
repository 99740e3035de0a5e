//! LatentScore's "fast" model's encoder: sentence-transformers/all-MiniLM-L6-v2 run in burn.
//! A text is tokenised by Hugging Face's `tokenizers` from the model's own `tokenizer.json`
//! (truncated to 256 tokens, as sentence-transformers does), the BERT encoder runs over a batch
//! padded to its longest text (`model`), and each text's vector is the mean of its tokens,
//! L2-normalised: 384 numbers whose dot product is the cosine similarity.

pub mod hub;
pub mod model;
pub mod weights;

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Int, Tensor, TensorData};
use tokenizers::Tokenizer;

use self::model::{MiniLm, Sizes};
pub use self::weights::{ModelError, REQUIRED_FILES};
use crate::jobs::{Cancelled, Progress};
use crate::ml::backend::Backend;

/// Texts a batch (sentence-transformers' default).
pub const DEFAULT_BATCH: usize = 32;

/// A batch's index and its embeddings.
type Embedded = (usize, Vec<Vec<f32>>);

/// A loaded sentence encoder.
pub struct Embedder {
    net: MiniLm,
    tokenizer: Tokenizer,
    device: Device,
    sizes: Sizes,
    max_tokens: usize,
    pub dir: PathBuf,
    /// Threads that run batches side by side (the CPU's cores on the CPU backend; one on a GPU,
    /// whose queue runs them in turn anyway).
    workers: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").field("dir", &self.dir).field("sizes", &self.sizes).finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads the model folder `dir` (see [`weights`]) onto `backend`'s device.
    pub fn load(dir: &Path, backend: Backend) -> anyhow::Result<Embedder> {
        let device = crate::ml::backend::device(backend)?;
        let mut embedder = Self::load_on(dir, device)?;
        if backend == Backend::Cpu {
            embedder.workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        }
        Ok(embedder)
    }

    /// Loads the model folder `dir` onto `device`.
    pub fn load_on(dir: &Path, device: Device) -> Result<Embedder, ModelError> {
        weights::check_folder(dir)?;
        let sizes = weights::read_sizes(dir)?;
        let max_tokens = weights::max_tokens(dir, &sizes)?;
        let tokenizer_path = dir.join(weights::TOKENIZER_FILE);
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(|e| ModelError::File {
            path: tokenizer_path.clone(),
            message: format!("not a Hugging Face tokenizer: {e}"),
        })?;
        if tokenizer.get_vocab_size(true) > sizes.vocab {
            return Err(ModelError::File {
                path: tokenizer_path,
                message: format!(
                    "its vocabulary has {} tokens, the network's table {}",
                    tokenizer.get_vocab_size(true),
                    sizes.vocab
                ),
            });
        }
        // The shipped file pads to 128 and truncates at 128; sentence-transformers truncates at
        // its max_seq_length and pads each batch to its longest (done here, in `embed`).
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: max_tokens,
                ..Default::default()
            }))
            .map_err(|e| ModelError::File {
                path: tokenizer_path,
                message: format!("cannot truncate: {e}"),
            })?;
        let net = weights::load_network(dir, &sizes, &device)?;
        Ok(Embedder { net, tokenizer, device, sizes, max_tokens, dir: dir.to_owned(), workers: 1 })
    }

    /// The length of an embedding.
    pub fn dim(&self) -> usize {
        self.sizes.hidden
    }

    /// The longest input in tokens; longer texts are cut.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Token ids of each text, with `[CLS]` and `[SEP]`, truncated.
    pub fn tokenize(&self, texts: &[&str]) -> anyhow::Result<Vec<Vec<u32>>> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| anyhow::anyhow!("tokenising: {e}"))?;
        Ok(encodings.into_iter().map(|e| e.get_ids().to_vec()).collect())
    }

    /// The embeddings of `texts`, in their order, `batch` at a time (texts of similar length
    /// together, as sentence-transformers sorts them), reporting progress and stopping when asked.
    pub fn embed_with(
        &self,
        texts: &[&str],
        batch: usize,
        progress: &dyn Progress,
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let ids = self.tokenize(texts)?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));
        let chunks: Vec<&[usize]> = order.chunks(batch.max(1)).collect();
        // Batches go to the workers in turn (longest first); each writes its own results.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let finished = std::sync::atomic::AtomicUsize::new(0);
        let work = || -> anyhow::Result<Vec<Embedded>> {
            let mut mine = Vec::new();
            loop {
                let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(chunk) = chunks.get(c) else { return Ok(mine) };
                if progress.cancelled() {
                    return Err(Cancelled.into());
                }
                let rows: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
                mine.push((c, self.embed_ids(&rows)));
                let done =
                    finished.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed) + chunk.len();
                progress.report(
                    done as f32 / texts.len() as f32,
                    &format!("embedded {done} of {} texts", texts.len()),
                );
            }
        };
        let workers = self.workers.clamp(1, chunks.len().max(1));
        let results: Vec<anyhow::Result<Vec<Embedded>>> = if workers == 1 {
            vec![work()]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("an embedding worker panicked")))
                    })
                    .collect()
            })
        };
        let mut out = vec![Vec::new(); texts.len()];
        for result in results {
            for (c, vectors) in result? {
                for (&i, vector) in chunks[c].iter().zip(vectors) {
                    out[i] = vector;
                }
            }
        }
        Ok(out)
    }

    /// The embeddings of `texts` in one go (batches of [`DEFAULT_BATCH`]).
    pub fn embed(&self, texts: &[&str]) -> anyhow::Result<Vec<Vec<f32>>> {
        self.embed_with(texts, DEFAULT_BATCH, &crate::jobs::Silent)
    }

    /// One forward pass over token id rows, padded to the longest.
    fn embed_ids(&self, rows: &[&[u32]]) -> Vec<Vec<f32>> {
        let length = rows.iter().map(|r| r.len()).max().unwrap_or(0).max(1);
        let mut flat = vec![0i32; rows.len() * length];
        let mut mask = vec![0i32; rows.len() * length];
        for (r, ids) in rows.iter().enumerate() {
            for (c, &id) in ids.iter().enumerate() {
                flat[r * length + c] = id as i32;
                mask[r * length + c] = 1;
            }
        }
        let shape = [rows.len(), length];
        let ids = Tensor::<2, Int>::from_data(TensorData::new(flat, shape), &self.device);
        let mask = Tensor::<2, Int>::from_data(TensorData::new(mask, shape), &self.device);
        let data = self.net.forward(ids, mask).into_data().convert::<f32>();
        let dim = self.sizes.hidden;
        data.as_slice::<f32>().map(|s| s.chunks(dim).map(<[f32]>::to_vec).collect()).unwrap_or_default()
    }
}

/// The cosine similarity of two vectors (their dot product over their lengths).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}

#[cfg(test)]
pub(crate) mod tests;
