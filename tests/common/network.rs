//! The `minik` network's addresses are shared by every test that starts a node: Docker hands a
//! freed address to whichever container starts next. A test that needs an address to stay
//! free between two steps (the stop/start test takes its stopped control plane's address with
//! a stranger) runs alone; every other test holds a share while its nodes may start.
//!
//! A share taken while the same thread already holds one never waits (a test may make two
//! fixtures), so a waiting exclusive test cannot deadlock with a test that is half set up.

use std::cell::Cell;
use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Default)]
struct State {
    shared: usize,
    exclusive: bool,
    exclusive_waiting: usize,
}

static STATE: Mutex<State> = Mutex::new(State {
    shared: 0,
    exclusive: false,
    exclusive_waiting: 0,
});
static CHANGED: Condvar = Condvar::new();

thread_local! {
    static HELD: Cell<usize> = const { Cell::new(0) };
}

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Held while a test may start containers on the `minik` network; released on drop.
pub(crate) struct NetworkTurn {
    exclusive: bool,
}

impl NetworkTurn {
    /// Alongside other tests (waits only while a test that runs alone is waiting or running).
    pub(crate) fn shared() -> NetworkTurn {
        let nested = HELD.with(|h| h.get() > 0);
        let mut s = state();
        while s.exclusive || (!nested && s.exclusive_waiting > 0) {
            s = CHANGED.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.shared += 1;
        HELD.with(|h| h.set(h.get() + 1));
        NetworkTurn { exclusive: false }
    }

    /// With no other test's nodes starting: waits for every share to end.
    pub(crate) fn alone() -> NetworkTurn {
        let mut s = state();
        s.exclusive_waiting += 1;
        while s.exclusive || s.shared > 0 {
            s = CHANGED.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.exclusive_waiting -= 1;
        s.exclusive = true;
        NetworkTurn { exclusive: true }
    }
}

impl Drop for NetworkTurn {
    fn drop(&mut self) {
        let mut s = state();
        if self.exclusive {
            s.exclusive = false;
        } else {
            s.shared -= 1;
            HELD.with(|h| h.set(h.get() - 1));
        }
        CHANGED.notify_all();
    }
}
