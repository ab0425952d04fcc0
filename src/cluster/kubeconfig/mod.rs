//! A cluster's kubeconfig: read from a running control plane, pointed at the address the host
//! (or the nodes, with `internal`) reaches the API on, and merged into the user's files.

use crate::node::roles;
use std::path::{Path, PathBuf};

use super::{Cluster, ClusterError};
use crate::kubeconfig::{self, KubeconfigEntry, KubeconfigError};
use crate::node;
use crate::provider::{Provider, API_SERVER_INTERNAL_PORT};

pub(crate) mod handout;

pub struct Exported {
    pub context: String,
    pub path: PathBuf,
    pub server: String,
}

/// The server URL for a cluster: the load balancer's (or lone control plane's) published port,
/// or its name on the minik network when `internal`.
pub(crate) fn server_url(cluster: &Cluster, internal: bool) -> Result<String, ClusterError> {
    let nodes = &cluster.nodes;
    let front = roles::load_balancer(nodes)
        .or_else(|| roles::control_planes(nodes).next())
        .ok_or_else(|| ClusterError::NoControlPlane {
            name: cluster.name.clone(),
        })?;
    if internal {
        return Ok(kubeconfig::server_url(
            &front.name,
            API_SERVER_INTERNAL_PORT,
        ));
    }
    let (host, port) = front
        .api_server
        .clone()
        .ok_or_else(|| ClusterError::BadOutput {
            node: front.name.clone(),
            what: "published ports".into(),
            reason: "the API server port is not published".into(),
        })?;
    Ok(kubeconfig::server_url(&host, port))
}

pub(crate) async fn entry(
    provider: &dyn Provider,
    cluster: &Cluster,
    server: &str,
) -> Result<KubeconfigEntry, ClusterError> {
    // Every control plane holds an admin.conf for the same CA and endpoint: take a running one.
    let first = super::control_plane::candidates(&cluster.nodes, None)
        .first()
        .map(|s| s.to_string())
        .ok_or_else(|| ClusterError::NoControlPlane {
            name: cluster.name.clone(),
        })?;
    let admin = node::read_file(provider, &first, kubeconfig::ADMIN_CONF_PATH).await?;
    Ok(KubeconfigEntry::from_admin_conf(
        &admin,
        &first,
        &cluster.name,
        server,
    )?)
}

/// The kubeconfig text for a cluster, without touching any file.
pub async fn get(
    provider: &dyn Provider,
    cluster: &str,
    internal: bool,
) -> Result<String, ClusterError> {
    let cluster = Cluster::read(provider, cluster).await?;
    let server = server_url(&cluster, internal)?;
    let entry = entry(provider, &cluster, &server).await?;
    entry
        .to_config()
        .to_yaml()
        .map_err(|e| ClusterError::KubeconfigEncode(e.to_string()))
}

/// Merge the cluster's entry into the kubeconfig file and make it the current context.
pub async fn export(
    provider: &dyn Provider,
    cluster: &str,
    explicit: Option<&Path>,
) -> Result<Exported, ClusterError> {
    let read = Cluster::read(provider, cluster).await?;
    let server = server_url(&read, false)?;
    let entry = entry(provider, &read, &server).await?;
    let explicit = explicit.map(Path::to_path_buf);
    // Locking and fsync block: keep them off the async workers.
    let path = blocking(move || {
        let paths = kubeconfig::kubeconfig_paths(explicit.as_deref())?;
        kubeconfig::merge_into_file(&paths.merge_target, &entry, true)?;
        Ok(paths.merge_target)
    })
    .await?;
    Ok(Exported {
        context: kubeconfig::minik_context_name(cluster),
        path,
        server,
    })
}

/// Remove the cluster's entries from every kubeconfig file in play; returns the files changed.
pub(crate) async fn remove(
    cluster: &str,
    explicit: Option<&Path>,
) -> Result<Vec<PathBuf>, ClusterError> {
    let explicit = explicit.map(Path::to_path_buf);
    let cluster = cluster.to_string();
    blocking(move || {
        let paths = kubeconfig::kubeconfig_paths(explicit.as_deref())?;
        kubeconfig::remove_from_files(&paths.all, &cluster)
    })
    .await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, KubeconfigError> + Send + 'static,
) -> Result<T, ClusterError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ClusterError::KubeconfigWriter(e.to_string()))?
        .map_err(ClusterError::from)
}
