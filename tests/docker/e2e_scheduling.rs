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

use common::lab::{assert_contains_all, LabCluster};
use common::{kubectl, text};
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
    let lab = LabCluster::create("e2esched");
    lab.load_images(&[IMAGE]);

    lab.run_en("scheduling", &STEPS);
    assert_nothing_left(&lab.kubeconfig);

    // Korean, as text: the step titles in Korean, each step done, and the scheduler's event as
    // `kubectl events` prints it (its own words, as a v1.35 cluster prints them).
    let out = lab.run_ko("scheduling");
    assert_contains_all(
        &out,
        &[
            "단계 1/9: 실습용 네임스페이스",
            "✓ 완료: 노드 셀렉터로 노드 고르기",
            "✓ 완료: 테인트와 톨러레이션",
            "✓ 완료: 메모리 제한(limit)",
            "✓ 완료: 같은 파드 안에서 다시 시작",
            "FailedScheduling Pod/too-big 0/3 nodes are available: 1 node(s) had untolerated \
             taint(s), 2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are \
             available: 3 Preemption is not helpful for scheduling.",
        ],
    );
    assert_nothing_left(&lab.kubeconfig);
}
