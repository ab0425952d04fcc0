//! The config file `minik init` writes: minik's own format with a comment on each part, because
//! the person reading it has never written one. Values are JSON-quoted where they come from the
//! user (paths, image names), which YAML reads as the same string.

use std::fmt::Write;
use std::path::Path;

use super::{to_config, Answers, MOUNT_CONTAINER_PATH};
use crate::config::{minik_v1alpha1, ClusterConfig};

/// The file's text; `file` is where it will be written (named in the header's create command).
pub fn render(a: &Answers, file: &Path) -> String {
    let config = to_config(a);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# A minik cluster, written by `minik init`. Make it with:"
    );
    let _ = writeln!(out, "#   minik create --config {}", file.display());
    let _ = writeln!(
        out,
        "# Every setting: docs/config.md. Edit freely; minik checks it when it reads it."
    );
    let _ = writeln!(out, "kind: Cluster");
    let _ = writeln!(out, "apiVersion: {}", minik_v1alpha1::API_VERSION);
    let _ = writeln!(out, "name: {}", config.name);
    let _ = writeln!(
        out,
        "# {} node(s): {} control plane(s) run the API server, etcd and the scheduler;",
        config.nodes.len(),
        config.control_planes()
    );
    let _ = writeln!(out, "# workers run your pods.");
    let _ = writeln!(out, "nodes:");
    render_nodes(&mut out, &config);
    out
}

fn render_nodes(out: &mut String, config: &ClusterConfig) {
    for node in &config.nodes {
        let _ = writeln!(out, "- role: {}", node.role.as_str());
        if let Some(image) = &node.image {
            let _ = writeln!(out, "  image: {}", quoted(image));
        }
        if !node.labels.is_empty() {
            let _ = writeln!(
                out,
                "  # Ingress controllers made for kind run on the node with this label."
            );
            let _ = writeln!(out, "  labels:");
            for (k, v) in &node.labels {
                let _ = writeln!(out, "    {k}: {}", quoted(v));
            }
        }
        if !node.extra_port_mappings.is_empty() {
            let _ = writeln!(
                out,
                "  # This machine's ports, forwarded to the node (an ingress answers on 80/443)."
            );
            let _ = writeln!(out, "  extraPortMappings:");
            for p in &node.extra_port_mappings {
                let _ = writeln!(out, "  - containerPort: {}", p.container_port);
                let _ = writeln!(out, "    hostPort: {}", p.host_port);
                let _ = writeln!(out, "    listenAddress: {}", quoted(&p.listen_address));
            }
        }
        if !node.extra_mounts.is_empty() {
            let _ = writeln!(
                out,
                "  # A folder of this machine, at {MOUNT_CONTAINER_PATH} in the node (use a hostPath volume)."
            );
            let _ = writeln!(out, "  extraMounts:");
            for m in &node.extra_mounts {
                let _ = writeln!(
                    out,
                    "  - hostPath: {}",
                    quoted(&m.host_path.display().to_string())
                );
                let _ = writeln!(out, "    containerPath: {}", m.container_path);
            }
        }
    }
}

/// A double-quoted YAML scalar (JSON's string syntax is a subset of it).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}
