//! Cluster lifecycle: create, delete, list, stop/start, export logs. Knows nothing of terminals; reports progress
//! through [`crate::events::Events`].

pub(crate) mod control_plane;
pub(crate) mod create;
pub(crate) mod delete;
mod error;
pub(crate) mod kubeconfig;
pub(crate) mod kubectl;
pub(crate) mod lifecycle;
pub(crate) mod load;
pub(crate) mod loadbalancer;
pub(crate) mod logs;
pub(crate) mod naming;
pub(crate) mod node_ops;
mod read;
pub(crate) mod state;

pub use error::ClusterError;
pub(crate) use read::Cluster;

use std::collections::BTreeMap;

use crate::provider::{NodeInfo, NodeRole, NodeState, Provider};

/// One cluster as seen from its containers.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct ClusterSummary {
    pub(crate) name: String,
    pub(crate) nodes: usize,
    pub(crate) control_planes: usize,
    pub(crate) workers: usize,
    /// `running`, `stopped`, `degraded` when only some nodes run, or `incomplete (...)` when its
    /// create never finished.
    pub(crate) status: String,
}

pub(crate) async fn list_clusters(
    provider: &dyn Provider,
) -> Result<Vec<ClusterSummary>, ClusterError> {
    let mut by_cluster: BTreeMap<String, Vec<NodeInfo>> = BTreeMap::new();
    for n in provider.list_nodes(None).await? {
        by_cluster.entry(n.cluster.clone()).or_default().push(n);
    }
    let summaries = by_cluster.into_iter().map(|(name, nodes)| async move {
        let mut summary = summarize(name, &nodes);
        // A create that never finished (minik killed): say so, `minik delete` removes it.
        if state::incomplete(provider, &nodes).await.unwrap_or(false) {
            summary.status = "incomplete (create did not finish)".into();
        }
        summary
    });
    Ok(futures_util::future::join_all(summaries).await)
}

fn summarize(name: String, nodes: &[NodeInfo]) -> ClusterSummary {
    let count = |r: NodeRole| nodes.iter().filter(|n| n.role == r).count();
    let running = nodes
        .iter()
        .filter(|n| n.state == NodeState::Running)
        .count();
    let status = if running == nodes.len() {
        "running"
    } else if running == 0 {
        "stopped"
    } else {
        "degraded"
    };
    ClusterSummary {
        name,
        nodes: count(NodeRole::ControlPlane) + count(NodeRole::Worker),
        control_planes: count(NodeRole::ControlPlane),
        workers: count(NodeRole::Worker),
        status: status.to_string(),
    }
}

/// Names of a cluster's control-plane nodes, sorted (the first one bootstrapped the cluster).
pub(crate) async fn control_plane_nodes(
    provider: &dyn Provider,
    cluster: &str,
) -> Result<Vec<String>, ClusterError> {
    let nodes = provider.list_nodes(Some(cluster)).await?;
    Ok(control_plane_names(&nodes))
}

/// Names of the control planes among `nodes`, sorted (the first one bootstrapped the cluster).
pub(crate) fn control_plane_names(nodes: &[NodeInfo]) -> Vec<String> {
    let mut names: Vec<String> = crate::node::roles::control_planes(nodes)
        .map(|n| n.name.clone())
        .collect();
    // `x-control-plane` sorts before `x-control-plane2`.
    names.sort();
    names
}
