//! JSON Lines, read tolerantly: every non-blank line is handed over as a JSON object, or as the
//! reason it is not one (not UTF-8, not JSON, not an object, too long), and reading goes on.
//!
//! Bounded: a line longer than [`max_line_bytes`] (16 MiB unless `BENCHTOP_JSONL_MAX_LINE` says
//! otherwise; LatentScore's longest rows are tens of kB) is skipped as it streams past, never held,
//! so a file with no newline cannot take the machine's memory. Callers keep the first
//! [`KEPT_BAD_LINES`] reasons and count the rest ([`BadLines`]).

use std::io::BufRead;
use std::path::Path;

use anyhow::Context as _;
use serde_json::{Map, Value};

/// The longest line read unless `BENCHTOP_JSONL_MAX_LINE` sets another (in bytes).
pub const DEFAULT_MAX_LINE_BYTES: usize = 16 << 20;

/// How many bad lines are kept with their reasons; the others are only counted.
pub const KEPT_BAD_LINES: usize = 1000;

/// The longest line read: `BENCHTOP_JSONL_MAX_LINE` (bytes, at least 1 kB) or 16 MiB.
pub fn max_line_bytes() -> usize {
    std::env::var("BENCHTOP_JSONL_MAX_LINE")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(DEFAULT_MAX_LINE_BYTES, |n| n.max(1024))
}

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

/// The first [`KEPT_BAD_LINES`] bad lines (or rows) of a read, and how many there were in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLines<T> {
    pub kept: Vec<T>,
    pub total: usize,
}

impl<T> Default for BadLines<T> {
    fn default() -> Self {
        Self { kept: Vec::new(), total: 0 }
    }
}

impl<T> BadLines<T> {
    pub fn push(&mut self, bad: T) {
        self.total += 1;
        if self.kept.len() < KEPT_BAD_LINES {
            self.kept.push(bad);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many were counted but not kept.
    pub fn not_kept(&self) -> usize {
        self.total - self.kept.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.kept.iter()
    }

    pub fn first(&self) -> Option<&T> {
        self.kept.first()
    }
}

impl<T> std::ops::Index<usize> for BadLines<T> {
    type Output = T;

    /// The `i`-th kept bad line.
    fn index(&self, i: usize) -> &T {
        &self.kept[i]
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
    reader: impl BufRead,
    path: &Path,
    each: impl FnMut(usize, u64, Result<Map<String, Value>, String>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    read_objects_with(reader, path, max_line_bytes(), each)
}

/// [`read_objects`] with the longest line given.
pub fn read_objects_with(
    mut reader: impl BufRead,
    path: &Path,
    max_line: usize,
    mut each: impl FnMut(usize, u64, Result<Map<String, Value>, String>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    let (mut number, mut done) = (0, 0u64);
    loop {
        bytes.clear();
        let (read, whole) = read_line_capped(&mut reader, &mut bytes, max_line)
            .with_context(|| format!("reading {}", path.display()))?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        done += read as u64;
        let parsed = if !whole {
            Err(format!("longer than {max_line} bytes (set BENCHTOP_JSONL_MAX_LINE to read longer lines)"))
        } else {
            match std::str::from_utf8(&bytes) {
                Err(e) => Err(format!("not UTF-8 ({e})")),
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => match serde_json::from_str::<Value>(text.trim()) {
                    Ok(Value::Object(object)) => Ok(object),
                    Ok(other) => Err(format!("{} instead of an object", kind(&other))),
                    Err(e) => Err(format!("not JSON ({e})")),
                },
            }
        };
        each(number, done, parsed)?;
    }
}

/// Reads one line (through its `\n`) into `line`, keeping at most `max` bytes: the rest of a
/// longer line is read past and dropped. Returns the bytes consumed and whether the line fit.
pub fn read_line_capped(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(usize, bool)> {
    let (mut consumed, mut whole) = (0, true);
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((consumed, whole));
        }
        let (piece, ends) = match memchr(buf) {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        if whole && line.len() + piece.len() <= max {
            line.extend_from_slice(piece);
        } else if whole {
            whole = false;
            line.clear();
            line.shrink_to(0);
        }
        let n = piece.len();
        reader.consume(n);
        consumed += n;
        if ends {
            return Ok((consumed, whole));
        }
    }
}

fn memchr(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8], max: usize) -> Vec<(usize, u64, Result<Vec<String>, String>)> {
        let mut out = Vec::new();
        read_objects_with(text, Path::new("t.jsonl"), max, |n, done, o| {
            out.push((n, done, o.map(|m| m.keys().cloned().collect())));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_long_line_is_skipped_and_reading_goes_on() {
        // 37 bytes of object (and its newline) on line 2 with a 32-byte limit; lines 1 and 3 fit.
        let text = b"{\"a\":1}\n{\"b\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"c\":2}";
        let got = lines(text, 32);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (1, 8, Ok(vec!["a".to_owned()])));
        assert_eq!(got[1].0, 2);
        assert_eq!(
            got[1].2,
            Err("longer than 32 bytes (set BENCHTOP_JSONL_MAX_LINE to read longer lines)".into())
        );
        // The byte count includes the skipped line: 8 + 38, then the last 7.
        assert_eq!(got[1].1, 46);
        assert_eq!(got[2], (3, 53, Ok(vec!["c".to_owned()])));
    }

    #[test]
    fn a_file_with_no_newline_is_one_bounded_line() {
        // A 1 MB "line" read through an 8 kB buffer with a 4 kB limit: one bad line, never held.
        let text = vec![b'x'; 1 << 20];
        let reader = std::io::BufReader::with_capacity(8192, text.as_slice());
        let mut seen = Vec::new();
        read_objects_with(reader, Path::new("t"), 4096, |n, done, o| {
            seen.push((n, done, o.is_err()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(1, 1 << 20, true)]);
    }

    #[test]
    fn bad_lines_keep_the_first_and_count_all() {
        let mut bad = BadLines::default();
        for i in 0..KEPT_BAD_LINES + 5 {
            bad.push(i);
        }
        assert_eq!((bad.kept.len(), bad.total, bad.not_kept()), (KEPT_BAD_LINES, KEPT_BAD_LINES + 5, 5));
        assert_eq!(bad.kept.last(), Some(&(KEPT_BAD_LINES - 1)));
    }
}

/// Properties over generated files: reading never fails or panics on any bytes, every non-blank
/// line is handed over once with its number and end offset, and objects read back as written.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_line_is_handed_over_once_at_its_place(
            lines in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..80), 0..40),
            max in 1usize..100,
            newline_at_end in any::<bool>(),
        ) {
            let mut file = lines.join(&b'\n');
            if newline_at_end && !lines.is_empty() {
                file.push(b'\n');
            }
            let mut seen = Vec::new();
            read_objects_with(std::io::BufReader::with_capacity(7, file.as_slice()), Path::new("p"), max, |n, done, o| {
                seen.push((n, done, o.is_ok()));
                Ok(())
            })
            .unwrap();
            let mut expected = Vec::new();
            let mut offset = 0u64;
            for (i, line) in lines.iter().enumerate() {
                let ends_file = i + 1 == lines.len() && !newline_at_end;
                offset += line.len() as u64 + u64::from(!ends_file);
                if line.is_empty() && ends_file {
                    break;
                }
                let fits = line.len() + usize::from(!ends_file) <= max;
                let blank = fits && std::str::from_utf8(line).is_ok_and(|t| t.trim().is_empty());
                if !blank {
                    expected.push((i + 1, offset));
                }
            }
            let got: Vec<(usize, u64)> = seen.iter().map(|(n, d, _)| (*n, *d)).collect();
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn objects_read_back_as_written(rows in prop::collection::vec(prop::collection::btree_map("[a-z]{1,6}", any::<i64>(), 0..5), 0..20)) {
            let mut file = String::new();
            for row in &rows {
                file += &serde_json::to_string(row).unwrap();
                file.push('\n');
            }
            let mut back = Vec::new();
            read_objects_with(file.as_bytes(), Path::new("p"), DEFAULT_MAX_LINE_BYTES, |_, _, o| {
                let o = o.map_err(anyhow::Error::msg)?;
                back.push(o.into_iter().map(|(k, v)| (k, v.as_i64().unwrap())).collect::<std::collections::BTreeMap<_, _>>());
                Ok(())
            })
            .unwrap();
            prop_assert_eq!(back, rows);
        }
    }
}
