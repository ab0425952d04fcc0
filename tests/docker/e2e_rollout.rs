//! The `rollout` lab end to end on a 3-node test cluster, in English (JSON report) and Korean
//! (text): every step passes — a Deployment with a readiness probe behind a Service, a client
//! pod calling it by name, `kubectl set image` as a rolling update, `rollout status`, two
//! ReplicaSets, a mistyped tag the nodes' real containerd fails to pull (ImagePullBackOff) while
//! the old pods keep serving, ProgressDeadlineExceeded, `rollout undo` — and the client's log
//! ends with zero failed calls; afterwards nothing of the lab is left on the cluster.

use crate::common;

use std::path::Path;

use common::lab::{assert_contains_all, found, LabCluster};
use common::{kubectl, text};
use serde_json::Value;

/// The lab's two images as a real cluster pulls them; here the test double
/// tests/e2e/prepare.sh builds under both names, loaded into the nodes from its archive.
const IMAGES: [&str; 2] = [
    "registry.k8s.io/e2e-test-images/agnhost:2.53",
    "registry.k8s.io/e2e-test-images/agnhost:2.52",
];
const STEPS: [&str; 10] = [
    "namespace",
    "app",
    "client",
    "update",
    "status",
    "replicasets",
    "broken",
    "stalled",
    "undo",
    "no-downtime",
];

/// Nothing of the lab is left: its namespace, its ServiceAccount, a cordoned node.
fn assert_nothing_left(kc: &Path) {
    let o = kubectl(kc, &["get", "namespaces", "-o", "name"]);
    assert!(o.status.success(), "{}", text(&o));
    let ns = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(!ns.contains("namespace/minik-rollout"), "{ns}");
    let o = kubectl(
        kc,
        &["get", "serviceaccounts", "-n", "kube-system", "-o", "name"],
    );
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("minik-tour-rollout"),
        "{}",
        text(&o)
    );
    let o = kubectl(kc, &["get", "pods", "-A", "-o", "name"]);
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("pod/hello-"),
        "{}",
        text(&o)
    );
    let o = kubectl(kc, &["get", "nodes", "-o", "json"]);
    let nodes: Value = serde_json::from_slice(&o.stdout).unwrap();
    for n in nodes["items"].as_array().unwrap() {
        assert!(n["spec"]["unschedulable"].is_null(), "cordoned: {n}");
    }
}

/// The checks found what the lab shows: the broken pod in ImagePullBackOff, and the client's
/// last line with its running totals.
fn assert_found_what_the_lab_shows(report: &Value) {
    let broken = found(report, "broken");
    assert!(
        broken.contains("status.containerStatuses[0].state.waiting.reason=ImagePullBackOff"),
        "{broken}"
    );
    let last = found(report, "no-downtime");
    assert!(
        last.contains("client's log ends with") && last.contains(" failed=0\""),
        "{last}"
    );
}

#[test]
fn rollout_lab_runs_in_both_languages_with_zero_failed_calls() {
    let lab = LabCluster::create("e2eroll");
    lab.load_lab_archive(&IMAGES);

    // English, unattended, each step's result as JSON.
    let report = lab.run_en("rollout", &STEPS);
    assert_found_what_the_lab_shows(&report);
    assert_nothing_left(&lab.kubeconfig);

    // Korean, as text, kubectl's own output shown as it is.
    let out = lab.run_ko("rollout");
    assert_contains_all(
        &out,
        &[
            "단계 1/10: 이 랩의 네임스페이스",
            "단계 4/10: 롤링 업데이트",
            "✓ 완료: 잘못된 릴리스",
            "✓ 완료: 롤백",
            "✓ 완료: 실패한 호출은 0건",
            "successfully rolled out",
            "exceeded its progress deadline",
        ],
    );
    assert_nothing_left(&lab.kubeconfig);
}
