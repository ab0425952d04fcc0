//! `minik doctor`'s text output: one line per check (`✓ Title   found`), then indented `why:`
//! and `fix:` lines for warnings and failures. No colours, so it reads the same in a pipe.
//! What a check found often comes from the engine (its version, OS, kernel), so no value may
//! carry a control character to the terminal.

use crate::i18n::Lang;
use crate::platform::{Check, Status};
use crate::text::escape_controls;
use crate::text::wrap::{self, columns};

/// The checks in `lang`: each title by its id, and what a check found, why and its fix.
pub(crate) fn localized(checks: &[Check], lang: Lang) -> Vec<Check> {
    if lang == Lang::En {
        return checks.to_vec();
    }
    let words = crate::i18n::ko_doctor();
    let text = |m: &crate::i18n::Msg| crate::i18n::Msg::verbatim(m.in_lang(lang));
    checks
        .iter()
        .map(|c| Check {
            title: words
                .titles
                .get(c.id)
                .cloned()
                .unwrap_or_else(|| c.title.clone()),
            found: text(&c.found),
            why: text(&c.why),
            fix: c.fix.as_ref().map(text),
            ..c.clone()
        })
        .collect()
}

#[cfg(test)]
pub(crate) fn doctor_text(checks: &[Check]) -> String {
    doctor_text_in(checks, Lang::En)
}

/// [`doctor_text`] in `lang`.
pub(crate) fn doctor_text_in(checks: &[Check], lang: Lang) -> String {
    doctor_text_at_in(checks, wrap::width(), lang)
}

#[cfg(test)]
pub(crate) fn doctor_text_at(checks: &[Check], width: usize) -> String {
    doctor_text_at_in(checks, width, Lang::En)
}

/// [`doctor_text`] in `lang`, wrapped to `width` columns: what a check found continues under
/// the found column, `why:` and `fix:` under their own text.
pub(crate) fn doctor_text_at_in(checks: &[Check], width: usize, lang: Lang) -> String {
    let (why_label, fix_label) = match lang {
        Lang::En => ("why:", "fix:"),
        Lang::Ko => ("이유:", "해결:"),
    };
    let checks = &localized(checks, lang);
    let titles = checks.iter().map(|c| columns(&c.title)).max().unwrap_or(0);
    // The found column, unless it would leave too little room: then under the title.
    let column = if titles + 4 > width / 2 {
        4
    } else {
        titles + 4
    };
    let indent = " ".repeat(column);
    let under = " ".repeat(column + 5);
    let mut lines = Vec::new();
    for c in checks {
        let pad = " ".repeat(titles - columns(&c.title));
        let row = format!(
            "{} {}{pad}  {}",
            c.status.symbol(),
            c.title,
            escape_controls(&c.found)
        );
        lines.extend(wrap::hanging(&row, width, "", &indent));
        if c.status != Status::Ok {
            let why = format!("{why_label} {}", escape_controls(&c.why));
            lines.extend(wrap::hanging(&why, width, &indent, &under));
            if let Some(fix) = &c.fix {
                let fix = format!("{fix_label} {}", escape_controls(fix));
                lines.extend(wrap::hanging(&fix, width, &indent, &under));
            }
        }
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::checks::sample_rows;

    #[test]
    fn renders_rows_with_why_and_fix_for_problems_only() {
        let rows = sample_rows();
        assert_eq!(
            doctor_text_at(&rows, 80),
            "✓ Engine  Docker 27\n✗ Memory  1.9 GiB\n          why: too small\n          fix: raise it\n"
        );
    }

    #[test]
    fn what_the_engine_reports_cannot_drive_the_terminal() {
        let mut rows = sample_rows();
        rows[0].found = "Docker 27\u{1b}[2J\n✓ fake".into();
        let text = doctor_text_at(&rows, 80);
        assert!(
            text.starts_with("✓ Engine  Docker 27\\u{1b}[2J\\u{a}✓ fake\n"),
            "{text}"
        );
    }
}
