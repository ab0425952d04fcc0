//! The top-level error: which class each failure is, as an exit code. `ui::render_error`
//! shows it; each wrapped error carries its own hint (see [`crate::hint`]).
//!
//! Exit codes: 0 success; 1 the operation failed; 2 bad input (flags, names, config files);
//! 3 the container engine is unreachable; 129, 130, 143 interrupted by SIGHUP, Ctrl-C
//! (SIGINT, Ctrl-Break), SIGTERM: 128 + the signal's number, as shells report it.

use crate::bundle::BundleError;
use crate::cluster::create::PrepareError;
use crate::cluster::load::LoadError;
use crate::cluster::ClusterError;
use crate::engine::EngineError;
use crate::hint::Hint;
use crate::nodeimage::NodeImageError;
use crate::provider::ProviderError;
use crate::signals::Cancelled;
use crate::tour::TourError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Cluster(#[from] ClusterError),

    #[error("{0}")]
    Provider(#[from] ProviderError),

    #[error("{0}")]
    NodeImage(#[from] NodeImageError),

    /// A load failure of its own (cluster and engine errors become `Cluster` and `Provider`).
    #[error("{0}")]
    Load(#[source] LoadError),

    /// A bundle file, or serving or fetching one (a damaged bundle is a failure, not bad input).
    #[error("{0}")]
    Bundle(#[source] BundleError),

    /// A tour that could not go on (its cluster's own errors become `Cluster`).
    #[error("{0}")]
    Tour(#[source] TourError),

    /// A config file (or the flags applied to it) is invalid; every problem is listed.
    #[error("{0}")]
    Config(#[from] crate::config::ConfigErrors),

    /// Bad input typed on the command line.
    #[error("{0}")]
    Input(#[from] crate::input::InputError),

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
    #[error("{0}")]
    Cancelled(#[from] Cancelled),

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
            Error::Bundle(b) => b.provider(),
            Error::Cluster(c) => match c.root() {
                ClusterError::Provider(p) => Some(p),
                _ => None,
            },
            _ => None,
        }
    }

    /// The signal that cancelled the work, wherever in the `source()` chain it is wrapped.
    fn cancelled(&self) -> Option<Cancelled> {
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = next {
            if let Some(c) = e.downcast_ref::<Cancelled>() {
                return Some(*c);
            }
            next = e.source();
        }
        None
    }

    pub fn exit_code(&self) -> u8 {
        if let Some(Cancelled(signal)) = self.cancelled() {
            return signal.exit_code();
        }
        if let Some(ProviderError::Unreachable { .. }) = self.provider() {
            return EXIT_UNREACHABLE;
        }
        let bad_input = match self {
            Error::Unreachable { .. } => return EXIT_UNREACHABLE,
            Error::Cancelled(c) => return c.0.exit_code(),
            Error::Cluster(c) => c.is_bad_input(),
            Error::Usage { .. } | Error::Input(_) | Error::Config(_) => true,
            Error::NodeImage(e) => e.is_bad_input(),
            Error::Load(e) => e.is_bad_input(),
            Error::Bundle(e) => e.is_bad_input(),
            Error::Tour(e) => e.is_bad_input(),
            Error::Provider(_) | Error::Failed { .. } | Error::Output(_) => false,
        };
        if bad_input {
            EXIT_USAGE
        } else {
            EXIT_FAILURE
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

/// The library's errors that are not kept whole: each variant becomes the top-level one that
/// renders and exits the same way.
impl From<EngineError> for Error {
    fn from(e: EngineError) -> Error {
        match e {
            EngineError::Endpoint { message, hint } => Error::Usage {
                message,
                hint: Some(hint),
            },
            EngineError::Unreachable {
                headline,
                looked,
                fix,
            } => Error::Unreachable {
                headline,
                looked,
                fix,
            },
            EngineError::Info(reason) => Error::Failed {
                message: format!("could not read the engine's /info: {reason}"),
                hint: None,
            },
            EngineError::Provider(p) => Error::Provider(p),
        }
    }
}

impl From<PrepareError> for Error {
    fn from(e: PrepareError) -> Error {
        let message = e.to_string();
        match e {
            PrepareError::Input(i) => Error::Input(i),
            PrepareError::PlatformRefused { fixes, .. } => Error::Failed {
                message,
                hint: Some(fixes),
            },
            PrepareError::Config(c) => Error::Config(c),
            PrepareError::Engine(e) => Error::from(e),
            PrepareError::Cluster(c) => Error::Cluster(c),
            PrepareError::Provider(p) => Error::Provider(p),
            PrepareError::NodeImage(n) => Error::NodeImage(n),
        }
    }
}

impl From<BundleError> for Error {
    fn from(e: BundleError) -> Error {
        match e {
            BundleError::Input(i) => Error::Input(i),
            BundleError::Config(c) => Error::Config(c),
            BundleError::Cluster(c) => Error::Cluster(c),
            BundleError::Provider(p) => Error::Provider(p),
            e => Error::Bundle(e),
        }
    }
}

impl From<crate::cluster::kubectl::KubectlError> for Error {
    fn from(e: crate::cluster::kubectl::KubectlError) -> Error {
        use crate::cluster::kubectl::KubectlError;
        match e {
            KubectlError::Input(i) => Error::Usage {
                hint: Some(i.hint()),
                message: i.to_string(),
            },
            KubectlError::Cluster(c) => Error::Cluster(c),
        }
    }
}

impl From<TourError> for Error {
    fn from(e: TourError) -> Error {
        match e {
            TourError::Cluster(c) => Error::Cluster(c),
            e => Error::Tour(e),
        }
    }
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Error {
        match e {
            LoadError::Cluster(c) => Error::Cluster(c),
            LoadError::Provider(p) => Error::Provider(p),
            e => Error::Load(e),
        }
    }
}

/// Only the top level's own hints: the renderer collects the wrapped errors' hints by walking
/// the `source()` chain (`ui::error::hints_for_error`).
impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Error::Usage { hint, .. } | Error::Failed { hint, .. } => hint.clone(),
            Error::Unreachable { fix, .. } => Some(fix.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::Signal;

    /// The first hint the user sees (the renderer walks the whole chain).
    fn hint(e: &Error) -> Option<String> {
        crate::ui::hints_for_error(e).into_iter().next()
    }

    #[test]
    fn bad_input_exits_2() {
        let e = Error::from(ClusterError::AlreadyExists("lab".into()));
        assert_eq!(e.exit_code(), EXIT_USAGE);
        assert!(hint(&e).is_some_and(|h| h.starts_with("choose another name")));
        let e = Error::from(ClusterError::Refused("no".into()).in_step("Adding a node"));
        assert_eq!(e.exit_code(), EXIT_USAGE);
        assert_eq!(Error::usage("bad flag", "fix it").exit_code(), EXIT_USAGE);
        let e = Error::from(LoadError::ImageId("sha256:ab".into()));
        assert_eq!(e.exit_code(), EXIT_USAGE);
    }

    #[test]
    fn library_errors_keep_their_class_through_the_mapping() {
        let endpoint = EngineError::Endpoint {
            message: "bad -H".into(),
            hint: "for example".into(),
        };
        let e = Error::from(PrepareError::from(endpoint));
        assert_eq!(e.exit_code(), EXIT_USAGE);
        assert_eq!(hint(&e).as_deref(), Some("for example"));
        let unreachable = EngineError::Unreachable {
            headline: "no engine".into(),
            looked: vec!["unix:///var/run/docker.sock".into()],
            fix: "start it".into(),
        };
        assert_eq!(Error::from(unreachable).exit_code(), EXIT_UNREACHABLE);
        let refused = PrepareError::PlatformRefused {
            problems: "cgroups: none".into(),
            fixes: "run `minik doctor` for details".into(),
        };
        let e = Error::from(refused);
        assert_eq!(e.exit_code(), EXIT_FAILURE);
        assert_eq!(
            e.to_string(),
            "this machine cannot run the cluster: cgroups: none"
        );
        let missing = NodeImageError::MissingFile("/k8s/bin/kubeadm".into());
        assert_eq!(Error::from(missing).exit_code(), EXIT_USAGE);
        let checksum = NodeImageError::Checksum {
            url: "https://dl.k8s.io/x.sha256".into(),
            reason: "empty".into(),
        };
        assert_eq!(Error::from(checksum).exit_code(), EXIT_FAILURE);
    }

    #[test]
    fn failures_on_the_way_exit_1() {
        let e = Error::from(
            ClusterError::NoFreePort {
                address: "127.0.0.1".into(),
                source: std::io::Error::other("in use"),
            }
            .in_step("Preparing nodes"),
        );
        assert_eq!(e.exit_code(), EXIT_FAILURE);
        let e = Error::from(ClusterError::KubeconfigWriter("panicked".into()));
        assert_eq!(e.exit_code(), EXIT_FAILURE);
        let e = Error::from(LoadError::ImageNotPresent("app:dev".into()));
        assert_eq!(e.exit_code(), EXIT_FAILURE);
        assert!(hint(&e).is_some_and(|h| h.contains("minik never pulls")));
    }

    #[test]
    fn a_tampered_node_kubeconfig_is_a_failure_with_its_hint() {
        let refused = crate::kubeconfig::KubeconfigError::NodeField {
            node: "lab-control-plane".into(),
            cluster: "lab".into(),
            path: "/etc/kubernetes/admin.conf".into(),
            field: "users[0].user.exec".into(),
        };
        let e = Error::from(ClusterError::from(refused).in_step("Writing kubeconfig"));
        // The node was changed behind the user's back: not bad input.
        assert_eq!(e.exit_code(), EXIT_FAILURE);
        assert!(hint(&e).is_some_and(|h| h.ends_with("minik delete --name lab")));
    }

    #[test]
    fn unreachable_engine_exits_3_with_its_hint() {
        let e = Error::from(
            ClusterError::from(ProviderError::Unreachable {
                endpoint: "unix:///nope".into(),
                reason: "No such file".into(),
            })
            .in_step("Preparing nodes"),
        );
        assert_eq!(e.exit_code(), EXIT_UNREACHABLE);
        assert!(hint(&e).is_some_and(|h| h.starts_with("start Docker")));
        let e = Error::from(LoadError::Provider(ProviderError::Unreachable {
            endpoint: "unix:///nope".into(),
            reason: "No such file".into(),
        }));
        assert_eq!(e.exit_code(), EXIT_UNREACHABLE);
    }

    #[test]
    fn a_signal_exits_128_plus_its_number() {
        let e = Error::from(ClusterError::from(Cancelled(Signal::Terminate)).in_step("Preparing"));
        assert_eq!(e.exit_code(), 143);
        assert_eq!(Error::from(Cancelled(Signal::Interrupt)).exit_code(), 130);
        let e = Error::from(NodeImageError::from(Cancelled(Signal::Hangup)));
        assert_eq!(e.exit_code(), 129);
        let e = Error::from(crate::bundle::BundleError::from(Cancelled(
            Signal::Interrupt,
        )));
        assert_eq!(e.exit_code(), 130);
    }
}
