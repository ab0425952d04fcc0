//! Step: wait until every node reports Ready, polling the API from inside the cluster.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::NodeSetup;
use crate::cluster::ClusterError;
use crate::events::Events;
use crate::node;
use crate::provider::Provider;

const POLL: Duration = Duration::from_millis(500);

/// Wait for the `expected` nodes, asking the bootstrap control plane. Returns false (after a
/// warning) when `wait` runs out first; creation still succeeds, as the cluster usually
/// becomes Ready soon after.
pub(crate) async fn run(
    ctx: &NodeSetup<'_>,
    expected: &[&str],
    wait: Duration,
) -> Result<bool, ClusterError> {
    if ctx.config.networking.disable_default_cni && !wait.is_zero() {
        return api_answers(ctx, expected, wait).await;
    }
    let any = Addresses::new();
    wait_nodes_ready(
        ctx.provider,
        ctx.events,
        &[ctx.bootstrap],
        expected,
        &any,
        wait,
    )
    .await
}

/// Without a CNI no node can become Ready, so waiting for it only burns `wait`: say so, and
/// return as soon as the API answers (true only if the nodes happen to be Ready already).
async fn api_answers(
    ctx: &NodeSetup<'_>,
    expected: &[&str],
    wait: Duration,
) -> Result<bool, ClusterError> {
    ctx.events.info(
        "networking.disableDefaultCNI is set: nodes stay NotReady until you install a CNI \
         (for example with `kubectl apply -f <your CNI's manifest>`); not waiting for Ready",
    );
    let deadline = Instant::now() + wait;
    loop {
        match ready_nodes(ctx.provider, ctx.bootstrap, &Addresses::new()).await {
            Ok(ready) => return Ok(expected.iter().all(|n| ready.iter().any(|r| r == n))),
            Err(e) if Instant::now() >= deadline => {
                ctx.events.warn(format!(
                    "the API did not answer within {}: {e}",
                    humantime::format_duration(wait)
                ));
                return Ok(false);
            }
            Err(_) => tokio::time::sleep(POLL).await,
        }
    }
}

/// Poll `kubectl get nodes` (with the admin.conf) on the first of `control_planes` that
/// answers until every node in `expected` is Ready. An API that does not answer yet counts as
/// "not Ready yet". Returns
/// false (after a warning) when `wait` runs out; a zero `wait` returns at once. Shared by
/// `create` and `start`.
pub(crate) async fn wait_nodes_ready(
    provider: &dyn Provider,
    events: &Events,
    control_planes: &[&str],
    expected: &[&str],
    addresses: &Addresses,
    wait: Duration,
) -> Result<bool, ClusterError> {
    if wait.is_zero() {
        return Ok(true);
    }
    let step = events.step(format!(
        "Waiting ≤ {} for {} to be Ready ⏳",
        humantime::format_duration(wait),
        if expected.len() == 1 {
            "the node".to_string()
        } else {
            format!("{} nodes", expected.len())
        }
    ));
    let deadline = Instant::now() + wait;
    loop {
        let last = match ready_nodes_on_any(provider, control_planes, addresses).await {
            Ok(ready) if expected.iter().all(|n| ready.iter().any(|r| r == n)) => {
                step.done();
                return Ok(true);
            }
            Ok(ready) => format!("{} of {} Ready", ready.len(), expected.len()),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            drop(step);
            events.warn(format!("timed out waiting for Ready nodes ({last}); the cluster may still come up: check `kubectl get nodes`"));
            return Ok(false);
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn ready_nodes_on_any(
    provider: &dyn Provider,
    control_planes: &[&str],
    addresses: &Addresses,
) -> Result<Vec<String>, ClusterError> {
    let mut last = ClusterError::NoControlPlaneToAsk;
    for cp in control_planes {
        match ready_nodes(provider, cp, addresses).await {
            Ok(ready) => return Ok(ready),
            Err(e) => last = e,
        }
    }
    Err(last)
}

async fn ready_nodes(
    provider: &dyn Provider,
    boot: &str,
    addresses: &Addresses,
) -> Result<Vec<String>, ClusterError> {
    let json = node::kubectl_output(provider, boot, &["get", "nodes", "-o", "json"]).await?;
    parse_ready(&json, addresses).map_err(|reason| ClusterError::BadOutput {
        node: boot.to_string(),
        what: "kubectl get nodes".into(),
        reason,
    })
}

/// Each node's addresses as the engine gives them now. A node started again with a new address
/// keeps its old, still-Ready status until its kubelet reports again, so such a node counts as
/// Ready only once one of its InternalIPs is among these.
pub(crate) type Addresses = BTreeMap<String, Vec<String>>;

/// Names of the nodes whose Ready condition is True in a NodeList (and whose InternalIP is
/// current, for the nodes `addresses` names).
pub(super) fn parse_ready(json: &str, addresses: &Addresses) -> Result<Vec<String>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let items = v
        .get("items")
        .and_then(|i| i.as_array())
        .ok_or("no items in the NodeList")?;
    Ok(items
        .iter()
        .filter(|n| {
            n.pointer("/status/conditions")
                .and_then(|c| c.as_array())
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
        })
        .filter(|n| {
            let name = n.pointer("/metadata/name").and_then(|s| s.as_str());
            let Some(want) = name.and_then(|name| addresses.get(name)) else {
                return true;
            };
            n.pointer("/status/addresses")
                .and_then(|a| a.as_array())
                .is_some_and(|a| {
                    a.iter().any(|a| {
                        a["type"] == "InternalIP"
                            && a["address"]
                                .as_str()
                                .is_some_and(|ip| want.iter().any(|w| w == ip))
                    })
                })
        })
        .filter_map(|n| {
            n.pointer("/metadata/name")
                .and_then(|s| s.as_str())
                .map(String::from)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{parse_ready, Addresses};

    #[test]
    fn reads_ready_conditions() {
        let json = r#"{"kind":"NodeList","items":[
          {"metadata":{"name":"a"},"status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}]}},
          {"metadata":{"name":"b"},"status":{"conditions":[{"type":"Ready","status":"False"}]}},
          {"metadata":{"name":"c"},"status":{}}]}"#;
        assert_eq!(parse_ready(json, &Addresses::new()).unwrap(), vec!["a"]);
        assert!(parse_ready("not json", &Addresses::new()).is_err());
    }

    #[test]
    fn a_node_with_a_new_address_is_ready_once_it_reports_that_address() {
        let json = r#"{"items":[{"metadata":{"name":"w"},"status":{
          "conditions":[{"type":"Ready","status":"True"}],
          "addresses":[{"type":"InternalIP","address":"172.18.0.2"},{"type":"Hostname","address":"w"}]}}]}"#;
        let moved = Addresses::from([("w".to_string(), vec!["172.18.0.7".to_string()])]);
        assert!(
            parse_ready(json, &moved).unwrap().is_empty(),
            "stale status"
        );
        let same = Addresses::from([("w".to_string(), vec!["172.18.0.2".to_string()])]);
        assert_eq!(parse_ready(json, &same).unwrap(), vec!["w"]);
    }
}
