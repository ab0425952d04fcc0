//! The cluster configuration minik works from: always complete (defaults applied) and valid.
//! File formats (minik's own and kind's v1alpha4) are decoded into these types by the
//! submodules; command-line flags are applied on top by the create command.
//!
//! Typical use: [`LoadedConfig::read`] (or [`LoadedConfig::default`] without a file), then
//! [`LoadedConfig::apply_overrides`], [`LoadedConfig::validate`] and
//! [`LoadedConfig::check_host_ports`], then use `.config`. [`load`] does read-and-validate in
//! one call for text already in hand.

use std::collections::BTreeMap;
use std::path::PathBuf;

pub(crate) mod decode;
mod emit;
mod error;
mod labels;
mod listeners;
mod load;
pub(crate) mod minik_v1alpha1;
pub(crate) mod name;
mod net;
mod overrides;
mod ports;
mod source;
mod text;
pub(crate) mod v1alpha4;
mod validate;
mod validate_network;
pub(crate) mod yaml;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod kind_corpus_tests;
#[cfg(test)]
mod prop_tests;

pub(crate) use emit::{node_for_role, to_yaml};
pub(crate) use error::{ConfigError, ConfigErrors, Location};
pub(crate) use listeners::PortState;
pub use load::ConfigSource;
pub use load::LoadedConfig;
pub(crate) use load::{decode_text, load, loopback_port_defaults, MAX_CONFIG_BYTES};
pub(crate) use overrides::Overrides;
pub(crate) use ports::{host_port_in_use, tcp_port_state};
pub(crate) use source::SourceMap;
pub(crate) use validate::validate;

/// The most nodes a cluster may have, from a config file or flags. Each node is a whole machine
/// (systemd, containerd, a kubelet) taking a few hundred megabytes of memory, so a laptop runs a
/// few dozen at most; the cap turns a typo such as `--nodes 99999` into a clear error.
pub(crate) const MAX_NODES: usize = 100;

/// Why [`MAX_NODES`] exists, for error hints.
pub(crate) const MAX_NODES_WHY: &str =
    "each node is a whole machine (systemd, containerd, a kubelet) \
     using a few hundred MB of memory, so a laptop runs a few dozen at most";

/// Default pod and service networks, the same as kind's so that docs and habits carry over.
pub(crate) const DEFAULT_POD_SUBNET: &str = "10.244.0.0/16";
pub(crate) const DEFAULT_SERVICE_SUBNET: &str = "10.96.0.0/16";
pub(crate) const DEFAULT_POD_SUBNET_V6: &str = "fd00:10:244::/56";
pub(crate) const DEFAULT_SERVICE_SUBNET_V6: &str = "fd00:10:96::/112";
pub(crate) const DEFAULT_CLUSTER_NAME: &str = "minik";

/// ` --name NAME` for a follow-up command minik prints, empty for the default cluster (the one
/// commands pick without `--name`).
pub(crate) fn name_flag(cluster: &str) -> String {
    if cluster == DEFAULT_CLUSTER_NAME {
        String::new()
    } else {
        format!(" --name {cluster}")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    pub name: String,
    pub nodes: Vec<NodeConfig>,
    pub networking: Networking,
    pub feature_gates: BTreeMap<String, bool>,
    pub runtime_config: BTreeMap<String, String>,
    /// Merge patches (YAML documents) for the generated kubeadm config, matched by kind/apiVersion.
    pub kubeadm_config_patches: Vec<String>,
    pub kubeadm_config_patches_json6902: Vec<Json6902Patch>,
    /// TOML merge patches for /etc/containerd/config.toml.
    pub containerd_config_patches: Vec<String>,
    /// JSON6902 patches (YAML or JSON operation lists) for /etc/containerd/config.toml, applied
    /// after the merge patches.
    pub containerd_config_patches_json6902: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    ControlPlane,
    Worker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ControlPlane => "control-plane",
            Role::Worker => "worker",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeConfig {
    pub role: Role,
    /// Per-node image; `None` means the cluster's image.
    pub image: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub extra_mounts: Vec<Mount>,
    pub extra_port_mappings: Vec<PortMapping>,
    pub kubeadm_config_patches: Vec<String>,
    pub kubeadm_config_patches_json6902: Vec<Json6902Patch>,
}

impl NodeConfig {
    pub fn new(role: Role) -> Self {
        NodeConfig {
            role,
            image: None,
            labels: BTreeMap::new(),
            extra_mounts: Vec::new(),
            extra_port_mappings: Vec::new(),
            kubeadm_config_patches: Vec::new(),
            kubeadm_config_patches_json6902: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MountPropagation {
    #[default]
    None,
    HostToContainer,
    Bidirectional,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    /// Absolute (relative paths are resolved against the config file's folder when loading).
    pub host_path: PathBuf,
    pub container_path: String,
    pub read_only: bool,
    pub selinux_relabel: bool,
    pub propagation: MountPropagation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortMapping {
    pub container_port: u16,
    /// 0 lets minik pick a free port.
    pub host_port: u16,
    pub listen_address: String,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpFamily {
    #[default]
    Ipv4,
    Ipv6,
    Dual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyMode {
    #[default]
    Iptables,
    Ipvs,
    Nftables,
    None,
}

impl ProxyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyMode::Iptables => "iptables",
            ProxyMode::Ipvs => "ipvs",
            ProxyMode::Nftables => "nftables",
            ProxyMode::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Networking {
    pub ip_family: IpFamily,
    /// Where the API server is published on the host (kubeconfig server address).
    pub api_server_address: String,
    /// Host port for the API server; 0 lets minik pick a free one.
    pub api_server_port: u16,
    pub pod_subnet: String,
    pub service_subnet: String,
    pub disable_default_cni: bool,
    pub kube_proxy_mode: ProxyMode,
    /// `None` keeps the host's search domains; `Some(vec![])` removes them.
    pub dns_search: Option<Vec<String>>,
}

impl Default for Networking {
    fn default() -> Self {
        Networking {
            ip_family: IpFamily::Ipv4,
            api_server_address: "127.0.0.1".into(),
            api_server_port: 0,
            pod_subnet: DEFAULT_POD_SUBNET.into(),
            service_subnet: DEFAULT_SERVICE_SUBNET.into(),
            disable_default_cni: false,
            kube_proxy_mode: ProxyMode::Iptables,
            dns_search: None,
        }
    }
}

/// A JSON6902 patch aimed at one generated kubeadm document (defined beside the code that
/// applies it, so `patch` needs nothing from `config`).
pub(crate) use crate::patch::Json6902Patch;

impl ClusterConfig {
    /// The cluster-wide kubeadm patches, for [`crate::patch::kubeadm_config_for_node`].
    pub fn kubeadm_patches(&self) -> crate::patch::KubeadmPatches<'_> {
        crate::patch::KubeadmPatches {
            merge: &self.kubeadm_config_patches,
            json6902: &self.kubeadm_config_patches_json6902,
        }
    }

    /// A cluster of `control_planes` control planes and `workers` workers with defaults.
    pub fn with_nodes(name: &str, control_planes: usize, workers: usize) -> Self {
        let mut nodes = vec![NodeConfig::new(Role::ControlPlane); control_planes];
        nodes.extend(vec![NodeConfig::new(Role::Worker); workers]);
        ClusterConfig {
            name: name.to_string(),
            nodes,
            networking: Networking::default(),
            feature_gates: BTreeMap::new(),
            runtime_config: BTreeMap::new(),
            kubeadm_config_patches: Vec::new(),
            kubeadm_config_patches_json6902: Vec::new(),
            containerd_config_patches: Vec::new(),
            containerd_config_patches_json6902: Vec::new(),
        }
    }

    pub fn control_planes(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| n.role == Role::ControlPlane)
            .count()
    }

    pub fn workers(&self) -> usize {
        self.nodes.iter().filter(|n| n.role == Role::Worker).count()
    }
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig::with_nodes(DEFAULT_CLUSTER_NAME, 1, 0)
    }
}

impl NodeConfig {
    /// The node's own kubeadm patches, applied after the cluster's.
    pub fn kubeadm_patches(&self) -> crate::patch::KubeadmPatches<'_> {
        crate::patch::KubeadmPatches {
            merge: &self.kubeadm_config_patches,
            json6902: &self.kubeadm_config_patches_json6902,
        }
    }
}
