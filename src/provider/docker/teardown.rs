//! Stopping and removing node containers, one attempt each, and what a second failed kill
//! means: processes that cannot exit (see `thaw`).

use std::time::Duration;

use bollard::query_parameters::{RemoveContainerOptions, StopContainerOptions};

use super::{api_error, status_code, thaw, DockerProvider};
use crate::provider::{EngineCall, ProviderError, Result};

impl DockerProvider {
    pub(super) async fn stop_once(&self, node: &str, timeout: Duration) -> Result<()> {
        let opts = StopContainerOptions {
            t: Some(timeout.as_secs() as i32),
            signal: None,
        };
        match self.docker.stop_container(node, Some(opts)).await {
            Ok(()) => Ok(()),
            Err(e) if status_code(&e) == Some(304) => Ok(()),
            Err(e) => Err(api_error(EngineCall::ContainerStop, node, e)),
        }
    }

    /// Remove one container; a frozen cgroup inside it is thawed first (see `thaw`), and once
    /// more from the host if the engine's kill still found processes that would not exit.
    pub(super) async fn remove_node(&self, node: &str) -> Result<()> {
        thaw::inside(self, node).await;
        match self.remove_once(node).await {
            Err(ProviderError::Api { message, .. }) if thaw::did_not_exit(&message) => {
                thaw::from_host(self, node).await;
                self.remove_once(node)
                    .await
                    .map_err(|e| unkillable(e, node, "removed"))
            }
            other => other,
        }
    }

    async fn remove_once(&self, node: &str) -> Result<()> {
        let opts = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match self.docker.remove_container(node, Some(opts)).await {
            Ok(()) => Ok(()),
            Err(e) if status_code(&e) == Some(404) => Ok(()),
            Err(e) => Err(api_error(EngineCall::ContainerRemove, node, e)),
        }
    }
}

/// A second failed kill after thawing: say so, with the manual fix (see the error's hint).
pub(super) fn unkillable(e: ProviderError, node: &str, action: &'static str) -> ProviderError {
    match e {
        ProviderError::Api { message, .. } if thaw::did_not_exit(&message) => {
            ProviderError::Unkillable {
                node: node.to_string(),
                action,
                message,
            }
        }
        other => other,
    }
}
