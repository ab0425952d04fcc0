//! The evaluator on API responses shaped as a real cluster returns them (tests/fixtures/tour):
//! the built-in steps a test cluster cannot show (a drained worker, Services, volumes) pass on
//! the state a real cluster reaches, and say what they expected and found on the state before.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::tour::lab::{Check, Expect, Lang, Role};
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
            let mut list = fixture(dir, &format!("{}.json", c.kind));
            if let Some(pod) = &c.named_in_logs_of {
                let base = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tour");
                let logs = std::fs::read_to_string(format!("{base}/{dir}/{pod}.log")).unwrap();
                list = named_in(&list, &logs);
            }
            evaluate(&c, &list, &nodes)
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

    // One endpoint of three ready, the client still asking, one pod answered so far.
    let o = outcomes("service", "service-not-yet");
    assert!(o[0].ok);
    assert!(!o[1].ok);
    assert_eq!(
        o[1].expected,
        "3 endpoints with conditions.ready=true of endpointslices \
         kubernetes.io/service-name=hello in minik-tour"
    );
    assert_eq!(o[1].found, "1 of 3 endpoints");
    assert_eq!(o[2].found, "1: client has status.phase=Running");
    assert!(!o[3].ok);
    assert_eq!(
        o[3].expected,
        "at least 2 pods app=hello in minik-tour named in the logs of client"
    );
    assert_eq!(
        o[3].found,
        "1: hello-7d9c6b8f5c-4xkqz Running on lab-worker (worker)"
    );
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

/// The built-in step's checks on the fixtures in `dir`, in Korean.
fn outcomes_ko(step: &str, dir: &str) -> Vec<Outcome> {
    let lab = builtin(DEFAULT_LAB).unwrap();
    let step = lab.steps.iter().find(|s| s.id == step).unwrap();
    let nodes = fixture(dir, "nodes.json");
    step.checks
        .iter()
        .map(|c| {
            let c = filled(c);
            let list = fixture(dir, &format!("{}.json", c.kind));
            evaluate_in(&c, &list, &nodes, &Logs::new(), Lang::Ko)
        })
        .collect()
}

#[test]
fn korean_checks_say_what_they_expect_and_find_in_korean() {
    let o = outcomes_ko("worker-away", "worker-away-not-yet");
    assert_eq!(
        o[1].expected,
        "minik-tour 네임스페이스의 app=hello 파드(status.phase=Running) 3개"
    );
    assert_eq!(
        o[1].found,
        "1개: hello-7d9c6b8f5c-4xkqz: lab-worker(워커)에서 Running"
    );
    assert_eq!(
        o[2].expected,
        "minik-tour 네임스페이스의 app=hello 파드, 모두 Running이고 lab-worker2 노드에는 없음"
    );
    assert_eq!(
        o[2].found,
        "2개: hello-7d9c6b8f5c-4xkqz: lab-worker(워커)에서 Running, \
         hello-7d9c6b8f5c-rj2lp: Pending, 아직 노드에 배치되지 않음"
    );
}

#[test]
fn no_korean_check_outcome_reads_as_english() {
    let names = [
        "hello",
        "notes",
        "client",
        "lab-worker",
        "lab-worker2",
        "minik-tour",
    ];
    for (step, dir) in [
        ("worker-away", "worker-away"),
        ("worker-away", "worker-away-not-yet"),
        ("service", "service"),
        ("service", "service-not-yet"),
    ] {
        for o in outcomes_ko(step, dir) {
            for text in [&o.expected, &o.found] {
                let english = crate::i18n::leaks::english_words_but(text, &names);
                assert!(english.is_empty(), "{step}/{dir}: {english:?} in {text:?}");
            }
        }
    }
}

fn check(kind: &str, expect: Expect) -> Check {
    Check {
        kind: kind.into(),
        namespace: None,
        name: None,
        selector: None,
        filter: Vec::new(),
        entries: None,
        named_in_logs_of: None,
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

#[test]
fn log_last_word_reads_the_last_line_of_each_selected_pod() {
    let pods = json!({"items": [
        {"kind": "Pod", "metadata": {"name": "client", "namespace": "ns"},
         "spec": {"containers": []}, "status": {"phase": "Running"}}
    ]});
    let mut c = check("pods", Expect::LogLastWord("failed=0".into()));
    c.name = Some("client".into());
    assert_eq!(
        log_targets(&c, &pods),
        [("ns".to_string(), "client".to_string())]
    );
    let logs = |line: Result<&str, &str>| {
        Logs::from([(
            ("ns".to_string(), "client".to_string()),
            line.map(str::to_string).map_err(str::to_string),
        )])
    };
    let evaluate_logs =
        |c: &Check, pods: &Value, logs: &Logs| evaluate_with_logs(c, pods, &Value::Null, logs);
    let o = evaluate_logs(
        &c,
        &pods,
        &logs(Ok("calls=56 failed=1\nhello-abc calls=57 failed=0\n")),
    );
    assert!(o.ok, "{o:?}");
    assert_eq!(
        o.expected,
        "pods client with a log ending in failed=0".to_string()
    );
    assert!(o.ok, "{o:?}");
    assert_eq!(o.expected, "pods client with a log ending in failed=0");
    // failed=10 ends in "0" but is not the word failed=0.
    let o = evaluate_logs(&c, &pods, &logs(Ok("FAILED calls=58 failed=10\n")));
    assert!(!o.ok);
    assert_eq!(
        o.found,
        "1: client's log ends with \"FAILED calls=58 failed=10\""
    );
    assert!(!evaluate_logs(&c, &pods, &logs(Ok(""))).ok);
    let o = evaluate_logs(&c, &pods, &logs(Err("kubectl logs failed: forbidden")));
    assert!(!o.ok);
    assert!(o.found.contains("forbidden"), "{o:?}");
    // A log is the pod's to write: a terminal escape in it is shown escaped.
    let o = evaluate_logs(&c, &pods, &logs(Ok("\u{1b}]0;owned\u{7} failed=0\n")));
    assert!(!o.found.contains('\u{1b}'), "{o:?}");
    // Without its logs, or with no pod selected, it never holds.
    assert!(!evaluate(&c, &pods, &Value::Null).ok);
    c.name = Some("gone".into());
    assert!(!evaluate_logs(&c, &pods, &logs(Ok("x failed=0"))).ok);
}
