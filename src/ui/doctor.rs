//! `minik doctor`'s text output: one line per check (`✓ Title   found`), then indented `why:`
//! and `fix:` lines for warnings and failures. No colours, so it reads the same in a pipe.
//! What a check found often comes from the engine (its version, OS, kernel), so no value may
//! carry a control character to the terminal.

use crate::platform::{Check, Status};
use crate::text::escape_controls;

pub(crate) fn doctor_text(checks: &[Check]) -> String {
    let width = checks
        .iter()
        .map(|c| c.title.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for c in checks {
        let pad = width - c.title.chars().count();
        out.push_str(&format!(
            "{} {}{}  {}\n",
            c.status.symbol(),
            c.title,
            " ".repeat(pad),
            escape_controls(&c.found)
        ));
        if c.status != Status::Ok {
            let indent = " ".repeat(width + 4);
            out.push_str(&format!("{indent}why: {}\n", escape_controls(&c.why)));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("{indent}fix: {}\n", escape_controls(fix)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::checks::sample_rows;

    #[test]
    fn renders_rows_with_why_and_fix_for_problems_only() {
        let rows = sample_rows();
        assert_eq!(
            doctor_text(&rows),
            "✓ Engine  Docker 27\n✗ Memory  1.9 GiB\n          why: too small\n          fix: raise it\n"
        );
    }

    #[test]
    fn what_the_engine_reports_cannot_drive_the_terminal() {
        let mut rows = sample_rows();
        rows[0].found = "Docker 27\u{1b}[2J\n✓ fake".into();
        let text = doctor_text(&rows);
        assert!(
            text.starts_with("✓ Engine  Docker 27\\u{1b}[2J\\u{a}✓ fake\n"),
            "{text}"
        );
    }
}
