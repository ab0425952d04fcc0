//! `minik ui`'s view of a cluster: its API watched through kube-rs (the cluster's own
//! kubeconfig entry, `minik-CLUSTER`, built in memory as `get kubeconfig` prints it), kept as
//! the small state model the page draws (`state.rs`), and every change said in one sentence
//! (`change.rs`, `words.rs`). The web server (`crate::web`) only sends what this publishes.

mod change;
mod detail;
mod detail_parse;
mod detail_words;
mod moves;
pub(crate) mod names;
mod state;
mod view;
mod warn_words;
mod warning;
mod watch;
mod words;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod warning_tests;

pub(crate) use detail::{DetailError, Details, PodDetail};
pub(crate) use watch::{connect, Live};

use crate::cluster::ClusterError;
use crate::tour::Lang;

/// The words the page draws: the picture's, and its pod detail panel's under `detail`.
pub(crate) fn page_words(lang: Lang) -> serde_json::Value {
    let mut words = words::page(lang);
    words["detail"] = detail_words::words(lang);
    words
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// `minik ui --name X` with no cluster X: bad input, with how to make one.
    #[error("no cluster named {}", crate::text::quoted(.0))]
    NoCluster(String),
    #[error("{0}")]
    Cluster(#[from] ClusterError),
    /// minik's own kubeconfig entry, which kube-rs could not use.
    #[error("could not use the kubeconfig of cluster {}: {reason}", crate::text::quoted(.cluster))]
    Client { cluster: String, reason: String },
    #[error("could not listen on {address}: {source}")]
    Listen {
        address: String,
        source: std::io::Error,
    },
    #[error("could not serve the page: {0}")]
    Serve(std::io::Error),
    #[error("could not get a random token from the operating system: {0}")]
    Random(String),
}

crate::error_keys!(pub LiveError {
    LiveError::NoCluster(name) => "live.no-cluster", name = crate::text::quoted(name), bare = name;
    LiveError::Cluster(_) => "live.cluster";
    LiveError::Client { cluster, reason } => "live.client",
        cluster = crate::text::quoted(cluster), reason = reason;
    LiveError::Listen { address, source } => "live.listen", address = address, reason = source;
    LiveError::Serve(e) => "live.serve", reason = e;
    LiveError::Random(e) => "live.random", reason = e;
});

impl LiveError {
    pub(crate) fn is_bad_input(&self) -> bool {
        match self {
            LiveError::NoCluster(_) => true,
            LiveError::Cluster(e) => e.is_bad_input(),
            _ => false,
        }
    }
}

impl crate::hint::Hint for LiveError {
    fn hint(&self) -> Option<String> {
        match self {
            LiveError::NoCluster(name) => Some(format!(
                "create it first with: minik create --name {name} (minik get clusters lists the clusters there are)"
            )),
            LiveError::Listen { .. } => Some(
                "choose another port with --port, or let the system choose one (leave --port out)"
                    .into(),
            ),
            _ => None,
        }
    }
}
