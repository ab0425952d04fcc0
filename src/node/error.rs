//! What the node utilities fail with. The cluster use cases turn it into their own error
//! ([`crate::cluster::ClusterError`]) variant for variant, so messages and hints stay theirs.

use crate::provider::ProviderError;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Provider(#[from] ProviderError),

    /// A node answered with something minik cannot read.
    #[error("unexpected output from {what} on node {node}: {reason}")]
    BadOutput {
        node: String,
        what: String,
        reason: String,
    },

    /// containerd or its CRI plugin is not serving on a node (the message has containerd's why).
    #[error("{0}")]
    Runtime(String),
}
