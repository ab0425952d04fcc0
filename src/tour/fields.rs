//! Field paths into API objects, as lab checks write them: `status.phase`,
//! `spec.containers[0].image`, `status.conditions[type=Ready].status`. Smaller than JSONPath on
//! purpose: one value per path, so "equals" has one meaning.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
    /// The first list item whose `key` field has this text.
    Match(String, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Path(Vec<Segment>);

impl Path {
    pub(super) fn parse(text: &str) -> Result<Path, String> {
        let bad = |why: &str| format!("invalid field path \"{text}\": {why}");
        let text_ = text.strip_prefix('.').unwrap_or(text);
        if text_.is_empty() {
            return Err(bad("it is empty"));
        }
        let mut segments = Vec::new();
        for part in text_.split('.') {
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if key.is_empty() && rest.is_empty() {
                return Err(bad("a name is missing between dots"));
            }
            if !key.is_empty() {
                segments.push(Segment::Key(key.to_string()));
            }
            while let Some(inner) = rest.strip_prefix('[') {
                let Some(end) = inner.find(']') else {
                    return Err(bad("a [ is not closed"));
                };
                let sel = &inner[..end];
                rest = &inner[end + 1..];
                segments.push(match sel.split_once('=') {
                    Some((k, v)) if !k.is_empty() => Segment::Match(k.into(), v.into()),
                    _ => Segment::Index(
                        sel.parse()
                            .map_err(|_| bad("use [N] or [key=value] between brackets"))?,
                    ),
                });
            }
            if !rest.is_empty() {
                return Err(bad("text after ]"));
            }
        }
        Ok(Path(segments))
    }

    /// The value at this path, if there is one.
    pub(super) fn get<'v>(&self, mut v: &'v Value) -> Option<&'v Value> {
        for s in &self.0 {
            v = match s {
                Segment::Key(k) => v.get(k)?,
                Segment::Index(i) => v.get(i)?,
                Segment::Match(k, want) => v
                    .as_array()?
                    .iter()
                    .find(|item| item.get(k).and_then(text).as_deref() == Some(want.as_str()))?,
            };
        }
        Some(v)
    }

    /// The value at this path as text (`None` when missing or null).
    pub(super) fn text(&self, v: &Value) -> Option<String> {
        self.get(v).and_then(text)
    }
}

/// A JSON value as a check compares it: strings as they are, numbers and booleans as written.
pub(super) fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_reach_keys_indices_and_matches() {
        let node = json!({"status": {"conditions": [
            {"type": "MemoryPressure", "status": "False"},
            {"type": "Ready", "status": "True"}
        ], "readyReplicas": 3, "ok": true}});
        let t = |p: &str| Path::parse(p).unwrap().text(&node);
        assert_eq!(
            t("status.conditions[type=Ready].status").as_deref(),
            Some("True")
        );
        assert_eq!(
            t(".status.conditions[0].type").as_deref(),
            Some("MemoryPressure")
        );
        assert_eq!(t("status.readyReplicas").as_deref(), Some("3"));
        assert_eq!(t("status.ok").as_deref(), Some("true"));
        assert_eq!(t("status.missing"), None);
        assert_eq!(t("status.conditions[type=Gone].status"), None);
    }

    #[test]
    fn bad_paths_say_why() {
        assert!(Path::parse("").unwrap_err().contains("empty"));
        assert!(Path::parse("a..b").unwrap_err().contains("missing"));
        assert!(Path::parse("a[x").unwrap_err().contains("not closed"));
        assert!(Path::parse("a[x]").unwrap_err().contains("[N]"));
        assert!(Path::parse("a[0]b").unwrap_err().contains("after ]"));
    }
}
