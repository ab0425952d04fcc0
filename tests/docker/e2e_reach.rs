//! The `reach` lab end to end on a 3-node test cluster, in English (JSON report) and Korean
//! (text): every step passes — a client pod reaches a ClusterIP Service by its DNS name and
//! hears from several pods, this test's own machine fetches the NodePort at the URL minik shows
//! (a node's address: the docker tests run on a Linux engine), a LoadBalancer keeps its node
//! port and no ingress, the real kubectl's port-forward (WebSocket-tunneled SPDY through the
//! stand-in API server to the kubelet, into the pod's network namespace) answers, and the
//! kube-proxy rules are shown from a node — and afterwards nothing of the lab is left.

use crate::common;

use common::lab::{assert_contains_all, found, LabCluster};
use common::text;
use serde_json::Value;

const IMAGES: [&str; 1] = ["registry.k8s.io/e2e-test-images/agnhost:2.53"];
const STEPS: [&str; 8] = [
    "namespace",
    "app",
    "cluster-ip",
    "node-port",
    "from-here",
    "load-balancer",
    "port-forward",
    "rules",
];

/// Nothing of the lab is left: its namespace (and so its Services and node ports), its
/// ServiceAccount.
fn assert_nothing_left(lab: &LabCluster) {
    lab.wait_namespace_gone("minik-reach");
    let o = lab.kubectl(&["get", "serviceaccounts", "-n", "kube-system", "-o", "name"]);
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("minik-tour-reach"),
        "{}",
        text(&o)
    );
    let o = lab.kubectl(&["get", "services", "-A", "-o", "name"]);
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("service/hello"),
        "{}",
        text(&o)
    );
}

/// Each fetch was answered by a pod of the Deployment (from this machine at the node port, and
/// through port-forward), and the rules view listed the Service's chains.
fn assert_found_what_the_lab_shows(report: &Value) {
    for step in ["from-here", "port-forward"] {
        let f = found(report, step);
        assert!(f.starts_with("HTTP 200: \"hello-"), "{step}: {f}");
    }
    let rules = report["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == "rules"))
        .map(|s| s["shown"].to_string())
        .unwrap_or_default();
    for want in ["KUBE-SVC-", "KUBE-SEP-", "DNAT", "KUBE-NODEPORTS :30080"] {
        assert!(rules.contains(want), "no {want} in the rules view: {rules}");
    }
}

#[test]
fn reach_lab_runs_in_both_languages_and_leaves_nothing() {
    let lab = LabCluster::create("e2ereach");
    lab.load_lab_archive(&IMAGES);

    let report = lab.run_en("reach", &STEPS);
    assert_found_what_the_lab_shows(&report);
    assert_nothing_left(&lab);

    let out = lab.run_ko("reach");
    assert_contains_all(
        &out,
        &[
            "단계 1/8: 이 랩의 네임스페이스",
            "✓ 완료: 다른 파드에서 이름으로",
            "✓ 완료: 여러분의 컴퓨터에서 노드를 거쳐",
            "✓ 완료: 대기 상태로 남는 LoadBalancer",
            "✓ 완료: kubectl port-forward",
            "✓ 완료: 노드에 있는 서비스 규칙",
            ":30080/hostname",
        ],
    );
    assert_nothing_left(&lab);
}
