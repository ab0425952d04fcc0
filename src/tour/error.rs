//! Why a tour could not go on, each with what to do about it.

use super::check::Outcome;
use super::lab::{Lang, Step};
use crate::cluster::ClusterError;
use crate::hint::Hint;
use crate::text::quoted;

#[derive(Debug, thiserror::Error)]
pub enum TourError {
    #[error("{0}")]
    Cluster(#[from] ClusterError),

    /// A step's checks did not hold in time (unattended runs stop there).
    #[error("step {} ({title}) did not happen: expected {expected}; found {found}", quoted(.step))]
    StepFailed {
        step: String,
        title: String,
        expected: String,
        found: String,
    },

    /// What an earlier step made could not be made again on resuming.
    #[error("could not make again what step {} made: expected {}; found {}", quoted(.step),
        .failed.first().map(|o| o.expected.as_str()).unwrap_or("?"),
        .failed.first().map(|o| o.found.as_str()).unwrap_or("?"))]
    Restore { step: String, failed: Vec<Outcome> },

    #[error("no Running pod matches {selector} in namespace {namespace}")]
    NothingToPick { selector: String, namespace: String },

    /// The lab's namespace exists and no tour made it: the tour would delete it at the end.
    #[error("namespace {} already exists, and the tour deletes its namespace when it ends", quoted(.0))]
    NamespaceInUse(String),

    /// The lab's own identity (ServiceAccount, roles, token) could not be set up.
    #[error("could not make the lab's identity: {0}")]
    Identity(String),

    /// A step's filled-in manifest is not one a lab may apply.
    #[error("step {} was not run: {reason}", quoted(.step))]
    Refused { step: String, reason: String },

    #[error("there is no step {} in this lab", quoted(.id))]
    UnknownStep { id: String, known: Vec<String> },

    /// One of minik's node actions (or its undo) failed on the node.
    #[error("could not {}{action} on node {node}: {reason}", if *.undo { "undo " } else { "" })]
    NodeAction {
        node: String,
        action: String,
        undo: bool,
        reason: String,
        /// The command to run by hand on the node to put it back.
        by_hand: String,
    },
    /// No cluster to tour, and none was made (no terminal to ask on, --yes, or declined).
    #[error("no cluster named {} to tour", quoted(.name))]
    NoCluster { name: String, nodes: u32 },
}

crate::error_keys!(pub TourError {
    TourError::Cluster(_) => "tour.cluster";
    TourError::StepFailed { step, title, expected, found } => "tour.step-failed",
        step = quoted(step), title = title, expected = expected, found = found;
    TourError::Restore { step, failed } => "tour.restore", step = quoted(step),
        expected = failed.first().map(|o| o.expected.as_str()).unwrap_or("?"),
        found = failed.first().map(|o| o.found.as_str()).unwrap_or("?");
    TourError::NothingToPick { selector, namespace } => "tour.nothing-to-pick", selector = selector, namespace = namespace;
    TourError::NamespaceInUse(ns) => "tour.namespace-in-use", namespace = quoted(ns), bare = ns;
    TourError::Identity(reason) => "tour.identity", reason = reason;
    TourError::Refused { step, reason } => "tour.refused", step = quoted(step), reason = reason;
    TourError::UnknownStep { id, known } => "tour.unknown-step", id = quoted(id), known = known.join(", ");
    TourError::NoCluster { name, nodes } => "tour.no-cluster", name = quoted(name), nodes = nodes,
        flag = crate::config::name_flag(name);
    TourError::NodeAction { node, action, undo, reason, by_hand } => "tour.node-action",
        node = node, action = action, undo = if *undo { "되돌리기 " } else { "" }, reason = reason,
        by_hand = by_hand;
});

impl TourError {
    pub(super) fn step_failed(step: &Step, lang: Lang, checks: Option<Vec<Outcome>>) -> Self {
        let failed = checks
            .unwrap_or_default()
            .into_iter()
            .find(|o| !o.ok)
            .unwrap_or(Outcome {
                ok: false,
                expected: super::messages::of(lang).checks_pass.into(),
                found: super::messages::of(lang).checks_did_not.into(),
            });
        TourError::StepFailed {
            step: step.id.clone(),
            title: step.title.get(lang).to_string(),
            expected: failed.expected,
            found: failed.found,
        }
    }

    /// Bad input (a step id that is not in the lab) rather than a failure on the way.
    pub fn is_bad_input(&self) -> bool {
        match self {
            TourError::Cluster(c) => c.is_bad_input(),
            e => matches!(
                e,
                TourError::UnknownStep { .. }
                    | TourError::NamespaceInUse(_)
                    | TourError::Refused { .. }
            ),
        }
    }
}

impl Hint for TourError {
    fn hint(&self) -> Option<String> {
        match self {
            TourError::Cluster(_) => None,
            TourError::StepFailed { .. } => Some(
                "look at the objects with kubectl; minik tour resumes at this step, \
                 --skip STEP passes it"
                    .into(),
            ),
            TourError::Restore { .. } => Some("start over with minik tour --restart".into()),
            TourError::NothingToPick { .. } => Some(
                "the earlier steps' pods are not Running: see kubectl get pods -A, or start over \
                 with minik tour --restart"
                    .into(),
            ),
            TourError::NamespaceInUse(ns) => Some(format!(
                "a tour never takes over a namespace it did not make: if {ns} is left from an \
                 earlier tour, delete it (kubectl delete namespace {ns}); a lab file can name \
                 another (namespace: ...)"
            )),
            TourError::Identity(_) => Some(
                "the tour runs a lab's commands as its own ServiceAccount; check the cluster \
                 with minik get nodes, or recreate it"
                    .into(),
            ),
            TourError::Refused { .. } => {
                Some("the lab file asks for more than a lab may do; tell its author".into())
            }
            TourError::NodeAction { node, by_hand, .. } => Some(format!(
                "on node {node}, run {by_hand}; the next minik tour on this cluster tries again \
                 first"
            )),
            TourError::NoCluster { name, nodes } => {
                let flag = crate::config::name_flag(name);
                Some(format!(
                    "create one for the tour first: minik create --nodes {nodes}{flag}, then \
                     minik tour{flag}"
                ))
            }
            TourError::UnknownStep { known, .. } => Some(format!(
                "the steps are: {} (minik tour --list)",
                known.join(", ")
            )),
        }
    }
}
