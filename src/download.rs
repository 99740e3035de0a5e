//! Downloads files over HTTP(S) into the cache: streamed to `<file>.part`, resumed with HTTP Range
//! after an interruption, retried with backoff on transient failures, and renamed into place only
//! when its size and SHA-256 match what the source says it is. It fails closed: without a known
//! size and SHA-256 nothing is downloaded unless the caller allows it ([`Remote::unverified_ok`],
//! the user's `--no-verify`). A resumed part must come back at the right offset (Content-Range is
//! checked), a body is cut off at the expected size, and every wait (connecting, response headers,
//! each chunk, the listing) is bounded in time and checks `cancelled`. Blocking: call it from a
//! job; a cancelled download keeps its partial file for the next attempt.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// What to fetch and what it must turn out to be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Remote {
    pub url: String,
    pub expected_size: Option<u64>,
    /// Lower-case hex SHA-256 of the whole file.
    pub sha256: Option<String>,
    /// Download even without a known size and SHA-256 (the user asked: `--no-verify`); the file
    /// is then checked only against the length the server announces.
    pub unverified_ok: bool,
}

impl Remote {
    /// A file whose size and SHA-256 are known.
    pub fn verified(url: impl Into<String>, size: u64, sha256: impl Into<String>) -> Remote {
        Remote {
            url: url.into(),
            expected_size: Some(size),
            sha256: Some(sha256.into()),
            unverified_ok: false,
        }
    }

    /// A file downloaded without a size or hash to check it against (`--no-verify`).
    pub fn unverified(url: impl Into<String>) -> Remote {
        Remote { url: url.into(), unverified_ok: true, ..Remote::default() }
    }

    fn is_verifiable(&self) -> bool {
        self.expected_size.is_some() && self.sha256.is_some()
    }
}

/// How many times to try, and how long to wait between tries (doubling each time).
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// A transfer that receives nothing for this long is abandoned (and retried).
    pub stall_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            stall_timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1));
        self.first_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// How far a transfer is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Transfer {
    pub done: u64,
    pub total: Option<u64>,
    pub bytes_per_sec: f64,
}

impl Transfer {
    pub fn fraction(&self) -> Option<f32> {
        self.total.filter(|t| *t > 0).map(|t| (self.done as f64 / t as f64).min(1.0) as f32)
    }

    pub fn eta(&self) -> Option<Duration> {
        let left = self.total?.saturating_sub(self.done);
        (self.bytes_per_sec > 0.0).then(|| Duration::from_secs_f64(left as f64 / self.bytes_per_sec))
    }

    /// "12.3 MB of 700.0 MB, 4.5 MB/s, ETA 2:31".
    pub fn describe(&self) -> String {
        let mut s = match self.total {
            Some(t) => format!("{} of {}", bytes(self.done), bytes(t)),
            None => bytes(self.done),
        };
        if self.bytes_per_sec > 0.0 {
            s += &format!(", {}/s", bytes(self.bytes_per_sec as u64));
        }
        if let Some(eta) = self.eta() {
            let secs = eta.as_secs();
            s += &format!(", ETA {}:{:02}", secs / 60, secs % 60);
        }
        s
    }
}

/// A byte count for people: "812 B", "12.3 kB", "700.0 MB", "1.2 GB" (powers of 1000).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// How a fetch ended well.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub path: PathBuf,
    pub bytes: u64,
    /// The file was already complete in the cache: nothing was downloaded.
    pub already_present: bool,
    /// Bytes taken over from an earlier partial download.
    pub resumed_from: u64,
    pub attempts: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("not found (HTTP 404): {url}")]
    NotFound { url: String },
    #[error("HTTP {status} from {url}")]
    Http { url: String, status: u16 },
    #[error("cannot reach {url}: {cause} (working offline: benchtop keeps using the data it has)")]
    Network { url: String, cause: String },
    #[error("{url} ended after {got} of {expected} bytes")]
    Truncated { url: String, got: u64, expected: u64 },
    #[error("{url} sent nothing for {secs} s")]
    Stalled { url: String, secs: u64 },
    #[error("{url} sent no response for {secs} s")]
    NoResponse { url: String, secs: u64 },
    #[error(
        "{url}: no verified size and SHA-256 ({why}); nothing was downloaded (--no-verify downloads it unchecked)"
    )]
    Unverified { url: String, why: String },
    #[error("{url}: {detail}; the partial file was discarded and the download starts over")]
    BadRange { url: String, detail: String },
    #[error("{url} sent more than the {expected} bytes it should have; the partial file was removed")]
    TooLong { url: String, expected: u64 },
    #[error("{url}: {detail}")]
    BadListing { url: String, detail: String },
    #[error("{path}: expected {expected} bytes, got {got}; the partial file was removed")]
    WrongSize { path: PathBuf, expected: u64, got: u64 },
    #[error("{path}: SHA-256 is {got}, expected {expected}; the file was removed")]
    WrongHash { path: PathBuf, expected: String, got: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cancelled (the partial file is kept and resumes next time)")]
    Cancelled,
}

impl DownloadError {
    /// Worth another try after a pause.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network { .. }
            | Self::Truncated { .. }
            | Self::Stalled { .. }
            | Self::NoResponse { .. }
            | Self::BadRange { .. } => true,
            Self::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Io { path: path.to_owned(), source }
}

/// The partial file next to `dest`.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    dest.with_file_name(name)
}

/// SHA-256 of a file, as lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String, DownloadError> {
    let mut file = File::open(path).map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// Checks a complete file against what it must be; removes it if it is wrong.
fn verify(path: &Path, remote: &Remote, total: Option<u64>) -> Result<u64, DownloadError> {
    let got = std::fs::metadata(path).map_err(io_err(path))?.len();
    if let Some(expected) = remote.expected_size.or(total)
        && got != expected
    {
        let _ = std::fs::remove_file(path);
        return Err(DownloadError::WrongSize { path: path.to_owned(), expected, got });
    }
    if let Some(expected) = &remote.sha256 {
        let got = sha256_file(path)?;
        if !got.eq_ignore_ascii_case(expected) {
            let _ = std::fs::remove_file(path);
            return Err(DownloadError::WrongHash { path: path.to_owned(), expected: expected.clone(), got });
        }
    }
    Ok(got)
}

/// Fetches `remote` to `dest` (creating folders), unless `dest` is already there and right.
pub fn fetch(
    remote: &Remote,
    dest: &Path,
    policy: &RetryPolicy,
    on_progress: &mut dyn FnMut(&Transfer),
    cancelled: &dyn Fn() -> bool,
) -> Result<Fetched, DownloadError> {
    if !remote.is_verifiable() && !remote.unverified_ok {
        let missing = match (remote.expected_size, &remote.sha256) {
            (None, None) => "neither is known",
            (None, Some(_)) => "its size is not known",
            _ => "its SHA-256 is not known",
        };
        return Err(DownloadError::Unverified { url: remote.url.clone(), why: missing.to_owned() });
    }
    if dest.exists() && remote.is_verifiable() {
        match verify(dest, remote, None) {
            Ok(bytes) => {
                on_progress(&Transfer { done: bytes, total: Some(bytes), bytes_per_sec: 0.0 });
                return Ok(Fetched {
                    path: dest.to_owned(),
                    bytes,
                    already_present: true,
                    resumed_from: 0,
                    attempts: 0,
                });
            }
            Err(err) => tracing::warn!("cached file is stale, fetching again: {err}"),
        }
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    let part = part_path(dest);
    let resumed_from = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let runtime = runtime(&part)?;
    let mut failures = 0;
    loop {
        let attempt = runtime.block_on(attempt(remote, &part, policy, on_progress, cancelled));
        match attempt {
            Ok(total) => {
                let bytes = verify(&part, remote, total)?;
                std::fs::rename(&part, dest).map_err(io_err(dest))?;
                return Ok(Fetched {
                    path: dest.to_owned(),
                    bytes,
                    already_present: false,
                    resumed_from,
                    attempts: failures + 1,
                });
            }
            Err(err) if err.is_transient() && failures + 1 < policy.attempts => {
                failures += 1;
                let wait = policy.backoff(failures);
                tracing::warn!("download attempt {failures} failed, retrying in {wait:?}: {err}");
                let until = Instant::now() + wait;
                while Instant::now() < until {
                    if cancelled() {
                        return Err(DownloadError::Cancelled);
                    }
                    std::thread::sleep(Duration::from_millis(20).min(wait));
                }
            }
            Err(err) => return Err(err),
        }
    }
}

fn runtime(path: &Path) -> Result<tokio::runtime::Runtime, DownloadError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DownloadError::Io { path: path.to_owned(), source: e })
}

fn client(url: &str) -> Result<reqwest::Client, DownloadError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .user_agent(concat!("benchtop/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DownloadError::Network { url: url.to_owned(), cause: error_chain(&e) })
}

/// Waits for `future`, looking at `cancelled` every 100 ms; gives `late()` when it takes longer than
/// `limit`.
async fn bounded<F: std::future::Future>(
    future: F,
    limit: Duration,
    cancelled: &dyn Fn() -> bool,
    late: impl FnOnce() -> DownloadError,
) -> Result<F::Output, DownloadError> {
    let started = Instant::now();
    tokio::pin!(future);
    loop {
        if cancelled() {
            return Err(DownloadError::Cancelled);
        }
        match tokio::time::timeout(Duration::from_millis(100), &mut future).await {
            Ok(output) => return Ok(output),
            Err(_) if started.elapsed() >= limit => return Err(late()),
            Err(_) => {}
        }
    }
}

/// `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`).
fn content_range(header: &str) -> Option<(u64, u64, Option<u64>)> {
    let (range, total) = header.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let total = if total.trim() == "*" { None } else { Some(total.trim().parse().ok()?) };
    Some((start.trim().parse().ok()?, end.trim().parse().ok()?, total))
}

/// What a response says about the partial file.
enum Answer {
    /// The whole file, from byte 0.
    Whole,
    /// The rest of it, from the partial file's end.
    Rest,
    /// Nothing more: the partial file is complete.
    Complete,
}

/// Reads a response's status (and, for a resumed part, its Content-Range) against what was asked:
/// the bytes from `offset` of a file of `remote.expected_size`. A part that cannot be resumed
/// is removed (the next attempt starts over).
fn answer(
    response: &reqwest::Response,
    offset: u64,
    remote: &Remote,
    part: &Path,
) -> Result<Answer, DownloadError> {
    let url = &remote.url;
    let bad_range = |detail: String| {
        let _ = std::fs::remove_file(part);
        DownloadError::BadRange { url: url.clone(), detail }
    };
    match response.status().as_u16() {
        206 if offset > 0 => {
            let header = response.headers().get(reqwest::header::CONTENT_RANGE);
            match header.and_then(|h| h.to_str().ok()).and_then(content_range) {
                None => Err(bad_range("a resumed part came without a valid Content-Range".into())),
                Some((start, _, _)) if start != offset => {
                    Err(bad_range(format!("asked to resume at byte {offset}, got bytes from {start}")))
                }
                Some((_, _, Some(total))) if remote.expected_size.is_some_and(|e| e != total) => {
                    Err(bad_range(format!(
                        "the server's file has {total} bytes, expected {}",
                        remote.expected_size.unwrap_or_default()
                    )))
                }
                Some(_) => Ok(Answer::Rest),
            }
        }
        206 => Err(bad_range("a partial answer (HTTP 206) to a request for the whole file".into())),
        200 => Ok(Answer::Whole),
        // The server has nothing past `offset`: complete only if that is the file's known size.
        416 if offset > 0 && remote.expected_size == Some(offset) => Ok(Answer::Complete),
        416 if offset > 0 => {
            Err(bad_range(format!("the server refused to resume at byte {offset} (HTTP 416)")))
        }
        404 => Err(DownloadError::NotFound { url: url.clone() }),
        status => Err(DownloadError::Http { url: url.clone(), status }),
    }
}

/// One HTTP request, appending to `part`. Returns the total size the file must have, if known.
async fn attempt(
    remote: &Remote,
    part: &Path,
    policy: &RetryPolicy,
    on_progress: &mut dyn FnMut(&Transfer),
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<u64>, DownloadError> {
    let url = &remote.url;
    let client = client(url)?;
    let mut offset = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    if remote.expected_size.is_some_and(|expected| offset > expected) {
        // Longer than the file can be: start over.
        std::fs::remove_file(part).map_err(io_err(part))?;
        offset = 0;
    }
    let mut request = client.get(url);
    if offset > 0 {
        request = request.header(reqwest::header::RANGE, format!("bytes={offset}-"));
    }
    let secs = policy.stall_timeout.as_secs();
    let response = bounded(request.send(), policy.stall_timeout, cancelled, || DownloadError::NoResponse {
        url: url.clone(),
        secs,
    })
    .await?
    .map_err(|e| DownloadError::Network { url: url.clone(), cause: error_chain(&e) })?;
    let append = match answer(&response, offset, remote, part)? {
        Answer::Complete => return Ok(Some(offset)),
        Answer::Rest => true,
        Answer::Whole => {
            offset = 0;
            false
        }
    };
    let announced = response.content_length().map(|len| offset + len);
    if let (Some(expected), Some(announced)) = (remote.expected_size, announced)
        && expected != announced
    {
        return Err(DownloadError::WrongSize { path: part.to_owned(), expected, got: announced });
    }
    let total = remote.expected_size.or(announced);
    let file = OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(part)
        .map_err(io_err(part))?;
    let body = Body { url, part, offset, total };
    receive(response, file, &body, policy, on_progress, cancelled).await?;
    Ok(total)
}

/// Where a response's body goes: the partial file, from `offset`, of a file of `total` bytes.
struct Body<'a> {
    url: &'a String,
    part: &'a Path,
    offset: u64,
    total: Option<u64>,
}

/// Streams a response's body into the partial file: each chunk waited for at most the stall
/// timeout (and stopped on cancel), cut off past the expected size, progress reported.
async fn receive(
    mut response: reqwest::Response,
    mut file: File,
    body: &Body<'_>,
    policy: &RetryPolicy,
    on_progress: &mut dyn FnMut(&Transfer),
    cancelled: &dyn Fn() -> bool,
) -> Result<(), DownloadError> {
    let Body { url, part, offset, total } = *body;
    let secs = policy.stall_timeout.as_secs();
    let started = Instant::now();
    let mut received = 0u64;
    let mut last_report = Instant::now() - Duration::from_secs(1);
    loop {
        let next = bounded(response.chunk(), policy.stall_timeout, cancelled, || DownloadError::Stalled {
            url: url.clone(),
            secs,
        })
        .await;
        let chunk = match next {
            Err(err) => {
                file.flush().map_err(io_err(part))?;
                return Err(err);
            }
            Ok(Err(e)) => {
                file.flush().map_err(io_err(part))?;
                return Err(match total {
                    Some(expected) => {
                        DownloadError::Truncated { url: url.clone(), got: offset + received, expected }
                    }
                    None => DownloadError::Network { url: url.clone(), cause: error_chain(&e) },
                });
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        if total.is_some_and(|t| offset + received + chunk.len() as u64 > t) {
            drop(file);
            let _ = std::fs::remove_file(part);
            return Err(DownloadError::TooLong { url: url.clone(), expected: total.unwrap_or_default() });
        }
        file.write_all(&chunk).map_err(io_err(part))?;
        received += chunk.len() as u64;
        if last_report.elapsed() >= Duration::from_millis(100) {
            last_report = Instant::now();
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            on_progress(&Transfer { done: offset + received, total, bytes_per_sec: received as f64 / secs });
        }
    }
    file.flush().map_err(io_err(part))?;
    let done = offset + received;
    if let Some(expected) = total
        && done < expected
    {
        return Err(DownloadError::Truncated { url: url.clone(), got: done, expected });
    }
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    on_progress(&Transfer { done, total, bytes_per_sec: received as f64 / secs });
    Ok(())
}

/// The most a listing or other metadata may take: bytes, and time for the whole answer.
pub const METADATA_LIMIT: u64 = 8 << 20;
pub const METADATA_TIMEOUT: Duration = Duration::from_secs(30);

/// GETs a small text resource (a listing, metadata): one attempt, at most [`METADATA_LIMIT`]
/// bytes in [`METADATA_TIMEOUT`], stopping when `cancelled`.
pub fn get_text(url: &str, cancelled: &dyn Fn() -> bool) -> Result<String, DownloadError> {
    get_text_bounded(url, METADATA_LIMIT, METADATA_TIMEOUT, cancelled)
}

/// [`get_text`] with its limits given.
pub fn get_text_bounded(
    url: &str,
    limit: u64,
    timeout: Duration,
    cancelled: &dyn Fn() -> bool,
) -> Result<String, DownloadError> {
    let runtime = runtime(Path::new(url))?;
    let secs = timeout.as_secs();
    let whole = async {
        let client = client(url)?;
        let network =
            |e: reqwest::Error| DownloadError::Network { url: url.to_owned(), cause: error_chain(&e) };
        let mut response = client.get(url).send().await.map_err(network)?;
        match response.status().as_u16() {
            200 => {}
            404 => return Err(DownloadError::NotFound { url: url.to_owned() }),
            status => return Err(DownloadError::Http { url: url.to_owned(), status }),
        }
        let too_long = || DownloadError::BadListing {
            url: url.to_owned(),
            detail: format!("the answer is longer than {}", bytes(limit)),
        };
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_long());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network)? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_long());
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| DownloadError::BadListing {
            url: url.to_owned(),
            detail: "the answer is not UTF-8".into(),
        })
    };
    runtime.block_on(async {
        bounded(whole, timeout, cancelled, || DownloadError::NoResponse { url: url.to_owned(), secs }).await?
    })
}

/// An error and its sources on one line ("error sending request: connection refused").
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text += &format!(": {next}");
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_like_a_file_manager() {
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(12_345), "12.3 kB");
        assert_eq!(bytes(700_000_000), "700.0 MB");
        assert_eq!(bytes(1_234_567_890), "1.2 GB");
    }

    #[test]
    fn transfer_text_has_bytes_rate_and_eta() {
        // 100 MB left at 2 MB/s: 50 s.
        let t = Transfer { done: 300_000_000, total: Some(400_000_000), bytes_per_sec: 2_000_000.0 };
        assert_eq!(t.describe(), "300.0 MB of 400.0 MB, 2.0 MB/s, ETA 0:50");
        assert_eq!(t.fraction(), Some(0.75));
        assert_eq!(Transfer { done: 5, total: None, bytes_per_sec: 0.0 }.describe(), "5 B");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            attempts: 9,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(3),
            stall_timeout: Duration::from_secs(1),
        };
        let waits: Vec<u128> = (1..=5).map(|n| p.backoff(n).as_millis()).collect();
        assert_eq!(waits, vec![500, 1000, 2000, 3000, 3000]);
    }

    #[test]
    fn part_file_sits_next_to_the_destination() {
        assert_eq!(
            part_path(Path::new("/c/data/train.parquet")),
            PathBuf::from("/c/data/train.parquet.part")
        );
    }

    #[test]
    fn sha256_of_a_known_input() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, b"abc").unwrap();
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        assert_eq!(
            sha256_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

/// One entry of a Hugging Face tree listing (`/api/datasets/<repo>/tree/<revision>/<folder>`).
#[derive(Debug, serde::Deserialize)]
struct TreeEntry {
    path: String,
    /// The git blob id (the Hub's ETag of a file kept in git rather than LFS).
    oid: Option<String>,
    size: Option<u64>,
    lfs: Option<Lfs>,
}

#[derive(Debug, serde::Deserialize)]
struct Lfs {
    oid: String,
    size: Option<u64>,
}

impl Remote {
    /// A Hub file at `url`, with the size and SHA-256 that the Hub's listing of its folder
    /// (`tree_url`) gives for `path`. Fails closed: when the listing cannot be read or does not
    /// give both, this is an error, unless `no_verify`, which downloads the file unchecked.
    pub fn listed(
        url: String,
        tree_url: &str,
        path: &str,
        no_verify: bool,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Remote, DownloadError> {
        Self::listed_with_etag(url, tree_url, path, no_verify, cancelled).map(|(remote, _)| remote)
    }

    /// [`Remote::listed`], and the file's ETag on the Hub where the listing gives it: its SHA-256
    /// for a file kept in LFS, its git blob id for one kept in git (the name the Hugging Face
    /// cache keeps its bytes under).
    pub fn listed_with_etag(
        url: String,
        tree_url: &str,
        path: &str,
        no_verify: bool,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<(Remote, Option<String>), DownloadError> {
        let found = get_text(tree_url, cancelled).and_then(|text| {
            let entries: Vec<TreeEntry> =
                serde_json::from_str(&text).map_err(|e| DownloadError::BadListing {
                    url: tree_url.to_owned(),
                    detail: format!("not a file listing ({e})"),
                })?;
            Ok(entries.into_iter().find(|e| e.path == path))
        });
        let mut git_oid = None;
        let why = match found {
            // Cancelled, or no server to fetch the file from either: nothing to ask the user.
            Err(err @ (DownloadError::Cancelled | DownloadError::Network { .. })) => return Err(err),
            Ok(Some(TreeEntry { lfs: Some(lfs), size, .. })) => match lfs.size.or(size) {
                Some(size) if is_sha256_hex(&lfs.oid) => {
                    let sha256 = lfs.oid.to_ascii_lowercase();
                    return Ok((Remote::verified(url, size, sha256.clone()), Some(sha256)));
                }
                Some(_) => format!("the Hub's listing gives {:?} as its SHA-256", lfs.oid),
                None => "the Hub's listing gives no size for it".to_owned(),
            },
            Ok(Some(entry)) => {
                git_oid = entry.oid.filter(|o| is_git_oid(o)).map(|o| o.to_ascii_lowercase());
                "the Hub's listing gives no SHA-256 for it (not an LFS file)".to_owned()
            }
            Ok(None) => format!("the Hub's listing {tree_url} does not name {path}"),
            Err(err) => format!("the Hub's listing could not be read: {err}"),
        };
        if no_verify {
            tracing::warn!("downloading {url} unchecked (--no-verify): {why}");
            Ok((Remote::unverified(url), git_oid))
        } else {
            Err(DownloadError::Unverified { url, why })
        }
    }
}

/// Whether `text` is a git object id (40 hex digits).
fn is_git_oid(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `text` is a SHA-256 digest in hex (64 hex digits).
fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}
