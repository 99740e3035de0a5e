//! Sound output: what the machine offers.

pub mod device;
