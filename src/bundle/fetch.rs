//! `minik bundle fetch`: download a served bundle with a progress bar, and when the connection
//! drops (or stalls, or drips) ask again for the rest with a Range request. The bytes land in a
//! guarded partial file ([`super::partial`]) that checks the bundle's head against the pin as
//! soon as it arrives and then caps the download at the manifest's size; the whole fetch has a
//! deadline. The finished file is renamed into place; loading verifies every part's SHA-256.

use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::{header, Request, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::digest::Trust;
use super::format::BLOCK;
use super::page::BUNDLE_PATH;
use super::partial::{Partial, Stop};
use super::read::HEAD;
use super::BundleError;
use crate::events::{Events, Step};

#[cfg(test)]
pub(crate) use super::partial::partial_path;

/// How long and how slowly a download may go on.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The whole fetch, every retry included (`--timeout`).
    pub deadline: Duration,
    /// A connection that sends nothing for this long is treated as dropped.
    pub stall: Duration,
    /// A connection that brings fewer than `min_bytes` in `window` is treated as dropped too
    /// (a server dripping one byte at a time).
    pub min_bytes: u64,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            deadline: Duration::from_secs(2 * 3600),
            stall: Duration::from_secs(30),
            min_bytes: 64 << 10,
            window: Duration::from_secs(60),
        }
    }
}

/// Attempts in a row that bring no new byte before giving up.
const ATTEMPTS: u32 = 6;

/// The bundle's URL from what the user typed: `http://HOST:PORT` gets `/bundle.minik`.
pub fn bundle_url(input: &str) -> Result<Uri, String> {
    let with_scheme = if input.contains("://") {
        input.to_string()
    } else {
        format!("http://{input}")
    };
    let uri: Uri = with_scheme
        .parse()
        .map_err(|e| format!("{input:?} is not a URL: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!(
            "{input:?}: only http:// is served by `minik bundle serve`"
        ));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{input:?} has no host"))?
        .clone();
    let path = match uri.path() {
        "" | "/" => BUNDLE_PATH.to_string(),
        p => p.to_string(),
    };
    Uri::builder()
        .scheme("http")
        .authority(authority)
        .path_and_query(path)
        .build()
        .map_err(|e| format!("{input:?}: {e}"))
}

/// Download `url` to `out`, resuming a partial download of the same bundle; the result is
/// the bundle's size.
pub async fn download(
    url: &Uri,
    out: &Path,
    trust: Trust,
    limits: &Limits,
    events: &Events,
) -> Result<u64, BundleError> {
    download_for(url, out, trust, None, limits, events).await
}

/// [`download`], fetching only the parts an engine of `platform` loads (when given): the rest
/// of the file stays zeros, so a two-platform bundle costs the room's network one platform.
pub(crate) async fn download_for(
    url: &Uri,
    out: &Path,
    trust: Trust,
    platform: Option<&str>,
    limits: &Limits,
    events: &Events,
) -> Result<u64, BundleError> {
    let shown = url.to_string();
    let mut partial = Partial::open(out, &shown, trust, events).await?;
    let step = events.step(format!("Downloading {url}"));
    let fetched = tokio::time::timeout(
        limits.deadline,
        fetch_all(url, &mut partial, platform, limits, &step, events),
    )
    .await
    .unwrap_or_else(|_| {
        Err(Stop::Retry(format!(
            "it did not finish within {} (--timeout); run the same command again to resume",
            humantime::format_duration(limits.deadline)
        )))
    });
    let local = |e: std::io::Error| BundleError::Write {
        path: out.to_path_buf(),
        reason: e.to_string(),
    };
    match fetched {
        Ok(total) => {
            partial.finish(out).await.map_err(local)?;
            step.done();
            Ok(total)
        }
        Err(Stop::Refuse(e)) => {
            partial.discard(out).await;
            Err(e)
        }
        Err(Stop::Retry(reason)) => {
            partial.flush().await.map_err(local)?;
            // An empty partial file is no progress worth keeping.
            if partial.have == 0 {
                partial.discard(out).await;
            }
            Err(BundleError::Download { url: shown, reason })
        }
    }
}

/// Requests until the bundle (or every range `platform` needs) is there; `Retry` once attempts
/// stop bringing bytes.
async fn fetch_all(
    url: &Uri,
    partial: &mut Partial,
    platform: Option<&str>,
    limits: &Limits,
    step: &Step,
    events: &Events,
) -> Result<u64, Stop> {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut fruitless = 0;
    loop {
        if let Some(total) = partial.total.filter(|t| *t == partial.have) {
            return Ok(total);
        }
        let end = match (platform, &partial.manifest, partial.total) {
            // The head first: it says which parts this platform needs.
            (Some(_), None, _) => Some(HEAD),
            (Some(p), Some(m), Some(total)) => {
                let ranges = needed(m, p).map_err(Stop::Refuse)?;
                match ranges.into_iter().find(|r| r.1 > partial.have) {
                    Some((start, end)) => {
                        if start > partial.have {
                            partial.skip_to(start).await?;
                        }
                        Some(end)
                    }
                    None => {
                        partial.skip_to(total).await?;
                        return Ok(total);
                    }
                }
            }
            _ => None,
        };
        let before = partial.have;
        let why = match attempt(&client, url, partial, end, limits, step).await {
            Ok(true) => continue,
            Ok(false) => "the connection closed early".to_string(),
            Err(Stop::Retry(why)) => why,
            Err(refused) => return Err(refused),
        };
        partial.flush().await?;
        if partial.total == Some(partial.have) {
            continue;
        }
        fruitless = if partial.have > before {
            0
        } else {
            fruitless + 1
        };
        if fruitless >= ATTEMPTS {
            return Err(Stop::Retry(why));
        }
        let wait = Duration::from_millis(500 * u64::from(fruitless + 1));
        events.warn(format!(
            "download stopped at {} bytes ({why}); trying again in {:.1}s",
            partial.have,
            wait.as_secs_f64()
        ));
        tokio::time::sleep(wait).await;
    }
}

/// The byte ranges of the file an engine of `platform` needs: the head, every part that is
/// not an image, and the image parts it loads (merged where they touch). A bundle with no
/// part for it is refused before a part is downloaded.
fn needed(m: &super::Manifest, platform: &str) -> Result<Vec<(u64, u64)>, BundleError> {
    let chosen = super::platform::select(m, platform)?;
    let (offsets, _) = m.layout().unwrap_or_default();
    let mut ranges: Vec<(u64, u64)> = vec![(0, HEAD)];
    for (i, (p, at)) in m.parts.iter().zip(offsets).enumerate() {
        if p.kind.is_image() && !chosen.contains(&i) {
            continue;
        }
        // check() bounded every size: no overflow.
        let end = at + BLOCK + super::format::padded(p.size).unwrap_or(p.size);
        match ranges.last_mut() {
            Some(last) if last.1 == at => last.1 = end,
            _ => ranges.push((at, end)),
        }
    }
    Ok(ranges)
}

/// One request: the rest of the file from where the partial file ends, or up to `end`;
/// `Ok(true)` when `end` was reached.
async fn attempt(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>,
    url: &Uri,
    partial: &mut Partial,
    end: Option<u64>,
    limits: &Limits,
    step: &Step,
) -> Result<bool, Stop> {
    let body = request(client, url, partial, end, limits).await?;
    receive(body, partial, end, limits, step).await
}

/// Asks for the bytes from where the partial file ends (up to `end`) and judges the answer: a
/// fresh copy starts the partial file over, a partial one must start where it ends.
async fn request(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>,
    url: &Uri,
    partial: &mut Partial,
    end: Option<u64>,
    limits: &Limits,
) -> Result<Incoming, Stop> {
    let mut req = Request::get(url.clone());
    match end {
        Some(end) => {
            req = req.header(header::RANGE, format!("bytes={}-{}", partial.have, end - 1));
        }
        None if partial.have > 0 => {
            req = req.header(header::RANGE, format!("bytes={}-", partial.have));
        }
        None => {}
    }
    let req = req
        .body(Empty::new())
        .map_err(|e| Stop::Retry(e.to_string()))?;
    let resp = tokio::time::timeout(limits.stall, client.request(req))
        .await
        .map_err(|_| Stop::Retry("no answer".into()))?
        .map_err(|e| Stop::Retry(describe(&e)))?;
    match resp.status() {
        StatusCode::OK if end.is_some() && partial.have > 0 => {
            return Err(Stop::Retry(
                "the server does not answer range requests (needed to fetch one platform's \
                 parts); fetch with --no-load to download the whole bundle"
                    .into(),
            ));
        }
        StatusCode::OK => {
            // A fresh copy (the server ignored or refused the range): start over.
            partial.restart().await?;
            partial
                .announce(length(resp.headers()))
                .map_err(Stop::Refuse)?;
        }
        StatusCode::PARTIAL_CONTENT => {
            let (start, total) = content_range(resp.headers())
                .ok_or_else(|| Stop::Retry("a partial answer without its range".into()))?;
            if start != partial.have {
                return Err(Stop::Retry(format!(
                    "asked for bytes from {}, got them from {start}",
                    partial.have
                )));
            }
            partial.announce(total).map_err(Stop::Refuse)?;
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            // Only the bundle's own size (from its checked manifest) says the file is whole;
            // anything else starts over.
            partial.restart().await?;
            return Err(Stop::Retry(
                "the server has no more bytes than the partial file; starting over".into(),
            ));
        }
        s => return Err(Stop::Retry(format!("the server answered {s}"))),
    }
    Ok(resp.into_body())
}

/// Writes the answer's bytes to the partial file (only up to `end`), as long as they keep
/// coming fast enough; `Ok(true)` when the file or `end` is complete.
async fn receive(
    mut body: Incoming,
    partial: &mut Partial,
    end: Option<u64>,
    limits: &Limits,
    step: &Step,
) -> Result<bool, Stop> {
    let mut window = (Instant::now(), 0u64);
    loop {
        let frame = tokio::time::timeout(limits.stall, body.frame())
            .await
            .map_err(|_| Stop::Retry(format!("nothing arrived for {}s", limits.stall.as_secs())))?;
        let Some(frame) = frame else {
            return Ok(end == Some(partial.have));
        };
        let frame = frame.map_err(|e| Stop::Retry(describe(&e)))?;
        if let Ok(mut data) = frame.into_data() {
            // A server ignoring the range sends the whole file: only the range is taken.
            if let Some(end) = end {
                data.truncate(end.saturating_sub(partial.have) as usize);
            }
            partial.write(&data).await?;
            step.progress(partial.have, partial.total.or(partial.announced));
            window.1 += data.len() as u64;
            if window.0.elapsed() >= limits.window {
                if window.1 < limits.min_bytes {
                    return Err(Stop::Retry(format!(
                        "fewer than {} bytes arrived in {}s",
                        limits.min_bytes,
                        limits.window.as_secs()
                    )));
                }
                window = (Instant::now(), 0);
            }
            if partial.total == Some(partial.have) || end == Some(partial.have) {
                return Ok(true);
            }
        }
    }
}

fn length(headers: &hyper::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// The start and total of `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`).
fn content_range(headers: &hyper::HeaderMap) -> Option<(u64, Option<u64>)> {
    let v = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = v.strip_prefix("bytes ")?.split_once('/')?;
    let start = range.split_once('-')?.0.trim().parse().ok()?;
    Some((start, total.trim().parse().ok()))
}

/// An error and its causes on one line (hyper's own message alone is vague).
fn describe(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(&format!(": {c}"));
        cause = c.source();
    }
    s
}
