//! Analyses the panels draw: smoothing of curves, log axes, downsampling for drawing, and the
//! DataDecide paper's decision accuracy. Pure functions over plain numbers, tested without a
//! window.

pub mod axis;
pub mod decision;
pub mod downsample;
pub mod smoothing;
