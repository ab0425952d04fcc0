//! Which engine to talk to, decided with the docker CLI's rules.
//!
//! Order (docker/cli `resolveContextName`, first match wins):
//! 1. `--context NAME` (flag). Giving both `--context` and `--host` is an error, as in the CLI.
//! 2. `--host URL` (flag).
//! 3. `DOCKER_HOST`.
//! 4. `DOCKER_CONTEXT`.
//! 5. `currentContext` in `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`).
//! 6. The default: `unix:///var/run/docker.sock`, or `npipe:////./pipe/docker_engine` on Windows.
//!
//! A named context is read from the context store; the context `default` is never stored and
//! means "DOCKER_HOST, else the default socket". For a host given by flag or `DOCKER_HOST`, TLS
//! comes from `DOCKER_CERT_PATH` (default: the config folder) when `DOCKER_TLS_VERIFY` or
//! `DOCKER_CERT_PATH` is set; verification is skipped when `DOCKER_TLS_VERIFY` is empty.
//!
//! When the chosen endpoint is a unix socket that does not exist, the well-known sockets of other
//! runtimes are probed ([`super::sockets`]) and returned as alternatives with the fix to suggest.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::context_store::TlsFiles;
use super::host::HostFacts;
use super::sockets::Candidate;

mod resolve;
mod url;

pub(crate) use resolve::resolve_endpoint;
pub(crate) use url::parse_host;

pub(crate) const DEFAULT_UNIX_HOST: &str = "unix:///var/run/docker.sock";
pub(crate) const DEFAULT_NPIPE_HOST: &str = "npipe:////./pipe/docker_engine";

/// Which rule chose the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum EndpointSource {
    ContextFlag {
        name: String,
    },
    HostFlag,
    DockerHostEnv,
    DockerContextEnv {
        name: String,
    },
    CurrentContext {
        name: String,
        config_file: PathBuf,
    },
    Default,
    /// Found by probing well-known sockets (only when the caller chose to use a candidate).
    Probed {
        runtime: String,
    },
}

impl EndpointSource {
    /// A short phrase for messages: "the DOCKER_CONTEXT context \"colima\"".
    pub(crate) fn describe(&self) -> crate::i18n::Msg {
        use crate::i18n::{Key, Msg};
        use crate::msg;
        match self {
            EndpointSource::ContextFlag { name } => {
                msg!(Key::SourceContext, name = name, from = "--context")
            }
            EndpointSource::HostFlag => Msg::verbatim("--host"),
            EndpointSource::DockerHostEnv => Msg::verbatim("DOCKER_HOST"),
            EndpointSource::DockerContextEnv { name } => {
                msg!(Key::SourceContext, name = name, from = "DOCKER_CONTEXT")
            }
            EndpointSource::CurrentContext { name, config_file } => {
                msg!(
                    Key::SourceCurrentContext,
                    name = name,
                    path = config_file.display()
                )
            }
            EndpointSource::Default => msg!(Key::SourceDefault),
            EndpointSource::Probed { runtime } => msg!(Key::SourceProbed, runtime = runtime),
        }
    }

    /// A few words for tables: `docker context colima`, `DOCKER_HOST`, `default`.
    pub fn short(&self) -> String {
        match self {
            EndpointSource::ContextFlag { name } => format!("--context {name}"),
            EndpointSource::HostFlag => "--host".to_string(),
            EndpointSource::DockerHostEnv => "DOCKER_HOST".to_string(),
            EndpointSource::DockerContextEnv { name } => format!("DOCKER_CONTEXT={name}"),
            EndpointSource::CurrentContext { name, .. } => format!("docker context {name}"),
            EndpointSource::Default => "default".to_string(),
            EndpointSource::Probed { runtime } => format!("found {runtime}"),
        }
    }

    /// The docker context in use, if one was named.
    pub fn context_name(&self) -> Option<&str> {
        match self {
            EndpointSource::ContextFlag { name }
            | EndpointSource::DockerContextEnv { name }
            | EndpointSource::CurrentContext { name, .. } => Some(name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EndpointKind {
    Unix {
        path: PathBuf,
    },
    /// `host` is `name:port` (the port defaults to 2376 with TLS, else 2375).
    Tcp {
        host: String,
        tls: Option<TlsFiles>,
        skip_verify: bool,
    },
    NamedPipe {
        path: String,
    },
    Ssh {
        user: Option<String>,
        host: String,
        port: Option<u16>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub source: EndpointSource,
    /// The URL as written (`unix:///…`, `tcp://…`, `npipe://…`, `ssh://…`).
    pub host: String,
    pub kind: EndpointKind,
}

impl Endpoint {
    /// Unix sockets and named pipes are on this machine; TCP/SSH count as local only when they
    /// point at localhost.
    pub fn is_local(&self) -> bool {
        match &self.kind {
            EndpointKind::Unix { .. } | EndpointKind::NamedPipe { .. } => true,
            EndpointKind::Tcp { host, .. } | EndpointKind::Ssh { host, .. } => {
                let name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
                matches!(
                    name.trim_matches(|c| c == '[' || c == ']'),
                    "localhost" | "127.0.0.1" | "::1"
                )
            }
        }
    }

    pub fn unix_path(&self) -> Option<&Path> {
        match &self.kind {
            EndpointKind::Unix { path } => Some(path),
            _ => None,
        }
    }
}

/// The global flags that can choose an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointFlags {
    pub host: Option<String>,
    pub context: Option<String>,
}

/// The chosen endpoint, plus what else was found and how the choice was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Resolution {
    pub(crate) endpoint: Endpoint,
    /// When the chosen socket does not exist: other engines' sockets that do.
    pub(crate) alternatives: Vec<Candidate>,
    /// One line per rule looked at, for the "not reachable" message.
    pub(crate) trail: Vec<crate::i18n::Msg>,
    /// Non-fatal problems (an unreadable config.json).
    pub(crate) warnings: Vec<String>,
}

impl Resolution {
    /// Whether the chosen endpoint is a unix socket that is not there. Named pipes are not
    /// probed (opening one to test it would connect to it); on Windows the connection error
    /// ("cannot find the file specified") says it, and the provider may then call
    /// [`super::sockets::probe_well_known`] itself.
    pub(crate) fn endpoint_missing(&self, host: &HostFacts) -> bool {
        match &self.endpoint.kind {
            EndpointKind::Unix { path } => !host.fs.exists(path),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("conflicting options: give either --host or --context, not both")]
    Conflict,
    #[error(
        "docker context \"{name}\" ({from}) does not exist: there is no {}; list contexts with \
         `docker context ls`{hint}",
        meta_path.display()
    )]
    ContextNotFound {
        name: String,
        from: String,
        meta_path: PathBuf,
        hint: String,
    },
    #[error("docker context \"{name}\" is unreadable: {} is {reason}", meta_path.display())]
    ContextInvalid {
        name: String,
        meta_path: PathBuf,
        reason: String,
    },
    #[error("docker context \"{name}\" has no docker endpoint ({})", meta_path.display())]
    NoDockerEndpoint { name: String, meta_path: PathBuf },
    #[error("invalid engine address \"{host}\" (from {from}): {reason}")]
    BadHost {
        host: String,
        from: String,
        reason: String,
    },
}
