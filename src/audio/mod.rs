//! Sound: what output the machine offers, playback through it, and WAV files.

pub mod device;
pub mod engine;
pub mod render;
pub mod spectrum;
pub mod wav;
