//! A model folder: `config.json` (the sizes), `tokenizer.json`, `model.safetensors`. The
//! checkpoint's header is read and checked against the sizes before any tensor is loaded, so a
//! missing tensor, a wrong shape or a truncated file is reported with the file and the tensor's
//! name; then burn's own safetensors store loads the tensors by name into the network.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use burn::store::{ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore};
use serde::Deserialize;

use super::model::{MiniLm, Sizes};

pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const TOKENIZER_FILE: &str = "tokenizer.json";
pub const CONFIG_FILE: &str = "config.json";
/// sentence-transformers' own settings (`max_seq_length`); optional.
pub const SENTENCE_CONFIG_FILE: &str = "sentence_bert_config.json";
/// The files a model folder must hold.
pub const REQUIRED_FILES: [&str; 3] = [WEIGHTS_FILE, TOKENIZER_FILE, CONFIG_FILE];

/// The longest safetensors header accepted (the real one is ~13 kB).
const MAX_HEADER_BYTES: u64 = 16 << 20;

/// What is wrong with a model folder.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{}: not a model folder: {} is missing (a model folder holds {})", .dir.display(), .file, REQUIRED_FILES.join(", "))]
    MissingFile { dir: PathBuf, file: &'static str },
    #[error("{}: {message}", .path.display())]
    File { path: PathBuf, message: String },
    #[error("{}: tensor {tensor}: {message}", .path.display())]
    Tensor { path: PathBuf, tensor: String, message: String },
}

/// The fields of a BERT `config.json` the encoder needs.
#[derive(Debug, Deserialize)]
struct BertConfig {
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    #[serde(default = "two")]
    type_vocab_size: usize,
    #[serde(default = "gelu")]
    hidden_act: String,
    #[serde(default = "bert_eps")]
    layer_norm_eps: f64,
}

fn two() -> usize {
    2
}
fn gelu() -> String {
    "gelu".into()
}
fn bert_eps() -> f64 {
    1e-12
}

/// Every required file of `dir` is there (the first missing one is the error).
pub fn check_folder(dir: &Path) -> Result<(), ModelError> {
    if !dir.is_dir() {
        return Err(ModelError::File { path: dir.to_owned(), message: "no such folder".into() });
    }
    for file in REQUIRED_FILES {
        if !dir.join(file).is_file() {
            return Err(ModelError::MissingFile { dir: dir.to_owned(), file });
        }
    }
    Ok(())
}

/// The sizes in `config.json`, checked: a BERT encoder with GELU whose heads divide its width.
pub fn read_sizes(dir: &Path) -> Result<Sizes, ModelError> {
    let path = dir.join(CONFIG_FILE);
    let bad = |message: String| ModelError::File { path: path.clone(), message };
    let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
    let c: BertConfig = serde_json::from_str(&text).map_err(|e| bad(format!("not a BERT config: {e}")))?;
    if c.hidden_act != "gelu" {
        return Err(bad(format!("hidden_act is \"{}\"; only \"gelu\" (BERT's) is supported", c.hidden_act)));
    }
    let positive =
        [c.vocab_size, c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size];
    if positive.contains(&0) || c.max_position_embeddings < 2 || c.type_vocab_size == 0 {
        return Err(bad("a size is zero".into()));
    }
    if !c.hidden_size.is_multiple_of(c.num_attention_heads) {
        return Err(bad(format!(
            "hidden_size {} is not a multiple of num_attention_heads {}",
            c.hidden_size, c.num_attention_heads
        )));
    }
    if !(c.layer_norm_eps.is_finite() && c.layer_norm_eps > 0.0) {
        return Err(bad(format!("layer_norm_eps {} is not a small positive number", c.layer_norm_eps)));
    }
    Ok(Sizes {
        vocab: c.vocab_size,
        hidden: c.hidden_size,
        layers: c.num_hidden_layers,
        heads: c.num_attention_heads,
        intermediate: c.intermediate_size,
        positions: c.max_position_embeddings,
        token_types: c.type_vocab_size,
        layer_norm_eps: c.layer_norm_eps,
    })
}

/// The longest input in tokens: sentence-transformers' `max_seq_length` where the folder has its
/// settings, else 256 (all-MiniLM-L6-v2's), never more than the position table.
pub fn max_tokens(dir: &Path, sizes: &Sizes) -> Result<usize, ModelError> {
    #[derive(Deserialize)]
    struct SentenceConfig {
        max_seq_length: usize,
    }
    let path = dir.join(SENTENCE_CONFIG_FILE);
    let wanted = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let c: SentenceConfig = serde_json::from_str(&text).map_err(|e| ModelError::File {
                path: path.clone(),
                message: format!("no max_seq_length: {e}"),
            })?;
            c.max_seq_length
        }
        Err(_) => 256,
    };
    Ok(wanted.clamp(2, sizes.positions))
}

/// The checkpoint's tensors (names as in the file, PyTorch's shapes) the network needs.
pub fn expected_tensors(s: &Sizes) -> Vec<(String, Vec<usize>)> {
    let (h, i) = (s.hidden, s.intermediate);
    let mut out: Vec<(String, Vec<usize>)> = vec![
        ("embeddings.word_embeddings.weight".into(), vec![s.vocab, h]),
        ("embeddings.position_embeddings.weight".into(), vec![s.positions, h]),
        ("embeddings.token_type_embeddings.weight".into(), vec![s.token_types, h]),
        ("embeddings.LayerNorm.weight".into(), vec![h]),
        ("embeddings.LayerNorm.bias".into(), vec![h]),
    ];
    for l in 0..s.layers {
        let p = format!("encoder.layer.{l}");
        let linear = |out: &mut Vec<(String, Vec<usize>)>, name: String, rows: usize, cols: usize| {
            out.push((format!("{name}.weight"), vec![rows, cols]));
            out.push((format!("{name}.bias"), vec![rows]));
        };
        for which in ["query", "key", "value"] {
            linear(&mut out, format!("{p}.attention.self.{which}"), h, h);
        }
        linear(&mut out, format!("{p}.attention.output.dense"), h, h);
        out.push((format!("{p}.attention.output.LayerNorm.weight"), vec![h]));
        out.push((format!("{p}.attention.output.LayerNorm.bias"), vec![h]));
        linear(&mut out, format!("{p}.intermediate.dense"), i, h);
        linear(&mut out, format!("{p}.output.dense"), h, i);
        out.push((format!("{p}.output.LayerNorm.weight"), vec![h]));
        out.push((format!("{p}.output.LayerNorm.bias"), vec![h]));
    }
    out
}

/// One tensor's entry in a safetensors header.
#[derive(Debug, Deserialize)]
struct TensorInfo {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: (u64, u64),
}

/// What the header says: the tensors by name, and the prefix their names carry (`bert.` in
/// checkpoints saved from a whole `BertModel` wrapper, none in sentence-transformers').
struct Header {
    tensors: HashMap<String, TensorInfo>,
    prefix: &'static str,
}

/// Reads `model.safetensors`' header and checks it: every tensor the sizes need is there, in
/// single precision, with its shape, and the file is long enough to hold the data it lists.
fn check_weights(path: &Path, sizes: &Sizes) -> Result<Header, ModelError> {
    let bad = |message: String| ModelError::File { path: path.to_owned(), message };
    let mut file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let file_len = file.metadata().map_err(|e| bad(e.to_string()))?.len();
    let mut len = [0u8; 8];
    file.read_exact(&mut len).map_err(|_| bad("too short to be a safetensors file".into()))?;
    let header_len = u64::from_le_bytes(len);
    if header_len > MAX_HEADER_BYTES || 8 + header_len > file_len {
        return Err(bad(format!(
            "not a safetensors file, or truncated: its header claims {header_len} bytes, the file has {file_len}"
        )));
    }
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header).map_err(|e| bad(e.to_string()))?;
    let mut raw: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&header).map_err(|e| bad(format!("unreadable safetensors header: {e}")))?;
    raw.remove("__metadata__");
    let mut tensors = HashMap::with_capacity(raw.len());
    for (name, value) in raw {
        let info: TensorInfo = serde_json::from_value(value).map_err(|e| ModelError::Tensor {
            path: path.to_owned(),
            tensor: name.clone(),
            message: format!("unreadable header entry: {e}"),
        })?;
        tensors.insert(name, info);
    }
    let prefix = if tensors.keys().any(|k| k.starts_with("bert.embeddings.")) { "bert." } else { "" };
    let data_len = file_len - 8 - header_len;
    for (name, shape) in expected_tensors(sizes) {
        let key = format!("{prefix}{name}");
        let tensor_error =
            |message: String| ModelError::Tensor { path: path.to_owned(), tensor: key.clone(), message };
        let Some(info) = tensors.get(&key) else {
            return Err(tensor_error("missing".into()));
        };
        if info.dtype != "F32" {
            return Err(tensor_error(format!(
                "stored as {}; only F32 checkpoints are supported",
                info.dtype
            )));
        }
        if info.shape != shape {
            return Err(tensor_error(format!(
                "shape {:?}, expected {:?} (from {CONFIG_FILE})",
                info.shape, shape
            )));
        }
        let (start, end) = info.data_offsets;
        let bytes = shape.iter().product::<usize>() as u64 * 4;
        if end < start || end - start != bytes {
            return Err(tensor_error(format!("its data offsets {start}..{end} do not hold {bytes} bytes")));
        }
        if end > data_len {
            return Err(tensor_error(format!(
                "its data ends at byte {end} of the data, but the file holds {data_len}: the file is truncated"
            )));
        }
    }
    Ok(Header { tensors, prefix })
}

/// The network with the folder's weights, on `device`.
pub fn load_network(dir: &Path, sizes: &Sizes, device: &burn::tensor::Device) -> Result<MiniLm, ModelError> {
    let path = dir.join(WEIGHTS_FILE);
    let header = check_weights(&path, sizes)?;
    let mut model = MiniLm::new(sizes, device);
    let mut store = SafetensorsStore::from_file(&path)
        .with_from_adapter(PyTorchToBurnAdapter)
        .allow_partial(true)
        .validate(false)
        .with_key_remapping(r"\.LayerNorm\.", ".layer_norm.")
        .with_key_remapping(r"\.attention\.self\.", ".attention.self_attn.");
    if !header.prefix.is_empty() {
        store = store.with_key_remapping(r"^bert\.", "");
    }
    let result = model.load_from(&mut store).map_err(|e| ModelError::File {
        path: path.clone(),
        message: format!("could not load the tensors: {e}"),
    })?;
    if let Some(err) = result.errors.first() {
        return Err(ModelError::File { path, message: format!("could not load the tensors: {err}") });
    }
    if let Some((tensor, _)) = result.missing.first() {
        return Err(ModelError::Tensor {
            path,
            tensor: tensor.clone(),
            message: "the network needs it; not loaded".into(),
        });
    }
    debug_assert!(header.tensors.len() >= result.applied.len());
    Ok(model)
}
