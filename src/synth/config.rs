//! Music configs as LatentScore defines them (`common/music_schema.py`, `latentscore/config.py`,
//! Apache-2.0; see NOTICE): 34 fields, each a label in the prompt form the models write, turned into
//! the numbers the synth reads.
//!
//! One table, [`FIELDS`], describes every field (its labels, what each label means as a number,
//! its default); a [`MusicConfig`] holds one [`Value`] per field, so panels draw dropdowns, the
//! vibes inspector compares candidates and the models predict fields all by field index.
//! [`MusicConfig::to_synth`] gives the internal form ([`SynthConfig`]) the renderer takes.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value as Json};

/// Declares a closed set of labels as an enum, in the reference's order.
macro_rules! labels {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The labels, in the reference's order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }

            /// The label at `index` of [`Self::NAMES`] (clamped to the last).
            pub fn from_index(index: usize) -> Self {
                Self::ALL[index.min(Self::ALL.len() - 1)]
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

labels!(Root { C => "c", Cs => "c#", D => "d", Ds => "d#", E => "e", F => "f", Fs => "f#", G => "g", Gs => "g#", A => "a", As => "a#", B => "b" });
labels!(Mode { Major => "major", Minor => "minor", Dorian => "dorian", Mixolydian => "mixolydian" });
labels!(Bass {
    Drone => "drone", Sustained => "sustained", Pulsing => "pulsing", Walking => "walking",
    FifthDrone => "fifth_drone", SubPulse => "sub_pulse", Octave => "octave", ArpBass => "arp_bass",
});
labels!(Pad {
    WarmSlow => "warm_slow", DarkSustained => "dark_sustained", Cinematic => "cinematic", ThinHigh => "thin_high",
    AmbientDrift => "ambient_drift", StackedFifths => "stacked_fifths", BrightOpen => "bright_open",
});
labels!(Melody {
    Procedural => "procedural", Contemplative => "contemplative", Rising => "rising", Falling => "falling",
    Minimal => "minimal", Ornamental => "ornamental", ArpMelody => "arp_melody",
    ContemplativeMinor => "contemplative_minor", CallResponse => "call_response", Heroic => "heroic",
});
labels!(Rhythm {
    None => "none", Minimal => "minimal", Heartbeat => "heartbeat", SoftFour => "soft_four", HatsOnly => "hats_only",
    Electronic => "electronic", KitLight => "kit_light", KitMedium => "kit_medium", Military => "military",
    TablaEssence => "tabla_essence", Brush => "brush",
});
labels!(Texture {
    None => "none", Shimmer => "shimmer", ShimmerSlow => "shimmer_slow", VinylCrackle => "vinyl_crackle",
    Breath => "breath", Stars => "stars", Glitch => "glitch", NoiseWash => "noise_wash", Crystal => "crystal",
    PadWhisper => "pad_whisper",
});
labels!(Accent {
    None => "none", Bells => "bells", Pluck => "pluck", Chime => "chime", BellsDense => "bells_dense", Blip => "blip",
    BlipRandom => "blip_random", BrassHit => "brass_hit", Wind => "wind", ArpAccent => "arp_accent",
    PianoNote => "piano_note",
});
labels!(
    /// Transient sharpness: multiplies attack and release times.
    Attack { Soft => "soft", Medium => "medium", Sharp => "sharp" }
);
labels!(
    /// Oscillator character: clean = sine, warm = triangle, gritty = sawtooth.
    Grain { Clean => "clean", Warm => "warm", Gritty => "gritty" }
);
labels!(MelodyEngine { Pattern => "pattern", Procedural => "procedural" });
labels!(TensionCurve { Arc => "arc", Ramp => "ramp", Waves => "waves" });
labels!(HarmonyStyle { Auto => "auto", Pop => "pop", Jazz => "jazz", Cinematic => "cinematic", Ambient => "ambient" });
labels!(ChordExtensions { Triads => "triads", Sevenths => "sevenths", Lush => "lush" });

impl Attack {
    /// The envelope multiplier (`ATTACK_MULT`).
    pub fn multiplier(self) -> f64 {
        match self {
            Self::Soft => 2.5,
            Self::Medium => 1.0,
            Self::Sharp => 0.3,
        }
    }
}

/// How a field's value is written in JSON and what its labels are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string label.
    Label,
    /// An integer; its options are the allowed integers written out.
    Int,
    /// A boolean; options "false", "true".
    Bool,
}

/// Where a field sits in the reference's grouping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Global,
    Layers,
    Modifiers,
    MelodyHarmony,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Self::Global => "Global",
            Self::Layers => "Layers",
            Self::Modifiers => "Modifiers",
            Self::MelodyHarmony => "Melody and harmony",
        }
    }
}

/// One field of the config.
#[derive(Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    pub group: Group,
    pub kind: Kind,
    /// The prompt form's allowed values, in order.
    pub options: &'static [&'static str],
    /// For fields the synth reads as a number: each option's number. A JSON number inside
    /// `range` is then accepted as the internal value itself.
    pub numbers: Option<&'static [f64]>,
    pub range: Option<(f64, f64)>,
    /// The value a field takes when the JSON leaves it out (`MusicConfig`'s default).
    pub default: Value,
    /// The option an unknown label is snapped to (`_sanitize_config`'s defaults).
    pub fallback: u8,
    pub description: &'static str,
}

impl FieldSpec {
    /// The option's index for a label, if it is one of this field's.
    pub fn option(&self, label: &str) -> Option<u8> {
        self.options.iter().position(|o| *o == label).map(|i| i as u8)
    }

    /// The number this value means to the synth, for numeric fields.
    pub fn number(&self, value: Value) -> Option<f64> {
        match value {
            Value::Number(x) => Some(x),
            Value::Label(i) => match (self.numbers, self.kind) {
                (Some(numbers), _) => Some(numbers[i as usize]),
                (None, Kind::Int) => self.options[i as usize].parse().ok(),
                _ => None,
            },
        }
    }

    /// The label nearest to a value: the label itself, or the option whose number is closest.
    pub fn nearest_option(&self, value: Value) -> u8 {
        match value {
            Value::Label(i) => i,
            Value::Number(x) => {
                let numbers: Vec<f64> = match self.numbers {
                    Some(n) => n.to_vec(),
                    None => self.options.iter().map(|o| o.parse().unwrap_or(f64::NAN)).collect(),
                };
                let mut best = 0;
                for (i, n) in numbers.iter().enumerate() {
                    if (n - x).abs() < (numbers[best] - x).abs() {
                        best = i;
                    }
                }
                best as u8
            }
        }
    }

    /// The value as the user reads it: its label, or the number with the nearest label.
    pub fn display(&self, value: Value) -> String {
        match value {
            Value::Label(i) => self.options[i as usize].to_owned(),
            Value::Number(x) => format!("{x:.3} (~{})", self.options[self.nearest_option(value) as usize]),
        }
    }
}

/// A field's value: one of its labels, or (numeric fields only) a number in its range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Label(u8),
    Number(f64),
}

const UNIT: Option<(f64, f64)> = Some((0.0, 1.0));
const LEVELS5: &[&str] = &["very_slow", "slow", "medium", "fast", "very_fast"];

/// Declares the field enum and the array of all fields from one list.
macro_rules! fields {
    ($($field:ident),+ $(,)?) => {
        /// The fields, in the reference's order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field { $($field),+ }

        const ALL_FIELDS: [Field; FIELD_COUNT] = [$(Field::$field),+];
    };
}

fields!(
    Tempo,
    Root,
    Mode,
    Brightness,
    Space,
    Density,
    Bass,
    Pad,
    Melody,
    Rhythm,
    Texture,
    Accent,
    Motion,
    Attack,
    Stereo,
    Depth,
    Echo,
    Human,
    Grain,
    MelodyEngine,
    PhraseLenBars,
    MelodyDensity,
    Syncopation,
    Swing,
    MotifRepeatProb,
    StepBias,
    ChromaticProb,
    CadenceStrength,
    RegisterMinOct,
    RegisterMaxOct,
    TensionCurve,
    HarmonyStyle,
    ChordChangeBars,
    ChordExtensions,
);

pub const FIELD_COUNT: usize = 34;

impl Field {
    pub fn spec(self) -> &'static FieldSpec {
        &FIELDS[self as usize]
    }

    pub fn all() -> impl Iterator<Item = Field> {
        (0..FIELD_COUNT).map(|i| ALL_FIELDS[i])
    }

    pub fn by_name(name: &str) -> Option<Field> {
        FIELDS.iter().position(|f| f.name == name).map(|i| ALL_FIELDS[i])
    }
}

/// A field whose value is one of its options and nothing else.
const fn plain(
    name: &'static str,
    group: Group,
    kind: Kind,
    options: &'static [&'static str],
    default: u8,
    description: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        group,
        kind,
        options,
        numbers: None,
        range: None,
        default: Value::Label(default),
        fallback: default,
        description,
    }
}

const fn label(
    name: &'static str,
    group: Group,
    options: &'static [&'static str],
    default: u8,
    description: &'static str,
) -> FieldSpec {
    plain(name, group, Kind::Label, options, default, description)
}

/// A label field the synth reads as a number (`_TEMPO_MAP` and its kin): `labels` pairs the
/// options with the numbers they mean, in order.
const fn scaled(
    name: &'static str,
    group: Group,
    labels: (&'static [&'static str], &'static [f64]),
    default: Value,
    fallback: u8,
    description: &'static str,
) -> FieldSpec {
    let (options, numbers) = labels;
    FieldSpec {
        name,
        group,
        kind: Kind::Label,
        options,
        numbers: Some(numbers),
        range: UNIT,
        default,
        fallback,
        description,
    }
}

const fn int(
    name: &'static str,
    group: Group,
    options: &'static [&'static str],
    default: u8,
    description: &'static str,
) -> FieldSpec {
    plain(name, group, Kind::Int, options, default, description)
}

use Group::{Global, Layers, MelodyHarmony, Modifiers};

/// Every field: the prompt schema's labels (`common/music_schema.py`), their numbers
/// (`latentscore/config.py`), `MusicConfig`'s defaults and `_sanitize_config`'s fallbacks.
#[rustfmt::skip]
pub static FIELDS: [FieldSpec; FIELD_COUNT] = [
    scaled("tempo", Global, (LEVELS5, &[0.15, 0.3, 0.5, 0.7, 0.9]), Value::Label(2), 2, "Tempo: BPM = 55 + 110 × value."),
    label("root", Global, Root::NAMES, 0, "Root note of the scale."),
    label("mode", Global, Mode::NAMES, 1, "Scale mode that shapes the emotional colour."),
    scaled("brightness", Global, (&["very_dark", "dark", "medium", "bright", "very_bright"], &[0.1, 0.3, 0.5, 0.7, 0.9]), Value::Label(2), 2, "Filter brightness / spectral tilt."),
    scaled("space", Global, (&["dry", "small", "medium", "large", "vast"], &[0.1, 0.3, 0.5, 0.7, 0.95]), Value::Label(2), 2, "Reverb / room size."),
    int("density", Global, &["2", "3", "4", "5", "6"], 3, "Layer count: 2 bass+pad, 3 +melody, 4 +rhythm, 5 +texture, 6 +accent."),
    label("bass", Layers, Bass::NAMES, 0, "Bass style or movement pattern."),
    label("pad", Layers, Pad::NAMES, 0, "Pad texture and harmonic bed."),
    label("melody", Layers, Melody::NAMES, 1, "Melody style or contour (pattern engine)."),
    label("rhythm", Layers, Rhythm::NAMES, 1, "Percussion pattern (or none)."),
    label("texture", Layers, Texture::NAMES, 1, "Background texture or noise layer."),
    label("accent", Layers, Accent::NAMES, 1, "Sparse accent sound."),
    scaled("motion", Modifiers, (&["static", "slow", "medium", "fast", "chaotic"], &[0.1, 0.3, 0.5, 0.7, 0.9]), Value::Label(2), 2, "Modulation / LFO rate."),
    label("attack", Modifiers, Attack::NAMES, 1, "Transient sharpness (envelope times × 2.5, 1, 0.3)."),
    scaled("stereo", Modifiers, (&["mono", "narrow", "medium", "wide", "ultra_wide"], &[0.0, 0.25, 0.5, 0.75, 1.0]), Value::Label(2), 2, "Stereo width (a short-delay blend; the output is mono)."),
    plain("depth", Modifiers, Kind::Bool, &["false", "true"], 0, "Adds a sub-bass pulse."),
    scaled("echo", Modifiers, (&["none", "subtle", "medium", "heavy", "infinite"], &[0.0, 0.25, 0.5, 0.75, 0.95]), Value::Label(2), 2, "Delay amount."),
    scaled("human", Modifiers, (&["robotic", "tight", "natural", "loose", "drunk"], &[0.0, 0.15, 0.3, 0.5, 0.8]), Value::Label(0), 0, "Timing / amplitude looseness."),
    label("grain", Modifiers, Grain::NAMES, 0, "Oscillator: clean = sine, warm = triangle, gritty = sawtooth."),
    label("melody_engine", MelodyHarmony, MelodyEngine::NAMES, 0, "Melody generation: pattern styles or the procedural engine."),
    int("phrase_len_bars", MelodyHarmony, &["2", "4", "8"], 1, "Phrase length in bars."),
    scaled("melody_density", MelodyHarmony, (&["very_sparse", "sparse", "medium", "busy", "very_busy"], &[0.15, 0.30, 0.50, 0.70, 0.85]), Value::Number(0.45), 2, "Melody note density."),
    scaled("syncopation", MelodyHarmony, (&["straight", "light", "medium", "heavy"], &[0.0, 0.2, 0.5, 0.8]), Value::Number(0.20), 2, "Off-beat emphasis."),
    scaled("swing", MelodyHarmony, (&["none", "light", "medium", "heavy"], &[0.0, 0.2, 0.5, 0.8]), Value::Number(0.0), 0, "Swing."),
    scaled("motif_repeat_prob", MelodyHarmony, (&["rare", "sometimes", "often"], &[0.2, 0.5, 0.8]), Value::Number(0.50), 1, "How often a phrase repeats its motif."),
    scaled("step_bias", MelodyHarmony, (&["step", "balanced", "leapy"], &[0.9, 0.7, 0.4]), Value::Number(0.75), 1, "Stepwise versus leaping melodic motion."),
    scaled("chromatic_prob", MelodyHarmony, (&["none", "light", "medium", "heavy"], &[0.0, 0.05, 0.12, 0.25]), Value::Number(0.05), 0, "Chromatic approach notes."),
    scaled("cadence_strength", MelodyHarmony, (&["weak", "medium", "strong"], &[0.3, 0.6, 0.9]), Value::Number(0.65), 1, "Cadence emphasis at phrase ends."),
    int("register_min_oct", MelodyHarmony, &["1", "2", "3", "4", "5", "6", "7", "8"], 3, "Lowest melody octave."),
    int("register_max_oct", MelodyHarmony, &["1", "2", "3", "4", "5", "6", "7", "8"], 5, "Highest melody octave."),
    label("tension_curve", MelodyHarmony, TensionCurve::NAMES, 0, "Tension shape across the phrase."),
    label("harmony_style", MelodyHarmony, HarmonyStyle::NAMES, 0, "Chord progression style."),
    FieldSpec { name: "chord_change_bars", group: MelodyHarmony, kind: Kind::Label, options: &["very_slow", "slow", "medium", "fast"], numbers: Some(&[4.0, 2.0, 1.0, 1.0]), range: Some((1.0, 16.0)), default: Value::Number(1.0), fallback: 2, description: "Bars per chord." },
    label("chord_extensions", MelodyHarmony, ChordExtensions::NAMES, 0, "Chord colour: triads, sevenths, lush (ninths)."),
];

/// What is wrong with one field of a config.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    Missing,
    /// The value is not one of the field's; `found` is its JSON text.
    Invalid {
        found: String,
    },
    /// A key the schema does not have (kept, and written back on export).
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldIssue {
    pub field: String,
    pub problem: Problem,
}

impl fmt::Display for FieldIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Missing => write!(f, "{}: missing", self.field),
            Problem::Unknown => write!(f, "{}: not a field of the config schema", self.field),
            Problem::Invalid { found } => {
                let expected = match Field::by_name(&self.field).map(Field::spec) {
                    Some(spec) => {
                        let mut text = format!("one of {}", spec.options.join(", "));
                        if let Some((lo, hi)) = spec.range {
                            text.push_str(&format!(", or a number in {lo}..={hi}"));
                        }
                        text
                    }
                    None => "a valid value".to_owned(),
                };
                write!(f, "{}: {found} is not {expected}", self.field)
            }
        }
    }
}

/// A config: one value per field, plus the keys the schema does not know (kept as they were).
#[derive(Clone, Debug, PartialEq)]
pub struct MusicConfig {
    values: [Value; FIELD_COUNT],
    pub extras: BTreeMap<String, Json>,
}

impl Default for MusicConfig {
    /// `MusicConfig()` of the reference: tempo medium (110 BPM), C minor, density 5...
    fn default() -> Self {
        let mut values = [Value::Label(0); FIELD_COUNT];
        for (value, spec) in values.iter_mut().zip(&FIELDS) {
            *value = spec.default;
        }
        Self { values, extras: BTreeMap::new() }
    }
}

/// A config read from JSON: the values it could use, and what was wrong with the rest.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// Missing fields take their default and invalid ones their fallback (sanitized), so this
    /// always renders.
    pub config: MusicConfig,
    pub issues: Vec<FieldIssue>,
}

impl Parsed {
    /// Whether the config passes the strict prompt schema (`MusicConfigPrompt`: every field
    /// present, every value one of its labels, no extra keys).
    pub fn schema_valid(&self) -> bool {
        self.issues.is_empty() && self.config.values.iter().all(|v| matches!(v, Value::Label(_)))
    }

    /// The issues that stop rendering a config as written (unknown keys do not).
    pub fn errors(&self) -> impl Iterator<Item = &FieldIssue> {
        self.issues.iter().filter(|i| i.problem != Problem::Unknown && i.problem != Problem::Missing)
    }
}

impl MusicConfig {
    pub fn get(&self, field: Field) -> Value {
        self.values[field as usize]
    }

    pub fn set(&mut self, field: Field, value: Value) {
        self.values[field as usize] = value;
    }

    /// The fields whose values differ between two configs.
    pub fn differing_fields(&self, other: &MusicConfig) -> Vec<Field> {
        Field::all().filter(|f| self.get(*f) != other.get(*f)).collect()
    }

    /// Reads a config object (the prompt form with labels; numbers are accepted for the fields
    /// the synth reads as numbers, as `MusicConfig` and the internal config write them; a
    /// `layers` object is flattened as the reference does). Never fails: see [`Parsed`].
    pub fn from_json(object: &Map<String, Json>) -> Parsed {
        let mut config = MusicConfig::default();
        let mut issues = Vec::new();
        let mut merged = object.clone();
        if let Some(Json::Object(layers)) = object.get("layers") {
            merged.remove("layers");
            for (key, value) in layers {
                merged.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        for field in Field::all() {
            let spec = field.spec();
            match merged.get(spec.name) {
                None => issues.push(FieldIssue { field: spec.name.to_owned(), problem: Problem::Missing }),
                Some(json) => match read_value(spec, json) {
                    Some(value) => config.set(field, value),
                    None => {
                        issues.push(FieldIssue {
                            field: spec.name.to_owned(),
                            problem: Problem::Invalid { found: json.to_string() },
                        });
                        config.set(field, sanitize(spec, json));
                    }
                },
            }
        }
        for (key, value) in merged {
            if Field::by_name(&key).is_none() && key != "schema_version" {
                issues.push(FieldIssue { field: key.clone(), problem: Problem::Unknown });
                config.extras.insert(key, value);
            }
        }
        Parsed { config, issues }
    }

    /// The prompt form as JSON (labels; numbers where a value is not a label), extras after.
    pub fn to_json(&self) -> Map<String, Json> {
        let mut out = Map::new();
        for field in Field::all() {
            let spec = field.spec();
            let json = match (self.get(field), spec.kind) {
                (Value::Number(x), _) => {
                    serde_json::Number::from_f64(x).map(Json::Number).unwrap_or(Json::Null)
                }
                (Value::Label(i), Kind::Label) => Json::String(spec.options[i as usize].to_owned()),
                (Value::Label(i), Kind::Int) => {
                    Json::from(spec.options[i as usize].parse::<i64>().unwrap_or(0))
                }
                (Value::Label(i), Kind::Bool) => Json::Bool(i == 1),
            };
            out.insert(spec.name.to_owned(), json);
        }
        for (key, value) in &self.extras {
            out.insert(key.clone(), value.clone());
        }
        out
    }

    /// The internal form the synth reads (`MusicConfig.to_internal()`).
    pub fn to_synth(&self) -> SynthConfig {
        let num = |f: Field| f.spec().number(self.get(f)).unwrap_or(0.0);
        let idx = |f: Field| f.spec().nearest_option(self.get(f)) as usize;
        let int = |f: Field| num(f).round() as i32;
        SynthConfig {
            tempo: num(Field::Tempo),
            root: Root::from_index(idx(Field::Root)),
            mode: Mode::from_index(idx(Field::Mode)),
            brightness: num(Field::Brightness),
            space: num(Field::Space),
            density: int(Field::Density).clamp(2, 6) as u8,
            bass: Bass::from_index(idx(Field::Bass)),
            pad: Pad::from_index(idx(Field::Pad)),
            melody: Melody::from_index(idx(Field::Melody)),
            rhythm: Rhythm::from_index(idx(Field::Rhythm)),
            texture: Texture::from_index(idx(Field::Texture)),
            accent: Accent::from_index(idx(Field::Accent)),
            motion: num(Field::Motion),
            attack: Attack::from_index(idx(Field::Attack)),
            stereo: num(Field::Stereo),
            depth: idx(Field::Depth) == 1,
            echo: num(Field::Echo),
            human: num(Field::Human),
            grain: Grain::from_index(idx(Field::Grain)),
            melody_engine: MelodyEngine::from_index(idx(Field::MelodyEngine)),
            phrase_len_bars: int(Field::PhraseLenBars),
            melody_density: num(Field::MelodyDensity),
            syncopation: num(Field::Syncopation),
            swing: num(Field::Swing),
            motif_repeat_prob: num(Field::MotifRepeatProb),
            step_bias: num(Field::StepBias),
            chromatic_prob: num(Field::ChromaticProb),
            cadence_strength: num(Field::CadenceStrength),
            register_min_oct: int(Field::RegisterMinOct),
            register_max_oct: int(Field::RegisterMaxOct),
            tension_curve: TensionCurve::from_index(idx(Field::TensionCurve)),
            harmony_style: HarmonyStyle::from_index(idx(Field::HarmonyStyle)),
            chord_change_bars: int(Field::ChordChangeBars),
            chord_extensions: ChordExtensions::from_index(idx(Field::ChordExtensions)),
        }
    }
}

/// A JSON value as one of the field's values, if it is one.
fn read_value(spec: &FieldSpec, json: &Json) -> Option<Value> {
    match (spec.kind, json) {
        (Kind::Label, Json::String(s)) => spec.option(s).map(Value::Label),
        (Kind::Label, Json::Number(n)) => {
            let x = n.as_f64()?;
            let (lo, hi) = spec.range?;
            (lo..=hi).contains(&x).then_some(Value::Number(x))
        }
        (Kind::Int, Json::Number(n)) => {
            let x = n.as_f64()?;
            (x.fract() == 0.0).then(|| spec.option(&format!("{}", x as i64)))?.map(Value::Label)
        }
        (Kind::Bool, Json::Bool(b)) => Some(Value::Label(*b as u8)),
        _ => None,
    }
}

/// The value an invalid entry is snapped to, as the reference's `_sanitize_config` does: integers
/// clamped (density 2..6, octaves 1..8), phrase length to the nearest of 2/4/8, anything else to
/// the field's fallback label.
fn sanitize(spec: &FieldSpec, json: &Json) -> Value {
    if let (Kind::Int, Some(x)) = (spec.kind, json.as_f64()) {
        return Value::Label(spec.nearest_option(Value::Number(x.trunc())));
    }
    Value::Label(spec.fallback)
}

/// The numbers the synth reads (`_MusicConfigInternal`).
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    pub tempo: f64,
    pub root: Root,
    pub mode: Mode,
    pub brightness: f64,
    pub space: f64,
    pub density: u8,
    pub bass: Bass,
    pub pad: Pad,
    pub melody: Melody,
    pub rhythm: Rhythm,
    pub texture: Texture,
    pub accent: Accent,
    pub motion: f64,
    pub attack: Attack,
    pub stereo: f64,
    pub depth: bool,
    pub echo: f64,
    pub human: f64,
    pub grain: Grain,
    pub melody_engine: MelodyEngine,
    pub phrase_len_bars: i32,
    pub melody_density: f64,
    pub syncopation: f64,
    pub swing: f64,
    pub motif_repeat_prob: f64,
    pub step_bias: f64,
    pub chromatic_prob: f64,
    pub cadence_strength: f64,
    pub register_min_oct: i32,
    pub register_max_oct: i32,
    pub tension_curve: TensionCurve,
    pub harmony_style: HarmonyStyle,
    pub chord_change_bars: i32,
    pub chord_extensions: ChordExtensions,
}

impl Default for SynthConfig {
    fn default() -> Self {
        MusicConfig::default().to_synth()
    }
}

impl SynthConfig {
    /// Beats per minute: 55 + 110 × tempo (tempo clamped to 0..1).
    pub fn bpm(&self) -> f64 {
        55.0 + 110.0 * self.tempo.clamp(0.0, 1.0)
    }

    pub fn seconds_per_beat(&self) -> f64 {
        60.0 / self.bpm()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Map<String, Json> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_field_table_is_in_the_enum_order() {
        for (i, field) in Field::all().enumerate() {
            assert_eq!(field as usize, i);
            assert_eq!(Field::by_name(FIELDS[i].name), Some(field));
        }
        for spec in &FIELDS {
            if let Some(numbers) = spec.numbers {
                assert_eq!(numbers.len(), spec.options.len(), "{}", spec.name);
            }
            assert!((spec.fallback as usize) < spec.options.len(), "{}", spec.name);
        }
    }

    #[test]
    fn the_default_config_is_the_references() {
        // MusicConfig() in latentscore/config.py, then to_internal().
        let c = SynthConfig::default();
        assert_eq!(c.bpm(), 110.0);
        assert_eq!((c.root, c.mode), (Root::C, Mode::Minor));
        assert_eq!((c.brightness, c.space, c.density), (0.5, 0.5, 5));
        assert_eq!((c.bass, c.pad, c.melody), (Bass::Drone, Pad::WarmSlow, Melody::Contemplative));
        assert_eq!((c.rhythm, c.texture, c.accent), (Rhythm::Minimal, Texture::Shimmer, Accent::Bells));
        assert_eq!(
            (c.motion, c.attack, c.stereo, c.depth, c.echo, c.human),
            (0.5, Attack::Medium, 0.5, false, 0.5, 0.0)
        );
        assert_eq!((c.melody_density, c.syncopation, c.swing, c.step_bias), (0.45, 0.2, 0.0, 0.75));
        assert_eq!((c.chromatic_prob, c.cadence_strength, c.motif_repeat_prob), (0.05, 0.65, 0.5));
        assert_eq!(
            (c.phrase_len_bars, c.register_min_oct, c.register_max_oct, c.chord_change_bars),
            (4, 4, 6, 1)
        );
    }

    #[test]
    fn labels_map_to_the_references_numbers() {
        let parsed = MusicConfig::from_json(&object(
            r#"{"tempo": "very_fast", "space": "vast", "echo": "infinite", "human": "drunk",
                "melody_density": "very_busy", "step_bias": "leapy", "chord_change_bars": "very_slow",
                "attack": "soft", "density": 6, "depth": true, "phrase_len_bars": 8}"#,
        ));
        let c = parsed.config.to_synth();
        assert_eq!(c.bpm(), 55.0 + 110.0 * 0.9);
        assert_eq!((c.space, c.echo, c.human), (0.95, 0.95, 0.8));
        assert_eq!((c.melody_density, c.step_bias, c.chord_change_bars), (0.85, 0.4, 4));
        assert_eq!(c.attack.multiplier(), 2.5);
        assert_eq!((c.density, c.depth, c.phrase_len_bars), (6, true, 8));
    }

    #[test]
    fn each_invalid_field_is_reported_and_sanitized() {
        let parsed = MusicConfig::from_json(&object(
            r#"{"tempo": "warp", "density": 9, "register_min_oct": 0, "phrase_len_bars": 5,
                "bass": 3, "depth": "yes", "mood": "calm"}"#,
        ));
        let invalid: Vec<&str> = parsed
            .issues
            .iter()
            .filter(|i| matches!(i.problem, Problem::Invalid { .. }))
            .map(|i| i.field.as_str())
            .collect();
        assert_eq!(invalid, ["tempo", "density", "bass", "depth", "phrase_len_bars", "register_min_oct"]);
        assert!(parsed.issues.iter().any(|i| i.field == "mood" && i.problem == Problem::Unknown));
        assert_eq!(parsed.config.extras.get("mood"), Some(&Json::String("calm".into())));
        let c = parsed.config.to_synth();
        // Unknown labels to defaults; integers clamped; phrase length to the nearest of 2/4/8.
        assert_eq!((c.tempo, c.bass, c.depth), (0.5, Bass::Drone, false));
        assert_eq!((c.density, c.register_min_oct, c.phrase_len_bars), (6, 1, 4));
        assert!(!parsed.schema_valid());
        let message = parsed.issues[0].to_string();
        assert_eq!(
            message,
            "tempo: \"warp\" is not one of very_slow, slow, medium, fast, very_fast, or a number in 0..=1"
        );
    }

    #[test]
    fn a_complete_prompt_config_is_schema_valid_and_round_trips() {
        let mut config = MusicConfig::default();
        for field in Field::all() {
            let spec = field.spec();
            config.set(field, Value::Label(spec.nearest_option(config.get(field))));
        }
        let json = config.to_json();
        let parsed = MusicConfig::from_json(&json);
        assert!(parsed.schema_valid(), "{:?}", parsed.issues);
        assert_eq!(parsed.config, config);
        assert_eq!(json["density"], Json::from(5));
        assert_eq!(json["depth"], Json::Bool(false));
        assert_eq!(json["tempo"], Json::from("medium"));
    }

    #[test]
    fn layers_are_flattened_and_numbers_accepted_where_the_synth_reads_numbers() {
        let parsed = MusicConfig::from_json(&object(
            r#"{"tempo": 0.42, "layers": {"bass": "pulsing", "rhythm": "electronic"}, "melody_density": 0.3}"#,
        ));
        let c = parsed.config.to_synth();
        assert_eq!(
            (c.tempo, c.bass, c.rhythm, c.melody_density),
            (0.42, Bass::Pulsing, Rhythm::Electronic, 0.3)
        );
        assert!(parsed.errors().next().is_none());
    }
}

/// Properties over generated configs: any JSON object reads without panicking into a config that
/// names every field it could not use, and a config written out reads back as itself.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(Json::from),
            any::<f64>().prop_map(|x| serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)),
            ".{0,12}".prop_map(Json::String),
        ];
        leaf.prop_recursive(2, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                    .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    fn field_name() -> impl Strategy<Value = String> {
        prop_oneof![(0..FIELD_COUNT).prop_map(|i| ALL_FIELDS[i].spec().name.to_owned()), "[a-z_]{1,10}",]
    }

    proptest! {
        #[test]
        fn any_object_reads_into_a_config_with_its_issues_named(
            entries in prop::collection::btree_map(field_name(), json(), 0..40)
        ) {
            let object: Map<String, Json> = entries.into_iter().collect();
            let parsed = MusicConfig::from_json(&object);
            for field in Field::all() {
                let name = field.spec().name;
                let named = parsed.issues.iter().any(|i| i.field == name);
                match object.get(name) {
                    None => prop_assert!(named, "missing {name} is not named"),
                    Some(_) if named => {}
                    Some(json) => prop_assert!(read_value(field.spec(), json).is_some(), "{name}: {json}"),
                }
            }
            // What it could not use is sanitized, so it always renders.
            let _ = parsed.config.to_synth();
        }

        #[test]
        fn a_written_config_reads_back_as_itself(labels in prop::collection::vec(any::<u8>(), FIELD_COUNT)) {
            let mut config = MusicConfig::default();
            for (field, pick) in Field::all().zip(&labels) {
                let options = field.spec().options.len() as u8;
                config.set(field, Value::Label(pick % options));
            }
            let parsed = MusicConfig::from_json(&config.to_json());
            prop_assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
            prop_assert!(parsed.schema_valid());
            prop_assert!(parsed.config.differing_fields(&config).is_empty());
        }
    }
}
