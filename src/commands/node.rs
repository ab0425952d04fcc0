//! `minik node add` and `minik node delete`.

use super::{engine, Ctx};
use crate::cli::{NodeAddArgs, NodeDeleteArgs, NodeRoleArg};
use crate::cluster::node_ops::{self, AddRequest};
use crate::error::Error;
use crate::provider::NodeRole;

pub(super) async fn add(ctx: &Ctx, args: NodeAddArgs) -> Result<(), Error> {
    let role = match args.role {
        NodeRoleArg::Worker => NodeRole::Worker,
        NodeRoleArg::ControlPlane => NodeRole::ControlPlane,
    };
    let name = args.cluster.name;
    let engine = engine::connect_engine(ctx).await?;
    let request = AddRequest {
        cluster: name.clone(),
        role,
        image: args.image,
        wait: args.wait,
    };
    let added = node_ops::add(&engine, request, &ctx.events).await?;
    ctx.events.info(format!(
        "Added {} node {:?} to cluster {:?}{} in {:.0}s",
        added.role,
        added.name,
        name,
        if added.ready { "" } else { " (not Ready yet)" },
        added.elapsed.as_secs_f64()
    ));
    Ok(())
}

pub(super) async fn delete(ctx: &Ctx, args: NodeDeleteArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let name = args.cluster.name;
    let d = node_ops::delete(&*provider, &name, &args.node, &ctx.events).await?;
    ctx.events.info(format!(
        "Deleted {} node {:?} from cluster {:?}",
        d.role, d.name, name
    ));
    Ok(())
}
