//! From a cluster config to the list of containers to make, in creation order.

use std::net::TcpListener;

use crate::cluster::{naming, ClusterError};
use crate::config::{ClusterConfig, MountPropagation, NodeConfig, Role};
use crate::provider::{BindMount, NodeRole, PortMapping, API_SERVER_INTERNAL_PORT};

/// Platform adjustments applied to every node container.
#[derive(Debug, Clone, Default)]
pub struct NodeExtras {
    pub env: Vec<(String, String)>,
    pub devices: Vec<String>,
    pub mounts: Vec<BindMount>,
    pub userns_host: bool,
    /// The engine is rootless: kubelet needs `KubeletInUserNamespace`, kube-proxy must leave
    /// the conntrack sysctls alone.
    pub rootless: bool,
    /// The engine's host is not known to be pure cgroup v2 (v1, hybrid, or unreported): the
    /// kubelet treats it as v1, which 1.35+ refuses unless told otherwise.
    pub cgroup_v1_host: bool,
    /// Names the API server's certificate needs for a remote engine (its host's name).
    pub cert_sans: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct PlannedNode {
    pub(crate) name: String,
    pub(crate) role: NodeRole,
    pub(crate) image: String,
    pub(crate) config: NodeConfig,
    pub(crate) ports: Vec<PortMapping>,
    pub(crate) mounts: Vec<BindMount>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) devices: Vec<String>,
    pub(crate) userns_host: bool,
}

impl crate::node::roles::HasRole for PlannedNode {
    fn role(&self) -> NodeRole {
        self.role
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl PlannedNode {
    pub(crate) fn is_control_plane(&self) -> bool {
        self.role == NodeRole::ControlPlane
    }
}

/// Control planes first (the first one bootstraps the cluster), then workers; the load
/// balancer, when there is one, last.
pub(crate) fn plan(
    cfg: &ClusterConfig,
    default_image: &str,
    extras: &NodeExtras,
) -> Result<Vec<PlannedNode>, ClusterError> {
    let ha = cfg.control_planes() > 1;
    let mut out = Vec::new();
    let mut counts = [0usize; 2];
    let mut ordered: Vec<&NodeConfig> = cfg
        .nodes
        .iter()
        .filter(|n| n.role == Role::ControlPlane)
        .collect();
    ordered.extend(cfg.nodes.iter().filter(|n| n.role == Role::Worker));
    for n in ordered {
        let (role, slot) = match n.role {
            Role::ControlPlane => (NodeRole::ControlPlane, 0),
            Role::Worker => (NodeRole::Worker, 1),
        };
        counts[slot] += 1;
        let name = naming::node_name(&cfg.name, role, counts[slot]);
        let ports = node_ports(cfg, n, role, ha)?;
        let env = node_env(cfg, extras, role);
        let mut mounts = extras.mounts.clone();
        mounts.extend(n.extra_mounts.iter().map(bind_mount));
        out.push(PlannedNode {
            name,
            role,
            image: n.image.clone().unwrap_or_else(|| default_image.to_string()),
            config: n.clone(),
            ports,
            mounts,
            env,
            devices: extras.devices.clone(),
            userns_host: extras.userns_host,
        });
    }
    if ha {
        out.push(load_balancer(cfg, default_image, extras)?);
    }
    Ok(out)
}

/// The node's published ports: its config's (a port of 0 gets a free one now), and on control
/// planes the API server's, published on the first control plane, or on each control plane
/// behind the load balancer (for direct debugging).
fn node_ports(
    cfg: &ClusterConfig,
    n: &NodeConfig,
    role: NodeRole,
    ha: bool,
) -> Result<Vec<PortMapping>, ClusterError> {
    let mut ports: Vec<PortMapping> = Vec::new();
    for m in &n.extra_port_mappings {
        ports.push(PortMapping {
            listen_address: m.listen_address.clone(),
            host_port: if m.host_port == 0 {
                free_port(&m.listen_address)?
            } else {
                m.host_port
            },
            container_port: m.container_port,
            protocol: m.protocol.as_str().to_string(),
        });
    }
    if role == NodeRole::ControlPlane {
        let wanted = cfg.networking.api_server_port;
        let port = if !ha && wanted != 0 {
            wanted
        } else {
            free_port(&cfg.networking.api_server_address)?
        };
        ports.push(PortMapping {
            listen_address: cfg.networking.api_server_address.clone(),
            host_port: port,
            container_port: API_SERVER_INTERNAL_PORT,
            protocol: "tcp".into(),
        });
    }
    Ok(ports)
}

fn node_env(cfg: &ClusterConfig, extras: &NodeExtras, role: NodeRole) -> Vec<(String, String)> {
    let mut env = extras.env.clone();
    if role == NodeRole::ControlPlane {
        // So `kubectl` works in `docker exec` on control planes.
        env.push(("KUBECONFIG".into(), "/etc/kubernetes/admin.conf".into()));
    }
    if let Some(search) = &cfg.networking.dns_search {
        // minik's entrypoint reads MINIK_DNS_SEARCH, kindest/node's KIND_DNS_SEARCH.
        for var in ["MINIK_DNS_SEARCH", "KIND_DNS_SEARCH"] {
            env.push((var.into(), search.join(" ")));
        }
    }
    env
}

fn bind_mount(m: &crate::config::Mount) -> BindMount {
    BindMount {
        host_path: m.host_path.to_string_lossy().into_owned(),
        container_path: m.container_path.clone(),
        read_only: m.read_only,
        selinux_relabel: m.selinux_relabel,
        propagation: match m.propagation {
            MountPropagation::None => None,
            MountPropagation::HostToContainer => Some("rslave".into()),
            MountPropagation::Bidirectional => Some("rshared".into()),
        },
    }
}

/// The external load balancer in front of several control planes, on the API server's address.
fn load_balancer(
    cfg: &ClusterConfig,
    default_image: &str,
    extras: &NodeExtras,
) -> Result<PlannedNode, ClusterError> {
    let wanted = cfg.networking.api_server_port;
    let address = cfg.networking.api_server_address.clone();
    let port = if wanted != 0 {
        wanted
    } else {
        free_port(&address)?
    };
    Ok(PlannedNode {
        name: naming::load_balancer_name(&cfg.name),
        role: NodeRole::ExternalLoadBalancer,
        image: default_image.to_string(),
        config: NodeConfig::new(Role::ControlPlane),
        ports: vec![PortMapping {
            listen_address: address,
            host_port: port,
            container_port: API_SERVER_INTERNAL_PORT,
            protocol: "tcp".into(),
        }],
        mounts: Vec::new(),
        env: extras.env.clone(),
        devices: Vec::new(),
        userns_host: extras.userns_host,
    })
}

/// A port free on the host right now. minik chooses it (rather than letting the engine pick)
/// so that it is written into the container's config and survives restarts.
fn free_port(address: &str) -> Result<u16, ClusterError> {
    let addr = if address.contains(':') {
        format!("[{address}]:0")
    } else {
        format!("{address}:0")
    };
    let listener = TcpListener::bind(&addr)
        .or_else(|_| TcpListener::bind("127.0.0.1:0"))
        .map_err(|source| ClusterError::NoFreePort {
            address: address.to_string(),
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| ClusterError::NoFreePort {
            address: address.to_string(),
            source,
        })?
        .port();
    Ok(port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_planes_first_then_workers_then_balancer() {
        let cfg = ClusterConfig::with_nodes("lab", 3, 2);
        let nodes = plan(&cfg, "img", &NodeExtras::default()).unwrap();
        let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "lab-control-plane",
                "lab-control-plane2",
                "lab-control-plane3",
                "lab-worker",
                "lab-worker2",
                "lab-external-load-balancer"
            ]
        );
        assert!(nodes
            .iter()
            .filter(|n| n.is_control_plane())
            .all(|n| n.ports.len() == 1));
    }

    #[test]
    fn single_node_publishes_the_api_and_has_no_balancer() {
        let mut cfg = ClusterConfig::with_nodes("one", 1, 0);
        cfg.networking.api_server_port = 40999;
        let nodes = plan(&cfg, "img", &NodeExtras::default()).unwrap();
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes[0].ports[0].host_port, 40999);
        assert_eq!(nodes[0].ports[0].container_port, 6443);
        assert_eq!(nodes[0].ports[0].listen_address, "127.0.0.1");
    }

    #[test]
    fn dns_search_reaches_both_entrypoints() {
        let mut cfg = ClusterConfig::with_nodes("d", 1, 1);
        cfg.networking.dns_search = Some(vec!["corp.example".into(), "lab".into()]);
        for n in plan(&cfg, "img", &NodeExtras::default()).unwrap() {
            for var in ["MINIK_DNS_SEARCH", "KIND_DNS_SEARCH"] {
                assert!(
                    n.env
                        .iter()
                        .any(|(k, v)| k == var && v == "corp.example lab"),
                    "{var} on {}: {:?}",
                    n.name,
                    n.env
                );
            }
        }
        // Unset: neither variable, so each entrypoint keeps the engine's search list.
        let cfg = ClusterConfig::with_nodes("d", 1, 0);
        let nodes = plan(&cfg, "img", &NodeExtras::default()).unwrap();
        assert!(!nodes[0].env.iter().any(|(k, _)| k.ends_with("DNS_SEARCH")));
    }

    #[test]
    fn per_node_image_wins() {
        let mut cfg = ClusterConfig::with_nodes("x", 1, 1);
        cfg.nodes[1].image = Some("other".into());
        let nodes = plan(&cfg, "img", &NodeExtras::default()).unwrap();
        assert_eq!(nodes[0].image, "img");
        assert_eq!(nodes[1].image, "other");
    }
}
