//! The six layer families of LatentScore's synth (`synth.py` Part 2), each style a function of
//! the render context and the one generator. Style aliases follow the reference's pattern tables
//! (e.g. bass "octave" plays "sustained", texture "glitch" plays "shimmer").

mod bass_pad;
mod melody;
mod rhythm;
mod texture_accent;

use super::config::{Accent, Bass, Grain, Melody, MelodyEngine, Pad, Rhythm, SynthConfig, Texture};
use super::harmony::{HarmonyPlan, MelodyPolicy};
use super::primitives::{Jitter, Osc, SAMPLE_RATE, Sample, SynthRng, Track, adsr, samples};

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
    fn silence(&self) -> Vec<Sample> {
        vec![0.0; samples(self.duration)]
    }

    /// A signal as long as the render, to add notes into.
    fn track(&self) -> Track {
        Track::new(samples(self.duration))
    }

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

/// An oscillator note, low-passed, then enveloped (`env`: attack, decay, sustain, release).
#[allow(clippy::too_many_arguments)]
fn note(osc: Osc, freq: f64, dur: f64, amp: f64, t: f64, cutoff: f64, env: [f64; 4]) -> Vec<Sample> {
    let mut n = osc.lowpassed(freq, dur, amp, t, cutoff);
    adsr(&mut n, env[0], env[1], env[2], env[3]);
    n
}

/// A note (or a chord) to render later, on any thread: where it starts and how long it lasts,
/// in seconds, and how to render it. `render` draws nothing from the generator: what a note needs
/// drawn (its humanize jitter) is drawn when the note is made.
struct Deferred<'a> {
    start: f64,
    dur: f64,
    render: Box<dyn Fn() -> Vec<Sample> + Send + Sync + 'a>,
}

impl<'a> Deferred<'a> {
    /// A note whose humanize jitter (`amount`) is drawn now, as the reference draws it when the
    /// note is made, and applied after `render` on whichever thread renders the note.
    fn jittered(
        start: f64,
        dur: f64,
        amount: f64,
        rng: &mut SynthRng,
        render: impl Fn() -> Vec<Sample> + Send + Sync + 'a,
    ) -> Deferred<'a> {
        let jitter = Jitter::draw(samples(dur), amount, rng);
        let render = move || {
            let mut n = render();
            jitter.apply(&mut n);
            n
        };
        Deferred { start, dur, render: Box::new(render) }
    }
}

/// The sample a note starting at `start_sec` starts on.
fn at(start_sec: f64) -> usize {
    (start_sec * SAMPLE_RATE as f64) as usize
}

/// The most samples of rendered notes [`mix_notes`] holds at once (one longer note alone): 512 KB,
/// which the allocator hands round again from group to group. (Groups of 16 MB made it map fresh
/// memory, which the system clears page by page, for most groups.)
const NOTE_GROUP_SAMPLES: usize = 1 << 17;

/// Renders independent notes on all cores and mixes them in order: the sum a one-by-one render
/// makes. Notes are taken from `notes` a group at a time, a group holding at most
/// [`NOTE_GROUP_SAMPLES`] samples of notes, so neither the rendered notes nor what making them
/// drew (a melody's jitter is drawn as `notes` yields each note) hold more memory than that and
/// the one note taken to see that it does not fit, however long the render.
fn mix_notes<'a>(ctx: &Ctx, notes: impl IntoIterator<Item = Deferred<'a>>) -> Vec<Sample> {
    use rayon::prelude::*;
    let mut signal = ctx.track();
    let mut notes = notes.into_iter().peekable();
    while notes.peek().is_some() {
        let mut group = Vec::new();
        let mut held = 0;
        while let Some(note) =
            notes.next_if(|n| group.is_empty() || held + samples(n.dur) <= NOTE_GROUP_SAMPLES)
        {
            held += samples(note.dur);
            group.push(note);
        }
        let rendered: Vec<(usize, Vec<Sample>)> =
            group.par_iter().map(|note| (at(note.start), (note.render)())).collect();
        for (start, n) in rendered {
            signal.add(&n, start);
        }
    }
    signal.finish()
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

/// Whether rendering `layer` draws from the random generator for this config. Layers that do
/// not can render on other threads without changing what the generator hands the rest.
pub fn draws_random(layer: Layer, config: &SynthConfig) -> bool {
    let human = config.human > 0.0;
    match layer {
        Layer::Bass => config.bass == Bass::Walking && human,
        Layer::Depth => false,
        Layer::Pad => match config.pad {
            Pad::WarmSlow => human,
            Pad::AmbientDrift => config.motion > 0.4,
            _ => false,
        },
        Layer::Melody => {
            let procedural =
                config.melody_engine == MelodyEngine::Procedural || config.melody == Melody::Procedural;
            procedural || (human && config.melody != Melody::ArpMelody)
        }
        Layer::Rhythm => match config.rhythm {
            Rhythm::None | Rhythm::Heartbeat | Rhythm::TablaEssence => false,
            Rhythm::HatsOnly | Rhythm::Electronic => true,
            _ => human,
        },
        Layer::Texture => matches!(
            config.texture,
            Texture::VinylCrackle
                | Texture::Breath
                | Texture::NoiseWash
                | Texture::PadWhisper
                | Texture::Stars
                | Texture::Crystal
        ),
        Layer::Accent => match config.accent {
            Accent::None => false,
            Accent::Chime | Accent::BlipRandom | Accent::Wind => true,
            _ => human,
        },
    }
}

/// Renders one layer (depth already scaled by 0.6).
pub fn render_layer(layer: Layer, ctx: &Ctx, rng: &mut SynthRng) -> Vec<Sample> {
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
        Layer::Depth => {
            let mut sub = bass_pad::bass_sub_pulse(ctx);
            sub.iter_mut().for_each(|v| *v *= 0.6);
            sub
        }
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
            Rhythm::None => ctx.silence(),
            Rhythm::Minimal | Rhythm::KitLight | Rhythm::Brush => rhythm::minimal(ctx, rng),
            Rhythm::Heartbeat | Rhythm::TablaEssence => rhythm::heartbeat(ctx),
            Rhythm::SoftFour | Rhythm::KitMedium | Rhythm::Military => rhythm::soft_four(ctx, rng),
            Rhythm::HatsOnly => rhythm::hats_only(ctx, rng),
            Rhythm::Electronic => rhythm::electronic(ctx, rng),
        },
        Layer::Texture => match c.texture {
            Texture::None => ctx.silence(),
            Texture::Shimmer | Texture::Glitch => texture_accent::shimmer(ctx),
            Texture::ShimmerSlow => texture_accent::shimmer_slow(ctx),
            Texture::VinylCrackle => texture_accent::vinyl_crackle(ctx, rng),
            Texture::Breath | Texture::NoiseWash | Texture::PadWhisper => texture_accent::breath(ctx, rng),
            Texture::Stars | Texture::Crystal => texture_accent::stars(ctx, rng),
        },
        Layer::Accent => match c.accent {
            Accent::None => ctx.silence(),
            Accent::Bells | Accent::BellsDense | Accent::Blip | Accent::BrassHit => {
                texture_accent::bells(ctx, rng)
            }
            Accent::Pluck | Accent::ArpAccent | Accent::PianoNote => texture_accent::pluck(ctx, rng),
            Accent::Chime | Accent::BlipRandom | Accent::Wind => texture_accent::chime(ctx, rng),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::harmony::build_harmony_plan;
    use rand::SeedableRng;

    #[test]
    fn notes_are_taken_in_order_in_bounded_groups_and_summed() {
        // 10 s of silence and three notes of half a group each (L = 65,536 samples): 1.0 from
        // 0 s, 2.0 from 1 s, 4.0 from 5 s. By hand: 1 before sample 44,100, 3 until the first
        // ends at L, 2 until 44,100 + L, 0 until 220,500, then 4 until 220,500 + L.
        let c = SynthConfig::default();
        let harmony = build_harmony_plan(&c, 10.0, &mut SynthRng::seed_from_u64(1));
        let policy = MelodyPolicy::from_config(&c);
        let ctx = Ctx { config: &c, duration: 10.0, harmony: &harmony, policy: &policy, t_offset: 0.0 };
        let l = NOTE_GROUP_SAMPLES / 2;
        assert_eq!(l, 65_536);
        let dur = l as f64 / SAMPLE_RATE as f64;
        // What happens, in order: the first two notes (a whole group) make one group; the third
        // is taken (to see that it does not fit) before the group renders, and renders alone.
        let log = std::sync::Mutex::new(Vec::new());
        let log = &log;
        let notes = [(0.0, 1.0), (1.0, 2.0), (5.0, 4.0)].into_iter().map(|(start, value)| {
            log.lock().unwrap().push(format!("take {value}"));
            let render = move || {
                log.lock().unwrap().push(format!("render {value}"));
                vec![value; samples(dur)]
            };
            Deferred { start, dur, render: Box::new(render) }
        });
        let signal = mix_notes(&ctx, notes);
        let mut log = log.lock().unwrap().clone();
        log[3..5].sort();
        assert_eq!(log, ["take 1", "take 2", "take 4", "render 1", "render 2", "render 4"]);
        assert_eq!(signal.len(), 441_000);
        for (i, want) in [
            (0, 1.0),
            (44_099, 1.0),
            (44_100, 3.0),
            (65_535, 3.0),
            (65_536, 2.0),
            (109_635, 2.0),
            (109_636, 0.0),
            (220_499, 0.0),
            (220_500, 4.0),
            (286_035, 4.0),
            (286_036, 0.0),
        ] {
            assert_eq!(signal[i], want, "sample {i}");
        }
    }
}
