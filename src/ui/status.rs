//! The [`Reporter`] for a terminal: indicatif spinners when interactive, plain lines otherwise.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::style::Paint;
use super::Mode;
use crate::events::{Event, Reporter};

pub(crate) struct Terminal {
    mode: Mode,
    verbose: u8,
    color: bool,
    /// The columns notes and warnings are wrapped to.
    width: usize,
    multi: MultiProgress,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    titles: HashMap<u64, String>,
    bars: HashMap<u64, ProgressBar>,
}

impl Terminal {
    pub(crate) fn new(mode: Mode, verbose: u8) -> Terminal {
        let target = match mode {
            Mode::Fancy => ProgressDrawTarget::stderr(),
            _ => ProgressDrawTarget::hidden(),
        };
        Terminal {
            mode,
            verbose,
            color: super::use_color(),
            width: crate::text::wrap::width(),
            multi: MultiProgress::with_draw_target(target),
            state: Mutex::new(State::default()),
        }
    }

    fn paint(&self, paint: Paint, s: &str) -> String {
        paint.apply(s, self.color)
    }

    /// Print a line without tearing any spinner that is on screen.
    fn line(&self, s: &str) {
        if self.mode == Mode::Fancy {
            let _ = self.multi.println(s);
        } else {
            let _ = writeln!(std::io::stderr(), "{s}");
        }
    }
}

/// Each line of an event's text with its control characters escaped: steps, notes and
/// warnings carry names and output from nodes and the engine, which must not drive the terminal.
fn clean(s: &str) -> String {
    s.lines()
        .map(crate::text::escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A note or warning wrapped to `width`: its first line after `label` and under it, its other
/// lines (a command to paste, a table such as the doctor's) kept as [`wrap`] keeps them.
///
/// [`wrap`]: crate::text::wrap::wrap
fn labelled(label: &str, text: &str, width: usize) -> Vec<String> {
    use crate::text::wrap::{columns, hanging, wrap};
    let (first, rest) = match text.split_once('\n') {
        Some((first, rest)) => (first, Some(rest)),
        None => (text, None),
    };
    let under = " ".repeat(columns(label));
    let mut lines = hanging(first, width, label, &under);
    lines.extend(rest.map(|r| wrap(r, width)).unwrap_or_default());
    lines
}

fn seconds(d: Duration) -> String {
    if d.as_secs() >= 60 {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

impl Reporter for Terminal {
    fn event(&self, event: Event) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        match event {
            Event::StepStarted { id, title } => {
                let title = clean(&title);
                match self.mode {
                    Mode::Fancy => {
                        let bar = self.multi.add(ProgressBar::new_spinner());
                        bar.set_style(
                            ProgressStyle::with_template(" {spinner:.cyan} {msg} {elapsed:.dim}")
                                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                        bar.set_message(title.clone());
                        bar.enable_steady_tick(Duration::from_millis(100));
                        st.bars.insert(id, bar);
                    }
                    Mode::Plain => self.line(&format!(" • {title} ...")),
                    Mode::Quiet => {}
                }
                st.titles.insert(id, title);
            }
            Event::Progress { id, done, total } => {
                if let (Some(bar), Some(total)) = (st.bars.get(&id), total) {
                    if bar.length() != Some(total) {
                        bar.set_length(total);
                        bar.set_style(
                            ProgressStyle::with_template(
                                " {spinner:.cyan} {msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {elapsed:.dim}",
                            )
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                        );
                    }
                    bar.set_position(done);
                }
            }
            Event::StepFinished { id, ok, elapsed } => {
                let title = st.titles.remove(&id).unwrap_or_default();
                let mark = if ok {
                    self.paint(Paint::Ok, "✓")
                } else {
                    self.paint(Paint::Failed, "✗")
                };
                let text = format!(
                    " {mark} {title} {}",
                    self.paint(Paint::Dim, &seconds(elapsed))
                );
                // Print the final line first, then clear the spinner: the other order leaves
                // the spinner's last frame on screen.
                if self.mode != Mode::Quiet {
                    self.line(&text);
                }
                if let Some(bar) = st.bars.remove(&id) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
            }
            Event::Info(s) => {
                if self.mode != Mode::Quiet {
                    self.line(&labelled("", &clean(&s), self.width).join("\n"));
                }
            }
            Event::Warn(s) => {
                if self.mode != Mode::Quiet {
                    let label = format!("{} ", self.paint(Paint::Warning, "warning:"));
                    self.line(&labelled(&label, &clean(&s), self.width).join("\n"));
                }
            }
            Event::Debug(s) => {
                if self.verbose > 0 && self.mode != Mode::Quiet {
                    for l in s.lines().map(crate::text::escape_controls) {
                        self.line(&self.paint(Paint::Dim, &format!("   {l}")));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn notes_wrap_after_their_label_and_keep_their_lines() {
        use super::labelled;
        assert_eq!(labelled("", "\nTry it with:", 80), ["", "Try it with:"]);
        assert_eq!(
            labelled(
                "warning: ",
                "the checks found problems here\n    why: x",
                30
            ),
            [
                "warning: the checks found",
                "         problems here",
                "    why: x"
            ]
        );
        assert_eq!(labelled("", "one line", 80), ["one line"]);
    }

    #[test]
    fn event_text_from_nodes_cannot_drive_the_terminal() {
        assert_eq!(clean("plain\nlines"), "plain\nlines");
        assert_eq!(
            clean("node \u{1b}]0;owned\u{7}x\r"),
            "node \\u{1b}]0;owned\\u{7}x\\u{d}"
        );
    }
}
