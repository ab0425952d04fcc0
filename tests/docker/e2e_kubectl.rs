//! `minik kubectl -- ARGS` on one 1-node cluster, with no kubectl on minik's PATH: create points
//! to it, the node's own kubectl lists the nodes, applies a file of this machine (sent on its standard input) and
//! what minik reads on its own standard input, and its failure is minik's exit 1 with kubectl's
//! message; a folder for -f is bad input (exit 2). The node's real kubectl (1.36, WebSocket v5)
//! execs in the etcd pod (stdout, stderr and the exit code apart; a container that is not running
//! refused with the real text), and that pod's real etcd holds each object at its /registry key
//! (deletions too) and saves a snapshot with etcdctl.

use crate::common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{create, text, TestCluster};

/// `minik kubectl -n <cluster> -- args` with PATH holding nothing (no kubectl, no docker CLI),
/// `stdin` fed to it.
fn minik_kubectl(
    fixture: &TestCluster,
    empty_path: &std::path::Path,
    args: &[&str],
    stdin: &str,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minik"));
    cmd.args(["kubectl", "-n", &fixture.name, "--"])
        .args(args)
        .env("CI", "true")
        .env_remove("MINIK_CLUSTER_NAME")
        .env("PATH", empty_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in fixture.env() {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run minik");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("minik ends")
}

const ETCDCTL: &[&str] = &[
    "etcdctl",
    "--endpoints",
    "https://127.0.0.1:2379",
    "--cacert",
    "/etc/kubernetes/pki/etcd/ca.crt",
    "--cert",
    "/etc/kubernetes/pki/etcd/server.crt",
    "--key",
    "/etc/kubernetes/pki/etcd/server.key",
];

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  \
    namespace: default\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  \
    template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      \
    - name: c\n        image: minik.e2e/not-loaded:v1\n        imagePullPolicy: Never\n";

/// `kubectl exec` into the etcd pod, and the real etcd behind the API.
fn exec_and_etcd(fixture: &TestCluster, path: &std::path::Path) {
    let pod = format!("etcd-{}-control-plane", fixture.name);
    let exec = |cmd: &[&str]| {
        let mut args = vec!["exec", "-n", "kube-system", pod.as_str(), "--"];
        args.extend(cmd);
        minik_kubectl(fixture, path, &args, "")
    };
    let o = exec(&["sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "out\n", "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("err\n") && err.contains("command terminated with exit code 3"),
        "{}",
        text(&o)
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // Written through to etcd at the real key, and gone from it when deleted.
    let o = minik_kubectl(fixture, path, &["apply", "-f", "-"], DEPLOYMENT);
    assert!(o.status.success(), "{}", text(&o));
    let key = "/registry/deployments/default/web";
    let get = |what: &str| {
        let mut cmd = ETCDCTL.to_vec();
        cmd.extend(["get", key, "--print-value-only"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let o = exec(&cmd);
            assert!(o.status.success(), "{}", text(&o));
            let value = String::from_utf8_lossy(&o.stdout).to_string();
            if (what == "present") == value.contains("\"kind\":\"Deployment\"") {
                return value;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{key} not {what}: {value}"
            );
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    };
    assert!(get("present").contains("\"name\":\"web\""));
    let o = minik_kubectl(fixture, path, &["delete", "deployment", "web"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(get("absent").trim(), "");
    let mut cmd = ETCDCTL.to_vec();
    cmd.extend(["snapshot", "save", "/var/lib/etcd/snap.db"]);
    let o = exec(&cmd);
    assert!(o.status.success(), "{}", text(&o));

    // A container that does not run: the real API server's text for the kubelet's refusal.
    let pending = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pending\nspec:\n  containers:\n  \
        - name: c\n    image: minik.e2e/not-loaded:v1\n    imagePullPolicy: Never\n";
    let o = minik_kubectl(fixture, path, &["apply", "-f", "-"], pending);
    assert!(o.status.success(), "{}", text(&o));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let o = minik_kubectl(fixture, path, &["exec", "pending", "--", "true"], "");
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        if err.contains("unable to upgrade connection: container not found (\"c\")") {
            assert!(err.contains("Internal error occurred"), "{}", text(&o));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", text(&o));
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

fn namespace(name: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n")
}

#[test]
fn the_nodes_kubectl_works_with_none_on_this_machine() {
    let fixture = TestCluster::new("kubectl");
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path();
    let mut env = fixture.env().to_vec();
    env.push(("PATH", path.to_str().unwrap()));
    let o = create(&fixture.name, &[], &env);
    assert!(o.status.success(), "{}", text(&o));
    // With no kubectl here, create's "try it" line is minik's own.
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&format!(
            "minik kubectl --name {} -- get nodes",
            fixture.name
        )),
        "{}",
        text(&o)
    );

    let o = minik_kubectl(&fixture, path, &["get", "nodes"], "");
    assert!(o.status.success(), "{}", text(&o));
    let nodes = String::from_utf8_lossy(&o.stdout);
    assert!(
        nodes.contains(&format!("{}-control-plane", fixture.name)),
        "{}",
        text(&o)
    );

    // A file of this machine: the node cannot see it, so it travels on kubectl's stdin.
    let file = fixture.home().join("ns.yaml");
    std::fs::write(&file, namespace("from-file")).unwrap();
    let o = minik_kubectl(&fixture, path, &["apply", "-f", file.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", text(&o));
    // minik's own stdin, for -f -.
    let o = minik_kubectl(
        &fixture,
        path,
        &["apply", "-f", "-"],
        &namespace("from-stdin"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = minik_kubectl(&fixture, path, &["get", "namespaces", "-o", "name"], "");
    let listed = String::from_utf8_lossy(&o.stdout);
    assert!(
        listed.contains("namespace/from-file") && listed.contains("namespace/from-stdin"),
        "{}",
        text(&o)
    );

    // kubectl's failure: its message, minik's exit 1 (not 2: the input was fine).
    let o = minik_kubectl(&fixture, path, &["get", "namespace", "no-such-ns"], "");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no-such-ns"),
        "{}",
        text(&o)
    );

    // A folder cannot travel on stdin: bad input, said before the node is asked.
    let o = minik_kubectl(&fixture, path, &["apply", "-f", path.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is a folder"),
        "{}",
        text(&o)
    );

    exec_and_etcd(&fixture, path);
}
