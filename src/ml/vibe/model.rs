//! The network: hashed text features -> an embedding bag (the mean of the features' vectors) ->
//! one hidden layer -> one classification head per config field. All heads are one linear layer
//! whose outputs are cut into the fields' option ranges, so every prediction is one of the
//! field's labels: the config is valid by construction.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::text::feature_ids;
use crate::synth::config::{FIELD_COUNT, Field};

/// The sizes of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// Hash buckets of the text features (rows of the embedding table; row 0 is padding).
    pub buckets: usize,
    pub dim: usize,
    pub hidden: usize,
}

impl Default for Shape {
    fn default() -> Self {
        Self { buckets: 1 << 14, dim: 48, hidden: 96 }
    }
}

/// Where each field's options sit among the heads' outputs.
pub fn head_ranges() -> [(usize, usize); FIELD_COUNT] {
    let mut ranges = [(0, 0); FIELD_COUNT];
    let mut start = 0;
    for (range, field) in ranges.iter_mut().zip(Field::all()) {
        let n = field.spec().options.len();
        *range = (start, n);
        start += n;
    }
    ranges
}

/// Every field's options, in order: the width of the heads.
pub fn head_width() -> usize {
    Field::all().map(|f| f.spec().options.len()).sum()
}

#[derive(Module, Debug)]
pub struct VibeNet {
    embedding: Embedding,
    hidden: Linear,
    heads: Linear,
}

impl VibeNet {
    pub fn new(shape: &Shape, device: &Device) -> Self {
        Self {
            embedding: EmbeddingConfig::new(shape.buckets, shape.dim)
                .with_initializer(Initializer::Normal { mean: 0.0, std: 0.5 })
                .init(device),
            hidden: LinearConfig::new(shape.dim, shape.hidden).init(device),
            heads: LinearConfig::new(shape.hidden, head_width()).init(device),
        }
    }

    /// Logits `[batch, head_width]` of a batch of feature ids `[batch, length]` (0: padding) and
    /// its mask (1 where a feature is, 0 for padding).
    pub fn forward(&self, ids: Tensor<2, Int>, mask: Tensor<2>) -> Tensor<2> {
        let vectors = self.embedding.forward(ids);
        let [batch, length, dim] = vectors.dims();
        let summed = (vectors * mask.clone().reshape([batch, length, 1])).sum_dim(1).reshape([batch, dim]);
        let pooled = summed / mask.sum_dim(1).clamp_min(1.0);
        self.heads.forward(relu(self.hidden.forward(pooled)))
    }
}

/// A batch of texts as padded feature ids and their mask.
pub fn encode(texts: &[&str], buckets: usize, device: &Device) -> (Tensor<2, Int>, Tensor<2>) {
    let ids: Vec<Vec<u32>> = texts.iter().map(|t| feature_ids(t, buckets)).collect();
    encode_ids(&ids.iter().map(Vec::as_slice).collect::<Vec<_>>(), device)
}

/// A batch of feature id lists, padded with 0 to the longest, and the mask of real features.
pub fn encode_ids(ids: &[&[u32]], device: &Device) -> (Tensor<2, Int>, Tensor<2>) {
    let length = ids.iter().map(|f| f.len()).max().unwrap_or(0).max(1);
    let mut flat = vec![0i32; ids.len() * length];
    let mut mask = vec![0f32; ids.len() * length];
    for (row, features) in ids.iter().enumerate() {
        for (col, &id) in features.iter().enumerate() {
            flat[row * length + col] = id as i32;
            mask[row * length + col] = 1.0;
        }
    }
    let shape = [ids.len(), length];
    (
        Tensor::from_data(TensorData::new(flat, shape), device),
        Tensor::from_data(TensorData::new(mask, shape), device),
    )
}

/// Labels `[batch, FIELD_COUNT]` as a tensor.
pub fn targets(labels: &[[u8; FIELD_COUNT]], device: &Device) -> Tensor<2, Int> {
    let flat: Vec<i32> = labels.iter().flat_map(|l| l.iter().map(|&x| i32::from(x))).collect();
    Tensor::from_data(TensorData::new(flat, [labels.len(), FIELD_COUNT]), device)
}

/// The mean over fields of each field's cross-entropy (scalar).
pub fn loss(logits: Tensor<2>, targets: Tensor<2, Int>) -> Tensor<1> {
    let mut total: Option<Tensor<1>> = None;
    for (field, (start, n)) in head_ranges().into_iter().enumerate() {
        let log_probs = log_softmax(logits.clone().narrow(1, start, n), 1);
        let picked = log_probs.gather(1, targets.clone().narrow(1, field, 1)).mean();
        total = Some(match total {
            Some(t) => t + picked,
            None => picked,
        });
    }
    total.expect("the config has fields").neg() / FIELD_COUNT as f64
}

/// Each field's probabilities from a row of logits (softmax per field's range).
pub fn field_probabilities(logits: &[f32]) -> Vec<Vec<f32>> {
    head_ranges()
        .iter()
        .map(|&(start, n)| {
            let slice = &logits[start..start + n];
            let top = slice.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exp: Vec<f32> = slice.iter().map(|&x| (x - top).exp()).collect();
            let sum: f32 = exp.iter().sum();
            exp.into_iter().map(|e| e / sum).collect()
        })
        .collect()
}

/// The most probable option of each field.
pub fn argmax_labels(probabilities: &[Vec<f32>]) -> [u8; FIELD_COUNT] {
    let mut labels = [0u8; FIELD_COUNT];
    for (label, p) in labels.iter_mut().zip(probabilities) {
        *label = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i as u8);
    }
    labels
}

/// The logits of a batch of texts, read back as rows.
pub fn predict_logits(model: &VibeNet, texts: &[&str], buckets: usize, device: &Device) -> Vec<Vec<f32>> {
    if texts.is_empty() {
        return Vec::new();
    }
    let (ids, mask) = encode(texts, buckets, device);
    let logits = model.forward(ids, mask);
    let width = head_width();
    let data = logits.into_data().convert::<f32>();
    data.as_slice::<f32>().map(|s| s.chunks(width).map(<[f32]>::to_vec).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loss_is_the_mean_cross_entropy_of_the_fields() {
        // All-zero logits: every field's distribution is uniform, so its cross-entropy is
        // ln(options); the loss is the mean of ln(n_f) over the 34 fields.
        let device = Device::flex();
        let width = head_width();
        let logits = Tensor::<2>::zeros([2, width], &device);
        let labels = [[0u8; FIELD_COUNT]; 2];
        let got = loss(logits, targets(&labels, &device)).into_scalar::<f32>();
        let expected: f64 =
            Field::all().map(|f| (f.spec().options.len() as f64).ln()).sum::<f64>() / FIELD_COUNT as f64;
        assert!((f64::from(got) - expected).abs() < 1e-5, "{got} vs {expected}");
    }

    #[test]
    fn a_confident_right_answer_costs_nothing_and_probabilities_sum_to_one() {
        let device = Device::flex();
        let width = head_width();
        let ranges = head_ranges();
        let mut row = vec![0f32; width];
        let mut labels = [0u8; FIELD_COUNT];
        for (f, &(start, n)) in ranges.iter().enumerate() {
            labels[f] = (n - 1) as u8;
            row[start + n - 1] = 40.0;
        }
        let logits = Tensor::<2>::from_data(TensorData::new(row.clone(), [1, width]), &device);
        let got = loss(logits, targets(&[labels], &device)).into_scalar::<f32>();
        assert!(got.abs() < 1e-5, "{got}");
        let p = field_probabilities(&row);
        assert!(p.iter().all(|f| (f.iter().sum::<f32>() - 1.0).abs() < 1e-5));
        assert_eq!(argmax_labels(&p), labels);
    }

    #[test]
    fn padding_does_not_change_a_texts_logits() {
        let device = Device::flex();
        device.seed(1);
        let model = VibeNet::new(&Shape { buckets: 512, dim: 8, hidden: 8 }, &device);
        let alone = predict_logits(&model, &["slow and dim"], 512, &device);
        let padded = predict_logits(
            &model,
            &["slow and dim", "a much longer text with many more words"],
            512,
            &device,
        );
        for (a, b) in alone[0].iter().zip(&padded[0]) {
            assert!((a - b).abs() < 1e-5);
        }
    }
}
