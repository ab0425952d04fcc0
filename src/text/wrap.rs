//! Prose fitted to the terminal, in English and Korean. Widths are display columns (a Hangul
//! syllable takes two, as terminals draw it; colour codes take none), measured by `textwrap`
//! with `unicode-width`. Lines break only at ASCII spaces, the way Korean is set: the Unicode
//! line-breaking default allows a break between any two Hangul syllables, which splits words
//! ("여러분|의"). No hyphenation, and a word is never cut: one longer than the width (a URL, a
//! path, a `backquoted command` or a 'quoted argument' in a sentence) stands whole on a line of
//! its own.
//!
//! - [`wrap`]: each line of a message wrapped on its own (its line breaks are kept).
//! - [`paragraphs`]: text written in paragraphs (a lab's): lines joined into paragraphs, then
//!   wrapped.
//! - [`command`]: a shell command broken only between its words, with `\` continuations, so
//!   that pasted it is still the same command.
//!
//! In all three a line that starts with a space or a tab is kept as it is: it is a command, a
//! table or a program's output, whose spacing means something.

use textwrap::core::Word;
use textwrap::{Options, WordSeparator, WordSplitter, WrapAlgorithm};

/// The width when neither `COLUMNS` nor a terminal says: output to a file or a pipe (a log, a
/// script, CI) is not wrapped, so one message stays one line that grep finds whole. Not
/// `usize::MAX`: the optimal-fit algorithm squares the width.
pub(crate) const UNWRAPPED: usize = 1_000;
/// Prose is never wider than this, however wide the terminal: longer lines are hard to read
/// (clap's help, in the same binary, stops at 100 too).
pub(crate) const WIDEST: usize = 100;
/// Nor narrower than this: below it, wrapping only makes a column of single words.
pub(crate) const NARROWEST: usize = 20;

/// Display columns of `s`: Hangul and other wide characters count two, ANSI colour codes none.
pub(crate) fn columns(s: &str) -> usize {
    textwrap::core::display_width(s)
}

/// The width to wrap to: `COLUMNS` when it holds a number, else the terminal's (stdout's, else
/// stderr's), kept within [`NARROWEST`]..=[`WIDEST`]; else [`UNWRAPPED`].
pub(crate) fn width() -> usize {
    let terminal = terminal_size::terminal_size()
        .or_else(|| terminal_size::terminal_size_of(std::io::stderr()))
        .map(|(w, _)| usize::from(w.0));
    width_from(std::env::var("COLUMNS").ok().as_deref(), terminal)
}

fn width_from(columns: Option<&str>, terminal: Option<usize>) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or(terminal.filter(|&t| t > 0))
        .map_or(UNWRAPPED, |w| w.clamp(NARROWEST, WIDEST))
}

/// The spans of `line` a break may not fall in: a `backquoted command`, and a 'quoted' or
/// "quoted" argument that opens at a word's start and closes at a word's end (`ss -ltnp 'sport
/// = :80'`; an apostrophe, inside a word, opens nothing; a Korean particle may follow the close).
fn unbreakable(line: &str) -> Vec<(usize, usize)> {
    let ticks: Vec<usize> = line.match_indices('`').map(|(i, _)| i).collect();
    // Each pair of backquotes, in order; an odd last one pairs with nothing.
    let mut spans: Vec<(usize, usize)> = ticks.chunks_exact(2).map(|p| (p[0], p[1])).collect();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        let opens = (q == b'\'' || q == b'"') && (i == 0 || bytes[i - 1] == b' ');
        if opens && !spans.iter().any(|&(a, b)| a < i && i < b) {
            // It closes at the next same quote that ends a word: not followed by a letter or
            // digit of the Latin alphabet ("it's"), but a Korean particle may follow ("x"은).
            let close = (i + 1..bytes.len()).find(|&j| {
                bytes[j] == q && bytes.get(j + 1).is_none_or(|n| !n.is_ascii_alphanumeric())
            });
            if let Some(j) = close {
                spans.push((i, j));
                i = j;
            }
        }
        i += 1;
    }
    spans
}

/// The words of a line of prose: split after runs of ASCII spaces (as
/// `WordSeparator::AsciiSpace`), but never inside an [`unbreakable`] span, which a line break
/// would turn into two commands or arguments when it is pasted.
fn prose_words(line: &str) -> Box<dyn Iterator<Item = Word<'_>> + '_> {
    let spans = unbreakable(line);
    let inside = |i: usize| spans.iter().any(|&(a, b)| a < i && i < b);
    let mut words = Vec::new();
    let mut start = 0;
    let mut spaces = false;
    for (i, c) in line.char_indices() {
        if spaces && c != ' ' && !inside(i) {
            words.push(Word::from(&line[start..i]));
            start = i;
        }
        spaces = c == ' ';
    }
    if start < line.len() {
        words.push(Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

fn options<'a>(width: usize, first: &'a str, rest: &'a str) -> Options<'a> {
    Options::new(width)
        .word_separator(WordSeparator::Custom(prose_words))
        .word_splitter(WordSplitter::NoHyphenation)
        .break_words(false)
        .wrap_algorithm(WrapAlgorithm::FirstFit)
        .initial_indent(first)
        .subsequent_indent(rest)
}

/// Kept as it is: a line that starts with a space or a tab (a command, a table, output).
fn preformatted(line: &str) -> bool {
    line.starts_with([' ', '\t'])
}

/// `text` wrapped to `width` columns, each of its lines on its own (line breaks are kept, a
/// blank line stays blank, a line starting with whitespace is kept as it is).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    hanging(text, width, "", "")
}

/// [`wrap`] with `first` before the first line and `rest` before every other, as in
/// `hint: ...` with the lines after it indented under the text.
pub(crate) fn hanging(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let prefix = if out.is_empty() { first } else { rest };
        let line = line.trim_end();
        if line.is_empty() {
            out.push(prefix.trim_end().to_string());
        } else if preformatted(line) {
            out.push(format!("{prefix}{line}"));
        } else {
            let opts = options(width, prefix, rest);
            out.extend(textwrap::wrap(line, opts).into_iter().map(String::from));
        }
    }
    if out.is_empty() {
        // An empty text is one empty line (after its label).
        out.push(first.trim_end().to_string());
    }
    out
}

/// Each line of `text` wrapped under its own indentation: its leading spaces start each of its
/// lines, and the lines after its first are indented further, under the text after a leading
/// label (one word and a colon, as in `  hint: `), else by four columns. For messages whose indented lines are prose too (a config error's
/// `  hint:` lines); program output goes through [`wrap`], which keeps indented lines as they
/// are.
pub(crate) fn indented(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim_end) {
        let body = line.trim_start();
        let own = &line[..line.len() - body.len()];
        let label = body
            .split_once(": ")
            .filter(|(w, _)| !w.is_empty() && !w.contains(' ') && columns(w) <= 12)
            .map_or(4, |(w, _)| columns(w) + 2);
        let rest = format!("{own}{}", " ".repeat(label));
        if body.is_empty() {
            out.push(String::new());
        } else {
            let opts = options(width, own, &rest);
            out.extend(textwrap::wrap(body, opts).into_iter().map(String::from));
        }
    }
    out
}

/// One block of text written in paragraphs.
#[derive(Debug, PartialEq, Eq)]
enum Block {
    /// Words to fill; `item` for a line that began with "- " (a list item).
    Prose {
        words: String,
        item: bool,
    },
    /// A line kept as it is.
    Kept(String),
    Blank,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if !matches!(out.last(), None | Some(Block::Blank)) {
                out.push(Block::Blank);
            }
        } else if let (true, Some(Block::Prose { words, item: true })) =
            (preformatted(line), out.last_mut())
        {
            // An item's own lines, indented under it.
            words.push(' ');
            words.push_str(trimmed);
        } else if preformatted(line) {
            out.push(Block::Kept(line.trim_end().to_string()));
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            out.push(Block::Prose {
                words: item.trim_start().to_string(),
                item: true,
            });
        } else if let Some(Block::Prose { words, .. }) = out.last_mut() {
            words.push(' ');
            words.push_str(trimmed);
        } else {
            out.push(Block::Prose {
                words: trimmed.to_string(),
                item: false,
            });
        }
    }
    if out.last() == Some(&Block::Blank) {
        out.pop();
    }
    out
}

/// Text written in paragraphs (a lab step's), wrapped to `width` after `indent`: the lines of
/// a paragraph are joined with spaces (so the file's own line breaks don't matter), a blank line
/// separates paragraphs, a line starting with "- " is a list item (its lines after the first
/// indented under its text, as the file may indent them too), and any other line starting with
/// whitespace is kept as it is.
pub(crate) fn paragraphs(text: &str, width: usize, indent: &str) -> Vec<String> {
    let mut out = Vec::new();
    let under = format!("{indent}  ");
    for block in blocks(text) {
        match block {
            Block::Blank => out.push(String::new()),
            Block::Kept(line) => out.push(format!("{indent}{line}")),
            Block::Prose { words, item } => {
                let first = format!("{indent}{}", if item { "- " } else { "" });
                let rest = if item { under.as_str() } else { indent };
                let opts = options(width, &first, rest);
                out.extend(textwrap::wrap(&words, opts).into_iter().map(String::from));
            }
        }
    }
    out
}

/// The words of a shell command line: split at spaces outside quotes (a quoted argument is one
/// word however many spaces it holds).
fn shell_words(line: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let (mut start, mut quote) = (None::<usize>, None::<char>);
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, ' ') => {
                if let Some(s) = start.take() {
                    words.push(&line[s..i]);
                }
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (None, _) => {}
        }
        start.get_or_insert(i);
    }
    if let Some(s) = start {
        words.push(&line[s..]);
    }
    words
}

/// The line continuation of this OS's usual shell: `\` in sh, bash and zsh; a backtick in
/// PowerShell.
pub(crate) const CONTINUATION: &str = if cfg!(windows) { " `" } else { " \\" };

/// A shell command line fitted to `width` after `indent`: broken only between words (never
/// inside quotes), every line but the last ending in `continuation` ([`CONTINUATION`]), the
/// lines after the first indented four columns more. Pasted, it is the same command. A word
/// longer than the width stays whole on its own line: cut, it would be another command.
/// `indent` may be a prompt (`$ `): the lines after the first are indented with spaces.
pub(crate) fn command(line: &str, width: usize, indent: &str, continuation: &str) -> Vec<String> {
    let words = shell_words(line.trim());
    let more = " ".repeat(columns(indent) + 4);
    let tail = columns(continuation);
    // The width of a line of `words` after `prefix`, with the continuation unless it is last.
    let span = |prefix: &str, words: &[&str], last: bool| {
        columns(prefix) + columns(&words.join(" ")) + if last { 0 } else { tail }
    };
    let mut lines: Vec<Vec<&str>> = vec![Vec::new()];
    for (i, &word) in words.iter().enumerate() {
        let last = i + 1 == words.len();
        let prefix = if lines.len() == 1 {
            indent
        } else {
            more.as_str()
        };
        let Some(current) = lines.last_mut() else {
            break;
        };
        let mut with = current.clone();
        with.push(word);
        if current.is_empty() || span(prefix, &with, last) <= width {
            *current = with;
            continue;
        }
        // A flag goes down with its value (`-o` `wide`), when the two fit on a line.
        let mut next = vec![word];
        if let [_, .., flag] = current.as_slice() {
            let flag = *flag;
            if flag.starts_with('-')
                && !word.starts_with('-')
                && span(&more, &[flag, word], last) <= width
            {
                current.pop();
                next.insert(0, flag);
            }
        }
        lines.push(next);
    }
    let count = lines.len();
    lines
        .iter()
        .enumerate()
        .filter(|(_, words)| !words.is_empty())
        .map(|(i, words)| {
            let prefix = if i == 0 { indent } else { more.as_str() };
            let end = if i + 1 < count { continuation } else { "" };
            format!("{prefix}{}{end}", words.join(" "))
        })
        .collect()
}

/// A command shown by [`command`], joined back: what the shell runs when it is pasted.
#[cfg(test)]
pub(crate) fn unwrap_command(lines: &[String], continuation: &str) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .map(|l| l.strip_suffix(continuation.trim()).unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[path = "wrap_tests.rs"]
mod tests;
