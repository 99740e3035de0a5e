//! Machine learning with burn: which device the jobs run on (`backend`) and the jobs themselves:
//! the scaling-law fit (`fit`).

pub mod backend;
pub mod fit;
