use thiserror::Error;

use crate::hint::Hint;
use crate::provider::ProviderError;

#[derive(Debug, Error)]
pub enum ClusterError {
    #[error(transparent)]
    InvalidName(#[from] super::naming::NameError),

    #[error("a cluster named {} already exists", crate::text::quoted(.0))]
    AlreadyExists(String),

    #[error(
        "a previous create of cluster {} did not finish: its nodes are still there",
        crate::text::quoted(.0)
    )]
    Incomplete(String),

    #[error("no cluster named {}", crate::text::quoted(.0))]
    NotFound(String),

    #[error("cluster {name:?} has no running control-plane node")]
    NoControlPlane { name: String },

    #[error("node image {image} is not available: {reason}")]
    ImageUnavailable { image: String, reason: String },

    // Bad input: what was asked cannot be done as asked (exit 2).
    #[error("a cluster needs at least one control-plane node")]
    NoControlPlaneConfigured,

    /// The node add or delete asked for does not fit the cluster (its message says why).
    #[error("{0}")]
    Refused(String),

    #[error(
        "{path} already exists{}; name another folder",
        if *.not_empty { " and is not empty" } else { "" }
    )]
    DestinationExists { path: String, not_empty: bool },

    /// The config's containerdConfigPatches give a config containerd cannot load.
    #[error("containerd refuses the patched config on node {node}: {why}")]
    ContainerdPatchRefused { node: String, why: String },

    // Failures: the input was fine, something on the way was not (exit 1).
    #[error("no free port on {address}: {source}")]
    NoFreePort {
        address: String,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("could not pack {path}: {source}")]
    Pack {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("could not encode the kubeconfig: {0}")]
    KubeconfigEncode(String),

    #[error("the kubeconfig writer stopped: {0}")]
    KubeconfigWriter(String),

    /// containerd or its CRI plugin is not serving on a node (the message has containerd's why).
    #[error("{0}")]
    NodeRuntime(String),

    #[error(
        "the node image {image} cannot run the HA load balancer (more than one control plane \
         needs one): the check for haproxy in it failed: {reason}"
    )]
    BalancerImage { image: String, reason: String },

    #[error("the node image's CNI manifest: {0}")]
    CniManifest(String),

    #[error("no control plane to ask")]
    NoControlPlaneToAsk,

    #[error(
        "an {family} cluster needs IPv6 node addresses, but network {network:?} is IPv4-only \
         and cannot be recreated dual-stack while containers are on it: {}",
        holders.join(", ")
    )]
    NetworkIpv4Only {
        family: &'static str,
        network: String,
        holders: Vec<String>,
    },

    #[error(
        "an {family} cluster needs IPv6 node addresses, but the engine made network {network:?} \
         IPv4-only: {reason}"
    )]
    EngineWithoutIpv6 {
        family: &'static str,
        network: String,
        reason: String,
    },

    #[error(
        "the configuration kept with cluster {} no longer holds on this machine: {reason}",
        crate::text::quoted(.cluster)
    )]
    StoredConfig { cluster: String, reason: String },

    #[error("{step} failed: {source}")]
    Step {
        step: String,
        #[source]
        source: Box<ClusterError>,
    },

    #[error(
        "the control planes of HA cluster {cluster:?} came back with other addresses ({changes}); \
         their etcd members know each other only by the old ones"
    )]
    HaAddressesChanged { cluster: String, changes: String },

    #[error("{0}")]
    Cancelled(#[from] crate::signals::Cancelled),

    #[error("{0}")]
    Provider(#[from] ProviderError),

    #[error(transparent)]
    Kubeadm(#[from] crate::kubeadm::KubeadmError),

    #[error(transparent)]
    Kubeconfig(#[from] crate::kubeconfig::KubeconfigError),

    #[error(transparent)]
    Patch(#[from] crate::patch::PatchError),

    /// A failure on a node whose kubelet logged errors: they usually say why (kubeadm itself
    /// only reports that the kubelet never became healthy).
    #[error("{source}\nthe kubelet on {node} logged:\n{log}")]
    WithKubeletLog {
        node: String,
        log: String,
        #[source]
        source: Box<ClusterError>,
    },

    #[error("unexpected output from {what} on node {node}: {reason}")]
    BadOutput {
        node: String,
        what: String,
        reason: String,
    },
}

impl From<crate::node::NodeError> for ClusterError {
    fn from(e: crate::node::NodeError) -> Self {
        use crate::node::NodeError;
        match e {
            NodeError::Provider(e) => ClusterError::Provider(e),
            NodeError::BadOutput { node, what, reason } => {
                ClusterError::BadOutput { node, what, reason }
            }
            NodeError::Runtime(why) => ClusterError::NodeRuntime(why),
        }
    }
}

impl crate::events::InStep for ClusterError {
    fn in_step(self, title: &str) -> ClusterError {
        ClusterError::in_step(self, title)
    }
}

impl ClusterError {
    /// Attach the name of the create step that failed.
    pub fn in_step(self, step: &str) -> ClusterError {
        match self {
            e @ (ClusterError::Step { .. } | ClusterError::Cancelled(_)) => e,
            e => ClusterError::Step {
                step: step.to_string(),
                source: Box::new(e),
            },
        }
    }

    /// Whether the user asked for something that cannot be done as asked (exit 2), rather
    /// than something failing on the way. A name already in use counts as bad input.
    pub fn is_bad_input(&self) -> bool {
        match self.root() {
            ClusterError::InvalidName(_)
            | ClusterError::AlreadyExists(_)
            | ClusterError::Incomplete(_)
            | ClusterError::NoControlPlaneConfigured
            | ClusterError::Refused(_)
            | ClusterError::DestinationExists { .. }
            | ClusterError::ContainerdPatchRefused { .. } => true,
            ClusterError::NotFound(_)
            | ClusterError::NoControlPlane { .. }
            | ClusterError::ImageUnavailable { .. }
            | ClusterError::NoFreePort { .. }
            | ClusterError::Write { .. }
            | ClusterError::Pack { .. }
            | ClusterError::KubeconfigEncode(_)
            | ClusterError::KubeconfigWriter(_)
            | ClusterError::NodeRuntime(_)
            | ClusterError::BalancerImage { .. }
            | ClusterError::CniManifest(_)
            | ClusterError::NoControlPlaneToAsk
            | ClusterError::NetworkIpv4Only { .. }
            | ClusterError::EngineWithoutIpv6 { .. }
            | ClusterError::StoredConfig { .. }
            | ClusterError::Step { .. }
            | ClusterError::HaAddressesChanged { .. }
            | ClusterError::Cancelled(_)
            | ClusterError::Provider(_)
            | ClusterError::Kubeadm(_)
            | ClusterError::Kubeconfig(_)
            | ClusterError::Patch(_)
            | ClusterError::WithKubeletLog { .. }
            | ClusterError::BadOutput { .. } => false,
        }
    }

    /// The innermost error, past step wrappers.
    pub fn root(&self) -> &ClusterError {
        match self {
            ClusterError::Step { source, .. } | ClusterError::WithKubeletLog { source, .. } => {
                source.root()
            }
            e => e,
        }
    }
}

crate::error_keys!(pub ClusterError {
    ClusterError::InvalidName(e) => "cluster.invalid-name", reason = e;
    ClusterError::AlreadyExists(name) => "cluster.already-exists", name = crate::text::quoted(name), bare = name;
    ClusterError::Incomplete(name) => "cluster.incomplete", name = crate::text::quoted(name), bare = name;
    ClusterError::NotFound(name) => "cluster.not-found", name = crate::text::quoted(name), bare = name;
    ClusterError::NoControlPlane { name } => "cluster.no-control-plane", name = crate::text::quoted(name);
    ClusterError::ImageUnavailable { image, reason } => "cluster.image-unavailable", image = image, reason = reason;
    ClusterError::NoControlPlaneConfigured => "cluster.no-control-plane-configured";
    ClusterError::Refused(reason) => "cluster.refused", reason = reason;
    ClusterError::DestinationExists { path, not_empty } => "cluster.destination-exists", path = path;
    ClusterError::ContainerdPatchRefused { node, why } => "cluster.containerd-patch-refused", node = node, reason = why;
    ClusterError::NoFreePort { address, source } => "cluster.no-free-port", address = address, reason = source;
    ClusterError::Write { path, source } => "cluster.write", path = path, reason = source;
    ClusterError::Pack { path, source } => "cluster.pack", path = path, reason = source;
    ClusterError::KubeconfigEncode(reason) => "cluster.kubeconfig-encode", reason = reason;
    ClusterError::KubeconfigWriter(reason) => "cluster.kubeconfig-writer", reason = reason;
    ClusterError::NodeRuntime(reason) => "cluster.node-runtime", reason = reason;
    ClusterError::BalancerImage { image, reason } => "cluster.balancer-image", image = image, reason = reason;
    ClusterError::CniManifest(reason) => "cluster.cni-manifest", reason = reason;
    ClusterError::NoControlPlaneToAsk => "cluster.no-control-plane-to-ask";
    ClusterError::NetworkIpv4Only { family, network, holders } => "cluster.network-ipv4-only",
        family = family, network = crate::text::quoted(network), bare_network = network, holders = holders.join(", ");
    ClusterError::EngineWithoutIpv6 { family, network, reason } => "cluster.engine-without-ipv6",
        family = family, network = crate::text::quoted(network), reason = reason;
    ClusterError::StoredConfig { cluster, reason } => "cluster.stored-config", cluster = crate::text::quoted(cluster), reason = reason;
    ClusterError::Step { step, source } => "cluster.step", step = step;
    ClusterError::HaAddressesChanged { cluster, changes } => "cluster.ha-addresses-changed",
        cluster = crate::text::quoted(cluster), bare = cluster, changes = changes;
    ClusterError::Cancelled(_) => "cluster.cancelled";
    ClusterError::Provider(_) => "cluster.provider";
    ClusterError::Kubeadm(e) => "cluster.kubeadm", reason = e;
    ClusterError::Kubeconfig(e) => "cluster.kubeconfig", reason = e;
    ClusterError::Patch(e) => "cluster.patch", reason = e;
    ClusterError::WithKubeletLog { node, log, source } => "cluster.with-kubelet-log", node = node, log = log;
    ClusterError::BadOutput { node, what, reason } => "cluster.bad-output", node = node, what = what, reason = reason;
});

impl Hint for ClusterError {
    fn hint(&self) -> Option<String> {
        match self.root() {
            ClusterError::AlreadyExists(name) => Some(format!(
                "choose another name with --name, or delete it first: minik delete --name {name}"
            )),
            ClusterError::InvalidName(e) => e.hint(),
            ClusterError::Kubeconfig(e) => e.hint(),
            ClusterError::Incomplete(name) => Some(format!(
                "remove what it left with `minik delete --name {name}`, then create it again"
            )),
            ClusterError::NotFound(_) => Some("list clusters with: minik get clusters".into()),
            ClusterError::ImageUnavailable { .. } => Some(
                "build one with `minik build node-image` (or load it with `docker load`), \
                 then pass it with --image"
                    .into(),
            ),
            ClusterError::Cancelled(_) => Some("everything it had made was removed".into()),
            ClusterError::NetworkIpv4Only { network, .. } => Some(format!(
                "free it and minik recreates it dual-stack on the next create: delete the \
                 clusters on it (`minik get clusters`, then `minik delete --name NAME`) and \
                 take other containers off it (`docker network disconnect {network} CONTAINER`)"
            )),
            ClusterError::EngineWithoutIpv6 { .. } => Some(
                "turn IPv6 on in the engine, then create again. Linux: IPv6 must be on in the \
                 kernel (`sysctl net.ipv6.conf.all.disable_ipv6` says 0; no `ipv6.disable=1` \
                 boot option). Docker Desktop (macOS, Windows): Settings > Resources > Network, \
                 IPv4 and IPv6, or `\"ipv6\": true` in Settings > Docker Engine, then restart. \
                 Colima: `colima start --edit`, `ipv6: true` under `docker:`. Or use \
                 `ipFamily: ipv4`"
                    .into(),
            ),
            ClusterError::HaAddressesChanged { cluster, .. } => Some(format!(
                "stacked etcd keeps its members' peer addresses in its own data, which no \
                 file rewrite reaches, so a cluster with several control planes cannot \
                 follow new addresses (single-control-plane clusters can). Its containers \
                 are running; recreate it: minik delete --name {cluster}, then minik create"
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io() -> std::io::Error {
        std::io::Error::other("boom")
    }

    #[test]
    fn usage_variants_are_bad_input_even_inside_a_step() {
        let usage = [
            ClusterError::NoControlPlaneConfigured,
            ClusterError::Refused("no".into()),
            ClusterError::AlreadyExists("lab".into()),
            ClusterError::DestinationExists {
                path: "out".into(),
                not_empty: true,
            },
            ClusterError::ContainerdPatchRefused {
                node: "n".into(),
                why: "bad".into(),
            },
        ];
        for e in usage {
            assert!(e.in_step("Writing configuration").is_bad_input());
        }
    }

    #[test]
    fn failures_on_the_way_are_not_bad_input() {
        let failures = [
            ClusterError::NoFreePort {
                address: "127.0.0.1".into(),
                source: io(),
            },
            ClusterError::Write {
                path: "logs".into(),
                source: io(),
            },
            ClusterError::KubeconfigWriter("panicked".into()),
            ClusterError::KubeconfigEncode("bad".into()),
            ClusterError::NodeRuntime("containerd is not running".into()),
            ClusterError::StoredConfig {
                cluster: "lab".into(),
                reason: "gone".into(),
            },
        ];
        for e in failures {
            let text = e.to_string();
            assert!(!e.in_step("Preparing nodes").is_bad_input(), "{text}");
        }
    }

    #[test]
    fn messages_are_unchanged() {
        let e = ClusterError::NoFreePort {
            address: "127.0.0.1".into(),
            source: io(),
        };
        assert_eq!(e.to_string(), "no free port on 127.0.0.1: boom");
        let e = ClusterError::DestinationExists {
            path: "out".into(),
            not_empty: true,
        };
        assert_eq!(
            e.to_string(),
            "out already exists and is not empty; name another folder"
        );
        let e = ClusterError::DestinationExists {
            path: "out.tar.gz".into(),
            not_empty: false,
        };
        assert_eq!(
            e.to_string(),
            "out.tar.gz already exists; name another folder"
        );
    }
}
