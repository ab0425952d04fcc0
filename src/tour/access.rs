//! How the tour reaches a cluster: kubectl inside an answering control plane (with kubeadm's
//! admin kubeconfig, so the tour works whatever the host's kubeconfig says), and commands run
//! on a node for what the API does not show (containerd's containers, the node's services).

use crate::cluster::node::paths::ADMIN_CONF;
use crate::cluster::{Cluster, ClusterError};
use crate::provider::{ExecInput, ExecOutput, NodeRole, NodeState, Provider};

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

/// A running cluster, reached through one of its control planes.
pub struct ClusterAccess<'p> {
    provider: &'p dyn Provider,
    pub name: String,
    /// Where kubectl runs: a control plane whose API answers.
    pub control_plane: String,
    /// Running workers, sorted by name.
    pub workers: Vec<String>,
}

impl<'p> ClusterAccess<'p> {
    pub async fn connect(provider: &'p dyn Provider, name: &str) -> Result<Self, ClusterError> {
        let cluster = Cluster::read(provider, name).await?;
        let control_plane = cluster.answering(provider, None).await?.name.clone();
        let mut workers: Vec<String> = cluster
            .kubernetes_nodes()?
            .into_iter()
            .filter(|n| n.role == NodeRole::Worker && n.state == NodeState::Running)
            .map(|n| n.name)
            .collect();
        workers.sort();
        Ok(ClusterAccess {
            provider,
            name: name.to_string(),
            control_plane,
            workers,
        })
    }
}

#[async_trait::async_trait]
impl Access for ClusterAccess<'_> {
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
