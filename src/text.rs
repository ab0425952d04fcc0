//! Values echoed back to the user (from files, flags, the engine) are shown through [`quoted`]:
//! a file or flag can hold terminal escape sequences, newlines or megabytes, and none of that may
//! reach the terminal as is. Prose is fitted to the terminal's width by [`wrap`].

pub(crate) mod wrap;

use std::fmt::Write;

/// The most characters of a value shown; enough for any real name, path or image reference.
pub(crate) const MAX_SHOWN: usize = 120;

/// `value` in double quotes, control characters and quotes escaped (`\n`, `\u{1b}`), cut to
/// [`MAX_SHOWN`] characters with a note of how much was left out.
pub(crate) fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_SHOWN) + 2);
    out.push('"');
    for (shown, (i, c)) in value.char_indices().enumerate() {
        if shown == MAX_SHOWN {
            out.push('"');
            let _ = write!(out, "... ({} more bytes)", value.len() - i);
            return out;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // C0, DEL, C1 (CSI and friends), and the bidi/line-separator characters that reorder
            // or break what the terminal shows.
            c if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The longest line of an error message shown; longer ones end in "...".
pub(crate) const MAX_LINE: usize = 400;

/// One line of a message for the terminal: control characters escaped, cut to [`MAX_LINE`]. The
/// renderer passes every line through this, so a value that reached a message without [`quoted`]
/// still can't drive the terminal or flood it.
pub(crate) fn clean_line(line: &str) -> String {
    if line.len() <= MAX_LINE && !line.chars().any(|c| c.is_control() && c != '\t') {
        return line.to_string();
    }
    let mut out = String::new();
    for c in line.chars() {
        if out.len() >= MAX_LINE {
            out.push_str("...");
            break;
        }
        if c == '\t' {
            out.push(c);
        } else if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// `line` with its control characters (but a tab) escaped as [`clean_line`] does, and not cut:
/// for progress lines, tables and reports whose length minik chose, but whose values (names,
/// versions, output) come from nodes or the engine.
pub(crate) fn escape_controls(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.chars().any(|c| c.is_control() && c != '\t') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if c.is_control() && c != '\t' {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_quotes_and_newlines() {
        assert_eq!(quoted("lab"), "\"lab\"");
        assert_eq!(
            quoted("\x1b[31mred\nline\t\"q\"\\"),
            "\"\\u{1b}[31mred\\nline\\t\\\"q\\\"\\\\\""
        );
        assert_eq!(quoted("\u{9b}2J\u{202e}x\r"), "\"\\u{9b}2J\\u{202e}x\\r\"");
        assert_eq!(quoted("é日本"), "\"é日本\"");
    }

    #[test]
    fn message_lines_lose_their_controls_and_length() {
        assert_eq!(clean_line("plain \"text\" \\ ok"), "plain \"text\" \\ ok");
        assert_eq!(clean_line("bad \x1b[2J"), "bad \\u{1b}[2J");
        let long = clean_line(&"x".repeat(10_000));
        assert!(long.len() <= MAX_LINE + 4 && long.ends_with("..."));
    }

    #[test]
    fn controls_are_escaped_without_cutting() {
        assert_eq!(escape_controls("plain\tline"), "plain\tline");
        assert_eq!(escape_controls("a\x1b[2J\nb"), "a\\u{1b}[2J\\u{a}b");
        let long = "y".repeat(MAX_LINE * 2);
        assert_eq!(escape_controls(&long), long);
    }

    #[test]
    fn a_huge_value_is_cut_short() {
        let name = "a".repeat(50 * 1024 * 1024);
        let started = std::time::Instant::now();
        let q = quoted(&name);
        assert!(started.elapsed().as_millis() < 500);
        assert!(q.len() < MAX_SHOWN + 40, "{}", q.len());
        assert!(q.starts_with(&format!("\"{}\"", "a".repeat(MAX_SHOWN))));
        assert!(q.ends_with(&format!("({} more bytes)", name.len() - MAX_SHOWN)));
        // Never cut inside a character.
        let q = quoted(&"日".repeat(MAX_SHOWN + 1));
        assert!(q.ends_with("(3 more bytes)"), "{q}");
    }
}
