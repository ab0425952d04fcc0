//! Reading an `httpGet` check: a Service, a path, and how minik reaches it (`via: nodePort`
//! from this machine, or `via: portForward`), each problem reported at its position.
//!
//! ```yaml
//! - kind: services
//!   namespace: "{namespace}"
//!   name: hello
//!   httpGet: /hostname
//!   via: nodePort
//! ```

use super::lab::{Check, Expect, VIAS};
use crate::config::decode::Decoder;
use crate::config::yaml::Node;
use crate::text::quoted;

const EXAMPLE: &str = "httpGet: /hostname";

/// The path goes into a URL that a shell on the node passes on as one argument: `/` then
/// letters, digits and `-._~/?=&%` only.
fn path_is_safe(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= 200
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/?=&%".contains(&b))
}

pub(super) fn decode(
    d: &mut Decoder,
    value: &Node,
    p: &str,
    check: &Check,
    via: Option<(&Node, String)>,
    node: &Node,
) -> Option<Expect> {
    let path = d.string(value, p, EXAMPLE)?;
    if !path_is_safe(&path) {
        d.error(
            value.at,
            format!("{} is not a path minik fetches", quoted(&path)),
            "write a path starting with /, of letters, digits and -._~/?=&%, e.g. httpGet: /hostname",
        );
        return None;
    }
    if !matches!(check.kind.as_str(), "services" | "service" | "svc") || check.name.is_none() {
        d.error(
            node.at,
            "httpGet fetches from one Service".into(),
            "use it in a check with kind: services and name: (the Service's name)",
        );
        return None;
    }
    let Some((v, vp)) = via else {
        d.error(
            node.at,
            "httpGet needs via: to say how minik reaches the Service".into(),
            "add via: nodePort (from this machine) or via: portForward (kubectl port-forward)",
        );
        return None;
    };
    let names: Vec<&str> = VIAS.iter().map(|(n, _)| *n).collect();
    let via = VIAS[d.choice(v, &vp, &names, false)?].1;
    Some(Expect::HttpGet { path, via })
}
