//! The `control-plane` lab end to end on one 3-node test cluster whose kube-controller-manager
//! runs with `--node-monitor-grace-period=20s` (kubeadm's `controllerManager.extraArgs`, set by
//! a `kubeadmConfigPatches` entry of the cluster config, as a workshop could):
//!
//! 1. interrupted with SIGINT while the scheduler's manifest is moved away (step 4), and, resumed,
//!    with SIGTERM while a worker's kubelet is stopped (step 7): minik puts the manifest back
//!    and starts that kubelet before it exits (the node the journal and the progress file name:
//!    `{worker}` is one node for the whole run, a resumed one included);
//! 2. `--yes` in English (JSON report) and then Korean (text): every step passes — the new pod
//!    Pending without a scheduler, the worker `Unknown` with the `unreachable` taint, the
//!    Deployment's pods evicted after their 20 s `tolerationSeconds`, the Deployment read from
//!    the control plane's real etcd, a snapshot saved — and afterwards nothing of the lab is
//!    left: manifest back, kubelets running, nodes Ready, namespace gone, no snapshot file.

// The timings are the test's diagnostic (the issue asks for them).
#![allow(clippy::print_stderr)]

use crate::common;
use crate::e2e_tour_node_actions::{
    assert_manifest_held, assert_repaired, exists, interrupt_at, journal, kubelet,
};

use std::path::Path;
use std::time::{Duration, Instant};

use common::lab::LabCluster;
use common::{docker, kubectl, minik, text};
use serde_json::Value;

/// The lab's image as a real cluster pulls it; on the test cluster the busybox image
/// tests/e2e/prepare.sh builds, under that name (nothing can be pulled).
const IMAGE: &str = "registry.k8s.io/e2e-test-images/busybox:1.36.1-1";
const STEPS: [&str; 10] = [
    "namespace",
    "app",
    "scheduler-away",
    "pending",
    "scheduler-back",
    "kubelet-stopped",
    "evicted",
    "kubelet-back",
    "etcd",
    "snapshot",
];
const CONFIG: &str = "kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
- role: worker
- role: worker
kubeadmConfigPatches:
- |
  kind: ClusterConfiguration
  controllerManager:
    extraArgs:
      node-monitor-grace-period: 20s
";

/// The lab's image under its real name. An image already there (another lab's test made it
/// from the same busybox) is used as it is and left in place.
fn ensure_image() {
    if docker(&["image", "inspect", IMAGE]).status.success() {
        return;
    }
    let o = docker(&["tag", "minik.test/busybox:1.0", IMAGE]);
    assert!(o.status.success(), "tag {IMAGE}: {}", text(&o));
}

/// The worker the progress file says `{worker}` names in this run.
fn saved_worker(progress: &Path) -> Option<String> {
    let v: Value = serde_json::from_slice(&std::fs::read(progress).ok()?).ok()?;
    v["worker"].as_str().map(String::from)
}

/// Nothing of the lab is left: the manifest back, every kubelet running and every node Ready
/// without the lifecycle taints (within a minute: the kubelet reports again), no snapshot file,
/// the namespace and the lab's ServiceAccount gone.
fn assert_nothing_left(cluster: &str, kc: &Path) {
    let cp = format!("{cluster}-control-plane");
    for w in ["worker", "worker2"] {
        assert_repaired(&cp, &format!("{cluster}-{w}"), "after the lab");
    }
    assert!(!exists(&cp, "/var/lib/etcd/minik-tour-snapshot.db"));
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let nodes = kubectl(kc, &["get", "nodes", "-o", "json"]);
        let nodes: Value = serde_json::from_slice(&nodes.stdout).unwrap_or(Value::Null);
        let ns = kubectl(kc, &["get", "namespaces", "-o", "name"]);
        let ns = String::from_utf8_lossy(&ns.stdout).to_string();
        let ready = nodes["items"].as_array().is_some_and(|items| {
            items.len() == 3
                && items.iter().all(|n| {
                    n["status"]["conditions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                        && !n["spec"]["taints"].to_string().contains("unreachable")
                })
        });
        if ready && !ns.contains("namespace/minik-control-plane") {
            break;
        }
        assert!(Instant::now() < deadline, "left: {ns}\n{nodes:#}");
        std::thread::sleep(Duration::from_secs(2));
    }
    let o = kubectl(
        kc,
        &["get", "serviceaccounts", "-n", "kube-system", "-o", "name"],
    );
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("minik-tour-control-plane"),
        "{}",
        text(&o)
    );
}

/// SIGINT while the scheduler's manifest is away, SIGTERM (resumed) while a kubelet is stopped:
/// both undone before minik exits.
fn interrupted(cluster: &str, env: &[(&str, &str)], progress: &Path) {
    let cp = format!("{cluster}-control-plane");
    let args = ["--lang", "en", "--lab", "control-plane"];
    let started = Instant::now();
    let (code, seen) = interrupt_at(
        cluster,
        env,
        &args,
        "Step 4/10: New pods wait for a scheduler",
        libc::SIGINT,
        |seen| assert_manifest_held(&cp, seen),
    );
    assert_eq!(code, Some(130), "{seen}");
    assert!(
        exists(&cp, crate::e2e_tour_node_actions::MANIFEST),
        "{seen}"
    );
    assert!(journal(progress).is_empty(), "{seen}");
    eprintln!(
        "SIGINT at step 4 after {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let (code, seen) = interrupt_at(
        cluster,
        env,
        &args,
        "Step 7/10: Evicted after tolerationSeconds",
        libc::SIGTERM,
        |seen| {
            let w = saved_worker(progress).expect("the run's worker in the progress file");
            assert!(
                seen.contains(&format!("minik stopped the kubelet on {w}")),
                "{seen}"
            );
            assert_eq!(kubelet(&w), "inactive", "{seen}");
        },
    );
    assert_eq!(code, Some(143), "{seen}");
    assert!(seen.contains("Resuming at step 4/10"), "{seen}");
    let w = saved_worker(progress).expect("the worker is kept for a resumed tour");
    assert_eq!(kubelet(&w), "active", "{seen}");
    assert_repaired(&cp, &w, &seen);
    assert!(journal(progress).is_empty(), "{seen}");
    eprintln!(
        "SIGTERM at step 7 after {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

/// Every step passed; the etcd views show the Deployment's key and value and a saved snapshot.
/// Returns each step's time, for the log.
fn assert_every_step_passed(report: &Value) -> String {
    assert_eq!(report["finished"], true, "{report:#}");
    let steps = report["steps"].as_array().unwrap();
    let got: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    let want: Vec<(&str, &str)> = STEPS.iter().map(|s| (*s, "passed")).collect();
    assert_eq!(got, want, "{report:#}");
    let shown = |step: usize| steps[step]["shown"].to_string();
    // The scheduler's mirror pod is gone from the view (the kubelet deletes it at once), and
    // the evicted pods on the stopped worker read Terminating.
    assert!(!shown(2).contains("kube-scheduler-"), "{}", shown(2));
    assert!(shown(6).contains(" Terminating on "), "{}", shown(6));
    let etcd = shown(8);
    for want in [
        "etcdctl --endpoints=https://127.0.0.1:2379",
        "get /registry/deployments/minik-control-plane/hello",
        "\"/registry/deployments/minik-control-plane/hello\"",
        "busybox:1.36.1-1",
    ] {
        assert!(etcd.contains(want), "no {want:?} in {etcd}");
    }
    let snapshot = shown(9);
    for want in [
        "snapshot save /var/lib/etcd/minik-tour-snapshot.db",
        "Snapshot saved at /var/lib/etcd/minik-tour-snapshot.db",
        "minik removed /var/lib/etcd/minik-tour-snapshot.db",
    ] {
        assert!(snapshot.contains(want), "no {want:?} in {snapshot}");
    }
    steps
        .iter()
        .map(|s| format!("{} {}s", s["id"].as_str().unwrap_or("?"), s["seconds"]))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn control_plane_lab_breaks_repairs_and_undoes_on_signals() {
    ensure_image();
    let started = Instant::now();
    let lab = LabCluster::create_with("e2ecplane", |home| {
        let config = home.join("cluster.yaml");
        std::fs::write(&config, CONFIG).unwrap();
        vec!["--config".into(), config.to_str().unwrap().into()]
    });
    eprintln!("create took {:.1}s", started.elapsed().as_secs_f64());
    lab.load_images(&[IMAGE]);
    let (cluster, kc, env) = (lab.name.clone(), lab.kubeconfig.clone(), lab.env());
    let progress = lab
        .home()
        .join(format!("state/minik/tour/{cluster}.control-plane.json"));

    interrupted(&cluster, &env, &progress);
    assert_nothing_left(&cluster, &kc);

    english(&cluster, &env);
    assert_nothing_left(&cluster, &kc);
    korean(&cluster, &env);
    assert_nothing_left(&cluster, &kc);
}

/// `--yes --restart` in English: every step passes (the JSON report), with the timings.
fn english(cluster: &str, env: &[(&str, &str)]) {
    // English, unattended, from the start, each step's result as JSON.
    let started = Instant::now();
    let o = minik(
        &[
            "tour",
            "-n",
            cluster,
            "--lab",
            "control-plane",
            "--yes",
            "--restart",
            "--lang",
            "en",
            "-o",
            "json",
        ],
        env,
    );
    assert!(o.status.success(), "control-plane en: {}", text(&o));
    eprintln!(
        "tour --lab control-plane --yes (en) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    eprintln!("  steps: {}", assert_every_step_passed(&report));
}

/// `--yes` in Korean, as text: every step done, no English but kubectl's and etcdctl's own.
fn korean(cluster: &str, env: &[(&str, &str)]) {
    // Korean, as text.
    let started = Instant::now();
    let o = minik(
        &[
            "tour",
            "-n",
            cluster,
            "--lab",
            "control-plane",
            "--yes",
            "--lang",
            "ko",
        ],
        env,
    );
    assert!(o.status.success(), "control-plane ko: {}", text(&o));
    eprintln!(
        "tour --lab control-plane --yes (ko) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let out = common::squashed(&String::from_utf8_lossy(&o.stdout));
    for step in [
        "이 랩의 네임스페이스",
        "스케줄러 치우기",
        "스케줄러를 기다리는 새 파드",
        "스케줄러 되돌리기",
        "멈춘 워커 노드의 kubelet",
        "tolerationSeconds가 지난 뒤의 축출",
        "kubelet 되돌리기",
        "etcd에 저장된 디플로이먼트",
        "etcd 스냅샷",
    ] {
        assert!(
            out.contains(&format!("✓ 완료: {step}")),
            "no {step:?} in:\n{out}"
        );
    }
    assert!(out.contains("Snapshot saved at"), "{out}");
    assert!(!out.contains("Step "), "English in the Korean tour:\n{out}");
}
