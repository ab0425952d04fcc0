//! `minik node delete`: drain the node, take it out of Kubernetes (and etcd, and the load
//! balancer, for a control plane), then remove its container.

use super::Cluster;
use crate::cluster::control_plane::kubectl;
use crate::cluster::{loadbalancer, ClusterError};
use crate::events::Events;
use crate::node;
use crate::node::roles;
use crate::provider::{NodeRole, Provider};

#[derive(Debug)]
pub(crate) struct Deleted {
    pub(crate) name: String,
    pub(crate) role: NodeRole,
}

/// Check that `node` may be deleted, and say what it is.
pub(crate) fn check_delete(cluster: &Cluster, node_name: &str) -> Result<NodeRole, ClusterError> {
    let Some(target) = cluster.node(node_name) else {
        let names: Vec<&str> = roles::kubernetes_nodes(&cluster.nodes)
            .map(|n| n.name.as_str())
            .collect();
        return Err(ClusterError::Refused(format!(
            "cluster {:?} has no node {node_name:?}; its nodes are: {}",
            cluster.name,
            names.join(", ")
        )));
    };
    match target.role {
        NodeRole::ExternalLoadBalancer => Err(ClusterError::Refused(format!(
            "{node_name:?} is the cluster's load balancer, not a node; `minik delete --name {}` \
             removes the whole cluster",
            cluster.name
        ))),
        NodeRole::ControlPlane if cluster.control_planes.len() <= 1 => {
            Err(ClusterError::Refused(format!(
                "{node_name:?} is the last control plane of cluster {:?}; delete the cluster \
                 instead (`minik delete --name {}`)",
                cluster.name, cluster.name
            )))
        }
        role => Ok(role),
    }
}

/// Drain the node, take it out of the cluster and remove its container with its volume.
/// A control plane is reset before its Node object goes, as kubeadm documents: `kubeadm reset`
/// removes the node's etcd member only when it can still read the Node (for the cluster
/// configuration), and a dead member left behind costs the cluster its quorum at the next
/// failure.
pub(crate) async fn delete(
    provider: &dyn Provider,
    cluster_name: &str,
    node_name: &str,
    events: &Events,
) -> Result<Deleted, ClusterError> {
    let cluster = Cluster::read(provider, cluster_name).await?;
    let role = check_delete(&cluster, node_name)?;
    let boot = cluster
        .answering(provider, Some(node_name))
        .await?
        .name
        .clone();

    let step = events.step(format!("Draining {node_name}"));
    let drain = [
        "drain",
        node_name,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--force",
        "--timeout=120s",
    ];
    let out = kubectl(provider, &boot, &drain).await?;
    if out.exit_code != 0 && !is_not_found(&out.combined()) {
        let cmd: Vec<String> = drain.iter().map(|s| s.to_string()).collect();
        step.check(out.check(&boot, &cmd).map_err(ClusterError::from))?;
    }
    step.done();

    if role == NodeRole::ControlPlane {
        let step = events.step(format!("Resetting {node_name} (kubeadm reset)"));
        reset(provider, node_name, events).await;
        step.done();
    }

    let step = events.step(format!("Deleting {node_name} from Kubernetes"));
    let del = ["delete", "node", node_name, "--ignore-not-found"];
    let out = kubectl(provider, &boot, &del).await?;
    if out.exit_code != 0 {
        let cmd: Vec<String> = del.iter().map(|s| s.to_string()).collect();
        step.check(out.check(&boot, &cmd).map_err(ClusterError::from))?;
    }
    step.done();

    unplug(provider, &cluster, node_name, role).await?;
    Ok(Deleted {
        name: node_name.to_string(),
        role,
    })
}

/// `kubeadm reset -f` on the node: for a control plane it removes the node's etcd member.
/// Best effort: kubeadm reports what it could not clean up as warnings, and the container goes
/// anyway.
async fn reset(provider: &dyn Provider, node_name: &str, events: &Events) {
    match node::run_combined(provider, node_name, &["kubeadm", "reset", "-f"]).await {
        Ok(out) => events.debug(out),
        Err(e) => events.warn(format!("kubeadm reset on {node_name} failed: {e}")),
    }
}

fn is_not_found(output: &str) -> bool {
    output.contains("NotFound") || output.contains("not found")
}

/// Take a node that failed to join out again: reset it (a control plane may already be an
/// etcd member), forget its Node object, then [`unplug`] it.
pub(super) async fn remove(
    provider: &dyn Provider,
    cluster: &Cluster,
    node_name: &str,
    role: NodeRole,
) -> Result<(), ClusterError> {
    if role == NodeRole::ControlPlane {
        let _ = node::run_combined(provider, node_name, &["kubeadm", "reset", "-f"]).await;
    }
    if let Ok(cp) = cluster.answering(provider, Some(node_name)).await {
        let _ = kubectl(
            provider,
            &cp.name,
            &["delete", "node", node_name, "--ignore-not-found"],
        )
        .await;
    }
    unplug(provider, cluster, node_name, role).await
}

/// Out of the load balancer (a control plane) and out of the engine.
async fn unplug(
    provider: &dyn Provider,
    cluster: &Cluster,
    node_name: &str,
    role: NodeRole,
) -> Result<(), ClusterError> {
    if role == NodeRole::ControlPlane && cluster.load_balancer().is_some() {
        let remaining: Vec<String> = cluster
            .control_planes
            .iter()
            .filter(|n| *n != node_name)
            .cloned()
            .collect();
        loadbalancer::configure(provider, &cluster.name, &remaining).await?;
    }
    provider.remove_nodes(&[node_name.to_string()]).await?;
    Ok(())
}
