//! `minik stop` and `minik start`.

use super::{engine, Ctx};
use crate::cli::{StartArgs, StopArgs};
use crate::cluster::{self, lifecycle};
use crate::config::DEFAULT_CLUSTER_NAME;
use crate::error::Error;
use crate::provider::Provider;

/// The clusters a command acts on: every one with `--all`, else the named one.
async fn targets(
    provider: &dyn Provider,
    all: bool,
    name: Option<String>,
) -> Result<Vec<String>, Error> {
    if all {
        Ok(cluster::list_clusters(provider)
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect())
    } else {
        Ok(vec![
            name.unwrap_or_else(|| DEFAULT_CLUSTER_NAME.to_string())
        ])
    }
}

pub(super) async fn stop(ctx: &Ctx, args: StopArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let names = targets(&*provider, args.all, args.name).await?;
    if names.is_empty() {
        ctx.events.info("No clusters to stop");
    }
    for name in names {
        let s = lifecycle::stop(&*provider, &name, &ctx.events).await?;
        ctx.events.info(format!(
            "Stopped cluster {name:?} ({} containers) in {:.1}s; start it again with `minik start --name {name}`",
            s.nodes,
            s.elapsed.as_secs_f64()
        ));
    }
    Ok(())
}

pub(super) async fn start(ctx: &Ctx, args: StartArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let names = targets(&*provider, args.all, args.name).await?;
    if names.is_empty() {
        ctx.events.info("No clusters to start");
    }
    let opts = lifecycle::StartOptions { wait: args.wait };
    for name in names {
        let s = lifecycle::start(&*provider, &name, &opts, &ctx.events).await?;
        let state = if args.wait.is_zero() {
            "started"
        } else if s.ready {
            "Ready"
        } else {
            "started, not Ready yet"
        };
        ctx.events.info(format!(
            "Cluster {name:?} is {state} ({} nodes) after {:.1}s",
            s.nodes,
            s.elapsed.as_secs_f64()
        ));
    }
    Ok(())
}
