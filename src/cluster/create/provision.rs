//! Step: the network and the node containers, created in parallel, each booted to systemd's
//! multi-user target before anything runs in it, with containerd's CRI serving.

use crate::node::roles::{self, HasRole};
use std::time::Duration;

use futures_util::future::try_join_all;

use super::{Node, PlannedNode};
use crate::cluster::ClusterError;
use crate::config::ClusterConfig;
use crate::events::Events;
use crate::provider::{NodeRole, NodeSpec, Privileges, Provider, NETWORK_NAME};

/// systemd prints this when the node has booted; nothing may exec into a node before it (on
/// cgroup v2, systemd must first move its processes out of the root cgroup).
pub(crate) const BOOTED: &[&str] = &["Reached target", "Multi-User System"];
const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

/// Create every container and wait until all of them have booted (used by `node add`).
pub(crate) async fn run(
    provider: &dyn Provider,
    events: &Events,
    config: &ClusterConfig,
    nodes: Vec<PlannedNode>,
) -> Result<Vec<Node>, ClusterError> {
    let step = events.step(format!("Preparing nodes {}", "📦".repeat(nodes.len())));
    create_all(provider, events, config, &nodes).await?;
    wait_booted(provider, &nodes).await?;
    let made = inspect_all(provider, nodes).await?;
    step.done();
    Ok(made)
}

/// The network, then every container at once. Does not wait for them to boot, so the caller
/// can start on the first control plane while the others are still booting.
pub(super) async fn create_all(
    provider: &dyn Provider,
    events: &Events,
    config: &ClusterConfig,
    nodes: &[PlannedNode],
) -> Result<(), ClusterError> {
    provider.ensure_network(NETWORK_NAME).await?;
    let privileged = provider.privileged_allowed(&nodes[0].image).await?;
    if !privileged {
        events.info(
            "   The engine refuses privileged containers; giving nodes explicit capabilities instead"
                .to_string(),
        );
    }
    try_join_all(
        nodes
            .iter()
            .map(|n| create_one(provider, config, n, privileged)),
    )
    .await?;
    Ok(())
}

/// Wait until each node's systemd has reached multi-user (the load balancer has no systemd).
pub(super) async fn wait_booted<N: HasRole + Sync>(
    provider: &dyn Provider,
    nodes: &[N],
) -> Result<(), ClusterError> {
    // Booted means containerd.service has started (or failed): systemd reaches multi-user only
    // after the units it wants, and containerd's unit reports ready once its plugins loaded.
    let boots = roles::kubernetes_nodes(nodes).map(|n| async move {
        provider
            .wait_for_log(n.name(), BOOTED, BOOT_TIMEOUT)
            .await?;
        crate::node::runtime::check(provider, n.name()).await
    });
    try_join_all(boots).await?;
    Ok(())
}

/// Each planned node with the engine's facts about it. Addresses are assigned when a
/// container starts, before it has booted.
pub(super) async fn inspect_all(
    provider: &dyn Provider,
    nodes: Vec<PlannedNode>,
) -> Result<Vec<Node>, ClusterError> {
    let infos = try_join_all(nodes.iter().map(|n| provider.inspect_node(&n.name))).await?;
    Ok(nodes
        .into_iter()
        .zip(infos)
        .map(|(planned, info)| Node { planned, info })
        .collect())
}

pub(super) fn spec_for(config: &ClusterConfig, n: &PlannedNode, privileged: bool) -> NodeSpec {
    let is_node = n.role != NodeRole::ExternalLoadBalancer;
    let own_balancer = !is_node
        && crate::cluster::loadbalancer::BalancerImage::of_container_image(&n.image)
            != crate::cluster::loadbalancer::BalancerImage::Dedicated;
    NodeSpec {
        name: n.name.clone(),
        cluster: config.name.clone(),
        role: n.role,
        image: n.image.clone(),
        network: NETWORK_NAME.to_string(),
        privileges: match (is_node, privileged) {
            (false, _) => Privileges::None,
            (true, true) => Privileges::Privileged,
            (true, false) => Privileges::ExplicitCapabilities,
        },
        systemd: is_node,
        env: n.env.clone(),
        ports: n.ports.clone(),
        mounts: n.mounts.clone(),
        devices: n.devices.clone(),
        userns_host: n.userns_host,
        // The node image runs haproxy through minik's script; the dedicated image has its own
        // entrypoint (haproxy on a starter config) and no shell.
        command: own_balancer.then(crate::cluster::loadbalancer::command),
        entrypoint: own_balancer.then(crate::cluster::loadbalancer::entrypoint),
        labels: if is_node {
            crate::cluster::state::node_labels()
        } else {
            Default::default()
        },
    }
}

async fn create_one(
    provider: &dyn Provider,
    config: &ClusterConfig,
    n: &PlannedNode,
    privileged: bool,
) -> Result<(), ClusterError> {
    Ok(provider
        .create_node(&spec_for(config, n, privileged))
        .await?)
}
