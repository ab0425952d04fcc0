//! `ssh://` engines, the way the docker CLI reaches them: the system's `ssh` client runs
//! `docker system dial-stdio` on the remote machine, and its stdin/stdout carry one HTTP
//! connection to the remote engine. The user's ssh config, agent and known_hosts apply because it
//! is their own `ssh`; minik speaks no SSH itself.
//!
//! Each HTTP connection is one `ssh` child (as with the docker CLI); the HTTP client keeps idle
//! connections for reuse, so a command opens a handful, not one per request. A child never
//! outlives its connection: dropping the connection kills and reaps it (with its process
//! group); one left when a command ends, signal or not, is killed then ([`EndSshChildren`]);
//! and if minik dies its stdin closes, which ends the remote `dial-stdio` and so the child.

mod children;
mod connector;

pub use children::EndSshChildren;
pub(crate) use connector::SshConnector;

use std::process::Stdio;

use tokio::process::Command;

/// Seconds `ssh` may take to open the TCP connection (its `ConnectTimeout`), below minik's own
/// 30 s wait for the engine's first answer so that ssh's reason arrives first.
const SSH_CONNECT_TIMEOUT_SECS: u32 = 20;

/// Where to ssh to, from `ssh://[user@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SshTarget {
    pub(crate) user: Option<String>,
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
}

impl SshTarget {
    /// The `ssh` arguments, as the docker CLI builds them. `BatchMode` because several
    /// connections open at once under a progress display: a prompt (unknown host key, key
    /// passphrase without an agent) would hang or interleave, so it fails with ssh's own reason.
    pub(crate) fn args(&self) -> Vec<String> {
        let mut args: Vec<String> = [
            "-o",
            "BatchMode=yes",
            "-o",
            &format!("ConnectTimeout={SSH_CONNECT_TIMEOUT_SECS}"),
            "-T",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(user) = &self.user {
            args.extend(["-l".to_string(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        args.extend(
            ["--", &self.host, "docker", "system", "dial-stdio"]
                .iter()
                .map(|s| s.to_string()),
        );
        args
    }
}

/// The name ssh really connects to: `HostName` from the user's ssh config when `host` is an
/// alias (`ssh -G` evaluates the config without connecting), else `host` itself.
pub(crate) async fn resolved_host(target: &SshTarget) -> String {
    let mut cmd = Command::new("ssh");
    cmd.arg("-G").kill_on_drop(true).stdin(Stdio::null());
    if let Some(port) = target.port {
        cmd.args(["-p", &port.to_string()]);
    }
    cmd.args(["--", &target.host]);
    match cmd.output().await {
        Ok(o) if o.status.success() => {
            hostname_of(&String::from_utf8_lossy(&o.stdout)).unwrap_or_else(|| target.host.clone())
        }
        _ => target.host.clone(),
    }
}

/// The `hostname` line of `ssh -G` output.
fn hostname_of(config: &str) -> Option<String> {
    config
        .lines()
        .find_map(|l| l.strip_prefix("hostname "))
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

/// How an `ssh` child ended when it ended badly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SshFailure {
    /// `None` when killed by a signal.
    pub(crate) code: Option<i32>,
    pub(crate) stderr: String,
}

/// Why the connection failed, in the user's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SshProblem {
    /// The host did not answer (DNS, refused, timed out, no route).
    Unreachable,
    /// The host answered but would not let us in (key, host key).
    Authentication,
    /// Logged in, but there is no `docker` command there.
    NoDocker,
    /// `docker` is there but its engine does not answer (or something else).
    Other,
}

impl SshFailure {
    /// ssh exits 255 for its own errors (connection, authentication); otherwise the status is the
    /// remote command's, 127 meaning "command not found".
    pub(crate) fn problem(&self) -> SshProblem {
        let err = self.stderr.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| err.contains(w));
        if self.code == Some(127) || has(&["command not found", "docker: not found"]) {
            return SshProblem::NoDocker;
        }
        if self.code != Some(255) {
            return SshProblem::Other;
        }
        if has(&[
            "permission denied",
            "host key verification failed",
            "too many authentication failures",
            "no supported authentication methods",
            "remote host identification has changed",
        ]) {
            SshProblem::Authentication
        } else {
            SshProblem::Unreachable
        }
    }

    /// One line: what failed, with ssh's own last words.
    pub(crate) fn describe(&self, target: &SshTarget) -> String {
        let who = match &target.user {
            Some(u) => format!("{u}@{}", target.host),
            None => target.host.clone(),
        };
        let said = self
            .stderr
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
            .unwrap_or("");
        let status = match self.code {
            Some(c) => format!("exit status {c}"),
            None => "killed".to_string(),
        };
        let what = match self.problem() {
            SshProblem::Unreachable => format!("ssh could not connect to {who}"),
            SshProblem::Authentication => format!("ssh authentication to {who} failed"),
            SshProblem::NoDocker => format!("{who} has no docker command"),
            SshProblem::Other => format!("`docker system dial-stdio` failed on {who}"),
        };
        if said.is_empty() {
            format!("{what} ({status})")
        } else {
            format!("{what}: {said}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32, stderr: &str) -> SshFailure {
        SshFailure {
            code: Some(code),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn builds_the_docker_cli_command() {
        let t = SshTarget {
            user: Some("root".into()),
            host: "box".into(),
            port: Some(2222),
        };
        let args = t.args().join(" ");
        assert!(
            args.ends_with("-l root -p 2222 -- box docker system dial-stdio"),
            "{args}"
        );
        assert!(args.contains("BatchMode=yes"), "{args}");
    }

    #[test]
    fn reads_the_resolved_hostname() {
        let g = "user root\nhostname 10.0.0.5\nport 22\n";
        assert_eq!(hostname_of(g).as_deref(), Some("10.0.0.5"));
        assert_eq!(hostname_of("user root\n"), None);
    }

    #[test]
    fn classifies_ssh_failures() {
        let cases = [
            (
                failure(255, "root@127.0.0.1: Permission denied (publickey)."),
                SshProblem::Authentication,
            ),
            (
                failure(255, "Host key verification failed."),
                SshProblem::Authentication,
            ),
            (
                failure(
                    255,
                    "ssh: connect to host 127.0.0.1 port 1: Connection refused",
                ),
                SshProblem::Unreachable,
            ),
            (
                failure(
                    255,
                    "ssh: Could not resolve hostname nope: Name or service not known",
                ),
                SshProblem::Unreachable,
            ),
            (
                failure(127, "sh: 1: docker: not found"),
                SshProblem::NoDocker,
            ),
            (
                failure(127, "bash: line 1: docker: command not found"),
                SshProblem::NoDocker,
            ),
            (
                failure(
                    1,
                    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock",
                ),
                SshProblem::Other,
            ),
        ];
        for (f, want) in cases {
            assert_eq!(f.problem(), want, "{f:?}");
        }
    }

    #[test]
    fn describes_with_ssh_last_words() {
        let t = SshTarget {
            user: Some("root".into()),
            host: "10.0.0.5".into(),
            port: None,
        };
        let f = failure(
            255,
            "Warning: Permanently added '10.0.0.5' (ED25519) to the list of known hosts.\r\nroot@10.0.0.5: Permission denied (publickey).\n",
        );
        assert_eq!(
            f.describe(&t),
            "ssh authentication to root@10.0.0.5 failed: root@10.0.0.5: Permission denied (publickey)."
        );
    }
}
