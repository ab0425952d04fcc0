//! `minik tour --lab scheduling --yes` end to end on a 3-node cluster, in English (JSON report)
//! and in Korean (text): every step passes — a labelled worker takes the nodeSelector pod, a
//! toleration lets a pod onto the tainted control plane, a pod asking 1000 CPUs stays Pending
//! with the scheduler's FailedScheduling text, a 32Mi memory limit gets a container OOMKilled by
//! the nodes' real kernel through containerd (exit 137, restarted) — and nothing of the lab is
//! left: its namespace is gone and the worker's label removed.
//!
//! Its image, `registry.k8s.io/e2e-test-images/busybox:1.36.1-1`, is the stand-in
//! tests/e2e/prepare.sh builds (a real busybox under that name), loaded like any local image.

use crate::common;

use std::path::Path;
use std::time::Instant;

use common::{create, kubectl, minik, text, unique, Cleanup};
use serde_json::Value;

const IMAGE: &str = "registry.k8s.io/e2e-test-images/busybox:1.36.1-1";
const NAMESPACE: &str = "minik-scheduling";
const STEPS: [&str; 9] = [
    "namespace",
    "capacity",
    "label",
    "node-selector",
    "toleration",
    "too-big",
    "why-pending",
    "oom",
    "restarts",
];

fn json(kc: &Path, args: &[&str]) -> Value {
    let o = kubectl(kc, args);
    assert!(o.status.success(), "kubectl {args:?}: {}", text(&o));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

/// After the lab: its namespace is gone (or going) and no node carries its label.
fn assert_nothing_left(kc: &Path) {
    let namespaces = json(kc, &["get", "namespaces", "-o", "json"]);
    let left: Vec<&Value> = namespaces["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["metadata"]["name"] == NAMESPACE && n["status"]["phase"] != "Terminating")
        .collect();
    assert!(left.is_empty(), "namespace left: {left:?}");
    let nodes = json(kc, &["get", "nodes", "-o", "json"]);
    for n in nodes["items"].as_array().unwrap() {
        assert!(
            n["metadata"]["labels"]["disktype"].is_null(),
            "label left on {}",
            n["metadata"]["name"]
        );
    }
}

#[test]
fn scheduling_lab_runs_in_both_languages_and_leaves_nothing() {
    let home = tempfile::tempdir().unwrap();
    let kc = home.path().join("config");
    let state = home.path().join("state");
    let env = [
        ("KUBECONFIG", kc.to_str().unwrap()),
        ("HOME", home.path().to_str().unwrap()),
        ("XDG_STATE_HOME", state.to_str().unwrap()),
    ];
    let present = common::docker(&["image", "inspect", IMAGE]);
    assert!(
        present.status.success(),
        "{IMAGE} is missing: run tests/e2e/prepare.sh (it builds the labs' test images)"
    );
    let cluster = unique("e2esched");
    let _guard = Cleanup(cluster.clone());
    let o = create(&cluster, &["--nodes", "3"], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    let o = minik(&["load", "docker-image", IMAGE, "--name", &cluster], &env);
    assert!(o.status.success(), "load: {}", text(&o));

    english(&cluster, &env);
    assert_nothing_left(&kc);
    korean(&cluster, &env);
    assert_nothing_left(&kc);
}

/// English, unattended, each step's result as JSON: every step passed.
#[allow(clippy::print_stderr)] // the timing is the test's diagnostic
fn english(cluster: &str, env: &[(&str, &str)]) {
    let started = Instant::now();
    let o = minik(
        &[
            "tour",
            "-n",
            cluster,
            "--lab",
            "scheduling",
            "--yes",
            "--lang",
            "en",
            "-o",
            "json",
        ],
        env,
    );
    assert!(o.status.success(), "tour en: {}", text(&o));
    eprintln!(
        "scheduling lab --yes (en) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    assert_eq!(report["finished"], true);
    let got: Vec<(&str, &str)> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    let want: Vec<(&str, &str)> = STEPS.iter().map(|s| (*s, "passed")).collect();
    assert_eq!(got, want, "{}", text(&o));
}

/// Korean, as text: the step titles in Korean, each step done, no English of minik's own, and
/// the scheduler's event as `kubectl events` prints it.
#[allow(clippy::print_stderr)] // the timing is the test's diagnostic
fn korean(cluster: &str, env: &[(&str, &str)]) {
    let started = Instant::now();
    let o = minik(
        &[
            "tour",
            "-n",
            cluster,
            "--lab",
            "scheduling",
            "--yes",
            "--lang",
            "ko",
        ],
        env,
    );
    assert!(o.status.success(), "tour ko: {}", text(&o));
    eprintln!(
        "scheduling lab --yes (ko) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "단계 1/9: 실습용 네임스페이스",
        "✓ 완료: 노드 셀렉터로 노드 고르기",
        "✓ 완료: 테인트와 톨러레이션",
        "✓ 완료: 메모리 제한(limit)",
        "✓ 완료: 같은 파드 안에서 다시 시작",
    ] {
        assert!(out.contains(want), "no {want:?} in:\n{out}");
    }
    assert!(!out.contains("Step "), "English in the Korean tour:\n{out}");
    // The scheduler's own words, as a v1.35 cluster prints them, reached the learner.
    assert!(
        out.contains(
            "FailedScheduling   Pod/too-big   0/3 nodes are available: 1 node(s) had \
             untolerated taint(s), 2 Insufficient cpu. no new claims to deallocate, preemption: \
             0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        ),
        "no FailedScheduling text in:\n{out}"
    );
}
