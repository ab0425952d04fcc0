//! What can go wrong loading images, worded for the user: the first line names the problem.

use std::path::PathBuf;

use super::super::ClusterError;
use crate::provider::{NodeState, ProviderError};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Cluster(#[from] ClusterError),

    #[error("image {0:?} is not present locally")]
    ImageNotPresent(String),

    #[error("{0:?} is an image ID; minik loads images by name")]
    ImageId(String),

    #[error("{}", unknown_nodes(.unknown, .valid))]
    UnknownNodes {
        unknown: Vec<String>,
        valid: Vec<String>,
    },

    #[error("node {node:?} is not running (it is {state})")]
    NodeNotRunning {
        node: String,
        state: NodeState,
        cluster: String,
    },

    #[error("cannot read image archive {path}: {reason}")]
    Archive { path: PathBuf, reason: String },

    #[error("reading {what} failed: {reason}")]
    Source { what: String, reason: String },

    #[error("{}", failed_nodes(.0))]
    NodesFailed(Vec<NodeFailure>),

    #[error("{0}")]
    Provider(#[from] ProviderError),
}

crate::error_keys!(pub LoadError {
    LoadError::Cluster(_) => "load.cluster";
    LoadError::ImageNotPresent(image) => "load.image-not-present", image = format!("{image:?}");
    LoadError::ImageId(id) => "load.image-id", id = format!("{id:?}");
    LoadError::UnknownNodes { unknown, valid } => "load.unknown-nodes",
        unknown = unknown.join(", "), valid = valid.join(", ");
    LoadError::NodeNotRunning { node, state, cluster } => "load.node-not-running",
        node = format!("{node:?}"), state = state, cluster = cluster;
    LoadError::Archive { path, reason } => "load.archive", path = path.display(), reason = reason;
    LoadError::Source { what, reason } => "load.source", what = what, reason = reason;
    LoadError::NodesFailed(failures) => "load.nodes-failed",
        nodes = failures.iter().map(|f| format!("{:?}", f.node)).collect::<Vec<_>>().join(", ");
    LoadError::Provider(_) => "load.provider";
});

/// One node the load failed on, and why.
#[derive(Debug)]
pub struct NodeFailure {
    pub node: String,
    pub error: ProviderError,
}

fn unknown_nodes(unknown: &[String], valid: &[String]) -> String {
    let quoted = |v: &[String]| {
        v.iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "unknown node{} {}; the cluster's nodes are {}",
        if unknown.len() == 1 { "" } else { "s" },
        quoted(unknown),
        quoted(valid)
    )
}

fn failed_nodes(failures: &[NodeFailure]) -> String {
    let names: Vec<String> = failures.iter().map(|f| format!("{:?}", f.node)).collect();
    let mut s = format!(
        "loading failed on node{} {}",
        if failures.len() == 1 { "" } else { "s" },
        names.join(", ")
    );
    for f in failures {
        s.push_str(&format!("\n  {}: {}", f.node, f.error));
        if let Some(details) = f.error.details() {
            let lines: Vec<&str> = details.lines().collect();
            for l in &lines[lines.len().saturating_sub(5)..] {
                s.push_str(&format!("\n    {l}"));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_problem_on_the_first_line() {
        let e = LoadError::ImageNotPresent("app:v1".into());
        assert_eq!(e.to_string(), "image \"app:v1\" is not present locally");
        let e = LoadError::UnknownNodes {
            unknown: vec!["x".into()],
            valid: vec!["c-control-plane".into(), "c-worker".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown node \"x\"; the cluster's nodes are \"c-control-plane\", \"c-worker\""
        );
        let e = LoadError::NodesFailed(vec![NodeFailure {
            node: "c-worker".into(),
            error: ProviderError::ExecFailed {
                node: "c-worker".into(),
                command: "ctr import".into(),
                exit_code: 1,
                output: "ctr: unexpected EOF".into(),
            },
        }]);
        let text = e.to_string();
        assert!(
            text.starts_with("loading failed on node \"c-worker\"\n"),
            "{text}"
        );
        assert!(text.contains("ctr: unexpected EOF"), "{text}");
    }
}
