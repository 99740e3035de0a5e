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
    // A 44.1 kHz ramp, played at half volume.
    let clip = Clip {
        samples: (0..44_100).map(|i| i as f32 / 44_100.0).collect::<Vec<_>>().into(),
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
    drop(player);
    std::thread::sleep(Duration::from_millis(200));

    let bytes = std::fs::read(&capture).unwrap();
    let channels = usize::from(info.channels);
    let frames: Vec<f32> = match info.sample_format.as_str() {
        "f32" => {
            bytes.chunks_exact(4 * channels).map(|f| f32::from_le_bytes(f[..4].try_into().unwrap())).collect()
        }
        "i16" => bytes
            .chunks_exact(2 * channels)
            .map(|f| f32::from(i16::from_le_bytes(f[..2].try_into().unwrap())) / 32768.0)
            .collect(),
        "i32" => bytes
            .chunks_exact(4 * channels)
            .map(|f| i32::from_le_bytes(f[..4].try_into().unwrap()) as f32 / 2_147_483_648.0)
            .collect(),
        other => panic!("the test reads f32, i16 and i32 captures, not {other}"),
    };
    // Silence until play, then the ramp: frame k of the playback reads the clip at
    // k · 44100 / rate, linearly interpolated, times 0.5.
    let first = frames.iter().position(|v| *v != 0.0).expect("nothing was played") - 1;
    let step = 44_100.0 / f64::from(info.sample_rate);
    let checked = (info.sample_rate as usize / 4).min(frames.len() - first);
    assert!(checked > 1000, "only {checked} frames were played");
    for k in 0..checked {
        let want = 0.5 * (k as f64 * step) / 44_100.0;
        let got = f64::from(frames[first + k]);
        assert!((got - want).abs() < 1e-4, "frame {k}: {got} vs {want} ({info:?})");
    }
}
