//! `minik load`: put images from the host's engine (or archives on disk) into a cluster's nodes.
//!
//! For `docker-image`, each node's containerd is asked first (one `ctr` exec per node, see
//! [`inventory`]): a node that already has the image under the same name is skipped, one that has
//! it under another name only gets the new tag. The rest share ONE `docker save` stream, fanned
//! out to every node that needs it at once (see [`fanout`]); nothing is written to a temporary
//! file. Each node imports with `ctr images import` into the snapshotter its containerd uses.
//!
//! Docker's containerd image store saves a multi-platform index even when only the host's
//! platform is present; importing all platforms then fails (`content digest … not found`), so
//! minik never asks for all platforms and names the host's platform explicitly on such engines.

mod docker_image;
mod error;
mod error_class;
mod fanout;
mod image_archive;
mod import;
pub use import::import_command;
mod inventory;
pub(crate) use inventory::parse_images_ls;

pub use docker_image::load_docker_images;
pub use error::LoadError;
pub(crate) use error::NodeFailure;
pub(crate) use image_archive::load_image_archives;

pub use crate::node::image_ref::normalize;

use std::fmt;

use super::ClusterError;
use crate::provider::{NodeRole, NodeState, Provider};

/// What happened to one image on one node.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum Outcome {
    AlreadyPresent,
    Tagged { from: String },
    Imported,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NodeResult {
    pub node: String,
    /// The image as the user named it, or the archive's path.
    pub image: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadReport {
    pub results: Vec<NodeResult>,
    /// Bytes read from the engine or the archives (each sent to every node that needed them).
    pub bytes_streamed: u64,
}

/// Which nodes to load into, from `--nodes`; empty means all of the cluster's nodes.
#[derive(Debug, Clone, Default)]
pub struct Targets<'a> {
    pub cluster: &'a str,
    pub nodes: &'a [String],
}

/// The cluster's nodes to load into: all but the load balancer, or the `--nodes` subset.
pub(super) async fn target_nodes(
    provider: &dyn Provider,
    targets: &Targets<'_>,
) -> Result<Vec<String>, LoadError> {
    let all = provider.list_nodes(Some(targets.cluster)).await?;
    if all.is_empty() {
        return Err(ClusterError::NotFound(targets.cluster.to_string()).into());
    }
    let mut internal: Vec<_> = all
        .into_iter()
        .filter(|n| n.role != NodeRole::ExternalLoadBalancer)
        .collect();
    internal.sort_by(|a, b| a.name.cmp(&b.name));
    let valid: Vec<String> = internal.iter().map(|n| n.name.clone()).collect();
    let chosen: Vec<_> = if targets.nodes.is_empty() {
        internal
    } else {
        let unknown: Vec<String> = targets
            .nodes
            .iter()
            .filter(|n| !valid.contains(n))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(LoadError::UnknownNodes { unknown, valid });
        }
        internal
            .into_iter()
            .filter(|n| targets.nodes.contains(&n.name))
            .collect()
    };
    if let Some(n) = chosen.iter().find(|n| n.state != NodeState::Running) {
        return Err(LoadError::NodeNotRunning {
            node: n.name.clone(),
            state: n.state,
            cluster: targets.cluster.to_string(),
        });
    }
    Ok(chosen.into_iter().map(|n| n.name).collect())
}

pub(super) fn node_list<'a>(nodes: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = nodes.collect();
    match v.len() {
        1 => format!("node {}", v[0]),
        n => format!("{n} nodes ({})", v.join(", ")),
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::AlreadyPresent => f.write_str("already present"),
            Outcome::Tagged { from } => write!(f, "tagged (from {from})"),
            Outcome::Imported => f.write_str("imported"),
        }
    }
}
