//! Step: each node's kubeadm config, rendered from typed structs and written to
//! /kind/kubeadm.conf (the path kind's images and tools expect).

use super::{Ctx, Node, NodeExtras};
use crate::cluster::ClusterError;
use crate::config::ClusterConfig;
use crate::events::Events;
use crate::k8s_version::KubeVersion;
use crate::kubeadm::{self, NodeKubeadmInput};
use crate::node;
use crate::node::runtime;
use crate::provider::{BindMount, ExecInput, Provider, API_SERVER_INTERNAL_PORT};

pub(super) use crate::node::paths::KUBEADM_CONF;

/// What writing one node's kubeadm config (and joining it) needs to know of the cluster:
/// create takes it from its own steps ([`Ctx::setup`]), `node add` from the running cluster.
pub(crate) struct NodeSetup<'a> {
    pub(crate) provider: &'a dyn Provider,
    pub(crate) events: &'a Events,
    pub(crate) config: &'a ClusterConfig,
    pub(crate) version: &'a KubeVersion,
    pub(crate) extras: &'a NodeExtras,
    /// The first control plane: it holds the CA, and cluster-wide notes are said for it only.
    pub(crate) bootstrap: &'a str,
    /// The container every node reaches the API at: the load balancer when there is one,
    /// else the first control plane.
    pub(crate) endpoint: &'a str,
}

impl NodeSetup<'_> {
    /// Where every node reaches the API, by container name (resolved by the engine's DNS on
    /// the minik network).
    pub(crate) fn control_plane_endpoint(&self) -> String {
        format!("{}:{API_SERVER_INTERNAL_PORT}", self.endpoint)
    }
}

/// Render one node's config; `ca_cert_hashes` pins the cluster CA for joins once it exists.
pub(crate) fn render_for(
    ctx: &NodeSetup<'_>,
    node: &Node,
    ca_cert_hashes: Vec<String>,
) -> Result<String, ClusterError> {
    let n = &node.planned;
    let net = &ctx.config.networking;
    let node_ips = super::node_addresses::for_family(
        net.ip_family,
        node.info.ipv4.clone(),
        node.info.ipv6.clone(),
        &net.service_subnet,
    )
    .map_err(|family| ClusterError::BadOutput {
        node: n.name.clone(),
        what: "inspect".into(),
        reason: format!("the node has no {family} address on the minik network"),
    })?;
    let endpoint = ctx.control_plane_endpoint();
    let input = NodeKubeadmInput {
        cluster: ctx.config,
        kubernetes_version: ctx.version,
        node_name: &n.name,
        node_ips,
        control_plane: n.is_control_plane(),
        control_plane_endpoint: &endpoint,
        provider: ctx.provider.name(),
        node_labels: n.config.labels.clone(),
        ca_cert_hashes,
        rootless: ctx.extras.rootless,
        cgroup_v1_host: ctx.extras.cgroup_v1_host,
        extra_cert_sans: ctx.extras.cert_sans.clone(),
    };
    let rendered = kubeadm::render(&input)?;
    let patched = crate::patch::kubeadm_config_for_node(
        &rendered,
        ctx.config.kubeadm_patches(),
        n.config.kubeadm_patches(),
    )?;
    // The cluster's patches are the same on every node: report them once, for the first
    // control plane; a node's own patches for that node.
    let first = n.name == ctx.bootstrap;
    for label in patched
        .unmatched
        .iter()
        .filter(|l| first || l.starts_with("node "))
    {
        ctx.events.warn(format!(
            "{label} matches no document of the kubeadm config for {} (Kubernetes {}, {}); \
             check its kind and apiVersion",
            n.name,
            ctx.version,
            kubeadm::kubeadm_api_version(ctx.version).unwrap_or("kubeadm.k8s.io/?"),
        ));
    }
    Ok(patched.text)
}

/// The first control plane's config (every other node gets its own when it joins, pinned to
/// the CA that `kubeadm init` makes), and containerd patches there.
pub(super) async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    let step = ctx.events.step_with_icon("Writing configuration", "📜");
    let boot = ctx.bootstrap();
    let setup = ctx.setup();
    let written = async {
        let text = render_for(&setup, boot, Vec::new())?;
        node::write_file(ctx.provider, boot.name(), KUBEADM_CONF, &text).await?;
        patch_containerd(&setup, boot).await
    };
    step.check(written.await)?;
    step.done();
    Ok(())
}

/// Apply the cluster's containerd patches, restarting containerd only when something changed.
/// containerd checks the result before it replaces the live config (`containerd config dump`
/// reads it as containerd will), and its CRI plugin must serve again after the restart: a patch
/// containerd refuses fails here, with containerd's words, before kubeadm runs.
pub(crate) async fn patch_containerd(ctx: &NodeSetup<'_>, node: &Node) -> Result<(), ClusterError> {
    let node_name = node.name();
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
    if node_name == ctx.bootstrap {
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
        return Err(ClusterError::ContainerdPatchRefused {
            node: node_name.to_string(),
            why,
        });
    }
    for h in &patched.hosts {
        // A certs.d the user mounts from their machine (kind's local-registry recipe) is
        // theirs: minik writes nothing into it and says what the file would hold.
        if let Some(m) = mounted_from_host(&node.planned.mounts, &h.path()) {
            ctx.events.warn(format!(
                "{} on {node_name} is mounted from {}: minik leaves it to you; \
                 containerd reads registry settings there, so write this into {}:\n{}",
                h.path(),
                crate::text::quoted(&m.host_path),
                h.path(),
                h.text
            ));
            continue;
        }
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
    Ok(runtime::check(ctx.provider, node_name).await?)
}

/// The user's bind mount that `path` on the node lies in, if any.
fn mounted_from_host<'m>(mounts: &'m [BindMount], path: &str) -> Option<&'m BindMount> {
    mounts.iter().find(|m| {
        let dir = m.container_path.trim_end_matches('/');
        path.strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/') || dir.is_empty())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_host_mounted_certs_d_is_the_users() {
        let mount = |c: &str| crate::provider::BindMount {
            host_path: "/home/u/certs.d".into(),
            container_path: c.into(),
            read_only: false,
            selinux_relabel: false,
            propagation: None,
        };
        let file = "/etc/containerd/certs.d/localhost:5001/hosts.toml";
        for covering in [
            "/etc/containerd/certs.d",
            "/etc/containerd/certs.d/",
            "/etc/containerd",
            "/etc/containerd/certs.d/localhost:5001",
        ] {
            assert!(
                super::mounted_from_host(&[mount(covering)], file).is_some(),
                "{covering}"
            );
        }
        for other in ["/etc/containerd/certs.d/docker.io", "/etc/contain", "/data"] {
            assert!(
                super::mounted_from_host(&[mount(other)], file).is_none(),
                "{other}"
            );
        }
    }
}
