//! `minik bundle fetch`: download a served bundle into `FILE.partial` with a progress bar, and
//! when the connection drops (or stalls), ask again for the rest with a Range request from the
//! partial file's length; the finished file is renamed into place. Checking comes after: opening
//! the bundle compares its length with the manifest, loading verifies every part's SHA-256. A
//! `.partial` left by Ctrl-C is resumed by the next fetch.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{header, Request, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncSeekExt, AsyncWriteExt, BufWriter};

use super::page::BUNDLE_PATH;
use super::BundleError;
use crate::events::Events;

/// A connection that sends nothing for this long is treated as dropped.
const STALL: Duration = Duration::from_secs(30);
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

/// `FILE.partial`, beside `FILE`.
pub fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// Download `url` to `out`, resuming a `.partial` left from before.
pub async fn download(url: &Uri, out: &Path, events: &Events) -> Result<u64, BundleError> {
    let failed = |reason: String| BundleError::Download {
        url: url.to_string(),
        reason,
    };
    let local = |e: std::io::Error| BundleError::Write {
        path: out.to_path_buf(),
        reason: e.to_string(),
    };
    let partial = partial_path(out);
    let file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(false)
        .write(true)
        .truncate(false)
        .open(&partial)
        .await
        .map_err(local)?;
    let mut have = file.metadata().await.map_err(local)?.len();
    let mut file = BufWriter::with_capacity(1 << 20, file);
    file.seek(std::io::SeekFrom::Start(have))
        .await
        .map_err(local)?;
    if have > 0 {
        events.info(format!("Resuming {} from byte {have}", partial.display()));
    }
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let step = events.step(format!("Downloading {url}"));
    let mut fruitless = 0;
    let total = loop {
        let mut req = Request::get(url.clone());
        if have > 0 {
            req = req.header(header::RANGE, format!("bytes={have}-"));
        }
        let req = req.body(Empty::new()).map_err(|e| failed(e.to_string()))?;
        let before = have;
        let attempt = async {
            let resp = tokio::time::timeout(STALL, client.request(req))
                .await
                .map_err(|_| "no answer".to_string())?
                .map_err(|e| describe(&e))?;
            let total = match resp.status() {
                StatusCode::OK => {
                    // A fresh copy (the server ignored or refused the range): start over.
                    file.flush().await.map_err(|e| e.to_string())?;
                    file.get_mut().set_len(0).await.map_err(|e| e.to_string())?;
                    file.seek(std::io::SeekFrom::Start(0))
                        .await
                        .map_err(|e| e.to_string())?;
                    have = 0;
                    length(resp.headers())
                }
                StatusCode::PARTIAL_CONTENT => content_range_total(resp.headers()),
                StatusCode::RANGE_NOT_SATISFIABLE => {
                    let t = content_range_total(resp.headers());
                    if t == Some(have) {
                        return Ok(t);
                    }
                    // Longer than the served file: not the same bundle; start over.
                    file.get_mut().set_len(0).await.map_err(|e| e.to_string())?;
                    file.seek(std::io::SeekFrom::Start(0))
                        .await
                        .map_err(|e| e.to_string())?;
                    have = 0;
                    return Err("the partial file is longer than the bundle; starting over".into());
                }
                s => return Err(format!("the server answered {s}")),
            };
            let mut body = resp.into_body();
            loop {
                let frame = tokio::time::timeout(STALL, body.frame())
                    .await
                    .map_err(|_| format!("nothing arrived for {}s", STALL.as_secs()))?;
                let Some(frame) = frame else { break };
                let frame = frame.map_err(|e| describe(&e))?;
                if let Ok(data) = frame.into_data() {
                    file.write_all(&data).await.map_err(|e| e.to_string())?;
                    have += data.len() as u64;
                    step.progress(have, total);
                }
            }
            Ok::<_, String>(total)
        }
        .await;
        file.flush().await.map_err(local)?;
        let why = match attempt {
            Ok(Some(total)) if have >= total => break total,
            // No length given: the server closed after sending everything it had.
            Ok(None) => break have,
            Ok(Some(_)) => "the connection closed early".to_string(),
            Err(why) => why,
        };
        fruitless = if have > before { 0 } else { fruitless + 1 };
        if fruitless >= ATTEMPTS {
            drop(file);
            // An empty partial file is no progress worth keeping.
            if have == 0 {
                let _ = tokio::fs::remove_file(&partial).await;
            }
            return Err(failed(why));
        }
        let wait = Duration::from_millis(500 * u64::from(fruitless + 1));
        events.warn(format!(
            "download stopped at {have} bytes ({why}); trying again in {:.1}s",
            wait.as_secs_f64()
        ));
        tokio::time::sleep(wait).await;
    };
    file.get_mut().sync_all().await.map_err(local)?;
    drop(file);
    tokio::fs::rename(&partial, out).await.map_err(local)?;
    step.done();
    Ok(total)
}

fn length(headers: &hyper::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// The total of `Content-Range: bytes a-b/TOTAL` (or `bytes */TOTAL`).
fn content_range_total(headers: &hyper::HeaderMap) -> Option<u64> {
    let v = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    v.rsplit_once('/')?.1.trim().parse().ok()
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::HeaderMap;
    use axum::routing::get;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn urls_get_the_bundle_path() {
        let u = |s: &str| bundle_url(s).map(|u| u.to_string());
        assert_eq!(
            u("http://10.0.0.5:8370").unwrap(),
            "http://10.0.0.5:8370/bundle.minik"
        );
        assert_eq!(
            u("10.0.0.5:8370/").unwrap(),
            "http://10.0.0.5:8370/bundle.minik"
        );
        assert_eq!(u("http://h/x.minik").unwrap(), "http://h/x.minik");
        assert!(u("https://h").unwrap_err().contains("only http://"));
        assert_eq!(
            partial_path(Path::new("a/b.minik")),
            PathBuf::from("a/b.minik.partial")
        );
    }

    /// A server that drops the first download halfway (an error in its body), then answers
    /// range requests with ServeFile: the download must resume and end byte-identical.
    #[tokio::test]
    async fn a_dropped_connection_is_resumed_with_a_range_request() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("served.minik");
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&source, &data).unwrap();
        let ranges = Arc::new(AtomicUsize::new(0));
        let (data2, file, seen) = (data.clone(), source.clone(), ranges.clone());
        let app = axum::Router::new().route(
            "/bundle.minik",
            get(move |headers: HeaderMap, req: axum::extract::Request| {
                let (data, file, seen) = (data2.clone(), file.clone(), seen.clone());
                async move {
                    use tower::ServiceExt;
                    if headers.contains_key(header::RANGE) {
                        seen.fetch_add(1, Ordering::SeqCst);
                        let served = tower_http::services::ServeFile::new(file)
                            .oneshot(req)
                            .await;
                        return axum::response::IntoResponse::into_response(served.unwrap());
                    }
                    let half = Bytes::from(data[..data.len() / 2].to_vec());
                    let body = futures_util::stream::iter([
                        Ok(half),
                        Err(std::io::Error::other("cable pulled")),
                    ]);
                    axum::response::Response::builder()
                        .header(header::CONTENT_LENGTH, data.len())
                        .body(Body::from_stream(body))
                        .unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let out = dir.path().join("got.minik");
        let url = bundle_url(&format!("127.0.0.1:{port}")).unwrap();
        let total = download(&url, &out, &Events::silent()).await.unwrap();
        assert_eq!(total, data.len() as u64);
        assert!(std::fs::read(&out).unwrap() == data, "resumed file differs");
        assert_eq!(ranges.load(Ordering::SeqCst), 1);
        assert!(!partial_path(&out).exists());
    }
}
