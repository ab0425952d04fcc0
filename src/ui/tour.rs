//! The tour on a terminal: each step's text, the command to try and what minik found, on
//! stdout; the question after each step asked with dialoguer on stderr. With `-o json` the
//! text stays off stdout (the JSON report goes there at the end).

use std::io::{IsTerminal, Write};

use super::style::Paint;
use crate::text::clean_line;
use crate::tour::{Choice, Guide, ListedStep, Messages, Presented, Status, StepReport, Summary};

pub(crate) struct TourGuide {
    m: &'static Messages,
    /// The steps' text goes to stdout (off for `-o json`).
    text: bool,
    color: bool,
}

/// Can the tour ask questions (both ends a terminal)?
pub(crate) fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// `minik tour --list`: the lab's title, then each step numbered, with its command under it.
pub(crate) fn steps_text(title: &str, steps: &[ListedStep]) -> String {
    // Lab files are refused with control characters in them; cleaned here all the same, so
    // that the list shows exactly what would run.
    let mut text = format!("{}\n", clean_line(title));
    for (i, s) in steps.iter().enumerate() {
        let line = format!("{:>3}. {:<14} {}", i + 1, s.id, s.title);
        text.push_str(&format!("{}\n", clean_line(&line)));
        if let Some(c) = &s.command {
            text.push_str(&format!("{:>20}{}\n", "", clean_line(c)));
        }
    }
    text
}

impl TourGuide {
    pub(crate) fn new(m: &'static Messages, text: bool) -> Self {
        TourGuide {
            m,
            text,
            color: text
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn out(&self, s: &str) {
        if self.text {
            let _ = writeln!(std::io::stdout().lock(), "{s}");
        }
    }

    fn paint(&self, p: Paint, s: &str) -> String {
        p.apply(s, self.color)
    }

    fn failures(&self, failed: &[crate::tour::check::Outcome]) -> String {
        let mut s = String::new();
        for o in failed.iter().filter(|o| !o.ok) {
            s.push_str(&format!(
                "  {} {}: {}\n  {} {}: {}\n",
                self.paint(Paint::Failed, "✗"),
                self.m.expected,
                clean_line(&o.expected),
                " ",
                self.m.found,
                clean_line(&o.found)
            ));
        }
        s
    }

    /// The closing line of a tour that ran to its end or was stopped.
    pub(crate) fn finish(&self, summary: &Summary) {
        // A question left unanswered (a signal came) hid the cursor.
        let _ = console::Term::stderr().show_cursor();
        let line = if summary.finished {
            self.m.done
        } else {
            self.m.stopped
        };
        self.out(&format!("\n{line}"));
    }
}

/// Asks whether to create a cluster for the tour (`prompt` in the learner's language).
pub(crate) fn confirm_create(prompt: &str) -> std::io::Result<bool> {
    dialoguer::Confirm::with_theme(&dialoguer::theme::SimpleTheme)
        .with_prompt(clean_line(prompt))
        .default(true)
        .interact_on(&console::Term::stderr())
        .map_err(|dialoguer::Error::IO(io)| io)
}

fn ask(items: Vec<&'static str>, prompt: String) -> Option<usize> {
    let theme = dialoguer::theme::SimpleTheme;
    dialoguer::Select::with_theme(&theme)
        .with_prompt(prompt)
        .items(&items)
        .default(0)
        .interact_opt()
        .ok()
        .flatten()
}

#[async_trait::async_trait]
impl Guide for TourGuide {
    fn present(&self, p: &Presented) {
        let rule = "─".repeat(4);
        self.out(&format!(
            "\n{rule} {} {}/{}: {} {rule}\n",
            self.m.step,
            p.number,
            p.total,
            self.paint(Paint::Ok, &clean_line(&p.title))
        ));
        // A lab file's text is shown, never interpreted: no escape sequences reach the terminal.
        for line in p.text.trim_end().lines() {
            self.out(&clean_line(line));
        }
        if let Some(cmd) = &p.command {
            self.out(&format!("\n{}:", self.m.try_this));
            for line in cmd.lines() {
                self.out(&format!(
                    "    {}",
                    self.paint(Paint::Hint, &clean_line(line))
                ));
            }
        }
        if !p.more.is_empty() {
            self.out(&format!("{}:", self.m.also));
            for line in &p.more {
                self.out(&format!(
                    "    {}",
                    self.paint(Paint::Dim, &clean_line(line))
                ));
            }
        }
    }

    async fn choose(
        &self,
        p: &Presented,
        failed: Option<&[crate::tour::check::Outcome]>,
    ) -> Choice {
        if let Some(f) = failed {
            let _ = write!(
                std::io::stderr(),
                "{}:\n{}",
                self.m.not_yet,
                self.failures(f)
            );
        }
        let mut items = vec![self.m.choice_check];
        let mut choices = vec![Choice::Check];
        if p.command.is_some() {
            items.push(self.m.choice_run);
            choices.push(Choice::Run);
        }
        items.extend([self.m.choice_skip, self.m.choice_quit]);
        choices.extend([Choice::Skip, Choice::Quit]);
        let prompt = self.m.choose.to_string();
        // A thread of its own (not the runtime's blocking pool): a signal ends the tour
        // without waiting for the learner's answer.
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(ask(items, prompt));
        });
        match rx.await {
            Ok(Some(i)) => choices.get(i).copied().unwrap_or(Choice::Quit),
            _ => Choice::Quit,
        }
    }

    fn command_output(&self, command: &str, output: &str) {
        self.out(&format!("\n  $ {}", self.paint(Paint::Hint, command)));
        for line in output.trim_end().lines() {
            self.out(&format!(
                "    {}",
                self.paint(Paint::Dim, &clean_line(line))
            ));
        }
    }

    fn report(&self, r: &StepReport) {
        let (mark, word) = match r.status {
            Status::Passed => (self.paint(Paint::Ok, "✓"), self.m.passed),
            Status::Failed => (self.paint(Paint::Failed, "✗"), self.m.not_yet),
            Status::Skipped => ("-".to_string(), self.m.skipped),
            Status::NotApplicable => ("-".to_string(), self.m.not_here),
            Status::Stopped => return,
        };
        if !r.shown.is_empty() {
            self.out(&format!("\n{}:", self.m.on_your_cluster));
            for view in &r.shown {
                self.out(&format!(
                    "  {}",
                    self.paint(Paint::Dim, &format!("$ {}", view.heading))
                ));
                for line in &view.lines {
                    self.out(&format!("  {}", clean_line(line)));
                }
            }
        }
        let note = r
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        self.out(&format!("\n{mark} {word}: {}{note}", clean_line(&r.title)));
        if r.status == Status::Failed {
            self.out(self.failures(&r.checks).trim_end());
        }
    }

    fn note(&self, text: &str) {
        self.out(&clean_line(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Security review L4: an escape in a command made `--list` show another command.
    #[test]
    fn the_list_shows_escapes_instead_of_obeying_them() {
        let steps = [ListedStep {
            id: "evil".into(),
            title: "\u{1b}]0;HACKED\u{7}".into(),
            command: Some("kubectl delete pods --all \u{1b}[2K\u{1b}[Gkubectl get pods".into()),
            needs_workers: 0,
        }];
        let text = steps_text("\u{1b}[31mWorkshop", &steps);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text}"
        );
        assert!(text.contains("\\u{1b}[2K"), "{text}");
    }
}
