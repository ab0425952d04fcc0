//! `minik tour --web`: the tour's current step beside the cluster's picture. The terminal tour
//! is the source of truth: [`WebGuide`] wraps its guide and, each time the tour puts a step in
//! front of the learner (or reports how it went), publishes the step as the tour shows it
//! (the lab's words in the learner's language, placeholders filled, the command exactly as it
//! is pasted) on a channel the page reads as Server-Sent Events from `/tour`. The page draws
//! every string as text.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::watch;

use crate::tour::check::Outcome;
use crate::tour::{Choice, Guide, Lang, Messages, Presented, Status, StepReport};

/// What the page's tour panel draws.
#[derive(Debug, Serialize)]
pub(crate) struct Panel<'a> {
    pub(crate) lab: &'a str,
    pub(crate) lang: &'static str,
    /// None until the tour shows its first step.
    pub(crate) step: Option<PanelStep<'a>>,
    pub(crate) words: PanelWords,
}

#[derive(Debug, Serialize)]
pub(crate) struct PanelStep<'a> {
    pub(crate) number: usize,
    pub(crate) total: usize,
    pub(crate) id: &'a str,
    pub(crate) title: &'a str,
    pub(crate) text: &'a str,
    pub(crate) command: Option<&'a str>,
    pub(crate) more: &'a [String],
    /// How the step ended, once it has (`passed`, `skipped`...), and that in words.
    pub(crate) status: Option<Status>,
    pub(crate) status_text: &'static str,
}

/// The panel's own labels, from the tour's messages (the page has no words of its own).
#[derive(Debug, Serialize)]
pub(crate) struct PanelWords {
    pub(crate) heading: &'static str,
    pub(crate) step: &'static str,
    pub(crate) try_this: &'static str,
    pub(crate) also: &'static str,
    pub(crate) copy: &'static str,
    pub(crate) copied: &'static str,
    pub(crate) waiting: &'static str,
}

fn words(m: &Messages) -> PanelWords {
    PanelWords {
        heading: m.web_heading,
        step: m.step,
        try_this: m.try_this,
        also: m.also,
        copy: m.web_copy,
        copied: m.web_copied,
        waiting: m.web_waiting,
    }
}

fn status_text(m: &Messages, status: Option<Status>) -> &'static str {
    match status {
        None | Some(Status::Stopped) => "",
        Some(Status::Passed) => m.passed,
        Some(Status::Failed) => m.not_yet,
        Some(Status::Skipped) => m.skipped,
        Some(Status::NotApplicable) => m.not_here,
    }
}

/// The panel as JSON: the lab's title and `step` (as presented, with its status once known).
pub(crate) fn panel_json(
    lab: &str,
    lang: Lang,
    step: Option<(&Presented, Option<Status>)>,
) -> String {
    let m = crate::tour::messages(lang);
    let panel = Panel {
        lab,
        lang: lang.code(),
        step: step.map(|(p, status)| PanelStep {
            number: p.number,
            total: p.total,
            id: &p.id,
            title: &p.title,
            text: &p.text,
            command: p.command.as_deref(),
            more: &p.more,
            status,
            status_text: status_text(m, status),
        }),
        words: words(m),
    };
    serde_json::to_string(&panel).unwrap_or_default()
}

/// The tour's guide, publishing each step to the page too.
pub(crate) struct WebGuide<'a> {
    inner: &'a dyn Guide,
    lab: String,
    lang: Lang,
    panel: watch::Sender<Arc<str>>,
    /// The step on the page, to mark with its status when the tour reports it.
    current: std::sync::Mutex<Option<Presented>>,
}

impl<'a> WebGuide<'a> {
    pub(crate) fn new(
        inner: &'a dyn Guide,
        lab: &str,
        lang: Lang,
        panel: watch::Sender<Arc<str>>,
    ) -> Self {
        panel.send_replace(Arc::from(panel_json(lab, lang, None)));
        WebGuide {
            inner,
            lab: lab.to_string(),
            lang,
            panel,
            current: std::sync::Mutex::new(None),
        }
    }

    fn publish(&self, step: &Presented, status: Option<Status>) {
        let json = panel_json(&self.lab, self.lang, Some((step, status)));
        self.panel.send_replace(Arc::from(json));
    }
}

#[async_trait::async_trait]
impl Guide for WebGuide<'_> {
    fn present(&self, step: &Presented) {
        self.inner.present(step);
        self.publish(step, None);
        if let Ok(mut c) = self.current.lock() {
            *c = Some(step.clone());
        }
    }

    async fn choose(&self, step: &Presented, failed: Option<&[Outcome]>) -> Choice {
        self.inner.choose(step, failed).await
    }

    fn command_output(&self, command: &str, output: &str) {
        self.inner.command_output(command, output);
    }

    fn report(&self, report: &StepReport) {
        self.inner.report(report);
        let current = self.current.lock().ok().and_then(|c| c.clone());
        if let Some(step) = current.filter(|s| s.id == report.id) {
            self.publish(&step, Some(report.status));
        }
    }

    fn note(&self, text: &str) {
        self.inner.note(text);
    }
}

/// The page's channel for the panel: the sender for the tour, the receiver for the server.
pub(crate) fn channel() -> (watch::Sender<Arc<str>>, watch::Receiver<Arc<str>>) {
    watch::channel(Arc::from("null"))
}

#[cfg(test)]
#[path = "tour_tests.rs"]
mod tests;
