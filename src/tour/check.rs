//! Evaluating a lab's checks on API objects (`kubectl get ... -o json` lists), with no I/O:
//! the outcome says what was expected and what was found, in words a learner can act on.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields::Path;
use super::lab::{Check, Expect, Role};

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub ok: bool,
    pub expected: String,
    pub found: String,
}

/// The most objects named in a "found" text.
const SHOWN: usize = 5;

fn name(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap_or("?")
}

fn items(list: &Value) -> Vec<&Value> {
    match list.get("items").and_then(Value::as_array) {
        Some(items) => items.iter().collect(),
        // A single object (kubectl get KIND NAME -o json).
        None if list.get("metadata").is_some() => vec![list],
        None => Vec::new(),
    }
}

/// Does `labels` match a selector of `k=v`, `k==v`, `k!=v`, `k` and `!k` terms?
fn matches_selector(labels: &Value, selector: &str) -> bool {
    selector
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .all(|term| {
            let get = |k: &str| labels.get(k.trim()).and_then(Value::as_str);
            if let Some((k, v)) = term.split_once("!=") {
                get(k) != Some(v.trim())
            } else if let Some((k, v)) = term.split_once('=') {
                get(k) == Some(v.trim_start_matches('=').trim())
            } else if let Some(k) = term.strip_prefix('!') {
                get(k).is_none()
            } else {
                get(term).is_some()
            }
        })
}

/// The role of the node called `node` in a NodeList.
pub(crate) fn role_of(nodes: &Value, node: &str) -> Option<Role> {
    items(nodes).into_iter().find(|n| name(n) == node).map(|n| {
        let labels = &n["metadata"]["labels"];
        if labels
            .get("node-role.kubernetes.io/control-plane")
            .is_some()
        {
            Role::ControlPlane
        } else {
            Role::Worker
        }
    })
}

/// What the check selects, in words: `pods app=hello in minik-tour with status.phase=Running`.
pub(crate) fn describe(check: &Check) -> String {
    let mut s = check.kind.clone();
    if let Some(n) = &check.name {
        s = format!("{s} {n}");
    }
    if let Some(sel) = &check.selector {
        s = format!("{s} {sel}");
    }
    if let Some(ns) = &check.namespace {
        s = format!("{s} in {ns}");
    }
    for (k, v) in &check.filter {
        s = format!("{s} with {k}={v}");
    }
    s
}

/// The objects of `list` the check is about. Objects being deleted count as gone, as a
/// learner reading `kubectl get` (Terminating) thinks of them.
fn select<'v>(check: &Check, list: &'v Value) -> Vec<&'v Value> {
    items(list)
        .into_iter()
        .filter(|o| o["metadata"]["deletionTimestamp"].is_null())
        .filter(|o| check.name.as_deref().is_none_or(|n| name(o) == n))
        .filter(|o| {
            check.namespace.as_deref().is_none_or(|ns| {
                o["metadata"]["namespace"]
                    .as_str()
                    .is_none_or(|have| have == ns)
            })
        })
        .filter(|o| {
            check
                .selector
                .as_deref()
                .is_none_or(|s| matches_selector(&o["metadata"]["labels"], s))
        })
        .filter(|o| {
            check.filter.iter().all(|(p, want)| {
                Path::parse(p).ok().and_then(|p| p.text(o)).as_deref() == Some(want.as_str())
            })
        })
        .collect()
}

fn pod_words(o: &Value, nodes: &Value) -> String {
    let phase = o["status"]["phase"].as_str().unwrap_or("no phase yet");
    match o["spec"]["nodeName"].as_str() {
        Some(node) => {
            let role = role_of(nodes, node)
                .map(|r| format!(" ({})", r.name()))
                .unwrap_or_default();
            format!("{} {phase} on {node}{role}", name(o))
        }
        None => format!("{} {phase}, not scheduled", name(o)),
    }
}

fn listing(objs: &[&Value], mut word: impl FnMut(&Value) -> String) -> String {
    if objs.is_empty() {
        return "none".into();
    }
    let mut shown: Vec<String> = objs.iter().take(SHOWN).map(|o| word(o)).collect();
    if objs.len() > SHOWN {
        shown.push(format!("and {} more", objs.len() - SHOWN));
    }
    format!("{}: {}", objs.len(), shown.join(", "))
}

/// Pods' logs by namespace and name, as `kubectl logs` printed them (or why it could not).
pub(crate) type Logs = BTreeMap<(String, String), Result<String, String>>;

/// The pods whose logs a `logContains` check reads: the ones it selects in `list`.
pub(crate) fn log_targets(check: &Check, list: &Value) -> Vec<(String, String)> {
    if !matches!(check.expect, Expect::LogContains(_)) {
        return Vec::new();
    }
    select(check, list)
        .into_iter()
        .map(|o| {
            let ns = o["metadata"]["namespace"]
                .as_str()
                .or(check.namespace.as_deref())
                .unwrap_or("default");
            (ns.to_string(), name(o).to_string())
        })
        .collect()
}

/// Evaluates `check` (placeholders filled) on `list`, with `nodes` for roles.
#[cfg(test)]
pub(crate) fn evaluate(check: &Check, list: &Value, nodes: &Value) -> Outcome {
    evaluate_with_logs(check, list, nodes, &Logs::new())
}

/// [`evaluate`], with the logs of the pods a `logContains` check selects.
pub(crate) fn evaluate_with_logs(
    check: &Check,
    list: &Value,
    nodes: &Value,
    logs: &Logs,
) -> Outcome {
    let what = describe(check);
    let objs = select(check, list);
    let n = objs.len() as u64;
    let is_pod = |o: &Value| o["kind"] == "Pod" || o["spec"]["containers"].is_array();
    let plain = |o: &Value| {
        if is_pod(o) {
            pod_words(o, nodes)
        } else {
            name(o).to_string()
        }
    };
    let running = |o: &Value| o["status"]["phase"] == "Running";
    let (ok, expected, found) = match &check.expect {
        Expect::Exists(true) => (n > 0, format!("{what} to exist"), listing(&objs, plain)),
        Expect::Exists(false) => (n == 0, format!("no {what}"), listing(&objs, plain)),
        Expect::Count(c) => (n == *c, format!("{c} {what}"), listing(&objs, plain)),
        Expect::AtLeast(c) => (
            n >= *c,
            format!("at least {c} {what}"),
            listing(&objs, plain),
        ),
        Expect::FieldEquals { path, value } => field_equals(&objs, &what, path, value),
        Expect::FieldEqualsField { path, other } => fields_equal(&objs, &what, path, other),
        Expect::RunningOn(role) => {
            let on_role = |o: &Value| {
                let node = o["spec"]["nodeName"].as_str().unwrap_or("");
                *role == Role::Any || role_of(nodes, node) == Some(*role)
            };
            let ok = n > 0 && objs.iter().all(|o| running(o) && on_role(o));
            let place = match role {
                Role::Any => "a node".to_string(),
                r => format!("a {} node", r.name()),
            };
            (
                ok,
                format!("{what} Running on {place}"),
                listing(&objs, plain),
            )
        }
        Expect::Avoids(node) => {
            let ok = n > 0
                && objs
                    .iter()
                    .all(|o| running(o) && o["spec"]["nodeName"].as_str() != Some(node.as_str()));
            (
                ok,
                format!("{what} Running, none on {node}"),
                listing(&objs, plain),
            )
        }
        Expect::LogContains(text) => log_contains(check, &objs, &what, text, logs),
    };
    Outcome {
        ok,
        expected,
        found,
    }
}

/// Every pod's log holds `text`; the found text quotes each log's last line.
fn log_contains(
    check: &Check,
    objs: &[&Value],
    what: &str,
    text: &str,
    logs: &Logs,
) -> (bool, String, String) {
    let log_of = |o: &Value| {
        let ns = o["metadata"]["namespace"]
            .as_str()
            .or(check.namespace.as_deref())
            .unwrap_or("default");
        logs.get(&(ns.to_string(), name(o).to_string()))
    };
    let holds = |o: &Value| matches!(log_of(o), Some(Ok(l)) if l.contains(text));
    let ok = !objs.is_empty() && objs.iter().all(|o| holds(o));
    let found = listing(objs, |o| match log_of(o) {
        Some(Ok(l)) if l.trim().is_empty() => format!("{} has an empty log", name(o)),
        Some(Ok(l)) => {
            let last = l.trim_end().lines().last().unwrap_or_default();
            format!("{}'s log ends with {}", name(o), crate::text::quoted(last))
        }
        Some(Err(e)) => format!("{}'s log could not be read: {e}", name(o)),
        None => format!("{}'s log was not read", name(o)),
    });
    (
        ok,
        format!("{what} with {} in the log", crate::text::quoted(text)),
        found,
    )
}

/// Every object has `path` equal to `value`.
fn field_equals(objs: &[&Value], what: &str, path: &str, value: &str) -> (bool, String, String) {
    let n = objs.len();
    let p = Path::parse(path).ok();
    let got = |o: &Value| p.as_ref().and_then(|p| p.text(o));
    let ok = n > 0 && objs.iter().all(|o| got(o).as_deref() == Some(value));
    let found = listing(objs, |o| {
        format!(
            "{} has {path}={}",
            name(o),
            got(o).unwrap_or_else(|| "nothing".into())
        )
    });
    (ok, format!("{what} with {path}={value}"), found)
}

/// Every object has `path` set and equal to its `other` field.
fn fields_equal(objs: &[&Value], what: &str, path: &str, other: &str) -> (bool, String, String) {
    let n = objs.len();
    let (a, b) = (Path::parse(path).ok(), Path::parse(other).ok());
    let get = |p: &Option<Path>, o: &Value| p.as_ref().and_then(|p| p.text(o));
    let ok = n > 0
        && objs
            .iter()
            .all(|o| get(&a, o).is_some() && get(&a, o) == get(&b, o));
    let found = listing(objs, |o| {
        let show = |v: Option<String>| v.unwrap_or_else(|| "nothing".into());
        format!(
            "{} has {path}={} and {other}={}",
            name(o),
            show(get(&a, o)),
            show(get(&b, o))
        )
    });
    (ok, format!("{what} with {path} equal to {other}"), found)
}

#[cfg(test)]
mod tests;
