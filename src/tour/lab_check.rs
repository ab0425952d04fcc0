//! Reading one check of a lab file: which objects, and exactly one assertion about them, each
//! problem reported at its position.

use super::lab::{Check, Entries, Expect, ROLES};
use crate::config::decode::Decoder;
use crate::config::yaml::Node;
use crate::text::quoted;

const CHECK_FIELDS: [&str; 20] = [
    "kind",
    "namespace",
    "name",
    "selector",
    "where",
    "entries",
    "entriesWhere",
    "namedInLogsOf",
    "exists",
    "count",
    "atLeast",
    "field",
    "equals",
    "equalsField",
    "runningOn",
    "avoids",
    "logContains",
    "logLastWord",
    "httpGet",
    "via",
];
/// The assertions; a check has exactly one (`equals`/`equalsField` go with `field`).
const ASSERTIONS: [&str; 9] = [
    "exists",
    "count",
    "atLeast",
    "field",
    "runningOn",
    "avoids",
    "logContains",
    "logLastWord",
    "httpGet",
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
        entries: None,
        named_in_logs_of: None,
        expect: Expect::Exists(true),
        at: node.at,
    };
    let mut assertions: Vec<(&str, &Node, String)> = Vec::new();
    let (mut equals, mut equals_field) = (None, None);
    let (mut entries, mut entries_where) = (None, None);
    let mut via = None;
    for (field, p, value) in fields {
        match field {
            "kind" => kind = d.string(value, &p, "kind: pods"),
            "namespace" => check.namespace = d.string(value, &p, "namespace: kube-system"),
            "name" => check.name = d.string(value, &p, "name: hello"),
            "selector" => check.selector = d.string(value, &p, "selector: app=hello"),
            "where" => check.filter = path_map(d, value, &p, "where: {status.phase: Running}"),
            "entries" => entries = Some((value, p)),
            "entriesWhere" => entries_where = Some((value, p)),
            "namedInLogsOf" => {
                check.named_in_logs_of = d.string(value, &p, "namedInLogsOf: client");
            }
            "equals" => equals = Some((value, p)),
            "equalsField" => equals_field = Some((value, p)),
            "via" => via = Some((value, p)),
            a => assertions.push((a, value, p)),
        }
    }
    check.kind = check_kind(d, kind, node)?;
    if !names_are_safe(d, &check, node) {
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
        "logLastWord" => log_last_word(d, value, p, &check.kind)?,
        "httpGet" => super::lab_http::decode(d, value, p, &check, via.take(), node)?,
        _ => field_expect(d, value, p, equals.take(), equals_field.take())?,
    };
    check.entries = decode_entries(d, entries, entries_where, &check.expect)?;
    no_strays(d, via, equals.or(equals_field))?;
    Some(check)
}

/// A modifier its assertion did not take (`via` without `httpGet`, `equals` without `field`).
fn no_strays(
    d: &mut Decoder,
    via: Option<(&Node, String)>,
    equals: Option<(&Node, String)>,
) -> Option<()> {
    let (v, message, hint) = match (via, equals) {
        (Some((v, _)), _) => (
            v,
            "via goes with httpGet",
            "add httpGet: with the path to fetch, or remove this",
        ),
        (None, Some((v, _))) => (
            v,
            "equals and equalsField go with field",
            "add field: with the path to compare, or remove this",
        ),
        (None, None) => return Some(()),
    };
    d.error(v.at, message.into(), hint);
    None
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

/// `logLastWord:` one word, on pods (only pods have logs).
fn log_last_word(d: &mut Decoder, value: &Node, p: &str, kind: &str) -> Option<Expect> {
    let word = d.string(value, p, "logLastWord: failed=0")?;
    if word.is_empty() || word.chars().any(char::is_whitespace) {
        d.error(
            value.at,
            format!("logLastWord is one word, not {}", quoted(&word)),
            "write the word the log ends with, e.g. logLastWord: failed=0",
        );
        return None;
    }
    if !matches!(kind, "pods" | "pod" | "po") {
        d.error(
            value.at,
            format!("logLastWord reads pods' logs, and this check is about {kind}"),
            "use it in a check with kind: pods",
        );
        return None;
    }
    Some(Expect::LogLastWord(word))
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

/// A map of field paths to the text they must have (`where:`, `entriesWhere:`).
fn path_map(d: &mut Decoder, value: &Node, p: &str, example: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in d.string_map(value, p, example) {
        if let Err(e) = super::fields::Path::parse(&k) {
            d.error(value.at, e, "paths look like status.phase or spec.nodeName");
        }
        out.push((k, v));
    }
    out
}

/// `entries:` (a list field) with its optional `entriesWhere:`, only with a counting assertion.
/// `None` inside `Some` is "no entries"; the outer `None` is an error already reported.
fn decode_entries(
    d: &mut Decoder,
    entries: Option<(&Node, String)>,
    entries_where: Option<(&Node, String)>,
    expect: &Expect,
) -> Option<Option<Entries>> {
    let Some((value, p)) = entries else {
        if let Some((v, _)) = entries_where {
            d.error(
                v.at,
                "entriesWhere goes with entries".into(),
                "add entries: with the list to count, e.g. entries: endpoints",
            );
            return None;
        }
        return Some(None);
    };
    if !matches!(
        expect,
        Expect::Count(_) | Expect::AtLeast(_) | Expect::Exists(_)
    ) {
        d.error(
            value.at,
            "entries are counted: they go with count, atLeast or exists".into(),
            "for example entries: endpoints with count: 3",
        );
        return None;
    }
    let path = d.string(value, &p, "entries: endpoints")?;
    if let Err(e) = super::fields::Path::parse(&path) {
        d.error(
            value.at,
            e,
            "write the list's path, e.g. endpoints or status.conditions",
        );
        return None;
    }
    let filter = match entries_where {
        Some((v, wp)) => path_map(d, v, &wp, "entriesWhere: {conditions.ready: \"true\"}"),
        None => Vec::new(),
    };
    Some(Some(Entries { path, filter }))
}

/// The check's names go into kubectl's arguments: none may look like a flag, and reading a
/// pod's logs needs the namespace.
fn names_are_safe(d: &mut Decoder, check: &Check, node: &Node) -> bool {
    let argv_safe = |s: &Option<String>| s.as_deref().is_none_or(|s| !s.starts_with('-'));
    if !argv_safe(&check.namespace)
        || !argv_safe(&check.selector)
        || !argv_safe(&check.named_in_logs_of)
    {
        d.error(
            node.at,
            "a check's namespace, selector or namedInLogsOf may not start with '-'".into(),
            "write the namespace's name (or \"{namespace}\") and a selector such as app=hello",
        );
        return false;
    }
    if check.named_in_logs_of.is_some() && check.namespace.is_none() {
        d.error(
            node.at,
            "namedInLogsOf reads a pod's logs, and needs the check's namespace".into(),
            "add namespace: \"{namespace}\"",
        );
        return false;
    }
    true
}
