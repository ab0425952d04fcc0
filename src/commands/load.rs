//! `minik load docker-image` and `minik load image-archive`.

use super::{engine, Ctx};
use crate::cli::{LoadDockerImageArgs, LoadImageArchiveArgs};
use crate::cluster::load::{self, Targets};
use crate::error::Error;

pub(super) async fn docker_image(ctx: &Ctx, args: LoadDockerImageArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let targets = Targets {
        cluster: &args.target.cluster.name,
        nodes: &args.target.nodes,
    };
    load::load_docker_images(&*provider, &targets, &args.images, &ctx.events).await?;
    Ok(())
}

pub(super) async fn image_archive(ctx: &Ctx, args: LoadImageArchiveArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let targets = Targets {
        cluster: &args.target.cluster.name,
        nodes: &args.target.nodes,
    };
    load::load_image_archives(&*provider, &targets, &args.files, &ctx.events).await?;
    Ok(())
}
