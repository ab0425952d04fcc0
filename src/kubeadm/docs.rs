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
    pub style: ArgStyle,
    pub args: BTreeMap<String, String>,
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
    pub api_version: &'static str,
    pub kind: &'static str,
    pub kubernetes_version: String,
    pub cluster_name: String,
    pub control_plane_endpoint: String,
    pub api_server: ApiServer,
    pub controller_manager: ControlPlaneComponent,
    pub scheduler: ControlPlaneComponent,
    pub networking: Networking,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApiServer {
    #[serde(rename = "certSANs")]
    pub cert_sans: Vec<String>,
    #[serde(skip_serializing_if = "ExtraArgs::is_empty")]
    pub extra_args: ExtraArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ControlPlaneComponent {
    #[serde(skip_serializing_if = "ExtraArgs::is_empty")]
    pub extra_args: ExtraArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Networking {
    pub pod_subnet: String,
    pub service_subnet: String,
    pub dns_domain: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InitConfiguration {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub bootstrap_tokens: Vec<BootstrapToken>,
    #[serde(rename = "localAPIEndpoint")]
    pub local_api_endpoint: ApiEndpoint,
    pub node_registration: NodeRegistration,
    pub skip_phases: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub(super) struct BootstrapToken {
    pub token: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApiEndpoint {
    pub advertise_address: String,
    pub bind_port: u16,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NodeRegistration {
    pub cri_socket: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "ExtraArgs::is_empty")]
    pub kubelet_extra_args: ExtraArgs,
    /// `Some(vec![])` writes `taints: []`, which tells kubeadm not to taint a control plane
    /// (absent means kubeadm's default NoSchedule taint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taints: Option<Vec<BTreeMap<String, String>>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JoinConfiguration {
    pub api_version: &'static str,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<JoinControlPlane>,
    pub node_registration: NodeRegistration,
    pub discovery: Discovery,
    pub skip_phases: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub(super) struct JoinControlPlane {
    #[serde(rename = "localAPIEndpoint")]
    pub local_api_endpoint: ApiEndpoint,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Discovery {
    pub bootstrap_token: BootstrapTokenDiscovery,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BootstrapTokenDiscovery {
    pub api_server_endpoint: String,
    pub token: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ca_cert_hashes: Vec<String>,
    #[serde(
        rename = "unsafeSkipCAVerification",
        skip_serializing_if = "Option::is_none"
    )]
    pub unsafe_skip_ca_verification: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KubeletConfiguration {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub cgroup_driver: &'static str,
    pub cgroup_root: &'static str,
    pub fail_swap_on: bool,
    #[serde(rename = "failCgroupV1", skip_serializing_if = "Option::is_none")]
    pub fail_cgroup_v1: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthz_bind_address: Option<&'static str>,
    #[serde(rename = "imageGCHighThresholdPercent")]
    pub image_gc_high_threshold_percent: u8,
    pub eviction_hard: BTreeMap<&'static str, &'static str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub feature_gates: BTreeMap<String, bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KubeProxyConfiguration {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub mode: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub feature_gates: BTreeMap<String, bool>,
    pub iptables: ProxyIptables,
    pub conntrack: ProxyConntrack,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProxyIptables {
    pub min_sync_period: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProxyConntrack {
    /// 0 leaves the host-global `nf_conntrack_max` alone (it cannot be set from a container).
    pub max_per_core: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_established_timeout: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_close_wait_timeout: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_be_liberal: Option<bool>,
}
