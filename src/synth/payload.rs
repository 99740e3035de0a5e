//! A config candidate as LatentScore's models write it (`MusicConfigPromptPayload`): thinking,
//! title, the config, and three palettes of five weighted colours; and the three validity flags
//! the pipeline records for it (format_valid, schema_valid, palette_valid).

use serde_json::{Map, Value as Json};

use super::config::{FieldIssue, MusicConfig, Parsed, Problem};

pub const MAX_THINKING_CHARS: usize = 1000;
pub const MAX_TITLE_CHARS: usize = 60;
pub const MAX_TITLE_WORDS: usize = 6;

/// Palette weights, heaviest first (the reference sorts colours in this order).
pub const WEIGHTS: [&str; 6] = ["xxl", "xl", "lg", "md", "sm", "xs"];

#[derive(Clone, Debug, PartialEq)]
pub struct Colour {
    /// `#RRGGBB`, as written (may be invalid: see [`Payload::palette_valid`]).
    pub hex: String,
    pub weight: String,
}

impl Colour {
    /// The colour's RGB, if `hex` is `#RRGGBB`.
    pub fn rgb(&self) -> Option<[u8; 3]> {
        let h = self.hex.strip_prefix('#')?;
        if h.len() != 6 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
        Some([byte(0)?, byte(2)?, byte(4)?])
    }

    /// Relative size for drawing a swatch: xxl 6 ... xs 1 (unknown weights 1).
    pub fn weight_units(&self) -> f32 {
        WEIGHTS.iter().position(|w| *w == self.weight).map(|i| (6 - i) as f32).unwrap_or(1.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Palette {
    pub colours: Vec<Colour>,
}

/// A candidate read leniently: whatever could be read, and what was wrong.
#[derive(Clone, Debug)]
pub struct Payload {
    pub thinking: Option<String>,
    pub title: Option<String>,
    pub config: Parsed,
    pub palettes: Vec<Palette>,
    /// Problems outside the config (title, thinking, palettes, unknown keys).
    pub issues: Vec<FieldIssue>,
    /// Whether the palettes are exactly 3 × 5 valid colours.
    pub palette_ok: bool,
}

fn issue(field: &str, problem: Problem) -> FieldIssue {
    FieldIssue { field: field.to_owned(), problem }
}

fn invalid(field: &str, found: impl Into<String>) -> FieldIssue {
    issue(field, Problem::Invalid { found: found.into() })
}

impl Payload {
    /// Reads a payload object. A bare config (no `config` key but config fields) is read as a
    /// payload without title, thinking or palettes.
    pub fn from_json(object: &Map<String, Json>) -> Payload {
        let Some(config) = object.get("config") else {
            return Payload {
                thinking: None,
                title: None,
                config: MusicConfig::from_json(object),
                palettes: Vec::new(),
                issues: Vec::new(),
                palette_ok: false,
            };
        };
        let mut issues = Vec::new();
        let config = match config {
            Json::Object(c) => MusicConfig::from_json(c),
            other => {
                issues.push(invalid("config", other.to_string()));
                MusicConfig::from_json(&Map::new())
            }
        };
        let thinking = match object.get("thinking") {
            None => {
                issues.push(issue("thinking", Problem::Missing));
                None
            }
            Some(Json::String(t)) => {
                if t.chars().count() > MAX_THINKING_CHARS {
                    issues.push(invalid(
                        "thinking",
                        format!("{} characters (at most {MAX_THINKING_CHARS})", t.chars().count()),
                    ));
                }
                Some(t.clone())
            }
            Some(other) => {
                issues.push(invalid("thinking", other.to_string()));
                None
            }
        };
        let title = match object.get("title") {
            None => {
                issues.push(issue("title", Problem::Missing));
                None
            }
            Some(Json::String(t)) => {
                let words = t.split_whitespace().count();
                let chars = t.chars().count();
                if words == 0 || chars > MAX_TITLE_CHARS || words > MAX_TITLE_WORDS {
                    issues.push(invalid(
                        "title",
                        format!("{t:?} ({chars} characters, {words} words; 1-{MAX_TITLE_CHARS} and at most {MAX_TITLE_WORDS})"),
                    ));
                }
                Some(t.clone())
            }
            Some(other) => {
                issues.push(invalid("title", other.to_string()));
                None
            }
        };
        let (palettes, palette_issues) = read_palettes(object.get("palettes"));
        let palette_ok = palette_issues.is_empty();
        issues.extend(palette_issues);
        for key in object.keys() {
            if !["thinking", "title", "config", "palettes"].contains(&key.as_str()) {
                issues.push(issue(key, Problem::Unknown));
            }
        }
        Payload { thinking, title, config, palettes, issues, palette_ok }
    }

    /// `schema_valid`: the whole payload passes `MusicConfigPromptPayload`.
    pub fn schema_valid(&self) -> bool {
        self.issues.is_empty() && self.config.schema_valid()
    }

    /// `palette_valid`: exactly three palettes of five valid colours.
    pub fn palette_valid(&self) -> bool {
        self.palette_ok
    }

    /// Every problem, the config's first.
    pub fn all_issues(&self) -> impl Iterator<Item = &FieldIssue> {
        self.config.issues.iter().chain(&self.issues)
    }
}

fn read_palettes(json: Option<&Json>) -> (Vec<Palette>, Vec<FieldIssue>) {
    let mut issues = Vec::new();
    let Some(json) = json else {
        return (Vec::new(), vec![issue("palettes", Problem::Missing)]);
    };
    let Json::Array(items) = json else {
        return (Vec::new(), vec![invalid("palettes", json.to_string())]);
    };
    if items.len() != 3 {
        issues.push(invalid("palettes", format!("{} palettes (exactly 3)", items.len())));
    }
    let mut palettes = Vec::new();
    for (p, item) in items.iter().enumerate() {
        let colours_json = item.get("colors").and_then(Json::as_array);
        let Some(colours_json) = colours_json else {
            issues.push(invalid(&format!("palettes[{p}].colors"), item.to_string()));
            continue;
        };
        if colours_json.len() != 5 {
            issues.push(invalid(
                &format!("palettes[{p}].colors"),
                format!("{} colours (exactly 5)", colours_json.len()),
            ));
        }
        let mut colours = Vec::new();
        for (c, colour) in colours_json.iter().enumerate() {
            let hex = colour.get("hex").and_then(Json::as_str).unwrap_or_default().to_owned();
            let weight = colour.get("weight").and_then(Json::as_str).unwrap_or_default().to_owned();
            let parsed = Colour { hex, weight };
            if parsed.rgb().is_none() {
                issues.push(invalid(&format!("palettes[{p}].colors[{c}].hex"), format!("{:?}", parsed.hex)));
            }
            if !WEIGHTS.contains(&parsed.weight.as_str()) {
                issues.push(invalid(
                    &format!("palettes[{p}].colors[{c}].weight"),
                    format!("{:?}", parsed.weight),
                ));
            }
            colours.push(parsed);
        }
        // The reference sorts each palette heaviest first.
        colours.sort_by_key(|c| WEIGHTS.iter().position(|w| *w == c.weight).unwrap_or(WEIGHTS.len()));
        palettes.push(Palette { colours });
    }
    (palettes, issues)
}

/// Reads a JSON object (a payload or a bare config) from text; `source` names it in errors.
pub fn parse_text(text: &str, source: &str) -> anyhow::Result<Payload> {
    let json: Json = serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{source}: not JSON: {e}"))?;
    match json {
        Json::Object(object) => Ok(Payload::from_json(&object)),
        other => anyhow::bail!(
            "{source}: expected a JSON object (a config, or a payload with a \"config\" key), found {}",
            kind(&other)
        ),
    }
}

/// Reads a config or payload file (`-`: standard input).
pub fn load(path: &std::path::Path) -> anyhow::Result<Payload> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| anyhow::anyhow!("reading standard input: {e}"))?
    } else {
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?
    };
    parse_text(&text, &path.display().to_string())
}

fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

impl Payload {
    /// The config to render, or every invalid field of it. Missing fields take defaults and
    /// unknown keys are kept; only values that are not valid stop it.
    pub fn renderable(&self) -> Result<super::config::SynthConfig, String> {
        let mut errors: Vec<String> = self.config.errors().map(|i| i.to_string()).collect();
        errors.extend(self.issues.iter().filter(|i| i.field == "config").map(|i| i.to_string()));
        if errors.is_empty() { Ok(self.config.config.to_synth()) } else { Err(errors.join("; ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn palette(colours: &[(&str, &str)]) -> Json {
        let colours: Vec<Json> =
            colours.iter().map(|(h, w)| serde_json::json!({"hex": h, "weight": w})).collect();
        serde_json::json!({ "colors": colours })
    }

    fn five() -> Json {
        palette(&[
            ("#112233", "sm"),
            ("#445566", "xxl"),
            ("#778899", "md"),
            ("#aabbcc", "xs"),
            ("#DDEEFF", "lg"),
        ])
    }

    fn complete_config() -> Json {
        let mut config = MusicConfig::default();
        for field in super::super::config::Field::all() {
            let spec = field.spec();
            config.set(field, super::super::config::Value::Label(spec.nearest_option(config.get(field))));
        }
        Json::Object(config.to_json())
    }

    #[test]
    fn a_good_payload_is_valid_and_palettes_sort_heaviest_first() {
        let json = serde_json::json!({
            "thinking": "Slow minor drone.", "title": "Night Harbour", "config": complete_config(),
            "palettes": [five(), five(), five()],
        });
        let p = Payload::from_json(json.as_object().unwrap());
        assert!(p.schema_valid(), "{:?}", p.all_issues().collect::<Vec<_>>());
        assert!(p.palette_valid());
        let weights: Vec<&str> = p.palettes[0].colours.iter().map(|c| c.weight.as_str()).collect();
        assert_eq!(weights, ["xxl", "lg", "md", "sm", "xs"]);
        assert_eq!(p.palettes[0].colours[4].rgb(), Some([0xaa, 0xbb, 0xcc]));
    }

    #[test]
    fn bad_title_palettes_and_extra_keys_are_named() {
        let json = serde_json::json!({
            "thinking": "x", "title": "one two three four five six seven", "config": complete_config(),
            "palettes": [five(), palette(&[("#12345", "md"), ("#000000", "huge")])], "score": 3,
        });
        let p = Payload::from_json(json.as_object().unwrap());
        let named: Vec<String> = p.issues.iter().map(|i| i.field.clone()).collect();
        assert_eq!(
            named,
            [
                "title",
                "palettes",
                "palettes[1].colors",
                "palettes[1].colors[0].hex",
                "palettes[1].colors[1].weight",
                "score"
            ]
        );
        assert!(!p.schema_valid());
        assert!(!p.palette_valid());
        // The config itself is still fine to render.
        assert!(p.config.errors().next().is_none());
    }

    #[test]
    fn a_bare_config_reads_as_a_config() {
        let json = serde_json::json!({"tempo": "slow", "bass": "walking"});
        let p = Payload::from_json(json.as_object().unwrap());
        assert_eq!(p.config.config.to_synth().bass, super::super::config::Bass::Walking);
        assert!(p.title.is_none());
    }
}
