//! A cluster's kubeconfig: read from its first control plane, pointed at the address the host
//! (or the nodes, with `internal`) reaches the API on, and merged into the user's files.

use std::path::{Path, PathBuf};

use super::{control_plane_nodes, node, ClusterError};
use crate::kubeconfig;
use crate::provider::{NodeRole, Provider, API_SERVER_INTERNAL_PORT};

pub struct Exported {
    pub context: String,
    pub path: PathBuf,
    pub server: String,
}

/// The server URL for a cluster: the load balancer's (or lone control plane's) published port,
/// or its name on the minik network when `internal`.
pub async fn server_url(
    provider: &dyn Provider,
    cluster: &str,
    internal: bool,
) -> Result<String, ClusterError> {
    let nodes = provider.list_nodes(Some(cluster)).await?;
    if nodes.is_empty() {
        return Err(ClusterError::NotFound(cluster.to_string()));
    }
    let front = nodes
        .iter()
        .find(|n| n.role == NodeRole::ExternalLoadBalancer)
        .or_else(|| nodes.iter().find(|n| n.role == NodeRole::ControlPlane))
        .ok_or_else(|| ClusterError::NoControlPlane {
            name: cluster.to_string(),
        })?;
    if internal {
        return Ok(format!("https://{}:{API_SERVER_INTERNAL_PORT}", front.name));
    }
    let (host, port) = front
        .api_server
        .clone()
        .ok_or_else(|| ClusterError::BadOutput {
            node: front.name.clone(),
            what: "published ports".into(),
            reason: "the API server port is not published".into(),
        })?;
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    Ok(format!("https://{host}:{port}"))
}

/// The kubeconfig text for a cluster, without touching any file.
pub async fn get(
    provider: &dyn Provider,
    cluster: &str,
    internal: bool,
) -> Result<String, ClusterError> {
    let entry = entry(provider, cluster, internal).await?;
    Ok(kubeconfig::to_yaml(&entry)?)
}

async fn entry(
    provider: &dyn Provider,
    cluster: &str,
    internal: bool,
) -> Result<kubeconfig::Config, ClusterError> {
    let server = server_url(provider, cluster, internal).await?;
    let cps = control_plane_nodes(provider, cluster).await?;
    let first = cps.first().ok_or_else(|| ClusterError::NoControlPlane {
        name: cluster.into(),
    })?;
    let admin = node::read_file(provider, first, "/etc/kubernetes/admin.conf").await?;
    Ok(kubeconfig::entry_from_admin(&admin, cluster, &server)?)
}

/// Merge the cluster's entry into the kubeconfig file and make it the current context.
pub async fn export(
    provider: &dyn Provider,
    cluster: &str,
    explicit: Option<&Path>,
) -> Result<Exported, ClusterError> {
    let entry = entry(provider, cluster, false).await?;
    let paths = kubeconfig::resolve(explicit)?;
    kubeconfig::merge_into_file(&paths.target, &entry, true)?;
    Ok(Exported {
        context: kubeconfig::minik_context_name(cluster),
        path: paths.target,
        server: server_url(provider, cluster, false).await?,
    })
}

/// Remove the cluster's entries from every kubeconfig file in play.
pub fn remove(cluster: &str, explicit: Option<&Path>) -> Result<Vec<PathBuf>, ClusterError> {
    let paths = kubeconfig::resolve(explicit)?;
    Ok(kubeconfig::remove_from_files(&paths.all, cluster)?)
}
