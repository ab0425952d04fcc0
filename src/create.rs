//! Making a cluster as `minik create` and `minik init` ask for it: a [`CreateRequest`] (flags,
//! a config file or a config already read) and perhaps a bundle, to a running cluster. The
//! cluster's own pipeline is [`crate::cluster::create`]; this use case sits above it and above
//! [`crate::bundle`] because a bundle's images go into the engine before the cluster is made
//! and onto its nodes after, so commands make one call.

use crate::bundle::{BundleError, FromBundle};
use crate::cluster::create::{create, CreateOutcome, CreateRequest, PrepareError};
use crate::cluster::load::LoadError;
use crate::cluster::ClusterError;
use crate::engine;
use crate::events::Events;
use crate::platform::EndpointFlags;
use crate::signals::Cancelled;

/// What stopped a create; each keeps its own class and hints.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("{0}")]
    Prepare(#[from] PrepareError),

    #[error("{0}")]
    Cluster(#[from] ClusterError),

    #[error("{0}")]
    Bundle(#[from] BundleError),

    #[error("{0}")]
    Load(#[from] LoadError),

    /// A signal came while the bundle's images went onto the made cluster's nodes.
    #[error("{0}")]
    Cancelled(#[from] Cancelled),
}

crate::error_keys!(pub CreateError {
    CreateError::Prepare(_) => "create.prepare";
    CreateError::Cluster(_) => "create.cluster";
    CreateError::Bundle(_) => "create.bundle";
    CreateError::Load(_) => "create.load";
    CreateError::Cancelled(_) => "create.cancelled";
});

impl CreateError {
    /// Bad input (exit 2) as the wrapped class says.
    pub fn is_bad_input(&self) -> bool {
        match self {
            CreateError::Prepare(e) => e.is_bad_input(),
            CreateError::Cluster(e) => e.is_bad_input(),
            CreateError::Bundle(e) => e.is_bad_input(),
            CreateError::Load(e) => e.is_bad_input(),
            CreateError::Cancelled(_) => false,
        }
    }
}

/// A made cluster: its name and what create reports.
pub(crate) struct Created {
    pub(crate) name: String,
    pub(crate) outcome: CreateOutcome,
}

/// Check `request` (bad input is refused before the engine is reached), connect to the engine
/// `endpoint` names, and make the cluster. With `bundle` (opened, and its reach on this machine
/// accepted), its node image and config stand in for `--image` and `--config`, its images are
/// loaded into the engine first and put on every node after.
pub(crate) async fn run(
    endpoint: &EndpointFlags,
    mut request: CreateRequest,
    bundle: Option<&FromBundle>,
    events: &Events,
) -> Result<Created, CreateError> {
    if let Some(b) = bundle {
        request.image = b.node_image.clone();
        request.config = b.config_source().map_err(PrepareError::from)?;
        request.loopback_ports = true;
    }
    let checked = request.check()?;
    let engine = engine::connect(endpoint, events)
        .await
        .map_err(PrepareError::from)?;
    let mut labs = Vec::new();
    if let Some(b) = bundle {
        // The load watches for signals itself, to remove what it added before exiting.
        labs = b.load(events, &*engine.provider).await?.labs;
    }
    let opts = checked.prepare(&engine, events).await?;
    let name = opts.config.name.clone();
    let outcome = create(&*engine.provider, opts, events).await?;
    if let Some(b) = bundle {
        crate::signals::cancellable(b.load_into_nodes(events, &*engine.provider, &name)).await??;
    }
    let name_flag = crate::config::name_flag(&name);
    for id in &labs {
        events.info(format!(
            "Lab {id} is ready: run it with  minik tour --lab {id}{name_flag}"
        ));
    }
    Ok(Created { name, outcome })
}
