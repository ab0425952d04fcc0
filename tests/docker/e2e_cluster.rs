//! End to end on the real Docker engine with `minik/node:test` (Kubernetes stand-in inside):
//! the minik binary creates clusters, the real kubectl on the host talks to them through the
//! kubeconfig minik wrote, and delete leaves nothing behind.

use crate::common;

use std::process::Command;

use common::{create, kubectl, leftovers, minik, ready_nodes, text, TestCluster, TEST_IMAGE};

#[test]
#[allow(clippy::too_many_lines)] // one e2e scenario read as a story; splitting it into phases is owed (#20)
fn three_nodes_kubectl_second_cluster_and_delete() {
    let mut tc = TestCluster::new("e2e");
    let b = tc.another("e2eb");
    let (a, kubeconfig, env) = (tc.name.clone(), tc.kubeconfig.clone(), tc.env());

    let o = create(&a, &["--nodes", "3"], &env);
    assert!(o.status.success(), "create: {}", text(&o));

    // The kubeconfig minik wrote: the CA is embedded and kubectl verifies the server with it.
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(written.contains("certificate-authority-data"), "{written}");
    assert!(!written.contains("insecure-skip-tls-verify"), "{written}");
    assert!(
        written.contains(&format!("current-context: minik-{a}")),
        "{written}"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&kubeconfig).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    let o = kubectl(&kubeconfig, &["get", "nodes", "-o", "json"]);
    assert!(o.status.success(), "kubectl: {}", text(&o));
    let mut ready = ready_nodes(&o.stdout);
    ready.sort();
    assert_eq!(
        ready,
        vec![
            format!("{a}-control-plane"),
            format!("{a}-worker"),
            format!("{a}-worker2")
        ]
    );
    // Each Node carries its container's address (the kubelet's --node-ip that minik set).
    common::assert_internal_ips_match_containers(&kubeconfig);

    // minik's own view agrees.
    let o = minik(&["get", "nodes", "--name", &a, "-o", "json"], &env);
    assert!(o.status.success(), "{}", text(&o));
    let nodes: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(nodes.as_array().unwrap().len(), 3);
    assert!(nodes
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["state"] == "running"));

    // A second cluster beside the first.
    let o = create(&b, &[], &env);
    assert!(o.status.success(), "second create: {}", text(&o));
    let o = kubectl(
        &kubeconfig,
        &[
            "--context",
            &format!("minik-{b}"),
            "get",
            "nodes",
            "-o",
            "json",
        ],
    );
    assert_eq!(
        ready_nodes(&o.stdout),
        vec![format!("{b}-control-plane")],
        "{}",
        text(&o)
    );
    let o = kubectl(
        &kubeconfig,
        &[
            "--context",
            &format!("minik-{a}"),
            "get",
            "nodes",
            "-o",
            "json",
        ],
    );
    assert_eq!(
        ready_nodes(&o.stdout).len(),
        3,
        "first cluster still answers: {}",
        text(&o)
    );
    let o = minik(&["get", "clusters", "-o", "json"], &env);
    let clusters = String::from_utf8_lossy(&o.stdout);
    assert!(clusters.contains(&a) && clusters.contains(&b), "{clusters}");

    // Delete removes containers, volumes and kubeconfig entries; twice is fine.
    for name in [&a, &b] {
        let volumes = Command::new("docker")
            .args([
                "ps",
                "-aq",
                "--filter",
                &format!("label=io.minik.cluster={name}"),
            ])
            .output()
            .unwrap();
        let ids: Vec<String> = String::from_utf8_lossy(&volumes.stdout)
            .split_whitespace()
            .map(String::from)
            .collect();
        let vols = Command::new("docker")
            .args([
                "inspect",
                "-f",
                "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} {{end}}{{end}}",
            ])
            .args(&ids)
            .output()
            .unwrap();
        let vols: Vec<String> = String::from_utf8_lossy(&vols.stdout)
            .split_whitespace()
            .map(String::from)
            .collect();
        assert!(!vols.is_empty());
        let o = minik(&["delete", "--name", name], &env);
        assert!(o.status.success(), "delete: {}", text(&o));
        assert_eq!(leftovers(name), "", "containers left for {name}");
        for v in vols {
            let o = Command::new("docker")
                .args(["volume", "inspect", &v])
                .output()
                .unwrap();
            assert!(!o.status.success(), "volume {v} left behind");
        }
        let o = minik(&["delete", "--name", name], &env);
        assert!(o.status.success(), "second delete: {}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("does not exist"),
            "{}",
            text(&o)
        );
    }
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(
        !written.contains(&format!("minik-{a}")) && !written.contains(&format!("minik-{b}")),
        "{written}"
    );
}

/// Bad input: a clear first line, a non-zero exit, and nothing created.
#[test]
fn bad_input_fails_cleanly_and_creates_nothing() {
    let tc = TestCluster::new("bad");
    let (name, kubeconfig, env) = (tc.name.clone(), tc.kubeconfig.clone(), tc.env());

    // (arguments, extra environment, what the error line must say)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![
                "create",
                "--name",
                &name,
                "--nodes",
                "0",
                "--image",
                &TEST_IMAGE,
            ],
            vec![],
            "--nodes must be at least 1",
        ),
        (
            vec!["create", "--name", "Bad_Name", "--image", &TEST_IMAGE],
            vec![],
            "cluster name \"Bad_Name\" is not valid",
        ),
        (
            vec![
                "create",
                "--name",
                &name,
                "--image",
                "minik/does-not-exist:v0",
            ],
            vec![],
            "minik/does-not-exist:v0",
        ),
        (
            vec!["create", "--name", &name, "--image", &TEST_IMAGE],
            vec![("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
            "cannot reach the container engine",
        ),
    ];
    for (args, extra_env, expected) in cases {
        let mut all_env = env.to_vec();
        all_env.extend(extra_env);
        let o = minik(&args, &all_env);
        let err = String::from_utf8_lossy(&o.stderr);
        let first_error = err.lines().find(|l| l.starts_with("error:")).unwrap_or("");
        assert!(!o.status.success(), "{args:?} succeeded: {}", text(&o));
        assert!(
            first_error.contains(expected),
            "{args:?}: expected {expected:?} in the error line: {}",
            text(&o)
        );
        assert_eq!(leftovers(&name), "", "{args:?} left containers");
        assert!(
            !kubeconfig.exists()
                || !std::fs::read_to_string(&kubeconfig)
                    .unwrap()
                    .contains("minik-")
        );
    }
    assert_eq!(leftovers("Bad_Name"), "");

    // A name in use: the first create works, the second is refused and leaves the first alone.
    let o = create(&name, &["--wait", "0"], &env);
    assert!(o.status.success(), "{}", text(&o));
    let o = create(&name, &[], &env);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("a cluster named \"{name}\" already exists")),
        "{}",
        text(&o)
    );
    assert_eq!(leftovers(&name).lines().count(), 1);
    let o = minik(&["delete", "--name", &name], &env);
    assert!(o.status.success(), "{}", text(&o));
}

/// A create that fails midway (kubeadm init fails) names the step, shows the command's output,
/// and removes every container it made.
#[test]
fn failed_create_leaves_nothing_behind() {
    let broken = format!("{}-broken-kubeadm", *TEST_IMAGE);
    let dockerfile = format!(
        "FROM {}\nRUN printf '#!/bin/sh\\necho \"[preflight] simulated failure\" >&2\\nexit 3\\n' > /usr/bin/kubeadm && chmod +x /usr/bin/kubeadm\n",
        *TEST_IMAGE
    );
    let mut child = Command::new("docker")
        .args(["build", "-q", "-t", &broken, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), dockerfile.as_bytes()).unwrap();
    let built = child.wait_with_output().unwrap();
    assert!(
        built.status.success(),
        "docker build of the broken image failed"
    );

    let tc = TestCluster::new("fail");
    let (name, kubeconfig, env) = (tc.name.clone(), tc.kubeconfig.clone(), tc.env());
    let o = minik(
        &[
            "create", "--name", &name, "--nodes", "2", "--image", &broken,
        ],
        &env,
    );
    let _ = Command::new("docker").args(["rmi", "-f", &broken]).output();
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let first = err.lines().find(|l| l.starts_with("error:")).unwrap_or("");
    assert!(
        first.contains("Starting control-plane failed"),
        "{}",
        text(&o)
    );
    assert!(
        err.contains("simulated failure"),
        "the command's output is shown: {}",
        text(&o)
    );
    assert_eq!(
        leftovers(&name),
        "",
        "containers left after a failed create"
    );
    assert!(
        !kubeconfig.exists(),
        "no kubeconfig written for a failed create"
    );
}

/// Ctrl-C in the middle of a create removes what it had made and exits 130.
#[test]
fn interrupted_create_cleans_up() {
    let tc = TestCluster::new("intr");
    let (name, kubeconfig) = (tc.name.clone(), tc.kubeconfig.clone());
    let child = Command::new(env!("CARGO_BIN_EXE_minik"))
        .args([
            "create",
            "--name",
            &name,
            "--nodes",
            "2",
            "--image",
            &TEST_IMAGE,
        ])
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", tc.home())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once its containers exist.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while leftovers(&name).lines().count() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no containers appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error: interrupted"),
        "{}",
        text(&out)
    );
    assert_eq!(
        leftovers(&name),
        "",
        "containers left after Ctrl-C: {}",
        text(&out)
    );
    assert!(
        !kubeconfig.exists(),
        "no kubeconfig written for an interrupted create"
    );
}
