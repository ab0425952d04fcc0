//! The rule for how a tour ends: it runs until the lab is done, a step fails or a signal comes,
//! and however it ended, what it made is removed (a second signal only reports progress, as
//! the cleanup's step shows). Kept with the tour so every front end ends it the same way.

use super::run::{Guide, Options, Summary, Tour};
use super::TourError;
use crate::cluster::ClusterError;
use crate::signals::Cancelled;

/// How a tour run ended, after its cleanup.
pub(crate) struct Ended {
    /// The run's own result, or the signal that stopped it.
    pub(crate) run: Result<Result<(), TourError>, Cancelled>,
    /// Removing what the tour made.
    pub(crate) cleaned: Result<(), ClusterError>,
}

impl Ended {
    /// A step failed (its error is the story; the summary is not shown on top of it).
    pub(crate) fn failed(&self) -> bool {
        matches!(self.run, Ok(Err(_)))
    }
}

impl Tour<'_> {
    /// Run the lab to its end (see the module's rule), cleaning up however it ended.
    pub(crate) async fn run_to_end(
        &self,
        guide: &dyn Guide,
        opts: &Options,
        summary: &mut Summary,
    ) -> Ended {
        let run = crate::signals::cancellable(self.run(guide, opts, summary)).await;
        let cleaned = self.clean_up().await;
        Ended { run, cleaned }
    }
}
