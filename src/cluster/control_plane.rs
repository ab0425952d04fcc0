//! Which control plane runs minik's in-cluster commands: any whose API answers, not only the
//! first, so an HA cluster stays manageable while some control planes (the first one
//! included) are down.

use futures_util::future::join_all;

use super::ClusterError;
pub(crate) use crate::node::kubectl;
use crate::provider::{NodeInfo, NodeState, Provider};

/// Running control planes in the order to try them (the first control plane first), leaving
/// out `except`.
pub(crate) fn candidates<'a>(nodes: &'a [NodeInfo], except: Option<&str>) -> Vec<&'a str> {
    let mut names: Vec<&str> = crate::node::roles::control_planes(nodes)
        .filter(|n| n.state == NodeState::Running)
        .map(|n| n.name.as_str())
        .filter(|n| Some(*n) != except)
        .collect();
    // `x-control-plane` sorts before `x-control-plane2`.
    names.sort();
    names
}

/// The first of `candidates` whose API answers `kubectl get --raw /readyz` with its admin
/// kubeconfig (probed all at once; the order decides among those that answer).
pub(crate) async fn answering(
    provider: &dyn Provider,
    cluster: &str,
    candidates: &[&str],
) -> Result<String, ClusterError> {
    let probes = candidates.iter().map(|cp| async move {
        let out = kubectl(
            provider,
            cp,
            &["get", "--raw", "/readyz", "--request-timeout=5s"],
        )
        .await
        .ok()?;
        (out.exit_code == 0).then(|| cp.to_string())
    });
    join_all(probes)
        .await
        .into_iter()
        .flatten()
        .next()
        .ok_or_else(|| ClusterError::NoControlPlane {
            name: cluster.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::NodeRole;

    fn node(name: &str, role: NodeRole, state: NodeState) -> NodeInfo {
        NodeInfo {
            name: name.into(),
            cluster: "lab".into(),
            role,
            state,
            image: "img".into(),
            ipv4: None,
            ipv6: None,
            api_server: None,
            ports: Vec::new(),
            labels: Default::default(),
        }
    }

    #[test]
    fn candidates_are_running_control_planes_first_one_first() {
        let nodes = vec![
            node(
                "lab-control-plane3",
                NodeRole::ControlPlane,
                NodeState::Running,
            ),
            node("lab-worker", NodeRole::Worker, NodeState::Running),
            node(
                "lab-control-plane",
                NodeRole::ControlPlane,
                NodeState::Stopped,
            ),
            node(
                "lab-control-plane2",
                NodeRole::ControlPlane,
                NodeState::Running,
            ),
            node(
                "lab-external-load-balancer",
                NodeRole::ExternalLoadBalancer,
                NodeState::Running,
            ),
        ];
        assert_eq!(
            candidates(&nodes, None),
            vec!["lab-control-plane2", "lab-control-plane3"]
        );
        assert_eq!(
            candidates(&nodes, Some("lab-control-plane2")),
            vec!["lab-control-plane3"]
        );
    }
}
