//! Playback of finished renders through the sound card.
//!
//! The audio callback runs a [`Renderer`]: it takes commands from a wait-free queue (rtrb), reads
//! the loaded clip (resampled linearly to the device's rate), and publishes position, state and
//! level through atomics. It never allocates, frees or locks: a replaced clip is handed back
//! through a second queue and dropped by the [`Player`] on the UI side.
//!
//! The [`Player`] is what panels hold. Streams are opened by a [`Backend`] on a device thread of
//! their own (so a slow or hanging driver never stalls the UI); cpal's is [`CpalBackend`], and
//! [`MockBackend`] lets tests pull samples by hand. When the device goes away the player builds a
//! new stream and carries the clip, position and play state over; with no device it says why,
//! and rendering and export go on without it.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A finished mono render ready to play.
#[derive(Clone, Debug)]
pub struct Clip {
    pub samples: Arc<[f32]>,
    pub sample_rate: u32,
}

impl Clip {
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate as f64
    }
}

enum Command {
    Load(Clip),
    Play,
    Pause,
    Stop,
    /// Jump to a frame of the clip.
    Seek(u64),
}

/// What the callback shares with everyone else: atomics only.
#[derive(Debug, Default)]
pub struct Shared {
    /// Playhead, in frames of the clip.
    position: AtomicU64,
    playing: AtomicBool,
    looping: AtomicBool,
    /// f32 bits.
    volume: AtomicU32,
    /// Peak of the last block the callback wrote (f32 bits).
    level: AtomicU32,
    /// Set by a stream's error callback when its device is gone.
    device_lost: AtomicBool,
    /// Blocks written, to tell a running stream from a stalled one.
    blocks: AtomicU64,
}

impl Shared {
    fn new() -> Arc<Shared> {
        let shared = Shared::default();
        shared.volume.store(0.8f32.to_bits(), Ordering::Relaxed);
        Arc::new(shared)
    }

    /// For a stream's error callback: the device went away.
    pub fn mark_device_lost(&self) {
        self.device_lost.store(true, Ordering::Relaxed);
    }
}

/// The audio callback's side: everything it touches, without locks or allocation.
pub struct Renderer {
    commands: rtrb::Consumer<Command>,
    retired: rtrb::Producer<Arc<[f32]>>,
    shared: Arc<Shared>,
    clip: Option<Clip>,
    device_rate: f64,
    /// Fractional playhead in clip frames.
    pos: f64,
    playing: bool,
    block_peak: f32,
}

impl Renderer {
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The device's sample rate (set by the backend before the stream starts).
    pub fn set_device_rate(&mut self, rate: u32) {
        self.device_rate = f64::from(rate.max(1));
    }

    /// Applies queued commands; call at the start of every block.
    pub fn begin_block(&mut self) {
        while let Ok(command) = self.commands.pop() {
            match command {
                Command::Load(clip) => {
                    if let Some(old) = self.clip.replace(clip) {
                        // Dropped on the UI side; the queue is sized so it never fills.
                        let _ = self.retired.push(old.samples);
                    }
                    self.pos = self.pos.min(self.len());
                }
                Command::Play => self.playing = self.clip.is_some(),
                Command::Pause => self.playing = false,
                Command::Stop => {
                    self.playing = false;
                    self.pos = 0.0;
                }
                Command::Seek(frame) => self.pos = (frame as f64).min(self.len()),
            }
        }
        self.block_peak = 0.0;
    }

    fn len(&self) -> f64 {
        self.clip.as_ref().map_or(0.0, |c| c.samples.len() as f64)
    }

    /// The next output sample (mono), advancing the playhead.
    pub fn next_sample(&mut self) -> f32 {
        let Some(clip) = &self.clip else { return 0.0 };
        if !self.playing {
            return 0.0;
        }
        let samples = &clip.samples;
        let len = samples.len();
        if self.pos >= len as f64 {
            if self.shared.looping.load(Ordering::Relaxed) && len > 0 {
                // A remainder, not a subtraction: a clip shorter than one step wraps too.
                self.pos %= len as f64;
            } else {
                self.playing = false;
                self.pos = 0.0;
                return 0.0;
            }
        }
        let i = self.pos as usize;
        let frac = (self.pos - i as f64) as f32;
        let a = samples[i];
        let b = if i + 1 < len { samples[i + 1] } else { a };
        self.pos += f64::from(clip.sample_rate) / self.device_rate;
        let v = (a + (b - a) * frac) * f32::from_bits(self.shared.volume.load(Ordering::Relaxed));
        self.block_peak = self.block_peak.max(v.abs());
        v
    }

    /// Publishes position, state and level; call at the end of every block.
    pub fn end_block(&mut self) {
        let s = &self.shared;
        s.position.store(self.pos as u64, Ordering::Relaxed);
        s.playing.store(self.playing, Ordering::Relaxed);
        s.level.store(self.block_peak.to_bits(), Ordering::Relaxed);
        s.blocks.fetch_add(1, Ordering::Relaxed);
    }

    /// Fills an interleaved buffer of the device's sample type (every channel gets the mono
    /// sample): one block.
    pub fn fill<T: cpal::Sample + cpal::FromSample<f32>>(&mut self, out: &mut [T], channels: usize) {
        self.begin_block();
        for frame in out.chunks_mut(channels.max(1)) {
            let v = T::from_sample(self.next_sample());
            frame.fill(v);
        }
        self.end_block();
    }
}

pub use super::device::DeviceInfo;

/// Opens output streams. A stream plays until the returned handle is dropped.
pub trait Backend: Send {
    fn open(&mut self, renderer: Renderer) -> Result<(Box<dyn std::any::Any>, DeviceInfo), String>;
}

/// Where playback stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Opening,
    Ready(DeviceInfo),
    /// No usable output, and why (rendering and export still work).
    NoDevice(String),
}

enum ToDevice {
    Open(Renderer),
}

enum FromDevice {
    Opened(Result<DeviceInfo, String>),
    Lost(String),
}

/// Clips the retired queue holds before the UI drops them (loads between two UI frames).
const RETIRED: usize = 64;
/// Commands queued between two audio blocks.
const COMMANDS: usize = 256;

fn renderer_pair(shared: &Arc<Shared>) -> (rtrb::Producer<Command>, rtrb::Consumer<Arc<[f32]>>, Renderer) {
    let (commands_in, commands) = rtrb::RingBuffer::new(COMMANDS);
    let (retired, retired_out) = rtrb::RingBuffer::new(RETIRED);
    let renderer = Renderer {
        commands,
        retired,
        shared: shared.clone(),
        clip: None,
        device_rate: 44_100.0,
        pos: 0.0,
        playing: false,
        block_peak: 0.0,
    };
    (commands_in, retired_out, renderer)
}

/// The device thread: opens streams, keeps the live one, watches for its device going away.
fn device_thread(
    mut backend: Box<dyn Backend>,
    requests: Receiver<ToDevice>,
    replies: Sender<FromDevice>,
    shared: Arc<Shared>,
) {
    let mut stream: Option<Box<dyn std::any::Any>> = None;
    loop {
        match requests.recv_timeout(Duration::from_millis(250)) {
            Ok(ToDevice::Open(renderer)) => {
                stream = None;
                shared.device_lost.store(false, Ordering::Relaxed);
                let result = match backend.open(renderer) {
                    Ok((s, info)) => {
                        stream = Some(s);
                        Ok(info)
                    }
                    Err(why) => Err(why),
                };
                if replies.send(FromDevice::Opened(result)).is_err() {
                    return;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if stream.is_some() && shared.device_lost.swap(false, Ordering::Relaxed) {
                    stream = None;
                    if replies.send(FromDevice::Lost("the output device went away".into())).is_err() {
                        return;
                    }
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Playback as the panels see it.
pub struct Player {
    shared: Arc<Shared>,
    commands: rtrb::Producer<Command>,
    retired: rtrb::Consumer<Arc<[f32]>>,
    to_device: Sender<ToDevice>,
    from_device: Receiver<FromDevice>,
    status: Status,
    clip: Option<Clip>,
    /// Reopen attempts left after a device loss.
    reopen_budget: u32,
}

impl Player {
    /// Starts the device thread and opens a stream on `backend` (asynchronously: see [`Player::status`]).
    pub fn new(backend: Box<dyn Backend>) -> Player {
        let shared = Shared::new();
        let (to_device, requests) = channel();
        let (replies, from_device) = channel();
        let thread_shared = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("benchtop-audio-device".into())
            .spawn(move || device_thread(backend, requests, replies, thread_shared));
        let (commands, retired, renderer) = renderer_pair(&shared);
        let mut player = Player {
            shared,
            commands,
            retired,
            to_device,
            from_device,
            status: Status::Opening,
            clip: None,
            reopen_budget: 3,
        };
        match spawned {
            Ok(_) => {
                let _ = player.to_device.send(ToDevice::Open(renderer));
            }
            Err(err) => player.status = Status::NoDevice(format!("cannot start the audio thread: {err}")),
        }
        player
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Applies what the device thread reported and drops retired clips; call once a frame.
    /// Returns true when the status changed.
    pub fn poll(&mut self) -> bool {
        while self.retired.pop().is_ok() {}
        let mut changed = false;
        while let Ok(reply) = self.from_device.try_recv() {
            changed = true;
            match reply {
                FromDevice::Opened(Ok(info)) => {
                    self.status = Status::Ready(info);
                    self.reopen_budget = 3;
                }
                FromDevice::Opened(Err(why)) => {
                    self.status = Status::NoDevice(why);
                }
                FromDevice::Lost(why) => {
                    tracing::warn!("audio: {why}; opening the default output again");
                    self.status = Status::NoDevice(why);
                    if self.reopen_budget > 0 {
                        self.reopen_budget -= 1;
                        self.reopen();
                    }
                }
            }
        }
        changed
    }

    /// Opens a fresh stream on the current default device, carrying over clip, position and
    /// play state (after a device loss, or when the user asks to retry).
    pub fn reopen(&mut self) {
        let position = self.position_frames();
        let was_playing = self.is_playing();
        let (commands, retired, renderer) = renderer_pair(&self.shared);
        self.commands = commands;
        self.retired = retired;
        // The new stream reads this queue: commands go in again.
        self.status = Status::Opening;
        if let Some(clip) = self.clip.clone() {
            self.send(Command::Load(clip));
            self.send(Command::Seek(position));
            if was_playing {
                self.send(Command::Play);
            }
        }
        let _ = self.to_device.send(ToDevice::Open(renderer));
    }

    fn send(&mut self, command: Command) {
        // With no device nothing reads the queue; `reopen` replays clip, position and state.
        if matches!(self.status, Status::NoDevice(_)) {
            return;
        }
        if self.commands.push(command).is_err() {
            tracing::warn!("audio: the command queue is full; a command was dropped");
        }
    }

    /// Loads a clip, keeping the playhead where it is (clamped) and the play state: switching
    /// between two renders of the same length continues at the same moment (A/B listening).
    pub fn load(&mut self, clip: Clip) {
        let len = clip.samples.len() as u64;
        self.clip = Some(clip.clone());
        self.send(Command::Load(clip));
        let position = self.position_frames().min(len);
        self.shared.position.store(position, Ordering::Relaxed);
    }

    pub fn clip(&self) -> Option<&Clip> {
        self.clip.as_ref()
    }

    pub fn play(&mut self) {
        if self.clip.is_some() {
            self.send(Command::Play);
            self.shared.playing.store(true, Ordering::Relaxed);
        }
    }

    pub fn pause(&mut self) {
        self.send(Command::Pause);
        self.shared.playing.store(false, Ordering::Relaxed);
    }

    pub fn toggle(&mut self) {
        if self.is_playing() { self.pause() } else { self.play() }
    }

    pub fn stop(&mut self) {
        self.send(Command::Stop);
        self.shared.playing.store(false, Ordering::Relaxed);
        self.shared.position.store(0, Ordering::Relaxed);
    }

    /// Moves the playhead to `seconds` into the clip.
    pub fn seek(&mut self, seconds: f64) {
        let Some(clip) = &self.clip else { return };
        let frame = (seconds.max(0.0) * f64::from(clip.sample_rate)) as u64;
        let frame = frame.min(clip.samples.len() as u64);
        self.send(Command::Seek(frame));
        self.shared.position.store(frame, Ordering::Relaxed);
    }

    pub fn set_looping(&mut self, looping: bool) {
        self.shared.looping.store(looping, Ordering::Relaxed);
    }

    /// Output gain, 0..=1.
    pub fn set_volume(&mut self, volume: f32) {
        self.shared.volume.store(volume.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    pub fn volume(&self) -> f32 {
        f32::from_bits(self.shared.volume.load(Ordering::Relaxed))
    }

    pub fn is_playing(&self) -> bool {
        self.shared.playing.load(Ordering::Relaxed)
    }

    fn position_frames(&self) -> u64 {
        self.shared.position.load(Ordering::Relaxed)
    }

    /// The playhead in seconds.
    pub fn position(&self) -> f64 {
        match &self.clip {
            Some(clip) => self.position_frames() as f64 / f64::from(clip.sample_rate),
            None => 0.0,
        }
    }

    /// Peak of the most recent block of output (after the volume), 0..=1.
    pub fn level(&self) -> f32 {
        f32::from_bits(self.shared.level.load(Ordering::Relaxed))
    }

    /// Blocks the audio callback has written.
    pub fn blocks(&self) -> u64 {
        self.shared.blocks.load(Ordering::Relaxed)
    }
}

/// The sound card, through cpal's default host and its default output device.
pub struct CpalBackend;

impl Backend for CpalBackend {
    fn open(&mut self, mut renderer: Renderer) -> Result<(Box<dyn std::any::Any>, DeviceInfo), String> {
        use cpal::traits::StreamTrait;
        let (device, supported, info) = super::device::default_output(&cpal::default_host())?;
        let name = info.name.clone();
        let config: cpal::StreamConfig = supported.config();
        renderer.set_device_rate(config.sample_rate);
        let shared = renderer.shared().clone();
        let on_error = move |err: cpal::Error| match err.kind() {
            cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::DeviceChanged => shared.mark_device_lost(),
            _ => tracing::warn!("audio stream: {err}"),
        };
        let stream = match supported.sample_format() {
            cpal::SampleFormat::F32 => build::<f32>(&device, config, renderer, on_error),
            cpal::SampleFormat::F64 => build::<f64>(&device, config, renderer, on_error),
            cpal::SampleFormat::I16 => build::<i16>(&device, config, renderer, on_error),
            cpal::SampleFormat::I32 => build::<i32>(&device, config, renderer, on_error),
            cpal::SampleFormat::U16 => build::<u16>(&device, config, renderer, on_error),
            cpal::SampleFormat::U8 => build::<u8>(&device, config, renderer, on_error),
            cpal::SampleFormat::I8 => build::<i8>(&device, config, renderer, on_error),
            other => {
                return Err(format!(
                    "the output device \"{name}\" wants {other} samples, which benchtop does not write"
                ));
            }
        }
        .map_err(|e| format!("cannot open a stream on \"{name}\": {e}"))?;
        stream.play().map_err(|e| format!("cannot start the stream on \"{name}\": {e}"))?;
        Ok((Box::new(stream), info))
    }
}

fn build<T: cpal::SizedSample + cpal::FromSample<f32>>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut renderer: Renderer,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error> {
    use cpal::traits::DeviceTrait;
    let channels = usize::from(config.channels.max(1));
    device.build_output_stream(
        config,
        move |out: &mut [T], _: &cpal::OutputCallbackInfo| renderer.fill(out, channels),
        on_error,
        None,
    )
}

/// A backend for tests: no sound card; the test pulls blocks of samples itself, and can make the
/// device fail to open or go away.
#[derive(Clone, Default)]
pub struct MockBackend {
    inner: Arc<Mutex<MockState>>,
}

#[derive(Default)]
struct MockState {
    renderer: Option<Renderer>,
    /// While set, opening fails with this reason.
    refuse: Option<String>,
    opened: u32,
}

impl MockBackend {
    pub const RATE: u32 = 48_000;

    /// Pulls `frames` stereo frames from the live stream, as the audio callback would; `None`
    /// when no stream is open.
    pub fn pull(&self, frames: usize) -> Option<Vec<f32>> {
        let mut out = vec![0.0; frames * 2];
        self.pull_into(&mut out).then_some(out)
    }

    /// Fills an interleaved stereo buffer from the live stream, as the audio callback would;
    /// false when no stream is open.
    pub fn pull_into(&self, out: &mut [f32]) -> bool {
        let mut state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match state.renderer.as_mut() {
            Some(renderer) => {
                renderer.fill(out, 2);
                true
            }
            None => false,
        }
    }

    /// Makes the next opens fail (None: succeed again).
    pub fn refuse(&self, why: Option<&str>) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).refuse = why.map(str::to_owned);
    }

    /// Simulates the device going away: the stream's error callback fires.
    pub fn lose_device(&self) {
        let mut state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = state.renderer.take() {
            r.shared.mark_device_lost();
        }
    }

    /// Streams opened so far.
    pub fn opened(&self) -> u32 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).opened
    }
}

impl Backend for MockBackend {
    fn open(&mut self, mut renderer: Renderer) -> Result<(Box<dyn std::any::Any>, DeviceInfo), String> {
        let mut state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(why) = &state.refuse {
            return Err(why.clone());
        }
        renderer.set_device_rate(Self::RATE);
        state.renderer = Some(renderer);
        state.opened += 1;
        Ok((
            Box::new(()),
            DeviceInfo {
                name: "mock output".into(),
                sample_rate: Self::RATE,
                channels: 2,
                sample_format: "f32".into(),
            },
        ))
    }
}
