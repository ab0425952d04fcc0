//! The top-level error: which class each failure is, as an exit code. `ui::render_error`
//! shows it; each wrapped error carries its own hint (see [`crate::hint`]).
//!
//! Exit codes: 0 success; 1 the operation failed; 2 bad input (flags, names, config files);
//! 3 the container engine is unreachable; 129, 130, 143 interrupted by SIGHUP, Ctrl-C
//! (SIGINT, Ctrl-Break), SIGTERM: 128 + the signal's number, as shells report it.

use crate::bundle::BundleError;
use crate::cluster::create::PrepareError;
use crate::cluster::kubectl::KubectlError;
use crate::cluster::load::LoadError;
use crate::cluster::ClusterError;
use crate::engine::EngineError;
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

    #[error("{0}")]
    Load(#[from] LoadError),

    /// A bundle file, or serving or fetching one (a damaged bundle is a failure, not bad input).
    #[error("{0}")]
    Bundle(#[from] BundleError),

    /// A tour that could not go on.
    #[error("{0}")]
    Tour(#[from] TourError),

    /// Bad input typed on the command line.
    #[error("{0}")]
    Input(#[from] crate::input::InputError),

    /// A config file (or the flags applied to it) is invalid; every problem is listed.
    #[error("{0}")]
    Config(#[from] crate::config::ConfigErrors),

    /// Reaching the engine: a bad endpoint, or where minik looked and what to do.
    #[error("{0}")]
    Engine(#[from] EngineError),

    /// What stopped a cluster or node before anything was made.
    #[error("{0}")]
    Prepare(#[from] PrepareError),

    /// What stopped `minik create` or `minik init` (a cluster, perhaps from a bundle).
    #[error("{0}")]
    Create(#[from] crate::create::CreateError),

    #[error("{0}")]
    Kubectl(#[from] KubectlError),

    /// A failure on the way that belongs to no library class.
    #[error("{0}")]
    Failure(#[from] crate::failure::Failure),

    #[error("{0}")]
    Live(#[from] crate::live::LiveError),

    /// A signal ended a command that had nothing to undo.
    #[error("{0}")]
    Cancelled(#[from] Cancelled),

    #[error("could not write output: {0}")]
    Output(#[from] std::io::Error),
}

crate::error_keys!(pub(crate) Error {
    Error::Output(e) => "error.output", reason = e;
    Error::Cluster(_) | Error::Provider(_) | Error::NodeImage(_) | Error::Load(_)
        | Error::Bundle(_) | Error::Tour(_) | Error::Input(_) | Error::Config(_)
        | Error::Engine(_) | Error::Prepare(_) | Error::Create(_) | Error::Kubectl(_)
        | Error::Failure(_) | Error::Cancelled(_) | Error::Live(_) => "error.wrapped";
});

pub(crate) const EXIT_FAILURE: u8 = 1;
pub(crate) const EXIT_USAGE: u8 = 2;
pub(crate) const EXIT_UNREACHABLE: u8 = 3;

impl Error {
    /// The first error of type `T` in the `source()` chain, this one included.
    pub(crate) fn find<T: std::error::Error + 'static>(&self) -> Option<&T> {
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = next {
            if let Some(t) = e.downcast_ref::<T>() {
                return Some(t);
            }
            next = e.source();
        }
        None
    }

    /// The exit-code rule: a signal's code wherever it is wrapped; 3 when the engine did not
    /// answer; else 2 when the error's class is bad input, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if let Some(Cancelled(signal)) = self.find::<Cancelled>() {
            return signal.exit_code();
        }
        let unreachable = matches!(
            self.find::<ProviderError>(),
            Some(ProviderError::Unreachable { .. })
        ) || matches!(
            self.find::<EngineError>(),
            Some(EngineError::Unreachable { .. })
        );
        if unreachable {
            EXIT_UNREACHABLE
        } else if self.is_bad_input() {
            EXIT_USAGE
        } else {
            EXIT_FAILURE
        }
    }

    /// Each class says whether it is bad input.
    fn is_bad_input(&self) -> bool {
        match self {
            Error::Input(_) | Error::Config(_) => true,
            Error::Cluster(e) => e.is_bad_input(),
            Error::NodeImage(e) => e.is_bad_input(),
            Error::Load(e) => e.is_bad_input(),
            Error::Bundle(e) => e.is_bad_input(),
            Error::Tour(e) => e.is_bad_input(),
            Error::Engine(e) => e.is_bad_input(),
            Error::Prepare(e) => e.is_bad_input(),
            Error::Create(e) => e.is_bad_input(),
            Error::Kubectl(e) => e.is_bad_input(),
            Error::Live(e) => e.is_bad_input(),
            Error::Provider(_) | Error::Failure(_) | Error::Cancelled(_) | Error::Output(_) => {
                false
            }
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
        let e = Error::from(crate::input::InputError::Zero { flag: "--nodes" });
        assert_eq!(e.exit_code(), EXIT_USAGE);
        let e = Error::from(LoadError::ImageId("sha256:ab".into()));
        assert_eq!(e.exit_code(), EXIT_USAGE);
    }

    #[test]
    fn library_errors_keep_their_class_through_the_mapping() {
        let endpoint = EngineError::Endpoint {
            source: crate::platform::EndpointError::Conflict,
            by_host_flag: true,
        };
        let e = Error::from(PrepareError::from(endpoint));
        assert_eq!(e.exit_code(), EXIT_USAGE);
        assert!(hint(&e).is_some_and(|h| h.starts_with("for example: -H unix://")));
        let unreachable = EngineError::Unreachable {
            headline: Box::new("no engine".into()),
            looked: vec!["unix:///var/run/docker.sock".into()],
            fix: Box::new("start it".into()),
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
        // Choosing the default node image asks the engine too, under create.
        let unreachable = NodeImageError::from(ProviderError::Unreachable {
            endpoint: "unix:///nope".into(),
            reason: "No such file".into(),
        });
        let e = Error::from(crate::create::CreateError::from(PrepareError::from(
            unreachable,
        )));
        assert_eq!(e.exit_code(), EXIT_UNREACHABLE);
        assert!(hint(&e).is_some_and(|h| h.starts_with("start Docker")));
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
