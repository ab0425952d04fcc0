//! Reaching the container engine.

use super::Ctx;
use crate::error::Error;
use crate::provider::docker::DockerProvider;

/// Connect to the engine the docker CLI would use.
pub async fn connect(ctx: &Ctx) -> Result<DockerProvider, Error> {
    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let _ = &ctx.global.context;
    Ok(DockerProvider::connect(&host).await?)
}
