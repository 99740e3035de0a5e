//! Machine learning with burn: which device the jobs run on.

pub mod backend;
