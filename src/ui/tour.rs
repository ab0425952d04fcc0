//! The tour on a terminal: each step's text, the command to try and what minik found, on
//! stdout; the question after each step asked with dialoguer on stderr. With `-o json` the
//! text stays off stdout (the JSON report goes there at the end).

use std::io::{IsTerminal, Write};

use super::style::Paint;
use crate::text::wrap::{self, columns, CONTINUATION};
use crate::text::{clean_line, escape_controls};
use crate::tour::check::Outcome;
use crate::tour::{Choice, Guide, ListedStep, Messages, Presented, Status, StepReport, Summary};

pub(crate) struct TourGuide {
    m: &'static Messages,
    /// The steps' text goes to stdout (off for `-o json`).
    text: bool,
    color: bool,
    /// The columns lines are wrapped to.
    width: usize,
}

/// Can the tour ask questions (both ends a terminal)?
pub(crate) fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// `minik tour --list`: the lab's title, then each step numbered, with its command under it.
pub(crate) fn steps_text(title: &str, steps: &[ListedStep]) -> String {
    steps_text_at(title, steps, wrap::width())
}

/// [`steps_text`] wrapped to `width` columns.
fn steps_text_at(title: &str, steps: &[ListedStep], width: usize) -> String {
    // Lab files are refused with control characters in them; cleaned here all the same, so
    // that the list shows exactly what would run.
    let mut lines = wrap::wrap(&clean_line(title), width);
    let under = " ".repeat(20);
    for (i, s) in steps.iter().enumerate() {
        let line = clean_line(&format!("{:>3}. {:<14} {}", i + 1, s.id, s.title));
        lines.extend(wrap::hanging(&line, width, "", &under));
        if let Some(c) = &s.command {
            lines.extend(wrap::command(&clean_line(c), width, &under, CONTINUATION));
        }
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// A command block exactly as it is pasted: one command line indented under "Try it", broken
/// between words with continuations when it is wider than the terminal; a command with a
/// here-document (a PowerShell here-string on Windows) flush left, since the shell finds the
/// closing `EOF` (`'@`) only at the start of a line, and a copied indented one would leave the
/// shell waiting at `>`. The manifest's own lines are never wrapped: YAML, cut, is other YAML.
fn command_block(command: &str, width: usize) -> Vec<String> {
    let lines: Vec<&str> = command.lines().collect();
    if lines.len() <= 1 {
        return wrap::command(command, width, "    ", CONTINUATION);
    }
    let shell_line = if cfg!(windows) { lines.len() - 1 } else { 0 };
    lines
        .iter()
        .enumerate()
        .flat_map(|(i, l)| {
            if i == shell_line {
                wrap::command(l, width, "", CONTINUATION)
            } else {
                vec![l.to_string()]
            }
        })
        .collect()
}

/// A step as the tour shows it, `width` columns wide: its heading, its text in paragraphs, the
/// command to try and the others worth a look.
pub(crate) fn step_lines(m: &Messages, p: &Presented, width: usize, color: bool) -> Vec<String> {
    let rule = "─".repeat(4);
    let title = clean_line(&p.title);
    let label = format!("{rule} {} {}/{}: ", m.step, p.number, p.total);
    let mut out = vec![String::new()];
    if columns(&format!("{label}{title} {rule}")) <= width {
        out.push(format!("{label}{} {rule}", Paint::Ok.apply(&title, color)));
    } else {
        out.extend(wrap::hanging(
            &format!("{label}{title}"),
            width,
            "",
            "     ",
        ));
    }
    out.push(String::new());
    // A lab file's text is shown, never interpreted: no escape sequences reach the terminal.
    let text: Vec<_> = p.text.lines().map(escape_controls).collect();
    out.extend(wrap::paragraphs(&text.join("\n"), width, ""));
    if let Some(cmd) = &p.command {
        out.push(String::new());
        out.extend(wrap::wrap(&format!("{}:", m.try_this), width));
        let cmd: Vec<_> = cmd.lines().map(escape_controls).collect();
        for line in command_block(&cmd.join("\n"), width) {
            out.push(Paint::Hint.apply(&line, color));
        }
    }
    if !p.more.is_empty() {
        out.extend(wrap::wrap(&format!("{}:", m.also), width));
        for c in &p.more {
            for line in wrap::command(&escape_controls(c), width, "    ", CONTINUATION) {
                out.push(Paint::Dim.apply(&line, color));
            }
        }
    }
    out
}

/// The checks that did not pass: what was expected and what was found, each wrapped under its
/// mark.
fn failure_lines(m: &Messages, failed: &[Outcome], width: usize, color: bool) -> Vec<String> {
    let mark = format!("  {} ", Paint::Failed.apply("✗", color));
    let mut out = Vec::new();
    for o in failed.iter().filter(|o| !o.ok) {
        let expected = format!("{}: {}", m.expected, clean_line(&o.expected));
        out.extend(wrap::hanging(&expected, width, &mark, "      "));
        let found = format!("{}: {}", m.found, clean_line(&o.found));
        out.extend(wrap::hanging(&found, width, "    ", "      "));
    }
    out
}

/// A step's result: what minik showed of the cluster (each view's commands, its lines wrapped
/// under their own indent), then the mark, the step's title and any note.
fn report_lines(m: &Messages, r: &StepReport, width: usize, color: bool) -> Vec<String> {
    let (mark, word) = match r.status {
        Status::Passed => (Paint::Ok.apply("✓", color), m.passed),
        Status::Failed => (Paint::Failed.apply("✗", color), m.not_yet),
        Status::Skipped => ("-".to_string(), m.skipped),
        Status::NotApplicable => ("-".to_string(), m.not_here),
        Status::Stopped => return Vec::new(),
    };
    let mut out = Vec::new();
    if !r.shown.is_empty() {
        out.push(String::new());
        out.extend(wrap::wrap(&format!("{}:", m.on_your_cluster), width));
        for view in &r.shown {
            // A view may read several commands' output ("a + b"): one `$` line each.
            for c in clean_line(&view.heading).split(" + ") {
                for line in wrap::command(c, width, "  $ ", CONTINUATION) {
                    out.push(Paint::Dim.apply(&line, color));
                }
            }
            for line in &view.lines {
                let line = escape_controls(line);
                let own = &line[..line.len() - line.trim_start().len()];
                let first = format!("  {own}");
                let rest = format!("{first}    ");
                out.extend(wrap::hanging(line.trim_start(), width, &first, &rest));
            }
        }
    }
    let note = r
        .note
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    out.push(String::new());
    let line = format!("{mark} {word}: {}{note}", clean_line(&r.title));
    out.extend(wrap::hanging(&line, width, "", "  "));
    if r.status == Status::Failed {
        out.extend(failure_lines(m, &r.checks, width, color));
    }
    out
}

impl TourGuide {
    pub(crate) fn new(m: &'static Messages, text: bool) -> Self {
        TourGuide {
            m,
            text,
            color: text
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none(),
            width: wrap::width(),
        }
    }

    fn out(&self, s: &str) {
        if self.text {
            let _ = writeln!(std::io::stdout().lock(), "{s}");
        }
    }

    fn out_lines(&self, lines: &[String]) {
        if self.text {
            let mut stdout = std::io::stdout().lock();
            for l in lines {
                let _ = writeln!(stdout, "{l}");
            }
        }
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
        self.out("");
        self.out_lines(&wrap::wrap(line, self.width));
    }
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
        self.out_lines(&step_lines(self.m, p, self.width, self.color));
    }

    async fn choose(
        &self,
        p: &Presented,
        failed: Option<&[crate::tour::check::Outcome]>,
    ) -> Choice {
        if let Some(f) = failed {
            let mut lines = wrap::wrap(&format!("{}:", self.m.not_yet), self.width);
            lines.extend(failure_lines(self.m, f, self.width, self.color));
            let _ = writeln!(std::io::stderr(), "{}", lines.join("\n"));
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
        self.out("");
        for line in wrap::command(&clean_line(command), self.width, "  $ ", CONTINUATION) {
            self.out(&Paint::Hint.apply(&line, self.color));
        }
        // kubectl's own output: shown as it came (a table cut at the terminal's edge reads
        // better than one wrapped into another shape).
        for line in output.trim_end().lines() {
            self.out(&format!(
                "    {}",
                Paint::Dim.apply(&clean_line(line), self.color)
            ));
        }
    }

    fn report(&self, r: &StepReport) {
        self.out_lines(&report_lines(self.m, r, self.width, self.color));
    }

    fn note(&self, text: &str) {
        self.out_lines(&wrap::wrap(&clean_line(text), self.width));
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

#[cfg(all(test, unix))]
#[path = "tour_fit_tests.rs"]
mod fit_tests;
