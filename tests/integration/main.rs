//! benchtop's integration tests, in one binary (one link of burn, polars and wgpu instead of one
//! per file; the tests of every module run side by side). The audio tests stay binaries of their
//! own: one installs a counting allocator, the other points HOME at an ALSA configuration.

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod datadecide;
mod download;
mod fast;
mod ft;
mod models;
mod scaling;
mod synth_fidelity;
mod ui;
mod vibes;
