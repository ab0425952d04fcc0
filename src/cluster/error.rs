use thiserror::Error;

use crate::provider::ProviderError;

#[derive(Debug, Error)]
pub enum ClusterError {
    #[error(transparent)]
    InvalidName(#[from] super::naming::NameError),

    #[error("a cluster named {} already exists", crate::text::quoted(.0))]
    AlreadyExists(String),

    #[error(
        "a previous create of cluster {} did not finish: its nodes are still there",
        crate::text::quoted(.0)
    )]
    Incomplete(String),

    #[error("no cluster named {}", crate::text::quoted(.0))]
    NotFound(String),

    #[error("cluster {name:?} has no running control-plane node")]
    NoControlPlane { name: String },

    #[error("node image {image} is not available: {reason}")]
    ImageUnavailable { image: String, reason: String },

    #[error("{0}")]
    Invalid(String),

    #[error("{step} failed: {source}")]
    Step {
        step: String,
        #[source]
        source: Box<ClusterError>,
    },

    #[error(
        "the control planes of HA cluster {cluster:?} came back with other addresses ({changes}); \
         their etcd members know each other only by the old ones"
    )]
    HaAddressesChanged { cluster: String, changes: String },

    #[error("interrupted by {}", .0.name())]
    Interrupted(crate::signals::Signal),

    #[error(transparent)]
    Provider(#[from] ProviderError),

    #[error(transparent)]
    Kubeadm(#[from] crate::kubeadm::KubeadmError),

    #[error(transparent)]
    Kubeconfig(#[from] crate::kubeconfig::KubeconfigError),

    #[error(transparent)]
    Patch(#[from] crate::patch::PatchError),

    /// A failure on a node whose kubelet logged errors: they usually say why (kubeadm itself
    /// only reports that the kubelet never became healthy).
    #[error("{source}\nthe kubelet on {node} logged:\n{log}")]
    WithKubeletLog {
        node: String,
        log: String,
        #[source]
        source: Box<ClusterError>,
    },

    #[error("unexpected output from {what} on node {node}: {reason}")]
    BadOutput {
        node: String,
        what: String,
        reason: String,
    },
}

impl ClusterError {
    /// Attach the name of the create step that failed.
    pub fn in_step(self, step: &str) -> ClusterError {
        match self {
            e @ (ClusterError::Step { .. } | ClusterError::Interrupted(_)) => e,
            e => ClusterError::Step {
                step: step.to_string(),
                source: Box::new(e),
            },
        }
    }

    /// The innermost error, past step wrappers.
    pub fn root(&self) -> &ClusterError {
        match self {
            ClusterError::Step { source, .. } | ClusterError::WithKubeletLog { source, .. } => {
                source.root()
            }
            e => e,
        }
    }
}
