//! JSON Lines, read tolerantly: every non-blank line is handed over as a JSON object, or as the
//! reason it is not one (not UTF-8, not JSON, not an object), and reading goes on.

use std::path::Path;

use anyhow::Context as _;
use serde_json::{Map, Value};

/// What a line is when it is not an object: "a list", "a number"...
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Calls `each(line number, bytes read so far, object or reason)` for every non-blank line.
/// Fails only when the file cannot be read at all, or when `each` fails (to stop early).
pub fn for_each_object(
    path: &Path,
    each: impl FnMut(usize, u64, Result<Map<String, Value>, String>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    read_objects(std::io::BufReader::with_capacity(1 << 20, file), path, each)
}

/// [`for_each_object`] over any reader (`path` names it in errors).
pub fn read_objects(
    mut reader: impl std::io::BufRead,
    path: &Path,
    mut each: impl FnMut(usize, u64, Result<Map<String, Value>, String>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    let (mut number, mut done) = (0, 0u64);
    loop {
        bytes.clear();
        let read =
            reader.read_until(b'\n', &mut bytes).with_context(|| format!("reading {}", path.display()))?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        done += read as u64;
        let parsed = match std::str::from_utf8(&bytes) {
            Err(e) => Err(format!("not UTF-8 ({e})")),
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => match serde_json::from_str::<Value>(text.trim()) {
                Ok(Value::Object(object)) => Ok(object),
                Ok(other) => Err(format!("{} instead of an object", kind(&other))),
                Err(e) => Err(format!("not JSON ({e})")),
            },
        };
        each(number, done, parsed)?;
    }
}
