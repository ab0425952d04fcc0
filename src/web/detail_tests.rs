//! Unit tests of `/pod`: the query's strict checks (every refusal is 400 and asks nothing),
//! the answers' codes, and the bound on an answer's size.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use super::detail::{pod_query, PodSource, ANSWER_LIMIT};
use super::router;
use super::tests::{page_with, TOKEN};
use crate::live::{DetailError, PodDetail};

/// A pod source that answers one way and counts what it was asked.
#[derive(Default)]
pub(super) struct Fixed {
    asked: AtomicUsize,
    /// Log lines of this many characters in the one container (0: a normal answer).
    huge: usize,
    missing: bool,
}

#[async_trait]
impl PodSource for Fixed {
    async fn pod(&self, namespace: &str, pod: &str) -> Result<PodDetail, DetailError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        if self.missing {
            return Err(DetailError::NotFound);
        }
        let line = "x".repeat(self.huge.max(1));
        let detail = serde_json::json!({
            "namespace": namespace, "pod": pod, "node": "lab-worker", "node_container": true,
            "containerd_error": "",
            "containers": [{"name": "c", "init": false, "image": "i", "state": "Running",
                "ready": true, "restarts": 0, "containerd": [], "log": vec![line; 200],
                "log_cut": false, "log_error": ""}]});
        Ok(serde_json::from_value(detail).unwrap())
    }
}

async fn get(source: Arc<Fixed>, query: &str) -> (StatusCode, String) {
    let req = Request::builder()
        .uri(format!("/pod?{query}"))
        .body(Body::empty())
        .unwrap();
    let r = router(page_with("lab", source)).oneshot(req).await.unwrap();
    let code = r.status();
    let body = to_bytes(r.into_body(), usize::MAX).await.unwrap();
    (code, String::from_utf8_lossy(&body).into_owned())
}

#[test]
fn only_kubernetes_names_are_asked_for() {
    let t = format!("token={TOKEN}");
    let ok = |q: &str| pod_query(Some(q));
    assert_eq!(
        ok(&format!(
            "{t}&namespace=kube-system&pod=etcd-lab-control-plane"
        )),
        Ok(("kube-system".into(), "etcd-lab-control-plane".into()))
    );
    assert!(ok(&format!("namespace=a&pod=b.c-d&{t}")).is_ok());
    let long = "a".repeat(253);
    assert!(ok(&format!("{t}&namespace=default&pod={long}")).is_ok());
    for bad in [
        String::new(),
        t.clone(),
        format!("{t}&namespace=default"),
        format!("{t}&pod=x"),
        format!("{t}&namespace=default&pod=x&pod=y"),
        format!("{t}&namespace=default&namespace=x&pod=y"),
        format!("{t}&{t}&namespace=default&pod=x"),
        format!("{t}&namespace=default&pod=x&container=y"),
        format!("{t}&namespace=default&pod=x&"),
        format!("{t}&namespace=default&pod"),
        format!("{t}&namespace=Default&pod=x"),
        format!("{t}&namespace=default&pod=X"),
        format!("{t}&namespace=-a&pod=x"),
        format!("{t}&namespace=a-&pod=x"),
        format!("{t}&namespace={}&pod=x", "a".repeat(64)),
        format!("{t}&namespace=default&pod={}", "a".repeat(254)),
        format!("{t}&namespace=default&pod=a..b"),
        format!("{t}&namespace=default&pod=.a"),
        format!("{t}&namespace=default&pod=a%2Fb"),
        format!("{t}&namespace=default&pod=../../etc"),
        format!("{t}&namespace=default&pod=a;rm"),
        format!("{t}&namespace=default&pod=%3Cimg%20src%3Dx%3E"),
        format!("{t}&namespace=default&pod=<img>"),
        format!("{t}&namespace=default&pod=a b"),
        format!("{t}&namespace=default&pod=a\u{202e}b"),
        format!("{t}&namespace=default&pod=\u{0430}"),
        format!("{t}&namespace=default&pod=x&x={}", "a".repeat(600)),
    ] {
        assert!(ok(&bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn a_refused_query_is_400_and_asks_nothing() {
    let source = Arc::new(Fixed::default());
    for q in [
        format!("token={TOKEN}"),
        format!("token={TOKEN}&namespace=default&pod=a%2Fb"),
        format!("token={TOKEN}&namespace=default&pod=x&pod=y"),
        format!("token={TOKEN}&namespace=default&pod=x&follow=true"),
    ] {
        let (code, body) = get(source.clone(), &q).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert!(body.contains("\"error\":\"bad_request\""), "{body}");
    }
    assert_eq!(source.asked.load(Ordering::SeqCst), 0);
    // Without the token: 403 before the query is even read.
    let (code, _) = get(source.clone(), "namespace=default&pod=x").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(source.asked.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_pod_is_answered_as_json_and_a_gone_one_is_404() {
    let q = format!("token={TOKEN}&namespace=default&pod=hello-1");
    let (code, body) = get(Arc::new(Fixed::default()), &q).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["pod"], "hello-1");
    assert_eq!(v["containers"][0]["name"], "c");
    let gone = Arc::new(Fixed {
        missing: true,
        ..Fixed::default()
    });
    let (code, body) = get(gone, &q).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert!(body.contains("not_found"));
}

#[tokio::test]
async fn an_answer_over_the_bound_is_not_sent() {
    let q = format!("token={TOKEN}&namespace=default&pod=hello-1");
    let huge = Arc::new(Fixed {
        huge: ANSWER_LIMIT / 100,
        ..Fixed::default()
    });
    let (code, body) = get(huge, &q).await;
    assert_eq!(code, StatusCode::BAD_GATEWAY);
    assert!(body.len() < 200, "{}", body.len());
}
