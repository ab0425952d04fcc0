//! A small YAML tree that remembers where every node starts, so that config errors can point at
//! `file:line:column`. `serde_yaml` only reports positions for its own syntax errors, so the config
//! file is read with `saphyr-parser` (a YAML 1.2 event parser that gives spans) and decoded by hand.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::error::Location;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `~`, `null` or nothing at all.
    Null,
    /// Any scalar, with its text as written. `plain` is false for quoted and block scalars, which
    /// are always strings, never numbers or booleans.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) at: Location,
}

impl Node {
    /// What the node is, for "expected X, found Y" messages.
    pub(crate) fn describe(&self) -> String {
        match &self.value {
            Value::Null => "nothing (null)".into(),
            Value::Scalar { text, plain } => {
                if *plain && as_bool(text).is_some() {
                    format!("the boolean {text}")
                } else if *plain && as_int(text).is_some() {
                    format!("the number {text}")
                } else {
                    format!("the text {}", crate::text::quoted(text))
                }
            }
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping (key: value pairs)".into(),
        }
    }
}

/// YAML 1.2 core-schema booleans.
pub(crate) fn as_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// YAML 1.2 core-schema integers: decimal (with sign), `0x…` and `0o…`.
pub(crate) fn as_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn location(span: &Span) -> Location {
    Location {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

fn is_null(text: &str, style: ScalarStyle) -> bool {
    style == ScalarStyle::Plain && matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// A collection being read: where it started, its anchor id (0 for none) and its content so far.
enum Open {
    Seq(Location, usize, Vec<Node>),
    /// The last field is a key waiting for its value.
    Map(Location, usize, Vec<(Node, Node)>, Option<Node>),
}

/// The most nodes aliases may add to a document; a config file needs a tiny fraction of this.
const MAX_EXPANDED: usize = 100_000;

/// The deepest nesting of lists and mappings read. kind's deepest field (a JSON 6902 patch value
/// inside a node) sits a handful of levels down; the limit keeps every later walk of the tree
/// (clone, drop, decode) far from the stack's end.
pub(crate) const MAX_DEPTH: usize = 64;

/// Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`), as kind's reader (go-yaml) does: the
/// mapping's own keys win, then earlier merged mappings over later ones.
fn merge_keys(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, (Location, String)> {
    let is_merge =
        |k: &Node| matches!(&k.value, Value::Scalar { text, plain: true } if text == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return Ok(entries);
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| is_merge(k));
    let same_key = |a: &Node, b: &Node| match (&a.value, &b.value) {
        (Value::Scalar { text: x, .. }, Value::Scalar { text: y, .. }) => x == y,
        (x, y) => x == y,
    };
    for (key, value) in merges {
        let sources = match value.value {
            Value::Map(m) => vec![m],
            Value::Seq(items) => {
                let mut maps = Vec::new();
                for item in items {
                    match item.value {
                        Value::Map(m) => maps.push(m),
                        _ => return Err((item.at, MERGE_TYPE.into())),
                    }
                }
                maps
            }
            _ => return Err((key.at, MERGE_TYPE.into())),
        };
        for (k, v) in sources.into_iter().flatten() {
            if !own.iter().any(|(o, _)| same_key(o, &k)) {
                own.push((k, v));
            }
        }
    }
    Ok(own)
}

const MERGE_TYPE: &str = "a merge key (<<) takes a mapping or a list of mappings";

fn size(node: &Node) -> usize {
    match &node.value {
        Value::Null | Value::Scalar { .. } => 1,
        Value::Seq(items) => 1 + items.iter().map(size).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| size(k) + size(v))
                .sum::<usize>()
        }
    }
}

fn scalar(text: String, style: ScalarStyle, forced_str: bool, at: Location) -> Node {
    let value = if !forced_str && is_null(&text, style) {
        Value::Null
    } else {
        let plain = style == ScalarStyle::Plain && !forced_str;
        Value::Scalar { text, plain }
    };
    Node { value, at }
}

/// A copy of the anchored node; the copies made in all stay under [`MAX_EXPANDED`] nodes, since
/// nested aliases could otherwise grow without bound.
fn expand_alias(
    anchors: &[(usize, Node, usize)],
    id: usize,
    expanded: &mut usize,
    at: Location,
) -> Result<Node, (Location, String)> {
    match anchors.iter().rev().find(|(a, _, _)| *a == id) {
        Some((_, n, size)) => {
            *expanded = expanded.saturating_add(*size);
            if *expanded > MAX_EXPANDED {
                return Err((at, "aliases expand to too large a document".into()));
            }
            Ok(Node {
                value: n.value.clone(),
                at,
            })
        }
        None => Err((at, "alias to an unknown anchor".into())),
    }
}

/// A finished node goes into the open list or mapping (as a key, then as its value), or is a
/// document.
fn attach(stack: &mut [Open], docs: &mut Vec<Node>, node: Node) {
    match stack.last_mut() {
        None => docs.push(node),
        Some(Open::Seq(_, _, items)) => items.push(node),
        Some(Open::Map(_, _, entries, pending)) => match pending.take() {
            None => *pending = Some(node),
            Some(key) => entries.push((key, node)),
        },
    }
}

/// Parses every document of `src`. A syntax error comes back with its position.
pub(crate) fn parse(src: &str) -> Result<Vec<Node>, (Location, String)> {
    let mut parser = Parser::new_from_str(src);
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    // Anchored nodes by id and size, so aliases can be expanded in place.
    let mut anchors: Vec<(usize, Node, usize)> = Vec::new();
    // Nodes created by expanding aliases; nested aliases could otherwise grow without bound.
    let mut expanded = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let m = e.marker();
            (
                Location {
                    line: m.line(),
                    column: m.col() + 1,
                },
                e.info().to_string(),
            )
        })?;
        let at = location(&span);
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let forced_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                (scalar(text.into_owned(), style, forced_str, at), anchor)
            }
            Event::Alias(id) => (expand_alias(&anchors, id, &mut expanded, at)?, 0),
            Event::SequenceStart(..) | Event::MappingStart(..) if stack.len() >= MAX_DEPTH => {
                return Err((
                    at,
                    format!("lists and mappings nested more than {MAX_DEPTH} deep"),
                ));
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Open::Seq(at, anchor, Vec::new()));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Open::Map(at, anchor, Vec::new(), None));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq(start, anchor, items)) => (
                    Node {
                        value: Value::Seq(items),
                        at: start,
                    },
                    anchor,
                ),
                _ => return Err((at, "unbalanced sequence".into())),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map(start, anchor, entries, None)) => (
                    Node {
                        value: Value::Map(merge_keys(entries)?),
                        at: start,
                    },
                    anchor,
                ),
                _ => return Err((at, "unbalanced mapping".into())),
            },
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => continue,
        };
        if anchor != 0 {
            anchors.push((anchor, node.clone(), size(&node)));
        }
        attach(&mut stack, &mut docs, node);
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted_scalar(text: &str) -> Value {
        Value::Scalar {
            text: text.into(),
            plain: false,
        }
    }

    fn loc(line: usize, column: usize) -> Location {
        Location { line, column }
    }

    #[test]
    fn records_positions_of_keys_and_values() {
        let docs = parse("a: 1\nb:\n  - x: 'y'\n").unwrap();
        assert_eq!(docs.len(), 1);
        let Value::Map(entries) = &docs[0].value else {
            panic!("not a map")
        };
        assert_eq!(entries[0].0.at, loc(1, 1));
        assert_eq!(entries[0].1.at, loc(1, 4));
        assert_eq!(entries[1].1.at, loc(3, 3));
        let Value::Seq(items) = &entries[1].1.value else {
            panic!("not a seq")
        };
        let Value::Map(inner) = &items[0].value else {
            panic!("not a map")
        };
        assert_eq!(inner[0].1.at, loc(3, 8));
        assert_eq!(inner[0].1.value, quoted_scalar("y"));
    }

    #[test]
    fn nulls_quotes_and_aliases() {
        let docs = parse("a:\nb: ~\nc: \"1\"\nd: &x [1]\ne: *x\nf: !!str 2\n").unwrap();
        let Value::Map(e) = &docs[0].value else {
            panic!()
        };
        assert_eq!(e[0].1.value, Value::Null);
        assert_eq!(e[1].1.value, Value::Null);
        assert_eq!(e[2].1.value, quoted_scalar("1"));
        assert_eq!(e[4].1.value, e[3].1.value);
        assert_eq!(e[4].1.at, loc(5, 4));
        assert_eq!(e[5].1.value, quoted_scalar("2"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let (at, msg) = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(at.line >= 1, "{at:?} {msg}");
        assert!(parse("a: *nope\n").is_err());
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let (_, msg) = parse(&bomb).unwrap_err();
        assert!(msg.contains("too large"), "{msg}");
    }

    #[test]
    fn deep_nesting_stops_early_with_a_position() {
        let deep = format!("nodes:\n{}x\n", "- ".repeat(100_000));
        let started = std::time::Instant::now();
        let (at, msg) = parse(&deep).unwrap_err();
        assert!(started.elapsed().as_millis() < 1000);
        assert!(msg.contains("nested more than 64"), "{msg}");
        assert_eq!(at.line, 2);
        let flow = format!("a: {}", "[".repeat(100_000));
        // saphyr-parser has its own limit on flow nesting; either way an error, no overflow.
        assert!(parse(&flow).is_err());
        let ok = format!("a: {}1{}", "[".repeat(60), "]".repeat(60));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn merge_keys_as_go_yaml_reads_them() {
        let docs =
            parse("b: &b {x: 1, y: 2}\nc: &c {z: 3, y: 9}\nm:\n  <<: [*b, *c]\n  x: 0\n").unwrap();
        let Value::Map(top) = &docs[0].value else {
            panic!()
        };
        let Value::Map(m) = &top[2].1.value else {
            panic!()
        };
        let pairs: Vec<(String, String)> = m
            .iter()
            .map(|(k, v)| match (&k.value, &v.value) {
                (Value::Scalar { text: k, .. }, Value::Scalar { text: v, .. }) => {
                    (k.clone(), v.clone())
                }
                _ => panic!(),
            })
            .collect();
        let want = [("x", "0"), ("y", "2"), ("z", "3")];
        assert_eq!(pairs.len(), 3);
        for (k, v) in want {
            assert!(pairs.contains(&(k.into(), v.into())), "{pairs:?}");
        }
        let (at, msg) = parse("a:\n  <<: 1\n").unwrap_err();
        assert_eq!((at.line, msg.as_str()), (2, MERGE_TYPE));
        // A quoted "<<" is an ordinary key.
        let docs = parse("'<<': 1\n").unwrap();
        let Value::Map(top) = &docs[0].value else {
            panic!()
        };
        assert_eq!(top.len(), 1);
    }

    #[test]
    fn integers_and_booleans() {
        assert_eq!(as_int("80"), Some(80));
        assert_eq!(as_int("-1"), Some(-1));
        assert_eq!(as_int("0x50"), Some(80));
        assert_eq!(as_int("8o"), None);
        assert_eq!(as_int(""), None);
        assert_eq!(as_bool("True"), Some(true));
        assert_eq!(as_bool("yes"), None);
    }
}
