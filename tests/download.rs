//! The downloader against a local HTTP server that misbehaves on purpose.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use benchtop::download::{DownloadError, Remote, RetryPolicy, Transfer, fetch, part_path};
use common::{Behaviour, Request, Server, bytes};

fn quick() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        first_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        stall_timeout: Duration::from_secs(5),
    }
}

fn remote(server: &Server, path: &str, size: Option<u64>) -> Remote {
    Remote { url: server.url(path), expected_size: size, sha256: None }
}

fn never() -> bool {
    false
}

#[test]
fn a_plain_download_lands_complete_with_progress_and_no_part_file() {
    let server = Server::start();
    let body = bytes(300_000, 1);
    server.route("/f.bin", Behaviour::Serve(body.clone()));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("sub/f.bin");
    let mut reports: Vec<Transfer> = Vec::new();
    let fetched =
        fetch(&remote(&server, "/f.bin", Some(300_000)), &dest, &quick(), &mut |t| reports.push(*t), &never)
            .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert!(!part_path(&dest).exists());
    assert_eq!(
        (fetched.bytes, fetched.attempts, fetched.resumed_from, fetched.already_present),
        (300_000, 1, 0, false)
    );
    let last = reports.last().unwrap();
    assert_eq!((last.done, last.total), (300_000, Some(300_000)));

    // A second fetch finds the file complete and does not ask the server again.
    let before = server.requests().len();
    let again =
        fetch(&remote(&server, "/f.bin", Some(300_000)), &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert!(again.already_present);
    assert_eq!(server.requests().len(), before);
}

#[test]
fn a_partial_file_resumes_with_a_range_request() {
    let server = Server::start();
    let body = bytes(100_000, 2);
    server.route("/r.bin", Behaviour::Serve(body.clone()));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("r.bin");
    std::fs::write(part_path(&dest), &body[..40_000]).unwrap();
    let fetched =
        fetch(&remote(&server, "/r.bin", Some(100_000)), &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert_eq!(fetched.resumed_from, 40_000);
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(
        server.requests(),
        vec![Request { path: "/r.bin".into(), range: Some("bytes=40000-".into()) }]
    );
}

#[test]
fn a_truncated_body_is_resumed_on_the_next_attempt() {
    let server = Server::start();
    let body = bytes(200_000, 3);
    server.route("/t.bin", Behaviour::TruncateFirst { body: body.clone(), first: 70_000, times: 1 });
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("t.bin");
    // No expected size: the server's Content-Length is what the body must reach.
    let fetched = fetch(&remote(&server, "/t.bin", None), &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(fetched.attempts, 2);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].range, None);
    assert_eq!(requests[1].range.as_deref(), Some("bytes=70000-"));
}

#[test]
fn a_404_fails_at_once_naming_the_url() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let err =
        fetch(&remote(&server, "/nope.parquet", None), &dir.path().join("x"), &quick(), &mut |_| {}, &never)
            .unwrap_err();
    assert!(matches!(err, DownloadError::NotFound { .. }));
    assert_eq!(err.to_string(), format!("not found (HTTP 404): {}/nope.parquet", server.base));
    assert_eq!(server.requests().len(), 1, "a 404 is not retried");
}

#[test]
fn a_500_then_success_is_retried() {
    let server = Server::start();
    let body = bytes(5_000, 4);
    server.route("/flaky.bin", Behaviour::StatusFirst { status: 500, times: 2, body: body.clone() });
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("flaky.bin");
    let fetched =
        fetch(&remote(&server, "/flaky.bin", Some(5_000)), &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert_eq!(fetched.attempts, 3);
    assert_eq!(std::fs::read(&dest).unwrap(), body);
}

#[test]
fn persistent_500s_give_up_after_the_allowed_attempts() {
    let server = Server::start();
    server.route("/down.bin", Behaviour::Status(503));
    let dir = tempfile::tempdir().unwrap();
    let err =
        fetch(&remote(&server, "/down.bin", None), &dir.path().join("d"), &quick(), &mut |_| {}, &never)
            .unwrap_err();
    assert_eq!(err.to_string(), format!("HTTP 503 from {}/down.bin", server.base));
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn a_wrong_size_is_an_error_and_nothing_is_left_behind() {
    let server = Server::start();
    server.route("/short.bin", Behaviour::Serve(bytes(1_000, 5)));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("short.bin");
    let err =
        fetch(&remote(&server, "/short.bin", Some(1_024)), &dest, &quick(), &mut |_| {}, &never).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DownloadError::WrongSize { expected: 1_024, got: 1_000, .. }), "{text}");
    assert!(text.contains("short.bin.part: expected 1024 bytes, got 1000"), "{text}");
    assert!(!dest.exists() && !part_path(&dest).exists());
}

#[test]
fn a_wrong_hash_is_an_error_and_a_right_one_passes() {
    let server = Server::start();
    server.route("/abc", Behaviour::Serve(b"abc".to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("abc");
    let mut wrong = remote(&server, "/abc", Some(3));
    wrong.sha256 = Some("00".repeat(32));
    let err = fetch(&wrong, &dest, &quick(), &mut |_| {}, &never).unwrap_err();
    assert!(matches!(err, DownloadError::WrongHash { .. }), "{err}");
    assert!(!dest.exists());
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    let mut right = wrong.clone();
    right.sha256 = Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into());
    fetch(&right, &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"abc");
}

#[test]
fn cancel_keeps_the_part_and_the_next_fetch_resumes_it() {
    let server = Server::start();
    let body = bytes(64_000, 6);
    server.route(
        "/slow.bin",
        Behaviour::Slow { body: body.clone(), chunk: 4_000, pause: Duration::from_millis(40) },
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("slow.bin");
    let stop = AtomicBool::new(false);
    let err = fetch(
        &remote(&server, "/slow.bin", Some(64_000)),
        &dest,
        &quick(),
        &mut |t| {
            if t.done >= 8_000 {
                stop.store(true, Ordering::Relaxed);
            }
        },
        &|| stop.load(Ordering::Relaxed),
    )
    .unwrap_err();
    assert!(matches!(err, DownloadError::Cancelled));
    let kept = std::fs::metadata(part_path(&dest)).unwrap().len();
    assert!(kept >= 8_000 && kept < 64_000, "kept {kept} bytes");
    assert_eq!(std::fs::read(part_path(&dest)).unwrap(), body[..kept as usize]);

    let fetched =
        fetch(&remote(&server, "/slow.bin", Some(64_000)), &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert_eq!(fetched.resumed_from, kept);
    assert_eq!(std::fs::read(&dest).unwrap(), body);
}

#[test]
fn no_server_is_a_clear_network_error_after_retries() {
    // Bind and drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/x.parquet");
    let err = fetch(
        &Remote { url: url.clone(), expected_size: None, sha256: None },
        &dir.path().join("x"),
        &quick(),
        &mut |_| {},
        &never,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DownloadError::Network { .. }), "{text}");
    assert!(text.starts_with(&format!("cannot reach {url}: ")), "{text}");
    assert!(text.contains("working offline"), "{text}");
}
