//! Turns a [`NodeKubeadmInput`] into the typed documents of [`super::docs`].

use std::collections::BTreeMap;

use super::docs::*;
use super::{
    kubeadm_api_version, KubeadmError, NodeKubeadmInput, API_SERVER_PORT, BOOTSTRAP_TOKEN,
    CRI_SOCKET,
};
use crate::config::{IpFamily, ProxyMode};

const KUBELET_API_VERSION: &str = "kubelet.config.k8s.io/v1beta1";
const KUBE_PROXY_API_VERSION: &str = "kubeproxy.config.k8s.io/v1alpha1";

/// All documents of one node's config, in file order.
pub(super) struct Documents {
    pub(crate) cluster: ClusterConfiguration,
    pub(crate) init: InitConfiguration,
    pub(crate) join: JoinConfiguration,
    pub(crate) kubelet: KubeletConfiguration,
    pub(crate) proxy: Option<KubeProxyConfiguration>,
}

/// Facts derived once from the input and shared by the document builders.
struct Plan<'a> {
    input: &'a NodeKubeadmInput<'a>,
    api_version: &'static str,
    style: ArgStyle,
    ipv6: bool,
    /// `A=true,B=false` for the control-plane components' `--feature-gates`.
    feature_gates_flag: Option<String>,
}

pub(super) fn documents(input: &NodeKubeadmInput) -> Result<Documents, KubeadmError> {
    let api_version = kubeadm_api_version(input.kubernetes_version)?;
    if input.node_ips.is_empty() || input.node_ips.iter().any(|ip| ip.trim().is_empty()) {
        return Err(KubeadmError::Render(format!(
            "node {} has no IP address on the cluster network",
            input.node_name
        )));
    }
    if input.control_plane_endpoint.trim().is_empty() {
        return Err(KubeadmError::Render(
            "the control-plane endpoint is empty".to_string(),
        ));
    }
    let cluster = input.cluster;
    let proxy_mode = cluster.networking.kube_proxy_mode;
    if proxy_mode == ProxyMode::Nftables && !input.kubernetes_version.at_least(1, 29) {
        return Err(KubeadmError::UnsupportedProxyMode {
            mode: proxy_mode.as_str(),
            version: input.kubernetes_version.clone(),
            since: "v1.29",
        });
    }
    let feature_gates_flag = (!cluster.feature_gates.is_empty()).then(|| {
        let pairs = cluster
            .feature_gates
            .iter()
            .map(|(k, v)| format!("{k}={v}"));
        pairs.collect::<Vec<_>>().join(",")
    });
    let plan = Plan {
        input,
        api_version,
        style: if api_version.ends_with("v1beta3") {
            ArgStyle::Map
        } else {
            ArgStyle::List
        },
        ipv6: cluster.networking.ip_family == IpFamily::Ipv6,
        feature_gates_flag,
    };
    Ok(Documents {
        cluster: plan.cluster_configuration(),
        init: plan.init_configuration(),
        join: plan.join_configuration(),
        kubelet: plan.kubelet_configuration(),
        proxy: plan.kube_proxy_configuration(),
    })
}

/// The host part of `host:port`, `[v6]:port`, or a bare host.
fn endpoint_host(endpoint: &str) -> &str {
    let endpoint = endpoint.trim();
    if let Some(rest) = endpoint.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match endpoint.rsplit_once(':') {
        // More than one colon without brackets is a bare IPv6 address.
        Some((host, _)) if !host.contains(':') => host,
        _ => endpoint,
    }
}

impl Plan<'_> {
    fn args(&self) -> ExtraArgs {
        ExtraArgs::new(self.style)
    }

    fn with_feature_gates(&self, mut args: ExtraArgs) -> ExtraArgs {
        if let Some(gates) = &self.feature_gates_flag {
            args.set("feature-gates", gates.clone());
        }
        args
    }

    fn cert_sans(&self) -> Vec<String> {
        let input = self.input;
        let mut sans: Vec<String> = vec!["localhost".into(), "127.0.0.1".into()];
        sans.extend(input.node_ips.iter().cloned());
        sans.push(endpoint_host(input.control_plane_endpoint).to_string());
        sans.push(input.cluster.networking.api_server_address.clone());
        sans.extend(input.extra_cert_sans.iter().cloned());
        let mut unique: Vec<String> = Vec::with_capacity(sans.len());
        for san in sans {
            if !san.is_empty() && !unique.contains(&san) {
                unique.push(san);
            }
        }
        unique
    }

    fn cluster_configuration(&self) -> ClusterConfiguration {
        let cluster = self.input.cluster;

        let mut api_server_args = self.args();
        if !cluster.runtime_config.is_empty() {
            let pairs = cluster
                .runtime_config
                .iter()
                .map(|(k, v)| format!("{k}={v}"));
            api_server_args.set("runtime-config", pairs.collect::<Vec<_>>().join(","));
        }
        let mut controller_manager_args = self.args();
        controller_manager_args.set("enable-hostpath-provisioner", "true");
        let mut scheduler_args = self.args();
        if self.ipv6 {
            controller_manager_args.set("bind-address", "::");
            scheduler_args.set("bind-address", "::1");
        }

        ClusterConfiguration {
            api_version: self.api_version,
            kind: "ClusterConfiguration",
            kubernetes_version: self.input.kubernetes_version.to_string(),
            cluster_name: cluster.name.clone(),
            control_plane_endpoint: self.input.control_plane_endpoint.to_string(),
            api_server: ApiServer {
                cert_sans: self.cert_sans(),
                extra_args: self.with_feature_gates(api_server_args),
            },
            controller_manager: ControlPlaneComponent {
                extra_args: self.with_feature_gates(controller_manager_args),
            },
            scheduler: ControlPlaneComponent {
                extra_args: self.with_feature_gates(scheduler_args),
            },
            networking: Networking {
                pod_subnet: cluster.networking.pod_subnet.clone(),
                service_subnet: cluster.networking.service_subnet.clone(),
                dns_domain: "cluster.local",
            },
        }
    }

    fn local_api_endpoint(&self) -> ApiEndpoint {
        ApiEndpoint {
            advertise_address: self.input.node_ips[0].clone(),
            bind_port: API_SERVER_PORT,
        }
    }

    fn node_registration(&self) -> NodeRegistration {
        let input = self.input;
        let mut kubelet_args = self.args();
        kubelet_args.set("node-ip", input.node_ips.join(","));
        kubelet_args.set(
            "provider-id",
            format!(
                "minik://{}/{}/{}",
                input.provider, input.cluster.name, input.node_name
            ),
        );
        if !input.node_labels.is_empty() {
            let pairs = input.node_labels.iter().map(|(k, v)| format!("{k}={v}"));
            kubelet_args.set("node-labels", pairs.collect::<Vec<_>>().join(","));
        }
        // With no workers the control planes must run workloads, so they get no taint.
        let untainted = input.control_plane && input.cluster.workers() == 0;
        NodeRegistration {
            cri_socket: CRI_SOCKET,
            name: input.node_name.to_string(),
            kubelet_extra_args: kubelet_args,
            taints: untainted.then(Vec::new),
        }
    }

    fn proxy_disabled(&self) -> bool {
        self.input.cluster.networking.kube_proxy_mode == ProxyMode::None
    }

    fn init_configuration(&self) -> InitConfiguration {
        let mut skip_phases = vec!["preflight"];
        if self.proxy_disabled() {
            skip_phases.push("addon/kube-proxy");
        }
        InitConfiguration {
            api_version: self.api_version,
            kind: "InitConfiguration",
            bootstrap_tokens: vec![BootstrapToken {
                token: BOOTSTRAP_TOKEN,
            }],
            local_api_endpoint: self.local_api_endpoint(),
            node_registration: self.node_registration(),
            skip_phases,
        }
    }

    fn join_configuration(&self) -> JoinConfiguration {
        let input = self.input;
        let control_plane = input.control_plane.then(|| JoinControlPlane {
            local_api_endpoint: self.local_api_endpoint(),
        });
        JoinConfiguration {
            api_version: self.api_version,
            kind: "JoinConfiguration",
            control_plane,
            node_registration: self.node_registration(),
            discovery: Discovery {
                bootstrap_token: BootstrapTokenDiscovery {
                    api_server_endpoint: input.control_plane_endpoint.to_string(),
                    token: BOOTSTRAP_TOKEN,
                    ca_cert_hashes: input.ca_cert_hashes.clone(),
                    unsafe_skip_ca_verification: input.ca_cert_hashes.is_empty().then_some(true),
                },
            },
            // `kubeadm join` has no kube-proxy phase, so only preflight is skipped here.
            skip_phases: vec!["preflight"],
        }
    }

    fn kubelet_configuration(&self) -> KubeletConfiguration {
        let mut feature_gates = self.input.cluster.feature_gates.clone();
        if self.input.rootless {
            feature_gates.insert("KubeletInUserNamespace".into(), true);
        }
        // The kubelet sees the host's disk, so disk-pressure eviction and image GC are off.
        let eviction_hard = BTreeMap::from([
            ("imagefs.available", "0%"),
            ("nodefs.available", "0%"),
            ("nodefs.inodesFree", "0%"),
        ]);
        KubeletConfiguration {
            api_version: KUBELET_API_VERSION,
            kind: "KubeletConfiguration",
            cgroup_driver: "systemd",
            cgroup_root: "/kubelet",
            fail_swap_on: false,
            // The kubelet decides "v1" by /sys/fs/cgroup not being cgroup2, so hybrid hosts
            // count; the field exists from v1.31 and is true by default from v1.35.
            fail_cgroup_v1: (self.input.cgroup_v1_host
                && self.input.kubernetes_version.at_least(1, 31))
            .then_some(false),
            address: self.ipv6.then_some("::"),
            healthz_bind_address: self.ipv6.then_some("::"),
            image_gc_high_threshold_percent: 100,
            eviction_hard,
            feature_gates,
        }
    }

    fn kube_proxy_configuration(&self) -> Option<KubeProxyConfiguration> {
        let mode = self.input.cluster.networking.kube_proxy_mode;
        if mode == ProxyMode::None {
            return None;
        }
        let rootless = self.input.rootless;
        let mut feature_gates = self.input.cluster.feature_gates.clone();
        // nftables mode is behind an alpha gate before v1.31.
        if mode == ProxyMode::Nftables && !self.input.kubernetes_version.at_least(1, 31) {
            feature_gates
                .entry("NFTablesProxyMode".into())
                .or_insert(true);
        }
        // Rootless: the conntrack sysctls cannot be written, so leave them alone.
        let zero_if_rootless = rootless.then_some("0s");
        Some(KubeProxyConfiguration {
            api_version: KUBE_PROXY_API_VERSION,
            kind: "KubeProxyConfiguration",
            mode: mode.as_str(),
            feature_gates,
            iptables: ProxyIptables {
                min_sync_period: "1s",
            },
            conntrack: ProxyConntrack {
                max_per_core: 0,
                tcp_established_timeout: zero_if_rootless,
                tcp_close_wait_timeout: zero_if_rootless,
                tcp_be_liberal: (mode == ProxyMode::Nftables && !rootless).then_some(true),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::endpoint_host;

    #[test]
    fn endpoint_host_handles_names_ipv4_and_ipv6() {
        assert_eq!(
            endpoint_host("minik-control-plane:6443"),
            "minik-control-plane"
        );
        assert_eq!(endpoint_host("10.89.0.2:6443"), "10.89.0.2");
        assert_eq!(endpoint_host("[fc00:f853::2]:6443"), "fc00:f853::2");
        assert_eq!(endpoint_host("fc00:f853::2"), "fc00:f853::2");
        assert_eq!(endpoint_host("lb"), "lb");
    }
}
