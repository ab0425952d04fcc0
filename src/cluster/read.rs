//! A cluster as its containers show it, read once per command: every use case that works on
//! an existing cluster starts from [`Cluster::read`] (one listing of its containers) and asks
//! it for its nodes, control planes and load balancer.

use crate::cluster::{control_plane, control_plane_names, ClusterError};
use crate::config::ClusterConfig;
use crate::node::roles;
use crate::provider::{NodeInfo, NodeRole, Provider};

/// What is known about a cluster, from one listing of its containers.
pub(crate) struct Cluster {
    pub(crate) name: String,
    pub(crate) nodes: Vec<NodeInfo>,
    /// Control-plane names, sorted: the first one bootstrapped the cluster.
    pub(crate) control_planes: Vec<String>,
}

impl Cluster {
    /// The cluster's containers, listed once; `NotFound` when it has none.
    pub(crate) async fn read(provider: &dyn Provider, name: &str) -> Result<Cluster, ClusterError> {
        let nodes = provider.list_nodes(Some(name)).await?;
        if nodes.is_empty() {
            return Err(ClusterError::NotFound(name.to_string()));
        }
        // One listing answers both: the nodes and which of them are control planes.
        Ok(Cluster {
            name: name.to_string(),
            control_planes: control_plane_names(&nodes),
            nodes,
        })
    }

    /// Fails unless some control plane other than `except` runs.
    pub(crate) fn any_running(&self, except: Option<&str>) -> Result<(), ClusterError> {
        if control_plane::candidates(&self.nodes, except).is_empty() {
            return Err(ClusterError::NoControlPlane {
                name: self.name.clone(),
            });
        }
        Ok(())
    }

    /// A control plane other than `except` whose API answers, to run commands on.
    pub(crate) async fn answering(
        &self,
        provider: &dyn Provider,
        except: Option<&str>,
    ) -> Result<&NodeInfo, ClusterError> {
        let candidates = control_plane::candidates(&self.nodes, except);
        let name = control_plane::answering(provider, &self.name, &candidates).await?;
        self.node(&name)
            .ok_or_else(|| ClusterError::NoControlPlane {
                name: self.name.clone(),
            })
    }

    /// Every node but the load balancer; `NotFound` when there is none.
    pub(crate) fn kubernetes_nodes(&self) -> Result<Vec<NodeInfo>, ClusterError> {
        let nodes: Vec<NodeInfo> = roles::kubernetes_nodes(&self.nodes).cloned().collect();
        if nodes.is_empty() {
            return Err(ClusterError::NotFound(self.name.clone()));
        }
        Ok(nodes)
    }

    pub(crate) fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub(crate) fn load_balancer(&self) -> Option<&NodeInfo> {
        roles::load_balancer(&self.nodes)
    }

    fn count(&self, role: NodeRole) -> usize {
        self.nodes.iter().filter(|n| n.role == role).count()
    }

    /// The cluster's shape with one more node of `role` (platform checks and NO_PROXY want
    /// every node).
    pub(crate) fn config_with_one_more(&self, role: NodeRole) -> ClusterConfig {
        let cp = usize::from(role == NodeRole::ControlPlane);
        let w = usize::from(role == NodeRole::Worker);
        ClusterConfig::with_nodes(
            &self.name,
            self.count(NodeRole::ControlPlane) + cp,
            self.count(NodeRole::Worker) + w,
        )
    }
}
