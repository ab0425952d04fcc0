//! The worker `{worker}` names: chosen once per run of a lab, by the first step that needs it
//! (the worker running most of the namespace's pods then), and the same node for every step
//! after it — a node action's do, its undo and the checks between them all mean one node. The
//! choice is saved with the progress, so a resumed tour goes on with the same worker (unless
//! the cluster no longer runs it).

use super::run::Tour;
use super::TourError;

impl Tour<'_> {
    /// The run's worker, chosen now if no step chose one yet (and saved with `step`'s progress).
    pub(super) async fn worker(&self, step: &str) -> Result<String, TourError> {
        if let Some(w) = self.chosen_worker() {
            return Ok(w);
        }
        let w = self.busiest_worker().await?;
        self.keep_worker(Some(&w));
        self.save(step);
        Ok(w)
    }

    /// The worker chosen so far in this run, if any.
    pub(super) fn chosen_worker(&self) -> Option<String> {
        self.worker.lock().ok().and_then(|w| w.clone())
    }

    /// Takes `worker` as the run's (one saved by an earlier run), or forgets the choice with
    /// `None`. A name that is not one of the cluster's running workers is not taken: the saved
    /// file is the user's, and the worker may have gone since.
    pub(super) fn keep_worker(&self, worker: Option<&str>) {
        let worker = worker.filter(|w| self.workers.iter().any(|have| have == w));
        if let Ok(mut w) = self.worker.lock() {
            *w = worker.map(String::from);
        }
    }
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
