//! AllenAI DataDecide: the Hub's files, their readers, the pipeline that builds `mean_eval_melted`,
//! and the synthetic stand-in that ships with benchtop.

pub mod catalog;
pub mod dataset;
pub mod files;
pub mod hub;
pub mod pipeline;
pub mod pylit;
pub mod query;
pub mod synth;
pub mod table;
