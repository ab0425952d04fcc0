//! A tour through a lab on one cluster: resume where the learner stopped (making again what the
//! earlier steps made, since the tour's changes never outlive a run), one step after another,
//! and on the way out, whatever happened, remove what the tour made.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::access::Access;
use super::check::Outcome;
use super::lab::{Lab, Lang, Step};
use super::messages::{self, Messages};
use super::ownership::{Namespace, OWNER_LABEL};
use super::progress::{self, Progress};
use super::step::{Status, StepReport};
use super::TourError;
use crate::cluster::ClusterError;
use crate::events::Events;

/// What the learner chose after a step's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    /// "I ran it": check that it happened.
    Check,
    /// Run the command for me, then check.
    Run,
    Skip,
    Quit,
}

/// A step as put in front of the learner (placeholders filled, language chosen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Presented {
    pub(crate) number: usize,
    pub(crate) total: usize,
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) text: String,
    pub(crate) command: Option<String>,
    pub(crate) more: Vec<String>,
}

/// The learner's side of the tour: the UI renders and asks; [`Unattended`] answers for `--yes`.
#[async_trait::async_trait]
pub(crate) trait Guide: Send + Sync {
    fn present(&self, step: &Presented);
    /// What to do, after `failed` checks when the last attempt did not pass.
    async fn choose(&self, step: &Presented, failed: Option<&[Outcome]>) -> Choice;
    /// What running `command` for the learner printed.
    fn command_output(&self, command: &str, output: &str);
    fn report(&self, report: &StepReport);
    fn note(&self, text: &str);
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// Every step run by minik, no questions; a step that does not pass ends the tour.
    pub(crate) unattended: bool,
    /// Start at the first step whatever the saved progress says.
    pub(crate) restart: bool,
    /// Step ids to skip.
    pub(crate) skip: Vec<String>,
}

pub(crate) struct Tour<'a> {
    pub(super) access: &'a dyn Access,
    pub(super) lab: &'a Lab,
    pub(super) lang: Lang,
    pub(super) events: &'a Events,
    /// `{namespace}`, `{cluster}`, `{controlPlane}`.
    pub(super) vars: BTreeMap<&'static str, String>,
    pub(super) workers: Vec<String>,
    pub(super) progress_file: Option<PathBuf>,
    /// The node actions done and not yet undone (the journal saved with the progress).
    pub(super) applied: Mutex<Vec<super::node_actions::Applied>>,
    /// Cleanup commands owed (placeholders filled), run when the tour ends.
    owed: Mutex<Vec<Vec<String>>>,
    /// Whether the namespace is the tour's to delete: not when it was there before the tour
    /// (someone else's), which the tour refuses to use.
    owns_namespace: AtomicBool,
    /// Whether the lab's identity was granted the namespace (as it exists now).
    pub(super) granted: AtomicBool,
    /// The worker `{worker}` names in this run, once a step needed one (see [`Tour::worker`]).
    pub(super) worker: Mutex<Option<String>>,
}

/// How a run ended.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Summary {
    pub(crate) lab: String,
    pub(crate) lang: Lang,
    pub(crate) finished: bool,
    /// Images the lab runs that some nodes lacked when it started.
    #[serde(rename = "missingImages", skip_serializing_if = "Vec::is_empty")]
    pub(crate) missing_images: Vec<super::images::MissingImage>,
    pub(crate) steps: Vec<StepReport>,
}

/// Every id in `skip` names a step of `lab`.
pub(crate) fn check_skips(lab: &Lab, skip: &[String]) -> Result<(), TourError> {
    match skip
        .iter()
        .find(|id| !lab.steps.iter().any(|s| &s.id == *id))
    {
        Some(id) => Err(TourError::UnknownStep {
            id: id.clone(),
            known: lab.steps.iter().map(|s| s.id.clone()).collect(),
        }),
        None => Ok(()),
    }
}

impl Summary {
    pub(crate) fn new(lab: &Lab, lang: Lang) -> Self {
        Summary {
            lab: lab.id.clone(),
            lang,
            finished: false,
            missing_images: Vec::new(),
            steps: Vec::new(),
        }
    }
}

impl<'a> Tour<'a> {
    pub(crate) fn new(
        access: &'a dyn Access,
        lab: &'a Lab,
        lang: Lang,
        events: &'a Events,
        cluster: &str,
        control_plane: &str,
        workers: Vec<String>,
    ) -> Self {
        let vars = BTreeMap::from([
            ("namespace", lab.namespace.clone()),
            ("cluster", cluster.to_string()),
            ("controlPlane", control_plane.to_string()),
        ]);
        let progress_file = progress::dir().map(|d| progress::file(&d, cluster, &lab.id));
        Tour {
            access,
            lab,
            lang,
            events,
            vars,
            workers,
            progress_file,
            applied: Mutex::new(Vec::new()),
            owed: Mutex::new(Vec::new()),
            owns_namespace: AtomicBool::new(false),
            granted: AtomicBool::new(false),
            worker: Mutex::new(None),
        }
    }

    /// Keeps progress in `file` instead of the user's state folder.
    #[cfg(test)]
    pub(crate) fn with_progress_file(mut self, file: Option<PathBuf>) -> Self {
        self.progress_file = file;
        self
    }

    pub(super) fn control_plane(&self) -> String {
        self.vars.get("controlPlane").cloned().unwrap_or_default()
    }

    pub(super) fn owns_namespace(&self) -> bool {
        self.owns_namespace.load(Ordering::SeqCst)
    }

    pub(super) fn m(&self) -> &'static Messages {
        messages::of(self.lang)
    }

    /// Saves the step to resume at, with the cleanup owed and the journal of node actions.
    pub(super) fn save(&self, step: &str) {
        let cleanup = self.owed.lock().map(|o| o.clone()).unwrap_or_default();
        let node_actions = self.applied.lock().map(|a| a.clone()).unwrap_or_default();
        self.write(Progress {
            step: step.to_string(),
            cleanup,
            node_actions,
            worker: self.chosen_worker(),
        });
    }

    /// Saves the journal, keeping the saved step, and the cleanup owed once the tour has taken
    /// over what the file owed (past the namespace check; before that, the file's is kept).
    pub(super) fn save_journal(&self) {
        let saved = self
            .progress_file
            .as_deref()
            .and_then(progress::load)
            .unwrap_or_default();
        let cleanup = if self.owns_namespace() {
            self.owed.lock().map(|o| o.clone()).unwrap_or_default()
        } else {
            saved.cleanup
        };
        let node_actions = self.applied.lock().map(|a| a.clone()).unwrap_or_default();
        self.write(Progress {
            step: saved.step,
            cleanup,
            node_actions,
            worker: self.chosen_worker().or(saved.worker),
        });
    }

    /// Writes `p`, or removes the file when it holds nothing.
    fn write(&self, p: Progress) {
        let Some(path) = &self.progress_file else {
            return;
        };
        let written = if p.is_empty() {
            progress::remove(path)
        } else {
            progress::save(path, &p)
        };
        if let Err(e) = written {
            self.events.warn(
                self.m()
                    .progress_not_saved
                    .replace("{path}", &path.display().to_string())
                    .replace("{error}", &e.to_string()),
            );
        }
    }

    /// Records cleanup commands the tour now owes (and saves them, in case minik is killed).
    pub(super) fn owe(&self, step: &str, commands: Vec<Vec<String>>) {
        if commands.is_empty() {
            return;
        }
        if let Ok(mut o) = self.owed.lock() {
            o.extend(commands);
        }
        self.save(step);
    }

    /// Runs the tour from the saved step (or the first), each step's report added to `summary`
    /// as it ends (so a tour ended by a failure or a signal still reports the steps it did).
    pub(crate) async fn run(
        &self,
        guide: &dyn Guide,
        opts: &Options,
        summary: &mut Summary,
    ) -> Result<(), TourError> {
        check_skips(self.lab, &opts.skip)?;
        // What a tour killed outright left done on a node comes first.
        self.recover_node_actions().await?;
        summary.missing_images = self.check_images(guide).await;
        let saved = self.progress_file.as_deref().and_then(progress::load);
        // A namespace the tour did not label is someone else's (saved progress or not): the
        // tour deletes its namespace when it ends, so it never takes over another one.
        self.check_namespace().await?;
        self.owns_namespace.store(true, Ordering::SeqCst);
        self.open_identity().await?;
        if let Some(p) = &saved {
            // Owed by a run that was killed before it could clean up.
            if let Ok(mut o) = self.owed.lock() {
                o.extend(p.cleanup.iter().cloned());
            }
            if !opts.restart {
                self.keep_worker(p.worker.as_deref());
            }
        }
        let start = match (&saved, opts.restart) {
            (Some(p), false) => self
                .lab
                .steps
                .iter()
                .position(|s| s.id == p.step)
                .unwrap_or(0),
            _ => 0,
        };
        if start > 0 {
            let step = &self.lab.steps[start];
            let n = format!("{}/{}", start + 1, self.lab.steps.len());
            guide.note(&format!(
                "{}: {}",
                self.m().resuming.replace("{n}", &n),
                step.title.get(self.lang)
            ));
            self.restore(&self.lab.steps[..start]).await?;
            self.after_step().await?;
            self.redo_node_actions(&self.lab.steps[..start], &step.id)
                .await?;
        }
        for i in start..self.lab.steps.len() {
            let step = &self.lab.steps[i];
            self.save(&step.id);
            let report = self.step(i, guide, opts).await?;
            self.after_step().await?;
            guide.report(&report);
            let status = report.status;
            summary.steps.push(report);
            match status {
                Status::Stopped => return Ok(()),
                Status::Failed => {
                    let failed = summary.steps.last().map(|r| r.checks.clone());
                    return Err(TourError::step_failed(step, self.lang, failed));
                }
                _ => {}
            }
        }
        summary.finished = true;
        // Nothing to resume (a next run chooses its worker afresh); what is still owed stays
        // saved until the cleanup has run.
        self.keep_worker(None);
        self.save("");
        Ok(())
    }

    /// Makes again what the earlier steps made (their namespace was deleted when the last run
    /// ended), quietly: the learner already did these.
    async fn restore(&self, done: &[Step]) -> Result<(), TourError> {
        let replays: Vec<&Step> = done
            .iter()
            .filter(|s| s.replay && s.needs_workers as usize <= self.workers.len())
            .collect();
        if replays.is_empty() {
            return Ok(());
        }
        let progress = self.events.step(self.m().restoring);
        for step in replays {
            self.replay(step).await?;
            // The namespace a replay made is labelled and granted before the next replay.
            self.after_step().await?;
        }
        progress.done();
        Ok(())
    }

    /// Runs a step's command without asking and waits for its checks.
    pub(super) async fn replay(&self, step: &Step) -> Result<(), TourError> {
        let vars = self.vars.clone();
        if let Some(cmd) = &step.command {
            let args: Vec<String> = cmd
                .0
                .iter()
                .map(|a| super::command::fill(a, &vars))
                .collect();
            let manifest = step
                .manifest
                .as_deref()
                .map(|m| super::command::fill(m, &vars));
            self.vet_manifest(step, manifest.as_deref())?;
            // An AlreadyExists from a create is fine: the checks decide.
            self.run_command(cmd, &args, manifest.as_deref()).await?;
        }
        let outcomes = self.wait(step, &vars, step.timeout).await?;
        if outcomes.iter().all(|o| o.ok) {
            Ok(())
        } else {
            Err(TourError::Restore {
                step: step.id.clone(),
                failed: outcomes.into_iter().filter(|o| !o.ok).collect(),
            })
        }
    }

    /// Removes what the tour made: cleanup owed (a worker to uncordon), then its namespace.
    /// Called however the tour ends; progress (the step to resume at) is kept.
    pub(crate) async fn clean_up(&self) -> Result<(), ClusterError> {
        let progress = self.events.step(self.m().cleaning);
        // First the nodes: a stopped kubelet would leave the namespace's pods on its node
        // Terminating, and the namespace with them.
        self.undo_node_actions().await;
        let cleaned = self.clean_up_cluster().await;
        if cleaned.is_ok() {
            // The owed commands ran (a failing one was reported).
            if let Ok(mut o) = self.owed.lock() {
                o.clear();
            }
        }
        self.save_journal();
        progress.done();
        cleaned
    }

    /// The owed cleanup commands, then the namespace (when it is the tour's).
    async fn clean_up_cluster(&self) -> Result<(), ClusterError> {
        let owed = self.owed.lock().map(|o| o.clone()).unwrap_or_default();
        for args in &owed {
            let out = self.access.kubectl(args, None).await?;
            if out.exit_code != 0 {
                self.events.warn(
                    self.m()
                        .cleanup_failed
                        .replace("{command}", &format!("kubectl {}", args.join(" ")))
                        .replace("{error}", out.combined().trim()),
                );
            }
        }
        let ns = self.lab.namespace.clone();
        if !self.owns_namespace() {
            self.close_identity().await?;
            return Ok(());
        }
        // Only a namespace labelled as this tour's is deleted (one made since the start is
        // labelled now, in case the learner quit right after making it).
        let state = self.claim_namespace().await?;
        if state != Namespace::Ours {
            if state != Namespace::Absent {
                self.events.warn(
                    self.m()
                        .namespace_not_ours
                        .replace("{namespace}", &ns)
                        .replace("{label}", &format!("{OWNER_LABEL}={}", self.lab.id)),
                );
            }
            self.close_identity().await?;
            return Ok(());
        }
        let delete: Vec<String> = [
            "delete",
            "namespace",
            &ns,
            "--ignore-not-found",
            "--timeout=180s",
        ]
        .map(String::from)
        .to_vec();
        let out = self.access.kubectl(&delete, None).await?;
        if out.exit_code != 0 {
            self.events.warn(
                self.m()
                    .namespace_not_deleted
                    .replace("{namespace}", &ns)
                    .replace("{error}", out.combined().trim()),
            );
        }
        self.close_identity().await?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
