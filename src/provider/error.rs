use thiserror::Error;

/// Everything the engine can refuse, one variant per kind of failure, each naming its target.
#[derive(Debug, Error)]
pub enum ProviderError {
    #[error("cannot reach the container engine at {endpoint}: {reason}")]
    Unreachable { endpoint: String, reason: String },

    #[error("the container engine refused `{call}` for {target}: {message}")]
    Api {
        call: &'static str,
        target: String,
        message: String,
    },

    #[error("image {0} is not present locally")]
    ImageNotFound(String),

    #[error("container {0} does not exist")]
    NotFound(String),

    #[error("a container named {0} already exists")]
    AlreadyExists(String),

    #[error("node {node} did not finish booting within {seconds}s")]
    BootTimeout {
        node: String,
        seconds: u64,
        last_logs: Vec<String>,
    },

    #[error("node {node} stopped while booting")]
    BootExited {
        node: String,
        last_logs: Vec<String>,
    },

    #[error("`{command}` failed on node {node} (exit code {exit_code})")]
    ExecFailed {
        node: String,
        command: String,
        exit_code: i64,
        output: String,
    },

    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ProviderError {
    /// Extra lines worth showing under the error (a node's last log lines, a command's output).
    pub fn details(&self) -> Option<String> {
        match self {
            ProviderError::BootTimeout { last_logs, .. }
            | ProviderError::BootExited { last_logs, .. } => Some(last_logs.join("\n")),
            ProviderError::ExecFailed { output, .. } if !output.trim().is_empty() => {
                Some(output.clone())
            }
            _ => None,
        }
    }
}

impl crate::hint::Hint for ProviderError {
    fn hint(&self) -> Option<String> {
        match self {
            ProviderError::Unreachable { .. } => Some(
                "start Docker (or your engine), or point minik at it with --context NAME or \
                 DOCKER_HOST; `minik doctor` shows where it looked"
                    .into(),
            ),
            ProviderError::BootTimeout { .. } | ProviderError::BootExited { .. } => Some(
                "the node's last log lines are above; run `minik doctor`, and retry with \
                 --retain to inspect the node with `docker logs`"
                    .into(),
            ),
            _ => None,
        }
    }
}
