//! The palette: every colour minik prints comes from here, painted by `console` only when the
//! caller decided colour is on (see [`super::use_color`]).

use console::Style;

/// One role a piece of text plays on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Paint {
    /// `error:`.
    Error,
    /// `warning:`.
    Warning,
    /// `hint:`.
    Hint,
    /// A finished step (✓).
    Ok,
    /// A failed step (✗).
    Failed,
    /// Secondary text: timings, labels, verbose output.
    Dim,
}

impl Paint {
    fn style(self) -> Style {
        match self {
            Paint::Error => Style::new().red().bold(),
            Paint::Warning => Style::new().yellow(),
            Paint::Hint => Style::new().cyan(),
            Paint::Ok => Style::new().green(),
            Paint::Failed => Style::new().red(),
            Paint::Dim => Style::new().dim(),
        }
    }

    /// `text` in this role's colour when `color` is on, unchanged otherwise.
    pub(crate) fn apply(self, text: &str, color: bool) -> String {
        if color {
            self.style().force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(Paint::Error.apply("error:", false), "error:");
        let painted = Paint::Error.apply("error:", true);
        assert!(
            painted.starts_with('\u{1b}') && painted.contains("error:"),
            "{painted:?}"
        );
        assert!(painted.ends_with("\u{1b}[0m"), "{painted:?}");
    }
}
