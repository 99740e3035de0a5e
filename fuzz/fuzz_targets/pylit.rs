//! Fuzzes the Python-literal parser: it must never panic, and whatever it accepts must be written
//! back (Python repr form) and read again to the same value.
#![no_main]

#[path = "../../src/datadecide/pylit.rs"]
#[allow(dead_code)]
mod pylit;

use libfuzzer_sys::fuzz_target;

/// Equality that treats NaN as equal to NaN (the written form of NaN is `nan`).
fn same(a: &pylit::PyValue, b: &pylit::PyValue) -> bool {
    use pylit::PyValue::*;
    match (a, b) {
        (Float(x), Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (List(x), List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Dict(x), Dict(y)) => x.len() == y.len() && x.iter().zip(y).all(|((ka, a), (kb, b))| ka == kb && same(a, b)),
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut entries = 0usize;
    let _ = pylit::for_each_entry(text, |_, _| entries += 1);
    if let Ok(value) = pylit::parse(text) {
        let written = value.to_string();
        let again = pylit::parse(&written).unwrap_or_else(|e| panic!("{written:?} does not read back: {e}"));
        assert!(same(&value, &again), "{text:?} -> {written:?} -> {again:?}");
    }
});
