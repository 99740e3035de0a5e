//! The vibe-to-config model, LatentScore's distillation step done small: a network that reads a
//! vibe's words and predicts every config field with a classification head per field.
//!
//! - `text`: hashed word, word-pair and character-trigram features of a vibe;
//! - `data`: training examples (text, one label per field) from a loaded LatentScore file, by split;
//! - `baseline`: the majority-class and nearest-neighbour baselines the model is reported against;
//! - `model`: the burn network, its loss and its predictions;
//! - `train`: the training loop with checkpoints, cancellation and resumption;
//! - `infer`: a trained model turning vibes into configs, one at a time or a whole split to a file.

pub mod baseline;
pub mod data;
pub mod infer;
pub mod model;
pub mod score;
pub mod text;
pub mod train;
