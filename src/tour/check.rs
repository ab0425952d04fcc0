//! Evaluating a lab's checks on API objects (`kubectl get ... -o json` lists), with no I/O:
//! the outcome says what was expected and what was found, in words a learner can act on.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields::Path;
use super::lab::{Check, Entries, Expect, Lang, Role};

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

/// What the check selects, in words (`pods app=hello in minik-tour with status.phase=Running`),
/// in `lang`: `minik-tour 네임스페이스의 app=hello 파드(status.phase=Running)`.
pub(crate) fn describe_in(check: &Check, lang: Lang) -> String {
    if lang == Lang::Ko {
        let mut s = String::new();
        if let Some(ns) = &check.namespace {
            s.push_str(&format!("{ns} 네임스페이스의 "));
        }
        if let Some(sel) = &check.selector {
            s.push_str(&format!("{sel} "));
        }
        match &check.name {
            Some(n) => s.push_str(&format!("{n} {}", ko_kind(&check.kind))),
            None => s.push_str(&ko_kind(&check.kind)),
        }
        let filters: Vec<String> = check
            .filter
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !filters.is_empty() {
            s.push_str(&format!("({})", filters.join(", ")));
        }
        if let Some(pod) = &check.named_in_logs_of {
            s = format!("{pod} 파드의 로그에 이름이 나온 {s}");
        }
        if let Some(e) = &check.entries {
            // The field as a path (`endpoints[*]`): a name typed as it is, not an English word.
            let filters: Vec<String> = e.filter.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s = format!("{s}의 {}[*] 항목", e.path);
            if !filters.is_empty() {
                s = format!("{s} 중 {}인 항목", filters.join(", "));
            }
        }
        return s;
    }
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
    if let Some(pod) = &check.named_in_logs_of {
        s = format!("{s} named in the logs of {pod}");
    }
    if let Some(e) = &check.entries {
        s = format!("{} of {s}", entries_words(e));
    }
    s
}

/// The Korean docs' word for a kind as kubectl takes it (`pods`, `deploy`, ...); a kind
/// without one stays as the lab wrote it, as an object name does.
fn ko_kind(kind: &str) -> String {
    let word = match kind.trim_end_matches('s').split('.').next().unwrap_or(kind) {
        "pod" | "po" => "파드",
        "node" | "no" => "노드",
        "namespace" | "n" => "네임스페이스",
        "deployment" | "deploy" => "디플로이먼트",
        "replicaset" | "r" => "레플리카셋",
        "daemonset" | "d" => "데몬셋",
        "statefulset" | "st" => "스테이트풀셋",
        "service" | "svc" => "서비스",
        "endpointslice" => "엔드포인트슬라이스",
        "persistentvolumeclaim" | "pvc" => "퍼시스턴트볼륨클레임",
        "persistentvolume" | "pv" => "퍼시스턴트볼륨",
        "storageclasse" | "sc" => "스토리지클래스",
        "configmap" | "cm" => "컨피그맵",
        "secret" => "시크릿",
        "serviceaccount" | "sa" => "서비스어카운트",
        "job" => "잡",
        "cronjob" => "크론잡",
        "event" | "ev" => "이벤트",
        _ => return kind.to_string(),
    };
    word.to_string()
}

/// The objects of `list` the check is about. Objects being deleted count as gone, as a
/// learner reading `kubectl get` (Terminating) thinks of them.
pub(super) fn select<'v>(check: &Check, list: &'v Value) -> Vec<&'v Value> {
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

/// `endpoints with conditions.ready=true`.
fn entries_words(e: &Entries) -> String {
    let mut s = e.path.clone();
    for (k, v) in &e.filter {
        s = format!("{s} with {k}={v}");
    }
    s
}

/// The objects of `list` named by a line of `logs` (a client's output naming who answered).
pub(crate) fn named_in(list: &Value, logs: &str) -> Value {
    let lines: std::collections::BTreeSet<&str> = logs.lines().map(str::trim).collect();
    let kept: Vec<Value> = items(list)
        .into_iter()
        .filter(|o| lines.contains(name(o)))
        .cloned()
        .collect();
    serde_json::json!({ "items": kept })
}

/// Counts the entries (all, and those matching the filter) of the objects' list field.
fn count_entries(objs: &[&Value], e: &Entries) -> (u64, u64) {
    let Ok(path) = Path::parse(&e.path) else {
        return (0, 0);
    };
    let filters: Vec<(Path, &str)> = e
        .filter
        .iter()
        .filter_map(|(k, v)| Path::parse(k).ok().map(|p| (p, v.as_str())))
        .collect();
    let (mut all, mut matching) = (0, 0);
    for entry in objs
        .iter()
        .filter_map(|o| path.get(o).and_then(Value::as_array))
        .flatten()
    {
        all += 1;
        if filters
            .iter()
            .all(|(p, want)| p.text(entry).as_deref() == Some(*want))
        {
            matching += 1;
        }
    }
    (all, matching)
}

/// A check on the entries of a list field: counted, never listed object by object.
fn evaluate_entries(check: &Check, objs: &[&Value], e: &Entries, lang: Lang) -> Outcome {
    let what = describe_in(check, lang);
    let (all, n) = count_entries(objs, e);
    let ok = match &check.expect {
        Expect::Exists(true) => n > 0,
        Expect::Exists(false) => n == 0,
        Expect::Count(c) => n == *c,
        Expect::AtLeast(c) => n >= *c,
        _ => false, // the lab reader refuses entries with other assertions
    };
    let found = match lang {
        Lang::En => format!("{n} of {all} {}", e.path),
        Lang::Ko => format!("{}[*] 항목 {all}개 중 {n}개", e.path),
    };
    Outcome {
        ok,
        expected: expectation(&check.expect, &what, lang),
        found,
    }
}

fn pod_words(o: &Value, nodes: &Value, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    let phase =
        o["status"]["phase"]
            .as_str()
            .unwrap_or(if ko { "상태 없음" } else { "no phase yet" });
    match (o["spec"]["nodeName"].as_str(), ko) {
        (Some(node), false) => {
            let role = role_of(nodes, node)
                .map(|r| format!(" ({})", r.name()))
                .unwrap_or_default();
            format!("{} {phase} on {node}{role}", name(o))
        }
        (Some(node), true) => {
            let role = role_of(nodes, node)
                .map(|r| format!("({})", super::messages::of(lang).role(r)))
                .unwrap_or_default();
            format!("{}: {node}{role}에서 {phase}", name(o))
        }
        (None, false) => format!("{} {phase}, not scheduled", name(o)),
        (None, true) => format!("{}: {phase}, 아직 노드에 배치되지 않음", name(o)),
    }
}

fn listing(objs: &[&Value], lang: Lang, mut word: impl FnMut(&Value) -> String) -> String {
    let ko = lang == Lang::Ko;
    if objs.is_empty() {
        return if ko { "없음" } else { "none" }.into();
    }
    let mut shown: Vec<String> = objs.iter().take(SHOWN).map(|o| word(o)).collect();
    let more = objs.len().saturating_sub(SHOWN);
    if more > 0 {
        shown.push(if ko {
            format!("외 {more}개")
        } else {
            format!("and {more} more")
        });
    }
    if ko {
        format!("{}개: {}", objs.len(), shown.join(", "))
    } else {
        format!("{}: {}", objs.len(), shown.join(", "))
    }
}

/// What a check expects, in `lang`; `what` is [`describe_in`]'s.
pub(super) fn expectation(expect: &Expect, what: &str, lang: Lang) -> String {
    let role = |r: &Role| super::messages::of(lang).role(*r);
    match (expect, lang) {
        (Expect::Exists(true), Lang::En) => format!("{what} to exist"),
        (Expect::Exists(false), Lang::En) => format!("no {what}"),
        (Expect::Count(c), Lang::En) => format!("{c} {what}"),
        (Expect::AtLeast(c), Lang::En) => format!("at least {c} {what}"),
        (Expect::FieldEquals { path, value }, Lang::En) => format!("{what} with {path}={value}"),
        (Expect::FieldEqualsField { path, other }, Lang::En) => {
            format!("{what} with {path} equal to {other}")
        }
        (Expect::RunningOn(Role::Any), Lang::En) => format!("{what} Running on a node"),
        (Expect::RunningOn(r), Lang::En) => format!("{what} Running on a {} node", r.name()),
        (Expect::Avoids(node), Lang::En) => format!("{what} Running, none on {node}"),
        (Expect::LogContains(text), Lang::En) => {
            format!("{what} with {} in the log", crate::text::quoted(text))
        }
        (Expect::LogContains(text), Lang::Ko) => {
            format!("{what}, 로그에 {} 포함", crate::text::quoted(text))
        }
        (Expect::LogLastWord(word), Lang::En) => format!("{what} with a log ending in {word}"),
        (Expect::LogLastWord(word), Lang::Ko) => {
            format!("{what}, 로그의 마지막 단어가 {word}")
        }
        (Expect::HttpGet { path, via }, Lang::En) => {
            let how = match via {
                super::lab::Via::NodePort => "at its node port from this machine",
                super::lab::Via::PortForward => "through kubectl port-forward",
            };
            format!("{what} answering GET {path} {how} with HTTP 200")
        }
        (Expect::HttpGet { path, via }, Lang::Ko) => {
            let how = match via {
                super::lab::Via::NodePort => "이 컴퓨터에서 노드 포트로",
                super::lab::Via::PortForward => "kubectl port-forward를 거쳐",
            };
            format!("{what}, {how} 보낸 GET {path}에 HTTP 200으로 응답")
        }
        (Expect::Exists(true), Lang::Ko) => format!("{what} 1개 이상"),
        (Expect::Exists(false), Lang::Ko) => format!("{what} 없음"),
        (Expect::Count(c), Lang::Ko) => format!("{what} {c}개"),
        (Expect::AtLeast(c), Lang::Ko) => format!("{what} {c}개 이상"),
        (Expect::FieldEquals { path, value }, Lang::Ko) => {
            format!("{what}, 모두 {path}={value}")
        }
        (Expect::FieldEqualsField { path, other }, Lang::Ko) => {
            format!("{what}, 모두 {path} 값과 {other} 값이 같음")
        }
        (Expect::RunningOn(Role::Any), Lang::Ko) => format!("{what}, 모두 Running"),
        (Expect::RunningOn(r), Lang::Ko) => format!("{what}, 모두 {} 노드에서 Running", role(r)),
        (Expect::Avoids(node), Lang::Ko) => {
            format!("{what}, 모두 Running이고 {node} 노드에는 없음")
        }
    }
}

/// Pods' logs by namespace and name, as `kubectl logs` printed them (or why it could not).
pub(crate) type Logs = BTreeMap<(String, String), Result<String, String>>;

/// The pods whose logs a `logContains` or `logLastWord` check reads: the ones it selects.
pub(crate) fn log_targets(check: &Check, list: &Value) -> Vec<(String, String)> {
    if !matches!(
        check.expect,
        Expect::LogContains(_) | Expect::LogLastWord(_)
    ) {
        return Vec::new();
    }
    select(check, list)
        .into_iter()
        .map(|o| (namespace_of(check, o), name(o).to_string()))
        .collect()
}

fn namespace_of(check: &Check, o: &Value) -> String {
    o["metadata"]["namespace"]
        .as_str()
        .or(check.namespace.as_deref())
        .unwrap_or("default")
        .to_string()
}

/// Evaluates `check` (placeholders filled) on `list`, with `nodes` for roles.
#[cfg(test)]
pub(crate) fn evaluate(check: &Check, list: &Value, nodes: &Value) -> Outcome {
    evaluate_in(check, list, nodes, &Logs::new(), Lang::En)
}

/// [`evaluate`], with the logs of the pods a `logContains` check selects.
#[cfg(test)]
pub(crate) fn evaluate_with_logs(
    check: &Check,
    list: &Value,
    nodes: &Value,
    logs: &Logs,
) -> Outcome {
    evaluate_in(check, list, nodes, logs, Lang::En)
}

/// [`evaluate_with_logs`], its words in `lang`.
pub(crate) fn evaluate_in(
    check: &Check,
    list: &Value,
    nodes: &Value,
    logs: &Logs,
    lang: Lang,
) -> Outcome {
    let what = describe_in(check, lang);
    let objs = select(check, list);
    if let Some(e) = &check.entries {
        return evaluate_entries(check, &objs, e, lang);
    }
    let n = objs.len() as u64;
    let is_pod = |o: &Value| o["kind"] == "Pod" || o["spec"]["containers"].is_array();
    let plain = |o: &Value| {
        if is_pod(o) {
            pod_words(o, nodes, lang)
        } else {
            name(o).to_string()
        }
    };
    let running = |o: &Value| o["status"]["phase"] == "Running";
    let ok = match &check.expect {
        Expect::Exists(true) => n > 0,
        Expect::Exists(false) => n == 0,
        Expect::Count(c) => n == *c,
        Expect::AtLeast(c) => n >= *c,
        Expect::FieldEquals { path, value } => {
            let p = Path::parse(path).ok();
            n > 0
                && objs
                    .iter()
                    .all(|o| p.as_ref().and_then(|p| p.text(o)).as_deref() == Some(value))
        }
        Expect::FieldEqualsField { path, other } => {
            let (a, b) = (Path::parse(path).ok(), Path::parse(other).ok());
            let get = |p: &Option<Path>, o: &Value| p.as_ref().and_then(|p| p.text(o));
            n > 0
                && objs
                    .iter()
                    .all(|o| get(&a, o).is_some() && get(&a, o) == get(&b, o))
        }
        Expect::RunningOn(role) => {
            let on_role = |o: &Value| {
                let node = o["spec"]["nodeName"].as_str().unwrap_or("");
                *role == Role::Any || role_of(nodes, node) == Some(*role)
            };
            n > 0 && objs.iter().all(|o| running(o) && on_role(o))
        }
        Expect::Avoids(node) => {
            n > 0
                && objs
                    .iter()
                    .all(|o| running(o) && o["spec"]["nodeName"].as_str() != Some(node.as_str()))
        }
        Expect::LogContains(text) => {
            let holds = |o: &Value| {
                matches!(logs.get(&(namespace_of(check, o), name(o).to_string())),
                    Some(Ok(l)) if l.contains(text.as_str()))
            };
            n > 0 && objs.iter().all(|o| holds(o))
        }
        // The last line's last word: a client's running tally, so an earlier good line cannot
        // hide a later failure.
        Expect::LogLastWord(word) => {
            let ends = |o: &Value| {
                matches!(logs.get(&(namespace_of(check, o), name(o).to_string())),
                    Some(Ok(l)) if l.trim_end().lines().last()
                        .and_then(|line| line.split_whitespace().last()) == Some(word.as_str()))
            };
            n > 0 && objs.iter().all(|o| ends(o))
        }
        // Fetched by the step (it needs the network); see super::reach.
        Expect::HttpGet { .. } => false,
    };
    let found = match &check.expect {
        Expect::LogContains(_) | Expect::LogLastWord(_) => logs_found(check, &objs, logs, lang),
        Expect::FieldEquals { path, .. } => field_found(&objs, path, None, lang),
        Expect::FieldEqualsField { path, other } => field_found(&objs, path, Some(other), lang),
        _ => listing(&objs, lang, plain),
    };
    Outcome {
        ok,
        expected: expectation(&check.expect, &what, lang),
        found,
    }
}

/// What each selected pod's log shows: its last line, or why it was not read.
fn logs_found(check: &Check, objs: &[&Value], logs: &Logs, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    listing(objs, lang, |o| {
        let n = name(o);
        match (logs.get(&(namespace_of(check, o), n.to_string())), ko) {
            (Some(Ok(l)), false) if l.trim().is_empty() => format!("{n} has an empty log"),
            (Some(Ok(l)), true) if l.trim().is_empty() => format!("{n}: 로그가 비어 있음"),
            (Some(Ok(l)), _) => {
                let last = crate::text::quoted(l.trim_end().lines().last().unwrap_or_default());
                if ko {
                    format!("{n}: 로그의 마지막 줄 {last}")
                } else {
                    format!("{n}'s log ends with {last}")
                }
            }
            (Some(Err(e)), false) => format!("{n}'s log could not be read: {e}"),
            (Some(Err(e)), true) => format!("{n}: 로그를 읽지 못함: {e}"),
            (None, false) => format!("{n}'s log was not read"),
            (None, true) => format!("{n}: 로그를 아직 읽지 않음"),
        }
    })
}

/// Each object's `path` (and `other`) as found: `hello has spec.replicas=2`.
fn field_found(objs: &[&Value], path: &str, other: Option<&str>, lang: Lang) -> String {
    let nothing = if lang == Lang::Ko {
        "(없음)"
    } else {
        "nothing"
    };
    let get = |p: &str, o: &Value| {
        Path::parse(p)
            .ok()
            .and_then(|p| p.text(o))
            .unwrap_or_else(|| nothing.into())
    };
    listing(objs, lang, |o| {
        let mut s = match lang {
            Lang::En => format!("{} has {path}={}", name(o), get(path, o)),
            Lang::Ko => format!("{}: {path}={}", name(o), get(path, o)),
        };
        if let Some(other) = other {
            let and = if lang == Lang::Ko { "," } else { " and" };
            s.push_str(&format!("{and} {other}={}", get(other, o)));
        }
        s
    })
}

#[cfg(test)]
mod tests;
