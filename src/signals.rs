//! The signals that end minik early: Ctrl-C (SIGINT), a closed terminal (SIGHUP), `kill` or a
//! cancelled CI job (SIGTERM), and Ctrl-Break on Windows. All of them mean the same thing: stop,
//! undo what was half made, and exit with 128 + the signal's number.
//!
//! [`install`] takes the signals over for the whole run (so none of them kills minik halfway
//! through its cleanup); commands wait for the first one with [`interrupted`]. A repeated signal
//! only reports that cleanup is under way.

use std::sync::OnceLock;

use tokio::sync::watch;

use crate::events::Events;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C (SIGINT; on Windows also Ctrl-Break and closing the console).
    Interrupt,
    /// SIGTERM.
    Terminate,
    /// SIGHUP.
    Hangup,
}

impl Signal {
    /// The shell's convention: 128 + the signal number.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
            Signal::Hangup => 129,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "Ctrl-C",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
        }
    }
}

static FIRST: OnceLock<watch::Sender<Option<Signal>>> = OnceLock::new();

fn channel() -> &'static watch::Sender<Option<Signal>> {
    FIRST.get_or_init(|| watch::channel(None).0)
}

/// Takes over the signals (inside the runtime). Later signals are reported on `events`.
pub(crate) fn install(events: Events) -> std::io::Result<()> {
    let mut incoming = listen()?;
    tokio::spawn(async move {
        while let Some(signal) = incoming.recv().await {
            let first = channel();
            if first.borrow().is_none() {
                first.send_replace(Some(signal));
            } else {
                events.warn(format!(
                    "{} received: cleanup is in progress, minik exits when it is done",
                    signal.name()
                ));
            }
        }
    });
    Ok(())
}

/// Resolves with the first signal received (at once if one already was).
pub(crate) async fn interrupted() -> Signal {
    let mut rx = channel().subscribe();
    loop {
        if let Some(s) = *rx.borrow_and_update() {
            return s;
        }
        if rx.changed().await.is_err() {
            // The sender lives in a static: never dropped.
            std::future::pending::<()>().await;
        }
    }
}

/// A signal ended the work before it finished: exit 128 + the signal's number. The one
/// cancellation type: every error that can carry it wraps it, and the exit code finds it in
/// the `source()` chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted by {}", .0.name())]
pub struct Cancelled(pub Signal);

crate::error_keys!(pub Cancelled {
    Cancelled(s) => "cancelled", signal = s.name();
});

/// `work`'s output, or [`Cancelled`] when a signal comes first (at once if one already came).
pub(crate) async fn cancellable<T>(
    work: impl std::future::Future<Output = T>,
) -> Result<T, Cancelled> {
    cancellable_until(interrupted(), work).await
}

/// [`cancellable`], ended by `stop` instead of a signal (tests stand in for the signal).
pub(crate) async fn cancellable_until<T>(
    stop: impl std::future::Future<Output = Signal>,
    work: impl std::future::Future<Output = T>,
) -> Result<T, Cancelled> {
    tokio::select! {
        biased;
        s = stop => Err(Cancelled(s)),
        r = work => Ok(r),
    }
}

#[cfg(unix)]
fn listen() -> std::io::Result<tokio::sync::mpsc::UnboundedReceiver<Signal>> {
    use tokio::signal::unix::{signal, SignalKind};
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    for (kind, sig) in [
        (SignalKind::interrupt(), Signal::Interrupt),
        (SignalKind::terminate(), Signal::Terminate),
        (SignalKind::hangup(), Signal::Hangup),
    ] {
        let mut stream = signal(kind)?;
        let tx = tx.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send(sig).is_err() {
                    break;
                }
            }
        });
    }
    Ok(rx)
}

#[cfg(windows)]
fn listen() -> std::io::Result<tokio::sync::mpsc::UnboundedReceiver<Signal>> {
    use tokio::signal::windows;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut c = windows::ctrl_c()?;
    let mut b = windows::ctrl_break()?;
    let mut close = windows::ctrl_close()?;
    tokio::spawn(async move {
        loop {
            let sig = tokio::select! {
                _ = c.recv() => Signal::Interrupt,
                _ = b.recv() => Signal::Interrupt,
                _ = close.recv() => Signal::Hangup,
            };
            if tx.send(sig).is_err() {
                break;
            }
        }
    });
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_shell() {
        assert_eq!(Signal::Interrupt.exit_code(), 128 + 2);
        assert_eq!(Signal::Hangup.exit_code(), 128 + 1);
        assert_eq!(Signal::Terminate.exit_code(), 128 + 15);
    }
}
