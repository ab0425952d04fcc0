//! Which namespace is the tour's to delete: only one it labelled `minik.dev/tour=<lab id>`, as
//! soon as the lab's step made it. A namespace that was there before (someone else's, or named
//! by a lab that replaced another since the progress was saved) is refused at the start and
//! never deleted. The same label pass puts the namespace under Pod Security `baseline`, so the
//! API server itself refuses privileged and host-access pods there.

use std::sync::atomic::Ordering;

use serde_json::Value;

use super::run::Tour;
use super::TourError;
use crate::cluster::ClusterError;

/// Marks a namespace as made by the tour of a lab (the value is the lab's id).
pub(super) const OWNER_LABEL: &str = "minik.dev/tour";
/// The Pod Security admission level enforced in the tour's namespace.
pub(super) const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

/// What the cluster holds under the lab's namespace name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Namespace {
    Absent,
    /// Labelled by a tour of this lab.
    Ours,
    /// No tour label: made during this run (then it is the tour's), or someone else's.
    Unlabelled,
    /// Labelled by a tour of another lab.
    OtherTour(String),
}

impl Tour<'_> {
    pub(super) async fn namespace_state(&self) -> Result<Namespace, ClusterError> {
        let args = [
            "get",
            "namespace",
            &self.lab.namespace,
            "-o",
            "json",
            "--ignore-not-found",
        ]
        .map(String::from);
        let out = self.access.kubectl(&args, None).await?;
        if out.exit_code != 0 || out.stdout_text().trim().is_empty() {
            return Ok(Namespace::Absent);
        }
        let ns: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        Ok(match ns["metadata"]["labels"][OWNER_LABEL].as_str() {
            Some(id) if id == self.lab.id => Namespace::Ours,
            Some(id) => Namespace::OtherTour(id.to_string()),
            None => Namespace::Unlabelled,
        })
    }

    /// At the start: the namespace must be absent or the tour's own.
    pub(super) async fn check_namespace(&self) -> Result<(), TourError> {
        match self.namespace_state().await? {
            Namespace::Absent | Namespace::Ours => Ok(()),
            _ => Err(TourError::NamespaceInUse(self.lab.namespace.clone())),
        }
    }

    /// Labels the namespace as the tour's (and for Pod Security `baseline`) once a step made it;
    /// called after every step, so the label is there before the next step runs.
    pub(super) async fn claim_namespace(&self) -> Result<Namespace, ClusterError> {
        let state = self.namespace_state().await?;
        if state != Namespace::Unlabelled || !self.owns_namespace() {
            return Ok(state);
        }
        let args = [
            "label".to_string(),
            "namespace".into(),
            self.lab.namespace.clone(),
            format!("{OWNER_LABEL}={}", self.lab.id),
            format!("{ENFORCE_LABEL}=baseline"),
            "--overwrite".into(),
        ];
        let out = self.access.kubectl(&args, None).await?;
        if out.exit_code != 0 {
            self.events.warn(
                self.m()
                    .namespace_not_labelled
                    .replace("{namespace}", &self.lab.namespace)
                    .replace("{error}", out.combined().trim()),
            );
            return Ok(state);
        }
        Ok(Namespace::Ours)
    }

    /// After a step: claims the namespace, and grants the lab's identity its namespace the
    /// first time it is the tour's (again after it was made anew).
    pub(super) async fn after_step(&self) -> Result<(), TourError> {
        let state = self.claim_namespace().await?;
        let granted = self.granted.load(Ordering::SeqCst);
        if state == Namespace::Ours && !granted {
            self.grant_namespace().await?;
        }
        self.granted
            .store(state == Namespace::Ours, Ordering::SeqCst);
        Ok(())
    }
}
