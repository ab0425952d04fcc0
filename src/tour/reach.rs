//! Reaching a Service from outside the cluster, as the reach lab teaches and checks it: the URL
//! at which a node port answers on this machine (a node's own address where this host routes to
//! the nodes, else a port the engine publishes for a node), one HTTP GET of it, and one request
//! through `kubectl port-forward` run as the lab's identity where kubectl runs.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::provider::{NodeInfo, NodeRole};

/// How long one request (or the port-forward it rides on) may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer read: the check shows its first line.
const MAX_BODY: usize = 64 * 1024;

/// The nodes as this host reaches them.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeReach {
    /// Node addresses route from this host (a local rootful engine on Linux); elsewhere
    /// (Docker Desktop, Colima, WSL2, rootless, remote) only published ports reach a node.
    pub(crate) routable: bool,
    /// The cluster's Kubernetes nodes: their addresses and published ports.
    pub(crate) nodes: Vec<NodeInfo>,
}

impl NodeReach {
    /// `http://ADDRESS:PORT` that reaches `node_port` from this machine: a worker's (else the
    /// control plane's) IPv4 address (IPv6 on an IPv6-only cluster) where nodes route, else a port published for
    /// `node_port` on any node (`extraPortMappings`); `None` when nothing reaches it.
    pub(crate) fn node_port_url(&self, node_port: u16) -> Option<String> {
        if self.routable {
            let mut nodes: Vec<&NodeInfo> = self.nodes.iter().collect();
            nodes.sort_by_key(|n| (n.role != NodeRole::Worker, n.name.clone()));
            let ip = nodes.iter().find_map(|n| {
                n.ipv4
                    .clone()
                    .or_else(|| n.ipv6.as_ref().map(|v6| format!("[{v6}]")))
            });
            if let Some(ip) = ip {
                return Some(format!("http://{ip}:{node_port}"));
            }
        }
        let published =
            self.nodes.iter().flat_map(|n| &n.ports).find(|m| {
                m.container_port == node_port && m.host_port != 0 && m.protocol == "tcp"
            })?;
        let host = match published.listen_address.as_str() {
            "" | "0.0.0.0" => "127.0.0.1".to_string(),
            "::" => "[::1]".to_string(),
            a if a.contains(':') => format!("[{a}]"),
            a => a.to_string(),
        };
        Some(format!("http://{host}:{}", published.host_port))
    }
}

/// One GET of `url` from this machine: its status and the start of its body, or why not.
pub(crate) async fn http_get(url: &str) -> Result<(u16, String), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let fetch = async {
        let response = client.get(uri).await.map_err(|e| error_chain(&e))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    };
    match tokio::time::timeout(TIMEOUT, fetch).await {
        Ok(got) => got.map_err(|e: String| format!("GET {url}: {e}")),
        Err(_) => Err(format!("GET {url}: no answer in {}s", TIMEOUT.as_secs())),
    }
}

/// An error and its causes (hyper's own text is only "client error (Connect)").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

/// The script that runs `kubectl port-forward` for one request where kubectl runs: the
/// forward in the background (bounded by `timeout`, stopped on every exit), the local port it
/// picked read from its output, one curl through it. Its arguments arrive as `$1`..`$5`
/// (kubeconfig, namespace, target, port, path), never as script text.
pub(crate) const FORWARD_SCRIPT: &str = r#"out=$(mktemp) || exit 1
timeout 30 kubectl --kubeconfig="$1" port-forward -n "$2" "$3" ":$4" --address=127.0.0.1 >"$out" 2>&1 &
pf=$!
trap 'kill "$pf" 2>/dev/null; wait "$pf" 2>/dev/null; rm -f "$out"' EXIT
i=0
while :; do
  port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$out" | head -n 1)
  [ -n "$port" ] && break
  if ! kill -0 "$pf" 2>/dev/null || [ "$i" -ge 150 ]; then cat "$out"; exit 1; fi
  i=$((i + 1))
  sleep 0.1
done
curl -sS --max-time 5 -w '\nminik-http-status=%{http_code}\n' "http://127.0.0.1:$port$5" 2>&1
"#;

/// The argv that runs [`FORWARD_SCRIPT`] for `target` (`service/NAME`) in `namespace`.
pub(crate) fn forward_argv(
    kubeconfig: &str,
    namespace: &str,
    target: &str,
    port: u16,
    path: &str,
) -> Vec<String> {
    [
        "sh",
        "-c",
        FORWARD_SCRIPT,
        "minik-forward",
        kubeconfig,
        namespace,
        target,
    ]
    .into_iter()
    .map(String::from)
    .chain([port.to_string(), path.to_string()])
    .collect()
}

/// What the script printed: the status and body, or kubectl's (or curl's) own words.
pub(crate) fn forward_answer(exit_code: i64, output: &str) -> Result<(u16, String), String> {
    let trimmed = output.trim_end();
    let (body, last) = trimmed.rsplit_once('\n').unwrap_or(("", trimmed));
    match last.strip_prefix("minik-http-status=") {
        Some(code) if exit_code == 0 => code
            .parse::<u16>()
            .map(|c| (c, body.to_string()))
            .map_err(|_| trimmed.to_string()),
        _ => Err(trimmed.to_string()),
    }
}

#[cfg(test)]
mod tests;
