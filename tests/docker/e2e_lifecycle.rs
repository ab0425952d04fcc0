//! End to end on the real Docker engine with `minik/node:test` (Kubernetes stand-in inside):
//! `minik export logs` on a running and a stopped cluster, and `minik stop` / `minik start`
//! with node addresses that change in between, checked with the real kubectl on the host.
//! The two tests take turns (two cores: one 3-node cluster at a time).

use crate::common;

use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use common::{create, kubectl, leftovers, minik, ready_nodes, text, unique, TestCluster};
use minik::api::cluster::logs::{archive_entries, archive_file};

static ONE_CLUSTER_AT_A_TIME: Mutex<()> = Mutex::new(());

fn node_names(c: &str) -> Vec<String> {
    vec![
        format!("{c}-control-plane"),
        format!("{c}-worker"),
        format!("{c}-worker2"),
    ]
}

/// The address of `node` in a [`node_ips`] list.
fn ip_of(ips: &[(String, Option<String>)], node: &str) -> String {
    ips.iter()
        .find(|(n, _)| n == node)
        .and_then(|(_, ip)| ip.clone())
        .unwrap_or_else(|| panic!("no address for {node}: {ips:?}"))
}

/// Name → IPv4 from `minik get nodes -o json`.
fn node_ips(c: &str, env: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
    let o = minik(&["get", "nodes", "--name", c, "-o", "json"], env);
    assert!(o.status.success(), "get nodes: {}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap().to_string(),
                n["ipv4"].as_str().map(String::from),
            )
        })
        .collect()
}

fn cluster_status(c: &str, env: &[(&str, &str)]) -> String {
    let o = minik(&["get", "clusters", "-o", "json"], env);
    assert!(o.status.success(), "get clusters: {}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == c)
        .map(|x| x["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no cluster {c} in {v}"))
}

fn create3(c: &str, env: &[(&str, &str)]) {
    let o = create(c, &["--nodes", "3"], env);
    assert!(o.status.success(), "create: {}", text(&o));
}

/// Removes a helper container whatever happens to the test.
struct RemoveContainer(String);

impl Drop for RemoveContainer {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rm", "-f", "-v", &self.0])
            .output();
    }
}

#[test]
fn export_logs_of_a_three_node_cluster() {
    let _turn = ONE_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let tc = TestCluster::new("e2elogs");
    let (c, env) = (tc.name.clone(), tc.env());
    create3(&c, &env);

    let dir = tc.home().join("bundle");
    let started = Instant::now();
    let o = minik(
        &["export", "logs", dir.to_str().unwrap(), "--name", &c],
        &env,
    );
    assert!(o.status.success(), "export logs: {}", text(&o));
    eprintln!(
        "export logs (3 nodes): {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let archive = tc.home().join("bundle.tar.gz");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        archive.to_str().unwrap(),
        "the archive's path is the command's output"
    );
    assert!(dir.is_dir());

    let entries = archive_entries(&archive).unwrap();
    for n in node_names(&c) {
        for f in ["journal.log", "kubelet.log", "serial.log", "inspect.json"] {
            let path = format!("bundle/{n}/{f}");
            assert!(entries.contains(&path), "{path} missing: {entries:?}");
        }
        let journal = archive_file(&archive, &format!("bundle/{n}/journal.log"))
            .unwrap()
            .unwrap();
        assert!(
            journal.contains("kubelet"),
            "{n}'s journal: {journal:.2000}"
        );
        let kubeadm = archive_file(&archive, &format!("bundle/{n}/kubeadm.conf"))
            .unwrap()
            .unwrap();
        assert!(kubeadm.contains("kubeadm.k8s.io"), "{kubeadm}");
        assert!(
            entries
                .iter()
                .any(|e| e.starts_with(&format!("bundle/{n}/var/log/"))),
            "{n} has no var/log"
        );
        let inspect = archive_file(&archive, &format!("bundle/{n}/inspect.json"))
            .unwrap()
            .unwrap();
        let inspect: serde_json::Value = serde_json::from_str(&inspect).unwrap();
        assert_eq!(inspect["Name"], format!("/{n}"));
    }
    let info = archive_file(&archive, "bundle/docker-info.json")
        .unwrap()
        .expect("engine info in the bundle");
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert!(info.get("ServerVersion").is_some(), "{info}");
    let version = archive_file(&archive, "bundle/minik-version.txt")
        .unwrap()
        .unwrap();
    assert!(version.starts_with("minik "), "{version}");

    // A second export into the same folder is refused rather than mixed with the first.
    let o = minik(
        &["export", "logs", dir.to_str().unwrap(), "--name", &c],
        &env,
    );
    assert!(!o.status.success(), "{}", text(&o));

    let o = minik(&["delete", "--name", &c], &env);
    assert!(o.status.success(), "delete: {}", text(&o));
    assert_eq!(leftovers(&c), "");
}

#[test]
#[allow(clippy::too_many_lines)] // one e2e scenario read as a story; splitting it into phases is owed (#20)
fn stop_then_start_with_new_addresses_comes_back_ready() {
    let _turn = ONE_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    // Alone on the network: between the stop and the squatter, another test's node would take
    // the control plane's freed address (seen once in CI: "Address already in use").
    let tc = TestCluster::alone("e2elife");
    let (c, kubeconfig, env) = (tc.name.clone(), tc.kubeconfig.clone(), tc.env());
    create3(&c, &env);
    let server_before = std::fs::read_to_string(&kubeconfig).unwrap();
    let before = node_ips(&c, &env);
    assert_eq!(cluster_status(&c, &env), "running");

    // A reference to another node's address, as a secondary control plane has (etcd's
    // --initial-cluster): start must rewrite it when that node's address changes.
    let cp = format!("{c}-control-plane");
    let cp_ip = ip_of(&before, &cp);
    let worker = format!("{c}-worker");
    let note = "# e2e: the control plane is at";
    let note_w = "# e2e: a worker is at";
    // And the other way round (the worker's address on the control plane), on a node that
    // `minik start` itself starts.
    for (node, reader, marker) in [(&cp, &worker, note), (&worker, &cp, note_w)] {
        let ip = ip_of(&before, node);
        let o = Command::new("docker")
            .args(["exec", reader, "sh", "-c"])
            .arg(format!("echo '{marker} {ip}' >> /kind/kubeadm.conf"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    }

    let started = Instant::now();
    let o = minik(&["stop", "--name", &c], &env);
    assert!(o.status.success(), "stop: {}", text(&o));
    eprintln!("stop (3 nodes): {:.1}s", started.elapsed().as_secs_f64());
    assert_eq!(cluster_status(&c, &env), "stopped");
    let o = minik(&["get", "nodes", "--name", &c], &env);
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .matches("stopped")
            .count()
            == 3,
        "{}",
        text(&o)
    );

    // Logs of a stopped cluster: it says so, and still exports what it can.
    let o = minik(
        &[
            "export",
            "logs",
            tc.home().join("stopped").to_str().unwrap(),
            "--name",
            &c,
        ],
        &env,
    );
    assert!(o.status.success(), "export logs (stopped): {}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is stopped"),
        "{}",
        text(&o)
    );

    // Take the control plane's address with a stranger on the network, and start the workers
    // by hand first, so that addresses change.
    let squatter = format!("{c}-squatter");
    let _squatter = RemoveContainer(squatter.clone());
    let o = Command::new("docker")
        .args([
            "run",
            "-d",
            "--name",
            &squatter,
            "--network",
            "minik",
            "--ip",
            &cp_ip,
            "minik.test/busybox:1.0",
            "sleep",
            "600",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "squatter: {}", text(&o));
    let o = Command::new("docker")
        .args(["start", &format!("{c}-worker2"), &format!("{c}-worker")])
        .output()
        .unwrap();
    assert!(o.status.success(), "docker start: {}", text(&o));

    let started = Instant::now();
    let o = minik(&["start", "--name", &c, "--wait", "3m"], &env);
    assert!(o.status.success(), "start: {}", text(&o));
    eprintln!("start (3 nodes): {:.1}s", started.elapsed().as_secs_f64());
    let stderr = String::from_utf8_lossy(&o.stderr);
    // start --wait says when the wait runs out (it still exits 0): it must not have.
    assert!(!stderr.contains("timed out waiting"), "{}", text(&o));
    let after = node_ips(&c, &env);
    let changed: Vec<_> = before
        .iter()
        .filter(|b| after.iter().any(|a| a.0 == b.0 && a.1 != b.1))
        .collect();
    eprintln!("addresses before {before:?}, after {after:?}");
    assert!(
        changed.iter().any(|(n, _)| *n == cp),
        "the control plane kept its address: {before:?} → {after:?}"
    );
    assert!(stderr.contains("address changed"), "{}", text(&o));
    // Each node's note in the other's kubeadm.conf now carries the node's new address.
    for (moved, reader, marker) in [(&cp, &worker, note), (&worker, &cp, note_w)] {
        let new_ip = ip_of(&after, moved);
        let o = Command::new("docker")
            .args(["exec", reader, "grep", marker, "/kind/kubeadm.conf"])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            format!("{marker} {new_ip}"),
            "{}",
            text(&o)
        );
    }
    assert_eq!(cluster_status(&c, &env), "running");

    // The host's kubectl, through the kubeconfig `create` wrote (same published port).
    assert_eq!(std::fs::read_to_string(&kubeconfig).unwrap(), server_before);
    let mut ready = Vec::new();
    for _ in 0..30 {
        let o = kubectl(&kubeconfig, &["get", "nodes", "-o", "json"]);
        if o.status.success() {
            ready = ready_nodes(&o.stdout);
            if ready.len() == 3 {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    assert_eq!(ready, node_names(&c));
    common::assert_internal_ips_match_containers(&kubeconfig);

    // Stopping and starting again with nothing in the way is quick and keeps working.
    drop(_squatter);
    let o = minik(&["stop", "--name", &c], &env);
    assert!(o.status.success(), "second stop: {}", text(&o));
    let o = minik(&["start", "--name", &c, "--wait", "3m"], &env);
    assert!(o.status.success(), "second start: {}", text(&o));
    let o = kubectl(&kubeconfig, &["get", "nodes", "-o", "json"]);
    assert!(o.status.success(), "kubectl: {}", text(&o));
    assert_eq!(ready_nodes(&o.stdout), node_names(&c));

    let o = minik(&["delete", "--name", &c], &env);
    assert!(o.status.success(), "delete: {}", text(&o));
    assert_eq!(leftovers(&c), "");
}

#[test]
fn stop_start_and_export_logs_of_a_missing_cluster_fail_clearly() {
    let home = tempfile::tempdir().unwrap();
    let env = [("HOME", home.path().to_str().unwrap())];
    let c = unique("nosuch");
    for args in [
        vec!["stop", "--name", &c],
        vec!["start", "--name", &c],
        vec!["export", "logs", "--name", &c],
    ] {
        let o = minik(&args, &env);
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("no cluster named"),
            "{args:?}: {}",
            text(&o)
        );
    }
    // Nothing was written for the missing cluster.
    let stray = std::fs::read_dir(".")
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains(&c));
    assert!(!stray);
}
