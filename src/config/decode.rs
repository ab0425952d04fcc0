//! Typed reading of the positioned YAML tree. Every problem is collected (not just the first)
//! with its position, and decoding carries on with the rest of the file.

use std::collections::BTreeMap;

use super::error::{closest, ConfigError, ConfigErrors, Location};
use super::source::SourceMap;
use super::yaml::{as_bool, as_int, Node, Value};
use crate::text::quoted;

pub(crate) struct Decoder {
    pub(crate) errors: ConfigErrors,
    pub(crate) map: SourceMap,
}

/// The last segment of a path, for messages: `nodes[0].role` → `role`, `nodes[0]` → `nodes`,
/// `featureGates[SomeGate]` → `SomeGate`.
pub(crate) fn field_name(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    if let Some(key) = last
        .strip_suffix(']')
        .and_then(|l| l.split_once('['))
        .map(|(_, k)| k)
    {
        if !key.bytes().all(|b| b.is_ascii_digit()) {
            return key;
        }
    }
    last.split('[').next().unwrap_or(last)
}

impl Decoder {
    pub(crate) fn new(map: SourceMap) -> Self {
        Decoder {
            errors: ConfigErrors::default(),
            map,
        }
    }

    pub(crate) fn error(&mut self, at: Location, message: String, hint: impl Into<String>) {
        let origin = self.map.origin().to_string();
        self.errors
            .push(ConfigError::new(origin, Some(at), message, hint));
    }

    fn wrong_type(&mut self, node: &Node, path: &str, expected: &str, example: &str) {
        self.map.mark_failed(path);
        let field = field_name(path);
        let hint = match &node.value {
            Value::Scalar { plain: false, text }
                if as_int(text).is_some() || as_bool(text).is_some() =>
            {
                format!("remove the quotes: {field}: {text}")
            }
            _ => format!("for example {example}"),
        };
        self.error(
            node.at,
            format!(
                "invalid type for {}: expected {expected}, found {}",
                quoted(field),
                node.describe()
            ),
            hint,
        );
    }

    /// The fields of a mapping, checked against `known`. `what` names the mapping in hints ("a node").
    /// Unknown and repeated keys are reported and skipped; null means an empty mapping.
    pub(crate) fn fields<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        what: &str,
        known: &[&'static str],
    ) -> Vec<(&'static str, String, &'n Node)> {
        let entries = match &node.value {
            Value::Null => return Vec::new(),
            Value::Map(entries) => entries,
            _ => {
                let example = format!("{}: ...", known.first().copied().unwrap_or("field"));
                self.wrong_type(node, path, &format!("{what} (key: value pairs)"), &example);
                return Vec::new();
            }
        };
        let mut out: Vec<(&'static str, String, &Node)> = Vec::new();
        for (key, value) in entries {
            let Value::Scalar { text: name, .. } = &key.value else {
                self.error(
                    key.at,
                    format!("invalid key in {what}: {}", key.describe()),
                    "keys are field names such as role or image",
                );
                continue;
            };
            let Some(known_name) = known.iter().find(|k| **k == name.as_str()) else {
                let list = known.join(", ");
                match closest(name, known) {
                    Some(guess) => self.error(
                        key.at,
                        format!("unknown field {}, did you mean \"{guess}\"?", quoted(name)),
                        format!("the fields of {what} are: {list}"),
                    ),
                    None => self.error(
                        key.at,
                        format!("unknown field {} in {what}", quoted(name)),
                        format!("the fields of {what} are: {list}"),
                    ),
                }
                continue;
            };
            if let Some((_, _, first)) = out.iter().find(|(k, _, _)| k == known_name) {
                let line = first.at.line;
                self.error(
                    key.at,
                    format!("field {} is set twice (first on line {line})", quoted(name)),
                    "keep one of them",
                );
                continue;
            }
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            self.map.record(&child, key.at, value.at);
            out.push((known_name, child, value));
        }
        out
    }

    /// Any scalar as text (as YAML decoders do for string fields); null is "not set".
    pub(crate) fn string(&mut self, node: &Node, path: &str, example: &str) -> Option<String> {
        match &node.value {
            Value::Null => None,
            Value::Scalar { text, .. } => Some(text.clone()),
            _ => {
                self.wrong_type(node, path, "a string", example);
                None
            }
        }
    }

    pub(crate) fn bool(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.value {
            Value::Null => None,
            Value::Scalar { text, plain: true } if as_bool(text).is_some() => as_bool(text),
            _ => {
                let example = format!("{}: true", field_name(path));
                self.wrong_type(node, path, "true or false", &example);
                None
            }
        }
    }

    /// An integer within `min..=max`.
    pub(crate) fn int(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        let field = field_name(path);
        match &node.value {
            Value::Null => None,
            Value::Scalar { text, plain: true } if as_int(text).is_some() => {
                let n = as_int(text)?;
                if (min..=max).contains(&n) {
                    Some(n)
                } else {
                    self.map.mark_failed(path);
                    self.error(
                        node.at,
                        format!("\"{field}\" is {n}, outside the allowed range {min}..{max}"),
                        format!("use a value from {min} to {max}"),
                    );
                    None
                }
            }
            _ => {
                let example = format!("{field}: {}", max.min(8080));
                self.wrong_type(node, path, "an integer", &example);
                None
            }
        }
    }

    /// The items of a list with their paths; null is an empty list.
    pub(crate) fn list<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        example: &str,
    ) -> Vec<(String, &'n Node)> {
        match &node.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{path}[{i}]");
                    self.map.record(&p, item.at, item.at);
                    (p, item)
                })
                .collect(),
            _ => {
                self.wrong_type(node, path, "a list", example);
                Vec::new()
            }
        }
    }

    pub(crate) fn string_list(&mut self, node: &Node, path: &str, example: &str) -> Vec<String> {
        let items = self.list(node, path, example);
        // A bad item becomes "" (its error reported) so that indices keep matching the file's.
        items
            .into_iter()
            .map(|(p, item)| self.string(item, &p, example).unwrap_or_default())
            .collect()
    }

    /// The entries of a free-form mapping (labels, featureGates) with their paths.
    fn entries<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        example: &str,
    ) -> Vec<(String, String, &'n Node)> {
        let entries = match &node.value {
            Value::Null => return Vec::new(),
            Value::Map(entries) => entries,
            _ => {
                self.wrong_type(node, path, "a mapping (key: value pairs)", example);
                return Vec::new();
            }
        };
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut out = Vec::new();
        for (key, value) in entries {
            let Value::Scalar { text: name, .. } = &key.value else {
                self.wrong_type(key, path, "a text key", example);
                continue;
            };
            if let Some(line) = seen.insert(name, key.at.line) {
                self.error(
                    key.at,
                    format!("key {} is set twice (first on line {line})", quoted(name)),
                    "keep one of them",
                );
                continue;
            }
            let p = format!("{path}[{name}]");
            self.map.record(&p, key.at, value.at);
            out.push((name.clone(), p, value));
        }
        out
    }

    pub(crate) fn string_map(
        &mut self,
        node: &Node,
        path: &str,
        example: &str,
    ) -> BTreeMap<String, String> {
        let entries = self.entries(node, path, example);
        let mut out = BTreeMap::new();
        for (k, p, v) in entries {
            // `key:` with nothing after it is an empty value, as for labels such as `role: ""`.
            let value = match &v.value {
                Value::Null => Some(String::new()),
                _ => self.string(v, &p, example),
            };
            if let Some(value) = value {
                out.insert(k, value);
            }
        }
        out
    }

    pub(crate) fn bool_map(&mut self, node: &Node, path: &str) -> BTreeMap<String, bool> {
        let entries = self.entries(node, path, "featureGates: {SomeGate: true}");
        let mut out = BTreeMap::new();
        for (k, p, v) in entries {
            if let Some(b) = self.bool(v, &p) {
                out.insert(k, b);
            }
        }
        out
    }

    /// One of `allowed` (compared ignoring case when `fold_case`); returns its index.
    pub(crate) fn choice(
        &mut self,
        node: &Node,
        path: &str,
        allowed: &[&str],
        fold_case: bool,
    ) -> Option<usize> {
        let field = field_name(path);
        let text = self.string(
            node,
            path,
            &format!("{field}: {}", allowed.first().copied().unwrap_or("")),
        )?;
        // kind's fields of this kind are Go strings whose "" means "use the default".
        if text.is_empty() {
            return None;
        }
        let found = allowed
            .iter()
            .position(|a| *a == text || (fold_case && a.eq_ignore_ascii_case(&text)));
        if found.is_none() {
            self.map.mark_failed(path);
            let list = allowed.join(", ");
            let message = match closest(&text, allowed) {
                Some(guess) => format!(
                    "invalid {field} {}, did you mean \"{guess}\"?",
                    quoted(&text)
                ),
                None => format!("invalid {field} {}", quoted(&text)),
            };
            self.error(node.at, message, format!("{field} must be one of: {list}"));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse;
    use super::*;

    fn decode<T>(src: &str, f: impl FnOnce(&mut Decoder, &Node) -> T) -> (T, Vec<String>) {
        let docs = parse(src).unwrap();
        let mut d = Decoder::new(SourceMap::new("t.yaml"));
        let out = f(&mut d, &docs[0]);
        (out, d.errors.iter().map(|e| e.headline()).collect())
    }

    #[test]
    fn unknown_and_duplicate_fields_are_all_reported() {
        let (fields, errs) = decode("role: worker\nimgae: x\nrole: worker\nfoo: 1\n", |d, n| {
            d.fields(n, "nodes[0]", "a node", &["role", "image"]).len()
        });
        assert_eq!(fields, 1);
        assert_eq!(
            errs,
            [
                "t.yaml:2:1: unknown field \"imgae\", did you mean \"image\"?",
                "t.yaml:3:1: field \"role\" is set twice (first on line 1)",
                "t.yaml:4:1: unknown field \"foo\" in a node",
            ]
        );
    }

    #[test]
    fn wrong_types_name_what_was_found() {
        let (v, errs) = decode("p: \"80\"\n", |d, n| {
            let f = d.fields(n, "", "x", &["p"]);
            d.int(f[0].2, &f[0].1, 0, 65535)
        });
        assert_eq!(v, None);
        assert_eq!(
            errs,
            ["t.yaml:1:4: invalid type for \"p\": expected an integer, found the text \"80\""]
        );
        let (_, errs) = decode("[1]\n", |d, n| d.bool(n, "readOnly"));
        assert_eq!(errs.len(), 1);
    }

    #[test]
    fn choices_fold_case_and_suggest() {
        let (v, errs) = decode("tcp\n", |d, n| {
            d.choice(n, "protocol", &["TCP", "UDP"], true)
        });
        assert_eq!((v, errs.len()), (Some(0), 0));
        let (v, errs) = decode("wroker\n", |d, n| {
            d.choice(n, "role", &["control-plane", "worker"], false)
        });
        assert_eq!(v, None);
        assert_eq!(
            errs,
            ["t.yaml:1:1: invalid role \"wroker\", did you mean \"worker\"?"]
        );
    }

    #[test]
    fn maps_accept_any_scalar_as_text() {
        let (m, errs) = decode("a: true\nb: 1\nc:\n", |d, n| d.string_map(n, "labels", ""));
        assert!(errs.is_empty());
        assert_eq!(m["a"], "true");
        assert_eq!(m["b"], "1");
        assert_eq!(m["c"], "");
    }
}
