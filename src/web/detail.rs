//! `GET /pod?token=…&namespace=NS&pod=NAME`: what a pod opens to on the page (its containers
//! as its node's containerd lists them, and the last lines of their logs), as JSON. The query
//! is checked strictly before anything is asked: exactly these three keys, each once, the
//! names Kubernetes names (no percent-escapes, nothing else); anything else is 400.

use async_trait::async_trait;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::live::names::{is_dns_label, is_dns_subdomain};
use crate::live::{DetailError, Details, PodDetail};

/// The longest query taken: a token (64), a namespace (63), a pod's name (253) and the keys.
const QUERY_LIMIT: usize = 512;
/// The largest answer sent; the fetch's own bounds keep it well below.
pub(crate) const ANSWER_LIMIT: usize = 1024 * 1024;

/// Where a pod's detail comes from: the cluster (`crate::live::Details`), or a test's.
#[async_trait]
pub(crate) trait PodSource: Send + Sync {
    async fn pod(&self, namespace: &str, pod: &str) -> Result<PodDetail, DetailError>;
}

#[async_trait]
impl PodSource for Details {
    async fn pod(&self, namespace: &str, pod: &str) -> Result<PodDetail, DetailError> {
        Details::pod(self, namespace, pod).await
    }
}

/// The namespace and pod a query asks for, or why it is refused.
pub(crate) fn pod_query(query: Option<&str>) -> Result<(String, String), &'static str> {
    let query = query.unwrap_or("");
    if query.len() > QUERY_LIMIT {
        return Err("query too long");
    }
    let (mut token, mut namespace, mut pod) = (0, None, None);
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').ok_or("a pair without =")?;
        let slot = match key {
            "token" => {
                token += 1;
                continue;
            }
            "namespace" => &mut namespace,
            "pod" => &mut pod,
            _ => return Err("unknown key"),
        };
        if slot.replace(value).is_some() {
            return Err("a key given twice");
        }
    }
    if token != 1 {
        return Err("one token");
    }
    let namespace = namespace.ok_or("no namespace")?;
    let pod = pod.ok_or("no pod")?;
    if !is_dns_label(namespace) {
        return Err("the namespace is not a DNS-1123 label");
    }
    if !is_dns_subdomain(pod) {
        return Err("the pod's name is not a DNS-1123 subdomain");
    }
    Ok((namespace.to_string(), pod.to_string()))
}

pub(crate) async fn answer(source: &dyn PodSource, query: Option<&str>) -> Response {
    let (namespace, pod) = match pod_query(query) {
        Ok(q) => q,
        Err(why) => return json(StatusCode::BAD_REQUEST, error("bad_request", why)),
    };
    let (code, body) = match source.pod(&namespace, &pod).await {
        Ok(detail) => match serde_json::to_string(&detail) {
            Ok(text) if text.len() <= ANSWER_LIMIT => (StatusCode::OK, text),
            _ => (StatusCode::BAD_GATEWAY, error("too_large", "")),
        },
        Err(e) => {
            let code = match &e {
                DetailError::NotFound => StatusCode::NOT_FOUND,
                DetailError::Busy => StatusCode::SERVICE_UNAVAILABLE,
                DetailError::Api(_) => StatusCode::BAD_GATEWAY,
                DetailError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            };
            let key = match &e {
                DetailError::NotFound => "not_found",
                DetailError::Busy => "busy",
                DetailError::Api(_) => "api",
                DetailError::Timeout => "timeout",
            };
            (code, error(key, &e.to_string()))
        }
    };
    json(code, body)
}

fn error(key: &str, reason: &str) -> String {
    serde_json::json!({"error": key, "reason": reason}).to_string()
}

fn json(code: StatusCode, body: String) -> Response {
    let mut r = (code, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
