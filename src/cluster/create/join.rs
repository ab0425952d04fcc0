//! Steps: extra control planes join one at a time (concurrent control-plane joins are not
//! safe with stacked etcd), then every worker at once.

use crate::cluster::node::roles;
use futures_util::future::try_join_all;

use super::kubeadm_config::{render_for, KUBEADM_CONF};
use super::{Ctx, PlannedNode};
use crate::cluster::{node, ClusterError};

pub async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    let secondaries: Vec<&PlannedNode> = roles::control_planes(&ctx.nodes).skip(1).collect();
    let workers: Vec<&PlannedNode> = roles::workers(&ctx.nodes).collect();
    if secondaries.is_empty() && workers.is_empty() {
        return Ok(());
    }
    // Pin the CA now that it exists, so joins verify whom they talk to.
    let ca = node::read_file(ctx.provider, &ctx.bootstrap().name, node::paths::CA_CERT).await?;
    let hashes = vec![crate::kubeadm::ca_cert_hash(&ca)?];

    if !secondaries.is_empty() {
        let step = ctx.events.step("Joining more control-plane nodes 🎮");
        for n in secondaries {
            node::copy_shared_pki(ctx.provider, &ctx.bootstrap().name, &n.name)
                .await
                .map_err(|e| e.in_step("Joining control-plane nodes"))?;
            join(ctx, n, &hashes)
                .await
                .map_err(|e| e.in_step("Joining control-plane nodes"))?;
        }
        step.done();
    }
    if !workers.is_empty() {
        let step = ctx.events.step("Joining worker nodes 🚜");
        try_join_all(workers.iter().map(|n| join(ctx, n, &hashes)))
            .await
            .map_err(|e| e.in_step("Joining worker nodes"))?;
        step.done();
    }
    Ok(())
}

pub async fn join(ctx: &Ctx<'_>, n: &PlannedNode, hashes: &[String]) -> Result<(), ClusterError> {
    let text = render_for(ctx, n, hashes.to_vec())?;
    node::write_file(ctx.provider, &n.name, KUBEADM_CONF, &text).await?;
    super::kubeadm_config::patch_containerd(ctx, &n.name).await?;
    let out = node::run_combined(
        ctx.provider,
        &n.name,
        &["kubeadm", "join", "--config=/kind/kubeadm.conf", "--v=6"],
    )
    .await?;
    ctx.events.debug(out);
    Ok(())
}
