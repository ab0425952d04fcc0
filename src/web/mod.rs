//! `minik ui`'s web server: one page for one cluster, on 127.0.0.1 by default. Every request
//! must carry the token minik printed (403 otherwise, on every path and method); the server
//! only answers GET; the page, its script and its style are in the binary, so nothing is
//! fetched from anywhere else (the Content-Security-Policy says so to the browser too). The
//! page's data arrives as Server-Sent Events: one JSON snapshot per change, from
//! `crate::live`; a closed tab drops its subscription.

mod detail;
mod token;
mod tour;

#[cfg(test)]
mod detail_tests;
#[cfg(test)]
mod tests;

pub(crate) use detail::PodSource;
pub(crate) use token::Token;
pub(crate) use tour::{channel as tour_channel, WebGuide};

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::Stream;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::live::{self, LiveError};
use crate::tour::Lang;

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/app.css");
/// The tour's panel (`minik tour --web`) and the moves' animation: scripts of their own.
const TOUR_SCRIPT: &str = include_str!("page/tour.js");
const MOVES_SCRIPT: &str = include_str!("page/moves.js");

/// Nothing but this server: no other origin, no inline script, no framing.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                      connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
                      frame-ancestors 'none'";

/// What the server answers with.
#[derive(Clone)]
pub(crate) struct Page {
    pub(crate) token: Token,
    pub(crate) lang: Lang,
    pub(crate) cluster: String,
    pub(crate) snapshots: watch::Receiver<Arc<str>>,
    /// What a pod opens to, fetched when the page asks (`/pod`).
    pub(crate) pods: Arc<dyn PodSource>,
    /// The tour's current step, when the page is `minik tour --web`'s (`/tour`).
    pub(crate) tour: Option<watch::Receiver<Arc<str>>>,
}

pub(crate) async fn bind(address: IpAddr, port: u16) -> Result<TcpListener, LiveError> {
    let at = SocketAddr::new(address, port);
    TcpListener::bind(at)
        .await
        .map_err(|source| LiveError::Listen {
            address: at.to_string(),
            source,
        })
}

/// The page's address, with its token.
pub(crate) fn url(at: SocketAddr, token: &Token) -> String {
    format!("http://{at}/?token={}", token.as_str())
}

/// Opens `url` in the desktop's browser; `false` when there is no display to show it on.
pub(crate) fn open_browser(url: &str) -> bool {
    let display = cfg!(any(target_os = "macos", windows))
        || ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()));
    display && webbrowser::open(url).is_ok()
}

pub(crate) async fn serve(listener: TcpListener, page: Page) -> Result<(), LiveError> {
    axum::serve(listener, router(page))
        .await
        .map_err(LiveError::Serve)
}

pub(crate) fn router(page: Page) -> Router {
    Router::new().fallback(answer).with_state(page)
}

/// The one handler: the token first, whatever the path or method; then GET only.
async fn answer(State(page): State<Page>, req: Request) -> Response {
    if !page.token.admits(req.uri().query()) {
        return plain(
            StatusCode::FORBIDDEN,
            "forbidden: this page needs the URL minik printed, with its token\n",
        );
    }
    if req.method() != Method::GET {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "the page is read-only\n");
    }
    match req.uri().path() {
        "/" => file("text/html; charset=utf-8", index(&page)),
        "/static/app.js" => file("text/javascript; charset=utf-8", SCRIPT.to_string()),
        "/static/app.css" => file("text/css; charset=utf-8", STYLE.to_string()),
        "/events" => secured(events(page.snapshots.clone()).into_response()),
        "/pod" => secured(detail::answer(&*page.pods, req.uri().query()).await),
        "/static/tour.js" => file("text/javascript; charset=utf-8", TOUR_SCRIPT.to_string()),
        "/static/moves.js" => file("text/javascript; charset=utf-8", MOVES_SCRIPT.to_string()),
        "/tour" => match &page.tour {
            Some(steps) => secured(events(steps.clone()).into_response()),
            None => plain(StatusCode::NOT_FOUND, "not found\n"),
        },
        _ => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = (status, text).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    secured(r)
}

fn file(kind: &'static str, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    secured(r)
}

/// Headers on every answer: no caching of a page whose URL is a secret, no referrer that
/// would carry it, no sniffing, and the policy above.
fn secured(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    r
}

/// The page with its language, cluster name, token and words filled in (each escaped for
/// where it goes).
pub(crate) fn index(page: &Page) -> String {
    let words = live::page_words(page.lang).to_string();
    INDEX
        .replace("{{LANG}}", page.lang.code())
        .replace("{{CLUSTER}}", &html_escape(&page.cluster))
        .replace("{{TOKEN}}", &html_escape(page.token.as_str()))
        .replace("{{WORDS}}", &html_escape(&words))
        .replace("{{TOUR}}", if page.tour.is_some() { "on" } else { "" })
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Each snapshot as one `data:` event, the current one first; ends when the tab goes.
fn events(
    mut snapshots: watch::Receiver<Arc<str>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    snapshots.mark_changed();
    let stream = futures_util::stream::unfold(snapshots, |mut rx| async move {
        rx.changed().await.ok()?;
        let data = rx.borrow_and_update().clone();
        Some((Ok(Event::default().data(&*data)), rx))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
