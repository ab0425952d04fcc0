//! How the tour reaches a cluster: kubectl inside an answering control plane, and commands run
//! on a node for what the API does not show (containerd's containers, the node's services).
//! minik's own actions (its views, the namespace's labels, node actions, clean-up) use kubeadm's
//! admin kubeconfig, so the tour works whatever the host's kubeconfig says; what a lab asks for
//! (the learner's commands, the checks) runs with the lab's own ServiceAccount token instead,
//! so that the API server limits it (see `super::identity`).

use super::reach::NodeReach;
use crate::cluster::{Cluster, ClusterError};
use crate::node::paths::ADMIN_CONF;
use crate::provider::{ExecInput, ExecOutput, NodeRole, NodeState, Provider};

#[async_trait::async_trait]
pub(crate) trait Access: Send + Sync {
    /// Runs kubectl with `args`, feeding `input` on standard input; any exit code is returned.
    async fn kubectl(
        &self,
        args: &[String],
        input: Option<&str>,
    ) -> Result<ExecOutput, ClusterError>;
    /// Runs kubectl as the lab's identity once [`Access::use_lab_kubeconfig`] named one (as
    /// [`Access::kubectl`] before that).
    async fn lab_kubectl(
        &self,
        args: &[String],
        input: Option<&str>,
    ) -> Result<ExecOutput, ClusterError>;
    /// Runs `argv` on a node; any exit code is returned.
    async fn on_node(&self, node: &str, argv: &[&str]) -> Result<ExecOutput, ClusterError>;
    /// Writes `text` to `path` (readable by root only) on the node kubectl runs in.
    async fn put_file(&self, path: &str, text: &str) -> Result<(), ClusterError>;
    /// The kubeconfig (a path where kubectl runs) [`Access::lab_kubectl`] uses from now on.
    fn use_lab_kubeconfig(&self, path: Option<String>);
    /// How this machine reaches the nodes (for node ports).
    fn reach(&self) -> NodeReach {
        NodeReach::default()
    }
    /// One GET of `path` through `kubectl port-forward -n NAMESPACE TARGET :PORT`, run as the
    /// lab's identity where kubectl runs (see [`super::reach::FORWARD_SCRIPT`]).
    async fn forward_get(
        &self,
        namespace: &str,
        target: &str,
        port: u16,
        path: &str,
    ) -> Result<ExecOutput, ClusterError> {
        let _ = (namespace, target, port, path);
        Err(ClusterError::NodeRuntime(
            "kubectl port-forward is not available here".into(),
        ))
    }
}

/// A running cluster, reached through one of its control planes.
pub(crate) struct ClusterAccess<'p> {
    provider: &'p dyn Provider,
    pub(crate) name: String,
    /// Where kubectl runs: a control plane whose API answers.
    pub(crate) control_plane: String,
    /// Running workers, sorted by name.
    pub(crate) workers: Vec<String>,
    lab_kubeconfig: std::sync::Mutex<Option<String>>,
    /// The running Kubernetes nodes as this machine reaches them.
    pub(crate) reach: NodeReach,
}

impl<'p> ClusterAccess<'p> {
    pub(crate) async fn connect(
        provider: &'p dyn Provider,
        name: &str,
    ) -> Result<Self, ClusterError> {
        let cluster = Cluster::read(provider, name).await?;
        let control_plane = cluster.answering(provider, None).await?.name.clone();
        let running: Vec<_> = cluster
            .kubernetes_nodes()?
            .into_iter()
            .filter(|n| n.state == NodeState::Running)
            .collect();
        let mut workers: Vec<String> = running
            .iter()
            .filter(|n| n.role == NodeRole::Worker)
            .map(|n| n.name.clone())
            .collect();
        workers.sort();
        Ok(ClusterAccess {
            provider,
            name: name.to_string(),
            control_plane,
            workers,
            lab_kubeconfig: std::sync::Mutex::new(None),
            reach: NodeReach {
                routable: false,
                nodes: running,
            },
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

    async fn lab_kubectl(
        &self,
        args: &[String],
        input: Option<&str>,
    ) -> Result<ExecOutput, ClusterError> {
        let kubeconfig = self.lab_kubeconfig.lock().ok().and_then(|k| k.clone());
        let Some(kubeconfig) = kubeconfig else {
            return self.kubectl(args, input).await;
        };
        let cmd: Vec<String> = ["kubectl".to_string(), format!("--kubeconfig={kubeconfig}")]
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

    async fn put_file(&self, path: &str, text: &str) -> Result<(), ClusterError> {
        // The path is minik's own constant; the text goes through standard input.
        let cmd: Vec<String> = ["sh", "-c", &format!("umask 077 && cat > {path}")]
            .map(String::from)
            .to_vec();
        let out = self
            .provider
            .exec(&self.control_plane, &cmd, ExecInput::text(text))
            .await?;
        if out.exit_code != 0 {
            return Err(ClusterError::NodeRuntime(format!(
                "could not write {path} on node {}: {}",
                self.control_plane,
                out.combined().trim()
            )));
        }
        Ok(())
    }

    fn use_lab_kubeconfig(&self, path: Option<String>) {
        if let Ok(mut k) = self.lab_kubeconfig.lock() {
            *k = path;
        }
    }

    fn reach(&self) -> NodeReach {
        self.reach.clone()
    }

    async fn forward_get(
        &self,
        namespace: &str,
        target: &str,
        port: u16,
        path: &str,
    ) -> Result<ExecOutput, ClusterError> {
        let kubeconfig = self.lab_kubeconfig.lock().ok().and_then(|k| k.clone());
        let kubeconfig = kubeconfig.unwrap_or_else(|| ADMIN_CONF.to_string());
        let argv = super::reach::forward_argv(&kubeconfig, namespace, target, port, path);
        Ok(self
            .provider
            .exec(&self.control_plane, &argv, ExecInput::None)
            .await?)
    }
}
