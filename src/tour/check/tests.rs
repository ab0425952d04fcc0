//! The evaluator on API responses shaped as a real cluster returns them (tests/fixtures/tour):
//! the built-in steps a test cluster cannot show (a drained worker, Services, volumes) pass on
//! the state a real cluster reaches, and say what they expected and found on the state before.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::tour::lab::{Check, Expect, Role};
use crate::tour::{builtin, command, DEFAULT_LAB};

fn fixture(dir: &str, file: &str) -> Value {
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tour");
    let path = format!("{base}/{dir}/{file}");
    let path = if std::path::Path::new(&path).exists() {
        path
    } else {
        format!("{base}/{file}")
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn filled(c: &Check) -> Check {
    let vars = BTreeMap::from([
        ("namespace", "minik-tour".to_string()),
        ("worker", "lab-worker2".to_string()),
    ]);
    let f = |o: &Option<String>| o.as_deref().map(|s| command::fill(s, &vars));
    let mut c = c.clone();
    c.namespace = f(&c.namespace);
    c.name = f(&c.name);
    if let Expect::Avoids(n) = &c.expect {
        c.expect = Expect::Avoids(command::fill(n, &vars));
    }
    c
}

/// The built-in step's checks on the fixtures in `dir`.
fn outcomes(step: &str, dir: &str) -> Vec<Outcome> {
    let lab = builtin(DEFAULT_LAB).unwrap();
    let step = lab.steps.iter().find(|s| s.id == step).unwrap();
    let nodes = fixture(dir, "nodes.json");
    step.checks
        .iter()
        .map(|c| {
            let c = filled(c);
            evaluate(&c, &fixture(dir, &format!("{}.json", c.kind)), &nodes)
        })
        .collect()
}

#[test]
fn steps_the_test_cluster_cannot_show_pass_on_a_real_clusters_state() {
    for (step, dir) in [("worker-away", "worker-away"), ("service", "service")] {
        for o in outcomes(step, dir) {
            assert!(o.ok, "{step}: expected {}, found {}", o.expected, o.found);
        }
    }
}

#[test]
fn before_they_happen_the_checks_say_what_was_expected_and_found() {
    let o = outcomes("worker-away", "worker-away-not-yet");
    assert!(o[0].ok, "{o:?}");
    assert_eq!(
        o[1].expected,
        "3 pods app=hello in minik-tour with status.phase=Running"
    );
    assert_eq!(
        o[1].found,
        "1: hello-7d9c6b8f5c-4xkqz Running on lab-worker (worker)"
    );
    assert_eq!(
        o[2].expected,
        "pods app=hello in minik-tour Running, none on lab-worker2"
    );
    assert!(!o[2].ok);
    // The evicted pod, still terminating on lab-worker2, counts as gone; its replacement waits.
    assert_eq!(
        o[2].found,
        "2: hello-7d9c6b8f5c-4xkqz Running on lab-worker (worker), \
         hello-7d9c6b8f5c-rj2lp Pending, not scheduled"
    );

    let o = outcomes("service", "service-not-yet");
    assert!(o[0].ok);
    assert!(!o[1].ok);
    assert_eq!(
        o[1].expected,
        "endpointslices kubernetes.io/service-name=hello in minik-tour with endpoints[0].conditions.ready=true"
    );
    assert_eq!(o[1].found, "none");
}

#[test]
fn log_checks_read_the_selected_pods_logs() {
    let pods = json!({"items": [
        {"kind": "Pod", "metadata": {"name": "notes-2", "namespace": "t", "labels": {"app": "notes"}},
         "spec": {"nodeName": "lab-worker", "containers": []}, "status": {"phase": "Running"}},
        {"kind": "Pod", "metadata": {"name": "other", "namespace": "t", "labels": {"app": "x"}},
         "spec": {"nodeName": "lab-worker", "containers": []}, "status": {"phase": "Running"}}
    ]});
    let mut c = check("pods", Expect::LogContains("written by notes-1".into()));
    c.namespace = Some("t".into());
    c.selector = Some("app=notes".into());
    assert_eq!(
        log_targets(&c, &pods),
        [("t".to_string(), "notes-2".to_string())]
    );
    let key = ("t".to_string(), "notes-2".to_string());
    let with = |log: Result<&str, &str>| {
        let logs = Logs::from([(key.clone(), log.map(String::from).map_err(String::from))]);
        evaluate_with_logs(&c, &pods, &Value::Null, &logs)
    };
    let o = with(Ok("written by notes-1\nwritten by notes-2\n"));
    assert!(o.ok, "{o:?}");
    assert_eq!(
        o.expected,
        "pods app=notes in t with \"written by notes-1\" in the log"
    );
    let o = with(Ok("written by notes-2\n"));
    assert_eq!(
        (o.ok, o.found.as_str()),
        (false, "1: notes-2's log ends with \"written by notes-2\"")
    );
    assert!(!with(Ok("")).ok);
    // A log is the node's text: shown quoted, never as terminal escapes.
    let o = with(Ok("\u{1b}]0;owned\u{7}\n"));
    assert!(!o.found.contains('\u{1b}'), "{o:?}");
    let o = with(Err("pods \"notes-2\" is forbidden"));
    assert!(!o.ok && o.found.contains("could not be read"), "{o:?}");
    // No log read, or no pod selected, never passes.
    assert!(!evaluate(&c, &pods, &Value::Null).ok);
    c.selector = Some("app=none".into());
    assert!(log_targets(&c, &pods).is_empty());
    assert!(!evaluate(&c, &pods, &Value::Null).ok);
    // Other checks read no logs.
    assert!(log_targets(&check("pods", Expect::Exists(true)), &pods).is_empty());
}

fn check(kind: &str, expect: Expect) -> Check {
    Check {
        kind: kind.into(),
        namespace: None,
        name: None,
        selector: None,
        filter: Vec::new(),
        expect,
        at: crate::config::Location { line: 1, column: 1 },
    }
}

#[test]
fn every_assertion_on_small_lists() {
    let nodes = fixture("", "nodes.json");
    let pods = json!({"items": [
        {"kind": "Pod", "metadata": {"name": "a", "labels": {"app": "x"}},
         "spec": {"nodeName": "lab-control-plane", "containers": []}, "status": {"phase": "Running"}},
        {"kind": "Pod", "metadata": {"name": "b", "labels": {"app": "y"}},
         "spec": {"nodeName": "lab-worker", "containers": []}, "status": {"phase": "Running"}}
    ]});
    let ok = |c: &Check| evaluate(c, &pods, &nodes).ok;
    assert!(ok(&check("pods", Expect::Count(2))));
    assert!(!ok(&check("pods", Expect::AtLeast(3))));
    assert!(ok(&check("pods", Expect::Exists(true))));
    assert!(!ok(&check("pods", Expect::Exists(false))));
    assert!(!ok(&check("pods", Expect::RunningOn(Role::Worker))));
    assert!(ok(&check("pods", Expect::RunningOn(Role::Any))));
    let mut c = check("pods", Expect::RunningOn(Role::ControlPlane));
    c.selector = Some("app=x".into());
    assert!(ok(&c));
    c.selector = Some("app!=x".into());
    assert!(!ok(&c));
    let mut c = check("pods", Expect::Avoids("lab-worker".into()));
    c.selector = Some("app".into());
    assert!(!ok(&c));
    c.name = Some("a".into());
    assert!(ok(&c));
    // Nothing selected never passes "every selected object" assertions.
    c.name = Some("none".into());
    assert!(!ok(&c));
    let ds = json!({"items": [{"metadata": {"name": "kube-proxy"},
        "status": {"numberReady": 3, "desiredNumberScheduled": 3}}]});
    let c = check(
        "daemonsets",
        Expect::FieldEqualsField {
            path: "status.numberReady".into(),
            other: "status.desiredNumberScheduled".into(),
        },
    );
    assert!(evaluate(&c, &ds, &nodes).ok);
    let c = check(
        "daemonsets",
        Expect::FieldEquals {
            path: "status.numberReady".into(),
            value: "2".into(),
        },
    );
    let o = evaluate(&c, &ds, &nodes);
    assert_eq!(
        (o.ok, o.found.as_str()),
        (false, "1: kube-proxy has status.numberReady=3")
    );
}
