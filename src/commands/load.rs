//! `minik load docker-image` and `minik load image-archive`.

use super::{engine, Ctx};
use crate::cli::{LoadDockerImageArgs, LoadImageArchiveArgs};
use crate::cluster::load::{self, LoadError, Targets};
use crate::error::Error;

pub async fn docker_image(ctx: &Ctx, args: LoadDockerImageArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let targets = Targets {
        cluster: &args.target.cluster.name,
        nodes: &args.target.nodes,
    };
    load::load_docker_images(&provider, &targets, &args.images, &ctx.events)
        .await
        .map_err(|e| to_error(e, targets.cluster))?;
    Ok(())
}

pub async fn image_archive(ctx: &Ctx, args: LoadImageArchiveArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let targets = Targets {
        cluster: &args.target.cluster.name,
        nodes: &args.target.nodes,
    };
    load::load_image_archives(&provider, &targets, &args.files, &ctx.events)
        .await
        .map_err(|e| to_error(e, targets.cluster))?;
    Ok(())
}

/// Each load failure with what to do about it.
fn to_error(e: LoadError, cluster: &str) -> Error {
    let message = e.to_string();
    match e {
        LoadError::Cluster(c) => Error::Cluster(c),
        LoadError::Provider(p) => Error::Provider(p),
        LoadError::ImageNotPresent(name) => Error::Failed {
            message,
            hint: Some(format!(
                "minik never pulls: `docker pull {name}` or `docker build -t {name} .` it first"
            )),
        },
        LoadError::ImageId(_) => Error::usage(
            message,
            "pass a name such as app:dev (add one with `docker tag ID app:dev`)",
        ),
        LoadError::UnknownNodes { .. } => Error::usage(
            message,
            "pass container names from `minik get nodes`, comma-separated",
        ),
        LoadError::NodeNotRunning { .. } => Error::Failed {
            message,
            hint: Some(format!(
                "start the cluster first: minik start --name {cluster}"
            )),
        },
        LoadError::Archive { .. } => Error::usage(
            message,
            "pass archives made by `docker save -o FILE IMAGE` (or any OCI image archive)",
        ),
        LoadError::Source { .. } => Error::Failed {
            message,
            hint: Some("nothing was imported on nodes whose import failed; retry".into()),
        },
        LoadError::NodesFailed(_) => Error::Failed {
            message,
            hint: Some(
                "the other nodes finished; run the same command again to retry (nodes that \
                 already have the image are skipped)"
                    .into(),
            ),
        },
    }
}
