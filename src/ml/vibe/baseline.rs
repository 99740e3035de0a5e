//! What the model must beat: the majority class of each field (from the training split), and the
//! nearest training vibe by TF-IDF cosine over the same hashed features (the text-only cousin of
//! LatentScore's "fast" retrieval, which takes the nearest vibe's whole config).

use std::collections::HashMap;

use super::data::Example;
use super::text::feature_ids;
use crate::synth::config::{FIELD_COUNT, Field};

/// Each field's most common training label (the lowest index on a tie).
pub fn majority(train: &[Example]) -> [u8; FIELD_COUNT] {
    let mut labels = [0u8; FIELD_COUNT];
    for (f, field) in Field::all().enumerate() {
        let mut counts = vec![0usize; field.spec().options.len()];
        for e in train {
            counts[e.labels[f] as usize] += 1;
        }
        let best =
            counts.iter().enumerate().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0))).map_or(0, |(i, _)| i);
        labels[f] = best as u8;
    }
    labels
}

/// A sparse, unit-length TF-IDF vector.
type Sparse = Vec<(u32, f32)>;

/// Nearest-neighbour retrieval over the training vibes (their noisy texts, as trained on).
pub struct Nearest {
    /// feature -> (training example, weight)
    postings: HashMap<u32, Vec<(u32, f32)>>,
    idf: HashMap<u32, f32>,
    labels: Vec<[u8; FIELD_COUNT]>,
    buckets: usize,
}

fn counts(text: &str, buckets: usize) -> HashMap<u32, f32> {
    let mut tf = HashMap::new();
    for id in feature_ids(text, buckets) {
        *tf.entry(id).or_insert(0.0) += 1.0;
    }
    tf
}

fn weigh(tf: HashMap<u32, f32>, idf: &HashMap<u32, f32>) -> Sparse {
    let mut v: Sparse = tf.into_iter().filter_map(|(id, c)| Some((id, c * idf.get(&id)?))).collect();
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, w)| *w /= norm);
    }
    v
}

impl Nearest {
    pub fn new(train: &[Example], buckets: usize) -> Self {
        let tfs: Vec<HashMap<u32, f32>> = train.iter().map(|e| counts(&e.noisy, buckets)).collect();
        let mut df: HashMap<u32, f32> = HashMap::new();
        for tf in &tfs {
            for id in tf.keys() {
                *df.entry(*id).or_insert(0.0) += 1.0;
            }
        }
        let n = train.len() as f32;
        let idf: HashMap<u32, f32> = df.into_iter().map(|(id, d)| (id, (1.0 + n / d).ln())).collect();
        let mut postings: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
        for (i, tf) in tfs.into_iter().enumerate() {
            for (id, w) in weigh(tf, &idf) {
                postings.entry(id).or_default().push((i as u32, w));
            }
        }
        Self { postings, idf, labels: train.iter().map(|e| e.labels).collect(), buckets }
    }

    /// The index of the most similar training vibe (the first on a tie), if any shares a feature.
    pub fn nearest(&self, text: &str) -> Option<usize> {
        let query = weigh(counts(text, self.buckets), &self.idf);
        let mut scores = vec![0f32; self.labels.len()];
        for (id, w) in query {
            for &(i, v) in self.postings.get(&id).map_or(&[][..], Vec::as_slice) {
                scores[i as usize] += w * v;
            }
        }
        let (best, score) =
            scores.iter().enumerate().fold((0, 0f32), |acc, (i, &s)| if s > acc.1 { (i, s) } else { acc });
        (score > 0.0).then_some(best)
    }

    /// The nearest training vibe's labels (the first training row's when nothing is shared).
    pub fn predict(&self, text: &str) -> [u8; FIELD_COUNT] {
        self.labels.get(self.nearest(text).unwrap_or(0)).copied().unwrap_or([0; FIELD_COUNT])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(text: &str, tempo: u8) -> Example {
        let mut labels = [0u8; FIELD_COUNT];
        labels[Field::Tempo as usize] = tempo;
        Example {
            row: 0,
            id: text.into(),
            split: "SFT-Train".into(),
            noisy: text.into(),
            clean: text.into(),
            labels,
        }
    }

    #[test]
    fn majority_counts_and_breaks_ties_low() {
        let train = [example("a", 3), example("b", 3), example("c", 1), example("d", 1), example("e", 2)];
        // tempo: 3 and 1 twice each: the lower index wins; other fields all 0.
        let m = majority(&train);
        assert_eq!(m[Field::Tempo as usize], 1);
        assert!(m.iter().enumerate().all(|(f, &l)| f == Field::Tempo as usize || l == 0));
    }

    #[test]
    fn the_nearest_vibe_shares_the_rare_words() {
        let train = [
            example("a slow and wistful harbour", 1),
            example("a frantic neon arcade", 4),
            example("a glacial frozen lake", 0),
        ];
        let nn = Nearest::new(&train, 4096);
        assert_eq!(nn.nearest("frantic night market"), Some(1));
        assert_eq!(nn.nearest("wistful and slow"), Some(0));
        // A typo still shares trigrams with its word.
        assert_eq!(nn.predict("glacail lake")[Field::Tempo as usize], 0);
        assert_eq!(nn.nearest("zzz"), None);
    }
}
