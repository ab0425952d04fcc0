use thiserror::Error;

/// Everything the engine can refuse, one variant per kind of failure, each naming its target.
#[derive(Debug, Error)]
pub enum ProviderError {
    #[error("cannot reach the container engine at {endpoint}: {reason}")]
    Unreachable { endpoint: String, reason: String },

    #[error("the container engine refused `{call}` for {target}: {message}")]
    Api {
        call: EngineCall,
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

    /// Killed, but its processes never exited, even after minik thawed its frozen cgroups.
    #[error(
        "node {node} could not be {action}: its processes did not exit when killed ({message})"
    )]
    Unkillable {
        node: String,
        action: &'static str,
        message: String,
    },

    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The engine call that failed, named in the error as the engine's API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineCall {
    ContainerCommit,
    ContainerCopy,
    ContainerCreate,
    ContainerInspect,
    ContainerList,
    ContainerLogs,
    ContainerRemove,
    ContainerStart,
    ContainerStop,
    Exec,
    ImageBuild,
    ImageInspect,
    ImageList,
    ImageLoad,
    ImagePull,
    ImageRemove,
    ImageTag,
    Info,
    NetworkCreate,
    NetworkInspect,
    NetworkList,
    NetworkRemove,
    Version,
}

impl EngineCall {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineCall::ContainerCommit => "container commit",
            EngineCall::ContainerCopy => "container copy",
            EngineCall::ContainerCreate => "container create",
            EngineCall::ContainerInspect => "container inspect",
            EngineCall::ContainerList => "container list",
            EngineCall::ContainerLogs => "container logs",
            EngineCall::ContainerRemove => "container remove",
            EngineCall::ContainerStart => "container start",
            EngineCall::ContainerStop => "container stop",
            EngineCall::Exec => "exec",
            EngineCall::ImageBuild => "image build",
            EngineCall::ImageInspect => "image inspect",
            EngineCall::ImageList => "image list",
            EngineCall::ImageLoad => "image load",
            EngineCall::ImagePull => "image pull",
            EngineCall::ImageRemove => "image remove",
            EngineCall::ImageTag => "image tag",
            EngineCall::Info => "info",
            EngineCall::NetworkCreate => "network create",
            EngineCall::NetworkInspect => "network inspect",
            EngineCall::NetworkList => "network list",
            EngineCall::NetworkRemove => "network remove",
            EngineCall::Version => "version",
        }
    }

    /// A call about one container (or an exec in it), whose "not found" means that container
    /// does not exist.
    pub fn is_about_a_container(self) -> bool {
        matches!(
            self,
            EngineCall::ContainerCommit
                | EngineCall::ContainerCopy
                | EngineCall::ContainerCreate
                | EngineCall::ContainerInspect
                | EngineCall::ContainerList
                | EngineCall::ContainerLogs
                | EngineCall::ContainerRemove
                | EngineCall::ContainerStart
                | EngineCall::ContainerStop
                | EngineCall::Exec
        )
    }
}

impl std::fmt::Display for EngineCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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

crate::error_keys!(pub ProviderError {
    ProviderError::Unreachable { endpoint, reason } => "provider.unreachable", endpoint = endpoint, reason = reason;
    ProviderError::Api { call, target, message } => "provider.api", call = call, target = target, reason = message;
    ProviderError::ImageNotFound(image) => "provider.image-not-found", image = image;
    ProviderError::NotFound(name) => "provider.not-found", name = name;
    ProviderError::AlreadyExists(name) => "provider.already-exists", name = name;
    ProviderError::BootTimeout { node, seconds, last_logs } => "provider.boot-timeout", node = node, seconds = seconds;
    ProviderError::BootExited { node, last_logs } => "provider.boot-exited", node = node;
    ProviderError::ExecFailed { node, command, exit_code, output } => "provider.exec-failed",
        node = node, command = command, code = exit_code;
    ProviderError::Unkillable { node, action, message } => "provider.unkillable", node = node, reason = message, action = action;
    ProviderError::Io(e) => "provider.io", reason = e;
});

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
            ProviderError::Unkillable { node, .. } => Some(format!(
                "a cgroup inside it is probably still frozen; as root on the engine's host run \
                 `for f in $(find /sys/fs/cgroup/freezer -path \"*$(docker inspect -f \
                 '{{{{.Id}}}}' {node})*\" -name freezer.state); do echo THAWED > $f; done; \
                 docker rm -f {node}`"
            )),
            _ => None,
        }
    }
}
