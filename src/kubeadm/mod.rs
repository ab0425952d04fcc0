//! kubeadm configuration for one node, as typed structs rendered to YAML.
//! (Being written; see the interface below.)

use std::collections::BTreeMap;

use crate::config::ClusterConfig;
use crate::k8s_version::KubeVersion;

/// The fixed-format bootstrap token every node uses; local clusters need no secret here.
pub const BOOTSTRAP_TOKEN: &str = "abcdef.0123456789abcdef";
/// The API server port inside the nodes.
pub const API_SERVER_PORT: u16 = 6443;

/// Everything needed to render one node's kubeadm config.
#[derive(Debug, Clone)]
pub struct NodeKubeadmInput<'a> {
    pub cluster: &'a ClusterConfig,
    pub kubernetes_version: &'a KubeVersion,
    pub node_name: &'a str,
    /// The node's address on the minik network (first family for dual stack).
    pub node_ips: Vec<String>,
    pub control_plane: bool,
    /// `host:port` every node uses to reach the API (the load balancer or first control plane).
    pub control_plane_endpoint: &'a str,
    /// `docker` (used in providerID `minik://docker/<cluster>/<node>`).
    pub provider: &'a str,
    pub node_labels: BTreeMap<String, String>,
    /// `sha256:<hex>` pins for join discovery; empty means unsafeSkipCAVerification.
    pub ca_cert_hashes: Vec<String>,
    /// Is the host engine rootless (kubelet feature gates and kube-proxy conntrack settings).
    pub rootless: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum KubeadmError {
    #[error("Kubernetes {0} is not supported by minik (supported: v1.28 and newer)")]
    UnsupportedVersion(KubeVersion),
    #[error("could not render kubeadm config: {0}")]
    Render(String),
}
// TEMPORARY placeholders until wip-kubeconf lands.
pub fn render(_i: &NodeKubeadmInput) -> Result<String, KubeadmError> {
    unimplemented!()
}
pub fn ca_cert_hash(_pem: &str) -> Result<String, KubeadmError> {
    unimplemented!()
}
