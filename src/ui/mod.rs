//! Terminal output, and the only module that styles it: renders progress events, errors,
//! tables and doctor rows. stdout carries data (tables, JSON, kubeconfigs); stderr carries
//! progress and errors. Colours come from [`style`], on `console`.

mod bundle;
mod create;
mod doctor;
mod error;
pub(crate) mod init;
mod status;
mod style;
mod table;
mod tour;
mod workshop;

pub(crate) use bundle::{
    bundle_created, bundle_fetched, bundle_host_access, bundle_insecure, bundle_loaded,
    bundle_release_files, bundle_serving, bundle_unpinned, confirm_host_access,
};
pub(crate) use create::created_text;
#[cfg(test)]
pub(crate) use doctor::doctor_text;
#[cfg(test)]
pub(crate) use doctor::doctor_text_at;
#[cfg(test)]
pub(crate) use doctor::doctor_text_at_in;
pub(crate) use doctor::doctor_text_in;
#[cfg(test)]
pub(crate) use error::hints_for_error;
pub(crate) use error::render_error;
pub(crate) use status::Terminal;
pub(crate) use table::{clusters_table, nodes_table};
pub(crate) use tour::{can_ask, confirm_create, labs_text, steps_text, TourGuide};
#[cfg(test)]
pub(crate) use workshop::workshop_text_at;
#[cfg(test)]
pub(crate) use workshop::workshop_text_at_in;
pub(crate) use workshop::workshop_text_in;

use std::io::IsTerminal;

/// How status lines are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Spinners and colour on an interactive terminal.
    Fancy,
    /// One plain line per step start and end (CI logs, pipes).
    Plain,
    /// Nothing but errors.
    Quiet,
}

impl Mode {
    pub(crate) fn detect(quiet: bool) -> Mode {
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
pub(crate) fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
