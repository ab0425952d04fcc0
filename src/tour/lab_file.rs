//! Reading a lab file strictly, with the cluster config's machinery: every unknown field, bad
//! value or bad check is reported at `file:line:column` with how to fix it, all at once.

use std::time::Duration;

use super::command;
use super::lab::{Expect, Kubectl, Lab, Step, Text, VIEWS};
use crate::config::decode::Decoder;
use crate::config::yaml::{self, Node, Value};
use crate::config::{ConfigError, ConfigErrors, Location, SourceMap};
use crate::text::quoted;

pub(crate) const API_VERSION: &str = "minik.dev/v1alpha1";
pub(crate) const KIND: &str = "Lab";
/// The largest lab file read; the built-in one is a few dozen kilobytes.
pub(crate) const MAX_LAB_BYTES: usize = 1 << 20;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

const LAB_FIELDS: [&str; 7] = [
    "apiVersion",
    "kind",
    "id",
    "title",
    "namespace",
    "images",
    "steps",
];
const STEP_FIELDS: [&str; 16] = [
    "id",
    "title",
    "text",
    "try",
    "manifest",
    "show",
    "more",
    "pick",
    "needsWorkers",
    "needsKubeProxy",
    "replay",
    "cleanup",
    "nodeAction",
    "etcd",
    "timeout",
    "checks",
];
/// Parses and validates a lab. `origin` names the file in errors.
pub(crate) fn parse(source: &str, origin: &str) -> Result<Lab, ConfigErrors> {
    let mut d = Decoder::new(SourceMap::new(origin));
    if source.len() > MAX_LAB_BYTES {
        d.error(
            Location { line: 1, column: 1 },
            format!("the lab file is larger than {MAX_LAB_BYTES} bytes"),
            "split it into several labs",
        );
        return Err(sorted(d.errors));
    }
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let root = match yaml::parse(source) {
        Ok(docs) => docs.into_iter().find(|n| n.value != Value::Null),
        Err((at, msg)) => {
            d.error(
                at,
                format!("invalid YAML: {msg}"),
                "check the indentation and quoting here and on the line before",
            );
            return Err(sorted(d.errors));
        }
    };
    let Some(root) = root else {
        d.error(
            Location { line: 1, column: 1 },
            "the lab file is empty".into(),
            format!("start it with \"apiVersion: {API_VERSION}\" and \"kind: {KIND}\""),
        );
        return Err(sorted(d.errors));
    };
    refuse_controls(&mut d, &root);
    let lab = decode_lab(&mut d, &root);
    match (d.errors.into_result(), lab) {
        (Ok(()), Some(lab)) => Ok(lab),
        (Err(e), _) => Err(e),
        (Ok(()), None) => Err(ConfigError::new(origin, None, "the lab has no steps", "").into()),
    }
}

/// A character that could drive or reorder the learner's terminal: C0 (but newline and tab),
/// DEL, C1, and the bidirectional and line-separator controls.
pub(super) fn is_hostile_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Lab text reaches the terminal (titles, explanations, commands): none may hold a control
/// character, however the YAML spells it (raw, or `\e` in a double-quoted string).
fn refuse_controls(d: &mut Decoder, node: &Node) {
    match &node.value {
        Value::Scalar { text, .. } => {
            if let Some(c) = text.chars().find(|c| is_hostile_char(*c)) {
                d.error(
                    node.at,
                    format!("the text holds the control character U+{:04X}", c as u32),
                    "lab text is shown on the learner's terminal: remove escapes and control characters",
                );
            }
        }
        Value::Seq(items) => items.iter().for_each(|n| refuse_controls(d, n)),
        Value::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            refuse_controls(d, k);
            refuse_controls(d, v);
        }),
        Value::Null => {}
    }
}

fn sorted(e: ConfigErrors) -> ConfigErrors {
    e.into_result().err().unwrap_or_default()
}

fn decode_lab(d: &mut Decoder, root: &Node) -> Option<Lab> {
    let mut lab = Lab {
        id: String::new(),
        title: Text::default(),
        namespace: "minik-tour".into(),
        images: Vec::new(),
        steps: Vec::new(),
    };
    let mut header = (false, false);
    let mut steps_at = None;
    for (field, path, value) in d.fields(root, "", "a lab", &LAB_FIELDS) {
        match field {
            "apiVersion" => {
                header.0 = true;
                d.choice(value, &path, &[API_VERSION], false);
            }
            "kind" => {
                header.1 = true;
                d.choice(value, &path, &[KIND], false);
            }
            "id" => lab.id = name(d, value, &path).unwrap_or_default(),
            "title" => lab.title = text(d, value, &path),
            "namespace" => {
                if let Some(ns) = name(d, value, &path) {
                    lab.namespace = ns;
                }
            }
            "images" => lab.images = images(d, value, &path),
            _ => {
                steps_at = Some(value.at);
                for (p, item) in d.list(value, &path, "steps: [{id: nodes, ...}]") {
                    if let Some(mut step) = decode_step(d, item, &p) {
                        super::lab_node::check_sequence(d, &lab.steps, &mut step, item.at);
                        if lab.steps.iter().any(|s| s.id == step.id) {
                            d.error(
                                item.at,
                                format!("step id {} is used twice", quoted(&step.id)),
                                "give every step its own id (progress is kept by id)",
                            );
                        }
                        lab.steps.push(step);
                    }
                }
            }
        }
    }
    if !header.0 || !header.1 {
        d.error(
            root.at,
            "a lab starts with apiVersion and kind".into(),
            format!("add \"apiVersion: {API_VERSION}\" and \"kind: {KIND}\""),
        );
    }
    if lab.id.is_empty() {
        d.error(
            root.at,
            "the lab has no id".into(),
            "add for example id: my-lab",
        );
    }
    if lab.steps.is_empty() {
        d.error(
            steps_at.unwrap_or(root.at),
            "the lab has no steps".into(),
            "add steps: with at least one step",
        );
    }
    Some(lab)
}

/// An id or namespace: lowercase letters, digits and `-`, as Kubernetes names are.
fn name(d: &mut Decoder, node: &Node, path: &str) -> Option<String> {
    let s = d.string(node, path, "id: my-lab")?;
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if !ok {
        d.error(
            node.at,
            format!("invalid name {}", quoted(&s)),
            "use lowercase letters, digits and '-' (at most 63), as Kubernetes names",
        );
        return None;
    }
    Some(s)
}

/// `images: [IMAGE, ...]`: image references (no spaces, no shell or placeholder characters),
/// printed in the command that loads them.
fn images(d: &mut Decoder, node: &Node, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (p, item) in d.list(node, path, "images: [registry.k8s.io/pause:3.10]") {
        let Some(image) = d.string(item, &p, "registry.k8s.io/pause:3.10") else {
            continue;
        };
        if super::catalog::is_image_ref(&image) {
            out.push(image);
        } else {
            d.error(
                item.at,
                format!("invalid image reference {}", quoted(&image)),
                "write an image as docker pull takes it, e.g. registry.k8s.io/pause:3.10",
            );
        }
    }
    out
}

/// `{en: ..., ko: ...}`, or plain text (English).
fn text(d: &mut Decoder, node: &Node, path: &str) -> Text {
    if let Value::Scalar { text, .. } = &node.value {
        return Text([("en".to_string(), text.clone())].into());
    }
    let langs: Vec<&'static str> = super::lab::Lang::ALL.iter().map(|l| l.code()).collect();
    let mut out = Text::default();
    for (lang, p, value) in d.fields(node, path, "a text (one entry per language)", &langs) {
        if let Some(s) = d.string(value, &p, "en: Nodes") {
            out.0.insert(lang.to_string(), s);
        }
    }
    if out.0.is_empty() {
        d.error(
            node.at,
            "a text needs at least one language".into(),
            "for example en: Nodes",
        );
    }
    out
}

fn decode_step(d: &mut Decoder, node: &Node, path: &str) -> Option<Step> {
    let mut step = Step {
        id: String::new(),
        title: Text::default(),
        text: Text::default(),
        command: None,
        manifest: None,
        show: Vec::new(),
        more: Vec::new(),
        pick: None,
        needs_workers: 0,
        needs_kube_proxy: false,
        replay: false,
        cleanup: Vec::new(),
        node_action: None,
        etcd: None,
        timeout: DEFAULT_TIMEOUT,
        checks: Vec::new(),
    };
    let mut command_at = None;
    for (field, p, value) in d.fields(node, path, "a step", &STEP_FIELDS) {
        if field == "try" {
            command_at = Some(value.at);
            step.command = kubectl(d, value, &p);
        } else {
            step_field(d, &mut step, field, &p, value);
        }
    }
    if step.id.is_empty() {
        d.error(
            node.at,
            "the step has no id".into(),
            "add for example id: nodes",
        );
        return None;
    }
    check_manifest(d, &step, command_at.unwrap_or(node.at));
    check_placeholders(d, &mut step, node.at);
    Some(step)
}

/// One of a step's fields other than `try` (whose place the manifest checks cite).
fn step_field(d: &mut Decoder, step: &mut Step, field: &str, p: &str, value: &Node) {
    match field {
        "id" => step.id = name(d, value, p).unwrap_or_default(),
        "title" => step.title = text(d, value, p),
        "text" => step.text = text(d, value, p),
        "manifest" => step.manifest = d.string(value, p, "manifest: |"),
        "show" => {
            let names: Vec<&str> = VIEWS.iter().map(|(n, _)| *n).collect();
            for (ip, item) in d.list(value, p, "show: [nodes]") {
                if let Some(i) = d.choice(item, &ip, &names, false) {
                    step.show.push(VIEWS[i].1);
                }
            }
        }
        "more" => step.more = d.string_list(value, p, "more: [kubectl get pods -A]"),
        "pick" => step.pick = d.string(value, p, "pick: app=hello"),
        "needsWorkers" => step.needs_workers = d.int(value, p, 0, 100).unwrap_or(0) as u32,
        "needsKubeProxy" => step.needs_kube_proxy = d.bool(value, p).unwrap_or(false),
        "replay" => step.replay = d.bool(value, p).unwrap_or(false),
        "cleanup" => {
            for (ip, item) in d.list(value, p, "cleanup: [\"kubectl uncordon {worker}\"]") {
                if let Some(c) = kubectl(d, item, &ip) {
                    step.cleanup.push(c);
                }
            }
        }
        "nodeAction" => step.node_action = super::lab_node::decode(d, value, p),
        "etcd" => step.etcd = super::etcd::decode(d, value, p),
        "timeout" => {
            let s = d.string(value, p, "timeout: 90s").unwrap_or_default();
            match humantime::parse_duration(&s) {
                Ok(t) if t <= Duration::from_secs(3600) => step.timeout = t,
                _ => d.error(
                    value.at,
                    format!("invalid timeout {}", quoted(&s)),
                    "use a duration up to an hour, such as 90s or 2m",
                ),
            }
        }
        _ => {
            for (ip, item) in d.list(value, p, "checks: [{kind: nodes, atLeast: 1}]") {
                if let Some(c) = super::lab_check::decode(d, item, &ip) {
                    step.checks.push(c);
                }
            }
        }
    }
}

/// A manifest goes with a command that reads it, and stays within what a lab may make.
fn check_manifest(d: &mut Decoder, step: &Step, at: Location) {
    let reads_stdin = step.command.as_ref().is_some_and(command::reads_stdin);
    match (&step.manifest, reads_stdin) {
        (Some(_), false) => d.error(
            at,
            "the step has a manifest but its command does not read it".into(),
            "use try: kubectl apply -n {namespace} -f -",
        ),
        (None, true) => d.error(
            at,
            "the command reads a manifest (-f -) but the step has none".into(),
            "add manifest: | with the YAML to apply",
        ),
        _ => {}
    }
    if let Some(m) = &step.manifest {
        if let Err(e) = super::manifest::check(&sample_fill(m), SAMPLE_NAMESPACE) {
            d.error(
                at,
                format!("the step's manifest is refused: {e}"),
                "a lab's manifest makes namespaced objects in {namespace}, within Pod Security \
                 \"baseline\" (no privileged or host access)",
            );
        }
    }
}

/// Only known placeholders; `{pod}` needs a pick and `{worker}` a worker.
fn check_placeholders(d: &mut Decoder, step: &mut Step, at: Location) {
    let all = placeholders_of(step);
    if let Some(p) = all
        .iter()
        .find(|p| !command::PLACEHOLDERS.contains(&p.as_str()))
    {
        d.error(
            at,
            format!("unknown placeholder {}", quoted(&format!("{{{p}}}"))),
            format!(
                "the placeholders are: {}",
                command::PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ),
        );
    }
    for text in step.text.0.values() {
        let marked = text
            .matches(&format!("{{{}", super::reach_check::NODE_PORT_URL))
            .count();
        if marked != super::reach_check::node_ports(text).len() {
            d.error(
                at,
                "a {nodePortUrl:PORT} placeholder needs a port number".into(),
                "write the Service's nodePort, e.g. {nodePortUrl:30080}",
            );
            break;
        }
    }
    if all.iter().any(|p| p == "pod") && step.pick.is_none() {
        d.error(
            at,
            "the step uses {pod} but picks none".into(),
            "add pick: with a label selector, e.g. pick: app=hello",
        );
    }
    if all.iter().any(|p| p == "worker") {
        step.needs_workers = step.needs_workers.max(1);
    }
}

/// The namespace placeholders become when a manifest is checked before any run.
const SAMPLE_NAMESPACE: &str = "lab-namespace";

/// `text` with every placeholder replaced by a name, as a run fills them (each run checks the
/// filled manifest again).
fn sample_fill(text: &str) -> String {
    let vars = command::PLACEHOLDERS
        .iter()
        .map(|p| {
            let v = if *p == "namespace" {
                SAMPLE_NAMESPACE.to_string()
            } else {
                format!("sample-{}", p.to_ascii_lowercase())
            };
            (*p, v)
        })
        .collect();
    command::fill(text, &vars)
}

fn placeholders_of(step: &Step) -> Vec<String> {
    let mut texts: Vec<&str> = Vec::new();
    for c in step.command.iter().chain(&step.cleanup) {
        texts.extend(c.0.iter().map(String::as_str));
    }
    texts.extend(step.manifest.as_deref());
    for c in &step.checks {
        texts.extend(c.name.as_deref());
        if let Expect::Avoids(n) | Expect::LogContains(n) | Expect::FieldEquals { value: n, .. } =
            &c.expect
        {
            texts.push(n);
        }
    }
    texts.into_iter().flat_map(command::placeholders).collect()
}

fn kubectl(d: &mut Decoder, node: &Node, path: &str) -> Option<Kubectl> {
    let line = d.string(node, path, "try: kubectl get nodes")?;
    match command::parse(&line) {
        Ok(c) => Some(c),
        Err((message, hint)) => {
            d.error(node.at, message, hint);
            None
        }
    }
}
