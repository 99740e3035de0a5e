//! A small, strict parser for the Python literal form that DataDecide's `metrics` column holds:
//! `{'acc_raw': 0.2321, 'correct_prob': 2.15e-06, 'predicted_index_raw': None, 'flag': True}`.
//!
//! JSON parsers reject it (single quotes, `None`, `True`/`False`, bare `nan` and `inf`), and Python's
//! own `ast.literal_eval` rejects `nan`/`inf`, so benchtop parses exactly this grammar:
//!
//! ```text
//! value  := dict | list | tuple | string | number | None | True | False
//! dict   := '{' [ string ':' value { ',' string ':' value } [','] ] '}'
//! list   := '[' [ value { ',' value } [','] ] ']'          tuple := '(' ... ')' likewise
//! string := '...' | "..."  with \\ \' \" \n \r \t \0 \xHH \uHHHH \UHHHHHHHH escapes
//! number := [+-] ( digits [ '.' digits* ] | '.' digits ) [ (e|E) [+-] digits ] | [+-] ( nan | inf )
//! ```
//! with spaces, tabs and newlines between tokens. Anything else is an error that names the byte
//! offset, what was expected and what was found. Dict keys must be strings.

use std::borrow::Cow;
use std::fmt;

/// A parsed literal.
#[derive(Clone, Debug, PartialEq)]
pub enum PyValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<PyValue>),
    Dict(Vec<(String, PyValue)>),
}

impl PyValue {
    /// The value as a number: ints and floats as themselves, booleans as 0/1, None as no number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(*i as f64),
            Self::Float(f) => Some(*f),
            Self::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }
}

/// Writes the literal the way Python's `repr` does, so that [`parse`] reads it back (the
/// synthetic dataset writes its metrics strings with this).
impl fmt::Display for PyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Bool(true) => f.write_str("True"),
            Self::Bool(false) => f.write_str("False"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => f.write_str(&py_float_repr(*x)),
            Self::Str(s) => write_py_str(f, s),
            Self::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Self::Dict(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_py_str(f, k)?;
                    write!(f, ": {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

fn write_py_str(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("'")?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\'' => f.write_str("\\'")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 || c as u32 == 0x7f => write!(f, "\\x{:02x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("'")
}

/// A float as Python's `repr` writes it: the shortest digits that read back exactly, in fixed
/// notation for decimal exponents -4..16 and otherwise as `d.ddde±XX` (two exponent digits at least).
pub fn py_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-2.15e-6".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let (sign, mantissa) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{body}")
    } else {
        let mantissa = if digits.len() == 1 { digits } else { format!("{}.{}", &digits[..1], &digits[1..]) };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs())
    }
}

/// Why a literal did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PyLitError {
    /// Byte offset into the input.
    pub offset: usize,
    pub expected: &'static str,
    /// What stood there instead (a short excerpt, or "end of input").
    pub found: String,
}

impl fmt::Display for PyLitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: expected {}, found {}", self.offset, self.expected, self.found)
    }
}

/// Parses one complete literal (nothing but white space may follow it).
pub fn parse(input: &str) -> Result<PyValue, PyLitError> {
    let mut p = Parser { src: input, s: input.as_bytes(), pos: 0, depth: 0 };
    let value = p.value()?;
    p.end()?;
    Ok(value)
}

/// A scalar handed to [`for_each_entry`]'s visitor; nested containers arrive parsed.
#[derive(Debug, PartialEq)]
pub enum Scalar<'a> {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Nested(PyValue),
}

impl Scalar<'_> {
    /// Numbers and booleans as f64; None, strings and containers as no number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(*i as f64),
            Self::Float(f) => Some(*f),
            Self::Bool(b) => Some(f64::from(u8::from(*b))),
            Self::Nested(v) => v.as_f64(),
            _ => None,
        }
    }
}

/// Parses a top-level dict and calls `visit(key, value)` for each entry in order, without building
/// the dict (the hot path of the DataDecide reader: keys without escapes are borrowed).
pub fn for_each_entry<'a>(
    input: &'a str,
    mut visit: impl FnMut(Cow<'a, str>, Scalar<'a>),
) -> Result<(), PyLitError> {
    let mut p = Parser { src: input, s: input.as_bytes(), pos: 0, depth: 0 };
    p.ws();
    p.expect(b'{', "'{' opening a dict")?;
    p.ws();
    if p.peek() == Some(b'}') {
        p.pos += 1;
        return p.end();
    }
    loop {
        p.ws();
        let key = p.key()?;
        p.ws();
        p.expect(b':', "':' after a dict key")?;
        p.ws();
        let value = p.scalar()?;
        visit(key, value);
        p.ws();
        match p.peek() {
            Some(b',') => {
                p.pos += 1;
                p.ws();
                if p.peek() == Some(b'}') {
                    p.pos += 1;
                    return p.end();
                }
            }
            Some(b'}') => {
                p.pos += 1;
                return p.end();
            }
            _ => return Err(p.error("',' or '}' in a dict")),
        }
    }
}

/// Nesting deeper than this is refused (protects the stack from hostile input).
const MAX_DEPTH: usize = 64;

/// Powers of ten that are exact in an f64.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// Clinger's fast path for an already validated decimal: when the digits fit in 53 bits and the
/// power of ten is exact, one multiplication or division rounds correctly. `None`: use the
/// general algorithm.
fn fast_float(text: &[u8]) -> Option<f64> {
    let (negative, rest) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mut mantissa, mut digits, mut fraction, mut in_fraction, mut i) = (0u64, 0u32, 0i32, false, 0);
    while let Some(&c) = rest.get(i) {
        match c {
            b'0'..=b'9' => {
                if digits == 19 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(c - b'0');
                digits += 1;
                fraction += i32::from(in_fraction);
            }
            b'.' => in_fraction = true,
            b'e' | b'E' => break,
            _ => return None,
        }
        i += 1;
    }
    let mut exponent = 0i32;
    if i < rest.len() {
        let (sign, digits) = match rest.get(i + 1) {
            Some(b'-') => (-1, &rest[i + 2..]),
            Some(b'+') => (1, &rest[i + 2..]),
            _ => (1, &rest[i + 1..]),
        };
        if digits.is_empty() || digits.len() > 4 {
            return None;
        }
        for &d in digits {
            exponent = exponent * 10 + i32::from(d.checked_sub(b'0').filter(|d| *d <= 9)?);
        }
        exponent *= sign;
    }
    if mantissa > 1 << 53 {
        return None;
    }
    let e = exponent - fraction;
    let m = mantissa as f64;
    let value = match e {
        0..=22 => m * EXACT_POW10[e as usize],
        -22..=-1 => m / EXACT_POW10[(-e) as usize],
        _ => return None,
    };
    Some(if negative { -value } else { value })
}

struct Parser<'a> {
    src: &'a str,
    s: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn error(&self, expected: &'static str) -> PyLitError {
        let found = match self.s.get(self.pos..) {
            None | Some([]) => "end of input".to_owned(),
            Some(rest) => {
                let excerpt: String = String::from_utf8_lossy(&rest[..rest.len().min(12)]).into_owned();
                format!("{excerpt:?}")
            }
        };
        PyLitError { offset: self.pos, expected, found }
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), PyLitError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    fn end(&mut self) -> Result<(), PyLitError> {
        self.ws();
        if self.pos == self.s.len() { Ok(()) } else { Err(self.error("end of input after the literal")) }
    }

    fn word(&mut self, word: &str) -> bool {
        let w = word.as_bytes();
        let matches = self.s.get(self.pos..self.pos + w.len()) == Some(w)
            && !matches!(self.s.get(self.pos + w.len()), Some(c) if c.is_ascii_alphanumeric() || *c == b'_');
        if matches {
            self.pos += w.len();
        }
        matches
    }

    fn key(&mut self) -> Result<Cow<'a, str>, PyLitError> {
        match self.peek() {
            Some(b'\'' | b'"') => self.string(),
            _ => Err(self.error("a quoted string as dict key")),
        }
    }

    fn value(&mut self) -> Result<PyValue, PyLitError> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.nested(b'}', true),
            Some(b'[') => self.nested(b']', false),
            Some(b'(') => self.nested(b')', false),
            _ => Ok(match self.scalar()? {
                Scalar::None => PyValue::None,
                Scalar::Bool(b) => PyValue::Bool(b),
                Scalar::Int(i) => PyValue::Int(i),
                Scalar::Float(f) => PyValue::Float(f),
                Scalar::Str(s) => PyValue::Str(s.into_owned()),
                Scalar::Nested(v) => v,
            }),
        }
    }

    /// A dict (`is_dict`), list or tuple, the opening bracket at `pos`.
    fn nested(&mut self, close: u8, is_dict: bool) -> Result<PyValue, PyLitError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("nesting no deeper than 64 levels"));
        }
        self.depth += 1;
        self.pos += 1;
        let mut items = Vec::new();
        let mut entries = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                break;
            }
            if is_dict {
                let key = self.key()?.into_owned();
                self.ws();
                self.expect(b':', "':' after a dict key")?;
                entries.push((key, self.value()?));
            } else {
                items.push(self.value()?);
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    return Err(self.error(match close {
                        b'}' => "',' or '}' in a dict",
                        b']' => "',' or ']' in a list",
                        _ => "',' or ')' in a tuple",
                    }));
                }
            }
        }
        self.depth -= 1;
        Ok(if is_dict { PyValue::Dict(entries) } else { PyValue::List(items) })
    }

    fn scalar(&mut self) -> Result<Scalar<'a>, PyLitError> {
        match self.peek() {
            Some(b'\'' | b'"') => Ok(Scalar::Str(self.string()?)),
            Some(b'{' | b'[' | b'(') => Ok(Scalar::Nested(self.value()?)),
            Some(b'N') if self.word("None") => Ok(Scalar::None),
            Some(b'T') if self.word("True") => Ok(Scalar::Bool(true)),
            Some(b'F') if self.word("False") => Ok(Scalar::Bool(false)),
            Some(b'n') if self.word("nan") => Ok(Scalar::Float(f64::NAN)),
            Some(b'i') if self.word("inf") => Ok(Scalar::Float(f64::INFINITY)),
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("a value (number, string, None, True, False, dict, list or tuple)")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Scalar<'a>, PyLitError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.pos += 1;
        }
        if self.word("nan") {
            return Ok(Scalar::Float(f64::NAN));
        }
        if self.word("inf") {
            return Ok(Scalar::Float(if negative { f64::NEG_INFINITY } else { f64::INFINITY }));
        }
        let int_digits = self.digits();
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            is_float = true;
            if int_digits == 0 && self.digits() == 0 {
                self.pos = start;
                return Err(self.error("a number"));
            }
            self.digits();
        } else if int_digits == 0 {
            self.pos = start;
            return Err(self.error("a number"));
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            let before_exponent = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some(b'-' | b'+')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                self.pos = before_exponent;
                return Err(self.error("digits in the exponent"));
            }
            is_float = true;
        }
        if matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'.') {
            return Err(self.error("the end of a number"));
        }
        let text = &self.src[start..self.pos];
        if !is_float && let Ok(i) = text.parse::<i64>() {
            return Ok(Scalar::Int(i));
        }
        if let Some(f) = fast_float(text.as_bytes()) {
            return Ok(Scalar::Float(f));
        }
        // Python ints beyond 64 bits become the nearest float; Rust's float parsing is exact.
        text.parse::<f64>().map(Scalar::Float).map_err(|_| {
            self.pos = start;
            self.error("a number")
        })
    }

    fn hex(&mut self, count: usize) -> Result<u32, PyLitError> {
        let digits = self.s.get(self.pos..self.pos + count).ok_or_else(|| self.error("hex digits"))?;
        let text = std::str::from_utf8(digits).map_err(|_| self.error("hex digits"))?;
        if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(self.error("hex digits"));
        }
        self.pos += count;
        Ok(u32::from_str_radix(text, 16).expect("checked hex digits"))
    }

    fn string(&mut self) -> Result<Cow<'a, str>, PyLitError> {
        let quote = self.s[self.pos];
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes, borrow the slice.
        while let Some(c) = self.peek() {
            match c {
                b'\\' => break,
                b'\n' => return Err(self.error("the closing quote before the line ends")),
                c if c == quote => {
                    let text = &self.src[start..self.pos];
                    self.pos += 1;
                    return Ok(Cow::Borrowed(text));
                }
                _ => self.pos += 1,
            }
        }
        let mut out = self.src[start..self.pos].to_owned();
        loop {
            let Some(c) = self.peek() else { return Err(self.error("the closing quote")) };
            match c {
                b'\n' => return Err(self.error("the closing quote before the line ends")),
                c if c == quote => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else { return Err(self.error("an escape character")) };
                    self.pos += 1;
                    let ch = match e {
                        b'\\' => '\\',
                        b'\'' => '\'',
                        b'"' => '"',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'0' => '\0',
                        b'x' | b'u' | b'U' => {
                            let code = self.hex(match e {
                                b'x' => 2,
                                b'u' => 4,
                                _ => 8,
                            })?;
                            char::from_u32(code).ok_or_else(|| self.error("a valid unicode code point"))?
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(
                                self.error("a known escape (\\\\ \\' \\\" \\n \\r \\t \\0 \\x \\u \\U)")
                            );
                        }
                    };
                    out.push(ch);
                }
                _ => {
                    // Copy one whole UTF-8 character.
                    let ch = self.src[self.pos..].chars().next().expect("not at the end");
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_float_path_agrees_with_the_general_parser_bit_for_bit() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(11);
        let mut fast = 0;
        for _ in 0..200_000 {
            let digits: String =
                (0..rng.random_range(1..=20)).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect();
            let dot = rng.random_range(0..=digits.len());
            let mut text = format!(
                "{}{}.{}",
                if rng.random_bool(0.3) { "-" } else { "" },
                &digits[..dot],
                &digits[dot..]
            );
            if rng.random_bool(0.5) {
                text += &format!("e{}", rng.random_range(-30..30));
            }
            if text.starts_with('.') || text.starts_with("-.") && text.len() == 2 {
                continue;
            }
            let want: f64 = text.parse().unwrap();
            if let Some(got) = fast_float(text.as_bytes()) {
                fast += 1;
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
            }
        }
        assert!(fast > 50_000, "{fast}");
        for (text, want) in [("0.23213", 0.23213), ("2.15e-06", 2.15e-06), ("-0.0", -0.0), ("1e22", 1e22)] {
            assert_eq!(fast_float(text.as_bytes()).map(f64::to_bits), Some(f64::to_bits(want)), "{text}");
        }
        assert_eq!(fast_float(b"0.27048000000000003"), None);
    }

    fn dict(entries: &[(&str, PyValue)]) -> PyValue {
        PyValue::Dict(entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn a_real_metrics_string() {
        // Shape of a row of allenai/DataDecide-eval-results (see the reference schema).
        let text = "{'acc_raw': 0.2321, 'acc_per_char': 0.2611, 'correct_prob': 2.15e-06, \
                    'primary_metric': 0.27048, 'predicted_index_raw': None, 'no_answer': 0, \
                    'bits_per_byte_corr': 1.0e+00, 'flag': True, 'off': False}";
        assert_eq!(
            parse(text).unwrap(),
            dict(&[
                ("acc_raw", PyValue::Float(0.2321)),
                ("acc_per_char", PyValue::Float(0.2611)),
                ("correct_prob", PyValue::Float(0.00000215)),
                ("primary_metric", PyValue::Float(0.27048)),
                ("predicted_index_raw", PyValue::None),
                ("no_answer", PyValue::Int(0)),
                ("bits_per_byte_corr", PyValue::Float(1.0)),
                ("flag", PyValue::Bool(true)),
                ("off", PyValue::Bool(false)),
            ])
        );
    }

    #[test]
    fn nan_inf_and_signed_exponents() {
        let PyValue::Dict(d) =
            parse("{'a': nan, 'b': inf, 'c': -inf, 'd': -1.5E-3, 'e': +2e+2, 'f': .5, 'g': 3.}").unwrap()
        else {
            panic!()
        };
        assert!(matches!(d[0].1, PyValue::Float(x) if x.is_nan()));
        assert_eq!(d[1].1, PyValue::Float(f64::INFINITY));
        assert_eq!(d[2].1, PyValue::Float(f64::NEG_INFINITY));
        assert_eq!(d[3].1, PyValue::Float(-0.0015));
        assert_eq!(d[4].1, PyValue::Float(200.0));
        assert_eq!(d[5].1, PyValue::Float(0.5));
        assert_eq!(d[6].1, PyValue::Float(3.0));
    }

    #[test]
    fn strings_escapes_and_containers() {
        assert_eq!(parse(r#"'it\'s'"#).unwrap(), PyValue::Str("it's".into()));
        assert_eq!(parse(r#""say \"hi\"\n""#).unwrap(), PyValue::Str("say \"hi\"\n".into()));
        assert_eq!(parse(r"'\x41\u00e9\U0001F600'").unwrap(), PyValue::Str("Aé😀".into()));
        assert_eq!(parse("'héllo'").unwrap(), PyValue::Str("héllo".into()));
        assert_eq!(
            parse("[1, (2, 3), {'k': []}, ]").unwrap(),
            PyValue::List(vec![
                PyValue::Int(1),
                PyValue::List(vec![PyValue::Int(2), PyValue::Int(3)]),
                dict(&[("k", PyValue::List(vec![]))]),
            ])
        );
        assert_eq!(parse(" {} ").unwrap(), PyValue::Dict(vec![]));
        // Beyond 64 bits, Python ints become floats here.
        assert_eq!(parse("123456789012345678901234567890").unwrap(), PyValue::Float(1.2345678901234568e29));
    }

    #[test]
    fn malformed_input_names_offset_and_expectation() {
        let cases: &[(&str, usize, &str)] = &[
            ("{'a': 1", 7, "',' or '}' in a dict"),
            ("{'a' 1}", 5, "':' after a dict key"),
            ("{a: 1}", 1, "a quoted string as dict key"),
            ("{'a': none}", 6, "a value (number, string, None, True, False, dict, list or tuple)"),
            ("{'a': 1.2.3}", 9, "the end of a number"),
            ("{'a': 1e}", 7, "digits in the exponent"),
            ("{'a': 'x}", 9, "the closing quote"),
            ("{'a': '\\q'}", 8, "a known escape (\\\\ \\' \\\" \\n \\r \\t \\0 \\x \\u \\U)"),
            ("{'a': 1} x", 9, "end of input after the literal"),
            ("{'a': NaN}", 6, "a value (number, string, None, True, False, dict, list or tuple)"),
            ("{'a': -}", 6, "a number"),
            ("", 0, "a value (number, string, None, True, False, dict, list or tuple)"),
            ("{'a': Nonesuch}", 6, "a value (number, string, None, True, False, dict, list or tuple)"),
        ];
        for (text, offset, expected) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!((err.offset, err.expected), (*offset, *expected), "{text}: {err}");
        }
        assert_eq!(
            parse("{'a': 1").unwrap_err().to_string(),
            "at byte 7: expected ',' or '}' in a dict, found end of input"
        );
    }

    #[test]
    fn floats_are_written_as_python_repr_writes_them() {
        // Each right-hand side is what CPython 3.11 prints for repr(<left-hand float>).
        let cases: &[(f64, &str)] = &[
            (2.15e-06, "2.15e-06"),
            (1.5e-05, "1.5e-05"),
            (0.0001, "0.0001"),
            (0.27048, "0.27048"),
            (123.0, "123.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e16, "1e+16"),
            (1e22, "1e+22"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (999999999999999.9, "999999999999999.9"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-3.5e-300, "-3.5e-300"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, want) in cases {
            assert_eq!(py_float_repr(*x), *want, "repr({x:e})");
        }
    }

    #[test]
    fn written_literals_read_back() {
        let value = dict(&[
            ("acc_raw", PyValue::Float(0.2321)),
            ("it's", PyValue::Str("a\\b\n'c'\u{1}".into())),
            ("n", PyValue::None),
            ("l", PyValue::List(vec![PyValue::Int(-3), PyValue::Bool(true), PyValue::Float(1e-7)])),
        ]);
        let text = value.to_string();
        assert_eq!(
            text,
            r"{'acc_raw': 0.2321, 'it\'s': 'a\\b\n\'c\'\x01', 'n': None, 'l': [-3, True, 1e-07]}"
        );
        assert_eq!(parse(&text).unwrap(), value);
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep).unwrap_err().expected, "nesting no deeper than 64 levels");
    }

    #[test]
    fn entry_visitor_agrees_with_the_tree_parser_and_borrows_plain_keys() {
        let text = "{'acc_raw': 0.25, 'k\\'q': 'v', 'n': None, 'l': [1, 2], 'b': True}";
        let mut seen = Vec::new();
        for_each_entry(text, |k, v| {
            seen.push((matches!(k, Cow::Borrowed(_)), k.into_owned(), v.as_f64()));
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                (true, "acc_raw".into(), Some(0.25)),
                (false, "k'q".into(), None),
                (true, "n".into(), None),
                (true, "l".into(), None),
                (true, "b".into(), Some(1.0)),
            ]
        );
        assert!(for_each_entry("{'a': 1,}", |_, _| {}).is_ok());
        assert!(for_each_entry("{}", |_, _| {}).is_ok());
        assert_eq!(for_each_entry("['a']", |_, _| {}).unwrap_err().expected, "'{' opening a dict");
        assert_eq!(for_each_entry("{'a': 1}}", |_, _| {}).unwrap_err().offset, 8);
    }
}

/// Properties over generated input: any text parses or fails cleanly, and every value printed
/// the way Python prints it reads back as itself.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = PyValue> {
        let leaf = prop_oneof![
            Just(PyValue::None),
            any::<bool>().prop_map(PyValue::Bool),
            any::<i64>().prop_map(PyValue::Int),
            any::<f64>().prop_map(PyValue::Float),
            prop::num::f64::ANY.prop_map(PyValue::Float),
            ".*".prop_map(PyValue::Str),
        ];
        leaf.prop_recursive(3, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(PyValue::List),
                prop::collection::vec((".*", inner), 0..6).prop_map(PyValue::Dict),
            ]
        })
    }

    /// Equal, with NaN equal to NaN.
    fn same(a: &PyValue, b: &PyValue) -> bool {
        match (a, b) {
            (PyValue::Float(x), PyValue::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
            (PyValue::List(x), PyValue::List(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
            }
            (PyValue::Dict(x), PyValue::Dict(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((ka, a), (kb, b))| ka == kb && same(a, b))
            }
            _ => a == b,
        }
    }

    proptest! {
        #[test]
        fn any_text_parses_or_fails_without_panicking(text in ".{0,200}") {
            let _ = parse(&text);
            let _ = for_each_entry(&text, |_, _| {});
        }

        #[test]
        fn text_that_looks_like_a_metrics_dict_parses_or_fails_cleanly(
            text in r"\{('[a-z_]{1,8}': (-?[0-9]{1,4}(\.[0-9]{0,4})?(e-?[0-9]{1,3})?|None|True|False|nan|-?inf|'x')(, )?){0,6}\}?"
        ) {
            if let Err(e) = parse(&text) {
                prop_assert!(e.offset <= text.len());
            }
        }

        #[test]
        fn a_printed_value_reads_back_as_itself(v in value()) {
            let text = v.to_string();
            let back = parse(&text);
            prop_assert!(back.is_ok(), "{text:?}: {:?}", back);
            prop_assert!(same(&v, back.as_ref().unwrap()), "{text:?} read back as {:?}", back);
        }

        #[test]
        fn a_printed_dict_visits_its_entries_in_order(entries in prop::collection::vec(("[a-z_']{1,10}", any::<f64>()), 0..12)) {
            let dict = PyValue::Dict(entries.iter().map(|(k, x)| (k.clone(), PyValue::Float(*x))).collect());
            let text = dict.to_string();
            let mut seen = Vec::new();
            for_each_entry(&text, |k, v| seen.push((k.into_owned(), v.as_f64().unwrap()))).unwrap();
            prop_assert_eq!(seen.len(), entries.len());
            for ((k, x), (k2, y)) in entries.iter().zip(&seen) {
                prop_assert_eq!(k, k2);
                prop_assert!(x == y || (x.is_nan() && y.is_nan()));
            }
        }
    }
}
