//! The top-level error and the one place that renders errors for humans.
//!
//! Exit codes: 0 success; 1 the operation failed; 2 bad input (flags, names, config files);
//! 3 the container engine is unreachable; 129, 130, 143 interrupted by SIGHUP, Ctrl-C
//! (SIGINT, Ctrl-Break), SIGTERM: 128 + the signal's number, as shells report it.

use crate::cluster::ClusterError;
use crate::provider::ProviderError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Cluster(#[from] ClusterError),

    #[error(transparent)]
    Provider(#[from] ProviderError),

    #[error(transparent)]
    NodeImage(#[from] crate::nodeimage::NodeImageError),

    /// A config file (or the flags applied to it) is invalid; every problem is listed.
    #[error("{0}")]
    Config(#[from] crate::config::ConfigErrors),

    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },

    #[error("{message}")]
    Failed {
        message: String,
        hint: Option<String>,
    },

    /// The engine could not be reached: where minik looked, and what to do.
    #[error("{headline}")]
    Unreachable {
        headline: String,
        looked: Vec<String>,
        fix: String,
    },

    /// A signal ended a command that had nothing to undo.
    #[error("interrupted by {}", .0.name())]
    Interrupted(crate::signals::Signal),

    #[error("could not write output: {0}")]
    Output(#[from] std::io::Error),
}

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_UNREACHABLE: u8 = 3;

impl Error {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    fn provider(&self) -> Option<&ProviderError> {
        match self {
            Error::Provider(p) => Some(p),
            Error::Cluster(c) => match c.root() {
                ClusterError::Provider(p) => Some(p),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn exit_code(&self) -> u8 {
        if let Some(ProviderError::Unreachable { .. }) = self.provider() {
            return EXIT_UNREACHABLE;
        }
        if let Error::Unreachable { .. } = self {
            return EXIT_UNREACHABLE;
        }
        match self {
            Error::Usage { .. } | Error::Config(_) => EXIT_USAGE,
            Error::Interrupted(s) => s.exit_code(),
            Error::NodeImage(crate::nodeimage::NodeImageError::Interrupted(s)) => s.exit_code(),
            // --kubernetes-version names a version no image exists for.
            Error::NodeImage(crate::nodeimage::NodeImageError::Unpublished(_)) => EXIT_USAGE,
            Error::Cluster(c) => match c.root() {
                ClusterError::InvalidName(_) | ClusterError::Invalid(_) => EXIT_USAGE,
                ClusterError::AlreadyExists(_) | ClusterError::Incomplete(_) => EXIT_USAGE,
                ClusterError::Interrupted(s) => s.exit_code(),
                _ => EXIT_FAILURE,
            },
            _ => EXIT_FAILURE,
        }
    }

    /// What to do about it, when minik knows.
    pub fn hint(&self) -> Option<String> {
        if let Some(p) = self.provider() {
            return match p {
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
            };
        }
        match self {
            Error::Usage { hint, .. } | Error::Failed { hint, .. } => hint.clone(),
            Error::Unreachable { fix, .. } => Some(fix.clone()),
            Error::Cluster(c) => match c.root() {
                ClusterError::AlreadyExists(name) => Some(format!(
                    "choose another name with --name, or delete it first: minik delete --name {name}"
                )),
                ClusterError::InvalidName(_) => Some(format!(
                    "for example: --name {}",
                    crate::cluster::naming::suggest_name(match c.root() {
                        ClusterError::InvalidName(crate::cluster::naming::NameError::Invalid(n)) => n,
                        _ => "",
                    })
                )),
                ClusterError::Incomplete(name) => Some(format!(
                    "remove what it left with `minik delete --name {name}`, then create it again"
                )),
                ClusterError::NotFound(_) => Some("list clusters with: minik get clusters".into()),
                ClusterError::ImageUnavailable { .. } => Some(
                    "build one with `minik build node-image` (or load it with `docker load`), \
                     then pass it with --image"
                        .into(),
                ),
                ClusterError::Interrupted(_) => Some("everything it had made was removed".into()),
                ClusterError::HaAddressesChanged { cluster, .. } => Some(format!(
                    "stacked etcd keeps its members' peer addresses in its own data, which no \
                     file rewrite reaches, so a cluster with several control planes cannot \
                     follow new addresses (single-control-plane clusters can). Its containers \
                     are running; recreate it: minik delete --name {cluster}, then minik create"
                )),
                _ => None,
            },
            Error::NodeImage(e) => e.hint(),
            _ => None,
        }
    }

    /// Output worth showing under the message (a failed command's output, a node's log).
    pub fn details(&self) -> Option<String> {
        match self {
            Error::NodeImage(e) => e.details(),
            Error::Unreachable { looked, .. } if !looked.is_empty() => Some(looked.join("\n")),
            _ => self.provider().and_then(|p| p.details()),
        }
    }
}

/// The error as the user sees it: a first line that says what went wrong, then any output that
/// explains it, then what to do.
pub fn render(err: &Error, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let clean = |text: &str| {
        text.lines()
            .map(crate::text::clean_line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut out = format!("{} {}\n", paint("1;31", "error:"), clean(&err.to_string()));
    if let Some(details) = err.details() {
        let lines: Vec<&str> = details.lines().collect();
        // The end of a long output is where the cause usually is.
        let start = lines.len().saturating_sub(25);
        let label = if matches!(err, Error::Unreachable { .. }) {
            "  looked at:\n"
        } else {
            "  output:\n"
        };
        out.push_str(&paint("2", label));
        for l in &lines[start..] {
            out.push_str(&format!("    {}\n", crate::text::clean_line(l)));
        }
    }
    if let Some(hint) = err.hint() {
        out.push_str(&format!("{} {}\n", paint("36", "hint:"), clean(&hint)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_names_the_problem() {
        let e = Error::from(ClusterError::AlreadyExists("lab".into()));
        let text = render(&e, false);
        let first = text.lines().next().unwrap();
        assert_eq!(first, "error: a cluster named \"lab\" already exists");
        assert!(text.contains("hint: choose another name"));
        assert_eq!(e.exit_code(), EXIT_USAGE);
    }

    #[test]
    fn unreachable_engine_has_its_own_exit_code() {
        let e = Error::from(
            ClusterError::from(ProviderError::Unreachable {
                endpoint: "unix:///nope".into(),
                reason: "No such file".into(),
            })
            .in_step("Preparing nodes"),
        );
        assert_eq!(e.exit_code(), EXIT_UNREACHABLE);
        assert!(render(&e, false).contains("hint: start Docker"));
    }

    #[test]
    fn failed_commands_show_their_output() {
        let e = Error::from(ClusterError::from(ProviderError::ExecFailed {
            node: "n".into(),
            command: "kubeadm init".into(),
            exit_code: 1,
            output: "line1\n[ERROR] boom".into(),
        }));
        let text = render(&e, false);
        assert!(text.contains("    [ERROR] boom"), "{text}");
    }
}
