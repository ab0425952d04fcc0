//! `ssh://` engines, the way the docker CLI reaches them: the system's `ssh` client runs
//! `docker system dial-stdio` on the remote machine, and its stdin/stdout carry one HTTP
//! connection to the remote engine. The user's ssh config, agent and known_hosts apply because it
//! is their own `ssh`; minik speaks no SSH itself.
//!
//! Each HTTP connection is one `ssh` child (as with the docker CLI); the HTTP client keeps idle
//! connections for reuse, so a command opens a handful, not one per request. A child never
//! outlives its connection: dropping the connection kills and reaps it, and if minik dies its
//! stdin closes, which ends the remote `dial-stdio` and so the child.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{oneshot, watch};

/// Seconds `ssh` may take to open the TCP connection (its `ConnectTimeout`), below minik's own
/// 30 s wait for the engine's first answer so that ssh's reason arrives first.
const SSH_CONNECT_TIMEOUT_SECS: u32 = 20;

/// How long a child whose connection was dropped may take to end by itself before it is killed.
const EXIT_GRACE: Duration = Duration::from_millis(500);

/// How much of a failed child's stderr is kept for the error message.
const STDERR_KEEP: usize = 4096;

/// Where to ssh to, from `ssh://[user@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl SshTarget {
    /// The `ssh` arguments, as the docker CLI builds them. `BatchMode` because several
    /// connections open at once under a progress display: a prompt (unknown host key, key
    /// passphrase without an agent) would hang or interleave, so it fails with ssh's own reason.
    pub fn args(&self) -> Vec<String> {
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
pub async fn resolved_host(target: &SshTarget) -> String {
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
pub struct SshFailure {
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stderr: String,
}

/// Why the connection failed, in the user's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshProblem {
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
    pub fn problem(&self) -> SshProblem {
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
    pub fn describe(&self, target: &SshTarget) -> String {
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

/// Opens connections by starting `ssh`; remembers how the last failed child ended.
#[derive(Clone)]
pub struct SshConnector {
    target: Arc<SshTarget>,
    last_failure: Arc<watch::Sender<Option<SshFailure>>>,
}

impl SshConnector {
    pub fn new(target: SshTarget) -> Self {
        SshConnector {
            target: Arc::new(target),
            last_failure: Arc::new(watch::Sender::new(None)),
        }
    }

    pub fn target(&self) -> &SshTarget {
        &self.target
    }

    /// How the last failed child ended, waiting up to `wait` for one to end (a connection is seen
    /// closed a moment before ssh has written its reason and exited).
    pub async fn failure(&self, wait: Duration) -> Option<SshFailure> {
        let mut rx = self.last_failure.subscribe();
        let found = tokio::time::timeout(wait, rx.wait_for(Option::is_some)).await;
        match found {
            Ok(Ok(f)) => f.clone(),
            _ => None,
        }
    }

    fn spawn(&self) -> io::Result<SshStream> {
        let mut child = Command::new("ssh")
            .args(self.target.args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: Ctrl-C in the terminal goes to minik, which still needs
            // the connections to clean up; minik ends the children itself.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()?;
        let (stdin, stdout) = match (child.stdin.take(), child.stdout.take()) {
            (Some(i), Some(o)) => (i, o),
            _ => return Err(io::Error::other("ssh started without pipes")),
        };
        let (dropped_tx, dropped_rx) = oneshot::channel();
        tokio::spawn(watch_child(child, dropped_rx, self.last_failure.clone()));
        Ok(SshStream {
            stdin: Some(TokioIo::new(stdin)),
            stdout: TokioIo::new(stdout),
            _dropped: dropped_tx,
        })
    }
}

/// Waits for the child to end (recording a failure) or for its connection to be dropped
/// (killing and reaping it).
async fn watch_child(
    mut child: Child,
    dropped: oneshot::Receiver<()>,
    last_failure: Arc<watch::Sender<Option<SshFailure>>>,
) {
    let stderr = child.stderr.take();
    let read_stderr = async move {
        let mut text = Vec::new();
        if let Some(mut s) = stderr {
            let mut buf = [0u8; 1024];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                text.extend_from_slice(&buf[..n]);
                if text.len() > STDERR_KEEP {
                    text.drain(..text.len() - STDERR_KEEP);
                }
            }
        }
        String::from_utf8_lossy(&text).into_owned()
    };
    let mut ended = Box::pin(async { tokio::join!(read_stderr, child.wait()) });
    // A connection is dropped both when it is done with (the child then ends by itself once its
    // stdin closes) and when ssh failed (the child is exiting with its reason): give it a moment.
    let outcome = tokio::select! {
        r = &mut ended => Some(r),
        _ = dropped => tokio::time::timeout(EXIT_GRACE, &mut ended).await.ok(),
    };
    drop(ended);
    match outcome {
        Some((stderr, Ok(status))) => {
            if !status.success() && !killed_by_us(&status) {
                last_failure.send_replace(Some(SshFailure {
                    code: status.code(),
                    stderr,
                }));
            }
        }
        Some((_, Err(_))) => {}
        None => {
            let _ = child.kill().await;
        }
    }
}

#[cfg(unix)]
fn killed_by_us(status: &ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(9)
}

#[cfg(not(unix))]
fn killed_by_us(_: &ExitStatus) -> bool {
    false
}

impl tower_service::Service<hyper::Uri> for SshConnector {
    type Response = SshStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let stream = self.spawn();
        Box::pin(async move { stream })
    }
}

/// One HTTP connection: the child's stdout to read, its stdin to write. Dropping it tells the
/// watcher to kill the child.
pub struct SshStream {
    /// `None` once the write half is shut down.
    stdin: Option<TokioIo<ChildStdin>>,
    stdout: TokioIo<ChildStdout>,
    _dropped: oneshot::Sender<()>,
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdout).poll_read(cx, buf)
    }
}

impl SshStream {
    fn stdin(&mut self) -> io::Result<Pin<&mut TokioIo<ChildStdin>>> {
        self.stdin
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::ErrorKind::BrokenPipe.into())
    }
}

impl hyper::rt::Write for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().stdin()?.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Closing the pipe is the half-close: ssh passes the EOF on, `dial-stdio` closes the
    /// engine socket's write side, and the engine sees the end of an exec's input (a pipe's own
    /// shutdown only flushes, and the remote command would wait for more forever).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(stdin) = this.stdin.as_mut() {
            std::task::ready!(Pin::new(stdin).poll_flush(cx))?;
        }
        this.stdin = None;
        Poll::Ready(Ok(()))
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
