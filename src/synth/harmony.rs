//! Pitch, harmony and the procedural melody, ported from LatentScore's `synth.py`: scale degrees
//! to frequencies, the chord timeline ([`HarmonyPlan`]) drawn from per-style templates, and the
//! phrase-aware, chord-aware melody engine (anchors on chord tones, tension curves, density,
//! syncopation and swing, motif repeats, chromatic approaches, cadences).

use rand::RngExt;
use rand_distr::{Distribution, Normal};

use super::config::{
    Bass, ChordExtensions, HarmonyStyle, Melody, Mode, Pad, Rhythm, Root, SynthConfig, TensionCurve, Texture,
};
use super::primitives::SynthRng;

/// Octave-4 frequencies of the twelve roots (`NOTE_FREQS`).
const NOTE_FREQS: [f64; 12] =
    [261.63, 277.18, 293.66, 311.13, 329.63, 349.23, 369.99, 392.00, 415.30, 440.00, 466.16, 493.88];

pub fn mode_intervals(mode: Mode) -> [i32; 7] {
    match mode {
        Mode::Major => [0, 2, 4, 5, 7, 9, 11],
        Mode::Minor => [0, 2, 3, 5, 7, 8, 10],
        Mode::Dorian => [0, 2, 3, 5, 7, 9, 10],
        Mode::Mixolydian => [0, 2, 4, 5, 7, 9, 10],
    }
}

/// `f = NOTE_FREQS[root] · 2^(octave−4) · 2^(semitones/12)`.
pub fn freq_from_note(root: Root, semitones: i32, octave: i32) -> f64 {
    NOTE_FREQS[root as usize] * 2f64.powi(octave - 4) * 2f64.powf(semitones as f64 / 12.0)
}

/// Scale degree to semitones above the root: `MODE[d mod 7] + 12 floor(d / 7)`.
pub fn semitone_from_degree(mode: Mode, degree: i32) -> i32 {
    mode_intervals(mode)[degree.rem_euclid(7) as usize] + 12 * degree.div_euclid(7)
}

pub fn scale_freq(config: &SynthConfig, degree: i32, octave: i32) -> f64 {
    freq_from_note(config.root, semitone_from_degree(config.mode, degree), octave)
}

/// A chord in scale degrees relative to the key, scheduled in beats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChordEvent {
    pub start_beat: f64,
    pub duration_beats: f64,
    pub root_degree: i32,
}

/// The chord timeline of a render.
#[derive(Clone, Debug, PartialEq)]
pub struct HarmonyPlan {
    pub chords: Vec<ChordEvent>,
    pub beats_per_bar: u32,
    /// The style the plan was drawn for ("auto" resolved).
    pub style: HarmonyStyle,
}

impl HarmonyPlan {
    /// The chord sounding at `beat` (the first before the plan, the last after it).
    pub fn chord_at_beat(&self, beat: f64) -> ChordEvent {
        if self.chords.is_empty() {
            return ChordEvent { start_beat: 0.0, duration_beats: self.beats_per_bar as f64, root_degree: 0 };
        }
        for chord in &self.chords {
            if chord.start_beat <= beat && beat < chord.start_beat + chord.duration_beats {
                return *chord;
            }
        }
        if beat < self.chords[0].start_beat { self.chords[0] } else { *self.chords.last().unwrap() }
    }

    /// The chord root (0..7) at `beat`.
    pub fn root_at_beat(&self, beat: f64) -> i32 {
        self.chord_at_beat(beat).root_degree.rem_euclid(7)
    }

    /// `(start_sec, dur_sec, root_degree)` of each chord that starts before `duration`.
    pub fn segments(&self, config: &SynthConfig, duration: f64) -> Vec<(f64, f64, i32)> {
        if self.chords.is_empty() {
            return vec![(0.0, duration, 0)];
        }
        let spb = config.seconds_per_beat();
        let mut out = Vec::new();
        for chord in &self.chords {
            let start = chord.start_beat * spb;
            if start >= duration {
                break;
            }
            let end = duration.min(start + chord.duration_beats * spb);
            let dur = (end - start).max(0.0);
            if dur > 0.0 {
                out.push((start, dur, chord.root_degree));
            }
        }
        out
    }
}

/// The harmony style "auto" stands for, from the layer styles (`build_harmony_plan`).
pub fn resolve_style(config: &SynthConfig) -> HarmonyStyle {
    if config.harmony_style != HarmonyStyle::Auto {
        return config.harmony_style;
    }
    if config.rhythm == Rhythm::None && config.space >= 0.7 {
        HarmonyStyle::Ambient
    } else if config.pad == Pad::Cinematic || matches!(config.bass, Bass::Drone | Bass::SubPulse) {
        HarmonyStyle::Cinematic
    } else if config.texture == Texture::VinylCrackle || config.melody == Melody::Ornamental {
        HarmonyStyle::Jazz
    } else {
        HarmonyStyle::Pop
    }
}

const POP_MAJOR: &[[i32; 4]] = &[[0, 5, 3, 4], [0, 3, 4, 0], [0, 4, 5, 3]];
const POP_MINOR: &[[i32; 4]] = &[[0, 5, 3, 6], [0, 3, 6, 4], [0, 6, 3, 5], [0, 4, 5, 3]];
const JAZZ_MAJOR: &[[i32; 4]] = &[[1, 4, 0, 0], [1, 4, 0, 5], [5, 1, 4, 0]];
const JAZZ_MINOR: &[[i32; 4]] = &[[1, 4, 0, 0], [5, 1, 4, 0]];
const CINEMATIC_MINOR: &[[i32; 4]] = &[[0, 6, 5, 3], [0, 5, 6, 4], [0, 6, 3, 4]];
const AMBIENT_ANY: &[[i32; 4]] = &[[0, 5, 0, 3], [0, 4, 0, 6], [0, 3, 0, 5]];

/// The progression templates a style draws from, for a major-ish (major, mixolydian) or
/// minor-ish mode.
pub fn templates(style: HarmonyStyle, majorish: bool) -> &'static [[i32; 4]] {
    match (style, majorish) {
        (HarmonyStyle::Jazz, true) => JAZZ_MAJOR,
        (HarmonyStyle::Jazz, false) => JAZZ_MINOR,
        (HarmonyStyle::Cinematic, false) => CINEMATIC_MINOR,
        (HarmonyStyle::Cinematic, true) => POP_MAJOR,
        (HarmonyStyle::Ambient, _) => AMBIENT_ANY,
        (_, true) => POP_MAJOR,
        (_, false) => POP_MINOR,
    }
}

/// A chord every `chord_change_bars` bars of 4/4, roots repeating a template drawn for the style.
pub fn build_harmony_plan(config: &SynthConfig, duration: f64, rng: &mut SynthRng) -> HarmonyPlan {
    let beats_per_bar = 4u32;
    let beats_total = duration / config.seconds_per_beat();
    let bars_total = ((beats_total / beats_per_bar as f64).ceil() as i64).max(1);
    let change = config.chord_change_bars.max(1) as i64;
    let n_chords = ((bars_total as f64 / change as f64).ceil() as usize).max(1);
    let style = resolve_style(config);
    let majorish = matches!(config.mode, Mode::Major | Mode::Mixolydian);
    let options = templates(style, majorish);
    let template = options[rng.random_range(0..options.len())];
    let chord_beats = (change * beats_per_bar as i64) as f64;
    let chords = (0..n_chords)
        .map(|i| ChordEvent {
            start_beat: i as f64 * chord_beats,
            duration_beats: chord_beats,
            root_degree: template[i % 4].rem_euclid(7),
        })
        .collect();
    HarmonyPlan { chords, beats_per_bar, style }
}

/// Chord tones as ascending scale degrees above the chord root (voicings).
pub fn chord_tones_ascending(ext: ChordExtensions, root: i32) -> Vec<i32> {
    let mut tones = vec![root, root + 2, root + 4];
    if matches!(ext, ChordExtensions::Sevenths | ChordExtensions::Lush) {
        tones.push(root + 6);
    }
    if ext == ChordExtensions::Lush {
        tones.push(root + 8);
    }
    tones
}

/// Chord tones as pitch classes 0..7, without repeats (at most five, kept on the stack: the
/// melody asks for them at every step).
pub fn chord_tone_classes(root: i32, ext: ChordExtensions) -> ToneClasses {
    let r = root.rem_euclid(7);
    let extra: &[i32] = match ext {
        ChordExtensions::Sevenths => &[6],
        ChordExtensions::Lush => &[6, 1],
        ChordExtensions::Triads => &[],
    };
    let mut out = ToneClasses { tones: [0; 5], len: 0 };
    for t in [0, 2, 4].iter().chain(extra).map(|step| (r + step) % 7) {
        if !out.as_slice().contains(&t) {
            out.tones[out.len] = t;
            out.len += 1;
        }
    }
    out
}

/// What [`chord_tone_classes`] finds.
#[derive(Clone, Copy, Debug)]
pub struct ToneClasses {
    tones: [i32; 5],
    len: usize,
}

impl ToneClasses {
    pub fn as_slice(&self) -> &[i32] {
        &self.tones[..self.len]
    }
}

/// x in 0..1 to tension 0..1.
pub fn tension_value(curve: TensionCurve, x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    match curve {
        TensionCurve::Ramp => x,
        TensionCurve::Waves => 0.5 - 0.5 * (2.0 * std::f64::consts::PI * 2.0 * x).cos(),
        TensionCurve::Arc => (std::f64::consts::PI * x).sin(),
    }
}

/// The procedural melody's knobs, clamped (`build_melody_policy` + `_resolve_melody_policy`).
#[derive(Clone, Debug, PartialEq)]
pub struct MelodyPolicy {
    pub phrase_len_bars: i32,
    pub density: f64,
    pub syncopation: f64,
    pub swing: f64,
    pub motif_repeat_prob: f64,
    pub step_bias: f64,
    pub chromatic_prob: f64,
    pub cadence_strength: f64,
    pub register_min_oct: i32,
    pub register_max_oct: i32,
    pub tension_curve: TensionCurve,
}

impl MelodyPolicy {
    pub fn from_config(c: &SynthConfig) -> MelodyPolicy {
        let u = |x: f64| x.clamp(0.0, 1.0);
        MelodyPolicy {
            phrase_len_bars: c.phrase_len_bars.clamp(1, 16),
            density: u(c.melody_density),
            syncopation: u(c.syncopation),
            swing: u(c.swing),
            motif_repeat_prob: u(c.motif_repeat_prob),
            step_bias: u(c.step_bias),
            chromatic_prob: u(c.chromatic_prob),
            cadence_strength: u(c.cadence_strength),
            register_min_oct: c.register_min_oct.min(c.register_max_oct),
            register_max_oct: c.register_min_oct.max(c.register_max_oct),
            tension_curve: c.tension_curve,
        }
    }
}

/// A melody note with its frequency resolved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoteEvent {
    pub start_sec: f64,
    pub dur_sec: f64,
    pub freq: f64,
    pub amp: f64,
    pub is_anchor: bool,
}

/// Draws an index with probability proportional to `weights` (uniform if none is positive).
pub fn weighted_index(rng: &mut SynthRng, weights: &[f64]) -> usize {
    let positive = weights.iter().any(|w| *w > 0.0);
    let total: f64 = if positive { weights.iter().sum() } else { weights.len() as f64 };
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        let w = if positive { *w } else { 1.0 };
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn grid_step_beats(density: f64) -> f64 {
    if density < 0.25 {
        1.0
    } else if density < 0.60 {
        0.5
    } else {
        0.25
    }
}

/// The pitches the procedural melody may play, in diatonic steps from its register's bottom
/// (`min..=max`), and the chord extensions it counts as chord tones.
#[derive(Clone, Copy)]
struct Register {
    min: i32,
    max: i32,
    ext: ChordExtensions,
}

/// Chord-tone pitches (diatonic steps from the register's bottom) within the register, with their
/// pitch classes: `(class, pitch)`, class by class, each from its lowest octave up.
fn chord_tone_pitches(root: i32, register: Register) -> impl Iterator<Item = (i32, i32)> {
    let Register { min, max, ext } = register;
    let ToneClasses { tones, len } = chord_tone_classes(root, ext);
    tones.into_iter().take(len).flat_map(move |tone| {
        (0..=(max / 7))
            .map(move |octave| (tone, tone + 7 * octave))
            .filter(move |(_, cand)| (min..=max).contains(cand))
    })
}

fn nearest_chord_tone_pitch(pitch: i32, root: i32, register: Register) -> i32 {
    let candidates = chord_tone_pitches(root, register);
    // Python's min() keeps the first of equals.
    let mut best: Option<i32> = None;
    for (_, c) in candidates {
        if best.is_none_or(|b| (c - pitch).abs() < (b - pitch).abs()) {
            best = Some(c);
        }
    }
    best.unwrap_or_else(|| pitch.clamp(register.min, register.max))
}

fn choose_anchor_pitch(
    rng: &mut SynthRng,
    prev: i32,
    root_degree: i32,
    register: Register,
    tension: f64,
    cadence_strength: f64,
) -> i32 {
    let Register { min, max, .. } = register;
    let root = root_degree.rem_euclid(7);
    let midpoint = 0.5 * (min + max) as f64;
    let desired = midpoint + (tension - 0.5) * 0.35 * (max - min) as f64;
    let mut items = Vec::new();
    let mut weights = Vec::new();
    for (tone, cand) in chord_tone_pitches(root_degree, register) {
        let weight = if tone == root {
            1.0 + 1.8 * cadence_strength
        } else if tone == (root + 2) % 7 {
            1.0
        } else if tone == (root + 4) % 7 {
            0.95
        } else if tone == (root + 6) % 7 {
            0.85
        } else {
            0.75
        };
        let d_prev = (cand - prev).abs() as f64;
        let d_reg = (cand as f64 - desired).abs();
        items.push(cand);
        weights.push(weight * (-d_prev / 2.6).exp() * (-d_reg / 4.0).exp());
    }
    if items.is_empty() {
        return prev.clamp(min, max);
    }
    items[weighted_index(rng, &weights)]
}

/// The procedural melody's notes for `duration` seconds (`_generate_procedural_melody_events`):
/// an anchor (a chord tone) for each bar, voice-led from the last, then each bar's notes on the
/// step grid. Every draw from `rng` is made in the reference's order.
pub fn procedural_melody_events(
    config: &SynthConfig,
    duration: f64,
    harmony: &HarmonyPlan,
    policy: &MelodyPolicy,
    rng: &mut SynthRng,
) -> Vec<NoteEvent> {
    let grid = MelodyGrid::new(config, duration, policy);
    let anchors = grid.anchors(harmony, rng);
    let mut line =
        Line { events: Vec::with_capacity(grid.total_bars * grid.steps_per_bar), motif: Vec::new() };
    for bar in 0..grid.total_bars {
        let bar = grid.bar(bar, &anchors, harmony, &line.motif, rng);
        grid.play_bar(&mut line, &bar, rng);
    }
    line.events
}

/// What every bar of a procedural melody shares: the piece's beat grid, the melody's register
/// and octave, and its policy.
struct MelodyGrid<'a> {
    config: &'a SynthConfig,
    policy: &'a MelodyPolicy,
    duration: f64,
    /// Seconds per beat.
    spb: f64,
    beats_per_bar: f64,
    total_bars: usize,
    base_oct: i32,
    register: Register,
    /// Beats from one step of the grid to the next, and the steps in a bar.
    step_beats: f64,
    steps_per_bar: usize,
    /// The timing jitter of a note that is not an anchor, where there is one.
    jitter_sd: Option<Normal<f64>>,
}

/// One bar of a procedural melody: its start, chord root, place in the phrase and anchors.
struct Bar {
    /// The beat it starts on.
    beat: f64,
    root: i32,
    tension: f64,
    /// Whether it ends its phrase (and the phrase is more than a bar).
    cadence: bool,
    /// Whether it starts its phrase.
    phrase_start: bool,
    anchor: i32,
    /// The next bar's anchor (this bar's for the last).
    next_anchor: i32,
    /// Whether it repeats the motif.
    use_motif: bool,
}

/// A step of a bar's grid that has not passed the end of the piece.
struct Step {
    index: usize,
    /// Beats into the bar.
    pos_beats: f64,
    /// Seconds into the piece, swing included.
    start_sec: f64,
    /// The motif's pitch (relative to the anchor) on this step, if it has one.
    motif: Option<i32>,
}

/// Where a bar's melody walks: the last pitch played, and whether a note off the chord waits
/// to resolve onto a chord tone.
struct Walk {
    current: i32,
    need_resolve: bool,
}

/// The melody so far: its notes, and the motif its first phrase made (up to five notes after
/// the anchor, each `(step, pitch − anchor)`).
struct Line {
    events: Vec<NoteEvent>,
    motif: Vec<(usize, i32)>,
}

impl MelodyGrid<'_> {
    fn new<'a>(config: &'a SynthConfig, duration: f64, policy: &'a MelodyPolicy) -> MelodyGrid<'a> {
        let beats_per_bar = 4.0;
        let spb = config.seconds_per_beat();
        let total_beats = (duration / spb).max(1.0);
        let oct_span = (policy.register_max_oct - policy.register_min_oct).max(0);
        let step_beats = grid_step_beats(policy.density);
        MelodyGrid {
            config,
            policy,
            duration,
            spb,
            beats_per_bar,
            total_bars: (total_beats / beats_per_bar).ceil() as usize,
            base_oct: policy.register_min_oct,
            register: Register { min: 0, max: oct_span * 7 + 6, ext: config.chord_extensions },
            step_beats,
            steps_per_bar: ((beats_per_bar / step_beats).round() as usize).clamp(1, 64),
            jitter_sd: Normal::new(0.0, (config.human * 0.006 * spb).max(0.0)).ok(),
        }
    }

    /// A bar's place in its phrase, its tension there, and whether it is the phrase's cadence.
    fn bar_position(&self, bar: usize) -> (i32, f64, bool) {
        let phrase_len = self.policy.phrase_len_bars;
        let pos = bar as i32 % phrase_len;
        let x = pos as f64 / (phrase_len - 1).max(1) as f64;
        let cadence = pos == phrase_len - 1 && phrase_len > 1;
        (pos, tension_value(self.policy.tension_curve, x), cadence)
    }

    /// One anchor (chord tone) per bar, voice-led from the last.
    fn anchors(&self, harmony: &HarmonyPlan, rng: &mut SynthRng) -> Vec<i32> {
        let Register { min, max, .. } = self.register;
        let mut anchors = Vec::with_capacity(self.total_bars);
        let mut prev = ((max - min) / 2).clamp(min, max);
        for bar in 0..self.total_bars {
            let root = harmony.root_at_beat(bar as f64 * self.beats_per_bar);
            let (_, mut tension, cadence) = self.bar_position(bar);
            if cadence {
                tension = 0.0;
            }
            let strength = if cadence { self.policy.cadence_strength } else { 0.10 };
            let anchor = choose_anchor_pitch(rng, prev, root, self.register, tension, strength);
            anchors.push(anchor);
            prev = anchor;
        }
        anchors
    }

    /// Bar `bar`, drawing whether it repeats the motif (a phrase's first bar, once there is one).
    fn bar(
        &self,
        bar: usize,
        anchors: &[i32],
        harmony: &HarmonyPlan,
        motif: &[(usize, i32)],
        rng: &mut SynthRng,
    ) -> Bar {
        let beat = bar as f64 * self.beats_per_bar;
        let (pos, tension, cadence) = self.bar_position(bar);
        let phrase_start = pos == 0;
        let anchor = anchors[bar];
        Bar {
            beat,
            root: harmony.root_at_beat(beat),
            tension,
            cadence,
            phrase_start,
            anchor,
            next_anchor: anchors.get(bar + 1).copied().unwrap_or(anchor),
            use_motif: !motif.is_empty()
                && phrase_start
                && rng.random::<f64>() < self.policy.motif_repeat_prob,
        }
    }

    /// A bar's notes, step by step, added to the line; the first phrase's first bar makes the
    /// motif.
    fn play_bar(&self, line: &mut Line, bar: &Bar, rng: &mut SynthRng) {
        let mut walk = Walk { current: bar.anchor, need_resolve: false };
        let mut bar_notes: Vec<(usize, i32)> = Vec::new();
        for index in 0..self.steps_per_bar {
            let pos_beats = index as f64 * self.step_beats;
            let mut start_sec = (bar.beat + pos_beats) * self.spb;
            if start_sec >= self.duration {
                break;
            }
            if self.step_beats == 0.5 && index % 2 == 1 {
                start_sec += self.policy.swing * 0.12 * self.spb;
            }
            let motif = line.motif.iter().find(|(s, _)| *s == index).map(|(_, off)| *off);
            let step = Step { index, pos_beats, start_sec, motif };
            let (play, is_anchor) = self.plays(bar, &step, line.events.last(), rng);
            if !play {
                continue;
            }
            let pitch = self.pitch(bar, &step, &mut walk, rng);
            line.events.push(self.note(bar, &step, pitch, is_anchor, rng));
            if bar.phrase_start && !bar.use_motif && line.motif.is_empty() && !is_anchor {
                bar_notes.push((index, pitch - bar.anchor));
            }
            walk.current = pitch;
        }
        if line.motif.is_empty() && bar.phrase_start && !bar_notes.is_empty() {
            bar_notes.truncate(5);
            line.motif = bar_notes;
        }
    }

    /// Whether a step plays, and whether it is the bar's anchor: the first step always (the
    /// anchor), a motif step when the bar repeats the motif, any other by a draw (denser with
    /// the density and the tension, syncopated, thinner in a cadence's second half and right
    /// after a note).
    fn plays(&self, bar: &Bar, step: &Step, last: Option<&NoteEvent>, rng: &mut SynthRng) -> (bool, bool) {
        let policy = self.policy;
        if step.index == 0 {
            return (true, true);
        }
        if bar.use_motif && step.motif.is_some() {
            return (true, false);
        }
        let pos_beats = step.pos_beats;
        let offbeat = (pos_beats - pos_beats.round()).abs() > 1e-6;
        let mut prob = 0.10 + 0.80 * policy.density + 0.20 * bar.tension;
        prob += if offbeat { 0.25 * policy.syncopation } else { -0.15 * policy.syncopation };
        if bar.cadence && pos_beats >= 2.0 {
            prob *= 0.35 + 0.40 * (1.0 - policy.cadence_strength);
        }
        if last.is_some_and(|e| e.start_sec > step.start_sec - 0.001) {
            prob *= 0.6;
        }
        (rng.random::<f64>() < prob.clamp(0.0, 1.0), false)
    }

    /// A playing step's pitch: the anchor on the first step, the motif's when the bar repeats
    /// it, otherwise a step (or a rest on the pitch, or a leap) toward the next anchor, pulled
    /// onto a chord tone now or on the next step.
    fn pitch(&self, bar: &Bar, step: &Step, walk: &mut Walk, rng: &mut SynthRng) -> i32 {
        let register = self.register;
        let (min_pitch, max_pitch) = (register.min, register.max);
        let (root, tension, current) = (bar.root, bar.tension, walk.current);
        if step.index == 0 {
            return bar.anchor;
        }
        if bar.use_motif {
            return (bar.anchor + step.motif.unwrap_or(0)).clamp(min_pitch, max_pitch);
        }
        let delta = bar.next_anchor - current;
        let direction = if delta == 0 { if rng.random::<bool>() { 1 } else { -1 } } else { delta.signum() };
        let mut pitch = if walk.need_resolve {
            walk.need_resolve = false;
            nearest_chord_tone_pitch(current, root, register)
        } else {
            let leap_prob = (1.0 - self.policy.step_bias) * (0.25 + 0.35 * tension);
            let mut step_size = 1;
            if rng.random::<f64>() < 0.06 + 0.10 * tension {
                step_size = 0;
            } else if delta.abs() >= 4 && rng.random::<f64>() < leap_prob {
                step_size = rng.random_range(2..=4);
            }
            (current + direction * step_size).clamp(min_pitch, max_pitch)
        };
        if !chord_tone_classes(root, register.ext).as_slice().contains(&pitch.rem_euclid(7)) {
            if rng.random::<f64>() < 0.55 - 0.45 * tension {
                pitch = nearest_chord_tone_pitch(pitch, root, register);
            } else {
                walk.need_resolve = true;
            }
        }
        pitch
    }

    /// The note a playing step makes: its length (anchors held longer), its timing jitter, its
    /// level, and its frequency (a chromatic approach to the next anchor, now and then).
    fn note(&self, bar: &Bar, step: &Step, pitch: i32, is_anchor: bool, rng: &mut SynthRng) -> NoteEvent {
        let (config, policy, spb, duration) = (self.config, self.policy, self.spb, self.duration);
        let (start_sec, tension, next_anchor) = (step.start_sec, bar.tension, bar.next_anchor);
        let mut dur_beats = self.step_beats * (0.70 + 0.25 * rng.random::<f64>());
        if is_anchor {
            dur_beats = dur_beats.max(1.0);
            if bar.cadence {
                dur_beats = dur_beats.max(1.6);
            }
        }
        let dur_sec = (dur_beats * spb).min((duration - start_sec).max(0.02));
        let mut jitter = 0.0;
        if config.human > 0.0
            && !is_anchor
            && let Some(normal) = self.jitter_sd
        {
            jitter = normal.sample(rng).clamp(-0.02 * spb, 0.02 * spb);
        }
        let start_j = (start_sec + jitter).clamp(0.0, (duration - 0.01).max(0.0));
        let mut amp = 0.12 + 0.05 * tension;
        if bar.cadence && step.pos_beats >= 2.0 {
            amp *= 0.85;
        }
        if is_anchor {
            amp *= 1.10;
        }
        let chromatic = policy.chromatic_prob > 0.0
            && !is_anchor
            && (next_anchor - pitch).abs() <= 2
            && rng.random::<f64>() < policy.chromatic_prob * (0.35 + 0.65 * tension);
        let freq = if chromatic {
            let sign = if next_anchor - pitch >= 0 { 1 } else { -1 };
            freq_from_note(config.root, semitone_from_degree(config.mode, next_anchor) - sign, self.base_oct)
        } else {
            scale_freq(config, pitch, self.base_oct)
        };
        NoteEvent { start_sec: start_j, dur_sec, freq, amp, is_anchor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn pitches_follow_the_reference_formula() {
        // C4 = 261.63 (NOTE_FREQS); A minor degree 2 at octave 5 = A5 · 2^(3/12).
        assert_eq!(freq_from_note(Root::C, 0, 4), 261.63);
        let a_minor = SynthConfig { root: Root::A, mode: Mode::Minor, ..Default::default() };
        assert!((scale_freq(&a_minor, 2, 5) - 880.0 * 2f64.powf(3.0 / 12.0)).abs() < 1e-9);
        // Degree 9 in major = 12 + 4 semitones; degree -1 in dorian = 10 - 12.
        assert_eq!(semitone_from_degree(Mode::Major, 9), 16);
        assert_eq!(semitone_from_degree(Mode::Dorian, -1), -2);
    }

    #[test]
    fn auto_harmony_resolves_as_the_reference() {
        let mut c = SynthConfig::default();
        // Default: drone bass -> cinematic.
        assert_eq!(resolve_style(&c), HarmonyStyle::Cinematic);
        c.rhythm = Rhythm::None;
        c.space = 0.7;
        assert_eq!(resolve_style(&c), HarmonyStyle::Ambient);
        c.space = 0.5;
        c.bass = Bass::Walking;
        c.melody = Melody::Ornamental;
        assert_eq!(resolve_style(&c), HarmonyStyle::Jazz);
        c.melody = Melody::Rising;
        assert_eq!(resolve_style(&c), HarmonyStyle::Pop);
    }

    #[test]
    fn a_plan_covers_the_render_with_one_template() {
        // 30 s at 110 BPM = 55 beats = 14 bars; a chord every 2 bars -> 7 chords of 8 beats.
        let c = SynthConfig { chord_change_bars: 2, harmony_style: HarmonyStyle::Pop, ..Default::default() };
        let mut rng = SynthRng::seed_from_u64(3);
        let plan = build_harmony_plan(&c, 30.0, &mut rng);
        assert_eq!(plan.chords.len(), 7);
        assert_eq!(plan.chords[6].start_beat, 48.0);
        let roots: Vec<i32> = plan.chords.iter().map(|c| c.root_degree).collect();
        assert!(POP_MINOR.iter().any(|t| (0..7).all(|i| roots[i] == t[i % 4])), "{roots:?}");
        assert_eq!(plan.root_at_beat(100.0), roots[6]);
    }

    #[test]
    fn chord_tones_with_extensions() {
        assert_eq!(chord_tones_ascending(ChordExtensions::Lush, 5), vec![5, 7, 9, 11, 13]);
        assert_eq!(chord_tone_classes(5, ChordExtensions::Lush).as_slice(), [5, 0, 2, 4, 6]);
        assert_eq!(chord_tone_classes(3, ChordExtensions::Triads).as_slice(), [3, 5, 0]);
    }

    #[test]
    fn weighted_index_follows_the_weights() {
        let mut rng = SynthRng::seed_from_u64(1);
        let mut counts = [0usize; 3];
        for _ in 0..30_000 {
            counts[weighted_index(&mut rng, &[1.0, 0.0, 3.0])] += 1;
        }
        assert_eq!(counts[1], 0);
        let share = counts[2] as f64 / 30_000.0;
        assert!((share - 0.75).abs() < 0.02, "{share}");
    }
}
