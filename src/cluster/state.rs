//! What minik keeps with a cluster: the configuration it was made from, as a file on every
//! control plane. The file is written right after the kubeconfig, at the very end of create, so
//! it also marks the cluster as complete: a cluster whose first control plane carries
//! [`LABEL_STATE`] (set when its container is created) but lacks the file is one whose create
//! never finished (minik was killed, the machine went down).
//!
//! Why a file and a label rather than labels alone: container labels can't change after
//! creation, and the engine's archive API reads files of stopped containers too, so `get
//! clusters` sees a stopped cluster's state without starting it.

use crate::node::roles;
use std::collections::BTreeMap;

use crate::cluster::ClusterError;
use crate::config::ClusterConfig;
use crate::provider::{NodeInfo, Provider, ProviderError};

/// On a node whose create writes [`CONFIG_PATH`] at the end; its value is that path.
pub(crate) const LABEL_STATE: &str = "io.minik.config-file";
/// The cluster's configuration (kind v1alpha4 YAML), on every control plane.
pub(crate) const CONFIG_PATH: &str = "/etc/minik/cluster.yaml";

/// The labels a node made by create or node add carries.
pub(crate) fn node_labels() -> BTreeMap<String, String> {
    BTreeMap::from([(LABEL_STATE.to_string(), CONFIG_PATH.to_string())])
}

/// Writes the configuration onto `nodes`, all at once.
pub(crate) async fn save(
    provider: &dyn Provider,
    nodes: &[String],
    config: &ClusterConfig,
) -> Result<(), ClusterError> {
    let text = crate::config::to_yaml(config);
    let tar = tar_of("minik/cluster.yaml", text.as_bytes())?;
    let writes = nodes
        .iter()
        .map(|n| provider.copy_tar_to(n, "/etc", tar.clone()));
    futures_util::future::try_join_all(writes).await?;
    Ok(())
}

fn tar_of(path: &str, data: &[u8]) -> Result<bytes::Bytes, ClusterError> {
    let mut b = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    let io = |source| ClusterError::Pack {
        path: path.to_string(),
        source,
    };
    b.append_data(&mut header, path, data).map_err(io)?;
    // The folder entry first would be tidier; the engine makes missing parents itself.
    Ok(bytes::Bytes::from(b.into_inner().map_err(io)?))
}

/// The configuration kept on `node`, or `None` when it has none.
pub(crate) async fn load(
    provider: &dyn Provider,
    node: &str,
) -> Result<Option<String>, ClusterError> {
    match crate::node::read_file_stopped(provider, node, CONFIG_PATH).await {
        Ok(text) => Ok(text),
        Err(ProviderError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The node that bootstrapped the cluster: the first control plane by name.
fn first_control_plane(nodes: &[NodeInfo]) -> Option<&NodeInfo> {
    roles::control_planes(nodes).min_by(|a, b| a.name.cmp(&b.name))
}

/// Did the create of the cluster made of `nodes` never finish? Clusters made before minik kept
/// its state (no [`LABEL_STATE`]) count as complete.
pub(crate) async fn incomplete(
    provider: &dyn Provider,
    nodes: &[NodeInfo],
) -> Result<bool, ClusterError> {
    let Some(first) = first_control_plane(nodes) else {
        // Not a cluster create made (an image build's container, say): nothing to judge by.
        return Ok(false);
    };
    if !first.labels.contains_key(LABEL_STATE) {
        return Ok(false);
    }
    Ok(load(provider, &first.name).await?.is_none())
}

/// The configuration kept with cluster `name`, read from its first control plane.
pub(crate) async fn stored_config(
    provider: &dyn Provider,
    name: &str,
) -> Result<Option<String>, ClusterError> {
    let cluster = crate::cluster::Cluster::read(provider, name).await?;
    match first_control_plane(&cluster.nodes) {
        Some(first) => load(provider, &first.name).await,
        None => Ok(None),
    }
}
