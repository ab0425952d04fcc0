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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hint::Hint;

    fn api(message: &str) -> ProviderError {
        ProviderError::Api {
            call: EngineCall::ContainerRemove,
            target: "lab-worker".into(),
            message: message.into(),
        }
    }

    #[test]
    fn a_second_stuck_kill_names_the_node_and_the_manual_fix() {
        let stuck = "cannot remove - tried to kill container, but did not receive an exit event";
        let e = unkillable(api(stuck), "lab-worker", "removed");
        assert!(matches!(e, ProviderError::Unkillable { .. }), "{e:?}");
        assert!(e
            .to_string()
            .starts_with("node lab-worker could not be removed: its processes did not exit"));
        let hint = e.hint().unwrap_or_default();
        assert!(hint.contains("echo THAWED > $f"), "{hint}");
        assert!(hint.contains("'{{.Id}}' lab-worker"), "{hint}");
        assert!(hint.ends_with("docker rm -f lab-worker`"), "{hint}");
        // Any other failure is reported as the engine said it.
        let other = unkillable(api("removal already in progress"), "lab-worker", "removed");
        assert!(matches!(other, ProviderError::Api { .. }), "{other:?}");
    }
}
