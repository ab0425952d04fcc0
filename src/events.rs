//! Progress events. Domain code reports what it is doing through a [`Reporter`]; the UI layer
//! decides how to show it (spinners on a terminal, plain lines otherwise, nothing when quiet).

use std::sync::Arc;
use std::time::{Duration, Instant};

/// One thing that happened while a command ran.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A named step started (one status line).
    StepStarted { id: u64, title: String },
    /// Byte or item progress inside a running step.
    Progress {
        id: u64,
        done: u64,
        total: Option<u64>,
    },
    /// The step ended; `ok == false` means it failed.
    StepFinished {
        id: u64,
        ok: bool,
        elapsed: Duration,
    },
    /// A line worth showing at normal verbosity.
    Info(String),
    /// Something the user should know about but that does not stop the command.
    Warn(String),
    /// Detail shown only with `-v` (for example the output of kubeadm).
    Debug(String),
}

/// Receives events. Implementations must be cheap and never block for long.
pub trait Reporter: Send + Sync {
    fn event(&self, event: Event);
}

/// A reporter that drops everything (library use, tests).
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _event: Event) {}
}

/// Shared handle passed through the domain code.
#[derive(Clone)]
pub struct Events(Arc<dyn Reporter>);

impl Events {
    pub fn new(reporter: Arc<dyn Reporter>) -> Self {
        Events(reporter)
    }

    pub fn silent() -> Self {
        Events(Arc::new(Silent))
    }

    /// Start a step. The returned guard reports failure when dropped without [`Step::done`],
    /// so an early `?` return is shown as a failed step.
    pub fn step(&self, title: impl Into<String>) -> Step {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.0.event(Event::StepStarted {
            id,
            title: title.into(),
        });
        Step {
            events: self.clone(),
            id,
            started: Instant::now(),
            finished: false,
        }
    }

    pub fn info(&self, line: impl Into<String>) {
        self.0.event(Event::Info(line.into()));
    }

    pub fn warn(&self, line: impl Into<String>) {
        self.0.event(Event::Warn(line.into()));
    }

    pub fn debug(&self, line: impl Into<String>) {
        self.0.event(Event::Debug(line.into()));
    }
}

/// A running step; see [`Events::step`].
pub struct Step {
    events: Events,
    id: u64,
    started: Instant,
    finished: bool,
}

impl Step {
    pub fn progress(&self, done: u64, total: Option<u64>) {
        self.events.0.event(Event::Progress {
            id: self.id,
            done,
            total,
        });
    }

    pub fn done(mut self) -> Duration {
        self.finish(true)
    }

    fn finish(&mut self, ok: bool) -> Duration {
        self.finished = true;
        let elapsed = self.started.elapsed();
        self.events.0.event(Event::StepFinished {
            id: self.id,
            ok,
            elapsed,
        });
        elapsed
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if !self.finished {
            self.finish(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Record(Mutex<Vec<Event>>);
    impl Reporter for Record {
        fn event(&self, event: Event) {
            self.0.lock().unwrap().push(event);
        }
    }

    #[test]
    fn dropped_step_reports_failure_and_done_reports_success() {
        let rec = Arc::new(Record::default());
        let events = Events::new(rec.clone());
        events.step("a").done();
        drop(events.step("b"));
        let got = rec.0.lock().unwrap();
        let finished: Vec<bool> = got
            .iter()
            .filter_map(|e| match e {
                Event::StepFinished { ok, .. } => Some(*ok),
                _ => None,
            })
            .collect();
        assert_eq!(finished, vec![true, false]);
    }
}
