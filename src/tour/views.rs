//! What minik shows of the learner's cluster beside a step: the real objects behind the idea,
//! read from the API and, for what the API cannot show, from the nodes themselves (the
//! containers containerd runs for the static pods, the kubelet and containerd services).

use serde_json::Value;

use super::access::Access;
use super::check::role_of;
use super::lab::{Role, View};
use super::messages::Messages;
use crate::cluster::ClusterError;

/// One view: a heading and its lines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Shown {
    pub(crate) heading: String,
    pub(crate) lines: Vec<String>,
}

/// `kubectl get ARGS -o json`, or an empty list when kubectl fails.
pub(super) async fn get_json(access: &dyn Access, args: &[&str]) -> Result<Value, ClusterError> {
    let mut all: Vec<String> = vec!["get".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.extend(["-o".into(), "json".into()]);
    let out = access.kubectl(&all, None).await?;
    if out.exit_code != 0 {
        return Ok(Value::Null);
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

fn list(v: &Value) -> Vec<&Value> {
    v["items"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn s<'v>(v: &'v Value, path: &[&str]) -> &'v str {
    path.iter().fold(v, |v, k| &v[*k]).as_str().unwrap_or("-")
}

fn role_word(m: &Messages, r: Option<Role>) -> &'static str {
    match r {
        Some(Role::ControlPlane) => m.role_control_plane,
        _ => m.role_worker,
    }
}

pub(super) async fn show(
    access: &dyn Access,
    view: View,
    namespace: &str,
    m: &Messages,
) -> Result<Shown, ClusterError> {
    let nodes = get_json(access, &["nodes"]).await?;
    match view {
        View::Nodes => Ok(Shown {
            heading: "kubectl get nodes".into(),
            lines: nodes_lines(&nodes, m),
        }),
        View::ControlPlane => control_plane(access, m).await,
        View::NodeAgents => node_agents(access, &nodes, m).await,
        View::ServiceRules => super::rules_view::service_rules(access, &nodes, namespace).await,
        View::Pods => {
            let pods = get_json(access, &["pods", "-n", namespace]).await?;
            let mut lines = pod_lines(&pods, &nodes, m);
            if lines.is_empty() {
                lines.push(m.no_pods.to_string());
            }
            Ok(Shown {
                heading: format!("kubectl get pods -n {namespace} -o wide"),
                lines,
            })
        }
    }
}

pub(super) fn nodes_lines(nodes: &Value, m: &Messages) -> Vec<String> {
    list(nodes)
        .into_iter()
        .map(|n| {
            let name = s(n, &["metadata", "name"]);
            let ready = n["status"]["conditions"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
                .map(|c| {
                    if c["status"] == "True" {
                        "Ready"
                    } else {
                        "NotReady"
                    }
                })
                .unwrap_or("-");
            format!(
                "{name}: {}, {ready}, kubelet {}, {}",
                role_word(m, role_of(nodes, name)),
                s(n, &["status", "nodeInfo", "kubeletVersion"]),
                s(n, &["status", "nodeInfo", "containerRuntimeVersion"]),
            )
        })
        .collect()
}

pub(super) fn pod_lines(pods: &Value, nodes: &Value, m: &Messages) -> Vec<String> {
    list(pods)
        .into_iter()
        .map(|p| {
            let node = s(p, &["spec", "nodeName"]);
            m.pod_line
                .replace("{pod}", s(p, &["metadata", "name"]))
                .replace("{phase}", phase(p))
                .replace("{node}", node)
                .replace("{role}", role_word(m, role_of(nodes, node)))
        })
        .collect()
}

/// The pod's phase as kubectl's STATUS column words it for a pod being deleted: Terminating
/// (its phase stays Running until its kubelet stops it, which may be never while that kubelet
/// is down).
fn phase(p: &Value) -> &str {
    if p["metadata"]["deletionTimestamp"].is_string() {
        "Terminating"
    } else {
        s(p, &["status", "phase"])
    }
}

/// containerd's containers on `node` (CRI's `k8s.io` namespace): id → image.
async fn containerd(access: &dyn Access, node: &str) -> Vec<(String, String)> {
    let Ok(out) = access
        .on_node(node, &["ctr", "-n", "k8s.io", "containers", "ls"])
        .await
    else {
        return Vec::new();
    };
    out.stdout_text()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.to_string()))
        })
        .collect()
}

async fn control_plane(access: &dyn Access, m: &Messages) -> Result<Shown, ClusterError> {
    let pods = get_json(
        access,
        &["pods", "-n", "kube-system", "-l", "tier=control-plane"],
    )
    .await?;
    let mut lines = Vec::new();
    let mut cp_nodes: Vec<&str> = list(&pods)
        .iter()
        .map(|p| s(p, &["spec", "nodeName"]))
        .collect();
    cp_nodes.sort();
    cp_nodes.dedup();
    for node in cp_nodes {
        let files = access
            .on_node(node, &["ls", "/etc/kubernetes/manifests"])
            .await
            .map(|o| {
                o.stdout_text()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        lines.push(format!(
            "{node}: {} /etc/kubernetes/manifests: {files}",
            m.static_pod_files
        ));
        let running = containerd(access, node).await;
        for p in list(&pods)
            .into_iter()
            .filter(|p| s(p, &["spec", "nodeName"]) == node)
        {
            for c in p["status"]["containerStatuses"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let id = s(c, &["containerID"]).trim_start_matches("containerd://");
                let found = running.iter().find(|(have, _)| have == id);
                let short = id.get(..12).unwrap_or(id);
                let where_ = match found {
                    Some((_, image)) => format!("{} {short} ({image})", m.in_containerd),
                    None => format!("{} ({short})", m.not_in_containerd),
                };
                lines.push(format!(
                    "  {} {}: {where_}",
                    s(p, &["metadata", "name"]),
                    phase(p)
                ));
            }
        }
    }
    Ok(Shown {
        heading:
            "kubectl get pods -n kube-system -l tier=control-plane + ctr -n k8s.io containers ls"
                .into(),
        lines,
    })
}

async fn node_agents(
    access: &dyn Access,
    nodes: &Value,
    m: &Messages,
) -> Result<Shown, ClusterError> {
    let proxies = get_json(
        access,
        &["pods", "-n", "kube-system", "-l", "k8s-app=kube-proxy"],
    )
    .await?;
    let mut lines = Vec::new();
    for n in list(nodes) {
        let name = s(n, &["metadata", "name"]);
        let active = access
            .on_node(name, &["systemctl", "is-active", "kubelet", "containerd"])
            .await
            .map(|o| {
                o.stdout_text()
                    .split_whitespace()
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let state = |i: usize| active.get(i).map(String::as_str).unwrap_or("?");
        let proxy = list(&proxies)
            .into_iter()
            .find(|p| s(p, &["spec", "nodeName"]) == name)
            .map(|p| {
                format!(
                    "{} {}",
                    s(p, &["metadata", "name"]),
                    s(p, &["status", "phase"])
                )
            })
            .unwrap_or_else(|| "-".into());
        lines.push(format!(
            "{name} ({}): {}: kubelet {} [{}], containerd {} [{}]; kube-proxy: {proxy}",
            role_word(m, role_of(nodes, name)),
            m.services,
            s(n, &["status", "nodeInfo", "kubeletVersion"]),
            state(0),
            s(n, &["status", "nodeInfo", "containerRuntimeVersion"]),
            state(1),
        ));
    }
    Ok(Shown {
        heading: "systemctl is-active kubelet containerd + kubectl get pods -n kube-system -l k8s-app=kube-proxy".into(),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::tour::lab::Lang;

    #[test]
    fn a_pod_line_reads_in_the_learners_language() {
        let nodes = json!({"items": [
            {"metadata": {"name": "lab-worker", "labels": {}}},
        ]});
        let pods = json!({"items": [{
            "metadata": {"name": "hello-1"},
            "spec": {"nodeName": "lab-worker"},
            "status": {"phase": "Running"},
        }]});
        let en = pod_lines(&pods, &nodes, crate::tour::messages::of(Lang::En));
        assert_eq!(en, vec!["hello-1 Running on lab-worker (worker)"]);
        let ko = pod_lines(&pods, &nodes, crate::tour::messages::of(Lang::Ko));
        assert_eq!(ko, vec!["hello-1: lab-worker(워커)에서 Running"]);
    }

    /// A pod being deleted reads Terminating, as in kubectl's STATUS column, though its phase
    /// is still Running (its kubelet has not stopped it: on a node whose kubelet is down, never).
    #[test]
    fn a_pod_being_deleted_reads_terminating() {
        let nodes = json!({"items": [{"metadata": {"name": "w2", "labels": {}}}]});
        let pods = json!({"items": [{
            "metadata": {"name": "hello-2", "deletionTimestamp": "2026-12-07T14:00:00Z"},
            "spec": {"nodeName": "w2"},
            "status": {"phase": "Running"},
        }]});
        let en = pod_lines(&pods, &nodes, crate::tour::messages::of(Lang::En));
        assert_eq!(en, vec!["hello-2 Terminating on w2 (worker)"]);
    }
}
