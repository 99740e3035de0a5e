//! benchtop: a native workbench for DataDecide scaling curves, FT-vs-PT comparisons, LatentScore
//! vibes and their audio, and burn jobs. The domains live here, each testable without a window;
//! `app` draws them; `cli` runs the same domain functions from the command line.

pub mod analysis;
pub mod app;
pub mod audio;
pub mod cli;
pub mod datadecide;
pub mod doctor;
pub mod download;
pub mod export;
pub mod ft;
pub mod jobs;
pub mod jsonl;
pub mod memory;
pub mod ml;
pub mod notify;
pub mod paths;
pub mod synth;
pub mod vibes;

/// The application id: window class, storage folder name, settings key.
pub const APP_ID: &str = "benchtop";

/// What was built: versions of benchtop, the compiler and every locked dependency.
pub mod build_info {
    include!(concat!(env!("OUT_DIR"), "/built.rs"));
}
