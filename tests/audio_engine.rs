//! The playback engine, driven through the mock backend: what the callback writes (resampling,
//! volume, play/pause/stop/seek/loop), that it allocates and frees nothing, and what happens
//! when the device goes away or was never there.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use benchtop::audio::engine::{Clip, MockBackend, Player, Status};

/// Counts allocations and frees made on the current thread while `COUNTING` is set.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static EVENTS: Cell<usize> = const { Cell::new(0) };
}

fn note_event() {
    // `try_with`: the thread-locals may be gone while a thread shuts down.
    let _ = COUNTING.try_with(|c| {
        if c.get() {
            let _ = EVENTS.try_with(|e| e.set(e.get() + 1));
        }
    });
}

// SAFETY: every call goes to the system allocator unchanged; counting touches only a thread-local.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_event();
        // SAFETY: the caller's layout, handed on as it came.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_event();
        // SAFETY: `ptr` came from `System.alloc` with this layout (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_event();
        // SAFETY: as for dealloc; the new size is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations and frees made by `f` on this thread.
fn heap_events(f: impl FnOnce()) -> usize {
    EVENTS.with(|e| e.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    EVENTS.with(|e| e.get())
}

fn wait_until(what: &str, player: &mut Player, mut done: impl FnMut(&Player) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        player.poll();
        if done(player) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}; status {:?}", player.status());
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn ready_player() -> (Player, MockBackend) {
    let mock = MockBackend::default();
    let mut player = Player::new(Box::new(mock.clone()));
    wait_until("the mock device", &mut player, |p| matches!(p.status(), Status::Ready(_)));
    (player, mock)
}

/// A 44.1 kHz clip whose sample i is i / 1000.
fn ramp(len: usize) -> Clip {
    Clip { samples: (0..len).map(|i| i as f32 / 1000.0).collect::<Vec<_>>().into(), sample_rate: 44_100 }
}

#[test]
fn playback_resamples_linearly_to_the_device_rate_with_the_volume() {
    let (mut player, mock) = ready_player();
    player.load(ramp(1000));
    player.set_volume(0.5);
    player.play();
    let out = mock.pull(100).unwrap();
    // Device frame k reads the clip at k · 44100/48000, linearly interpolated; both channels.
    for k in 0..100 {
        let x = k as f64 * 44_100.0 / 48_000.0;
        let want = 0.5 * x / 1000.0;
        assert!((out[2 * k] as f64 - want).abs() < 1e-6, "frame {k}: {} vs {want}", out[2 * k]);
        assert_eq!(out[2 * k], out[2 * k + 1]);
    }
    // 100 frames later the playhead is at floor(100 · 44100/48000) = 91.
    assert!((player.position() - 91.0 / 44_100.0).abs() < 1e-9, "{}", player.position());
    assert!(player.is_playing());
    assert!((player.level() - 0.5 * 99.0 * 0.91875 / 1000.0).abs() < 1e-4, "{}", player.level());
}

#[test]
fn pause_stop_seek_and_the_end_of_the_clip() {
    let (mut player, mock) = ready_player();
    player.load(ramp(4410));
    player.set_volume(1.0);
    player.play();
    mock.pull(480).unwrap();
    player.pause();
    let paused = mock.pull(100).unwrap();
    assert!(paused.iter().all(|v| *v == 0.0));
    // 480 device frames are 441 clip frames (the fractional step may land a frame short).
    let at = player.position() * 44_100.0;
    assert!((at - 441.0).abs() <= 1.0, "{at}");
    player.seek(0.05); // frame 2205
    player.play();
    let out = mock.pull(1).unwrap();
    assert!((out[0] - 2.205).abs() < 1e-6, "{}", out[0]);
    player.stop();
    mock.pull(10).unwrap();
    assert_eq!(player.position(), 0.0);
    assert!(!player.is_playing());
    // Played to the end without looping: stops and rewinds; with looping: wraps around.
    player.play();
    mock.pull(4800 + 10).unwrap();
    assert!(!player.is_playing());
    player.set_looping(true);
    player.play();
    let out = mock.pull(4800 + 10).unwrap();
    assert!(player.is_playing());
    let wrapped = 4810.0 * 44_100.0 / 48_000.0 - 4410.0;
    assert!((out[2 * 4809] as f64 - (wrapped - 0.91875) / 1000.0).abs() < 2e-3, "{}", out[2 * 4809]);
}

#[test]
fn the_audio_callback_allocates_and_frees_nothing() {
    let (mut player, mock) = ready_player();
    let mut block = vec![0.0f32; 2 * 512];
    // The first pull runs before the counting starts (thread-locals, lazy statics).
    mock.pull_into(&mut block);
    player.load(ramp(20_000));
    player.play();
    player.set_looping(true);
    let events = heap_events(|| {
        for _ in 0..50 {
            assert!(mock.pull_into(&mut block));
        }
    });
    assert_eq!(events, 0, "the callback touched the heap while playing");
    // Replacing the clip while playing: the old clip is handed back, not freed in the callback.
    player.load(ramp(30_000));
    player.seek(0.1);
    let events = heap_events(|| {
        for _ in 0..5 {
            assert!(mock.pull_into(&mut block));
        }
    });
    assert_eq!(events, 0, "the callback touched the heap when a clip was replaced");
    // The UI side frees the retired clip on its next poll (which also shows the counting works).
    assert!(
        heap_events(|| {
            player.poll();
        }) > 0,
        "the retired clip was freed on the UI side"
    );
}

#[test]
fn a_lost_device_is_reopened_and_playback_carries_on_where_it_was() {
    let (mut player, mock) = ready_player();
    player.load(ramp(44_100));
    player.set_volume(1.0);
    player.play();
    mock.pull(4800).unwrap();
    let before = player.position();
    mock.lose_device();
    wait_until("the reopened stream", &mut player, |_| mock.opened() == 2);
    wait_until("ready again", &mut player, |p| matches!(p.status(), Status::Ready(_)));
    let out = mock.pull(1).unwrap();
    // It resumes at the same frame, still playing.
    assert!((out[0] as f64 - before * 44.1).abs() < 0.01, "{} vs {}", out[0], before * 44.1);
    assert!(player.is_playing());
}

#[test]
fn without_a_device_the_player_says_why_and_nothing_breaks() {
    let mock = MockBackend::default();
    mock.refuse(Some("The requested audio device is not available"));
    let mut player = Player::new(Box::new(mock.clone()));
    wait_until("the refusal", &mut player, |p| matches!(p.status(), Status::NoDevice(_)));
    assert_eq!(player.status(), &Status::NoDevice("The requested audio device is not available".into()));
    player.load(ramp(100));
    player.play();
    player.seek(0.001);
    player.stop();
    assert!(mock.pull(10).is_none());
    // Once a device appears, a retry opens it.
    mock.refuse(None);
    player.reopen();
    wait_until("the retry", &mut player, |p| matches!(p.status(), Status::Ready(_)));
    // The clip loaded while there was no device came along: frame 1 at 48 kHz reads the ramp at
    // 0.91875 (by hand: 44100 / 48000), 0.91875 / 1000 at full volume.
    player.set_volume(1.0);
    player.play();
    let out = mock.pull(2).unwrap();
    assert_eq!(out[0], 0.0);
    assert!((out[2] - 0.91875 / 1000.0).abs() < 1e-7, "{}", out[2]);
}
