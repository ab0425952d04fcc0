//! kind's `kind.x-k8s.io/v1alpha4` `Cluster` schema: field names, decoding and defaults.
//! minik's own `minik.dev/v1alpha1` shares it today (see `minik_v1alpha1`).

use std::path::{Component, Path, PathBuf};

use super::decode::Decoder;
use super::yaml::{Node, Value};
use super::{
    ClusterConfig, IpFamily, Json6902Patch, Mount, MountPropagation, Networking, NodeConfig,
    PortMapping, Protocol, ProxyMode, Role, DEFAULT_POD_SUBNET, DEFAULT_POD_SUBNET_V6,
    DEFAULT_SERVICE_SUBNET, DEFAULT_SERVICE_SUBNET_V6,
};

pub(crate) const API_VERSION: &str = "kind.x-k8s.io/v1alpha4";

pub(crate) const CLUSTER_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "name",
    "nodes",
    "networking",
    "featureGates",
    "runtimeConfig",
    "kubeadmConfigPatches",
    "kubeadmConfigPatchesJSON6902",
    "containerdConfigPatches",
    "containerdConfigPatchesJSON6902",
];
const NODE_FIELDS: &[&str] = &[
    "role",
    "image",
    "labels",
    "extraMounts",
    "extraPortMappings",
    "kubeadmConfigPatches",
    "kubeadmConfigPatchesJSON6902",
];
const NETWORKING_FIELDS: &[&str] = &[
    "ipFamily",
    "apiServerAddress",
    "apiServerPort",
    "podSubnet",
    "serviceSubnet",
    "disableDefaultCNI",
    "kubeProxyMode",
    "dnsSearch",
];
const MOUNT_FIELDS: &[&str] = &[
    "hostPath",
    "containerPath",
    "readOnly",
    "selinuxRelabel",
    "propagation",
];
const PORT_FIELDS: &[&str] = &["containerPort", "hostPort", "listenAddress", "protocol"];
const JSON6902_FIELDS: &[&str] = &["group", "version", "kind", "patch"];

const ROLES: &[&str] = &["control-plane", "worker"];
const IP_FAMILIES: &[&str] = &["ipv4", "ipv6", "dual"];
const PROXY_MODES: &[&str] = &["iptables", "ipvs", "nftables", "none"];
const PROPAGATIONS: &[&str] = &["None", "HostToContainer", "Bidirectional"];
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];

/// Decodes a `Cluster` document (already known to have the right apiVersion and kind) and applies
/// the defaults. Relative `hostPath`s are resolved against `base_dir`.
pub(crate) fn decode_cluster(d: &mut Decoder, root: &Node, base_dir: &Path) -> ClusterConfig {
    let mut cfg = ClusterConfig::default();
    let fields = d.fields(root, "", "a Cluster", CLUSTER_FIELDS);
    // Networking first: other defaults (listen addresses) depend on the IP family.
    if let Some((_, path, node)) = fields.iter().find(|(k, _, _)| *k == "networking") {
        cfg.networking = decode_networking(d, node, path);
    }
    let listen_default = match cfg.networking.ip_family {
        IpFamily::Ipv6 => "::",
        IpFamily::Ipv4 | IpFamily::Dual => "0.0.0.0",
    };
    for (key, path, node) in &fields {
        let (path, node) = (path.as_str(), *node);
        match *key {
            "name" => {
                // As for kind, an empty name means the default.
                if let Some(name) = d
                    .string(node, path, "name: workshop")
                    .filter(|n| !n.is_empty())
                {
                    cfg.name = name;
                }
            }
            "nodes" => {
                let items = d.list(node, path, "nodes: [{role: control-plane}]");
                let nodes: Vec<NodeConfig> = items
                    .iter()
                    .map(|(p, n)| decode_node(d, n, p, base_dir, listen_default))
                    .collect();
                // kind's default: no nodes means one control plane.
                if !nodes.is_empty() {
                    cfg.nodes = nodes;
                }
            }
            "featureGates" => cfg.feature_gates = d.bool_map(node, path),
            "runtimeConfig" => {
                cfg.runtime_config =
                    d.string_map(node, path, "runtimeConfig: {\"api/alpha\": \"false\"}")
            }
            "kubeadmConfigPatches" => cfg.kubeadm_config_patches = patches(d, node, path),
            "kubeadmConfigPatchesJSON6902" => {
                cfg.kubeadm_config_patches_json6902 = json6902_patches(d, node, path)
            }
            "containerdConfigPatches" => cfg.containerd_config_patches = patches(d, node, path),
            "containerdConfigPatchesJSON6902" => {
                cfg.containerd_config_patches_json6902 = patches(d, node, path)
            }
            // apiVersion and kind were checked before; networking above.
            _ => {}
        }
    }
    cfg
}

fn patches(d: &mut Decoder, node: &Node, path: &str) -> Vec<String> {
    d.string_list(node, path, "- |\n    kind: ClusterConfiguration")
}

fn decode_node(d: &mut Decoder, node: &Node, path: &str, base: &Path, listen: &str) -> NodeConfig {
    let mut out = NodeConfig::new(Role::ControlPlane);
    for (key, path, value) in d.fields(node, path, "a node", NODE_FIELDS) {
        let path = path.as_str();
        match key {
            "role" => {
                if let Some(i) = d.choice(value, path, ROLES, false) {
                    out.role = if i == 0 {
                        Role::ControlPlane
                    } else {
                        Role::Worker
                    };
                }
            }
            "image" => {
                out.image = d
                    .string(value, path, "image: kindest/node:v1.35.0")
                    .filter(|s| !s.is_empty())
            }
            "labels" => out.labels = d.string_map(value, path, "labels: {tier: frontend}"),
            "extraMounts" => {
                let items = d.list(
                    value,
                    path,
                    "extraMounts: [{hostPath: ./data, containerPath: /data}]",
                );
                out.extra_mounts = items
                    .iter()
                    .map(|(p, n)| decode_mount(d, n, p, base))
                    .collect();
            }
            "extraPortMappings" => {
                let items = d.list(
                    value,
                    path,
                    "extraPortMappings: [{containerPort: 80, hostPort: 80}]",
                );
                out.extra_port_mappings = items
                    .iter()
                    .map(|(p, n)| decode_port(d, n, p, listen))
                    .collect();
            }
            "kubeadmConfigPatches" => out.kubeadm_config_patches = patches(d, value, path),
            "kubeadmConfigPatchesJSON6902" => {
                out.kubeadm_config_patches_json6902 = json6902_patches(d, value, path)
            }
            _ => {}
        }
    }
    out
}

/// Entries that fail to decode are still returned (with stand-in values, the error reported) so
/// that list indices keep matching the file's.
fn decode_mount(d: &mut Decoder, node: &Node, path: &str, base: &Path) -> Mount {
    let (mut host, mut container) = (None, None);
    let mut mount = Mount {
        host_path: PathBuf::new(),
        container_path: String::new(),
        read_only: false,
        selinux_relabel: false,
        propagation: MountPropagation::None,
    };
    for (key, path, value) in d.fields(node, path, "an extraMounts entry", MOUNT_FIELDS) {
        let path = path.as_str();
        match key {
            "hostPath" => host = d.string(value, path, "hostPath: ./data"),
            "containerPath" => container = d.string(value, path, "containerPath: /data"),
            "readOnly" => mount.read_only = d.bool(value, path).unwrap_or(false),
            "selinuxRelabel" => mount.selinux_relabel = d.bool(value, path).unwrap_or(false),
            "propagation" => {
                mount.propagation = match d.choice(value, path, PROPAGATIONS, false) {
                    Some(1) => MountPropagation::HostToContainer,
                    Some(2) => MountPropagation::Bidirectional,
                    _ => MountPropagation::None,
                }
            }
            _ => {}
        }
    }
    let missing = |d: &mut Decoder, field: &str, example: &str| {
        d.error(
            node.at,
            format!("extraMounts entry has no \"{field}\""),
            format!("every mount needs hostPath and containerPath, e.g. {example}"),
        );
    };
    match host.filter(|h| !h.is_empty()) {
        Some(h) => mount.host_path = absolute(base, Path::new(&h)),
        None => missing(d, "hostPath", "hostPath: ./data"),
    }
    match container.filter(|c| !c.is_empty()) {
        Some(c) => mount.container_path = c,
        None => missing(d, "containerPath", "containerPath: /data"),
    }
    mount
}

fn decode_port(d: &mut Decoder, node: &Node, path: &str, listen: &str) -> PortMapping {
    let (mut container, mut container_given) = (None, false);
    let mut mapping = PortMapping {
        container_port: 0,
        host_port: 0,
        listen_address: listen.to_string(),
        protocol: Protocol::Tcp,
    };
    for (key, path, value) in d.fields(node, path, "an extraPortMappings entry", PORT_FIELDS) {
        let path = path.as_str();
        match key {
            "containerPort" => {
                container_given = true;
                container = d.int(value, path, 1, 65535);
            }
            // -1 ("let the engine pick") is treated like 0: minik picks, so it survives restarts.
            "hostPort" => mapping.host_port = d.int(value, path, -1, 65535).map_or(0, port),
            "listenAddress" => {
                if let Some(a) = d
                    .string(value, path, "listenAddress: 127.0.0.1")
                    .filter(|a| !a.is_empty())
                {
                    mapping.listen_address = a;
                }
            }
            "protocol" => {
                mapping.protocol = match d.choice(value, path, PROTOCOLS, true) {
                    Some(1) => Protocol::Udp,
                    Some(2) => Protocol::Sctp,
                    _ => Protocol::Tcp,
                }
            }
            _ => {}
        }
    }
    if !container_given {
        d.error(
            node.at,
            "extraPortMappings entry has no \"containerPort\"".into(),
            "say which port inside the node to publish, e.g. containerPort: 80",
        );
    }
    mapping.container_port = container.map_or(0, port);
    mapping
}

/// A checked `-1..=65535` value as a port; -1 and 0 both mean "pick one".
fn port(n: i64) -> u16 {
    u16::try_from(n).unwrap_or(0)
}

fn json6902_patches(d: &mut Decoder, node: &Node, path: &str) -> Vec<Json6902Patch> {
    let example =
        "- {group: kubeadm.k8s.io, version: v1beta4, kind: ClusterConfiguration, patch: ...}";
    let items = d.list(node, path, example);
    let mut out = Vec::new();
    for (p, item) in items {
        let mut patch = Json6902Patch {
            group: String::new(),
            version: String::new(),
            kind: String::new(),
            patch: String::new(),
        };
        for (key, path, value) in d.fields(item, &p, "a JSON6902 patch", JSON6902_FIELDS) {
            let text = d
                .string(value, &path, "kind: ClusterConfiguration")
                .unwrap_or_default();
            match key {
                "group" => patch.group = text,
                "version" => patch.version = text,
                "kind" => patch.kind = text,
                _ => patch.patch = text,
            }
        }
        out.push(patch);
    }
    out
}

fn decode_networking(d: &mut Decoder, node: &Node, path: &str) -> Networking {
    let mut net = Networking::default();
    let fields = d.fields(node, path, "networking", NETWORKING_FIELDS);
    let (mut address, mut pods, mut services) = (None, None, None);
    for (key, path, value) in &fields {
        let (path, value) = (path.as_str(), *value);
        match *key {
            "ipFamily" => {
                net.ip_family = match d.choice(value, path, IP_FAMILIES, false) {
                    Some(1) => IpFamily::Ipv6,
                    Some(2) => IpFamily::Dual,
                    _ => IpFamily::Ipv4,
                }
            }
            "apiServerAddress" => address = d.string(value, path, "apiServerAddress: 127.0.0.1"),
            "apiServerPort" => net.api_server_port = d.int(value, path, -1, 65535).map_or(0, port),
            "podSubnet" => pods = d.string(value, path, "podSubnet: 10.244.0.0/16"),
            "serviceSubnet" => services = d.string(value, path, "serviceSubnet: 10.96.0.0/16"),
            "disableDefaultCNI" => net.disable_default_cni = d.bool(value, path).unwrap_or(false),
            "kubeProxyMode" => {
                net.kube_proxy_mode = match d.choice(value, path, PROXY_MODES, false) {
                    Some(1) => ProxyMode::Ipvs,
                    Some(2) => ProxyMode::Nftables,
                    Some(3) => ProxyMode::None,
                    _ => ProxyMode::Iptables,
                }
            }
            // Unset or null inherits the host's search domains; a list (even empty) replaces them.
            "dnsSearch" if value.value != Value::Null => {
                net.dns_search = Some(d.string_list(value, path, "dnsSearch: [example.com]"));
            }
            _ => {}
        }
    }
    let (pod_default, service_default, address_default) = match net.ip_family {
        IpFamily::Ipv4 => (
            DEFAULT_POD_SUBNET.into(),
            DEFAULT_SERVICE_SUBNET.into(),
            "127.0.0.1",
        ),
        IpFamily::Ipv6 => (
            DEFAULT_POD_SUBNET_V6.into(),
            DEFAULT_SERVICE_SUBNET_V6.into(),
            "::1",
        ),
        IpFamily::Dual => (
            format!("{DEFAULT_POD_SUBNET},{DEFAULT_POD_SUBNET_V6}"),
            format!("{DEFAULT_SERVICE_SUBNET},{DEFAULT_SERVICE_SUBNET_V6}"),
            "127.0.0.1",
        ),
    };
    let set = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    net.api_server_address = set(address).unwrap_or_else(|| address_default.to_string());
    net.pod_subnet = set(pods).unwrap_or(pod_default);
    net.service_subnet = set(services).unwrap_or(service_default);
    net
}

/// `path` made absolute against `base`, with `.` components dropped.
pub(crate) fn absolute(base: &Path, path: &Path) -> PathBuf {
    let joined = base.join(path);
    joined
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}
