//! `minik bundle serve`: the organiser's laptop hands the bundle to the room over plain HTTP
//! (a LAN, no TLS): `/bundle.minik` with range requests (tower-http's ServeFile), so a dropped
//! download resumes where it stopped; `/manifest.json`; `/minik/<file>` for release files the
//! bundle carries; and `/`, a page with the one command attendees run. Every part is checked
//! once before serving starts, so a damaged bundle is never handed to a whole room.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::io::AsyncReadExt;
use tower_http::services::ServeFile;

use super::format::PartKind;
use super::listen::{self, ServeLimits};
use super::page::{self, BUNDLE_PATH};
use super::read::{Bundle, Verifier};
use super::BundleError;
use crate::archive::reader_stream;
use crate::events::Events;

const CHUNK: usize = 1 << 20;

/// Check every part of `bundle` (with a progress bar), as serving and loading would.
pub(crate) async fn verify(bundle: &Bundle, events: &Events) -> Result<(), BundleError> {
    let total: u64 = bundle.manifest.parts.iter().map(|p| p.size).sum();
    let step = events.step(format!("Checking {}", bundle.path.display()));
    let mut done = 0u64;
    for (i, part) in bundle.manifest.parts.iter().enumerate() {
        let mut reader = bundle.part_reader(i).await?;
        let mut verifier = Verifier::new(part);
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = reader
                .read(&mut buf)
                .await
                .map_err(|e| BundleError::Unreadable {
                    path: bundle.path.clone(),
                    reason: e.to_string(),
                })?;
            if n == 0 {
                break;
            }
            verifier.update(&buf[..n]);
            done += n as u64;
            step.progress(done, Some(total));
        }
        verifier
            .finish()
            .map_err(|reason| bundle.corrupt(part, reason))?;
    }
    step.done();
    Ok(())
}

/// Serve `bundle` on `address` within `limits` until the command is stopped; `on_ready` gets
/// the bound address.
pub async fn serve(
    bundle: Bundle,
    address: SocketAddr,
    limits: ServeLimits,
    events: &Events,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), BundleError> {
    verify(&bundle, events).await?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| BundleError::Serve(format!("cannot listen on {address}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| BundleError::Serve(e.to_string()))?;
    let app = Router::new()
        .route("/", get(index))
        .route("/manifest.json", get(manifest))
        .route("/minik/{file}", get(release_file))
        .route_service(BUNDLE_PATH, ServeFile::new(&bundle.path))
        .with_state(Arc::new(bundle))
        .layer(middleware::from_fn_with_state(
            DownloadLog {
                events: events.clone(),
                last: Arc::default(),
            },
            log_downloads,
        ));
    on_ready(bound);
    listen::run(listener, app, limits).await;
    Ok(())
}

/// The organiser's log of downloads, and when each address last got a line.
#[derive(Clone)]
struct DownloadLog {
    events: Events,
    last: Arc<std::sync::Mutex<HashMap<IpAddr, Instant>>>,
}

/// A client gets a log line at most this often, so one laptop's requests cannot flood the
/// organiser's terminal.
const LOG_EVERY: Duration = Duration::from_secs(10);
/// Addresses remembered; past this the memory starts afresh (an IPv6 client can use many).
const LOG_ADDRESSES: usize = 4096;

/// One line per download (and per resumed download) for the organiser, at most one per client
/// every [`LOG_EVERY`].
async fn log_downloads(
    State(log): State<DownloadLog>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == BUNDLE_PATH && request.method() == Method::GET && log.due(peer.ip())
    {
        let range = request
            .headers()
            .get(header::RANGE)
            .and_then(|r| r.to_str().ok())
            .map(|r| format!(", resuming from {}", r.trim_start_matches("bytes=")))
            .unwrap_or_default();
        log.events
            .info(format!("{} is downloading the bundle{range}", peer.ip()));
    }
    next.run(request).await
}

impl DownloadLog {
    fn due(&self, ip: IpAddr) -> bool {
        let Ok(mut last) = self.last.lock() else {
            return false;
        };
        if last.len() >= LOG_ADDRESSES {
            last.clear();
        }
        let now = Instant::now();
        match last.get(&ip) {
            Some(t) if now.duration_since(*t) < LOG_EVERY => false,
            _ => {
                last.insert(ip, now);
                true
            }
        }
    }
}

/// The address other machines most likely reach this one at: the source address of the route
/// to an outside address (connecting a UDP socket sends nothing). `None` without such a route.
pub(crate) fn lan_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // TEST-NET-1: never answers, but the default route picks the room's interface.
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

/// The address to tell the room: this machine's LAN address when listening on every address,
/// else the address it listens on.
pub(crate) fn advertised_url(bound: SocketAddr) -> String {
    if bound.ip().is_unspecified() {
        match lan_address() {
            Some(ip) => format!("http://{}", SocketAddr::new(ip, bound.port())),
            None => format!("http://THIS-LAPTOP'S-ADDRESS:{}", bound.port()),
        }
    } else {
        format!("http://{bound}")
    }
}

async fn index(State(bundle): State<Arc<Bundle>>, headers: HeaderMap) -> Html<String> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("THIS-LAPTOP:8370");
    Html(page::render(&bundle.manifest, host, &bundle.digest))
}

async fn manifest(State(bundle): State<Arc<Bundle>>) -> Response {
    match serde_json::to_string_pretty(&bundle.manifest) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// A release file, straight from its place in the bundle (checked at start).
async fn release_file(
    State(bundle): State<Arc<Bundle>>,
    UrlPath(file): UrlPath<String>,
) -> Response {
    let wanted = format!("minik/{file}");
    let Some(i) = bundle
        .manifest
        .parts
        .iter()
        .position(|p| p.kind == PartKind::Minik && p.name == wanted)
    else {
        return (StatusCode::NOT_FOUND, "no such file in this bundle\n").into_response();
    };
    match bundle.part_reader(i).await {
        Ok(reader) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                (
                    header::CONTENT_LENGTH,
                    bundle.manifest.parts[i].size.to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
            ],
            Body::from_stream(reader_stream(reader, CHUNK)),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_client_gets_one_log_line_per_interval() {
        let log = DownloadLog {
            events: Events::silent(),
            last: Arc::default(),
        };
        let a: IpAddr = "10.0.0.5".parse().unwrap();
        let b: IpAddr = "10.0.0.6".parse().unwrap();
        assert!(log.due(a));
        assert!(
            !log.due(a),
            "a second request within the interval logged again"
        );
        assert!(log.due(b));
        for i in 0..LOG_ADDRESSES as u32 + 10 {
            log.due(IpAddr::from(i.to_be_bytes()));
        }
        assert!(log.last.lock().unwrap().len() <= LOG_ADDRESSES);
    }
}
