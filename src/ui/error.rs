//! The one place errors are rendered for humans: a first line that says what went wrong, then
//! any output that explains it (a failed command's output, a node's last log lines, where the
//! engine was looked for), then the hint the error carries.

use super::style::Paint;
use crate::error::Error;
use crate::hint::Hint;

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
    if let Some(details) = err.details() {
        let lines: Vec<&str> = details.lines().collect();
        let start = lines.len().saturating_sub(DETAIL_LINES);
        let label = if matches!(err, Error::Unreachable { .. }) {
            "  looked at:\n"
        } else {
            "  output:\n"
        };
        out.push_str(&Paint::Dim.apply(label, color));
        for l in &lines[start..] {
            out.push_str(&format!("    {}\n", crate::text::clean_line(l)));
        }
    }
    if let Some(hint) = err.hint() {
        out.push_str(&format!(
            "{} {}\n",
            Paint::Hint.apply("hint:", color),
            clean(&hint)
        ));
    }
    out
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
        let e = Error::usage("bad flag", "fix it");
        let text = render_error(&e, true);
        assert!(text.contains("\u{1b}["), "{text:?}");
        assert!(text.contains(" bad flag\n"), "{text:?}");
        assert!(text.contains(" fix it\n"), "{text:?}");
    }
}
