//! The documents of a kubeadm config file, as typed structs that serialize to the exact field
//! names kubeadm, kubelet and kube-proxy expect. Only the fields minik sets exist here; anything
//! else is left to the components' defaults (and to user patches).

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// How `extraArgs` / `kubeletExtraArgs` are written: a map in `v1beta3`, a list of
/// `{name, value}` in `v1beta4` (which allows repeating a flag; minik never needs to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ArgStyle {
    Map,
    List,
}

/// Component command-line flags, without the leading `--`, sorted by name.
#[derive(Debug, Clone)]
pub(super) struct ExtraArgs {
    pub(crate) style: ArgStyle,
    pub(crate) args: BTreeMap<String, String>,
}

impl ExtraArgs {
    pub(super) fn new(style: ArgStyle) -> Self {
        ExtraArgs {
            style,
            args: BTreeMap::new(),
        }
    }

    pub(super) fn set(&mut self, name: &str, value: impl Into<String>) {
        self.args.insert(name.to_string(), value.into());
    }

    pub(super) fn is_empty(&self) -> bool {
        self.args.is_empty()
    }
}

impl Serialize for ExtraArgs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Arg<'a> {
            name: &'a str,
            value: &'a str,
        }
        match self.style {
            ArgStyle::Map => {
                let mut map = serializer.serialize_map(Some(self.args.len()))?;
                for (name, value) in &self.args {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
            ArgStyle::List => {
                let mut seq = serializer.serialize_seq(Some(self.args.len()))?;
                for (name, value) in &self.args {
                    seq.serialize_element(&Arg { name, value })?;
                }
                seq.end()
            }
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ClusterConfiguration {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) kubernetes_version: String,
    pub(crate) cluster_name: String,
    pub(crate) control_plane_endpoint: String,
    pub(crate) api_server: ApiServer,
    pub(crate) controller_manager: ControlPlaneComponent,
    pub(crate) scheduler: ControlPlaneComponent,
    pub(crate) networking: Networking,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApiServer {
    #[serde(rename = "certSANs")]
    pub(crate) cert_sans: Vec<String>,
    #[serde(skip_serializing_if = "ExtraArgs::is_empty")]
    pub(crate) extra_args: ExtraArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ControlPlaneComponent {
    #[serde(skip_serializing_if = "ExtraArgs::is_empty")]
    pub(crate) extra_args: ExtraArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Networking {
    pub(crate) pod_subnet: String,
    pub(crate) service_subnet: String,
    pub(crate) dns_domain: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InitConfiguration {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) bootstrap_tokens: Vec<BootstrapToken>,
    #[serde(rename = "localAPIEndpoint")]
    pub(crate) local_api_endpoint: ApiEndpoint,
    pub(crate) node_registration: NodeRegistration,
    pub(crate) skip_phases: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub(super) struct BootstrapToken {
    pub(crate) token: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApiEndpoint {
    pub(crate) advertise_address: String,
    pub(crate) bind_port: u16,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NodeRegistration {
    pub(crate) cri_socket: &'static str,
    pub(crate) name: String,
    #[serde(skip_serializing_if = "ExtraArgs::is_empty")]
    pub(crate) kubelet_extra_args: ExtraArgs,
    /// `Some(vec![])` writes `taints: []`, which tells kubeadm not to taint a control plane
    /// (absent means kubeadm's default NoSchedule taint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) taints: Option<Vec<BTreeMap<String, String>>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JoinConfiguration {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) control_plane: Option<JoinControlPlane>,
    pub(crate) node_registration: NodeRegistration,
    pub(crate) discovery: Discovery,
    pub(crate) skip_phases: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub(super) struct JoinControlPlane {
    #[serde(rename = "localAPIEndpoint")]
    pub(crate) local_api_endpoint: ApiEndpoint,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Discovery {
    pub(crate) bootstrap_token: BootstrapTokenDiscovery,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BootstrapTokenDiscovery {
    pub(crate) api_server_endpoint: String,
    pub(crate) token: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) ca_cert_hashes: Vec<String>,
    #[serde(
        rename = "unsafeSkipCAVerification",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) unsafe_skip_ca_verification: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KubeletConfiguration {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) cgroup_driver: &'static str,
    pub(crate) cgroup_root: &'static str,
    pub(crate) fail_swap_on: bool,
    #[serde(rename = "failCgroupV1", skip_serializing_if = "Option::is_none")]
    pub(crate) fail_cgroup_v1: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) healthz_bind_address: Option<&'static str>,
    #[serde(rename = "imageGCHighThresholdPercent")]
    pub(crate) image_gc_high_threshold_percent: u8,
    pub(crate) eviction_hard: BTreeMap<&'static str, &'static str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) feature_gates: BTreeMap<String, bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KubeProxyConfiguration {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) mode: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) feature_gates: BTreeMap<String, bool>,
    pub(crate) iptables: ProxyIptables,
    pub(crate) conntrack: ProxyConntrack,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProxyIptables {
    pub(crate) min_sync_period: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProxyConntrack {
    /// 0 leaves the host-global `nf_conntrack_max` alone (it cannot be set from a container).
    pub(crate) max_per_core: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tcp_established_timeout: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tcp_close_wait_timeout: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tcp_be_liberal: Option<bool>,
}
