//! The `ssh` children alive now, by process group, so that none outlives minik. Each child runs
//! in its own group (Ctrl-C must reach only minik, which still needs its connections to undo
//! what it made), so no signal to minik's group reaches them; and killing a child by its pid
//! alone would leave anything ssh started (a ProxyCommand) running, still connecting for up to
//! ConnectTimeout. [`EndSshChildren`] ends every group left when a command is over, whether it
//! finished, failed or was stopped by a signal.

use std::collections::BTreeSet;
use std::sync::Mutex;

static LIVE: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// A child's place in the list, from its start until it is reaped (dropping this removes it).
pub(super) struct Registered(u32);

impl Registered {
    /// Record the child `pid`, the leader of its own process group.
    pub(super) fn new(pid: u32) -> Registered {
        if let Ok(mut live) = LIVE.lock() {
            live.insert(pid);
        }
        Registered(pid)
    }

    /// SIGKILL the child's whole group.
    pub(super) fn kill_group(&self) {
        kill_group(self.0);
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut live) = LIVE.lock() {
            live.remove(&self.0);
        }
    }
}

#[cfg(unix)]
fn kill_group(pid: u32) {
    use rustix::process::{kill_process_group, Pid, Signal};
    let pid = i32::try_from(pid).ok().and_then(Pid::from_raw);
    if let Some(pid) = pid {
        // Already gone is fine: nothing is left to end.
        let _ = kill_process_group(pid, Signal::KILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_: u32) {}

/// The process groups of the ssh children alive now.
pub(super) fn live() -> Vec<u32> {
    LIVE.lock()
        .map(|l| l.iter().copied().collect())
        .unwrap_or_default()
}

/// Held for the length of a command: when dropped, every ssh child still alive is killed with
/// its process group.
pub struct EndSshChildren;

impl Drop for EndSshChildren {
    fn drop(&mut self) {
        for pid in live() {
            kill_group(pid);
        }
    }
}
