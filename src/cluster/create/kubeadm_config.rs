//! Step: each node's kubeadm config, rendered from typed structs and written to
//! /kind/kubeadm.conf (the path kind's images and tools expect).

use super::{Ctx, PlannedNode};
use crate::cluster::{node, runtime, ClusterError};
use crate::k8s_version::KubeVersion;
use crate::kubeadm::{self, NodeKubeadmInput};
use crate::provider::{ExecInput, NodeRole, Provider, API_SERVER_INTERNAL_PORT};

pub const KUBEADM_CONF: &str = "/kind/kubeadm.conf";

/// The Kubernetes version baked into the node image.
pub async fn node_version(
    provider: &dyn Provider,
    node_name: &str,
) -> Result<KubeVersion, ClusterError> {
    let text = node::read_file(provider, node_name, "/kind/version").await?;
    text.trim().parse().map_err(
        |e: crate::k8s_version::InvalidVersion| ClusterError::BadOutput {
            node: node_name.to_string(),
            what: "/kind/version".into(),
            reason: e.to_string(),
        },
    )
}

/// Where every node reaches the API: the load balancer when there is one, else the first
/// control plane, by container name (resolved by the engine's DNS on the minik network).
pub fn control_plane_endpoint(ctx: &Ctx<'_>) -> String {
    let host = ctx
        .nodes
        .iter()
        .find(|n| n.role == NodeRole::ExternalLoadBalancer)
        .unwrap_or(ctx.bootstrap());
    format!("{}:{API_SERVER_INTERNAL_PORT}", host.name)
}

/// Render one node's config; `ca_cert_hashes` pins the cluster CA for joins once it exists.
pub fn render_for(
    ctx: &Ctx<'_>,
    n: &PlannedNode,
    ca_cert_hashes: Vec<String>,
) -> Result<String, ClusterError> {
    let info = ctx.info(&n.name).ok_or_else(|| ClusterError::BadOutput {
        node: n.name.clone(),
        what: "inspect".into(),
        reason: "node not found after creation".into(),
    })?;
    let mut node_ips: Vec<String> = Vec::new();
    node_ips.extend(info.ipv4.clone());
    node_ips.extend(info.ipv6.clone());
    if node_ips.is_empty() {
        return Err(ClusterError::BadOutput {
            node: n.name.clone(),
            what: "inspect".into(),
            reason: "the node has no IP address on the minik network".into(),
        });
    }
    let endpoint = control_plane_endpoint(ctx);
    let input = NodeKubeadmInput {
        cluster: ctx.config,
        kubernetes_version: &ctx.version,
        node_name: &n.name,
        node_ips,
        control_plane: n.is_control_plane(),
        control_plane_endpoint: &endpoint,
        provider: ctx.provider.name(),
        node_labels: n.config.labels.clone(),
        ca_cert_hashes,
        rootless: false,
    };
    let rendered = kubeadm::render(&input)?;
    Ok(crate::patch::kubeadm_config_for_node(
        &rendered, ctx.config, &n.config,
    )?)
}

/// The first control plane's config (every other node gets its own when it joins, pinned to
/// the CA that `kubeadm init` makes), and containerd patches there.
pub async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    let step = ctx.events.step("Writing configuration 📜");
    let boot = ctx.bootstrap();
    async {
        let text = render_for(ctx, boot, Vec::new())?;
        node::write_file(ctx.provider, &boot.name, KUBEADM_CONF, &text).await?;
        patch_containerd(ctx, &boot.name).await
    }
    .await
    .map_err(|e| e.in_step("Writing configuration"))?;
    step.done();
    Ok(())
}

/// Apply the cluster's containerd patches, restarting containerd only when something changed.
/// containerd checks the result before it replaces the live config (`containerd config dump`
/// reads it as containerd will), and its CRI plugin must serve again after the restart: a patch
/// containerd refuses fails here, with containerd's words, before kubeadm runs.
pub(crate) async fn patch_containerd(ctx: &Ctx<'_>, node_name: &str) -> Result<(), ClusterError> {
    let cfg = ctx.config;
    if cfg.containerd_config_patches.is_empty() && cfg.containerd_config_patches_json6902.is_empty()
    {
        return Ok(());
    }
    let path = "/etc/containerd/config.toml";
    let current = node::read_file(ctx.provider, node_name, path).await?;
    let patched = crate::patch::containerd_config(
        &current,
        &cfg.containerd_config_patches,
        &cfg.containerd_config_patches_json6902,
    )?;
    // Every node gets the same notes: say them once.
    if node_name == ctx.bootstrap().name {
        for n in &patched.notes {
            ctx.events.info(format!("   Note: {n}"));
        }
    }
    if patched.config == current && patched.hosts.is_empty() {
        return Ok(());
    }
    let candidate = format!("{path}.minik-new");
    node::write_file(ctx.provider, node_name, &candidate, &patched.config).await?;
    let dump = vec![
        "containerd".to_string(),
        "--config".into(),
        candidate.clone(),
        "config".into(),
        "dump".into(),
    ];
    let out = ctx.provider.exec(node_name, &dump, ExecInput::None).await?;
    if out.exit_code != 0 {
        let errors = runtime::containerd_errors(&String::from_utf8_lossy(&out.stderr));
        let why = errors
            .first()
            .cloned()
            .unwrap_or_else(|| out.combined().trim().to_string());
        return Err(ClusterError::Invalid(format!(
            "containerd refuses the patched config on node {node_name}: {why}"
        )));
    }
    for h in &patched.hosts {
        node::write_file(ctx.provider, node_name, &h.path(), &h.text).await?;
    }
    node::run(ctx.provider, node_name, &["mv", &candidate, path]).await?;
    // A failed restart is reported by the check below, with containerd's reason.
    let _ = ctx
        .provider
        .exec(
            node_name,
            &[
                "systemctl".to_string(),
                "restart".into(),
                "containerd".into(),
            ],
            ExecInput::None,
        )
        .await?;
    runtime::check(ctx.provider, node_name).await
}
