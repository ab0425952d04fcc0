//! Unit tests of the token check and the page's answers: every path and method without the
//! token is 403; with it, GET only; the page carries nothing from elsewhere.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use super::token::constant_time_eq;
use super::*;

pub(super) const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

pub(super) fn page(cluster: &str) -> Page {
    page_with(cluster, Arc::new(super::detail_tests::Fixed::default()))
}

pub(super) fn page_with(cluster: &str, pods: Arc<dyn PodSource>) -> Page {
    let (_tx, rx) = watch::channel::<Arc<str>>(Arc::from("{}"));
    Page {
        token: Token::from_text(TOKEN),
        lang: Lang::Ko,
        cluster: cluster.to_string(),
        snapshots: rx,
        pods,
        tour: None,
    }
}

async fn status(method: &str, uri: &str) -> (StatusCode, axum::http::HeaderMap) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let r = router(page("lab")).oneshot(req).await.unwrap();
    (r.status(), r.headers().clone())
}

#[test]
fn tokens_are_compared_whole() {
    let t = Token::from_text(TOKEN);
    assert!(t.admits(Some(&format!("token={TOKEN}"))));
    assert!(t.admits(Some(&format!("x=1&token={TOKEN}"))));
    assert!(!t.admits(None));
    assert!(!t.admits(Some("")));
    assert!(!t.admits(Some("token=")));
    assert!(!t.admits(Some(&format!("token={}", &TOKEN[..63]))));
    assert!(!t.admits(Some(&format!("token={TOKEN}0"))));
    assert!(!t.admits(Some(&format!("token={}", TOKEN.to_uppercase()))));
    assert!(!t.admits(Some(&format!("xtoken={TOKEN}"))));
    // The first pair named token counts: a second one cannot override a wrong first.
    assert!(!t.admits(Some(&format!("token=wrong&token={TOKEN}"))));
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
}

#[test]
fn new_tokens_are_long_and_differ() {
    let a = Token::new().unwrap();
    let b = Token::new().unwrap();
    assert_eq!(a.as_str().len(), 64);
    assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a.as_str(), b.as_str());
}

#[tokio::test]
async fn without_the_token_every_path_and_method_is_403() {
    for path in [
        "/",
        "/events",
        "/static/app.js",
        "/static/app.css",
        "/static/",
        "/nope",
        "/?token=",
        "/?token=0123",
        "/events?token=x",
        "/static/app.js?tok=1",
        "/pod",
        "/pod?namespace=default&pod=x",
        "/pod?namespace=default&pod=x&token=0",
    ] {
        for method in ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"] {
            let (code, headers) = status(method, path).await;
            assert_eq!(code, StatusCode::FORBIDDEN, "{method} {path}");
            assert_eq!(headers["cache-control"], "no-store");
        }
    }
}

#[tokio::test]
async fn with_the_token_only_get_is_answered() {
    let q = format!("?token={TOKEN}");
    for path in ["/", "/static/app.js", "/static/app.css"] {
        let (code, headers) = status("GET", &format!("{path}{q}")).await;
        assert_eq!(code, StatusCode::OK, "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"));
    }
    let (code, headers) = status("GET", &format!("/events{q}")).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(
        status("GET", &format!("/x{q}")).await.0,
        StatusCode::NOT_FOUND
    );
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let (code, _) = status(method, &format!("/{q}")).await;
        assert_eq!(code, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
}

#[test]
fn the_page_escapes_what_it_fills_in_and_loads_nothing_from_elsewhere() {
    let html = index(&page("lab\"><script>x</script>"));
    assert!(!html.contains("<script>x"), "{html}");
    assert!(html.contains("lab&quot;&gt;&lt;script&gt;"));
    assert!(html.contains("lang=\"ko\""));
    assert!(html.contains("노드"), "Korean words in the page");
    for text in [INDEX, SCRIPT, STYLE, TOUR_SCRIPT, MOVES_SCRIPT] {
        assert!(!text.contains("http://") && !text.contains("https://"));
        assert!(!text.contains("//cdn") && !text.contains("@import"));
    }
    // Names from the cluster are drawn as text only.
    for script in [SCRIPT, TOUR_SCRIPT, MOVES_SCRIPT] {
        assert!(!script.contains("innerHTML") && !script.contains("insertAdjacentHTML"));
    }
}
