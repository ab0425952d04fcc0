//! The global endpoint flags (-H, --context) to a connected engine.

use super::Ctx;
use crate::engine::{self, ConnectFailure, Engine};
use crate::error::Error;
use crate::platform::EndpointFlags;
use crate::provider::docker::DockerProvider;

fn flags(ctx: &Ctx) -> EndpointFlags {
    EndpointFlags {
        host: ctx.global.host.clone(),
        context: ctx.global.context.clone(),
    }
}

pub(super) async fn connect(ctx: &Ctx) -> Result<DockerProvider, Error> {
    Ok(connect_engine(ctx).await?.provider)
}

pub(super) async fn connect_engine(ctx: &Ctx) -> Result<Engine, Error> {
    Ok(engine::connect(&flags(ctx), &ctx.events).await?)
}

pub(super) async fn try_connect(ctx: &Ctx) -> Result<Result<Engine, ConnectFailure>, Error> {
    Ok(engine::try_connect(&flags(ctx), &ctx.events).await?)
}
