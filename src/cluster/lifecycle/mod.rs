//! `minik stop` and `minik start`: shut a cluster's containers down cleanly and bring them back.
//!
//! Stop goes workers → control planes → load balancer, so nothing loses its API server while
//! it still runs; start goes the other way. Within a group, nodes go in parallel.
//!
//! A started container may get another IP address on the `minik` network. Each node's
//! entrypoint rewrites its *own* old address (kubelet `--node-ip`, static pod manifests,
//! kubeconfigs, /kind/kubeadm.conf) and re-issues the API server certificate before systemd
//! boots. What the entrypoint cannot know is *other* nodes' old addresses (a secondary control
//! plane's etcd `--initial-cluster`, peers named in manifests and kubeconfigs): `start` reads
//! every node's previous addresses before starting it (what minik recorded in `/kind/minik-ips` when it
//! last saw the node running, else the entrypoint's `/kind/old-ipv4` and `old-ipv6`) and the
//! files holding addresses as the previous boot left them, and afterwards rewrites every change
//! in those files at once (one pass: swapped addresses never chain or clash). Running
//! `minik start` on a running cluster (after a host reboot, say) repairs what it can tell apart.

mod ip_map;
mod readdress;

use readdress::PreviousBoot;

use std::time::{Duration, Instant};

use futures_util::future::{join_all, try_join_all};

use crate::cluster::{Cluster, ClusterError};
use crate::events::Events;
use crate::node::roles;
use crate::provider::{NodeInfo, NodeRole, NodeState, Provider};

/// How long a node gets to shut down after its stop signal (SIGRTMIN+3: systemd's halt)
/// before the engine kills it.
pub(crate) const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a started node gets to boot systemd (the entrypoint may re-issue a certificate).
const BOOT_TIMEOUT: Duration = Duration::from_secs(120);

/// One group of nodes handled together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    /// For messages: `workers`, `control planes`, `load balancer`, ...
    pub(crate) label: &'static str,
    pub(crate) nodes: Vec<String>,
}

fn names(nodes: &[NodeInfo], roles: &[NodeRole]) -> Vec<String> {
    nodes
        .iter()
        .filter(|n| roles.contains(&n.role))
        .map(|n| n.name.clone())
        .collect()
}

fn groups(parts: Vec<(&'static str, Vec<String>)>) -> Vec<Group> {
    parts
        .into_iter()
        .filter(|(_, nodes)| !nodes.is_empty())
        .map(|(label, nodes)| Group { label, nodes })
        .collect()
}

/// Workers first, then control planes, then the load balancer.
pub(crate) fn stop_order(nodes: &[NodeInfo]) -> Vec<Group> {
    groups(vec![
        ("workers", names(nodes, &[NodeRole::Worker])),
        ("control planes", names(nodes, &[NodeRole::ControlPlane])),
        (
            "load balancer",
            names(nodes, &[NodeRole::ExternalLoadBalancer]),
        ),
    ])
}

/// Control planes and the load balancer first, then workers.
pub(crate) fn start_order(nodes: &[NodeInfo]) -> Vec<Group> {
    groups(vec![
        (
            "control planes",
            names(
                nodes,
                &[NodeRole::ControlPlane, NodeRole::ExternalLoadBalancer],
            ),
        ),
        ("workers", names(nodes, &[NodeRole::Worker])),
    ])
}

#[derive(Debug)]
pub(crate) struct Stopped {
    pub(crate) nodes: usize,
    pub(crate) elapsed: Duration,
}

/// The cluster's nodes, from one listing (a bad name is bad input, not "not found").
async fn cluster_nodes(
    provider: &dyn Provider,
    cluster: &str,
) -> Result<Vec<NodeInfo>, ClusterError> {
    super::naming::validate_cluster_name(cluster)?;
    Ok(Cluster::read(provider, cluster).await?.nodes)
}

pub(crate) async fn stop(
    provider: &dyn Provider,
    cluster: &str,
    events: &Events,
) -> Result<Stopped, ClusterError> {
    let started = Instant::now();
    let nodes = cluster_nodes(provider, cluster).await?;
    join_all(
        roles::kubernetes_nodes(&nodes)
            .filter(|n| n.state == NodeState::Running)
            .map(|n| {
                let ips: Vec<String> = n.ipv4.iter().chain(n.ipv6.iter()).cloned().collect();
                readdress::record_ips(provider, &n.name, ips, events)
            }),
    )
    .await;
    for group in stop_order(&nodes) {
        let step = events.step(format!(
            "Stopping {} ({}) 🛑",
            group.label,
            group.nodes.join(", ")
        ));
        try_join_all(
            group
                .nodes
                .iter()
                .map(|n| provider.stop_node(n, STOP_TIMEOUT)),
        )
        .await?;
        step.done();
    }
    Ok(Stopped {
        nodes: nodes.len(),
        elapsed: started.elapsed(),
    })
}

pub(crate) struct StartOptions {
    /// How long to wait for every node to be Ready; zero returns once the nodes have booted.
    pub(crate) wait: Duration,
}

#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) nodes: usize,
    /// False when `wait` ran out before every node was Ready.
    pub(crate) ready: bool,
    pub(crate) elapsed: Duration,
}

pub(crate) async fn start(
    provider: &dyn Provider,
    cluster: &str,
    opts: &StartOptions,
    events: &Events,
) -> Result<Started, ClusterError> {
    let started = Instant::now();
    let nodes = cluster_nodes(provider, cluster).await?;
    let kube_nodes: Vec<&NodeInfo> = roles::kubernetes_nodes(&nodes).collect();

    let previous = PreviousBoot::read(provider, &kube_nodes, events).await;

    let all = &nodes;
    for group in start_order(&nodes) {
        let step = events.step(format!(
            "Starting {} ({}) 🚀",
            group.label,
            group.nodes.join(", ")
        ));
        let boots = group.nodes.iter().map(|name| async move {
            provider.start_node(name).await?;
            let role = all.iter().find(|n| &n.name == name).map(|n| n.role);
            if role != Some(NodeRole::ExternalLoadBalancer) {
                provider
                    .wait_for_log(name, super::create::BOOTED, BOOT_TIMEOUT)
                    .await?;
                crate::node::runtime::check(provider, name).await?;
            }
            Ok::<_, ClusterError>(())
        });
        try_join_all(boots).await?;
        step.done();
    }

    // Listed again: starting gave the containers their (possibly new) addresses.
    let after = provider.list_nodes(Some(cluster)).await?;
    previous.repair(provider, cluster, &after, events).await?;

    let mut ready = true;
    if !opts.wait.is_zero() {
        let control_planes = super::control_plane::candidates(&after, None);
        if control_planes.is_empty() {
            return Err(ClusterError::NoControlPlane {
                name: cluster.to_string(),
            });
        }
        let expected: Vec<&str> = kube_nodes.iter().map(|n| n.name.as_str()).collect();
        // Ready with the addresses the nodes have now, not a status kept from before the stop.
        let addresses: super::create::Addresses = after
            .iter()
            .map(|n| {
                let ips = [&n.ipv4, &n.ipv6].into_iter().flatten();
                let ips = ips.filter(|ip| !ip.is_empty()).cloned().collect::<Vec<_>>();
                (n.name.clone(), ips)
            })
            .filter(|(_, ips)| !ips.is_empty())
            .collect();
        ready = super::create::wait_nodes_ready(
            provider,
            events,
            &control_planes,
            &expected,
            &addresses,
            opts.wait,
        )
        .await?;
    }
    Ok(Started {
        nodes: kube_nodes.len(),
        ready,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, role: NodeRole) -> NodeInfo {
        NodeInfo {
            name: name.into(),
            cluster: "c".into(),
            role,
            state: NodeState::Running,
            image: "i".into(),
            ipv4: None,
            ipv6: None,
            api_server: None,
            ports: vec![],
            labels: Default::default(),
        }
    }

    fn ha() -> Vec<NodeInfo> {
        vec![
            node("c-control-plane", NodeRole::ControlPlane),
            node("c-control-plane2", NodeRole::ControlPlane),
            node("c-external-load-balancer", NodeRole::ExternalLoadBalancer),
            node("c-worker", NodeRole::Worker),
            node("c-worker2", NodeRole::Worker),
        ]
    }

    #[test]
    fn stop_goes_workers_then_control_planes_then_load_balancer() {
        let order = stop_order(&ha());
        let labels: Vec<_> = order.iter().map(|g| g.label).collect();
        assert_eq!(labels, ["workers", "control planes", "load balancer"]);
        assert_eq!(order[0].nodes, ["c-worker", "c-worker2"]);
        assert_eq!(order[1].nodes, ["c-control-plane", "c-control-plane2"]);
        assert_eq!(order[2].nodes, ["c-external-load-balancer"]);
    }

    #[test]
    fn start_goes_control_planes_and_load_balancer_then_workers() {
        let order = start_order(&ha());
        assert_eq!(
            order[0].nodes,
            [
                "c-control-plane",
                "c-control-plane2",
                "c-external-load-balancer"
            ]
        );
        assert_eq!(order[1].nodes, ["c-worker", "c-worker2"]);
        // A single-node cluster has one group, never an empty one.
        let single = start_order(&[node("s-control-plane", NodeRole::ControlPlane)]);
        assert_eq!(single.len(), 1);
        assert_eq!(stop_order(&[]).len(), 0);
    }
}
