//! Terminal output: renders progress events and prints results and errors.
//! stdout carries data (tables, JSON, kubeconfigs); stderr carries progress and errors.

mod status;

pub use status::Terminal;

use std::io::IsTerminal;

/// How status lines are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Spinners and colour on an interactive terminal.
    Fancy,
    /// One plain line per step start and end (CI logs, pipes).
    Plain,
    /// Nothing but errors.
    Quiet,
}

impl Mode {
    pub fn detect(quiet: bool) -> Mode {
        if quiet {
            return Mode::Quiet;
        }
        let dumb = std::env::var("TERM").map(|t| t == "dumb").unwrap_or(false);
        if std::io::stderr().is_terminal() && !dumb && std::env::var_os("CI").is_none() {
            Mode::Fancy
        } else {
            Mode::Plain
        }
    }
}

/// Whether to colour output: a terminal, and NO_COLOR unset (no-color.org).
pub fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
