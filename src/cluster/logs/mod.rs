//! `minik export logs`: everything needed to debug a cluster, as a folder and a `.tar.gz`.
//!
//! Read-only: it runs commands that only read (journalctl, ctr images ls) and copies files out.
//! Every node is collected concurrently, every item of a node too. A failing item is recorded
//! in `errors.txt` and in the result, never fatal. Stopped nodes still give their container
//! output, their inspect document and their files (the engine copies files out of stopped
//! containers); only commands are skipped.
//!
//! Layout (see [`node_items`]):
//!
//! ```text
//! DIR/
//!   minik-version.txt  docker-info.json  docker-version.json  [errors.txt]
//!   <node>/
//!     serial.log  inspect.json  journal.log  kubelet.log  containerd.log  images.log
//!     kubernetes-version.txt  kubeadm.conf  containerd-config.toml  kubelet-config.yaml
//!     kubeadm-flags.env  var/log/...
//! DIR.tar.gz
//! ```

mod bundle;
mod items;

pub use crate::archive::{tar_gz_entries as archive_entries, tar_gz_file as archive_file};
pub(crate) use bundle::{archive_path, default_dir};

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::ClusterError;
use crate::events::Events;
use crate::provider::{NodeInfo, NodeRole, NodeState, Provider};

use bundle::{io_error, prepare_dir, write, write_archive};
use items::{collect_node, collect_top};

#[derive(Debug)]
pub(crate) struct Exported {
    pub(crate) dir: PathBuf,
    pub(crate) archive: PathBuf,
    pub(crate) nodes: usize,
    /// `<node>/<file>: why`, for each item that could not be collected.
    pub(crate) errors: Vec<String>,
    pub(crate) elapsed: Duration,
}

pub(crate) async fn export(
    provider: &dyn Provider,
    cluster: &str,
    dir: &Path,
    events: &Events,
) -> Result<Exported, ClusterError> {
    let started = Instant::now();
    super::naming::validate_cluster_name(cluster)?;
    let nodes: Vec<NodeInfo> = provider
        .list_nodes(Some(cluster))
        .await?
        .into_iter()
        .filter(|n| n.role != NodeRole::ExternalLoadBalancer)
        .collect();
    if nodes.is_empty() {
        return Err(ClusterError::NotFound(cluster.to_string()));
    }
    let archive = archive_path(dir);
    prepare_dir(dir, &archive).await?;
    let stopped: Vec<String> = nodes
        .iter()
        .filter(|n| n.state != NodeState::Running)
        .map(|n| n.name.clone())
        .collect();
    if stopped.len() == nodes.len() {
        events.warn(format!(
            "cluster {cluster:?} is stopped: collecting container output, inspect documents and \
             files only (no journals); run `minik start --name {cluster}` first for everything"
        ));
    } else if !stopped.is_empty() {
        events.warn(format!(
            "not running: {} (their journals are skipped)",
            stopped.join(", ")
        ));
    }

    let step = events.step(format!(
        "Collecting logs from {} node{} 📋",
        nodes.len(),
        if nodes.len() == 1 { "" } else { "s" }
    ));
    let top = collect_top(provider, dir);
    let per_node = join_all(nodes.iter().map(|n| collect_node(provider, n, dir)));
    let (top, per_node) = tokio::join!(top, per_node);
    let mut errors = Vec::new();
    for (_, errs) in std::iter::once(top).chain(per_node) {
        errors.extend(errs);
    }
    if !errors.is_empty() {
        let mut text = errors.join("\n");
        text.push('\n');
        write(&dir.join("errors.txt"), text.as_bytes()).await?;
    }
    step.done();

    let step = events.step(format!("Writing {}", archive.display()));
    let (src, dst) = (dir.to_path_buf(), archive.clone());
    tokio::task::spawn_blocking(move || write_archive(&src, &dst))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
        .and_then(|r| r)
        .map_err(|e| io_error(&archive, e))?;
    step.done();
    Ok(Exported {
        dir: dir.to_path_buf(),
        archive,
        nodes: nodes.len(),
        errors,
        elapsed: started.elapsed(),
    })
}
