use std::path::Path;

use super::{engine, json, out, Ctx};
use crate::cli::{OutputArgs, OutputFormat};
use crate::cluster;
use crate::error::Error;
use crate::ui::{clusters_table, nodes_table};

pub(super) async fn clusters(ctx: &Ctx, args: OutputArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let list = cluster::list_clusters(&*provider).await?;
    match args.output {
        OutputFormat::Json => json(&list),
        OutputFormat::Text if list.is_empty() => {
            ctx.events
                .info("No clusters. Create one with: minik create");
            Ok(())
        }
        OutputFormat::Text => out(&clusters_table(&list)),
    }
}

pub(super) async fn cluster_config(ctx: &Ctx, name: &str) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    match cluster::state::stored_config(&*provider, name).await? {
        Some(text) => out(&text),
        None => Err(crate::failure::Failure::NoStoredConfig {
            cluster: name.to_string(),
        }
        .into()),
    }
}

pub(super) async fn nodes(ctx: &Ctx, name: &str, args: OutputArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let nodes = cluster::Cluster::read(&*provider, name)
        .await?
        .kubernetes_nodes()?;
    match args.output {
        OutputFormat::Json => json(&nodes),
        OutputFormat::Text => out(&nodes_table(&nodes)),
    }
}

pub(super) async fn kubeconfig(
    ctx: &Ctx,
    name: &str,
    internal: bool,
    server: Option<&str>,
) -> Result<(), Error> {
    let target = match server {
        Some(url) => Some(
            cluster::kubeconfig::handout::parse_server(url).map_err(|e| {
                crate::input::InputError::Server {
                    reason: e.to_string(),
                }
            })?,
        ),
        None => None,
    };
    let provider = engine::connect(ctx).await?;
    let text = match target {
        Some((host, port)) => {
            cluster::kubeconfig::handout::kubeconfig_for(&*provider, name, &host, port).await?
        }
        None => cluster::kubeconfig::get(&*provider, name, internal).await?,
    };
    out(&text)
}

pub(super) async fn export_kubeconfig(
    ctx: &Ctx,
    name: &str,
    path: Option<&Path>,
) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let e = cluster::kubeconfig::export(&*provider, name, path).await?;
    ctx.events.info(format!(
        "Set kubectl context to {:?} in {}",
        e.context,
        e.path.display()
    ));
    Ok(())
}
