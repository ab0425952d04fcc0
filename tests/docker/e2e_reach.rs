//! The `reach` lab end to end on a 3-node test cluster, in English (JSON report) and Korean
//! (text): every step passes — a client pod reaches a ClusterIP Service by its DNS name and
//! hears from several pods, this test's own machine fetches the NodePort at the URL minik shows
//! (a node's address: the docker tests run on a Linux engine), a LoadBalancer keeps its node
//! port and no ingress, the real kubectl's port-forward (WebSocket-tunneled SPDY through the
//! stand-in API server to the kubelet, into the pod's network namespace) answers, and the
//! kube-proxy rules are shown from a node — and afterwards nothing of the lab is left.

use crate::common;

use std::path::Path;
use std::time::Instant;

use common::{create, kubectl, minik, text, unique, Cleanup};
use serde_json::Value;

const IMAGE: &str = "registry.k8s.io/e2e-test-images/agnhost:2.53";
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

/// The archive of the lab images tests/e2e/prepare.sh builds (the agnhost test double under its
/// real name), loaded from the archive rather than the engine's tags, which others may re-point.
fn lab_images() -> String {
    let cache = std::env::var("MINIK_TEST_CACHE")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/.minik-test").to_string());
    let tar = format!("{cache}/lab-images.tar");
    let names = std::fs::read_to_string(format!("{tar}.inputs")).unwrap_or_default();
    assert!(
        names.contains(IMAGE),
        "{tar} lacks {IMAGE}: run tests/e2e/prepare.sh"
    );
    tar
}

/// Nothing of the lab is left: its namespace (and so its Services and node ports), its
/// ServiceAccount.
fn assert_nothing_left(kc: &Path) {
    let o = kubectl(kc, &["get", "namespaces", "-o", "name"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("namespace/minik-reach"),
        "{}",
        text(&o)
    );
    let o = kubectl(
        kc,
        &["get", "serviceaccounts", "-n", "kube-system", "-o", "name"],
    );
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("minik-tour-reach"),
        "{}",
        text(&o)
    );
    let o = kubectl(kc, &["get", "services", "-A", "-o", "name"]);
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("service/hello"),
        "{}",
        text(&o)
    );
}

/// What step `i`'s checks found, one line each.
fn found(steps: &[Value], i: usize) -> String {
    steps[i]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["found"].as_str().unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every step passed, each fetch answered by a pod of the Deployment, the rules view listed
/// the Service's chains. Returns each step's time, for the log.
fn assert_every_step_passed(report: &Value) -> String {
    assert_eq!(report["finished"], true, "{report:#}");
    let steps = report["steps"].as_array().unwrap();
    let got: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    let want: Vec<(&str, &str)> = STEPS.iter().map(|s| (*s, "passed")).collect();
    assert_eq!(got, want, "{report:#}");
    for step in [4, 6] {
        let f = found(steps, step);
        assert!(f.starts_with("HTTP 200: \"hello-"), "{}: {f}", STEPS[step]);
    }
    let rules = steps[7]["shown"][0]["lines"].to_string();
    for want in ["KUBE-SVC-", "KUBE-SEP-", "DNAT", "KUBE-NODEPORTS :30080"] {
        assert!(rules.contains(want), "no {want} in the rules view: {rules}");
    }
    steps
        .iter()
        .map(|s| format!("{} {}s", s["id"].as_str().unwrap_or("?"), s["seconds"]))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn reach_lab_runs_in_both_languages_and_leaves_nothing() {
    let archive = lab_images();
    let home = tempfile::tempdir().unwrap();
    let kc = home.path().join("config");
    let state = home.path().join("state");
    let env = [
        ("KUBECONFIG", kc.to_str().unwrap()),
        ("HOME", home.path().to_str().unwrap()),
        ("XDG_STATE_HOME", state.to_str().unwrap()),
    ];
    let cluster = unique("e2ereach");
    let _guard = Cleanup(cluster.clone());
    let o = create(&cluster, &["--nodes", "3"], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    let o = minik(
        &["load", "image-archive", &archive, "--name", &cluster],
        &env,
    );
    assert!(o.status.success(), "load: {}", text(&o));

    let started = Instant::now();
    let o = minik(
        &[
            "tour", "-n", &cluster, "--lab", "reach", "--yes", "--lang", "en", "-o", "json",
        ],
        &env,
    );
    assert!(o.status.success(), "reach en: {}", text(&o));
    eprintln!(
        "tour --lab reach --yes (en) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    eprintln!("  steps: {}", assert_every_step_passed(&report));
    assert_nothing_left(&kc);

    let started = Instant::now();
    let o = minik(
        &[
            "tour", "-n", &cluster, "--lab", "reach", "--yes", "--lang", "ko",
        ],
        &env,
    );
    assert!(o.status.success(), "reach ko: {}", text(&o));
    eprintln!(
        "tour --lab reach --yes (ko) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "단계 1/8: 이 랩의 네임스페이스",
        "✓ 완료: 다른 파드에서 이름으로",
        "✓ 완료: 여러분의 컴퓨터에서 노드를 거쳐",
        "✓ 완료: 대기 상태로 남는 LoadBalancer",
        "✓ 완료: kubectl port-forward",
        "✓ 완료: 노드에 있는 서비스 규칙",
        ":30080/hostname",
    ] {
        assert!(out.contains(want), "no {want:?} in:\n{out}");
    }
    assert!(!out.contains("Step "), "English in the Korean tour:\n{out}");
    assert_nothing_left(&kc);
}
