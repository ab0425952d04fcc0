//! Reading one check of a lab file: which objects, and exactly one assertion about them, each
//! problem reported at its position.

use super::lab::{Check, Expect, ROLES};
use crate::config::decode::Decoder;
use crate::config::yaml::Node;
use crate::text::quoted;

const CHECK_FIELDS: [&str; 14] = [
    "kind",
    "namespace",
    "name",
    "selector",
    "where",
    "exists",
    "count",
    "atLeast",
    "field",
    "equals",
    "equalsField",
    "runningOn",
    "avoids",
    "logContains",
];
/// The assertions; a check has exactly one (`equals`/`equalsField` go with `field`).
const ASSERTIONS: [&str; 7] = [
    "exists",
    "count",
    "atLeast",
    "field",
    "runningOn",
    "avoids",
    "logContains",
];

pub(super) fn decode(d: &mut Decoder, node: &Node, path: &str) -> Option<Check> {
    let fields = d.fields(node, path, "a check", &CHECK_FIELDS);
    let mut kind = None;
    let mut check = Check {
        kind: String::new(),
        namespace: None,
        name: None,
        selector: None,
        filter: Vec::new(),
        expect: Expect::Exists(true),
        at: node.at,
    };
    let mut assertions: Vec<(&str, &Node, String)> = Vec::new();
    let (mut equals, mut equals_field) = (None, None);
    for (field, p, value) in fields {
        match field {
            "kind" => kind = d.string(value, &p, "kind: pods"),
            "namespace" => check.namespace = d.string(value, &p, "namespace: kube-system"),
            "name" => check.name = d.string(value, &p, "name: hello"),
            "selector" => check.selector = d.string(value, &p, "selector: app=hello"),
            "where" => {
                let map = d.string_map(value, &p, "where: {status.phase: Running}");
                for (k, v) in map {
                    if let Err(e) = super::fields::Path::parse(&k) {
                        d.error(value.at, e, "paths look like status.phase or spec.nodeName");
                    }
                    check.filter.push((k, v));
                }
            }
            "equals" => equals = Some((value, p)),
            "equalsField" => equals_field = Some((value, p)),
            a => assertions.push((a, value, p)),
        }
    }
    check.kind = check_kind(d, kind, node)?;
    let argv_safe = |s: &Option<String>| s.as_deref().is_none_or(|s| !s.starts_with('-'));
    if !argv_safe(&check.namespace) || !argv_safe(&check.selector) {
        d.error(
            node.at,
            "a check's namespace or selector may not start with '-'".into(),
            "write the namespace's name (or \"{namespace}\") and a selector such as app=hello",
        );
        return None;
    }
    let [(assertion, value, ref p)] = assertions[..] else {
        let (at, found) = match assertions.get(1) {
            Some((a, v, _)) => (v.at, format!("both {} and {a}", assertions[0].0)),
            None => (node.at, "none".to_string()),
        };
        d.error(
            at,
            format!("a check asserts exactly one thing, this one has {found}"),
            format!("use one of: {}", ASSERTIONS.join(", ")),
        );
        return None;
    };
    check.expect = match assertion {
        "exists" => Expect::Exists(d.bool(value, p)?),
        "count" => Expect::Count(d.int(value, p, 0, 10_000)? as u64),
        "atLeast" => Expect::AtLeast(d.int(value, p, 0, 10_000)? as u64),
        "runningOn" => {
            let names: Vec<&str> = ROLES.iter().map(|(n, _)| *n).collect();
            Expect::RunningOn(ROLES[d.choice(value, p, &names, false)?].1)
        }
        "avoids" => Expect::Avoids(d.string(value, p, "avoids: \"{worker}\"")?),
        "logContains" => log_contains(d, value, p, &check.kind)?,
        _ => field_expect(d, value, p, equals.take(), equals_field.take())?,
    };
    if let Some((v, _)) = equals.or(equals_field) {
        d.error(
            v.at,
            "equals and equalsField go with field".into(),
            "add field: with the path to compare, or remove this",
        );
        return None;
    }
    Some(check)
}

/// `logContains:` reads pods' logs: only for `kind: pods`, and never empty (it would hold for
/// any pod).
fn log_contains(d: &mut Decoder, value: &Node, p: &str, kind: &str) -> Option<Expect> {
    let text = d.string(value, p, "logContains: \"written by\"")?;
    if kind != "pods" && kind != "pod" && kind != "po" {
        d.error(
            value.at,
            format!("logContains reads pods' logs, and this check is about {kind}"),
            "use kind: pods with logContains",
        );
        return None;
    }
    if text.trim().is_empty() {
        d.error(
            value.at,
            "logContains is empty, so any pod would pass".into(),
            "write the text the pod's log must hold, e.g. logContains: \"written by\"",
        );
        return None;
    }
    Some(Expect::LogContains(text))
}

/// The kind goes into kubectl's arguments: a resource name, never a flag or a file.
fn check_kind(d: &mut Decoder, kind: Option<String>, node: &Node) -> Option<String> {
    match kind {
        Some(k) if !super::kinds::is_resource_name(&k) => {
            d.error(
                node.at,
                format!("{} is not a kind of object", quoted(&k)),
                "write the resource as kubectl get takes it, e.g. kind: pods or kind: deployments.apps",
            );
            None
        }
        Some(k) => Some(k),
        _ => {
            d.error(
                node.at,
                "the check names no kind of object".into(),
                "add kind: with what kubectl get takes, e.g. kind: pods",
            );
            None
        }
    }
}

/// `field:` with exactly one of `equals:` and `equalsField:`.
fn field_expect(
    d: &mut Decoder,
    value: &Node,
    p: &str,
    equals: Option<(&Node, String)>,
    equals_field: Option<(&Node, String)>,
) -> Option<Expect> {
    let path = d.string(value, p, "field: status.phase")?;
    if let Err(e) = super::fields::Path::parse(&path) {
        d.error(value.at, e, "paths look like status.readyReplicas");
        return None;
    }
    match (equals, equals_field) {
        (Some((v, ep)), None) => Some(Expect::FieldEquals {
            path,
            value: d.string(v, &ep, "equals: \"3\"")?,
        }),
        (None, Some((v, ep))) => {
            let other = d.string(v, &ep, "equalsField: status.replicas")?;
            if let Err(e) = super::fields::Path::parse(&other) {
                d.error(v.at, e, "paths look like status.replicas");
                return None;
            }
            Some(Expect::FieldEqualsField { path, other })
        }
        _ => {
            d.error(
                value.at,
                "field needs exactly one of equals and equalsField".into(),
                "for example field: status.phase with equals: Running",
            );
            None
        }
    }
}
