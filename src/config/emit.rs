//! A configuration written back as a kind v1alpha4 file: what `minik get cluster-config` prints
//! and what minik keeps on a cluster's control planes, so that `minik node add` can make nodes
//! the way create made them. Reading it back gives the same configuration.

use serde_json::{json, Map, Value};

use super::{ClusterConfig, IpFamily, Json6902Patch, MountPropagation, NodeConfig, Role};

/// The configuration as YAML (kind's v1alpha4, every field minik uses; defaults left out).
pub(crate) fn to_yaml(config: &ClusterConfig) -> String {
    let mut doc = Map::new();
    doc.insert("kind".into(), json!("Cluster"));
    doc.insert("apiVersion".into(), json!(super::v1alpha4::API_VERSION));
    doc.insert("name".into(), json!(config.name));
    let n = &config.networking;
    let mut net = Map::new();
    net.insert(
        "ipFamily".into(),
        json!(match n.ip_family {
            IpFamily::Ipv4 => "ipv4",
            IpFamily::Ipv6 => "ipv6",
            IpFamily::Dual => "dual",
        }),
    );
    net.insert("apiServerAddress".into(), json!(n.api_server_address));
    if n.api_server_port != 0 {
        net.insert("apiServerPort".into(), json!(n.api_server_port));
    }
    net.insert("podSubnet".into(), json!(n.pod_subnet));
    net.insert("serviceSubnet".into(), json!(n.service_subnet));
    if n.disable_default_cni {
        net.insert("disableDefaultCNI".into(), json!(true));
    }
    net.insert("kubeProxyMode".into(), json!(n.kube_proxy_mode.as_str()));
    if let Some(search) = &n.dns_search {
        net.insert("dnsSearch".into(), json!(search));
    }
    doc.insert("networking".into(), Value::Object(net));
    put_map(&mut doc, "featureGates", json!(config.feature_gates));
    put_map(&mut doc, "runtimeConfig", json!(config.runtime_config));
    put_list(
        &mut doc,
        "kubeadmConfigPatches",
        &config.kubeadm_config_patches,
    );
    put_json6902(
        &mut doc,
        "kubeadmConfigPatchesJSON6902",
        &config.kubeadm_config_patches_json6902,
    );
    put_list(
        &mut doc,
        "containerdConfigPatches",
        &config.containerd_config_patches,
    );
    put_list(
        &mut doc,
        "containerdConfigPatchesJSON6902",
        &config.containerd_config_patches_json6902,
    );
    doc.insert(
        "nodes".into(),
        Value::Array(config.nodes.iter().map(node).collect()),
    );
    serde_yaml::to_string(&Value::Object(doc)).unwrap_or_default()
}

/// One node's settings as a v1alpha4 node.
fn node(n: &NodeConfig) -> Value {
    let mut out = Map::new();
    out.insert("role".into(), json!(n.role.as_str()));
    if let Some(image) = &n.image {
        out.insert("image".into(), json!(image));
    }
    put_map(&mut out, "labels", json!(n.labels));
    let mounts: Vec<Value> = n
        .extra_mounts
        .iter()
        .map(|m| {
            json!({
                "hostPath": m.host_path.to_string_lossy(),
                "containerPath": m.container_path,
                "readOnly": m.read_only,
                "selinuxRelabel": m.selinux_relabel,
                "propagation": match m.propagation {
                    MountPropagation::None => "None",
                    MountPropagation::HostToContainer => "HostToContainer",
                    MountPropagation::Bidirectional => "Bidirectional",
                },
            })
        })
        .collect();
    if !mounts.is_empty() {
        out.insert("extraMounts".into(), Value::Array(mounts));
    }
    let ports: Vec<Value> = n
        .extra_port_mappings
        .iter()
        .map(|p| {
            json!({
                "containerPort": p.container_port,
                "hostPort": p.host_port,
                "listenAddress": p.listen_address,
                "protocol": p.protocol.as_str().to_ascii_uppercase(),
            })
        })
        .collect();
    if !ports.is_empty() {
        out.insert("extraPortMappings".into(), Value::Array(ports));
    }
    put_list(&mut out, "kubeadmConfigPatches", &n.kubeadm_config_patches);
    put_json6902(
        &mut out,
        "kubeadmConfigPatchesJSON6902",
        &n.kubeadm_config_patches_json6902,
    );
    Value::Object(out)
}

fn put_map(doc: &mut Map<String, Value>, key: &str, value: Value) {
    if value.as_object().is_some_and(|m| !m.is_empty()) {
        doc.insert(key.into(), value);
    }
}

fn put_list(doc: &mut Map<String, Value>, key: &str, items: &[String]) {
    if !items.is_empty() {
        doc.insert(key.into(), json!(items));
    }
}

fn put_json6902(doc: &mut Map<String, Value>, key: &str, patches: &[Json6902Patch]) {
    if patches.is_empty() {
        return;
    }
    let list: Vec<Value> = patches
        .iter()
        .map(|p| json!({"group": p.group, "version": p.version, "kind": p.kind, "patch": p.patch}))
        .collect();
    doc.insert(key.into(), Value::Array(list));
}

/// The settings a new node of `role` gets: those of the first node of that role in `config`
/// (kind's configs repeat one shape per role), or a plain node when the config has none.
pub(crate) fn node_for_role(config: &ClusterConfig, role: Role) -> NodeConfig {
    config
        .nodes
        .iter()
        .find(|n| n.role == role)
        .cloned()
        .unwrap_or_else(|| NodeConfig::new(role))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load;
    use std::path::Path;

    #[test]
    fn reads_back_as_the_same_configuration() {
        let text = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: lab\n\
            featureGates: {A: true}\nkubeadmConfigPatches:\n- |\n  kind: ClusterConfiguration\n\
            networking:\n  kubeProxyMode: ipvs\n  dnsSearch: []\n\
            nodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: 80\n    \
            hostPort: 0\n    protocol: udp\n- role: worker\n  labels: {tier: web}\n  \
            extraMounts:\n  - hostPath: /\n    containerPath: /host\n    readOnly: true\n    \
            propagation: HostToContainer\n  kubeadmConfigPatchesJSON6902:\n  - group: \
            kubeadm.k8s.io\n    version: v1beta4\n    kind: JoinConfiguration\n    patch: \
            '[{\"op\": \"add\", \"path\": \"/x\", \"value\": 1}]'\n";
        let first = load(text, Path::new("c.yaml")).unwrap();
        let again = load(&to_yaml(&first), Path::new("/stored.yaml")).unwrap();
        assert_eq!(first, again, "{}", to_yaml(&first));
        let worker = node_for_role(&again, Role::Worker);
        assert_eq!(worker.labels["tier"], "web");
        assert_eq!(worker.extra_mounts[0].container_path, "/host");
    }
}
