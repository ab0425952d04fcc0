//! `minik kubectl -- ARGS` on one 1-node cluster, with no kubectl on minik's PATH: create points
//! to it, the node's own kubectl lists the nodes, applies a file of this machine (sent on its standard input) and
//! what minik reads on its own standard input, and its failure is minik's exit 1 with kubectl's
//! message; a folder for -f is bad input (exit 2).

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
}
