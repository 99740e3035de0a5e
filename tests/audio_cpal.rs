//! The real cpal backend on ALSA, with no sound card: ALSA's `file` plugin in front of its `null`
//! device stands in for one (an `.asoundrc` in a private HOME), and records what the stream
//! played, which is compared with the clip. Alone in its binary: HOME must be set before ALSA
//! reads its configuration.

#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use benchtop::audio::engine::{Clip, CpalBackend, Player, Status};

#[test]
fn a_real_stream_plays_the_clip_resampled_with_the_volume() {
    let home = tempfile::tempdir().unwrap();
    let capture = home.path().join("played.raw");
    std::fs::write(
        home.path().join(".asoundrc"),
        format!(
            "pcm.!default {{ type file slave.pcm \"null\" file \"{}\" format \"raw\" }}\n",
            capture.display()
        ),
    )
    .unwrap();
    // SAFETY: set before any other thread of this test binary exists or reads the environment.
    unsafe { std::env::set_var("HOME", home.path()) };

    let mut player = Player::new(Box::new(CpalBackend));
    let deadline = Instant::now() + Duration::from_secs(10);
    while matches!(player.status(), Status::Opening) {
        assert!(Instant::now() < deadline, "the stream never opened");
        player.poll();
        std::thread::sleep(Duration::from_millis(10));
    }
    let Status::Ready(info) = player.status().clone() else {
        panic!("ALSA's null device did not open: {:?}", player.status());
    };
    // A 44.1 kHz ramp from 0.25 (so the first played frame is exactly non-zero, in any sample
    // format), played at half volume.
    let clip = Clip {
        samples: (0..44_100).map(|i| 0.25 + i as f32 / 88_200.0).collect::<Vec<_>>().into(),
        sample_rate: 44_100,
    };
    player.set_volume(0.5);
    player.load(clip);
    player.play();
    // The null device takes samples as fast as they come: the clip plays to its end at once,
    // and the player stops and rewinds.
    let deadline = Instant::now() + Duration::from_secs(10);
    while player.is_playing() {
        assert!(Instant::now() < deadline, "the clip never ended ({} blocks, {info:?})", player.blocks());
        std::thread::sleep(Duration::from_millis(5));
    }
    let channels = usize::from(info.channels);
    // What the file holds so far, first channel: each read takes only the bytes added since the
    // last one and decodes only the whole frames among them.
    let width = match info.sample_format.as_str() {
        "f32" | "i32" => 4,
        "i16" => 2,
        other => panic!("the test reads f32, i16 and i32 captures, not {other}"),
    };
    let frame_bytes = width * channels;
    let (mut pending, mut frames, mut file) = (Vec::new(), Vec::new(), None);
    // The first frame not silent, once one has arrived (looked for only among new frames).
    let mut clip_from: Option<usize> = None;
    let mut read_frames = || -> (usize, usize) {
        use std::io::Read;
        if file.is_none() {
            file = std::fs::File::open(&capture).ok();
        }
        if let Some(file) = file.as_mut() {
            file.read_to_end(&mut pending).expect("reading the capture file");
        }
        let whole = pending.len() / frame_bytes * frame_bytes;
        let seen = frames.len();
        frames.extend(pending[..whole].chunks_exact(frame_bytes).map(
            |f| match info.sample_format.as_str() {
                "f32" => f32::from_le_bytes(f[..4].try_into().unwrap()),
                "i16" => f32::from(i16::from_le_bytes(f[..2].try_into().unwrap())) / 32768.0,
                _ => i32::from_le_bytes(f[..4].try_into().unwrap()) as f32 / 2_147_483_648.0,
            },
        ));
        pending.drain(..whole);
        // Silence streams in until the clip arrives; if it never does, stop before the capture
        // grows without bound.
        assert!(frames.len() < 64 << 20, "64 M frames of capture and no clip yet ({info:?})");
        if clip_from.is_none() {
            clip_from = frames[seen..].iter().position(|v| *v != 0.0).map(|k| seen + k);
        }
        // Frames of the clip so far (from the first one not silent), and all frames.
        (clip_from.map_or(0, |first| frames.len() - first), frames.len())
    };
    // The file plugin writes behind the stream, through a buffer, after however much silence the
    // device played before the clip, and what is still in that buffer when the stream closes is
    // lost. So the stream stays open (playing silence, which pushes the clip through) until a
    // quarter second of the clip has arrived; closing it at once lost the clip now and then.
    let quarter = info.sample_rate as usize / 4;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (played, total) = read_frames();
        if played >= quarter {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {played} frames of the clip reached the capture file ({total} frames in it; {info:?})"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(player);
    // Silence until play, then the ramp: frame k of the playback reads the clip at
    // x = k · 44100 / rate, linearly interpolated: 0.5 · (0.25 + x / 88200).
    let first = clip_from.expect("nothing was played");
    let step = 44_100.0 / f64::from(info.sample_rate);
    let checked = quarter;
    // f32 and i32 carry the value to ~1e-7; i16 to its quantization step. Nearest-sample
    // (not linear) resampling would be off by up to 0.5 · step / 88200 ≈ 5e-6 here.
    let tolerance = if info.sample_format == "i16" { 2.0 / 32768.0 } else { 1e-6 };
    for k in 0..checked {
        let want = 0.5 * (0.25 + k as f64 * step / 88_200.0);
        let got = f64::from(frames[first + k]);
        assert!((got - want).abs() < tolerance, "frame {k}: {got} vs {want} ({info:?})");
    }
}
