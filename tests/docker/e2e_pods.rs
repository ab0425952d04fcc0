//! Pods on the nodes' real containerd, end to end on the real engine, in one 3-node cluster
//! (shared to keep CI time low): every kube-system pod Running per the real kubectl with its
//! containers in the right node's containerd; pod addresses from each node's pod CIDR; a pod on
//! one worker reaches a pod on the other; an image loaded with `minik load` (short name,
//! imagePullPolicy Never) runs and its output lands in the kubelet's log file; a missing image
//! stays Pending with the kubelet's reason; a deleted Deployment pod leaves containerd and is
//! replaced; after `minik stop`/`minik start` pods run again.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{create, docker, kubectl, minik, text, unique, Cleanup};
use serde_json::Value;

fn get_json(kubeconfig: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let o = kubectl(kubeconfig, &all);
    assert!(o.status.success(), "kubectl {args:?}: {}", text(&o));
    serde_json::from_slice(&o.stdout).expect("kubectl JSON")
}

fn apply(kubeconfig: &Path, dir: &Path, name: &str, yaml: &str) {
    let f = dir.join(format!("{name}.yaml"));
    std::fs::write(&f, yaml).unwrap();
    let o = kubectl(kubeconfig, &["apply", "-f", f.to_str().unwrap()]);
    assert!(o.status.success(), "apply {name}: {}", text(&o));
}

/// Polls `check` every second until it returns Some, or panics with the last state.
fn wait_for<T>(what: &str, secs: u64, mut check: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        match check() {
            Ok(v) => return v,
            Err(e) if Instant::now() > deadline => panic!("timed out waiting for {what}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_secs(1)),
        }
    }
}

fn phase(p: &Value) -> &str {
    p["status"]["phase"].as_str().unwrap_or("")
}

/// Waits until every kube-system pod is Running; returns them.
fn kube_system_running(kc: &Path) -> Vec<Value> {
    wait_for("every kube-system pod Running", 240, || {
        let pods = get_json(kc, &["get", "pods", "-n", "kube-system"]);
        let items = pods["items"].as_array().cloned().unwrap_or_default();
        let bad: Vec<String> = items
            .iter()
            .filter(|p| phase(p) != "Running")
            .map(|p| format!("{} {} {}", p["metadata"]["name"], phase(p), p["status"]))
            .collect();
        if items.len() >= 8 && bad.is_empty() {
            Ok(items)
        } else {
            Err(format!("{} pods, not running: {bad:?}", items.len()))
        }
    })
}

fn ipv4(s: &str) -> u32 {
    s.parse::<std::net::Ipv4Addr>().map(u32::from).unwrap_or(0)
}

fn in_cidr(ip: &str, cidr: &str) -> bool {
    let (net, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let bits: u32 = bits.parse().unwrap_or(32);
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    ipv4(ip) & mask == ipv4(net) & mask
}

fn node_exec(node: &str, script: &str) -> String {
    let o = docker(&["exec", node, "sh", "-c", script]);
    assert!(o.status.success(), "{node}: {script}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn pod_yaml(name: &str, node: &str, image: &str, policy: &str, command: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  nodeSelector:\n    \
         kubernetes.io/hostname: {node}\n  containers:\n  - name: {name}\n    image: {image}\n    \
         imagePullPolicy: {policy}\n    command: [\"sh\", \"-c\", {command:?}]\n"
    )
}

fn pod_running(kc: &Path, name: &str) -> Value {
    wait_for(&format!("pod {name} Running"), 120, || {
        let p = get_json(kc, &["get", "pod", name]);
        if phase(&p) == "Running" && p["status"]["podIP"].is_string() {
            Ok(p)
        } else {
            Err(p["status"].to_string())
        }
    })
}

struct RemoveImage(String);

impl Drop for RemoveImage {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", "-f", &self.0]).output();
    }
}

#[test]
#[allow(clippy::too_many_lines)] // one e2e scenario read as a story; splitting it into phases is owed (#20)
fn pods_run_on_the_nodes_containerd() {
    let home = tempfile::tempdir().unwrap();
    let kc = home.path().join("config");
    let env = [
        ("KUBECONFIG", kc.to_str().unwrap()),
        ("HOME", home.path().to_str().unwrap()),
    ];
    let cluster = unique("e2epods");
    let _guard = Cleanup(cluster.clone());
    let o = create(&cluster, &["--nodes", "3"], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    let cp = format!("{cluster}-control-plane");
    let (w1, w2) = (format!("{cluster}-worker"), format!("{cluster}-worker2"));

    // Every kube-system pod Running, its container in its node's containerd.
    let pods = kube_system_running(&kc);
    let nodes = get_json(&kc, &["get", "nodes"]);
    let cidr_of = |node: &str| -> String {
        nodes["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["metadata"]["name"] == node)
            .and_then(|n| n["spec"]["podCIDR"].as_str())
            .unwrap_or_else(|| panic!("no podCIDR for {node}: {nodes}"))
            .to_string()
    };
    for p in &pods {
        let node = p["spec"]["nodeName"].as_str().unwrap();
        let ids = node_exec(node, "ctr -n k8s.io containers ls -q");
        for c in p["status"]["containerStatuses"].as_array().unwrap() {
            let id = c["containerID"].as_str().unwrap_or("");
            let id = id.trim_start_matches("containerd://");
            assert!(
                !id.is_empty() && ids.lines().any(|l| l == id),
                "{} container {id:?} not in {node}'s containerd: {ids}",
                p["metadata"]["name"]
            );
        }
        if p["spec"]["hostNetwork"] != true {
            let ip = p["status"]["podIP"].as_str().unwrap_or("");
            let cidr = cidr_of(node);
            assert!(
                in_cidr(ip, &cidr),
                "{} has {ip}, not in {node}'s {cidr}",
                p["metadata"]["name"]
            );
        }
    }
    for n in [&cp, &w1, &w2] {
        let names = ["kindnet", "kube-proxy"];
        for want in names {
            assert!(
                pods.iter().any(|p| p["spec"]["nodeName"] == n.as_str()
                    && p["metadata"]["name"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with(want)),
                "no {want} pod on {n}"
            );
        }
    }
    let wide = kubectl(&kc, &["get", "pods", "-A", "-o", "wide"]);
    assert!(wide.status.success(), "{}", text(&wide));

    // A pod on one worker reaches a pod on the other, through the real CNI plugins.
    let dir = home.path();
    let busybox = "minik.test/busybox:1.0";
    apply(&kc, dir, "server", &pod_yaml("server", &w1, busybox, "IfNotPresent",
        "mkdir -p /www && echo served-by-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www"));
    let server = pod_running(&kc, "server");
    let server_ip = server["status"]["podIP"].as_str().unwrap().to_string();
    assert!(in_cidr(&server_ip, &cidr_of(&w1)), "server {server_ip}");
    apply(
        &kc,
        dir,
        "client",
        &pod_yaml(
            "client",
            &w2,
            busybox,
            "IfNotPresent",
            &format!("until wget -qO- http://{server_ip}:8080/; do sleep 1; done; exec sleep 3600"),
        ),
    );
    let client = pod_running(&kc, "client");
    assert!(in_cidr(
        client["status"]["podIP"].as_str().unwrap(),
        &cidr_of(&w2)
    ));
    let uid = client["metadata"]["uid"].as_str().unwrap().to_string();
    let log = format!("/var/log/pods/default_client_{uid}/client/0.log");
    wait_for("the client's log to show the server's page", 60, || {
        let got = node_exec(&w2, &format!("cat {log} 2>/dev/null || true"));
        got.contains("served-by-server").then_some(()).ok_or(got)
    });

    // An image built here and loaded with `minik load` (short name, never pulled) runs.
    let app = format!("app{}:dev", cluster.replace('-', ""));
    let _img = RemoveImage(app.clone());
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(ctx.path().join("Dockerfile"),
        "FROM minik.test/busybox:1.0\nCMD [\"sh\", \"-c\", \"echo hello-from-app; exec sleep 3600\"]\n").unwrap();
    let o = docker(&["build", "-q", "-t", &app, ctx.path().to_str().unwrap()]);
    assert!(o.status.success(), "docker build: {}", text(&o));
    let o = minik(&["load", "docker-image", &app, "--name", &cluster], &env);
    assert!(o.status.success(), "load: {}", text(&o));
    let app_pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n  - name: app\n    \
         image: {app}\n    imagePullPolicy: Never\n"
    );
    apply(&kc, dir, "app", &app_pod);
    let p = pod_running(&kc, "app");
    let node = p["spec"]["nodeName"].as_str().unwrap().to_string();
    let uid = p["metadata"]["uid"].as_str().unwrap();
    let log = format!("/var/log/pods/default_app_{uid}/app/0.log");
    wait_for("the app's output in its log file", 30, || {
        let got = node_exec(&node, &format!("cat {log} 2>/dev/null || true"));
        got.contains("hello-from-app").then_some(()).ok_or(got)
    });
    // kubectl logs: the API server asks the pod's kubelet (port 10250) for that same file.
    let logs = kubectl(&kc, &["logs", "app"]);
    assert!(
        logs.status.success() && String::from_utf8_lossy(&logs.stdout) == "hello-from-app\n",
        "kubectl logs app: {}",
        text(&logs)
    );

    // Images that were never loaded: Pending with the kubelet's reasons, never Running.
    for (name, policy, reasons) in [
        ("missing-never", "Never", &["ErrImageNeverPull"][..]),
        (
            "missing-pull",
            "IfNotPresent",
            &["ErrImagePull", "ImagePullBackOff"][..],
        ),
    ] {
        apply(
            &kc,
            dir,
            name,
            &pod_yaml(name, &w1, "minik.e2e/not-loaded:v1", policy, "true"),
        );
        let why = wait_for(&format!("{name} waiting on its image"), 60, || {
            let p = get_json(&kc, &["get", "pod", name]);
            let reason = p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if reasons.contains(&reason.as_str()) {
                assert_eq!(phase(&p), "Pending", "{p}");
                Ok(reason)
            } else {
                Err(p["status"].to_string())
            }
        });
        assert!(reasons.contains(&why.as_str()));
    }

    // A deleted Deployment pod: its sandbox and container leave containerd, and a new pod runs.
    let old = pods
        .iter()
        .find(|p| {
            p["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .starts_with("coredns-")
        })
        .expect("a coredns pod");
    let old_name = old["metadata"]["name"].as_str().unwrap();
    let old_node = old["spec"]["nodeName"].as_str().unwrap();
    let old_id = old["status"]["containerStatuses"][0]["containerID"]
        .as_str()
        .unwrap()
        .trim_start_matches("containerd://")
        .to_string();
    let o = kubectl(&kc, &["delete", "pod", "-n", "kube-system", old_name]);
    assert!(o.status.success(), "delete pod: {}", text(&o));
    wait_for(
        "the deleted pod's container to leave containerd",
        60,
        || {
            let ids = node_exec(old_node, "ctr -n k8s.io containers ls -q");
            (!ids.lines().any(|l| l == old_id)).then_some(()).ok_or(ids)
        },
    );
    wait_for("a replacement coredns pod Running", 120, || {
        let list = get_json(
            &kc,
            &["get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns"],
        );
        let items = list["items"].as_array().cloned().unwrap_or_default();
        let running = items.iter().filter(|p| phase(p) == "Running").count();
        let gone = items.iter().all(|p| p["metadata"]["name"] != old_name);
        (running == 2 && gone).then_some(()).ok_or(list.to_string())
    });

    // Stop and start the cluster: the pods come back Running.
    let o = minik(&["stop", "--name", &cluster], &env);
    assert!(o.status.success(), "stop: {}", text(&o));
    let o = minik(&["start", "--name", &cluster], &env);
    assert!(o.status.success(), "start: {}", text(&o));
    kube_system_running(&kc);
    pod_running(&kc, "app");
    pod_running(&kc, "server");
}
