//! The one place errors are rendered for humans: a first line that says what went wrong, then
//! any output that explains it (a failed command's output, a node's last log lines, where the
//! engine was looked for), then the hints of every error in its `source()` chain (uv's
//! `hints_for_error`): wrappers never forward a hint, and no hint is printed twice.

use std::error::Error as StdError;

use super::style::Paint;
use crate::bundle::BundleError;
use crate::cluster::create::PrepareError;
use crate::cluster::kubectl::KubectlError;
use crate::cluster::load::LoadError;
use crate::cluster::ClusterError;
use crate::engine::EngineError;
use crate::error::Error;
use crate::hint::Hint;
use crate::input::InputError;
use crate::nodeimage::NodeImageError;
use crate::provider::ProviderError;
use crate::tour::TourError;

/// At most this many lines of output: the end of a long output is where the cause usually is.
const DETAIL_LINES: usize = 25;

pub(crate) fn render_error(err: &Error, color: bool) -> String {
    let clean = |text: &str| {
        text.lines()
            .map(crate::text::clean_line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut out = format!(
        "{} {}\n",
        Paint::Error.apply("error:", color),
        clean(&err.to_string())
    );
    if let Some(details) = details(err) {
        let lines: Vec<&str> = details.lines().collect();
        let start = lines.len().saturating_sub(DETAIL_LINES);
        let label = if engine_looked(err).is_some() {
            "  looked at:\n"
        } else {
            "  output:\n"
        };
        out.push_str(&Paint::Dim.apply(label, color));
        for l in &lines[start..] {
            out.push_str(&format!("    {}\n", crate::text::clean_line(l)));
        }
    }
    let details = details(err).unwrap_or_default();
    for hint in hints_for_error(err) {
        // A hint already shown as the error's output is not repeated.
        if details.contains(&hint) {
            continue;
        }
        out.push_str(&format!(
            "{} {}\n",
            Paint::Hint.apply("hint:", color),
            clean(&hint)
        ));
    }
    out
}

/// Where minik looked for an engine that did not answer.
fn engine_looked(err: &Error) -> Option<&[String]> {
    err.find::<EngineError>().and_then(EngineError::looked)
}

/// Output worth showing under the message (a failed command's output, a node's log, where
/// the engine was looked for).
fn details(err: &Error) -> Option<String> {
    if let Error::NodeImage(e) = err {
        return e.details();
    }
    if let Some(looked) = engine_looked(err) {
        return Some(looked.join("\n"));
    }
    err.find::<ProviderError>().and_then(ProviderError::details)
}

/// The hints of `err` and of every error it wraps, outermost first, each once.
pub(crate) fn hints_for_error(err: &(dyn StdError + 'static)) -> Vec<String> {
    let mut hints: Vec<String> = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(h) = own_hint(e) {
            if !hints.contains(&h) {
                hints.push(h);
            }
        }
        next = e.source();
    }
    hints
}

/// The hint an error in the chain carries itself, for every error type minik renders.
fn own_hint(e: &(dyn StdError + 'static)) -> Option<String> {
    if let Some(e) = e.downcast_ref::<crate::failure::Failure>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<ClusterError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<ProviderError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<InputError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<LoadError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<BundleError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<NodeImageError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<EngineError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<PrepareError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<KubectlError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<crate::live::LiveError>() {
        return e.hint();
    }
    e.downcast_ref::<TourError>().and_then(Hint::hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::load::LoadError;
    use crate::cluster::ClusterError;
    use crate::provider::ProviderError;

    #[test]
    fn the_first_line_names_the_problem() {
        let e = Error::from(ClusterError::AlreadyExists("lab".into()));
        let text = render_error(&e, false);
        let first = text.lines().next().unwrap_or_default();
        assert_eq!(first, "error: a cluster named \"lab\" already exists");
        assert!(text.contains("hint: choose another name"));
    }

    #[test]
    fn unreachable_engine_shows_its_hint() {
        let e = Error::from(
            ClusterError::from(ProviderError::Unreachable {
                endpoint: "unix:///nope".into(),
                reason: "No such file".into(),
            })
            .in_step("Preparing nodes"),
        );
        assert!(render_error(&e, false).contains("hint: start Docker"));
    }

    #[test]
    fn failed_commands_show_their_output() {
        let e = Error::from(ClusterError::from(ProviderError::ExecFailed {
            node: "n".into(),
            command: "kubeadm init".into(),
            exit_code: 1,
            output: "line1\n[ERROR] boom".into(),
        }));
        let text = render_error(&e, false);
        assert!(text.contains("    [ERROR] boom"), "{text}");
    }

    #[test]
    fn load_hints_render_as_before() {
        let e = Error::from(LoadError::NodeNotRunning {
            node: "lab-worker".into(),
            state: crate::provider::NodeState::Stopped,
            cluster: "lab".into(),
        });
        let text = render_error(&e, false);
        assert!(
            text.ends_with("hint: start the cluster first: minik start --name lab\n"),
            "{text}"
        );
    }

    #[test]
    fn colour_wraps_only_the_labels() {
        let e = Error::from(crate::input::InputError::Zero { flag: "--nodes" });
        let text = render_error(&e, true);
        assert!(text.contains("\u{1b}["), "{text:?}");
        assert!(text.contains(" --nodes must be at least 1\n"), "{text:?}");
        assert!(
            text.contains(" for example: --nodes 3 (one control plane, two workers)\n"),
            "{text:?}"
        );
    }

    #[test]
    fn the_thaw_recipe_is_printed_once() {
        let e = Error::from(ProviderError::Unkillable {
            node: "lab-worker".into(),
            action: "stopped",
            message: "timeout".into(),
        });
        let text = render_error(&e, false);
        assert_eq!(text.matches("THAWED").count(), 1, "{text}");
        assert!(text.contains("hint: a cgroup inside it is probably still frozen"));
    }
}
