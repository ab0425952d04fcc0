//! The tour's node actions end to end on a 2-node cluster (issue #22): a test lab
//! (tests/fixtures/tour/labs/node-actions.yaml) moves the scheduler's static pod manifest out
//! of /etc/kubernetes/manifests and stops the worker's kubelet (a systemd unit in the node), then
//! waits. Interrupted mid-step by SIGINT, then (resumed, the actions done again) by SIGTERM,
//! minik puts the manifest back and starts the kubelet before it exits; killed with SIGKILL, it
//! leaves them in its journal, and the next `minik tour` on the cluster undoes them before
//! anything else. Before the first step, minik names the lab's image the nodes lack.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{create, docker, kubectl, minik, text, unique, Cleanup};
use serde_json::Value;

const LAB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/tour/labs/node-actions.yaml"
);
pub(crate) const MANIFEST: &str = "/etc/kubernetes/manifests/kube-scheduler.yaml";
pub(crate) const HELD: &str = "/var/lib/minik/tour-held/kube-scheduler.yaml";

/// Whether `path` exists in `node`.
pub(crate) fn exists(node: &str, path: &str) -> bool {
    docker(&["exec", node, "test", "-e", path]).status.success()
}

/// `systemctl is-active kubelet` in `node`.
pub(crate) fn kubelet(node: &str) -> String {
    let o = docker(&["exec", node, "systemctl", "is-active", "kubelet"]);
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Both node actions done: the manifest held by minik, the worker's kubelet stopped.
fn assert_broken(cp: &str, worker: &str, seen: &str) {
    assert_manifest_held(cp, seen);
    assert_eq!(kubelet(worker), "inactive", "{seen}");
}

/// The scheduler's manifest moved by minik: not in the kubelet's folder, in minik's.
pub(crate) fn assert_manifest_held(cp: &str, seen: &str) {
    assert!(
        !exists(cp, MANIFEST) && exists(cp, HELD),
        "manifest not moved\n{seen}"
    );
}

/// Both undone: the manifest in place (minik's copy gone), the kubelet active.
pub(crate) fn assert_repaired(cp: &str, worker: &str, seen: &str) {
    assert!(exists(cp, MANIFEST), "manifest not back\n{seen}");
    assert!(!exists(cp, HELD), "{seen}");
    assert_eq!(kubelet(worker), "active", "{seen}");
}

/// Runs the lab until its waiting step shows, checks the nodes, then sends `signal`; the exit
/// code and what the tour printed.
fn interrupt(cluster: &str, env: &[(&str, &str)], signal: i32) -> (Option<i32>, String) {
    let (cp, worker) = (
        format!("{cluster}-control-plane"),
        format!("{cluster}-worker"),
    );
    let args = ["--lang", "en", "--lab", LAB];
    interrupt_at(
        cluster,
        env,
        &args,
        "Step 3/3: Waiting to be interrupted",
        signal,
        |seen| assert_broken(&cp, &worker, seen),
    )
}

/// Runs `minik tour -n CLUSTER --yes ARGS` until a line of its output holds `at`, calls
/// `check` with what it printed so far, then sends `signal`; the exit code and what the tour
/// printed.
pub(crate) fn interrupt_at(
    cluster: &str,
    env: &[(&str, &str)],
    args: &[&str],
    at: &str,
    signal: i32,
    check: impl Fn(&str),
) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_minik"))
        .args(["tour", "-n", cluster, "--yes"])
        .args(args)
        .envs(env.iter().copied())
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(at) {
            check(&seen);
            // SAFETY: kill(2) on our own child's pid.
            assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        }
    }
    let o = child.wait_with_output().unwrap();
    seen.push_str(&String::from_utf8_lossy(&o.stderr));
    (o.status.code(), seen)
}

pub(crate) fn journal(progress: &Path) -> Vec<Value> {
    std::fs::read(progress)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v["nodeActions"].as_array().cloned())
        .unwrap_or_default()
}

#[test]
fn node_actions_are_undone_however_the_tour_ends() {
    let home = tempfile::tempdir().unwrap();
    let kc = home.path().join("config");
    let state = home.path().join("state");
    let env = [
        ("KUBECONFIG", kc.to_str().unwrap()),
        ("HOME", home.path().to_str().unwrap()),
        ("XDG_STATE_HOME", state.to_str().unwrap()),
    ];
    let cluster = unique("e2enodeact");
    let _guard = Cleanup(cluster.clone());
    let o = create(&cluster, &["--nodes", "2"], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    let (cp, worker) = (
        format!("{cluster}-control-plane"),
        format!("{cluster}-worker"),
    );
    let progress = state.join(format!("minik/tour/{cluster}.node-actions.json"));
    assert_repaired(&cp, &worker, "before the tour");

    // Ctrl-C mid-step: both undone before minik exits 130.
    let (code, seen) = interrupt(&cluster, &env, libc::SIGINT);
    assert_eq!(code, Some(130), "{seen}");
    assert_repaired(&cp, &worker, &seen);
    assert!(journal(&progress).is_empty(), "{seen}");
    // The image the lab runs that no node has, with how to load it.
    assert!(
        seen.contains(&format!(
            "docker pull minik.test/not-loaded:1.0 && minik load docker-image \
             minik.test/not-loaded:1.0 --name {cluster}"
        )),
        "{seen}"
    );
    assert!(
        seen.contains(&format!("minik stopped the kubelet on {worker}")),
        "{seen}"
    );

    // SIGTERM, on a resumed tour (which did both again before step 3): the same.
    let (code, seen) = interrupt(&cluster, &env, libc::SIGTERM);
    assert_eq!(code, Some(143), "{seen}");
    assert!(seen.contains("Resuming at step 3/3"), "{seen}");
    assert_repaired(&cp, &worker, &seen);
    assert!(journal(&progress).is_empty(), "{seen}");

    // SIGKILL: nothing undone, the journal says what is done.
    let (code, seen) = interrupt(&cluster, &env, libc::SIGKILL);
    assert_eq!(code, None, "{seen}");
    assert_broken(&cp, &worker, &seen);
    let left: Vec<String> = journal(&progress)
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(left, ["move-static-pod-manifest", "stop-kubelet"], "{seen}");
    // The next tour on the cluster undoes them first (here one that skips every step).
    let o = minik(
        &[
            "tour",
            "-n",
            &cluster,
            "--yes",
            "--lab",
            LAB,
            "--restart",
            "--skip",
            "move,stop,wait",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_repaired(&cp, &worker, &text(&o));
    assert!(journal(&progress).is_empty());
    // Nothing of the lab is left in the cluster.
    let o = kubectl(&kc, &["get", "namespaces", "-o", "name"]);
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("minik-node-actions"),
        "{}",
        text(&o)
    );
}
