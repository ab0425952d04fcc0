//! What a lab's kubectl command may do, decided by reading its words as kubectl itself reads
//! them: the verb first, each flag typed by the verb's table ([`super::verbs`]) so no value can
//! hide a verb, one `-n`, `-f` only for the step's own manifest (`-`), and the kinds a change
//! touches checked against the namespaced allow-list ([`super::kinds`]). This is the first
//! line; the lab's own ServiceAccount and the namespace's Pod Security level are the second.

use super::command::Refusal;
use super::kinds;
use super::verbs::{self, Arg, Flag, Scope, Verb};
use crate::text::quoted;

/// A command's words, sorted as kubectl sorts them.
#[derive(Debug, Default)]
pub(super) struct Words<'a> {
    /// The sub-command and the other positional arguments, in order.
    pub(crate) positionals: Vec<&'a str>,
    pub(crate) flags: Vec<(&'static Flag, Option<&'a str>)>,
    /// After `--` (`kubectl run NAME --image=X -- ARGS`): the container's arguments.
    pub(crate) trailing: Vec<&'a str>,
}

fn refuse(message: String, hint: impl Into<String>) -> Refusal {
    (message, hint.into())
}

/// Reads `args` (the verb first) as kubectl's flag parser would, refusing any flag the verb's
/// table does not list.
pub(super) fn words<'a>(verb: &'static Verb, args: &'a [String]) -> Result<Words<'a>, Refusal> {
    let mut out = Words::default();
    let mut rest = args.iter().skip(1);
    while let Some(word) = rest.next() {
        if word == "--" {
            if verb.name != "run" {
                return Err(refuse(
                    format!("kubectl {} in a lab takes no arguments after --", verb.name),
                    "only kubectl run passes arguments (to its container) after --",
                ));
            }
            out.trailing.extend(rest.by_ref().map(String::as_str));
            break;
        }
        let Some(flag_word) = word.strip_prefix('-') else {
            out.positionals.push(word);
            continue;
        };
        let (name, inline) = match flag_word.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (flag_word, None),
        };
        let flag = match name.strip_prefix('-') {
            Some(long) => verbs::flag(verb, Some(long), None),
            None if name.chars().count() == 1 => verbs::flag(verb, None, name.chars().next()),
            None => None,
        }
        .ok_or_else(|| unknown_flag(verb, word, name))?;
        let value = match (flag.arg, inline) {
            (Arg::Value, None) => Some(rest.next().map(String::as_str).ok_or_else(|| {
                refuse(
                    format!("{} needs a value", quoted(word)),
                    format!("write --{}=VALUE", flag.long),
                )
            })?),
            (Arg::Switch, Some(v)) if v != "true" && v != "false" => {
                return Err(refuse(
                    format!("--{} is a switch, not {}", flag.long, quoted(v)),
                    format!("write --{} alone", flag.long),
                ))
            }
            (_, v) => v,
        };
        if let Some(v) = value {
            let stdin = flag.long == verbs::FILENAME.long && v == "-";
            if v.starts_with('-') && !stdin {
                return Err(refuse(
                    format!("the value of --{} may not start with '-'", flag.long),
                    "a value that looks like a flag is read differently by people and kubectl",
                ));
            }
        }
        out.flags.push((flag, value));
    }
    Ok(out)
}

fn unknown_flag(verb: &Verb, word: &str, name: &str) -> Refusal {
    let long = name.trim_start_matches('-');
    if verbs::FORBIDDEN.contains(&long) || long.starts_with("as-") || long.starts_with("profile") {
        return refuse(
            format!("{} is not allowed in a lab", quoted(word)),
            "a lab's commands use the tour's own connection and identity, and write no files",
        );
    }
    let mut names: Vec<String> = verb.flags.iter().map(|f| format!("--{}", f.long)).collect();
    names.insert(0, "-n".into());
    refuse(
        format!(
            "kubectl {} in a lab does not take {}",
            verb.name,
            quoted(word)
        ),
        format!("its flags in a lab are: {}", names.join(", ")),
    )
}

/// Is `args` (a kubectl command line without `kubectl`) one a lab may run?
pub(super) fn check_allowed(args: &[String]) -> Result<(), Refusal> {
    let Some(first) = args.first() else {
        return Err(refuse(
            "the kubectl command has no verb".into(),
            "for example kubectl get pods",
        ));
    };
    if first.starts_with('-') {
        return Err(refuse(
            format!("{} comes before the verb", quoted(first)),
            "write the verb first: kubectl get pods -n {namespace}",
        ));
    }
    let verb = verbs::find(first).ok_or_else(|| not_a_lab_verb(first))?;
    let w = words(verb, args)?;
    let value_of = |long: &str| -> Vec<Option<&str>> {
        w.flags
            .iter()
            .filter(|(f, _)| f.long == long)
            .map(|(_, v)| *v)
            .collect()
    };
    let namespaces = value_of(verbs::NAMESPACE.long);
    if namespaces.len() > 1 {
        return Err(refuse(
            "the command names its namespace more than once".into(),
            "kubectl uses the last -n: write exactly one",
        ));
    }
    check_output(&value_of(verbs::OUTPUT.long))?;
    check_subcommand(verb, &w)?;
    if let Some(labelled) = node_label(verb, &w) {
        return labelled;
    }
    match verb.scope {
        Scope::Read => Ok(()),
        Scope::Node => check_node(verb, &w),
        Scope::Change => check_change(verb, &w, namespaces.first().copied().flatten()),
    }
}

/// Is this (accepted) command one of minik's fixed actions, run with admin rights rather than
/// the lab's identity: `create|delete namespace {namespace}` and the node verbs on `{worker}`?
pub(super) fn is_tour_action(args: &[String]) -> bool {
    let Some(verb) = args.first().and_then(|v| verbs::find(v)) else {
        return false;
    };
    match words(verb, args) {
        Ok(w) => {
            verb.scope == Scope::Node
                || own_namespace(verb, &w)
                || matches!(node_label(verb, &w), Some(Ok(())))
        }
        Err(_) => false,
    }
}

/// `kubectl label node {worker} KEY=VALUE` (or `KEY-`): the one change a lab may make to a
/// node, run by minik with admin rights; the lab's `cleanup:` removes the label (`KEY-`).
/// `None` when the command labels no node. Keys under kubernetes.io and k8s.io are the
/// cluster's own (roles, hostname, topology, what the scheduler and controllers read) and
/// refused, as is anything but one plain label on `{worker}`.
fn node_label(verb: &Verb, w: &Words) -> Option<Result<(), Refusal>> {
    if verb.name != "label" {
        return None;
    }
    let pos = &w.positionals;
    let (target, rest) = match pos.first().copied()? {
        "node" | "nodes" | "no" => (pos.get(1).copied(), pos.get(2..).unwrap_or_default()),
        first => match first.split_once('/') {
            Some(("node" | "nodes" | "no", name)) => (Some(name), &pos[1..]),
            _ => return None,
        },
    };
    let hint = "write kubectl label node {worker} KEY=VALUE, and KEY- in the step's cleanup";
    let only_overwrite = w.flags.iter().all(|(f, _)| f.long == "overwrite");
    if target != Some("{worker}") || rest.len() != 1 || !only_overwrite {
        return Some(Err(refuse(
            "kubectl label on a node in a lab sets or removes one label on {worker}".into(),
            hint,
        )));
    }
    let (key, value) = match rest[0].split_once('=') {
        Some((k, v)) => (k, v),
        None => (rest[0].strip_suffix('-').unwrap_or("-"), ""),
    };
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let plain = |s: &str, max: usize| {
        s.len() <= max
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && s.bytes().next().is_none_or(|b| b.is_ascii_alphanumeric())
            && s.bytes().last().is_none_or(|b| b.is_ascii_alphanumeric())
    };
    let reserved = ["kubernetes.io", "k8s.io"]
        .iter()
        .any(|d| prefix == *d || prefix.ends_with(&format!(".{d}")));
    if name.is_empty() || !plain(name, 63) || !plain(prefix, 253) || !plain(value, 63) {
        return Some(Err(refuse(
            format!("{} is not a label a lab may set on a node", quoted(rest[0])),
            hint,
        )));
    }
    if reserved {
        return Some(Err(refuse(
            format!(
                "{} is the cluster's own label (kubernetes.io, k8s.io)",
                quoted(key)
            ),
            "choose a key of your own, e.g. disktype=ssd",
        )));
    }
    Some(Ok(()))
}

fn not_a_lab_verb(verb: &str) -> Refusal {
    refuse(
        format!("kubectl {verb} is not a command labs may run"),
        format!(
            "labs read with {}, change their namespace with {}, and move pods off a worker with {}",
            verbs::names(Scope::Read).join(", "),
            verbs::names(Scope::Change).join(", "),
            verbs::names(Scope::Node).join(", ")
        ),
    )
}

/// `-o` writes only to the terminal: no template read from a file.
fn check_output(values: &[Option<&str>]) -> Result<(), Refusal> {
    for v in values.iter().flatten() {
        let ok = ["wide", "json", "yaml", "name", "plaintext"].contains(v)
            || ["jsonpath=", "custom-columns=", "go-template="]
                .iter()
                .any(|p| v.starts_with(p));
        if !ok {
            return Err(refuse(
                format!("-o {} is not an output a lab may use", quoted(v)),
                "use -o wide, json, yaml, name, jsonpath=..., custom-columns=... or go-template=...",
            ));
        }
    }
    Ok(())
}

fn check_subcommand(verb: &Verb, w: &Words) -> Result<(), Refusal> {
    if !verb.positionals && !w.positionals.is_empty() {
        return Err(refuse(
            format!("kubectl {} in a lab takes no arguments", verb.name),
            format!("write kubectl {} alone", verb.name),
        ));
    }
    if verb.subs.is_empty() || w.positionals.first().is_some_and(|s| verb.subs.contains(s)) {
        return Ok(());
    }
    Err(refuse(
        format!(
            "kubectl {} in a lab needs one of: {}",
            verb.name,
            verb.subs.join(", ")
        ),
        format!("for example kubectl {} {} ...", verb.name, verb.subs[0]),
    ))
}

fn check_node(verb: &Verb, w: &Words) -> Result<(), Refusal> {
    let only_worker = w.positionals == ["{worker}"];
    let namespaced = w.flags.iter().any(|(f, _)| f.long == verbs::NAMESPACE.long);
    if !only_worker || namespaced {
        return Err(refuse(
            format!("kubectl {} in a lab acts on {{worker}} only", verb.name),
            format!("write kubectl {} {{worker}}", verb.name),
        ));
    }
    Ok(())
}

/// `kubectl create|delete namespace {namespace}`: the one cluster-wide object a lab may touch.
fn own_namespace(verb: &Verb, w: &Words) -> bool {
    (verb.name == "create" || verb.name == "delete")
        && matches!(w.positionals[..], ["namespace" | "ns", "{namespace}"])
        && w.flags.iter().all(|(f, _)| f.arg != Arg::Value)
}

fn check_change(verb: &Verb, w: &Words, namespace: Option<&str>) -> Result<(), Refusal> {
    if own_namespace(verb, w) {
        return Ok(());
    }
    if namespace != Some("{namespace}") {
        return Err(refuse(
            format!(
                "kubectl {} in a lab must name the tour's namespace",
                verb.name
            ),
            format!(
                "add -n {{namespace}}: kubectl {} -n {{namespace}} ...",
                verb.name
            ),
        ));
    }
    let files: Vec<Option<&str>> = w
        .flags
        .iter()
        .filter(|(f, _)| f.long == verbs::FILENAME.long)
        .map(|(_, v)| *v)
        .collect();
    if files.iter().any(|f| *f != Some("-")) || files.len() > 1 {
        return Err(refuse(
            "a lab's command reads only the step's own manifest (-f -)".into(),
            "put the YAML under manifest: and write -f -",
        ));
    }
    let pos = &w.positionals;
    match verb.name {
        "apply" if files.is_empty() || !pos.is_empty() => Err(refuse(
            "kubectl apply in a lab applies the step's manifest: -f - and nothing else".into(),
            "write kubectl apply -n {namespace} -f -",
        )),
        "apply" => Ok(()),
        "create" if !files.is_empty() => no_positionals(verb, pos),
        "create" => check_create(w),
        "run" if pos.len() != 1 => Err(refuse(
            "kubectl run in a lab names one pod".into(),
            "write kubectl run NAME -n {namespace} --image=IMAGE",
        )),
        "run" => Ok(()),
        "delete" if !files.is_empty() => no_positionals(verb, pos),
        "rollout" | "set" => check_kinds(verb, &pos[1..]),
        _ => check_kinds(verb, pos),
    }
}

fn no_positionals(verb: &Verb, pos: &[&str]) -> Result<(), Refusal> {
    if pos.is_empty() {
        return Ok(());
    }
    Err(refuse(
        format!("kubectl {} -f - in a lab names nothing else", verb.name),
        "the manifest says which objects",
    ))
}

/// `kubectl create GENERATOR NAME`: a generator of a namespaced kind and one name.
fn check_create(w: &Words) -> Result<(), Refusal> {
    let pos = &w.positionals;
    let name_at = match pos.first().copied() {
        Some("service") if matches!(pos.get(1), Some(&"clusterip" | &"nodeport")) => 2,
        Some(g) if verbs::CREATE_SUBS.contains(&g) && g != "service" && g != "namespace" => 1,
        _ => {
            return Err(refuse(
                "kubectl create in a lab makes a deployment, service clusterip|nodeport, \
                 configmap or job, or applies -f -"
                    .into(),
                "for example kubectl create deployment hello -n {namespace} --image=IMAGE",
            ))
        }
    };
    if pos.len() != name_at + 1 {
        return Err(refuse(
            "kubectl create in a lab names exactly one object".into(),
            "for example kubectl create deployment hello -n {namespace} --image=IMAGE",
        ));
    }
    let from = w.flags.iter().filter(|(f, _)| f.long == "from");
    for (_, v) in from {
        check_kinds_of(v.unwrap_or_default())?;
    }
    Ok(())
}

/// The kinds a change names: its first argument (`TYPE`, `TYPE,TYPE`, `TYPE/NAME`) and any later
/// `TYPE/NAME`; `KEY=VALUE` and `KEY-` are labels, annotations or settings.
fn check_kinds(verb: &Verb, pos: &[&str]) -> Result<(), Refusal> {
    let Some(first) = pos.first() else {
        return Err(refuse(
            format!("kubectl {} in a lab names what it changes", verb.name),
            format!(
                "for example kubectl {} deployment hello -n {{namespace}} ...",
                verb.name
            ),
        ));
    };
    check_kinds_of(first)?;
    for p in &pos[1..] {
        let setting = p.contains('=') || p.ends_with('-');
        if setting {
            continue;
        }
        if p.contains('/') {
            check_kinds_of(p)?;
        } else if first.contains('/') {
            // kubectl refuses the mix too; a bare word here could be read as a kind.
            return Err(refuse(
                format!("{} follows a TYPE/NAME argument", quoted(p)),
                "write every object as TYPE/NAME, or the type once followed by names",
            ));
        }
    }
    Ok(())
}

fn check_kinds_of(word: &str) -> Result<(), Refusal> {
    let kinds = word.split('/').next().unwrap_or_default();
    match kinds.split(',').find(|k| !kinds::changeable(k)) {
        None => Ok(()),
        Some(kind) => Err(refuse(
            format!(
                "{} is not a kind a lab may change: labs change namespaced objects, inside the \
                 tour's namespace",
                quoted(kind)
            ),
            "a lab changes pods, deployments, services, configmaps, jobs, volumes claims and \
             similar objects in its namespace ({namespace})",
        )),
    }
}

#[cfg(test)]
#[path = "sandbox_tests.rs"]
mod tests;
