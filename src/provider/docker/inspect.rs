//! The engine's view of minik's containers: which ones to list, and what a node is, read from
//! an inspect document.

use crate::provider::EngineCall;
use std::collections::{BTreeMap, HashMap};

use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum};

use crate::provider::{
    NodeInfo, NodeRole, NodeState, PortMapping, ProviderError, Result, API_SERVER_INTERNAL_PORT,
    LABEL_CLUSTER, LABEL_ROLE, NETWORK_NAME,
};

/// The engine-side filter for minik's containers: every cluster's, or one cluster's.
pub fn label_filter(cluster: Option<&str>) -> HashMap<String, Vec<String>> {
    let label = match cluster {
        Some(c) => format!("{LABEL_CLUSTER}={c}"),
        None => LABEL_CLUSTER.to_string(),
    };
    HashMap::from([("label".to_string(), vec![label])])
}

/// Read a NodeInfo out of an inspect document; containers without minik's labels are refused.
/// `engine_host` names the engine's machine when it is not this one (for an API server
/// published on all its addresses).
pub(super) fn node_info(
    name: &str,
    c: &ContainerInspectResponse,
    engine_host: Option<&str>,
) -> Result<NodeInfo> {
    let labels: BTreeMap<String, String> = c
        .config
        .as_ref()
        .and_then(|cfg| cfg.labels.clone())
        .unwrap_or_default()
        .into_iter()
        .collect();
    let not_ours = || ProviderError::Api {
        call: EngineCall::ContainerInspect,
        target: name.to_string(),
        message: format!("not a minik container (no {LABEL_CLUSTER}/{LABEL_ROLE} labels)"),
    };
    let cluster = labels.get(LABEL_CLUSTER).cloned().ok_or_else(not_ours)?;
    let role = labels
        .get(LABEL_ROLE)
        .and_then(|r| NodeRole::parse(r))
        .ok_or_else(not_ours)?;
    let state = node_state(c);
    let (ipv4, ipv6) = addresses(c);
    let ports = published_ports(c);
    let api_server = ports
        .iter()
        .find(|p| p.container_port == API_SERVER_INTERNAL_PORT && p.protocol == "tcp")
        .map(|p| {
            let host = crate::platform::remote::kubeconfig_host(&p.listen_address, engine_host);
            (host, p.host_port)
        });
    Ok(NodeInfo {
        name: name.trim_start_matches('/').to_string(),
        cluster,
        role,
        state,
        image: c
            .config
            .as_ref()
            .and_then(|cfg| cfg.image.clone())
            .unwrap_or_default(),
        ipv4,
        ipv6,
        api_server,
        ports,
        labels,
    })
}

fn node_state(c: &ContainerInspectResponse) -> NodeState {
    match c.state.as_ref().and_then(|s| s.status) {
        Some(ContainerStateStatusEnum::RUNNING) => NodeState::Running,
        Some(ContainerStateStatusEnum::EXITED) | Some(ContainerStateStatusEnum::DEAD) => {
            NodeState::Stopped
        }
        Some(ContainerStateStatusEnum::PAUSED) => NodeState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => NodeState::Restarting,
        Some(ContainerStateStatusEnum::CREATED) => NodeState::Created,
        _ => NodeState::Unknown,
    }
}

/// The node's IPv4 and IPv6 addresses: the minik network first; a user may have connected others.
fn addresses(c: &ContainerInspectResponse) -> (Option<String>, Option<String>) {
    let (mut ipv4, mut ipv6) = (None, None);
    if let Some(nets) = c
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
    {
        let mut ordered: Vec<_> = nets.iter().collect();
        ordered.sort_by_key(|(n, _)| n.as_str() != NETWORK_NAME);
        for (_, ep) in ordered {
            if ipv4.is_none() {
                ipv4 = ep.ip_address.clone().filter(|s| !s.is_empty());
            }
            if ipv6.is_none() {
                ipv6 = ep.global_ipv6_address.clone().filter(|s| !s.is_empty());
            }
        }
    }
    (ipv4, ipv6)
}

/// Port bindings from the host config: they survive a stop, unlike the live port list.
fn published_ports(c: &ContainerInspectResponse) -> Vec<PortMapping> {
    let mut ports = Vec::new();
    if let Some(bindings) = c
        .host_config
        .as_ref()
        .and_then(|h| h.port_bindings.as_ref())
    {
        for (key, list) in bindings {
            let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            let Ok(container_port) = port.parse::<u16>() else {
                continue;
            };
            for b in list.iter().flatten() {
                let host_port = b
                    .host_port
                    .as_deref()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                ports.push(PortMapping {
                    listen_address: b.host_ip.clone().unwrap_or_default(),
                    host_port,
                    container_port,
                    protocol: proto.to_string(),
                });
            }
        }
    }
    ports.sort_by_key(|p| (p.container_port, p.host_port));
    ports
}

#[cfg(test)]
mod tests {
    use super::label_filter;

    #[test]
    fn filters_by_cluster_label() {
        assert_eq!(label_filter(None)["label"], vec!["io.minik.cluster"]);
        assert_eq!(
            label_filter(Some("lab"))["label"],
            vec!["io.minik.cluster=lab"]
        );
    }
}
