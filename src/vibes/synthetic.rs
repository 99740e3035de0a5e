//! A SYNTHETIC 02c-format sample (vibes, five config candidates each, validity flags, CLAP-like
//! scores), written by benchtop so the Vibes panel works on first start and the vibe-to-config
//! model has something to train on offline. Every row carries `"synthetic": true` and a dataset
//! name starting with `synthetic-`.
//!
//! How it is made (seeded, deterministic):
//! - each vibe draws a "true" config; six fields carry signal in the text: tempo, mode,
//!   brightness, space, rhythm and texture each choose the words the vibe is written with (a
//!   slow vibe says "unhurried" or "languid"...). The other fields are drawn at random and the
//!   text says nothing of them;
//! - the level (xl ... xs) sets how many of those phrases the text holds; 15% of vibes get
//!   character noise (swapped, dropped, doubled letters, neighbouring keys) in `vibe_noisy`;
//! - five candidates copy the true config and change each field with probability 0.2 (a
//!   generator at temperature 0.8); 4% are failed generations (null, every flag 0), 8% carry an
//!   invalid label (schema_valid 0), 7% a broken palette (palette_valid 0);
//! - a valid candidate's CLAP score is 0.22 − 0.025 × (signal fields it got wrong) − 0.004 ×
//!   (other fields changed) + N(0, 0.02); invalid candidates are not scored (null). best_index is
//!   the highest score, `config_payload` that candidate, and `scores_external.clap` its parts
//!   (final = audio_text_similarity − max(0, audio_bad − text_bad)).

use std::io::Write as _;
use std::path::Path;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use serde_json::{Map, Value, json};

use crate::synth::config::{Field, MusicConfig, Value as FieldValue};
use crate::synth::payload::WEIGHTS;

/// The words each option of a signal field is written with.
struct Signal {
    field: Field,
    words: &'static [(&'static str, &'static [&'static str])],
}

const SIGNALS: [Signal; 6] = [
    Signal {
        field: Field::Tempo,
        words: &[
            ("very_slow", &["glacial", "motionless", "barely moving"]),
            ("slow", &["slow", "unhurried", "languid"]),
            ("medium", &["steady", "easy-going", "walking-pace"]),
            ("fast", &["brisk", "lively", "hurried"]),
            ("very_fast", &["frantic", "racing", "breakneck"]),
        ],
    },
    Signal {
        field: Field::Mode,
        words: &[
            ("major", &["hopeful", "sunny", "warm-hearted"]),
            ("minor", &["melancholy", "wistful", "sorrowful"]),
            ("dorian", &["mysterious", "ancient", "folk-tinged"]),
            ("mixolydian", &["bluesy", "carefree", "roadside"]),
        ],
    },
    Signal {
        field: Field::Brightness,
        words: &[
            ("very_dark", &["pitch-black", "midnight", "lightless"]),
            ("dark", &["dim", "shadowy", "dusky"]),
            ("medium", &["grey", "overcast", "muted"]),
            ("bright", &["sunlit", "glowing", "golden"]),
            ("very_bright", &["dazzling", "blinding", "radiant"]),
        ],
    },
    Signal {
        field: Field::Space,
        words: &[
            ("dry", &["close-miked", "intimate", "cramped"]),
            ("small", &["small-room", "cozy", "tucked-away"]),
            ("medium", &["open", "roomy", "airy"]),
            ("large", &["cathedral", "hall-like", "echoing"]),
            ("vast", &["endless", "cavernous", "oceanic"]),
        ],
    },
    Signal {
        field: Field::Rhythm,
        words: &[
            ("none", &["beatless", "without a pulse", "free-floating"]),
            ("minimal", &["a faint tick", "sparse clicks", "a soft tap"]),
            ("heartbeat", &["a heartbeat", "a thudding pulse", "a slow heart"]),
            ("soft_four", &["a gentle four-on-the-floor", "soft steady kicks", "a mellow beat"]),
            ("hats_only", &["ticking hi-hats", "only cymbals", "a hiss of hats"]),
            ("electronic", &["club drums", "neon beats", "a drum machine"]),
            ("kit_light", &["light drums", "a quiet kit", "a brushed snare"]),
            ("kit_medium", &["a full drum kit", "a rock beat", "solid drums"]),
            ("military", &["marching drums", "a parade snare", "a drill cadence"]),
            ("tabla_essence", &["temple drums", "tabla", "hand drums"]),
            ("brush", &["jazz brushes", "swishing brushes", "a smoky brush kit"]),
        ],
    },
    Signal {
        field: Field::Texture,
        words: &[
            ("none", &["clean air", "silence between", "nothing else"]),
            ("shimmer", &["shimmering", "glittering haze", "a shimmer"]),
            ("shimmer_slow", &["slowly shimmering", "a slow glimmer", "drifting sparkle"]),
            ("vinyl_crackle", &["an old record", "dusty vinyl", "crackling grooves"]),
            ("breath", &["breathing", "a sigh", "soft breath"]),
            ("stars", &["starlight", "twinkling stars", "a night sky"]),
            ("glitch", &["glitches", "broken circuits", "digital stutter"]),
            ("noise_wash", &["static rain", "a wash of noise", "stormy static"]),
            ("crystal", &["crystal chimes", "glass", "ice crystals"]),
            ("pad_whisper", &["whispers", "a hushed choir", "faint voices"]),
        ],
    },
];

const PLACES: [&str; 24] = [
    "a harbour at dawn",
    "an empty train station",
    "a desert highway",
    "a rain-soaked alley",
    "a mountain monastery",
    "a neon arcade",
    "a frozen lake",
    "a lighthouse in fog",
    "a night market",
    "an abandoned greenhouse",
    "a library after closing",
    "a rooftop garden",
    "a submarine control room",
    "a forest clearing",
    "a rusted shipyard",
    "a hospital corridor",
    "a village festival",
    "a candle-lit cellar",
    "a salt flat at noon",
    "a space station window",
    "a snowed-in cabin",
    "a crowded ferry",
    "a ruined castle",
    "a midnight diner",
];

const CHARACTERS: [(&str, &str); 12] = [
    ("Mara", "a lighthouse keeper"),
    ("Tomas", "a retired boxer"),
    ("Ines", "a night-shift nurse"),
    ("Oren", "a cartographer"),
    ("Lila", "a street violinist"),
    ("Kenji", "a ferry pilot"),
    ("Aurelie", "a beekeeper"),
    ("Dov", "a clockmaker"),
    ("Sana", "a pilot"),
    ("Mateo", "a baker"),
    ("Yara", "a diver"),
    ("Bram", "a gravedigger"),
];

const DATASETS: [&str; 3] = ["synthetic-novels", "synthetic-films", "synthetic-games"];
const SPLITS: [(&str, f64); 4] = [("SFT-Train", 0.55), ("SFT-Val", 0.05), ("GRPO", 0.25), ("TEST", 0.15)];

const CANDIDATES: usize = 5;

fn pick<'a, T>(rng: &mut Xoshiro256PlusPlus, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn label(config: &MusicConfig, field: Field) -> &'static str {
    let spec = field.spec();
    spec.options[spec.nearest_option(config.get(field)) as usize]
}

fn random_config(rng: &mut Xoshiro256PlusPlus) -> MusicConfig {
    let mut config = MusicConfig::default();
    for field in Field::all() {
        let n = field.spec().options.len();
        config.set(field, FieldValue::Label(rng.random_range(0..n) as u8));
    }
    // Keep the register sensible: min below max.
    let (lo, hi) = (Field::RegisterMinOct, Field::RegisterMaxOct);
    let (a, b) = (config.get(lo), config.get(hi));
    if let (FieldValue::Label(a), FieldValue::Label(b)) = (a, b)
        && a > b
    {
        config.set(lo, FieldValue::Label(b));
        config.set(hi, FieldValue::Label(a));
    }
    config
}

/// A phrase for a signal field's value.
fn phrase(rng: &mut Xoshiro256PlusPlus, signal: &Signal, config: &MusicConfig) -> &'static str {
    let value = label(config, signal.field);
    let words: &[&'static str] =
        signal.words.iter().find(|(option, _)| *option == value).map_or(&[""], |(_, w)| *w);
    pick::<&str>(rng, words)
}

/// The vibe text: how many signal phrases it holds follows the level.
fn vibe_text(
    rng: &mut Xoshiro256PlusPlus,
    config: &MusicConfig,
    level: &str,
    subject: &str,
) -> (String, Vec<String>) {
    let phrases: Vec<&str> = SIGNALS.iter().map(|s| phrase(rng, s, config)).collect();
    let [tempo, mode, bright, space, rhythm, texture] = [0, 1, 2, 3, 4, 5].map(|i| phrases[i]);
    let text = match level {
        "xs" => format!("{tempo}, {mode}, {bright}"),
        "sm" => format!("{tempo} and {mode}: {subject}, {bright}"),
        "m" => format!("{subject}, {tempo} and {mode}, {bright} and {space}"),
        "lg" => format!(
            "{subject}. Everything feels {tempo} and {mode}; the light is {bright}, the room {space}, with {rhythm} underneath."
        ),
        _ => format!(
            "{subject}. The moment is {tempo} and {mode}, {bright} all around, the space {space}; \
             {rhythm} keeps time while {texture} hangs in the air, and nothing else moves."
        ),
    };
    let tags = match level {
        "xs" | "sm" => vec![tempo, mode, bright],
        "m" => vec![tempo, mode, bright, space],
        "lg" => vec![tempo, mode, bright, space, rhythm],
        _ => phrases.clone(),
    };
    (text, tags.into_iter().map(str::to_owned).collect())
}

const KEYBOARD_ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

fn neighbour_key(rng: &mut Xoshiro256PlusPlus, c: char) -> char {
    for row in KEYBOARD_ROWS {
        if let Some(i) = row.find(c) {
            let bytes = row.as_bytes();
            let j = if i == 0 || (i + 1 < bytes.len() && rng.random_bool(0.5)) { i + 1 } else { i - 1 };
            return bytes[j] as char;
        }
    }
    c
}

/// Character noise as the pipeline injects it: swaps, drops, doubles, neighbouring keys.
fn add_noise(rng: &mut Xoshiro256PlusPlus, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::with_capacity(chars.len() + 4);
    let mut i = 0;
    let rate = 0.04;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_lowercase() && rng.random_bool(rate) {
            match rng.random_range(0..4) {
                0 if i + 1 < chars.len() && chars[i + 1].is_ascii_lowercase() => {
                    out.push(chars[i + 1]);
                    out.push(c);
                    i += 2;
                    continue;
                }
                1 => {}
                2 => {
                    out.push(c);
                    out.push(c);
                }
                _ => out.push(neighbour_key(rng, c)),
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    let noisy: String = out.into_iter().collect();
    // Noise that happened to change nothing: force one neighbouring key.
    if noisy == text {
        let mut chars: Vec<char> = text.chars().collect();
        if let Some(pos) = chars.iter().position(char::is_ascii_lowercase) {
            chars[pos] = neighbour_key(rng, chars[pos]);
        }
        return chars.into_iter().collect();
    }
    noisy
}

fn hsl_hex(h: f64, s: f64, l: f64) -> String {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = (h.rem_euclid(360.0)) / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let byte = |v: f64| ((v + m).clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("#{:02X}{:02X}{:02X}", byte(r), byte(g), byte(b))
}

/// Three palettes of five weighted colours whose hue follows the mode and lightness the brightness.
fn palettes(rng: &mut Xoshiro256PlusPlus, config: &MusicConfig) -> Value {
    let hue = match label(config, Field::Mode) {
        "major" => 45.0,
        "minor" => 220.0,
        "dorian" => 280.0,
        _ => 20.0,
    };
    let light = Field::Brightness.spec().number(config.get(Field::Brightness)).unwrap_or(0.5) * 0.7 + 0.15;
    let list: Vec<Value> = (0..3)
        .map(|_| {
            let base = hue + rng.random_range(-40.0..40.0);
            // Five weights, heaviest first, drawn from the six without repeats.
            let mut weights: Vec<usize> = (0..WEIGHTS.len()).collect();
            weights.remove(rng.random_range(0..weights.len()));
            let colours: Vec<Value> = weights
                .iter()
                .map(|&w| {
                    let hex = hsl_hex(
                        base + rng.random_range(-25.0..25.0),
                        rng.random_range(0.35..0.85),
                        (light + rng.random_range(-0.12..0.12)).clamp(0.05, 0.95),
                    );
                    json!({"hex": hex, "weight": WEIGHTS[w]})
                })
                .collect();
            json!({ "colors": colours })
        })
        .collect();
    Value::Array(list)
}

fn title(rng: &mut Xoshiro256PlusPlus, config: &MusicConfig, subject: &str) -> String {
    let adjective = phrase(rng, &SIGNALS[2], config);
    let noun = subject.rsplit(' ').next().unwrap_or("place");
    let form = pick(rng, &["Lullaby", "Nocturne", "Drift", "Reverie", "Procession", "Study", "Hymn"]);
    let mut title = format!("{} {} {}", capitalize(adjective), capitalize(noun), form);
    title.truncate(60);
    title
}

/// The word with its first letter upper-cased.
pub(crate) fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn thinking(config: &MusicConfig) -> String {
    format!(
        "The vibe reads {} and {}, so tempo {} in {} mode; the light is {}, the space {}. \
         Rhythm {} and texture {} carry the setting; the rest follows the mood.",
        label(config, Field::Tempo).replace('_', " "),
        label(config, Field::Mode),
        label(config, Field::Tempo),
        label(config, Field::Mode),
        label(config, Field::Brightness).replace('_', " "),
        label(config, Field::Space),
        label(config, Field::Rhythm).replace('_', " "),
        label(config, Field::Texture).replace('_', " "),
    )
}

/// What became of one candidate.
enum Outcome {
    Failed,
    BadSchema,
    BadPalette,
    Valid,
}

/// One candidate of a vibe whose intended config is `truth`: its payload (null when it failed
/// to generate), its (format, schema, palette) flags and its CLAP score (null unless valid).
fn candidate(
    rng: &mut Xoshiro256PlusPlus,
    truth: &MusicConfig,
    place: &str,
    noise: &Normal<f64>,
) -> (Value, (u8, u8, u8), Value) {
    let mut config = truth.clone();
    let (mut wrong_signal, mut changed) = (0, 0);
    for field in Field::all() {
        if rng.random_bool(0.2) {
            let n = field.spec().options.len();
            let value = FieldValue::Label(rng.random_range(0..n) as u8);
            if value != truth.get(field) {
                if SIGNALS.iter().any(|s| s.field == field) {
                    wrong_signal += 1;
                } else {
                    changed += 1;
                }
            }
            config.set(field, value);
        }
    }
    let x: f64 = rng.random();
    let outcome = match x {
        x if x < 0.04 => Outcome::Failed,
        x if x < 0.12 => Outcome::BadSchema,
        x if x < 0.19 => Outcome::BadPalette,
        _ => Outcome::Valid,
    };
    let mut config_json = config.to_json();
    let mut palette_json = palettes(rng, &config);
    match outcome {
        Outcome::BadSchema => {
            let (key, bad) =
                *pick(rng, &[("tempo", "moderato"), ("mode", "lydian"), ("bass", "slap"), ("echo", "lots")]);
            config_json.insert(key.to_owned(), json!(bad));
        }
        Outcome::BadPalette => {
            if let Some(first) = palette_json.as_array_mut().and_then(|p| p.first_mut()) {
                if rng.random_bool(0.5) {
                    first["colors"].as_array_mut().map(Vec::pop);
                } else {
                    first["colors"][0]["hex"] = json!("#GG0000");
                }
            }
        }
        Outcome::Failed | Outcome::Valid => {}
    }
    let flags = match outcome {
        Outcome::Failed => (0, 0, 0),
        Outcome::BadSchema => (1, 0, 1),
        Outcome::BadPalette => (1, 1, 0),
        Outcome::Valid => (1, 1, 1),
    };
    if matches!(outcome, Outcome::Failed) {
        return (Value::Null, flags, Value::Null);
    }
    let score = 0.22 - 0.025 * wrong_signal as f64 - 0.004 * changed as f64 + noise.sample(rng);
    let clap =
        if matches!(outcome, Outcome::Valid) { json!((score * 1e4).round() / 1e4) } else { Value::Null };
    let payload = json!({
        "thinking": thinking(&config),
        "title": title(rng, &config, place),
        "config": Value::Object(config_json),
        "palettes": palette_json,
    });
    (payload, flags, clap)
}

/// One vibe's row.
fn row(rng: &mut Xoshiro256PlusPlus, index: usize, noise: &Normal<f64>) -> Value {
    let truth = random_config(rng);
    let dataset = *pick(rng, &DATASETS);
    let split = pick_split(rng);
    let level = *pick(rng, &super::filter::LEVELS);
    let character = rng.random_bool(0.3).then(|| *pick(rng, &CHARACTERS));
    let place = *pick(rng, &PLACES);
    let subject = match character {
        Some((name, who)) => format!("{name}, {who}, in {place}"),
        None => capitalize(place),
    };
    let (vibe, tags) = vibe_text(rng, &truth, level, &subject);
    let noisy = rng.random_bool(0.15);
    let (vibe_noisy, tags_noisy) = if noisy {
        (
            add_noise(rng, &vibe),
            tags.iter().map(|t| if rng.random_bool(0.3) { add_noise(rng, t) } else { t.clone() }).collect(),
        )
    } else {
        (vibe.clone(), tags.clone())
    };

    let mut candidates = Vec::new();
    let (mut format_valid, mut schema_valid, mut palette_valid, mut clap) = (vec![], vec![], vec![], vec![]);
    for _ in 0..CANDIDATES {
        let (payload, flags, score) = candidate(rng, &truth, place, noise);
        format_valid.push(flags.0);
        schema_valid.push(flags.1);
        palette_valid.push(flags.2);
        candidates.push(payload);
        clap.push(score);
    }
    let best = clap
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.as_f64()?)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let mut object = Map::new();
    object.insert("dataset".into(), json!(dataset));
    object.insert("id_in_dataset".into(), json!(format!("{dataset}-{index:05}")));
    object.insert("split".into(), json!(split));
    object.insert("vibe_index".into(), json!(0));
    object.insert("text_page".into(), json!(index / 4));
    object.insert("vibe_scope".into(), json!(if character.is_some() { "character" } else { "scene" }));
    object.insert("character_name".into(), character.map_or(Value::Null, |(name, _)| json!(name)));
    object.insert("vibe_level".into(), json!(level));
    object.insert("vibe_original".into(), json!(vibe));
    object.insert("vibe_noisy".into(), json!(vibe_noisy));
    object.insert("tags_original".into(), json!(tags));
    object.insert("tags_noisy".into(), json!(tags_noisy));
    object.insert("vibe_model".into(), json!("benchtop-synthetic"));
    object.insert("config_model".into(), json!("benchtop-synthetic"));
    object.insert(
        "validation_scores".into(),
        json!({"format_valid": format_valid, "schema_valid": schema_valid, "palette_valid": palette_valid}),
    );
    match best {
        Some((i, score)) => {
            let text_bad: f64 = rng.random_range(0.05..0.12);
            let audio_bad: f64 = rng.random_range(0.05..0.15);
            let excess = (audio_bad - text_bad).max(0.0);
            let round = |x: f64| (x * 1e4).round() / 1e4;
            object.insert("best_index".into(), json!(i));
            object.insert("config_payload".into(), candidates[i].clone());
            object.insert("config_error".into(), Value::Null);
            object.insert(
                "scores_external".into(),
                json!({"clap": {
                    "audio_text_similarity": round(score + excess),
                    "audio_bad_similarity": round(audio_bad),
                    "excess_badness": round(excess),
                    "penalty": round(excess),
                    "raw_score": round(score + excess),
                    "final_score": score,
                }}),
            );
        }
        None => {
            object.insert("best_index".into(), Value::Null);
            object.insert("config_payload".into(), Value::Null);
            object.insert("config_error".into(), json!("no candidate passed validation"));
        }
    }
    object.insert("config_candidates".into(), Value::Array(candidates));
    object.insert("candidate_scores".into(), json!({ "clap": clap }));
    object.insert("synthetic".into(), json!(true));
    Value::Object(object)
}

/// The rows of a synthetic 02c file.
pub fn rows(vibes: usize, seed: u64) -> Vec<Value> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let noise = Normal::new(0.0, 0.02).expect("a positive deviation");
    (0..vibes).map(|i| row(&mut rng, i, &noise)).collect()
}

/// One row in the embedding map's layout (stage 10: one config per vibe, no candidates), for
/// training the vibe-to-config model offline. The config is the vibe's true config (the signal
/// fields follow its words, the rest are random); no `embedding` is written (the real map's
/// MiniLM vectors cannot be made here) and no `palettes` (the model does not learn them). A vibe with character noise keeps its clean text in
/// `vibe_original` and the noisy one in `vibe_noisy`, as 02a rows do.
fn map_row(rng: &mut Xoshiro256PlusPlus, index: usize) -> Value {
    let truth = random_config(rng);
    let dataset = *pick(rng, &DATASETS);
    let split = pick_split(rng);
    let level = *pick(rng, &super::filter::LEVELS);
    let place = *pick(rng, &PLACES);
    let (vibe, _) = vibe_text(rng, &truth, level, &capitalize(place));
    let noisy = if rng.random_bool(0.15) { add_noise(rng, &vibe) } else { vibe.clone() };
    json!({
        "dataset": dataset,
        "id_in_dataset": format!("{dataset}-map-{index:05}"),
        "split": split,
        "vibe_level": level,
        "vibe_original": vibe,
        "vibe_noisy": noisy,
        "title": title(rng, &truth, place),
        "config": Value::Object(truth.to_json()),
        "synthetic": true,
    })
}

fn pick_split(rng: &mut Xoshiro256PlusPlus) -> &'static str {
    let x: f64 = rng.random();
    let mut acc = 0.0;
    SPLITS
        .iter()
        .find(|(_, p)| {
            acc += p;
            x < acc
        })
        .map_or("TEST", |(s, _)| s)
}

/// The rows of a synthetic embedding-map-style training file.
pub fn map_rows(vibes: usize, seed: u64) -> Vec<Value> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..vibes).map(|i| map_row(&mut rng, i)).collect()
}

/// The bundled training set: `data/latentscore-synthetic-train.jsonl`.
pub const TRAIN_FILE: &str = "data/latentscore-synthetic-train.jsonl";
pub const TRAIN_VIBES: usize = 3000;
pub const TRAIN_SEED: u64 = 7;

/// Writes the 02c sample as JSONL (atomically).
pub fn write(path: &Path, vibes: usize, seed: u64) -> anyhow::Result<()> {
    write_rows(path, &rows(vibes, seed))
}

/// Writes the embedding-map-style training set as JSONL (atomically).
pub fn write_map(path: &Path, vibes: usize, seed: u64) -> anyhow::Result<()> {
    write_rows(path, &map_rows(vibes, seed))
}

/// Palettes for a config by the generator's rule: hue from the mode, lightness from the
/// brightness (seeded, so the same seed gives the same colours).
pub fn palettes_for(config: &MusicConfig, seed: u64) -> Value {
    palettes(&mut Xoshiro256PlusPlus::seed_from_u64(seed), config)
}

fn write_rows(path: &Path, rows: &[Value]) -> anyhow::Result<()> {
    crate::paths::write_atomically(path, |tmp| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(tmp)?);
        for row in rows {
            serde_json::to_writer(&mut out, row)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(())
    })
}

/// The bundled sample: `data/latentscore-synthetic-02c.jsonl`.
pub const SAMPLE_FILE: &str = "data/latentscore-synthetic-02c.jsonl";
pub const SAMPLE_VIBES: usize = 300;
pub const SAMPLE_SEED: u64 = 6;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vibes::parse_row;

    #[test]
    fn rows_read_back_with_the_flags_and_scores_they_were_made_with() {
        let rows = rows(60, 1);
        let mut invalid = 0;
        for (i, value) in rows.into_iter().enumerate() {
            let Value::Object(object) = value else { panic!("row {i} is not an object") };
            let row = parse_row(object, 0, i + 1).expect("a generated row reads");
            assert!(row.is_synthetic());
            assert_eq!(row.candidates.len(), CANDIDATES);
            let (valid, total) = row.valid_count();
            invalid += total - valid;
            // Only fully valid candidates are scored, and the best is the highest score.
            for (j, score) in row.clap_scores.iter().enumerate() {
                let all = [&row.format_valid, &row.schema_valid, &row.palette_valid]
                    .iter()
                    .all(|f| f[j] == Some(true));
                assert_eq!(score.is_some(), all, "row {i} candidate {j}");
            }
            if let Some(best) = row.best_index {
                let top = row.clap_scores.iter().flatten().fold(f64::MIN, |a, b| a.max(*b));
                assert_eq!(row.clap_scores[best], Some(top));
            }
            // A valid candidate's payload passes the crate's own validation too.
            for (j, candidate) in row.candidate_values().into_iter().enumerate() {
                if let Value::Object(c) = candidate {
                    let payload = crate::synth::payload::Payload::from_json(&c);
                    assert_eq!(
                        payload.config.schema_valid(),
                        row.schema_valid[j] == Some(true),
                        "row {i} candidate {j}"
                    );
                    assert_eq!(
                        payload.palette_ok,
                        row.palette_valid[j] == Some(true),
                        "row {i} candidate {j}"
                    );
                }
            }
        }
        assert!(invalid > 0, "some candidates are invalid");
    }

    #[test]
    fn the_text_carries_the_signal_fields() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let config = random_config(&mut rng);
        let (text, _) = vibe_text(&mut rng, &config, "xl", "A place");
        for signal in &SIGNALS {
            let value = label(&config, signal.field);
            let words = signal.words.iter().find(|(o, _)| *o == value).unwrap().1;
            assert!(
                words.iter().any(|w| text.contains(w)),
                "{value} of {:?} missing from {text}",
                signal.field
            );
        }
    }

    #[test]
    fn noise_always_changes_the_text() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        for _ in 0..200 {
            assert_ne!(add_noise(&mut rng, "slow and wistful"), "slow and wistful");
        }
    }
}
