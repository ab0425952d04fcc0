//! Reaching the engine: from a resolved endpoint to a bollard client that has agreed on an API
//! version. Only this file knows bollard's URL schemes and which TLS files it wants; `ssh://`
//! engines go through bollard's custom transport, a hyper client whose connections are
//! [`super::ssh`] children.

use std::sync::Arc;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::{BollardRequest, Docker};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::{watch, OnceCell};

use super::ssh::{SshConnector, SshTarget};
use super::{describe, DockerProvider};
use crate::platform::{remote, Endpoint, EndpointKind};
use crate::provider::{ProviderError, Result};

/// How long to wait for the engine to answer the first request. Docker Desktop's resource
/// saver can take over ten seconds to wake its VM.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Seconds bollard waits for an answer on a TLS connection (its own default for plain ones).
const TLS_TIMEOUT_SECS: u64 = 120;

/// Seconds bollard waits for an answer over ssh (as over a local socket).
const SSH_TIMEOUT_SECS: u64 = 120;

/// How long a failed connection's `ssh` may take to exit with its reason.
const SSH_EXIT_WAIT: Duration = Duration::from_secs(5);

impl DockerProvider {
    /// Connect the way the docker CLI would for `endpoint`.
    pub async fn connect_endpoint(endpoint: &Endpoint) -> Result<DockerProvider> {
        let mut provider = Self::connect_kind(endpoint).await?;
        if let EndpointKind::Tcp { host, .. } = &endpoint.kind {
            provider.engine_host = remote::tcp_engine_host(host);
        }
        Ok(provider)
    }

    async fn connect_kind(endpoint: &Endpoint) -> Result<DockerProvider> {
        match &endpoint.kind {
            EndpointKind::Unix { path } => {
                Self::connect(&format!("unix://{}", path.display())).await
            }
            EndpointKind::NamedPipe { path } => Self::connect(&format!("npipe://{path}")).await,
            EndpointKind::Tcp {
                host,
                tls: Some(tls),
                ..
            } => match (&tls.key, &tls.cert, &tls.ca) {
                (Some(key), Some(cert), Some(ca)) => {
                    let url = format!("https://{host}");
                    let client = Docker::connect_with_ssl(
                        &url,
                        key,
                        cert,
                        ca,
                        TLS_TIMEOUT_SECS,
                        bollard::API_DEFAULT_VERSION,
                    );
                    Self::negotiate(&url, client).await
                }
                _ => Self::connect(&format!("https://{host}")).await,
            },
            EndpointKind::Tcp {
                host, tls: None, ..
            } => Self::connect(&format!("tcp://{host}")).await,
            EndpointKind::Ssh { user, host, port } => {
                let target = SshTarget {
                    user: user.clone(),
                    host: host.clone(),
                    port: *port,
                };
                let mut provider = Self::connect_ssh(&endpoint.host, target.clone()).await?;
                let host = super::ssh::resolved_host(&target).await;
                provider.engine_host = (!remote::is_local_host(&host)).then_some(host);
                Ok(provider)
            }
        }
    }

    /// Connect through `ssh … docker system dial-stdio` (see [`super::ssh`]). When the engine
    /// does not answer, the reason is ssh's: unreachable host, refused key, no docker there.
    async fn connect_ssh(url: &str, target: SshTarget) -> Result<DockerProvider> {
        let connector = SshConnector::new(target);
        let client = Arc::new(Client::builder(TokioExecutor::new()).build(connector.clone()));
        let transport = move |req: BollardRequest| {
            let client = Arc::clone(&client);
            async move { client.request(req).await.map_err(BollardError::from) }
        };
        // The address only fills the Host header: every connection goes through ssh.
        let docker = Docker::connect_with_custom_transport(
            transport,
            Some("http://docker.ssh"),
            SSH_TIMEOUT_SECS,
            bollard::API_DEFAULT_VERSION,
        );
        match Self::negotiate(url, docker).await {
            Err(ProviderError::Unreachable { endpoint, reason }) => {
                let reason = match connector.failure(SSH_EXIT_WAIT).await {
                    Some(failure) => failure.describe(connector.target()),
                    None if reason.contains("No such file") => {
                        "the ssh client is not installed (install OpenSSH)".to_string()
                    }
                    None => reason,
                };
                Err(ProviderError::Unreachable { endpoint, reason })
            }
            other => other,
        }
    }

    /// Connect to `host` (a `unix://`, `tcp://`, `https://` or `npipe://` URI), negotiating the
    /// API version with the engine (this project's CI engine speaks 1.41).
    pub async fn connect(host: &str) -> Result<DockerProvider> {
        Self::negotiate(host, Docker::connect_with_host(host)).await
    }

    /// The first request: agree on an API version, which also proves the engine answers.
    async fn negotiate(
        host: &str,
        client: std::result::Result<Docker, BollardError>,
    ) -> Result<Self> {
        let unreachable = |reason: String| ProviderError::Unreachable {
            endpoint: host.to_string(),
            reason,
        };
        let docker = client.map_err(|e| unreachable(e.to_string()))?;
        let docker = tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version())
            .await
            .map_err(|_| unreachable(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(connect_cause(&e)))?;
        Ok(DockerProvider {
            docker,
            endpoint: host.to_string(),
            engine_host: None,
            privileged: Arc::new(OnceCell::new()),
            creating: Arc::new(watch::Sender::new(0)),
        })
    }
}

/// Why a connection failed, from the innermost error: the operating system's own words
/// ("Permission denied (os error 13)") rather than the HTTP client's wrapper around them.
fn connect_cause(e: &BollardError) -> String {
    let mut innermost: &dyn std::error::Error = e;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    let inner = innermost.to_string();
    let outer = describe(e);
    if inner.is_empty() || outer.contains(&inner) {
        outer
    } else {
        inner
    }
}
