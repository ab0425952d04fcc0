//! What a bundle's config does to the machine it is created on, beyond a plain cluster: host
//! folders mounted into nodes, ports or the API server published on addresses other machines
//! reach, kubeadm and containerd patches (which can, say, turn off the API server's
//! authorization). `create --bundle` lists these and asks before creating. And since a bundle
//! comes from someone else, its port mappings without `listenAddress` bind loopback, not every
//! address as kind's default does for a config file of one's own.

use std::net::IpAddr;

use crate::config::ClusterConfig;

/// One line per way `config` reaches beyond a plain cluster on this machine; empty for a plain
/// cluster.
pub(crate) fn host_access(config: &ClusterConfig) -> Vec<String> {
    let mut out = Vec::new();
    let open = |a: &str| a.parse::<IpAddr>().map_or(true, |ip| !ip.is_loopback());
    if open(&config.networking.api_server_address) {
        out.push(format!(
            "the API server listens on {} (other machines can reach it)",
            config.networking.api_server_address
        ));
    }
    let patches = |n: usize, what: &str| {
        (n > 0).then(|| {
            format!(
                "{n} {what} patch{} (they can change how the cluster runs and who may use it)",
                if n == 1 { "" } else { "es" }
            )
        })
    };
    let node_kubeadm: usize = config
        .nodes
        .iter()
        .map(|n| n.kubeadm_config_patches.len() + n.kubeadm_config_patches_json6902.len())
        .sum();
    out.extend(patches(
        config.kubeadm_config_patches.len()
            + config.kubeadm_config_patches_json6902.len()
            + node_kubeadm,
        "kubeadm",
    ));
    out.extend(patches(
        config.containerd_config_patches.len() + config.containerd_config_patches_json6902.len(),
        "containerd",
    ));
    for (i, node) in config.nodes.iter().enumerate() {
        for m in &node.extra_mounts {
            out.push(format!(
                "node {} mounts this machine's {} at {} ({})",
                i + 1,
                m.host_path.display(),
                m.container_path,
                if m.read_only {
                    "read-only"
                } else {
                    "read-write"
                }
            ));
        }
        for p in node
            .extra_port_mappings
            .iter()
            .filter(|p| open(&p.listen_address))
        {
            out.push(format!(
                "node {} publishes port {} on {} (other machines can reach it)",
                i + 1,
                p.host_port,
                p.listen_address
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::{loopback_port_defaults, LoadedConfig};

    fn loaded(yaml: &str) -> LoadedConfig {
        LoadedConfig::parse(yaml, std::path::Path::new("/tmp/b/config.yaml")).unwrap()
    }

    #[test]
    fn a_plain_config_reaches_nothing_and_a_hostile_one_is_listed() {
        let mut plain = loaded(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  \
             extraPortMappings:\n  - containerPort: 80\n    hostPort: 8080\n",
        );
        assert_eq!(
            plain.config.nodes[0].extra_port_mappings[0].listen_address,
            "0.0.0.0"
        );
        loopback_port_defaults(&mut plain);
        assert_eq!(
            plain.config.nodes[0].extra_port_mappings[0].listen_address,
            "127.0.0.1"
        );
        assert!(host_access(&plain.config).is_empty());

        let mut evil = loaded(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  apiServerAddress: \
             0.0.0.0\nkubeadmConfigPatches:\n- |\n  kind: ClusterConfiguration\nnodes:\n- role: \
             control-plane\n  extraMounts:\n  - hostPath: /\n    containerPath: /host\n  \
             extraPortMappings:\n  - containerPort: 80\n    hostPort: 8080\n    listenAddress: \
             0.0.0.0\n",
        );
        loopback_port_defaults(&mut evil);
        let lines = host_access(&evil.config).join("\n");
        for want in [
            "0.0.0.0 (other",
            "1 kubeadm patch",
            "mounts this machine's / at /host",
            "port 8080 on 0.0.0.0",
        ] {
            assert!(lines.contains(want), "{want}: {lines}");
        }
    }
}
