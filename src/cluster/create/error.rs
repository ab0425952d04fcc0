//! What can stop a cluster (or a new node) before anything is made: the user's input, this
//! platform, the engine. `crate::error` maps it to the top-level error and its exit code.

use crate::cluster::ClusterError;
use crate::config::ConfigErrors;
use crate::engine::EngineError;
use crate::input::InputError;
use crate::nodeimage::NodeImageError;
use crate::provider::ProviderError;

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// A flag is wrong: bad input.
    #[error(transparent)]
    Input(#[from] InputError),

    /// A blocking platform check failed (`minik doctor` shows them all).
    #[error("this machine cannot run the cluster: {problems}")]
    PlatformRefused { problems: String, fixes: String },

    #[error(transparent)]
    Config(#[from] ConfigErrors),

    #[error(transparent)]
    Engine(#[from] EngineError),

    #[error(transparent)]
    Cluster(#[from] ClusterError),

    #[error(transparent)]
    Provider(#[from] ProviderError),

    #[error(transparent)]
    NodeImage(#[from] NodeImageError),
}
