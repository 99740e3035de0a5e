//! The downloader against a local HTTP server that misbehaves on purpose.

use crate::common;

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

/// A transfer checked only by size (as with `--no-verify`): these tests are about the transport.
fn remote(server: &Server, path: &str, size: Option<u64>) -> Remote {
    Remote { url: server.url(path), expected_size: size, sha256: None, unverified_ok: true }
}

/// A file checked by size and SHA-256, as the Hub's listing gives them.
fn verified(server: &Server, path: &str, body: &[u8]) -> Remote {
    use sha2::Digest;
    Remote::verified(server.url(path), body.len() as u64, format!("{:x}", sha2::Sha256::digest(body)))
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
        fetch(&verified(&server, "/f.bin", &body), &dest, &quick(), &mut |t| reports.push(*t), &never)
            .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert!(!part_path(&dest).exists());
    assert_eq!(
        (fetched.bytes, fetched.attempts, fetched.resumed_from, fetched.already_present),
        (300_000, 1, 0, false)
    );
    let last = reports.last().unwrap();
    assert_eq!((last.done, last.total), (300_000, Some(300_000)));

    // A second fetch finds the file complete (its size and hash agree) and does not ask the server.
    let before = server.requests().len();
    let again = fetch(&verified(&server, "/f.bin", &body), &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert!(again.already_present);
    assert_eq!(server.requests().len(), before);
    // Unverified, a file in the cache is not trusted: it is fetched again.
    let unchecked =
        fetch(&remote(&server, "/f.bin", Some(300_000)), &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert!(!unchecked.already_present);
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
    assert!((8_000..64_000).contains(&kept), "kept {kept} bytes");
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
    let err = fetch(&Remote::unverified(url.clone()), &dir.path().join("x"), &quick(), &mut |_| {}, &never)
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DownloadError::Network { .. }), "{text}");
    assert!(text.starts_with(&format!("cannot reach {url}: ")), "{text}");
    assert!(text.contains("working offline"), "{text}");
}

#[test]
fn without_a_size_and_hash_nothing_is_downloaded() {
    let server = Server::start();
    server.route("/f.bin", Behaviour::Serve(bytes(1_000, 7)));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.bin");
    for unchecked in [
        Remote { url: server.url("/f.bin"), ..Remote::default() },
        Remote { url: server.url("/f.bin"), expected_size: Some(1_000), ..Remote::default() },
    ] {
        let err = fetch(&unchecked, &dest, &quick(), &mut |_| {}, &never).unwrap_err();
        assert!(matches!(err, DownloadError::Unverified { .. }), "{err}");
        assert!(err.to_string().contains("--no-verify"), "{err}");
    }
    assert!(server.requests().is_empty(), "nothing was asked of the server");
    assert!(!dest.exists() && !part_path(&dest).exists());
}

/// A listing route for `/f.bin` in the Hub's form, with this size and SHA-256.
fn listing(server: &Server, body: &[u8]) {
    use sha2::Digest;
    let sha = format!("{:x}", sha2::Sha256::digest(body));
    server.route(
        "/tree",
        Behaviour::Serve(
            format!(r#"[{{"path":"f.bin","size":{n},"lfs":{{"oid":"{sha}","size":{n}}}}}]"#, n = body.len())
                .into_bytes(),
        ),
    );
}

#[test]
fn a_failed_listing_fails_closed_unless_the_user_says_no_verify() {
    let body = bytes(2_000, 8);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f.bin");
    for (behaviour, cause) in [
        (Behaviour::Status(500), "HTTP 500"),
        (Behaviour::Serve(b"<html>not a listing</html>".to_vec()), "not a file listing"),
        (Behaviour::Serve(b"[]".to_vec()), "does not name f.bin"),
        (Behaviour::Serve(br#"[{"path":"f.bin","size":2000}]"#.to_vec()), "no SHA-256"),
        (
            Behaviour::Serve(br#"[{"path":"f.bin","size":2000,"lfs":{"oid":"xyz","size":2000}}]"#.to_vec()),
            "as its SHA-256",
        ),
    ] {
        let server = Server::start();
        server.route("/f.bin", Behaviour::Serve(body.clone()));
        server.route("/tree", behaviour);
        let err =
            Remote::listed(server.url("/f.bin"), &server.url("/tree"), "f.bin", false, &never).unwrap_err();
        assert!(matches!(err, DownloadError::Unverified { .. }), "{err}");
        assert!(err.to_string().contains(cause), "{err} (expected {cause:?})");
        assert!(!server.requests().iter().any(|r| r.path == "/f.bin"), "the file was not asked for");
        // With --no-verify the file downloads, checked against the server's length only.
        let unchecked =
            Remote::listed(server.url("/f.bin"), &server.url("/tree"), "f.bin", true, &never).unwrap();
        assert!(unchecked.unverified_ok && unchecked.sha256.is_none());
        fetch(&unchecked, &dest, &quick(), &mut |_| {}, &never).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), body);
        std::fs::remove_file(&dest).unwrap();
    }
    // A good listing gives both, and the file is checked against them.
    let server = Server::start();
    server.route("/f.bin", Behaviour::Serve(body.clone()));
    listing(&server, &body);
    let remote = Remote::listed(server.url("/f.bin"), &server.url("/tree"), "f.bin", false, &never).unwrap();
    assert_eq!(remote.expected_size, Some(2_000));
    fetch(&remote, &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
}

#[test]
fn a_listing_is_bounded_in_size_and_time() {
    let server = Server::start();
    server.route("/big", Behaviour::Serve(vec![b' '; 50_000]));
    server.route("/hang", Behaviour::Hang);
    let err =
        benchtop::download::get_text_bounded(&server.url("/big"), 10_000, Duration::from_secs(5), &never)
            .unwrap_err();
    assert!(err.to_string().contains("longer than 10.0 kB"), "{err}");
    let started = std::time::Instant::now();
    let err =
        benchtop::download::get_text_bounded(&server.url("/hang"), 10_000, Duration::from_secs(1), &never)
            .unwrap_err();
    assert!(matches!(err, DownloadError::NoResponse { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
    // Cancel stops the wait too.
    let stop = AtomicBool::new(false);
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            stop.store(true, Ordering::Relaxed);
        });
        let err = benchtop::download::get_text_bounded(
            &server.url("/hang"),
            10_000,
            Duration::from_secs(60),
            &|| stop.load(Ordering::Relaxed),
        )
        .unwrap_err();
        assert!(matches!(err, DownloadError::Cancelled), "{err}");
    });
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[test]
fn a_server_that_sends_no_headers_times_out_and_cancel_stops_the_wait() {
    let server = Server::start();
    server.route("/hang", Behaviour::Hang);
    let dir = tempfile::tempdir().unwrap();
    let policy = RetryPolicy { attempts: 2, stall_timeout: Duration::from_secs(1), ..quick() };
    let started = std::time::Instant::now();
    let err = fetch(&remote(&server, "/hang", Some(10)), &dir.path().join("h"), &policy, &mut |_| {}, &never)
        .unwrap_err();
    assert!(matches!(err, DownloadError::NoResponse { secs: 1, .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(6), "took {:?}", started.elapsed());
    assert_eq!(server.requests().len(), 2, "retried once");

    let stop = AtomicBool::new(false);
    let started = std::time::Instant::now();
    let patient = RetryPolicy { stall_timeout: Duration::from_secs(60), ..quick() };
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            stop.store(true, Ordering::Relaxed);
        });
        let err =
            fetch(&remote(&server, "/hang", Some(10)), &dir.path().join("h"), &patient, &mut |_| {}, &|| {
                stop.load(Ordering::Relaxed)
            })
            .unwrap_err();
        assert!(matches!(err, DownloadError::Cancelled), "{err}");
    });
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[test]
fn a_416_is_complete_only_when_the_part_has_the_known_size() {
    let body = bytes(100_000, 9);
    let dir = tempfile::tempdir().unwrap();
    // A partial file and a server that refuses every range: the part is not taken for the file.
    for checked in [true, false] {
        let server = Server::start();
        server.route("/r.bin", Behaviour::RangeRefused(body.clone()));
        let dest = dir.path().join(format!("r{checked}.bin"));
        std::fs::write(part_path(&dest), &body[..40_000]).unwrap();
        let remote =
            if checked { verified(&server, "/r.bin", &body) } else { remote(&server, "/r.bin", None) };
        let fetched = fetch(&remote, &dest, &quick(), &mut |_| {}, &never).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), body, "checked: {checked}");
        assert_eq!(fetched.attempts, 2, "the refused range discarded the part and started over");
        let ranges: Vec<Option<String>> = server.requests().into_iter().map(|r| r.range).collect();
        assert_eq!(ranges, vec![Some("bytes=40000-".to_owned()), None]);
    }
    // A part that already holds the whole known file: the 416 means done, and the hash agrees.
    let server = Server::start();
    server.route("/r.bin", Behaviour::RangeRefused(body.clone()));
    let dest = dir.path().join("whole.bin");
    std::fs::write(part_path(&dest), &body).unwrap();
    let fetched = fetch(&verified(&server, "/r.bin", &body), &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert_eq!((fetched.attempts, fetched.bytes), (1, 100_000));
    assert_eq!(std::fs::read(&dest).unwrap(), body);
}

#[test]
fn a_206_from_the_wrong_offset_is_not_appended() {
    let body = bytes(50_000, 10);
    let server = Server::start();
    server.route("/o.bin", Behaviour::IgnoreOffset { body: body.clone(), times: 1 });
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("o.bin");
    std::fs::write(part_path(&dest), &body[..20_000]).unwrap();
    let fetched = fetch(&remote(&server, "/o.bin", None), &dest, &quick(), &mut |_| {}, &never).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body, "the file is the server's, not part + whole");
    assert_eq!(fetched.attempts, 2);
}

#[test]
fn a_body_longer_than_expected_is_cut_off_and_removed() {
    let long = bytes(300_000, 11);
    let dir = tempfile::tempdir().unwrap();
    // Announced longer than listed: refused before the body is read.
    let server = Server::start();
    server.route("/l.bin", Behaviour::Serve(long.clone()));
    let dest = dir.path().join("l.bin");
    let expected = verified(&server, "/l.bin", &long[..1_000]);
    let err = fetch(&expected, &dest, &quick(), &mut |_| {}, &never).unwrap_err();
    assert!(matches!(err, DownloadError::WrongSize { expected: 1_000, got: 300_000, .. }), "{err}");
    // No length announced: cut off at the listed size, and nothing kept.
    server.route("/n.bin", Behaviour::NoLength(long.clone()));
    let expected = verified(&server, "/n.bin", &long[..1_000]);
    let mut most = 0;
    let err = fetch(&expected, &dest, &quick(), &mut |t| most = most.max(t.done), &never).unwrap_err();
    assert!(matches!(err, DownloadError::TooLong { expected: 1_000, .. }), "{err}");
    assert!(most <= 1_000, "wrote {most} bytes");
    assert!(!dest.exists() && !part_path(&dest).exists());
}
