//! Step: `kubeadm init` on the first control plane.

use super::Ctx;
use crate::cluster::{node, ClusterError};
use crate::provider::Provider;

/// Files secondary control planes need so that they join without `--upload-certs`.
pub const SHARED_PKI: &[&str] = &[
    "/etc/kubernetes/pki/ca.crt",
    "/etc/kubernetes/pki/ca.key",
    "/etc/kubernetes/pki/front-proxy-ca.crt",
    "/etc/kubernetes/pki/front-proxy-ca.key",
    "/etc/kubernetes/pki/sa.pub",
    "/etc/kubernetes/pki/sa.key",
    "/etc/kubernetes/pki/etcd/ca.crt",
    "/etc/kubernetes/pki/etcd/ca.key",
    "/etc/kubernetes/admin.conf",
];

pub async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    let step = ctx.events.step("Starting control-plane 🕹️");
    let boot = &ctx.bootstrap().name;
    let out = node::run_combined(
        ctx.provider,
        boot,
        &[
            "kubeadm",
            "init",
            "--config=/kind/kubeadm.conf",
            "--skip-token-print",
            "--v=6",
        ],
    )
    .await
    .map_err(|e| ClusterError::from(e).in_step("Starting control-plane"))?;
    ctx.events.debug(out);

    // A cluster without workers needs schedulable control planes: the kubeadm config
    // registers them with no taints, so there is nothing to lift here.
    step.done();
    Ok(())
}

/// The label kubeadm puts on control planes so that cloud load balancers skip them.
pub const EXCLUDE_LB_LABEL: &str = "node.kubernetes.io/exclude-from-external-load-balancers";

/// With no workers the control planes run every workload, so they must also back
/// LoadBalancer Services (MetalLB, cloud-provider-kind skip labelled nodes): drop kubeadm's
/// exclusion label, as kind does for clusters without workers. `nodes` empty means all.
pub async fn include_in_load_balancers(
    provider: &dyn Provider,
    via: &str,
    nodes: &[&str],
) -> Result<(), ClusterError> {
    let remove = format!("{EXCLUDE_LB_LABEL}-");
    let mut cmd = vec![
        "kubectl",
        "--kubeconfig=/etc/kubernetes/admin.conf",
        "label",
        "nodes",
    ];
    if nodes.is_empty() {
        cmd.push("--all");
    } else {
        cmd.extend_from_slice(nodes);
    }
    cmd.push(&remove);
    node::run(provider, via, &cmd).await?;
    Ok(())
}

/// Give a secondary control plane the cluster's CAs and keys (copied from the first control
/// plane, `from`) before it joins, so that it joins without `--upload-certs`.
pub async fn copy_shared_pki(
    provider: &dyn Provider,
    from: &str,
    to: &str,
) -> Result<(), ClusterError> {
    for path in SHARED_PKI {
        // Not every Kubernetes version (or stand-in) writes every file.
        let Ok(content) = node::read_file(provider, from, path).await else {
            continue;
        };
        node::write_file(provider, to, path, &content).await?;
    }
    Ok(())
}
