//! Step: the network and the node containers, created in parallel, each booted to systemd's
//! multi-user target before anything runs in it.

use std::time::Duration;

use futures_util::future::try_join_all;

use super::PlannedNode;
use crate::cluster::ClusterError;
use crate::config::ClusterConfig;
use crate::events::Events;
use crate::provider::{NodeInfo, NodeRole, NodeSpec, Privileges, Provider, NETWORK_NAME};

/// systemd prints this when the node has booted; nothing may exec into a node before it (on
/// cgroup v2, systemd must first move its processes out of the root cgroup).
pub const BOOTED: &[&str] = &["Reached target", "Multi-User System"];
const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn run(
    provider: &dyn Provider,
    events: &Events,
    config: &ClusterConfig,
    nodes: &[PlannedNode],
) -> Result<Vec<NodeInfo>, ClusterError> {
    let step = events.step(format!("Preparing nodes {}", "📦".repeat(nodes.len())));
    provider.ensure_network(NETWORK_NAME).await?;
    let privileged = provider.privileged_allowed(&nodes[0].image).await?;
    if !privileged {
        events.info(
            "   The engine refuses privileged containers; giving nodes explicit capabilities instead"
                .to_string(),
        );
    }
    let boots = nodes.iter().map(|n| async move {
        let spec = spec_for(config, n, privileged);
        provider.create_node(&spec).await?;
        if spec.systemd {
            provider.wait_for_log(&n.name, BOOTED, BOOT_TIMEOUT).await?;
        }
        Ok::<_, ClusterError>(())
    });
    try_join_all(boots).await?;
    let info = try_join_all(nodes.iter().map(|n| provider.inspect_node(&n.name))).await?;
    step.done();
    Ok(info)
}

pub fn spec_for(config: &ClusterConfig, n: &PlannedNode, privileged: bool) -> NodeSpec {
    let is_node = n.role != NodeRole::ExternalLoadBalancer;
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
        command: (!is_node).then(crate::cluster::loadbalancer::command),
        entrypoint: (!is_node).then(crate::cluster::loadbalancer::entrypoint),
        labels: Default::default(),
    }
}
