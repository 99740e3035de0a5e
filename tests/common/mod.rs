//! A small HTTP/1.1 server on 127.0.0.1 for download tests: it serves files in the Hub's layout and
//! misbehaves on purpose (truncated bodies, 500s, 404s, slow bodies) so the downloader's recovery
//! can be checked. Test scaffolding only: each behaviour is spelled out at the place it is set.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Serves the bytes, honouring `Range: bytes=N-` with 206.
    Serve(Vec<u8>),
    /// Announces the full length but sends only `first` bytes and closes, `times` times; then serves.
    TruncateFirst { body: Vec<u8>, first: usize, times: usize },
    /// Answers with this status `times` times, then serves the body.
    StatusFirst { status: u16, times: usize, body: Vec<u8> },
    /// Always answers with this status and a short text body.
    Status(u16),
    /// Serves the body in `chunk`-byte pieces with a pause after each.
    Slow { body: Vec<u8>, chunk: usize, pause: Duration },
    /// Reads the request and never answers (holds the connection for a minute).
    Hang,
    /// Answers any Range request with 416; serves the body whole otherwise.
    RangeRefused(Vec<u8>),
    /// Answers a Range request with 206 but the whole body from byte 0 (and says so in its
    /// Content-Range), `times` times; then honours ranges.
    IgnoreOffset { body: Vec<u8>, times: usize },
    /// Sends the body with no Content-Length (the end is the connection closing).
    NoLength(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub path: String,
    pub range: Option<String>,
}

#[derive(Clone, Default)]
pub struct Server {
    routes: Arc<Mutex<HashMap<String, Behaviour>>>,
    log: Arc<Mutex<Vec<Request>>>,
    pub base: String,
}

impl Server {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = Server { base, ..Default::default() };
        let shared = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || shared.handle(stream));
            }
        });
        server
    }

    pub fn route(&self, path: &str, behaviour: Behaviour) {
        self.routes.lock().unwrap().insert(path.to_owned(), behaviour);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    fn handle(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut range = None;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("range")
            {
                range = Some(value.trim().to_owned());
            }
        }
        self.log.lock().unwrap().push(Request { path: path.clone(), range: range.clone() });
        let behaviour = self.routes.lock().unwrap().get(&path).cloned();
        let mut out = stream;
        match behaviour {
            None => respond(&mut out, 404, &[], b"no such file"),
            Some(Behaviour::Serve(body)) => serve(&mut out, &body, range.as_deref()),
            Some(Behaviour::Status(status)) => respond(&mut out, status, &[], b"error"),
            Some(Behaviour::TruncateFirst { body, first, times }) => {
                if times > 0 {
                    self.route(
                        &path,
                        Behaviour::TruncateFirst { body: body.clone(), first, times: times - 1 },
                    );
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = out.write_all(head.as_bytes());
                    let _ = out.write_all(&body[..first]);
                    let _ = out.flush();
                    // Dropping the stream closes the connection mid-body.
                } else {
                    serve(&mut out, &body, range.as_deref());
                }
            }
            Some(Behaviour::StatusFirst { status, times, body }) => {
                if times > 0 {
                    self.route(&path, Behaviour::StatusFirst { status, times: times - 1, body });
                    respond(&mut out, status, &[], b"try again");
                } else {
                    serve(&mut out, &body, range.as_deref());
                }
            }
            Some(Behaviour::Hang) => std::thread::sleep(Duration::from_secs(60)),
            Some(Behaviour::RangeRefused(body)) => match range {
                Some(_) => respond(&mut out, 416, &[format!("Content-Range: bytes */{}", body.len())], b""),
                None => respond(&mut out, 200, &[], &body),
            },
            Some(Behaviour::IgnoreOffset { body, times }) => {
                if times > 0 && range.is_some() {
                    self.route(&path, Behaviour::IgnoreOffset { body: body.clone(), times: times - 1 });
                    let header = format!("Content-Range: bytes 0-{}/{}", body.len() - 1, body.len());
                    respond(&mut out, 206, &[header], &body);
                } else {
                    serve(&mut out, &body, range.as_deref());
                }
            }
            Some(Behaviour::NoLength(body)) => {
                let _ = out.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                let _ = out.write_all(&body);
                let _ = out.flush();
            }
            Some(Behaviour::Slow { body, chunk, pause }) => {
                let (start, status) = range_start(range.as_deref(), body.len());
                let rest = &body[start..];
                let mut head =
                    format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n", rest.len());
                if status == 206 {
                    head += &format!("Content-Range: bytes {start}-{}/{}\r\n", body.len() - 1, body.len());
                }
                head += "\r\n";
                if out.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for piece in rest.chunks(chunk) {
                    if out.write_all(piece).and_then(|_| out.flush()).is_err() {
                        return;
                    }
                    std::thread::sleep(pause);
                }
            }
        }
    }
}

/// Where a `bytes=N-` range starts, and the status to answer with.
fn range_start(range: Option<&str>, len: usize) -> (usize, u16) {
    match range.and_then(|r| r.strip_prefix("bytes=")).and_then(|r| r.strip_suffix('-')) {
        Some(n) => match n.parse::<usize>() {
            Ok(n) if n < len => (n, 206),
            _ => (len, 416),
        },
        None => (0, 200),
    }
}

fn serve(out: &mut TcpStream, body: &[u8], range: Option<&str>) {
    let (start, status) = range_start(range, body.len());
    match status {
        416 => respond(out, 416, &[format!("Content-Range: bytes */{}", body.len())], b""),
        206 => respond(
            out,
            206,
            &[format!("Content-Range: bytes {start}-{}/{}", body.len() - 1, body.len())],
            &body[start..],
        ),
        _ => respond(out, 200, &[], body),
    }
}

fn respond(out: &mut TcpStream, status: u16, headers: &[String], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for h in headers {
        head += h;
        head += "\r\n";
    }
    head += "\r\n";
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(body);
    let _ = out.flush();
}

/// Deterministic test bytes (a simple linear congruential sequence).
pub fn bytes(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

/// Serves a local copy of the DataDecide files (`<root>/<repo>/<path>`, as the synthetic
/// generator writes them) in the Hub's URL layout: files under
/// `/datasets/<repo>/resolve/<revision>/<path>` and listings (sizes, SHA-256) under
/// `/api/datasets/<repo>/tree/<revision>/data`.
pub fn serve_hub(server: &Server, root: &std::path::Path) {
    use benchtop::datadecide::catalog::HUB_FILES;
    let mut listings: HashMap<String, Vec<String>> = HashMap::new();
    for file in HUB_FILES.iter() {
        let local = root.join(file.repo).join(file.path);
        let Ok(body) = std::fs::read(&local) else { continue };
        let sha = benchtop::download::sha256_file(&local).unwrap();
        let revision = file.default_revision();
        server.route(
            &format!("/datasets/{}/resolve/{revision}/{}", file.repo, file.path),
            Behaviour::Serve(body.clone()),
        );
        listings.entry(format!("/api/datasets/{}/tree/{revision}/data", file.repo)).or_default().push(format!(
            r#"{{"type":"file","oid":"0000","size":{len},"path":"{path}","lfs":{{"oid":"{sha}","size":{len},"pointerSize":134}}}}"#,
            len = body.len(),
            path = file.path
        ));
    }
    for (url, entries) in listings {
        server.route(&url, Behaviour::Serve(format!("[{}]", entries.join(",")).into_bytes()));
    }
}

/// A small synthetic DataDecide set in the Hub's layout: 2 checkpoints, 1 MMLU subject, 7 metrics.
pub fn small_synthetic(dir: &std::path::Path) -> benchtop::datadecide::synth::Generated {
    use benchtop::datadecide::synth::{SynthSpec, generate};
    let spec = SynthSpec { checkpoints: Some(2), mmlu_subjects: 1, all_metrics: false, seed: 7 };
    generate(&spec, dir, &benchtop::jobs::Silent).unwrap()
}

/// A small synthetic set generated into `root` and served by a new local Hub.
pub fn local_hub(root: &std::path::Path) -> (Server, benchtop::datadecide::synth::Generated) {
    let generated = small_synthetic(root);
    let server = Server::start();
    serve_hub(&server, root);
    (server, generated)
}

/// The all-MiniLM-L6-v2 folder the test set-up fetched (`BENCHTOP_TEST_MINILM`, else what
/// `scripts/fetch-test-model` prints: PyPI's copy of the Hub's files, checked by hash).
pub fn test_model() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("BENCHTOP_TEST_MINILM") {
            return dir.into();
        }
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fetch-test-model");
        let out = std::process::Command::new(&script).output().expect("running scripts/fetch-test-model");
        assert!(
            out.status.success(),
            "scripts/fetch-test-model failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().into()
    })
    .clone()
}

/// A text as the panels shorten it (90 characters).
pub fn shorten(text: &str) -> String {
    benchtop::ml::fast::shorten(text, 90)
}
