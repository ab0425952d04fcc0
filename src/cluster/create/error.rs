//! What can stop a cluster (or a new node) before anything is made: the user's input, this
//! platform, the engine. Each says whether it is bad input; the wrapped errors carry their own hints.

use crate::cluster::ClusterError;
use crate::config::ConfigErrors;
use crate::engine::EngineError;
use crate::input::InputError;
use crate::nodeimage::NodeImageError;
use crate::provider::ProviderError;

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// A flag is wrong: bad input.
    #[error("{0}")]
    Input(#[from] InputError),

    /// A blocking platform check failed (`minik doctor` shows them all).
    #[error("this machine cannot run the cluster: {problems}")]
    PlatformRefused { problems: String, fixes: String },

    #[error("{0}")]
    Config(#[from] ConfigErrors),

    #[error("{0}")]
    Engine(#[from] EngineError),

    #[error("{0}")]
    Cluster(#[from] ClusterError),

    #[error("{0}")]
    Provider(#[from] ProviderError),

    #[error("{0}")]
    NodeImage(#[from] NodeImageError),
}

crate::error_keys!(pub PrepareError {
    PrepareError::Input(_) => "prepare.input";
    PrepareError::PlatformRefused { problems, fixes } => "prepare.platform-refused", problems = problems, fixes = fixes;
    PrepareError::Config(e) => "prepare.config", reason = e;
    PrepareError::Engine(_) => "prepare.engine";
    PrepareError::Cluster(_) => "prepare.cluster";
    PrepareError::Provider(_) => "prepare.provider";
    PrepareError::NodeImage(_) => "prepare.node-image";
});

impl PrepareError {
    /// Bad input (exit 2): a flag, the config, the endpoint, or what the wrapped class says.
    pub fn is_bad_input(&self) -> bool {
        match self {
            PrepareError::Input(_) | PrepareError::Config(_) => true,
            PrepareError::Engine(e) => e.is_bad_input(),
            PrepareError::Cluster(c) => c.is_bad_input(),
            PrepareError::NodeImage(n) => n.is_bad_input(),
            PrepareError::PlatformRefused { .. } | PrepareError::Provider(_) => false,
        }
    }
}

impl crate::hint::Hint for PrepareError {
    fn hint(&self) -> Option<String> {
        match self {
            PrepareError::PlatformRefused { fixes, .. } => Some(fixes.clone()),
            _ => None,
        }
    }
}
