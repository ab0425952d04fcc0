use std::path::Path;

use super::{engine, json, out, Ctx};
use crate::cli::{OutputArgs, OutputFormat};
use crate::cluster::{self, ClusterError};
use crate::error::Error;
use crate::provider::{NodeRole, Provider};
use crate::ui::table;

pub async fn clusters(ctx: &Ctx, args: OutputArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let list = cluster::list_clusters(&provider).await?;
    match args.output {
        OutputFormat::Json => json(&list),
        OutputFormat::Text if list.is_empty() => {
            ctx.events
                .info("No clusters. Create one with: minik create");
            Ok(())
        }
        OutputFormat::Text => {
            let mut rows = vec![vec![
                "NAME".to_string(),
                "NODES".into(),
                "CONTROL-PLANES".into(),
                "STATUS".into(),
            ]];
            for c in &list {
                rows.push(vec![
                    c.name.clone(),
                    c.nodes.to_string(),
                    c.control_planes.to_string(),
                    c.status.clone(),
                ]);
            }
            out(&table(&rows))
        }
    }
}

pub async fn cluster_config(ctx: &Ctx, name: &str) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    match cluster::state::stored_config(&provider, name).await? {
        Some(text) => out(&text),
        None => Err(Error::Failed {
            message: format!(
                "cluster {} has no stored configuration",
                crate::text::quoted(name)
            ),
            hint: Some(
                "it was made by an older minik, or its create did not finish \
                 (see `minik get clusters`)"
                    .into(),
            ),
        }),
    }
}

pub async fn nodes(ctx: &Ctx, name: &str, args: OutputArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let nodes: Vec<_> = provider
        .list_nodes(Some(name))
        .await?
        .into_iter()
        .filter(|n| n.role != NodeRole::ExternalLoadBalancer)
        .collect();
    if nodes.is_empty() {
        return Err(ClusterError::NotFound(name.to_string()).into());
    }
    match args.output {
        OutputFormat::Json => json(&nodes),
        OutputFormat::Text => {
            let mut rows = vec![vec![
                "NAME".to_string(),
                "ROLE".into(),
                "STATUS".into(),
                "IP".into(),
                "IMAGE".into(),
            ]];
            for n in &nodes {
                rows.push(vec![
                    n.name.clone(),
                    n.role.to_string(),
                    n.state.to_string(),
                    n.ipv4
                        .clone()
                        .or(n.ipv6.clone())
                        .unwrap_or_else(|| "-".into()),
                    n.image.split('@').next().unwrap_or(&n.image).to_string(),
                ]);
            }
            out(&table(&rows))
        }
    }
}

pub async fn kubeconfig(
    ctx: &Ctx,
    name: &str,
    internal: bool,
    server: Option<&str>,
) -> Result<(), Error> {
    let target = match server {
        Some(url) => Some(cluster::handout::parse_server(url).map_err(|e| {
            Error::usage(
                format!("--server: {e}"),
                "for example: --server https://workshop.example.org:7443",
            )
        })?),
        None => None,
    };
    let provider = engine::connect(ctx).await?;
    let text = match target {
        Some((host, port)) => {
            cluster::handout::kubeconfig_for(&provider, name, &host, port).await?
        }
        None => cluster::kubeconfig::get(&provider, name, internal).await?,
    };
    out(&text)
}

pub async fn export_kubeconfig(ctx: &Ctx, name: &str, path: Option<&Path>) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let e = cluster::kubeconfig::export(&provider, name, path).await?;
    ctx.events.info(format!(
        "Set kubectl context to {:?} in {}",
        e.context,
        e.path.display()
    ));
    Ok(())
}
