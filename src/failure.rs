//! Failures on the way that belong to no library error class (exit 1): a prompt that could not
//! run, a file that could not be written, kubectl's own exit status, a doctor's verdict. Each
//! variant carries its values, its hint and a stable message key ([`Failure::key`]).

use std::path::PathBuf;

use crate::hint::Hint;

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The terminal went away while asking; `fallback` is how to answer without asking.
    #[error("could not ask on the terminal: {reason}")]
    Prompt {
        reason: String,
        fallback: crate::i18n::Msg,
    },

    /// `minik init` could not write its config file.
    #[error("could not write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },

    /// `minik doctor --workshop --report`: the report file could not be written.
    #[error("cannot write the report to {}: {reason}", path.display())]
    Report { path: PathBuf, reason: String },

    #[error("could not encode JSON: {reason}")]
    Json { reason: String },

    /// kubectl ran and failed; its own message was passed through.
    #[error("kubectl exited with status {code} (its message is above)")]
    KubectlExit { code: i64 },

    #[error("could not take over the signals: {reason}")]
    Signals { reason: String },

    /// `minik get cluster-config`: the cluster keeps no configuration.
    #[error("cluster {} has no stored configuration", crate::text::quoted(.cluster))]
    NoStoredConfig { cluster: String },

    /// `minik doctor` found blocking problems.
    #[error("{} check(s) failed: {}", failed.len(), failed.join(", "))]
    ChecksFailed { failed: Vec<String> },

    /// `minik doctor --workshop` found this laptop not ready.
    #[error("this laptop is not ready for the workshop")]
    WorkshopNotReady,
}

crate::error_keys!(pub Failure {
    Failure::Prompt { reason, fallback } => "failure.prompt", reason = reason,
        fallback = fallback.in_lang(crate::i18n::Lang::Ko);
    Failure::Write { path, reason } => "failure.write", path = path.display(), reason = reason;
    Failure::Report { path, reason } => "failure.report", path = path.display(), reason = reason;
    Failure::Json { reason } => "failure.json", reason = reason;
    Failure::KubectlExit { code } => "failure.kubectl-exit", code = code;
    Failure::Signals { reason } => "failure.signals", reason = reason;
    Failure::NoStoredConfig { cluster } => "failure.no-stored-config", cluster = crate::text::quoted(cluster);
    Failure::ChecksFailed { failed } => "failure.checks-failed", count = failed.len(), failed = failed.join(", ");
    Failure::WorkshopNotReady => "failure.workshop-not-ready";
});

impl Hint for Failure {
    fn hint(&self) -> Option<String> {
        Some(match self {
            Failure::Prompt { fallback, .. } => fallback.to_string(),
            Failure::Write { .. } => "choose a folder you can write to with -o".into(),
            Failure::Report { .. } => "choose another file with --report".into(),
            Failure::NoStoredConfig { .. } => "it was made by an older minik, or its create did \
                 not finish (see `minik get clusters`)"
                .into(),
            Failure::ChecksFailed { .. } => "each failed row above says how to fix it".into(),
            Failure::WorkshopNotReady => "fix each FAIL item as its fix line says, then run \
                 `minik doctor --workshop` again"
                .into(),
            Failure::Json { .. } | Failure::KubectlExit { .. } | Failure::Signals { .. } => {
                return None
            }
        })
    }
}
