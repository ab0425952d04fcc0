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
        self.step_with_icon(title, "")
    }

    /// [`Events::step`] shown as `title icon`; errors that [`Step::check`] passes on name the
    /// step by its title alone, so the title is typed once.
    pub fn step_with_icon(&self, title: impl Into<String>, icon: &str) -> Step {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let title = title.into();
        let shown = if icon.is_empty() {
            title.clone()
        } else {
            format!("{title} {icon}")
        };
        self.0.event(Event::StepStarted { id, title: shown });
        Step {
            events: self.clone(),
            id,
            title,
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

/// An error that can say which step it ended (the create and node steps' errors).
pub trait InStep {
    fn in_step(self, title: &str) -> Self;
}

/// A running step; see [`Events::step`].
pub struct Step {
    events: Events,
    id: u64,
    /// Names the step in errors (without its icon).
    title: String,
    started: Instant,
    finished: bool,
}

impl Step {
    /// `result`, its error naming this step.
    pub fn check<T, E: InStep>(&self, result: Result<T, E>) -> Result<T, E> {
        result.map_err(|e| e.in_step(&self.title))
    }

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

    #[test]
    fn a_step_is_shown_with_its_icon_and_names_errors_by_its_title() {
        #[derive(Debug, PartialEq)]
        struct Failed(String);
        impl InStep for Failed {
            fn in_step(self, title: &str) -> Self {
                Failed(format!("{title} failed: {}", self.0))
            }
        }
        let rec = Arc::new(Record::default());
        let events = Events::new(rec.clone());
        let step = events.step_with_icon("Writing configuration", "📜");
        let r: Result<(), _> = step.check(Err(Failed("disk full".into())));
        assert_eq!(
            r,
            Err(Failed("Writing configuration failed: disk full".into()))
        );
        assert_eq!(step.check(Ok::<_, Failed>(1)), Ok(1));
        let got = rec.0.lock().unwrap();
        assert!(matches!(
            &got[0],
            Event::StepStarted { title, .. } if title == "Writing configuration 📜"
        ));
    }
}
