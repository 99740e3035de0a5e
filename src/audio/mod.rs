//! Sound output: what the machine offers.

pub mod device;
pub mod wav;
