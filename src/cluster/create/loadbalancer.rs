//! Step: point the external load balancer at the control planes, once every container exists
//! (before `kubeadm init`: the API is reached through it from then on).

use super::{ensure_image, Ctx, PlannedNode};
use crate::cluster::loadbalancer::BalancerImage;
use crate::cluster::{loadbalancer, ClusterError};
use crate::events::Events;
use crate::node::roles;
use crate::provider::{NodeRole, Provider};

/// Before any container exists: run the balancer from the node image when it has haproxy,
/// else from the dedicated image (made present here), and say which.
pub(super) async fn choose_image(
    provider: &dyn Provider,
    events: &Events,
    cluster: &str,
    nodes: &mut [PlannedNode],
) -> Result<(), ClusterError> {
    let Some(lb) = nodes
        .iter_mut()
        .find(|n| n.role == NodeRole::ExternalLoadBalancer)
    else {
        return Ok(());
    };
    let choice = loadbalancer::choose_image(provider, cluster, &lb.image).await?;
    events.info(choice.describe());
    if choice == BalancerImage::Dedicated {
        lb.image = choice.image().to_string();
        ensure_image::run(provider, events, std::slice::from_ref(lb)).await?;
    }
    Ok(())
}

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    if roles::load_balancer(&ctx.nodes).is_none() {
        return Ok(());
    }
    let step = ctx
        .events
        .step_with_icon("Configuring the external load balancer", "⚖️");
    let control_planes: Vec<String> = ctx
        .nodes
        .iter()
        .filter(|n| n.is_control_plane())
        .map(|n| n.name().to_string())
        .collect();
    step.check(loadbalancer::configure(ctx.provider, &ctx.config.name, &control_planes).await)?;
    step.done();
    Ok(())
}
