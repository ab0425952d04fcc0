//! How the tour reaches a cluster: kubectl inside an answering control plane (with kubeadm's
//! admin kubeconfig, so the tour works whatever the host's kubeconfig says), and commands run
//! on a node for what the API does not show (containerd's containers, the node's services).

use crate::cluster::control_plane::{answering, candidates};
use crate::cluster::node::paths::ADMIN_CONF;
use crate::cluster::ClusterError;
use crate::provider::{ExecInput, ExecOutput, NodeInfo, NodeRole, NodeState, Provider};

#[async_trait::async_trait]
pub trait Access: Send + Sync {
    /// Runs kubectl with `args`, feeding `input` on standard input; any exit code is returned.
    async fn kubectl(
        &self,
        args: &[String],
        input: Option<&str>,
    ) -> Result<ExecOutput, ClusterError>;
    /// Runs `argv` on a node; any exit code is returned.
    async fn on_node(&self, node: &str, argv: &[&str]) -> Result<ExecOutput, ClusterError>;
}

/// A running cluster as the engine shows it.
pub struct Cluster<'p> {
    provider: &'p dyn Provider,
    pub name: String,
    /// Where kubectl runs.
    pub control_plane: String,
    /// Running Kubernetes nodes (no load balancer), sorted by name.
    pub nodes: Vec<NodeInfo>,
}

impl<'p> Cluster<'p> {
    pub async fn connect(provider: &'p dyn Provider, name: &str) -> Result<Self, ClusterError> {
        let mut nodes = provider.list_nodes(Some(name)).await?;
        if nodes.is_empty() {
            return Err(ClusterError::NotFound(name.to_string()));
        }
        let control_plane = answering(provider, name, &candidates(&nodes, None)).await?;
        nodes.retain(|n| {
            n.state == NodeState::Running
                && matches!(n.role, NodeRole::ControlPlane | NodeRole::Worker)
        });
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Cluster {
            provider,
            name: name.to_string(),
            control_plane,
            nodes,
        })
    }

    pub fn workers(&self) -> Vec<&str> {
        self.nodes
            .iter()
            .filter(|n| n.role == NodeRole::Worker)
            .map(|n| n.name.as_str())
            .collect()
    }
}

#[async_trait::async_trait]
impl Access for Cluster<'_> {
    async fn kubectl(
        &self,
        args: &[String],
        input: Option<&str>,
    ) -> Result<ExecOutput, ClusterError> {
        let cmd: Vec<String> = ["kubectl".to_string(), format!("--kubeconfig={ADMIN_CONF}")]
            .into_iter()
            .chain(args.iter().cloned())
            .collect();
        let stdin = input.map(ExecInput::text).unwrap_or(ExecInput::None);
        Ok(self.provider.exec(&self.control_plane, &cmd, stdin).await?)
    }

    async fn on_node(&self, node: &str, argv: &[&str]) -> Result<ExecOutput, ClusterError> {
        let cmd: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        Ok(self.provider.exec(node, &cmd, ExecInput::None).await?)
    }
}
