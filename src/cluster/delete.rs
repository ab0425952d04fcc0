//! `minik delete`: remove a cluster's containers with their volumes, then its kubeconfig
//! entries. Safe to run again: a cluster that is already gone is not an error.

use std::path::Path;

use super::{kubeconfig, ClusterError};
use crate::events::Events;
use crate::provider::Provider;

#[derive(Debug)]
pub(crate) struct Deleted {
    pub(crate) existed: bool,
    pub(crate) nodes: usize,
}

pub(crate) async fn delete(
    provider: &dyn Provider,
    cluster: &str,
    kubeconfig_path: Option<&Path>,
    events: &Events,
) -> Result<Deleted, ClusterError> {
    let names = provider.node_names(cluster).await?;
    if !names.is_empty() {
        let step = events.step(format!(
            "Deleting cluster {cluster:?} ({} containers)",
            names.len()
        ));
        provider.remove_nodes(&names).await?;
        step.done();
    }
    // Entries may outlive their containers (removed by hand): clean them either way.
    kubeconfig::remove(cluster, kubeconfig_path).await?;
    Ok(Deleted {
        existed: !names.is_empty(),
        nodes: names.len(),
    })
}
