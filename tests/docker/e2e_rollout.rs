//! The `rollout` lab end to end on a 3-node test cluster, in English (JSON report) and Korean
//! (text): every step passes — a Deployment with a readiness probe behind a Service, a client
//! pod calling it by name, `kubectl set image` as a rolling update, `rollout status`, two
//! ReplicaSets, a mistyped tag the nodes' real containerd fails to pull (ImagePullBackOff) while
//! the old pods keep serving, ProgressDeadlineExceeded, `rollout undo` — and the client's log
//! ends with zero failed calls; afterwards nothing of the lab is left on the cluster.

use crate::common;

use std::path::Path;
use std::time::Instant;

use common::{create, kubectl, minik, text, unique, Cleanup};
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

/// The archive of the lab images tests/e2e/prepare.sh builds (both tags of the agnhost test
/// double). Loaded from the archive, not the engine's tags, which anyone building those names
/// (another work tree, a learner) can re-point while this test runs.
fn lab_images() -> String {
    let cache = std::env::var("MINIK_TEST_CACHE")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/.minik-test").to_string());
    let tar = format!("{cache}/lab-images.tar");
    let names = std::fs::read_to_string(format!("{tar}.inputs")).unwrap_or_default();
    for image in IMAGES {
        assert!(
            names.contains(image),
            "{tar} lacks {image}: run tests/e2e/prepare.sh"
        );
    }
    tar
}

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

/// Every step passed, and the checks found what the lab shows: the broken pod in
/// ImagePullBackOff, and the client's last line with its running totals. Returns each step's
/// time, for the log.
fn assert_every_step_passed(report: &Value) -> String {
    assert_eq!(report["finished"], true, "{report:#}");
    let steps = report["steps"].as_array().unwrap();
    let got: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    let want: Vec<(&str, &str)> = STEPS.iter().map(|s| (*s, "passed")).collect();
    assert_eq!(got, want, "{report:#}");
    // What the checks found, as the report says it: the broken pod in ImagePullBackOff, and the
    // client's last line with its running totals.
    let found = |step: usize| -> String {
        steps[step]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["found"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        found(6).contains("status.containerStatuses[0].state.waiting.reason=ImagePullBackOff"),
        "{}",
        found(6)
    );
    let last = found(9);
    assert!(
        last.contains("client's log ends with") && last.contains(" failed=0\""),
        "{last}"
    );
    steps
        .iter()
        .map(|s| format!("{} {}s", s["id"].as_str().unwrap_or("?"), s["seconds"]))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn rollout_lab_runs_in_both_languages_with_zero_failed_calls() {
    let archive = lab_images();
    let home = tempfile::tempdir().unwrap();
    let kc = home.path().join("config");
    let state = home.path().join("state");
    let env = [
        ("KUBECONFIG", kc.to_str().unwrap()),
        ("HOME", home.path().to_str().unwrap()),
        ("XDG_STATE_HOME", state.to_str().unwrap()),
    ];
    let cluster = unique("e2eroll");
    let _guard = Cleanup(cluster.clone());
    let o = create(&cluster, &["--nodes", "3"], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    let o = minik(
        &["load", "image-archive", &archive, "--name", &cluster],
        &env,
    );
    assert!(o.status.success(), "load: {}", text(&o));

    // English, unattended, each step's result as JSON.
    let started = Instant::now();
    let o = minik(
        &[
            "tour", "-n", &cluster, "--lab", "rollout", "--yes", "--lang", "en", "-o", "json",
        ],
        &env,
    );
    assert!(o.status.success(), "rollout en: {}", text(&o));
    eprintln!(
        "tour --lab rollout --yes (en) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    eprintln!("  steps: {}", assert_every_step_passed(&report));
    assert_nothing_left(&kc);

    // Korean, as text, kubectl's own output shown as it is.
    let started = Instant::now();
    let o = minik(
        &[
            "tour", "-n", &cluster, "--lab", "rollout", "--yes", "--lang", "ko",
        ],
        &env,
    );
    assert!(o.status.success(), "rollout ko: {}", text(&o));
    eprintln!(
        "tour --lab rollout --yes (ko) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "단계 1/10: 이 랩의 네임스페이스",
        "단계 4/10: 롤링 업데이트",
        "✓ 완료: 잘못된 릴리스",
        "✓ 완료: 롤백",
        "✓ 완료: 실패한 호출은 0건",
        "successfully rolled out",
        "exceeded its progress deadline",
    ] {
        assert!(out.contains(want), "no {want:?} in:\n{out}");
    }
    assert!(!out.contains("Step "), "English in the Korean tour:\n{out}");
    assert_nothing_left(&kc);
}
