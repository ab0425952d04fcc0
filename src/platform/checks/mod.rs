//! `minik doctor`: one row per platform requirement, each with what was found, why it matters and
//! the fix. Pure: rows are computed from [`Environment`] and the request.
//!
//! Rows, in order: engine, os-type, arch, memory, cpus, cgroup, rootless, userns, storage,
//! inotify, wsl-kernel (only when WSL is involved), proxy, privileged. [`workshop`] picks and adds
//! the rows a workshop attendee reads out.

mod advice;
mod engine;
mod kernel;
pub(crate) mod kubectl;
pub(crate) mod ports;
mod resources;
pub(crate) mod workshop;

pub(crate) use advice::most_nodes;

use serde::Serialize;

use crate::i18n::Msg;

use super::adjust::Request;
use super::endpoint::Resolution;
use super::environment::Environment;
use super::host::HostFacts;
use super::unreachable::not_reachable;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    /// `✓`, `!`, `✗`.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Status::Ok => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Check {
    /// Stable id for scripts: `engine`, `memory`, `inotify`, ...
    pub(crate) id: &'static str,
    pub(crate) title: String,
    pub(crate) status: Status,
    /// What was found, with the numbers.
    pub(crate) found: Msg,
    /// Why it matters.
    pub(crate) why: Msg,
    /// What to do (for Warn/Fail; sometimes a hint for Ok).
    pub(crate) fix: Option<Msg>,
}

/// Every check id a row can have: each has a title in every language (`i18n`'s doctor
/// catalog), and a row with another id fails the tests that make it.
#[cfg(test)]
pub(crate) const CHECK_IDS: &[&str] = &[
    "engine",
    "os-type",
    "arch",
    "memory",
    "cpus",
    "cgroup",
    "rootless",
    "userns",
    "storage",
    "inotify",
    "wsl-kernel",
    "proxy",
    "privileged",
    "kubectl",
    "disk",
    "ports",
    "vpn-dns",
    "bundle-arch",
];

pub(crate) fn row(
    id: &'static str,
    title: &str,
    status: Status,
    found: impl Into<Msg>,
    why: impl Into<Msg>,
    fix: Option<Msg>,
) -> Check {
    #[cfg(test)]
    assert!(CHECK_IDS.contains(&id), "check id {id} is not in CHECK_IDS");
    Check {
        id,
        title: title.to_string(),
        status,
        found: found.into(),
        why: why.into(),
        fix,
    }
}

/// Every check for a reachable engine.
pub(crate) fn checks(env: &Environment, request: &Request) -> Vec<Check> {
    let mut out = vec![
        engine::engine(env),
        engine::os_type(env),
        engine::arch(env),
        resources::memory(env, request.nodes),
        resources::cpus(env, request.nodes),
        kernel::cgroup(env),
        kernel::rootless(env),
        engine::userns(env),
        engine::storage(env),
        resources::inotify(env, request.nodes),
    ];
    out.extend(kernel::wsl_kernel(env));
    out.push(engine::proxy(env));
    out.push(engine::privileged(env));
    out
}

/// The rows when the engine did not answer: the engine row fails with the "not reachable" text.
pub(crate) fn checks_unreachable(
    resolution: &Resolution,
    host: &HostFacts,
    error: &str,
) -> Vec<Check> {
    let n = not_reachable(resolution, host, error);
    let mut out = vec![row(
        "engine",
        "Engine reachable",
        Status::Fail,
        n.headline,
        joined(n.looked),
        Some(n.fix),
    )];
    out.extend(kernel::host_wsl_kernel(host));
    out
}

/// Lines one after another, as one.
fn joined(lines: Vec<Msg>) -> Msg {
    let mut lines = lines.into_iter().rev();
    let last = lines.next().unwrap_or_else(|| Msg::verbatim(""));
    lines.fold(
        last,
        |rest, first| crate::msg!(crate::i18n::Key::Then; first => first, rest => rest),
    )
}

/// Whether any check failed (so `create` must not go on).
pub(crate) fn is_blocking(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == Status::Fail)
}

/// `3.8 GiB`.
pub(crate) fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// An ok row and a failed one, for tests of the rows and of their rendering.
#[cfg(test)]
pub(crate) fn sample_rows() -> Vec<Check> {
    vec![
        row("engine", "Engine", Status::Ok, "Docker 27", "needed", None),
        row(
            "memory",
            "Memory",
            Status::Fail,
            "1.9 GiB",
            "too small",
            Some("raise it".into()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_row_blocks_and_serialises_its_status() {
        let rows = sample_rows();
        assert!(is_blocking(&rows));
        assert!(!is_blocking(&rows[..1]));
        let json = serde_json::to_value(&rows[1]).unwrap_or_default();
        assert_eq!(json["status"], "fail");
        assert_eq!(json["id"], "memory");
    }
}
