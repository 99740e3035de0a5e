//! The six layer families of LatentScore's synth (`synth.py` Part 2), each style a function of
//! the render context and the one generator. Style aliases follow the reference's pattern tables
//! (e.g. bass "octave" plays "sustained", texture "glitch" plays "shimmer").

mod bass_pad;
mod melody;
mod rhythm;
mod texture_accent;

use super::config::{Accent, Bass, Grain, Melody, MelodyEngine, Pad, Rhythm, SynthConfig, Texture};
use super::harmony::{HarmonyPlan, MelodyPolicy};
use super::primitives::{Jitter, Osc, SAMPLE_RATE, Sample, SynthRng, adsr};
use super::score::{Effect, Score};

/// What every layer reads.
pub struct Ctx<'a> {
    pub config: &'a SynthConfig,
    pub duration: f64,
    pub harmony: &'a HarmonyPlan,
    pub policy: &'a MelodyPolicy,
    /// Seconds into the piece this buffer starts (phase continuity across chunks).
    pub t_offset: f64,
}

impl Ctx<'_> {
    fn attack(&self) -> f64 {
        self.config.attack.multiplier()
    }

    /// `config.echo / 0.5`.
    fn echo(&self) -> f64 {
        self.config.echo / 0.5
    }

    fn b(&self) -> f64 {
        self.config.brightness
    }

    fn space(&self) -> f64 {
        self.config.space
    }

    /// The oscillator the grain picks (clean = sine, warm = triangle, gritty = sawtooth).
    fn osc(&self) -> Osc {
        match self.config.grain {
            Grain::Clean => Osc::Sine,
            Grain::Warm => Osc::Triangle,
            Grain::Gritty => Osc::Sawtooth,
        }
    }
}

/// How an oscillator note sounds: its oscillator, low-passed at `cutoff` Hz, then enveloped
/// (`env`: attack, decay, sustain, release).
#[derive(Clone, Copy)]
struct Voice {
    osc: Osc,
    cutoff: f64,
    env: [f64; 4],
}

impl Voice {
    /// The note at `freq` for `dur` seconds at amplitude `amp`, its phase from `t` seconds into
    /// the piece.
    fn note(&self, freq: f64, dur: f64, amp: f64, t: f64) -> Vec<Sample> {
        let (osc, cutoff, env) = (self.osc, self.cutoff, self.env);
        let mut n = osc.lowpassed(freq, dur, amp, t, cutoff);
        adsr(&mut n, env[0], env[1], env[2], env[3]);
        n
    }
}

/// A note whose humanize jitter (`amount`) is drawn now, as the reference draws it when the note
/// is made, and applied after `render` on whichever thread renders the note.
fn jittered<R: FnOnce() -> Vec<Sample> + Send>(
    amount: f64,
    rng: &mut SynthRng,
    render: R,
) -> impl FnOnce() -> Vec<Sample> + Send + use<R> {
    let jitter = Jitter::draw(amount, rng);
    move || {
        let mut n = render();
        jitter.apply(&mut n);
        n
    }
}

/// The sample a note starting at `start_sec` starts on.
fn at(start_sec: f64) -> usize {
    (start_sec * SAMPLE_RATE as f64) as usize
}

/// The layers in the order the reference adds (and draws random numbers for) them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    Bass,
    /// The sub-bass pulse `depth` adds (× 0.6).
    Depth,
    Pad,
    Melody,
    Rhythm,
    Texture,
    Accent,
}

impl Layer {
    pub const ALL: [Layer; 7] =
        [Layer::Bass, Layer::Depth, Layer::Pad, Layer::Melody, Layer::Rhythm, Layer::Texture, Layer::Accent];

    pub fn name(self) -> &'static str {
        match self {
            Self::Bass => "bass",
            Self::Depth => "depth",
            Self::Pad => "pad",
            Self::Melody => "melody",
            Self::Rhythm => "rhythm",
            Self::Texture => "texture",
            Self::Accent => "accent",
        }
    }
}

/// The layers a config plays, in order: density 2 bass + pad, 3 + melody, 4 + rhythm,
/// 5 + texture, 6 + accent; depth adds the sub pulse; "none" styles are skipped.
pub fn active_layers(config: &SynthConfig) -> Vec<Layer> {
    let d = config.density;
    let mut out = vec![Layer::Bass];
    if config.depth {
        out.push(Layer::Depth);
    }
    out.push(Layer::Pad);
    if d >= 3 {
        out.push(Layer::Melody);
    }
    if d >= 4 && config.rhythm != Rhythm::None {
        out.push(Layer::Rhythm);
    }
    if d >= 5 && config.texture != Texture::None {
        out.push(Layer::Texture);
    }
    if d >= 6 && config.accent != Accent::None {
        out.push(Layer::Accent);
    }
    out
}

/// One layer's score (depth's sub pulse at a gain of 0.6), its draws from the generator made
/// now, in the reference's order.
pub fn score<'a>(layer: Layer, ctx: &'a Ctx, rng: &mut SynthRng) -> Score<'a> {
    let c = ctx.config;
    match layer {
        Layer::Bass => match c.bass {
            Bass::Drone => bass_pad::bass_drone(ctx),
            Bass::Sustained | Bass::Octave => bass_pad::bass_sustained(ctx),
            Bass::Pulsing | Bass::ArpBass => bass_pad::bass_pulsing(ctx),
            Bass::Walking => bass_pad::bass_walking(ctx, rng),
            Bass::FifthDrone => bass_pad::bass_fifth_drone(ctx),
            Bass::SubPulse => bass_pad::bass_sub_pulse(ctx),
        },
        Layer::Depth => bass_pad::bass_sub_pulse(ctx).then(Effect::Gain(0.6)),
        Layer::Pad => match c.pad {
            Pad::WarmSlow => bass_pad::pad_warm_slow(ctx, rng),
            Pad::DarkSustained => bass_pad::pad_dark_sustained(ctx),
            Pad::Cinematic => bass_pad::pad_cinematic(ctx),
            Pad::ThinHigh | Pad::BrightOpen => bass_pad::pad_thin_high(ctx),
            Pad::AmbientDrift => bass_pad::pad_ambient_drift(ctx, rng),
            Pad::StackedFifths => bass_pad::pad_stacked_fifths(ctx),
        },
        Layer::Melody => match (c.melody_engine, c.melody) {
            (MelodyEngine::Procedural, _) | (_, Melody::Procedural) => melody::procedural(ctx, rng),
            (_, Melody::Contemplative | Melody::ContemplativeMinor | Melody::CallResponse) => {
                melody::pattern(ctx, &melody::CONTEMPLATIVE, rng)
            }
            (_, Melody::Rising | Melody::Heroic) => melody::pattern(ctx, &melody::RISING, rng),
            (_, Melody::Falling) => melody::pattern(ctx, &melody::FALLING, rng),
            (_, Melody::Minimal) => melody::pattern(ctx, &melody::MINIMAL, rng),
            (_, Melody::Ornamental) => melody::ornamental(ctx, rng),
            (_, Melody::ArpMelody) => melody::arp(ctx),
        },
        Layer::Rhythm => match c.rhythm {
            Rhythm::None => Score::new(),
            Rhythm::Minimal | Rhythm::KitLight | Rhythm::Brush => rhythm::minimal(ctx, rng),
            Rhythm::Heartbeat | Rhythm::TablaEssence => rhythm::heartbeat(ctx),
            Rhythm::SoftFour | Rhythm::KitMedium | Rhythm::Military => rhythm::soft_four(ctx, rng),
            Rhythm::HatsOnly => rhythm::hats_only(ctx, rng),
            Rhythm::Electronic => rhythm::electronic(ctx, rng),
        },
        Layer::Texture => match c.texture {
            Texture::None => Score::new(),
            Texture::Shimmer | Texture::Glitch => texture_accent::shimmer(ctx),
            Texture::ShimmerSlow => texture_accent::shimmer_slow(ctx),
            Texture::VinylCrackle => texture_accent::vinyl_crackle(ctx, rng),
            Texture::Breath | Texture::NoiseWash | Texture::PadWhisper => texture_accent::breath(ctx, rng),
            Texture::Stars | Texture::Crystal => texture_accent::stars(ctx, rng),
        },
        Layer::Accent => match c.accent {
            Accent::None => Score::new(),
            Accent::Bells | Accent::BellsDense | Accent::Blip | Accent::BrassHit => {
                texture_accent::bells(ctx, rng)
            }
            Accent::Pluck | Accent::ArpAccent | Accent::PianoNote => texture_accent::pluck(ctx, rng),
            Accent::Chime | Accent::BlipRandom | Accent::Wind => texture_accent::chime(ctx, rng),
        },
    }
}
