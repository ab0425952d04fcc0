//! Reaching the container engine the way the docker CLI would, and knowing what it runs on.

use crate::i18n::{Lang, Msg};
use std::sync::Arc;

use crate::events::Events;
use crate::hint::Hint;
pub use crate::platform::endpoint::EndpointFlags;
use crate::platform::EndpointError;
use crate::platform::{self, EndpointKind, Environment, HostFacts, Resolution};
use crate::provider::docker::DockerProvider;
use crate::provider::{Provider, ProviderError};
use crate::text::quoted;

/// What reaching the engine can fail with, each with its class (exit code) and hint.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The endpoint that -H, --context or the environment names cannot be used: bad input.
    #[error("{source}")]
    Endpoint {
        source: EndpointError,
        /// Named by `-H` (else by a context or the environment): the hint differs.
        by_host_flag: bool,
    },

    /// A named pipe on a system that has none: bad input.
    #[error("{} is a Windows named pipe, which this system does not have", quoted(.host))]
    NamedPipe { host: String },

    /// Nothing answered at the endpoint: where minik looked, and what to do.
    #[error("{headline}")]
    Unreachable {
        headline: Box<Msg>,
        looked: Vec<Msg>,
        fix: Box<Msg>,
    },

    #[error("{0}")]
    Provider(#[from] ProviderError),
}

impl EngineError {
    /// The endpoint named cannot be used as given (exit 2); an engine that does not answer is
    /// exit 3, decided with the other unreachable cases in `crate::error`.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            EngineError::Endpoint { .. } | EngineError::NamedPipe { .. }
        )
    }

    /// Where minik looked for the engine, shown under the message.
    pub(crate) fn looked(&self) -> Option<&[Msg]> {
        match self {
            EngineError::Unreachable { looked, .. } if !looked.is_empty() => Some(looked),
            _ => None,
        }
    }
}

crate::error_keys!(pub EngineError {
    EngineError::Endpoint { source, by_host_flag } => "engine.endpoint", reason = source;
    EngineError::NamedPipe { host } => "engine.named-pipe", host = quoted(host);
    EngineError::Unreachable { headline, looked, fix } => "engine.unreachable",
        headline = headline.in_lang(Lang::Ko), fix = fix.in_lang(Lang::Ko);
    EngineError::Provider(_) => "engine.provider";
});

impl Hint for EngineError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            EngineError::Endpoint {
                by_host_flag: true, ..
            } => "for example: -H unix:///var/run/docker.sock or -H tcp://127.0.0.1:2375".into(),
            EngineError::Endpoint { .. } => "list contexts with `docker context ls`".into(),
            EngineError::NamedPipe { .. } => {
                "use unix:///path/to/docker.sock or tcp://host:port".into()
            }
            EngineError::Unreachable { fix, .. } => fix.to_string(),
            EngineError::Provider(_) => return None,
        })
    }
}

/// A connected engine plus how it was found. The engine is any [`Provider`], so the use cases
/// that take an `Engine` (prepare, node add, doctor) run on a fake one in tests.
pub struct Engine {
    pub(crate) provider: Arc<dyn Provider>,
    pub(crate) resolution: Resolution,
    pub(crate) host: HostFacts,
}

/// Why connecting failed, with enough to explain it (doctor turns it into check rows).
pub(crate) struct ConnectFailure {
    pub(crate) resolution: Resolution,
    pub(crate) host: HostFacts,
    pub(crate) error: String,
}

/// Connect, or explain where minik looked and what to do.
pub(crate) async fn connect(flags: &EndpointFlags, events: &Events) -> Result<Engine, EngineError> {
    match try_connect(flags, events).await? {
        Ok(engine) => Ok(engine),
        Err(f) => {
            let nr = platform::not_reachable(&f.resolution, &f.host, &f.error);
            Err(EngineError::Unreachable {
                headline: Box::new(nr.headline),
                looked: nr.looked,
                fix: Box::new(nr.fix),
            })
        }
    }
}

/// Resolve the endpoint (errors here are the user's: a context that doesn't exist), then
/// connect; a connection failure comes back as data.
pub(crate) async fn try_connect(
    flags: &EndpointFlags,
    events: &Events,
) -> Result<Result<Engine, ConnectFailure>, EngineError> {
    let (resolution, host) = resolve(flags, events)?;
    Ok(
        match DockerProvider::connect_endpoint(&resolution.endpoint).await {
            Ok(provider) => Ok(Engine {
                provider: Arc::new(provider),
                resolution,
                host,
            }),
            Err(e) => Err(ConnectFailure {
                resolution,
                host,
                // The headline names the endpoint already: keep only the cause.
                error: match e {
                    ProviderError::Unreachable { reason, .. } => reason,
                    other => other.to_string(),
                },
            }),
        },
    )
}

/// The endpoint `flags` name, resolved on this machine as the docker CLI would.
fn resolve(flags: &EndpointFlags, events: &Events) -> Result<(Resolution, HostFacts), EngineError> {
    let host = HostFacts::from_host();
    let resolution =
        platform::resolve_endpoint(&host, flags).map_err(|source| EngineError::Endpoint {
            source,
            by_host_flag: flags.host.is_some(),
        })?;
    let ep = &resolution.endpoint;
    if matches!(ep.kind, EndpointKind::NamedPipe { .. }) && !cfg!(windows) {
        return Err(EngineError::NamedPipe {
            host: ep.host.clone(),
        });
    }
    for w in &resolution.warnings {
        events.warn(w.clone());
    }
    Ok((resolution, host))
}

impl Engine {
    /// The engine behind `provider` (another implementation of the engine's traits: a library
    /// user's, or the tests'), reached at the endpoint `flags` name as the docker CLI would
    /// resolve it on this machine.
    pub fn new(
        provider: Arc<dyn Provider>,
        flags: &EndpointFlags,
        events: &Events,
    ) -> Result<Engine, EngineError> {
        let (resolution, host) = resolve(flags, events)?;
        Ok(Engine {
            provider,
            resolution,
            host,
        })
    }

    /// Everything minik knows about the engine and host, including whether privileged
    /// containers are allowed (probed with `probe_image` when given).
    pub(crate) async fn environment(
        &self,
        probe_image: Option<&str>,
    ) -> Result<Environment, EngineError> {
        let info = self.provider.info().await?;
        let version = self.provider.version().await.ok();
        let mut env = Environment::from_info(
            &info,
            version.as_ref(),
            &self.resolution.endpoint,
            &self.host,
        );
        env.bridge_mtu = self.provider.bridge_mtu().await.ok().flatten();
        if let Some(image) = probe_image {
            env.privileged_refused = Some(!self.provider.privileged_allowed(image).await?);
        }
        Ok(env)
    }
}
