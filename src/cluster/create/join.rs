//! Steps: extra control planes join one at a time (concurrent control-plane joins are not
//! safe with stacked etcd), then every worker at once.

use crate::node::roles;
use futures_util::future::try_join_all;

use super::kubeadm_config::{render_for, NodeSetup, KUBEADM_CONF};
use super::{Ctx, Node};
use crate::cluster::ClusterError;
use crate::node;

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    let secondaries: Vec<&Node> = roles::control_planes(&ctx.nodes).skip(1).collect();
    let workers: Vec<&Node> = roles::workers(&ctx.nodes).collect();
    if secondaries.is_empty() && workers.is_empty() {
        return Ok(());
    }
    let setup = ctx.setup();
    let hashes = ca_cert_hashes(&setup).await?;

    if !secondaries.is_empty() {
        let step = ctx
            .events
            .step_with_icon("Joining more control-plane nodes", "🎮");
        for n in secondaries {
            let copied = node::copy_shared_pki(ctx.provider, setup.bootstrap, n.name()).await;
            step.check(copied.map_err(ClusterError::from))?;
            step.check(join(&setup, n, &hashes).await)?;
        }
        step.done();
    }
    if !workers.is_empty() {
        let step = ctx.events.step_with_icon("Joining worker nodes", "🚜");
        step.check(try_join_all(workers.iter().map(|n| join(&setup, n, &hashes))).await)?;
        step.done();
    }
    Ok(())
}

/// Pin the cluster CA (once it exists), so joins verify whom they talk to.
pub(crate) async fn ca_cert_hashes(setup: &NodeSetup<'_>) -> Result<Vec<String>, ClusterError> {
    let ca = node::read_file(setup.provider, setup.bootstrap, node::paths::CA_CERT).await?;
    Ok(vec![crate::kubeadm::ca_cert_hash(&ca)?])
}

/// Write `n`'s kubeadm config (pinned to `hashes`), patch its containerd, `kubeadm join`.
pub(crate) async fn join(
    ctx: &NodeSetup<'_>,
    n: &Node,
    hashes: &[String],
) -> Result<(), ClusterError> {
    let text = render_for(ctx, n, hashes.to_vec())?;
    node::write_file(ctx.provider, n.name(), KUBEADM_CONF, &text).await?;
    super::kubeadm_config::patch_containerd(ctx, n).await?;
    let out = node::run_combined(
        ctx.provider,
        n.name(),
        &[
            "kubeadm",
            "join",
            &format!("--config={KUBEADM_CONF}"),
            "--v=6",
        ],
    )
    .await?;
    ctx.events.debug(out);
    Ok(())
}
