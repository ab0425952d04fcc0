//! The message shown when the engine does not answer: one first line, where minik looked, and
//! the fix. Pure: it takes the resolution, the host facts and the connection error's text.

use serde::Serialize;

use super::endpoint::{EndpointKind, Resolution};
use super::host::{HostFacts, HostOs};

/// The parts of the "not reachable" message (also used by the doctor's engine row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct NotReachable {
    /// One line: "cannot reach the container engine at unix:///var/run/docker.sock: …".
    pub(crate) headline: String,
    /// Where minik looked, one line each (the rules followed, then engines found elsewhere).
    pub(crate) looked: Vec<String>,
    pub(crate) fix: String,
}

impl NotReachable {
    /// The full text: headline, indented lines, then `fix: …`.
    #[cfg(test)]
    pub(crate) fn render(&self) -> String {
        let mut out = self.headline.clone();
        for l in &self.looked {
            out.push_str("\n  ");
            out.push_str(l);
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
        "the socket does not exist".to_string()
    } else {
        error.trim().lines().next().unwrap_or("").to_string()
    };
    let headline = format!("cannot reach the container engine at {}: {detail}", ep.host);
    let mut looked: Vec<String> = resolution.trail.clone();
    looked.extend(resolution.warnings.iter().cloned());
    for c in &resolution.alternatives {
        looked.push(format!("found {} at {}", c.runtime, c.endpoint.host));
    }
    if missing && resolution.alternatives.is_empty() {
        looked.push(
            "no other engine socket found (Docker Desktop, Colima, OrbStack, Rancher \
                     Desktop, Podman, rootless Docker)"
                .to_string(),
        );
    }

    let fix = fix(resolution, host, error, cause(error, missing));
    NotReachable {
        headline,
        looked,
        fix,
    }
}

/// What to do: another engine found on this host, else advice for the way the connection failed.
fn fix(resolution: &Resolution, host: &HostFacts, error: &str, why: Cause) -> String {
    let ep = &resolution.endpoint;
    // Another engine is no answer to a socket this user may not open or a failed handshake.
    let own_fault = matches!(why, Cause::Permission | Cause::Tls);
    if let Some(first) = resolution.alternatives.first().filter(|_| !own_fault) {
        let mut fix = format!("to use {}: {}", first.runtime, first.fix);
        if resolution.alternatives.len() > 1 {
            fix.push_str(" (or another engine listed above)");
        }
        fix
    } else if let EndpointKind::Ssh { user, host, port } = &ep.kind {
        ssh_fix(&ssh_command(user.as_deref(), host, *port), error)
    } else {
        let remote = matches!(ep.kind, EndpointKind::Tcp { .. } | EndpointKind::Ssh { .. })
            && !ep.is_local();
        cause_fix(why, host, &ep.host, remote)
    }
}

/// Advice by cause and host OS for a local or plain remote endpoint.
fn cause_fix(why: Cause, host: &HostFacts, endpoint: &str, remote: bool) -> String {
    match (why, host.os) {
        (Cause::Tls, _) => format!(
            "the TLS handshake with {} failed: check DOCKER_CERT_PATH (or the context's TLS \
             files) holds this engine's ca.pem, cert.pem and key.pem, and that its \
             certificate names the host you connect to",
            endpoint
        ),
        _ if remote => format!(
            "check that the engine at {} is running and reachable from here (VPN, firewall, \
             TLS files in DOCKER_CERT_PATH), or unset DOCKER_HOST / choose another context",
            endpoint
        ),
        (Cause::Permission, HostOs::Linux) => {
            "you may not open this socket: add yourself to the docker group (sudo usermod \
             -aG docker $USER, then log out and back in, or run: newgrp docker); with \
             rootless Docker use its socket: DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock"
                .to_string()
        }
        (Cause::Permission, HostOs::Windows) => {
            "you may not open Docker Desktop's pipe: add your user to the docker-users group \
             (Computer Management → Local Users and Groups), sign out and back in"
                .to_string()
        }
        (Cause::Permission, HostOs::Macos) => {
            "you may not open this socket: restart Docker Desktop (it recreates the socket \
             for your user); if it persists, check the socket's owner with ls -l"
                .to_string()
        }
        (Cause::Refused, HostOs::Linux) if host.wsl().is_none() => {
            "the socket exists but no engine answers on it: start it with sudo systemctl \
             start docker (rootless Docker: systemctl --user start docker)"
                .to_string()
        }
        (Cause::Permission, _) => {
            "restart the engine; if it persists, check the socket's owner and permissions"
                .to_string()
        }
        (Cause::Timeout, _) => {
            "the engine did not answer in time: Docker Desktop may be starting or in Resource \
             Saver mode; wait a moment and retry, or restart it"
                .to_string()
        }
        (_, HostOs::Macos) => {
            "start your engine: open Docker Desktop (or run colima start, or open OrbStack or \
             Rancher Desktop) and wait until it is running"
                .to_string()
        }
        (_, HostOs::Windows) => {
            "start Docker Desktop and wait until it says \"Engine running\" (in Linux \
             containers mode)"
                .to_string()
        }
        _ if host.wsl().is_some() => {
            "start Docker Desktop on Windows and enable Settings → Resources → WSL integration \
             for this distro, or start Docker Engine here: sudo service docker start"
                .to_string()
        }
        _ => "start the engine: sudo systemctl start docker (rootless Docker: systemctl \
              --user start docker)"
            .to_string(),
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
fn ssh_fix(ssh: &str, error: &str) -> String {
    if error.contains("ssh authentication") {
        format!(
            "make `{ssh} docker version` work without a prompt: your key in ssh-agent \
             (ssh-add) or IdentityFile in ~/.ssh/config, and the host key in known_hosts (connect \
             once with ssh to accept it)"
        )
    } else if error.contains("has no docker command") {
        "install Docker on that machine, or put `docker` on the PATH of a non-interactive ssh \
         session there (check with `ssh HOST docker version`)"
            .to_string()
    } else if error.contains("ssh could not connect") {
        "check the host name and port (and your ~/.ssh/config for it), and that an ssh server \
         runs there and is reachable from here"
            .to_string()
    } else if error.contains("ssh client is not installed") {
        "install the OpenSSH client (ssh), which minik runs to reach ssh:// engines".to_string()
    } else {
        format!("check that Docker runs on that machine and that `{ssh} docker version` works")
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
