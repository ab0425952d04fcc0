//! Step: point the external load balancer at the control planes, once every container exists
//! (before `kubeadm init`: the API is reached through it from then on).

use super::Ctx;
use crate::cluster::{loadbalancer, ClusterError};
use crate::provider::NodeRole;

pub async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    if !ctx
        .nodes
        .iter()
        .any(|n| n.role == NodeRole::ExternalLoadBalancer)
    {
        return Ok(());
    }
    let step = ctx.events.step("Configuring the external load balancer ⚖️");
    let control_planes: Vec<String> = ctx
        .nodes
        .iter()
        .filter(|n| n.is_control_plane())
        .map(|n| n.name.clone())
        .collect();
    loadbalancer::configure(ctx.provider, &ctx.config.name, &control_planes)
        .await
        .map_err(|e| e.in_step("Configuring the external load balancer"))?;
    step.done();
    Ok(())
}
