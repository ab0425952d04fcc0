//! kubeconfig documents as minimal types that keep everything they do not model: unknown
//! fields, `preferences`, `extensions`, entry order and the original top-level key order.
//! Users are opaque (exec plugins, tokens, client certificates round-trip untouched).
//!
//! Comments are not kept: like kubectl, rewriting a file drops them.

use serde::{Deserialize, Deserializer, Serialize};
use serde_yaml::{Mapping, Value};

/// A kubeconfig file (`kind: Config`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Config {
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) api_version: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) clusters: Vec<NamedCluster>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) contexts: Vec<NamedContext>,
    #[serde(
        rename = "current-context",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) current_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) users: Vec<NamedUser>,
    /// Everything else at the top level (`preferences`, `extensions`, unknown fields).
    #[serde(flatten)]
    pub(crate) extra: Mapping,
    #[serde(skip)]
    key_order: KeyOrder,
}

/// A `clusters[]` entry; `cluster` (server, CA data, proxy-url, ...) is kept as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct NamedCluster {
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) cluster: Mapping,
    pub(crate) name: String,
    #[serde(flatten)]
    pub(crate) extra: Mapping,
    #[serde(skip)]
    key_order: KeyOrder,
}

/// A `contexts[]` entry; `context` holds `cluster`, `user`, `namespace`, ...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct NamedContext {
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) context: Mapping,
    pub(crate) name: String,
    #[serde(flatten)]
    pub(crate) extra: Mapping,
    #[serde(skip)]
    key_order: KeyOrder,
}

/// A `users[]` entry; `user` is opaque.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct NamedUser {
    pub(crate) name: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub(crate) user: Value,
    #[serde(flatten)]
    pub(crate) extra: Mapping,
    #[serde(skip)]
    key_order: KeyOrder,
}

/// The key order a mapping had in the file, so a rewrite keeps it. Not part of equality:
/// two entries with the same content are the same entry.
#[derive(Debug, Clone, Default)]
struct KeyOrder(Vec<Value>);

impl PartialEq for KeyOrder {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl KeyOrder {
    fn of(value: &Value) -> KeyOrder {
        KeyOrder(
            value
                .as_mapping()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        )
    }

    /// `value`'s keys in the remembered order, then any new keys in their current order.
    fn restore(&self, value: &mut Value) {
        let Value::Mapping(fields) = value else {
            return;
        };
        let mut ordered = Mapping::with_capacity(fields.len());
        for key in &self.0 {
            if let Some(v) = fields.remove(key) {
                ordered.insert(key.clone(), v);
            }
        }
        ordered.extend(std::mem::take(fields));
        *fields = ordered;
    }
}

/// Remember the key order of each entry of the list `key` from the parsed document.
fn remember_entry_orders<T>(
    doc: &Value,
    key: &str,
    entries: &mut [T],
    slot: fn(&mut T) -> &mut KeyOrder,
) {
    for (i, entry) in entries.iter_mut().enumerate() {
        *slot(entry) = KeyOrder::of(&doc[key][i]);
    }
}

/// Put the entries of the serialized list `key` back in their remembered key order.
fn restore_entry_orders<T>(doc: &mut Value, key: &str, entries: &[T], slot: fn(&T) -> &KeyOrder) {
    if let Some(items) = doc.get_mut(key).and_then(Value::as_sequence_mut) {
        for (item, entry) in items.iter_mut().zip(entries) {
            slot(entry).restore(item);
        }
    }
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The YAML error with its line and column, which libyaml's syntax errors leave out of the text.
fn positioned(e: serde_yaml::Error, source: &str) -> String {
    let text = e.to_string();
    if text.contains(" line ") {
        return text;
    }
    if let Some(at) = e.location() {
        return format!("{text} at line {} column {}", at.line(), at.column());
    }
    // serde_yaml names no place for a second document: it starts at the second marker line.
    let marker = source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("---") || l.starts_with("..."))
        .map(|(i, _)| i + 1)
        .find(|&line| {
            source
                .lines()
                .take(line - 1)
                .any(|l| !l.trim().is_empty() && !l.starts_with('#'))
        })
        .unwrap_or(1);
    format!("{text} at line {marker} column 1")
}

impl Config {
    /// Parse kubeconfig text. Empty text, or text with only comments, is an empty config.
    /// The error is a plain description; callers add the file name.
    pub(crate) fn parse(text: &str) -> Result<Config, String> {
        let doc: Value = serde_yaml::from_str(text).map_err(|e| positioned(e, text))?;
        match &doc {
            Value::Null => return Ok(Config::default()),
            Value::Mapping(_) => {}
            _ => return Err("the top level is not a mapping of fields, at line 1 column 1".into()),
        }
        // Decoded from the text again (not from `doc`), so type errors keep their line and column.
        let mut config: Config = serde_yaml::from_str(text).map_err(|e| positioned(e, text))?;
        config.key_order = KeyOrder::of(&doc);
        remember_entry_orders(&doc, "clusters", &mut config.clusters, |e| &mut e.key_order);
        remember_entry_orders(&doc, "contexts", &mut config.contexts, |e| &mut e.key_order);
        remember_entry_orders(&doc, "users", &mut config.users, |e| &mut e.key_order);
        Ok(config)
    }

    /// Serialize, keeping the original key order of the top level and of each entry; new
    /// keys follow, in kubectl's (alphabetical) order for the fields modelled here.
    pub(crate) fn to_yaml(&self) -> Result<String, String> {
        let mut doc = serde_yaml::to_value(self).map_err(|e| e.to_string())?;
        restore_entry_orders(&mut doc, "clusters", &self.clusters, |e| &e.key_order);
        restore_entry_orders(&mut doc, "contexts", &self.contexts, |e| &e.key_order);
        restore_entry_orders(&mut doc, "users", &self.users, |e| &e.key_order);
        self.key_order.restore(&mut doc);
        serde_yaml::to_string(&doc).map_err(|e| e.to_string())
    }

    #[cfg(test)]
    pub(crate) fn cluster(&self, name: &str) -> Option<&NamedCluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    #[cfg(test)]
    pub(crate) fn user(&self, name: &str) -> Option<&NamedUser> {
        self.users.iter().find(|u| u.name == name)
    }

    #[cfg(test)]
    pub(crate) fn context(&self, name: &str) -> Option<&NamedContext> {
        self.contexts.iter().find(|c| c.name == name)
    }
}

impl NamedCluster {
    /// A new entry with `cluster`'s fields in the order given.
    pub(crate) fn new(name: &str, cluster: Mapping) -> NamedCluster {
        NamedCluster {
            cluster,
            name: name.to_string(),
            extra: Mapping::new(),
            key_order: KeyOrder::default(),
        }
    }

    /// The API server URL, if set.
    #[cfg(test)]
    pub(crate) fn server(&self) -> Option<&str> {
        self.cluster.get("server").and_then(Value::as_str)
    }
}

impl NamedContext {
    /// A new entry with `context`'s fields in the order given.
    pub(crate) fn new(name: &str, context: Mapping) -> NamedContext {
        NamedContext {
            context,
            name: name.to_string(),
            extra: Mapping::new(),
            key_order: KeyOrder::default(),
        }
    }

    #[cfg(test)]
    pub(crate) fn cluster_name(&self) -> Option<&str> {
        self.context.get("cluster").and_then(Value::as_str)
    }

    #[cfg(test)]
    pub(crate) fn user_name(&self) -> Option<&str> {
        self.context.get("user").and_then(Value::as_str)
    }
}

impl NamedUser {
    /// A new entry with `user`'s fields in the order given.
    pub(crate) fn new(name: &str, user: Mapping) -> NamedUser {
        NamedUser {
            name: name.to_string(),
            user: Value::Mapping(user),
            extra: Mapping::new(),
            key_order: KeyOrder::default(),
        }
    }
}

/// Anything with a `name`, so list updates can be written once.
pub(super) trait Named {
    fn name(&self) -> &str;
}

impl Named for NamedCluster {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for NamedContext {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for NamedUser {
    fn name(&self) -> &str {
        &self.name
    }
}

/// Replace the first entry named like `item` in place (dropping any later duplicates), or
/// append it. Returns whether the list changed.
pub(super) fn upsert<T: Named + Clone + PartialEq>(list: &mut Vec<T>, item: &T) -> bool {
    let before = list.clone();
    match list.iter().position(|x| x.name() == item.name()) {
        Some(i) => {
            list[i] = item.clone();
            let mut seen = false;
            list.retain(|x| {
                let dup = x.name() == item.name();
                let keep = !dup || !seen;
                seen |= dup;
                keep
            });
        }
        None => list.push(item.clone()),
    }
    *list != before
}

/// Remove every entry called `name`. Returns whether the list changed.
pub(super) fn remove_named<T: Named>(list: &mut Vec<T>, name: &str) -> bool {
    let len = list.len();
    list.retain(|x| x.name() != name);
    list.len() != len
}
