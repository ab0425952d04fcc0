//! The message shown when the engine does not answer: one first line, where minik looked, and
//! the fix. Pure: it takes the resolution, the host facts and the connection error's text.

use serde::Serialize;

use super::endpoint::{EndpointKind, Resolution};
use super::host::{HostFacts, HostOs};
use crate::i18n::{Key, Msg};
use crate::msg;

/// The parts of the "not reachable" message (also used by the doctor's engine row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct NotReachable {
    /// One line: "cannot reach the container engine at unix:///var/run/docker.sock: …".
    pub(crate) headline: Msg,
    /// Where minik looked, one line each (the rules followed, then engines found elsewhere).
    pub(crate) looked: Vec<Msg>,
    pub(crate) fix: Msg,
}

impl NotReachable {
    /// The full text: headline, indented lines, then `fix: …`.
    #[cfg(test)]
    pub(crate) fn render(&self) -> String {
        let mut out = self.headline.to_string();
        for l in &self.looked {
            out.push_str("\n  ");
            out.push_str(l.as_str());
        }
        out.push_str("\n  fix: ");
        out.push_str(&self.fix);
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    Permission,
    Missing,
    Refused,
    Timeout,
    Tls,
    Other,
}

fn cause(error: &str, missing_socket: bool) -> Cause {
    let e = error.to_ascii_lowercase();
    if e.contains("permission denied") || e.contains("access is denied") {
        Cause::Permission
    } else if missing_socket
        || e.contains("no such file")
        || e.contains("cannot find the file")
        || e.contains("not found")
    {
        Cause::Missing
    } else if e.contains("certificate") || e.contains("tls") || e.contains("ssl") {
        Cause::Tls
    } else if e.contains("refused") {
        Cause::Refused
    } else if e.contains("timed out") || e.contains("timeout") || e.contains("deadline") {
        Cause::Timeout
    } else {
        Cause::Other
    }
}

/// Builds the message. `error` is the connection error's text (e.g. from the Docker client).
pub(crate) fn not_reachable(
    resolution: &Resolution,
    host: &HostFacts,
    error: &str,
) -> NotReachable {
    let ep = &resolution.endpoint;
    let missing = resolution.endpoint_missing(host);
    let detail = if missing {
        msg!(Key::UnreachableNoSocket)
    } else {
        Msg::verbatim(error.trim().lines().next().unwrap_or(""))
    };
    let headline = msg!(Key::UnreachableHeadline, host = ep.host; detail => detail);
    let mut looked: Vec<Msg> = resolution.trail.clone();
    looked.extend(resolution.warnings.iter().cloned().map(Msg::verbatim));
    for c in &resolution.alternatives {
        looked.push(msg!(
            Key::LookedFound,
            runtime = c.runtime,
            host = c.endpoint.host
        ));
    }
    if missing && resolution.alternatives.is_empty() {
        looked.push(msg!(Key::LookedNoOtherSocket));
    }

    let fix = fix(resolution, host, error, cause(error, missing));
    NotReachable {
        headline,
        looked,
        fix,
    }
}

/// What to do: another engine found on this host, else advice for the way the connection failed.
fn fix(resolution: &Resolution, host: &HostFacts, error: &str, why: Cause) -> Msg {
    let ep = &resolution.endpoint;
    // Another engine is no answer to a socket this user may not open or a failed handshake.
    let own_fault = matches!(why, Cause::Permission | Cause::Tls);
    if let Some(first) = resolution.alternatives.first().filter(|_| !own_fault) {
        let key = if resolution.alternatives.len() > 1 {
            Key::UnreachableUseOneOf
        } else {
            Key::UnreachableUse
        };
        msg!(key, runtime = first.runtime, fix = first.fix)
    } else if let EndpointKind::Ssh { user, host, port } = &ep.kind {
        ssh_fix(&ssh_command(user.as_deref(), host, *port), error)
    } else {
        let remote = matches!(ep.kind, EndpointKind::Tcp { .. } | EndpointKind::Ssh { .. })
            && !ep.is_local();
        cause_fix(why, host, &ep.host, remote)
    }
}

/// Advice by cause and host OS for a local or plain remote endpoint.
fn cause_fix(why: Cause, host: &HostFacts, endpoint: &str, remote: bool) -> Msg {
    match (why, host.os) {
        (Cause::Tls, _) => msg!(Key::UnreachableTls, endpoint = endpoint),
        _ if remote => msg!(Key::UnreachableRemote, endpoint = endpoint),
        (Cause::Permission, HostOs::Linux) => msg!(Key::UnreachablePermissionLinux),
        (Cause::Permission, HostOs::Windows) => msg!(Key::UnreachablePermissionWindows),
        (Cause::Permission, HostOs::Macos) => msg!(Key::UnreachablePermissionMacos),
        (Cause::Refused, HostOs::Linux) if host.wsl().is_none() => {
            msg!(Key::UnreachableRefusedLinux)
        }
        (Cause::Permission, _) => msg!(Key::UnreachablePermission),
        (Cause::Timeout, _) => msg!(Key::UnreachableTimeout),
        (_, HostOs::Macos) => msg!(Key::UnreachableStartMacos),
        (_, HostOs::Windows) => msg!(Key::UnreachableStartWindows),
        _ if host.wsl().is_some() => msg!(Key::UnreachableStartWsl),
        _ => msg!(Key::UnreachableStartLinux),
    }
}

/// `ssh [-p PORT] [USER@]HOST`, as the user would type it to try the engine's machine (ssh takes
/// the port as a flag, never as `host:port`).
fn ssh_command(user: Option<&str>, host: &str, port: Option<u16>) -> String {
    let mut cmd = "ssh ".to_string();
    if let Some(p) = port {
        cmd.push_str(&format!("-p {p} "));
    }
    if let Some(u) = user {
        cmd.push_str(&format!("{u}@"));
    }
    cmd.push_str(host);
    cmd
}

/// The fix for an `ssh://` engine, from the provider's reason (which names what failed);
/// `ssh` is the [`ssh_command`] that reaches its machine.
fn ssh_fix(ssh: &str, error: &str) -> Msg {
    if error.contains("ssh authentication") {
        msg!(Key::SshAuthentication, ssh = ssh)
    } else if error.contains("has no docker command") {
        msg!(Key::SshNoDocker)
    } else if error.contains("ssh could not connect") {
        msg!(Key::SshCouldNotConnect)
    } else if error.contains("ssh client is not installed") {
        msg!(Key::SshNoClient)
    } else {
        msg!(Key::SshCheck, ssh = ssh)
    }
}

/// [`not_reachable`] rendered as one text block.
#[cfg(test)]
pub(crate) fn not_reachable_message(
    resolution: &Resolution,
    host: &HostFacts,
    error: &str,
) -> String {
    not_reachable(resolution, host, error).render()
}
