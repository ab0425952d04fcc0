//! `minik tour`: Kubernetes' core ideas walked through on the learner's own cluster. A lab (the
//! built-in one, or an organiser's file) is data: each step's text in English and Korean, the
//! kubectl command to try, the cluster's real objects to show, and declarative checks that
//! minik evaluates itself. Everything a tour changes lives in its own namespace (deleted when
//! the tour ends) or is undone by the step's cleanup; progress is kept per cluster, so a tour
//! resumes where it stopped.

mod access;
pub(crate) mod catalog;
pub(crate) mod check;
pub(crate) mod command;
mod error;
mod etcd;
mod etcd_view;
mod fields;
mod identity;
mod images;
pub(crate) mod installed;
mod kinds;
pub(crate) mod lab;
mod lab_check;
pub(crate) mod lab_file;
mod lab_http;
mod lab_node;
mod manifest;
mod messages;
mod node_actions;
mod ownership;
pub(crate) mod progress;
mod reach;
mod reach_check;
mod rules_view;
mod run;
mod sandbox;
mod step;
mod to_end;
mod verbs;
mod views;
mod worker;

use std::path::Path;

use include_dir::{include_dir, Dir};

pub(crate) use access::ClusterAccess;
pub(crate) use error::TourError;
pub(crate) use lab::{Lab, Lang, ListedStep};
pub(crate) use messages::{of as messages, Messages};
pub(crate) use run::{check_skips, Choice, Guide, Options, Presented, Summary, Tour};
#[cfg(test)]
pub(crate) use step::presented;
pub(crate) use step::{Status, StepReport};

use crate::config::{ConfigError, ConfigErrors};

/// The labs shipped inside minik: every file of src/tour/labs, named after its lab's id.
static LABS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/tour/labs");

/// The built-in labs, in the order `minik tour --list-labs` shows them. Adding a lab is adding
/// its file to src/tour/labs (`ID.yaml`) and its id here; a test fails while the two differ.
pub(crate) const BUILTIN_LABS: &[&str] = &[
    "basics",
    "rollout",
    "reach",
    "scheduling",
    "control-plane",
    "config",
];

/// The lab `minik tour` runs without `--lab`.
pub(crate) const DEFAULT_LAB: &str = "basics";

/// A built-in lab by id.
pub(crate) fn builtin(id: &str) -> Result<Lab, ConfigErrors> {
    let name = format!("{id}.yaml");
    let file = LABS.get_file(&name).ok_or_else(|| {
        ConfigErrors::from(ConfigError::new(
            id,
            None,
            "no such built-in lab",
            format!("the built-in labs are: {}", BUILTIN_LABS.join(", ")),
        ))
    })?;
    let text = file.contents_utf8().unwrap_or_default();
    lab_file::parse(text, &format!("(built-in) {name}"))
}

/// Every built-in lab, in [`BUILTIN_LABS`]' order (bundles carry the images they run).
pub(crate) fn builtin_labs() -> Vec<Lab> {
    BUILTIN_LABS
        .iter()
        .filter_map(|id| builtin(id).ok())
        .collect()
}

/// Is `id` a built-in lab's (registered, or a file shipped in src/tour/labs)?
pub(crate) fn is_builtin(id: &str) -> bool {
    BUILTIN_LABS.contains(&id) || LABS.get_file(format!("{id}.yaml")).is_some()
}

/// Parses an organiser's lab (a file, or one carried by a bundle): as [`lab_file::parse`], and
/// its id may not be a built-in lab's, whose progress it would share and whose name it would
/// borrow.
pub(crate) fn parse_foreign(text: &str, origin: &str) -> Result<Lab, ConfigErrors> {
    let lab = lab_file::parse(text, origin)?;
    if is_builtin(&lab.id) {
        return Err(ConfigError::new(
            origin,
            None,
            format!(
                "lab id {} is the built-in lab's",
                crate::text::quoted(&lab.id)
            ),
            "give the lab its own id (id: my-lab)",
        )
        .into());
    }
    Ok(lab)
}

/// Reads an organiser's lab file.
pub(crate) fn read_lab(path: &Path) -> Result<Lab, ConfigErrors> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ConfigErrors::from(ConfigError::new(
            &origin,
            None,
            format!("cannot read the lab file: {e}"),
            "check the path",
        ))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        ConfigErrors::from(ConfigError::new(
            &origin,
            None,
            "the lab file is not UTF-8 text",
            "",
        ))
    })?;
    parse_foreign(&text, &origin)
}

/// What `--lab` names: a lab file when `arg` is one, else a lab kept from a bundle (in `labs`,
/// see [`installed`]) or a built-in lab, by id; built-in ids come first.
pub fn find_lab(arg: &Path, labs: Option<&Path>) -> Result<Lab, ConfigErrors> {
    let id = arg.to_str().filter(|s| {
        !arg.exists() && !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    let Some(id) = id else {
        return read_lab(arg);
    };
    // A built-in id always means the built-in lab: nothing kept from a bundle shadows it.
    if is_builtin(id) {
        return builtin(id);
    }
    if let Some(file) = labs.map(|d| installed::path(d, id)).filter(|f| f.is_file()) {
        return read_lab(&file);
    }
    let mut known: Vec<String> = BUILTIN_LABS
        .iter()
        .map(|id| format!("{id} (built-in)"))
        .collect();
    known.extend(labs.map(installed::ids).unwrap_or_default());
    Err(ConfigErrors::from(ConfigError::new(
        id,
        None,
        "no lab file or lab of that name",
        format!(
            "name a lab file, or one of: {} (labs come with `minik bundle load`)",
            known.join(", ")
        ),
    )))
}

// The tour's language: `flag`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first one
// set, as POSIX orders them), else English.
pub(crate) use crate::i18n::language;

#[cfg(test)]
mod tests;
