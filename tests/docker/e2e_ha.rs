//! End to end, HA: three control planes and two workers from a kind v1alpha4 config file, on the
//! real Docker engine with the test node image. The real kubectl on the host reaches the API
//! through the load balancer, every control plane serves through it, it survives a stopped
//! control plane (the first one), and the config file's port mapping, mount and labels are all in effect.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{create, docker, kubectl, leftovers, minik, text, TestCluster};

/// The host port a container port is published on (`docker port`).
fn published(container: &str, port: &str) -> u16 {
    let o = docker(&["port", container, port]);
    assert!(o.status.success(), "docker port: {}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.rsplit(':').next()?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{container} does not publish {port}: {}", text(&o)))
}

/// The node names in the certificate the server at 127.0.0.1:`port` presents: each API server's
/// serving certificate names its own node, so this says which control plane answered.
fn served_by(port: u16, cluster: &str) -> Option<String> {
    let mut s_client = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl must be installed");
    let mut pem = String::new();
    if let Some(mut out) = s_client.stdout.take() {
        let _ = out.read_to_string(&mut pem);
    }
    let _ = s_client.wait();
    let mut x509 = Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectAltName"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl x509");
    if let Some(mut stdin) = x509.stdin.take() {
        let _ = stdin.write_all(pem.as_bytes());
    }
    let out = x509.wait_with_output().ok()?;
    let prefix = format!("DNS:{cluster}-control-plane");
    String::from_utf8_lossy(&out.stdout)
        .split([',', '\n'])
        .map(str::trim)
        .find(|s| s.starts_with(&prefix))
        .map(|s| s.trim_start_matches("DNS:").to_string())
}

/// The etcd member names, from the stand-in's member list (shaped like etcd's
/// /v3/cluster/member/list; a stand-in path, read with the real kubectl through the balancer).
fn etcd_members(kubeconfig: &Path) -> Vec<String> {
    let o = kubectl(kubeconfig, &["get", "--raw", "/standin-etcd/members"]);
    assert!(o.status.success(), "member list: {}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut names: Vec<String> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn readyz(kubeconfig: &Path) -> Output {
    kubectl(
        kubeconfig,
        &["get", "--raw", "/readyz", "--request-timeout=5s"],
    )
}

/// haproxy's view of one backend server (`show stat` on its admin socket).
fn server_status(lb: &str, server: &str) -> String {
    let o = docker(&[
        "exec",
        lb,
        "sh",
        "-c",
        "echo 'show stat' | socat -t 2 - UNIX-CONNECT:/run/haproxy-admin.sock",
    ]);
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find(|l| l.starts_with(&format!("kube-apiservers,{server},")))
        .and_then(|l| l.split(',').nth(17))
        .unwrap_or("")
        .to_string()
}

#[test]
#[allow(clippy::too_many_lines)] // one e2e scenario read as a story; splitting it into phases is owed (#20)
fn ha_cluster_from_a_config_file() {
    let tc = TestCluster::new("e2eha");
    let (name, kubeconfig, env) = (tc.name.clone(), tc.kubeconfig.clone(), tc.env());

    // The config file, with a host folder to mount.
    let shared = tempfile::tempdir().unwrap();
    let marker = format!("marker for {name}\n");
    std::fs::write(shared.path().join("marker"), &marker).unwrap();
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/e2e-ha.yaml"),
    )
    .unwrap();
    let config = tc.home().join("cluster.yaml");
    std::fs::write(
        &config,
        template.replace("@HOST_DIR@", shared.path().to_str().unwrap()),
    )
    .unwrap();

    let started = Instant::now();
    let o = create(&name, &["--config", config.to_str().unwrap()], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    eprintln!("HA create took {:.0}s", started.elapsed().as_secs_f64());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("Configuring the external load balancer"),
        "{stderr}"
    );

    // The kubeconfig points at the load balancer's published port.
    let lb = format!("{name}-external-load-balancer");
    let lb_port = published(&lb, "6443/tcp");
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(
        written.contains(&format!("server: https://127.0.0.1:{lb_port}")),
        "kubeconfig server is not the balancer (port {lb_port}): {written}"
    );

    // Real kubectl through it: every node Ready, with the config file's labels.
    let o = kubectl(&kubeconfig, &["get", "nodes", "-o", "json"]);
    assert!(o.status.success(), "kubectl: {}", text(&o));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = list["items"].as_array().unwrap();
    let mut names: Vec<&str> = items
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap())
        .collect();
    names.sort();
    let cps: Vec<String> = ["", "2", "3"]
        .iter()
        .map(|i| format!("{name}-control-plane{i}"))
        .collect();
    let mut expected: Vec<String> = cps.clone();
    expected.push(format!("{name}-worker"));
    expected.push(format!("{name}-worker2"));
    assert_eq!(names, expected);
    for n in items {
        let ready = n["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        assert!(ready, "{} is not Ready", n["metadata"]["name"]);
    }
    let label = |node: &str, key: &str| -> Option<String> {
        items
            .iter()
            .find(|n| n["metadata"]["name"] == node)
            .and_then(|n| n["metadata"]["labels"][key].as_str())
            .map(String::from)
    };
    let (cp1, w1, w2) = (
        cps[0].clone(),
        format!("{name}-worker"),
        format!("{name}-worker2"),
    );
    assert_eq!(
        label(&cp1, "e2e.minik.test/tier").as_deref(),
        Some("control")
    );
    assert_eq!(label(&w1, "e2e.minik.test/tier").as_deref(), Some("front"));
    assert_eq!(label(&w1, "e2e.minik.test/zone").as_deref(), Some("a"));
    assert_eq!(label(&w2, "e2e.minik.test/tier"), None);
    assert_eq!(label(&cps[1], "e2e.minik.test/tier"), None);

    // Every control plane answers through the balancer: each one's serving certificate
    // (which names its node) is seen on the balancer's port.
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..60 {
        if let Some(cp) = served_by(lb_port, &name) {
            seen.insert(cp);
        }
        if seen.len() == cps.len() {
            break;
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        cps,
        "not every control plane served through the balancer"
    );

    // Each control plane serves the API itself too (on its own published port, for debugging):
    // /readyz answers on every one, over TLS verified with the cluster's CA.
    for cp in &cps {
        let port = published(cp, "6443/tcp");
        let o = kubectl(
            &kubeconfig,
            &[
                "--server",
                &format!("https://127.0.0.1:{port}"),
                "get",
                "--raw",
                "/readyz",
            ],
        );
        assert!(
            o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "ok",
            "/readyz on {cp}: {}",
            text(&o)
        );
    }

    // The extraMount is in the worker, read-only.
    let o = docker(&["exec", &w1, "cat", "/mnt/e2e/marker"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), marker, "{}", text(&o));
    let o = docker(&["exec", &w1, "touch", "/mnt/e2e/new"]);
    assert!(!o.status.success(), "the mount should be read-only");

    // The extraPortMapping: something listening on 30080 in the worker answers on the host.
    let host_port = published(&w1, "30080/tcp");
    let o = docker(&[
        "exec",
        "-d",
        &w1,
        "socat",
        "TCP-LISTEN:30080,fork,reuseaddr",
        "SYSTEM:echo hello-from-the-worker",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let deadline = Instant::now() + Duration::from_secs(20);
    let reply = loop {
        let got = TcpStream::connect(("127.0.0.1", host_port)).and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(5)))?;
            let mut buf = String::new();
            s.read_to_string(&mut buf)?;
            Ok(buf)
        });
        match got {
            Ok(s) if !s.is_empty() => break s,
            _ if Instant::now() > deadline => panic!("nothing answered on 127.0.0.1:{host_port}"),
            _ => std::thread::sleep(Duration::from_millis(300)),
        }
    };
    assert_eq!(reply.trim(), "hello-from-the-worker");

    // A fourth control plane joins and the balancer serves it; deleting it takes it out.
    let cp4 = format!("{name}-control-plane4");
    let o = minik(
        &["node", "add", "--name", &name, "--role", "control-plane"],
        &env,
    );
    assert!(o.status.success(), "node add: {}", text(&o));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server_status(&lb, &cp4).starts_with("UP") {
        assert!(Instant::now() < deadline, "haproxy never had {cp4} UP");
        std::thread::sleep(Duration::from_millis(500));
    }
    let o = kubectl(&kubeconfig, &["get", "node", &cp4, "-o", "name"]);
    assert!(o.status.success(), "{}", text(&o));
    let mut four = cps.clone();
    four.push(cp4.clone());
    assert_eq!(
        etcd_members(&kubeconfig),
        four,
        "the new control plane is an etcd member"
    );
    let o = minik(&["node", "delete", &cp4, "--name", &name], &env);
    assert!(o.status.success(), "node delete: {}", text(&o));
    assert_eq!(server_status(&lb, &cp4), "", "{cp4} is still in haproxy");
    assert!(!leftovers(&name).contains(&cp4));
    assert_eq!(std::fs::read_to_string(&kubeconfig).unwrap(), written);
    // kubeadm reset ran while the Node still existed, so it removed the etcd member: three
    // members of three live, and one may fail.
    assert_eq!(
        etcd_members(&kubeconfig),
        cps,
        "etcd kept the deleted member"
    );

    // The FIRST control plane stopped: the balancer notices, the API still answers through it
    // (two of three etcd members make a quorum), and minik still manages the cluster through
    // the control planes that answer.
    let o = docker(&["stop", &cps[0]]);
    assert!(o.status.success(), "{}", text(&o));
    let deadline = Instant::now() + Duration::from_secs(30);
    while server_status(&lb, &cps[0]).starts_with("UP") {
        assert!(Instant::now() < deadline, "haproxy still has {} UP", cps[0]);
        std::thread::sleep(Duration::from_millis(500));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let o = readyz(&kubeconfig);
        if o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "ok" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz with {} stopped: {}",
            cps[0],
            text(&o)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    for i in 0..10 {
        let o = readyz(&kubeconfig);
        assert!(
            o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "ok",
            "/readyz #{i} with {} stopped: {}",
            cps[0],
            text(&o)
        );
    }
    let o = minik(&["node", "add", "--name", &name], &env);
    assert!(
        o.status.success(),
        "node add without the first control plane: {}",
        text(&o)
    );
    let o = kubectl(
        &kubeconfig,
        &["get", "node", &format!("{name}-worker3"), "-o", "name"],
    );
    assert!(o.status.success(), "{}", text(&o));

    let o = minik(&["delete", "--name", &name], &env);
    assert!(o.status.success(), "delete: {}", text(&o));
    assert_eq!(leftovers(&name), "");
}

/// An image without haproxy cannot run the balancer: refused before any node is created.
#[test]
fn ha_without_haproxy_in_the_image_turns_to_the_dedicated_balancer() {
    let tc = TestCluster::new("e2enolb");
    let (name, env) = (tc.name.clone(), tc.env());
    // The busybox image prepare.sh builds has a shell but no haproxy (or systemd).
    let o = minik(
        &[
            "create",
            "--name",
            &name,
            "--control-planes",
            "2",
            "--image",
            "minik.test/busybox:1.0",
        ],
        &env,
    );
    // minik turns to kind's haproxy image, which this registry-less machine cannot pull: the
    // choice is shown, and create stops before any node exists.
    assert!(!o.status.success(), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("has no haproxy"), "{}", text(&o));
    assert!(stderr.contains("kindest/haproxy"), "{}", text(&o));
    assert!(!stderr.contains("Preparing nodes"), "{}", text(&o));
    assert_eq!(leftovers(&name), "");
}
