//! Machine learning with burn: which device the jobs run on (`backend`) and the jobs themselves:
//! the scaling-law fit (`fit`) and the vibe-to-config model (`vibe`).

pub mod backend;
pub mod fast;
pub mod fit;
pub mod minilm;
pub mod vibe;
