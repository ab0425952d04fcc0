//! Semantic checks of a decoded (and possibly flag-overridden) configuration. All problems are
//! collected, each placed at the setting that causes it.

use super::error::{closest, ConfigErrors};
use super::labels::check_label;
use super::overrides::NODE_COUNT;
use super::source::SourceMap;
use super::validate_network::check_networking;
pub(crate) use super::validate_network::check_node_network;
use super::{ClusterConfig, Protocol};
use crate::patch::{parse_json6902, parse_merge_patches, parse_toml_patch, KUBEADM_KINDS};

/// Checks everything that needs no probing of the host (host ports: see `check_host_ports`).
pub(crate) fn validate(config: &ClusterConfig, src: &SourceMap) -> Result<(), ConfigErrors> {
    let mut errors = ConfigErrors::default();
    check_name(config, src, &mut errors);
    if config.control_planes() == 0 {
        errors.push(src.key_error(
            NODE_COUNT,
            "the cluster has no control-plane node".into(),
            "add a node with \"role: control-plane\"; every cluster needs at least one",
        ));
    }
    for (i, node) in config.nodes.iter().enumerate() {
        check_node(i, node, src, &mut errors);
    }
    check_ports(config, src, &mut errors);
    check_networking(config, src, &mut errors);
    check_patches("", &config.kubeadm_config_patches, src, &mut errors);
    for (j, p) in config.kubeadm_config_patches_json6902.iter().enumerate() {
        check_json6902(
            &format!("kubeadmConfigPatchesJSON6902[{j}]"),
            &p.kind,
            &p.patch,
            src,
            &mut errors,
        );
    }
    check_containerd_patches(config, src, &mut errors);
    errors.into_result()
}

/// One node's labels, mounts, image and patches.
fn check_node(i: usize, node: &super::NodeConfig, src: &SourceMap, errors: &mut ConfigErrors) {
    for key in node.labels.keys() {
        let path = format!("nodes[{i}].labels[{key}]");
        if let Err((message, hint)) = check_label(key, &node.labels[key]) {
            errors.push(src.key_error(&path, message, hint));
        }
    }
    for (j, mount) in node.extra_mounts.iter().enumerate() {
        let path = format!("nodes[{i}].extraMounts[{j}]");
        if !mount.host_path.exists() {
            errors.push(src.error(
                &format!("{path}.hostPath"),
                format!("hostPath {} does not exist", crate::text::quoted(&mount.host_path.display().to_string())),
                "create it first (mkdir -p); a relative hostPath is resolved against the config file's folder",
            ));
        }
        if !mount.container_path.starts_with('/') {
            errors.push(src.error(
                &format!("{path}.containerPath"),
                format!(
                    "containerPath \"{}\" is not an absolute path",
                    mount.container_path
                ),
                "paths inside the node start with /, e.g. /data",
            ));
        }
    }
    if node.image.as_deref() == Some("") {
        errors.push(src.error(
            &format!("nodes[{i}].image"),
            "empty node image".into(),
            "name an image or leave image out",
        ));
    }
    check_patches(
        &format!("nodes[{i}]."),
        &node.kubeadm_config_patches,
        src,
        errors,
    );
    for (j, p) in node.kubeadm_config_patches_json6902.iter().enumerate() {
        check_json6902(
            &format!("nodes[{i}].kubeadmConfigPatchesJSON6902[{j}]"),
            &p.kind,
            &p.patch,
            src,
            errors,
        );
    }
}

fn check_containerd_patches(config: &ClusterConfig, src: &SourceMap, errors: &mut ConfigErrors) {
    for (j, text) in config.containerd_config_patches.iter().enumerate() {
        if let Err(e) = parse_toml_patch(text) {
            errors.push(src.error(
                &format!("containerdConfigPatches[{j}]"),
                format!("containerd patch is not valid TOML: {e}"),
                "a containerd patch is a TOML fragment, e.g. [plugins.\"io.containerd.cri.v1.images\".registry]",
            ));
        }
    }
    for (j, text) in config.containerd_config_patches_json6902.iter().enumerate() {
        if let Err(e) = parse_json6902(text) {
            errors.push(src.error(
                &format!("containerdConfigPatchesJSON6902[{j}]"),
                format!("invalid JSON6902 patch: {e}"),
                JSON6902_HINT,
            ));
        }
    }
}

const JSON6902_HINT: &str =
    "a JSON6902 patch is a list of operations, e.g. - {op: add, path: /a/b, value: c}";

fn check_name(config: &ClusterConfig, src: &SourceMap, errors: &mut ConfigErrors) {
    let name = &config.name;
    if let Err(e) = super::name::validate_cluster_name(name) {
        errors.push(src.error(
            "name",
            format!("invalid cluster name {}: {}", crate::text::quoted(name), e.problem()),
            format!("use lowercase letters, digits and '-' (a DNS label), at most {} characters, e.g. workshop-1", super::name::MAX_CLUSTER_NAME),
        ));
    }
}

fn check_patches(prefix: &str, patches: &[String], src: &SourceMap, errors: &mut ConfigErrors) {
    for (j, text) in patches.iter().enumerate() {
        let path = format!("{prefix}kubeadmConfigPatches[{j}]");
        match parse_merge_patches(text) {
            Err(e) => errors.push(src.error(
                &path,
                format!("kubeadm patch is not valid YAML: {e}"),
                "a kubeadm patch is a YAML mapping with a kind, e.g. kind: ClusterConfiguration",
            )),
            Ok(docs) => {
                for doc in docs {
                    check_kind(&path, &doc.kind, src, errors);
                }
            }
        }
    }
}

fn check_json6902(path: &str, kind: &str, patch: &str, src: &SourceMap, errors: &mut ConfigErrors) {
    check_kind(path, kind, src, errors);
    if let Err(e) = parse_json6902(patch) {
        errors.push(src.error(
            &format!("{path}.patch"),
            format!("invalid JSON6902 patch: {e}"),
            JSON6902_HINT,
        ));
    }
}

fn check_kind(path: &str, kind: &str, src: &SourceMap, errors: &mut ConfigErrors) {
    if KUBEADM_KINDS.contains(&kind) {
        return;
    }
    let message = match (kind.is_empty(), closest(kind, KUBEADM_KINDS)) {
        (true, _) => "kubeadm patch has no \"kind\", so it would match nothing".to_string(),
        (false, Some(guess)) => {
            format!(
                "kubeadm patch kind {} matches nothing, did you mean \"{guess}\"?",
                crate::text::quoted(kind)
            )
        }
        (false, None) => format!(
            "kubeadm patch kind {} matches nothing",
            crate::text::quoted(kind)
        ),
    };
    errors.push(src.error(
        path,
        message,
        format!("the generated kinds are: {}", KUBEADM_KINDS.join(", ")),
    ));
}

/// Two mappings clash when port and protocol are equal and either address covers the other.
pub(crate) fn addresses_clash(a: &str, b: &str) -> bool {
    let wild = |s: &str| s == "0.0.0.0" || s == "::";
    a == b || wild(a) || wild(b)
}

fn check_ports(config: &ClusterConfig, src: &SourceMap, errors: &mut ConfigErrors) {
    // (path, address, port, protocol) of everything published on the host, API server first.
    let mut seen: Vec<(String, String, u16, Protocol)> = Vec::new();
    let net = &config.networking;
    if net.api_server_port != 0 {
        seen.push((
            "networking.apiServerPort".into(),
            net.api_server_address.clone(),
            net.api_server_port,
            Protocol::Tcp,
        ));
    }
    for (i, node) in config.nodes.iter().enumerate() {
        for (j, m) in node.extra_port_mappings.iter().enumerate() {
            let path = format!("nodes[{i}].extraPortMappings[{j}]");
            if m.listen_address.parse::<std::net::IpAddr>().is_err() {
                errors.push(src.error(
                    &format!("{path}.listenAddress"),
                    format!(
                        "listenAddress \"{}\" is not an IP address",
                        m.listen_address
                    ),
                    "use an address of this machine such as 127.0.0.1, or 0.0.0.0 for all",
                ));
            }
            if m.host_port == 0 {
                continue;
            }
            let proto = m.protocol.as_str().to_uppercase();
            let clash = seen.iter().find(|(_, a, p, pr)| {
                *p == m.host_port && *pr == m.protocol && addresses_clash(a, &m.listen_address)
            });
            if let Some((other, ..)) = clash {
                let line = src
                    .value_at(other)
                    .map(|l| format!(" (line {})", l.line))
                    .unwrap_or_default();
                let what = if other.starts_with("networking") {
                    "the API server"
                } else {
                    "another mapping"
                };
                errors.push(src.error(
                    &format!("{path}.hostPort"),
                    format!("hostPort {}/{proto} on {} is already used by {what}{line}", m.host_port, m.listen_address),
                    "a host port can be published once per address and protocol; pick another hostPort or listenAddress, or 0 to let minik choose",
                ));
            } else {
                seen.push((
                    format!("{path}.hostPort"),
                    m.listen_address.clone(),
                    m.host_port,
                    m.protocol,
                ));
            }
        }
    }
}
