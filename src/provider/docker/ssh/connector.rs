//! The connections themselves: one `ssh` child each, its pipes as the HTTP stream, a watcher
//! that records how a failed child ended and kills a child whose connection was dropped, and a
//! cap on handshakes under way.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{oneshot, watch, OwnedSemaphorePermit, Semaphore};

use super::children::Registered;
use super::{SshFailure, SshTarget};

/// ssh handshakes under way at once, well below sshd's default `MaxStartups` of 10.
const MAX_HANDSHAKES: usize = 4;

/// The longest a connection counts as handshaking.
const HANDSHAKE_HOLD: Duration = Duration::from_secs(10);

/// How long a child whose connection was dropped may take to end by itself before it is killed.
const EXIT_GRACE: Duration = Duration::from_millis(500);

/// How much of a failed child's stderr is kept for the error message.
const STDERR_KEEP: usize = 4096;

/// Opens connections by starting `ssh`; remembers how the last failed child ended.
#[derive(Clone)]
pub(crate) struct SshConnector {
    target: Arc<SshTarget>,
    last_failure: Arc<watch::Sender<Option<SshFailure>>>,
    /// Connections still in their handshake. sshd's default `MaxStartups 10:30:100` drops new
    /// connections at random once ten are unauthenticated, and minik opens many at once (an
    /// inspect per node, an exec per node), so only a few handshake at a time.
    handshakes: Arc<Semaphore>,
}

impl SshConnector {
    pub(crate) fn new(target: SshTarget) -> Self {
        SshConnector {
            target: Arc::new(target),
            last_failure: Arc::new(watch::Sender::new(None)),
            handshakes: Arc::new(Semaphore::new(MAX_HANDSHAKES)),
        }
    }

    pub(crate) fn target(&self) -> &SshTarget {
        &self.target
    }

    /// How the last failed child ended, waiting up to `wait` for one to end (a connection is seen
    /// closed a moment before ssh has written its reason and exited).
    pub(crate) async fn failure(&self, wait: Duration) -> Option<SshFailure> {
        let mut rx = self.last_failure.subscribe();
        let found = tokio::time::timeout(wait, rx.wait_for(Option::is_some)).await;
        match found {
            Ok(Ok(f)) => f.clone(),
            _ => None,
        }
    }

    fn spawn(&self, handshake: OwnedSemaphorePermit) -> io::Result<SshStream> {
        let mut command = Command::new("ssh");
        command
            .args(self.target.args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Its own process group: Ctrl-C in the terminal goes to minik, which still needs the
        // connections to clean up; minik ends the children itself.
        #[cfg(unix)]
        command.process_group(0);
        let mut child = command.spawn()?;
        let registered = child.id().map(Registered::new);
        let (stdin, stdout) = match (child.stdin.take(), child.stdout.take()) {
            (Some(i), Some(o)) => (i, o),
            _ => return Err(io::Error::other("ssh started without pipes")),
        };
        let (dropped_tx, dropped_rx) = oneshot::channel();
        tokio::spawn(watch_child(
            child,
            registered,
            dropped_rx,
            self.last_failure.clone(),
        ));
        // The handshake is over once the engine's first bytes come back (or, for a request the
        // engine answers late, after a while: the permit must not wait on it).
        let handshake = Arc::new(Mutex::new(Some(handshake)));
        let held = Arc::clone(&handshake);
        tokio::spawn(async move {
            tokio::time::sleep(HANDSHAKE_HOLD).await;
            release(&held);
        });
        Ok(SshStream {
            stdin: Some(TokioIo::new(stdin)),
            stdout: TokioIo::new(stdout),
            handshake,
            _dropped: dropped_tx,
        })
    }
}

/// Waits for the child to end (recording a failure) or for its connection to be dropped
/// (killing it with its process group, and reaping it). `registered` is given up once the child
/// is reaped.
async fn watch_child(
    mut child: Child,
    registered: Option<Registered>,
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
            if let Some(r) = &registered {
                r.kill_group();
            }
            let _ = child.kill().await;
        }
    }
    drop(registered);
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
        let connector = self.clone();
        Box::pin(async move {
            let permit = Arc::clone(&connector.handshakes)
                .acquire_owned()
                .await
                .map_err(io::Error::other)?;
            connector.spawn(permit)
        })
    }
}

/// One HTTP connection: the child's stdout to read, its stdin to write. Dropping it tells the
/// watcher to kill the child.
pub(crate) struct SshStream {
    /// `None` once the write half is shut down.
    stdin: Option<TokioIo<ChildStdin>>,
    stdout: TokioIo<ChildStdout>,
    /// Held until the handshake is over (see [`SshConnector::handshakes`]).
    handshake: Arc<Mutex<Option<OwnedSemaphorePermit>>>,
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
        let this = self.get_mut();
        let read = Pin::new(&mut this.stdout).poll_read(cx, buf);
        if matches!(read, Poll::Ready(_)) {
            release(&this.handshake);
        }
        read
    }
}

impl Drop for SshStream {
    fn drop(&mut self) {
        release(&self.handshake);
    }
}

/// Ends a connection's handshake (once).
fn release(handshake: &Mutex<Option<OwnedSemaphorePermit>>) {
    if let Ok(mut permit) = handshake.lock() {
        permit.take();
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
