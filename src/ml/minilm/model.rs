//! all-MiniLM-L6-v2's network in burn: BERT's embeddings (word, position, token type, then a
//! LayerNorm), six encoder layers (self-attention with 12 heads of 32, a residual and LayerNorm,
//! a 1536-wide GELU feed-forward, a residual and LayerNorm), then sentence-transformers' pooling:
//! the mean of the tokens under the attention mask, L2-normalised. Field names follow the
//! checkpoint's tensor names, so `model.safetensors` loads by name (see `weights`).

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::gelu;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Bool, Device, Int, Tensor};

/// The sizes of the network (its `config.json`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizes {
    pub vocab: usize,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub positions: usize,
    pub token_types: usize,
    pub layer_norm_eps: f64,
}

#[derive(Module, Debug)]
pub struct Embeddings {
    word_embeddings: Embedding,
    position_embeddings: Embedding,
    token_type_embeddings: Embedding,
    layer_norm: LayerNorm,
}

#[derive(Module, Debug)]
pub struct SelfAttention {
    query: Linear,
    key: Linear,
    value: Linear,
}

#[derive(Module, Debug)]
pub struct DenseNorm {
    dense: Linear,
    layer_norm: LayerNorm,
}

#[derive(Module, Debug)]
pub struct Attention {
    self_attn: SelfAttention,
    output: DenseNorm,
}

#[derive(Module, Debug)]
pub struct Dense {
    dense: Linear,
}

#[derive(Module, Debug)]
pub struct Layer {
    attention: Attention,
    intermediate: Dense,
    output: DenseNorm,
}

#[derive(Module, Debug)]
pub struct Encoder {
    layer: Vec<Layer>,
}

/// The encoder and its pooling.
#[derive(Module, Debug)]
pub struct MiniLm {
    embeddings: Embeddings,
    encoder: Encoder,
    heads: usize,
}

fn norm(s: &Sizes, device: &Device) -> LayerNorm {
    LayerNormConfig::new(s.hidden).with_epsilon(s.layer_norm_eps).init(device)
}

impl MiniLm {
    /// An untrained network of these sizes (its weights come from the checkpoint).
    pub fn new(s: &Sizes, device: &Device) -> Self {
        let linear = |i, o| LinearConfig::new(i, o).init(device);
        let layer = || Layer {
            attention: Attention {
                self_attn: SelfAttention {
                    query: linear(s.hidden, s.hidden),
                    key: linear(s.hidden, s.hidden),
                    value: linear(s.hidden, s.hidden),
                },
                output: DenseNorm { dense: linear(s.hidden, s.hidden), layer_norm: norm(s, device) },
            },
            intermediate: Dense { dense: linear(s.hidden, s.intermediate) },
            output: DenseNorm { dense: linear(s.intermediate, s.hidden), layer_norm: norm(s, device) },
        };
        Self {
            embeddings: Embeddings {
                word_embeddings: EmbeddingConfig::new(s.vocab, s.hidden).init(device),
                position_embeddings: EmbeddingConfig::new(s.positions, s.hidden).init(device),
                token_type_embeddings: EmbeddingConfig::new(s.token_types, s.hidden).init(device),
                layer_norm: norm(s, device),
            },
            encoder: Encoder { layer: (0..s.layers).map(|_| layer()).collect() },
            heads: s.heads,
        }
    }

    /// Sentence embeddings `[batch, hidden]`, unit length, of token ids `[batch, length]` and their
    /// attention mask (1 for a token, 0 for padding).
    pub fn forward(&self, ids: Tensor<2, Int>, mask: Tensor<2, Int>) -> Tensor<2> {
        let [batch, length] = ids.dims();
        let device = ids.device();
        let positions =
            Tensor::<1, Int>::arange(0..length as i64, &device).reshape([1, length]).repeat_dim(0, batch);
        let types = Tensor::<2, Int>::zeros([batch, length], &device);
        let e = &self.embeddings;
        let x = e.word_embeddings.forward(ids)
            + e.position_embeddings.forward(positions)
            + e.token_type_embeddings.forward(types);
        let mut x = e.layer_norm.forward(x);
        let padding: Tensor<4, Bool> = mask.clone().equal_elem(0).reshape([batch, 1, 1, length]);
        for layer in &self.encoder.layer {
            x = layer.forward(x, padding.clone(), self.heads);
        }
        pool(x, mask)
    }
}

impl Layer {
    fn forward(&self, x: Tensor<3>, padding: Tensor<4, Bool>, heads: usize) -> Tensor<3> {
        let [batch, length, hidden] = x.dims();
        let head = hidden / heads;
        let split = |t: Tensor<3>| t.reshape([batch, length, heads, head]).swap_dims(1, 2);
        let a = &self.attention.self_attn;
        let (q, k, v) = (
            split(a.query.forward(x.clone())),
            split(a.key.forward(x.clone())),
            split(a.value.forward(x.clone())),
        );
        // softmax(q kᵀ / sqrt(head) with the padding masked) v, in burn's fused attention op.
        let mask = padding.expand([batch, heads, length, length]);
        let context = attention(q, k, v, Some(mask), None, AttentionModuleOptions::default())
            .swap_dims(1, 2)
            .reshape([batch, length, hidden]);
        let out = &self.attention.output;
        let x = out.layer_norm.forward(out.dense.forward(context) + x);
        let h = gelu(self.intermediate.dense.forward(x.clone()));
        self.output.layer_norm.forward(self.output.dense.forward(h) + x)
    }
}

/// The mean of the tokens under the mask, L2-normalised: `[batch, hidden]`.
fn pool(x: Tensor<3>, mask: Tensor<2, Int>) -> Tensor<2> {
    let [batch, length, hidden] = x.dims();
    let weights = mask.float().reshape([batch, length, 1]);
    let summed = (x * weights.clone()).sum_dim(1).reshape([batch, hidden]);
    let counts = weights.sum_dim(1).reshape([batch, 1]).clamp_min(1e-9);
    let mean = summed / counts;
    let length = mean.clone().powf_scalar(2.0).sum_dim(1).sqrt().clamp_min(1e-12);
    mean / length
}
