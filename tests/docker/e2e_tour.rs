//! `minik tour --yes` end to end on one 3-node cluster (shared to keep CI time low): every step
//! the test cluster can show passes, in English (JSON report) and in Korean (text); a tour
//! interrupted with a real SIGINT removes its namespace and resumes at the same step; an
//! organiser's lab whose check fails says what it expected and what it found; a lab reading
//! beyond its ServiceAccount's rights meets the API server's 403; a namespace the
//! tour did not make is never taken over. The volume steps run here: the claim waits for its
//! first consumer, the pod that replaces a deleted one reads back what it wrote, and the
//! volume and its directory go with the tour's namespace. The step the test cluster cannot show
//! (Services; the drained worker is shown here too) is covered on API responses shaped as a real
//! cluster returns them, in src/tour/check/tests.rs.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{create, docker, kubectl, minik, text, unique, Cleanup};
use serde_json::Value;

/// The Deployment's image as a real cluster pulls it; here a local busybox image under that
/// name (nothing can be pulled), loaded into the nodes like any local image.
const IMAGE: &str = "registry.k8s.io/e2e-test-images/agnhost:2.53";
/// What the stand-in cluster cannot show: no EndpointSlice controller.
const SKIP: &str = "service";

struct RemoveImage(&'static str);

impl Drop for RemoveImage {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "-f", self.0]);
    }
}

fn build_image() -> RemoveImage {
    let mut child = Command::new("docker")
        .args(["build", "-q", "-t", IMAGE, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("docker build");
    // `/agnhost pause` (the volume steps' container ends with it) waits until SIGTERM, as
    // agnhost's does.
    let dockerfile = "FROM minik.test/busybox:1.0\n\
                      RUN printf '#!/bin/sh\\ntrap \"exit 0\" TERM\\nwhile :; do sleep 1; done\\n' \
                      > /agnhost && chmod +x /agnhost\n\
                      ENTRYPOINT [\"/bin/sh\", \"-c\", \
                      \"trap 'exit 0' TERM; while :; do sleep 1; done\", \"agnhost\"]\n";
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), dockerfile.as_bytes()).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success(), "docker build {IMAGE}");
    RemoveImage(IMAGE)
}

fn namespaces(kc: &Path) -> String {
    let o = kubectl(kc, &["get", "namespaces", "-o", "name"]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// After a tour: its namespace is gone and no node is left cordoned.
fn assert_cleaned_up(kc: &Path) {
    assert!(
        !namespaces(kc).contains("namespace/minik-tour"),
        "{}",
        namespaces(kc)
    );
    let o = kubectl(kc, &["get", "nodes", "-o", "json"]);
    let nodes: Value = serde_json::from_slice(&o.stdout).unwrap();
    for n in nodes["items"].as_array().unwrap() {
        assert!(
            n["spec"]["unschedulable"].is_null(),
            "still cordoned: {}",
            n["metadata"]["name"]
        );
    }
}

/// After a tour: the claim's volume is gone too (reclaimPolicy Delete): no PersistentVolume
/// left, and no directory under /var/local-path-provisioner on any node.
fn assert_volumes_gone(kc: &Path, cluster: &str) {
    let deadline = Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let o = kubectl(kc, &["get", "pv", "-o", "name"]);
        assert!(o.status.success(), "{}", text(&o));
        if o.stdout.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "volumes left: {}", text(&o));
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    for node in ["control-plane", "worker", "worker2"] {
        let o = docker(&[
            "exec",
            &format!("{cluster}-{node}"),
            "ls",
            "-A",
            "/var/local-path-provisioner",
        ]);
        let left = String::from_utf8_lossy(&o.stdout).trim().to_string();
        assert!(left.is_empty(), "left on {node}: {left}");
    }
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().into(),
                s["status"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
#[allow(clippy::too_many_lines)] // one e2e scenario read as a story; splitting it into phases is owed (#20)
fn tour_runs_in_both_languages_resumes_and_cleans_up() {
    let home = tempfile::tempdir().unwrap();
    let kc = home.path().join("config");
    let state = home.path().join("state");
    let env = [
        ("KUBECONFIG", kc.to_str().unwrap()),
        ("HOME", home.path().to_str().unwrap()),
        ("XDG_STATE_HOME", state.to_str().unwrap()),
    ];
    let cluster = unique("e2etour");
    let _guard = Cleanup(cluster.clone());
    let _image = build_image();
    let o = create(&cluster, &["--nodes", "3"], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    let o = minik(&["load", "docker-image", IMAGE, "--name", &cluster], &env);
    assert!(o.status.success(), "load: {}", text(&o));
    let progress = state.join(format!("minik/tour/{cluster}.basics.json"));

    // English, unattended, each step's result as JSON.
    let started = Instant::now();
    let o = minik(
        &[
            "tour", "-n", &cluster, "--yes", "--lang", "en", "--skip", SKIP, "-o", "json",
        ],
        &env,
    );
    let took = started.elapsed();
    assert!(o.status.success(), "tour en: {}", text(&o));
    eprintln!("tour --yes (en, 10 steps) took {:.1}s", took.as_secs_f64());
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    assert_eq!(report["finished"], true);
    assert_eq!(report["lang"], "en");
    let want: Vec<(String, String)> = [
        ("nodes", "passed"),
        ("control-plane", "passed"),
        ("node-agents", "passed"),
        ("namespace", "passed"),
        ("deployment", "passed"),
        ("scale", "passed"),
        ("self-healing", "passed"),
        ("worker-away", "passed"),
        ("service", "skipped"),
        ("volume", "passed"),
        ("data-survives", "passed"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(statuses(&report), want);
    // The control plane's static pods, each with its container found in containerd.
    let cp = &report["steps"][1]["shown"][0]["lines"];
    let lines: Vec<&str> = cp
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for component in [
        "kube-apiserver",
        "etcd",
        "kube-scheduler",
        "kube-controller-manager",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(&format!(
                "{component}-{cluster}-control-plane Running: running in containerd as"
            ))),
            "{component} not shown in containerd: {lines:#?}"
        );
    }
    assert!(lines[0].contains("kube-apiserver.yaml"), "{lines:#?}");
    // The new pod read back the line the deleted pod wrote in the volume.
    let outlives = &report["steps"][10];
    let log_check = outlives["checks"][1]["expected"].as_str().unwrap();
    assert!(log_check.contains("\"written by notes-"), "{outlives:#}");
    assert_eq!(outlives["checks"][1]["ok"], true, "{outlives:#}");
    assert_cleaned_up(&kc);
    assert_volumes_gone(&kc, &cluster);
    assert!(!progress.exists(), "progress kept after a finished tour");

    // Korean, as text.
    let started = Instant::now();
    let o = minik(
        &[
            "tour", "-n", &cluster, "--yes", "--lang", "ko", "--skip", SKIP,
        ],
        &env,
    );
    assert!(o.status.success(), "tour ko: {}", text(&o));
    eprintln!(
        "tour --yes (ko, 10 steps) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "단계 1/11: 노드와 역할",
        "단계 2/11: 컨트롤 플레인",
        "containerd에서 실행 중인 컨테이너:",
        "✓ 완료: 자가 치유",
        "✓ 완료: 워커 노드가 빠질 때",
        "✓ 완료: 볼륨",
        "✓ 완료: 파드보다 오래 남는 데이터",
        "투어를 모두 마쳤습니다",
    ] {
        // Wrapped at 80 columns: read with line breaks as spaces.
        assert!(
            common::squashed(&out).contains(want),
            "no {want:?} in:\n{out}"
        );
    }
    assert!(!out.contains("Step "), "English in the Korean tour:\n{out}");
    assert_cleaned_up(&kc);
    assert_volumes_gone(&kc, &cluster);

    // Interrupted with Ctrl-C (SIGINT) as step 6 starts: its changes go, and it resumes there.
    let mut child = Command::new(env!("CARGO_BIN_EXE_minik"))
        .args([
            "tour", "-n", &cluster, "--yes", "--lang", "en", "--skip", SKIP,
        ])
        .envs(env)
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("Step 6/11: Scaling") {
            // SAFETY: kill(2) on our own child's pid.
            assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
        }
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(130),
        "{seen}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(seen.contains("Step 6/11"), "{seen}");
    assert_cleaned_up(&kc);
    let saved: Value = serde_json::from_slice(&std::fs::read(&progress).unwrap()).unwrap();
    assert_eq!(saved["step"], "scale");

    let started = Instant::now();
    let o = minik(
        &[
            "tour", "-n", &cluster, "--yes", "--skip", SKIP, "-o", "json",
        ],
        &[env[0], env[1], env[2], ("LANG", "C")],
    );
    assert!(o.status.success(), "resumed tour: {}", text(&o));
    eprintln!(
        "resumed tour (restore, then 3 steps) took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<String> = statuses(&report).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        [
            "scale",
            "self-healing",
            "worker-away",
            "service",
            "volume",
            "data-survives"
        ]
    );
    assert_eq!(report["steps"][0]["status"], "passed");
    assert_cleaned_up(&kc);
    assert!(!progress.exists());

    // A pod naming a claim that does not exist is never scheduled: Pending, with the
    // scheduler's own text in its condition and a FailedScheduling event.
    let pod = home.path().join("no-claim.yaml");
    std::fs::write(
        &pod,
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: no-claim\n  namespace: default\n\
             spec:\n  containers:\n  - name: c\n    image: {IMAGE}\n    volumeMounts:\n\
             \x20   - {{name: d, mountPath: /data}}\n  volumes:\n\
             \x20 - {{name: d, persistentVolumeClaim: {{claimName: nope}}}}\n"
        ),
    )
    .unwrap();
    let o = kubectl(&kc, &["apply", "-f", pod.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let want = "0/3 nodes are available: persistentvolumeclaim \"nope\" not found. preemption: \
                0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let o = kubectl(
            &kc,
            &["get", "pod", "no-claim", "-n", "default", "-o", "json"],
        );
        let got: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        if got["status"]["conditions"][0]["message"] == want {
            assert_eq!(got["status"]["phase"], "Pending", "{got:#}");
            assert!(got["spec"]["nodeName"].is_null(), "{got:#}");
            break;
        }
        assert!(Instant::now() < deadline, "{got:#}");
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    let o = kubectl(&kc, &["get", "events", "-n", "default", "-o", "json"]);
    let events: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["reason"] == "FailedScheduling"
                && e["involvedObject"]["name"] == "no-claim"
                && e["message"] == want),
        "{events:#}"
    );
    let o = kubectl(&kc, &["delete", "pod", "no-claim", "-n", "default"]);
    assert!(o.status.success(), "{}", text(&o));

    // An organiser's lab whose check cannot pass says what it expected and found.
    let lab = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tour/labs/failing.yaml"
    );
    let o = minik(&["tour", "-n", &cluster, "--yes", "--lab", lab], &env);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let want = format!(
        "error: step \"api-server-on-a-worker\" (The API server on a worker) did not happen: \
         expected pods component=kube-apiserver in kube-system Running on a worker node; found 1: \
         kube-apiserver-{cluster}-control-plane Running on {cluster}-control-plane (control-plane)"
    );
    // Wrapped at 80 columns: read with line breaks as spaces.
    assert!(common::squashed(&err).contains(&want), "{err}");
    assert!(!namespaces(&kc).contains("minik-failing"));

    // A lab's commands and checks run as its own ServiceAccount: what it may not read, the API
    // server refuses with its own 403 (minik before #21 ran them as cluster-admin).
    let lab = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tour/labs/beyond-its-rights.yaml"
    );
    let o = minik(&["tour", "-n", &cluster, "--yes", "--lab", lab], &env);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let want = "secrets is forbidden: User \"system:serviceaccount:kube-system:minik-tour-beyond\" \
                cannot list resource \"secrets\" in API group \"\" in the namespace \"kube-system\"";
    assert!(common::squashed(&err).contains(want), "{err}");
    let o = kubectl(
        &kc,
        &["get", "serviceaccounts", "-n", "kube-system", "-o", "name"],
    );
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("minik-tour-"),
        "{}",
        text(&o)
    );

    // A namespace of that name that no tour made is someone else's: refused, and left alone.
    let ns = home.path().join("ns.yaml");
    std::fs::write(
        &ns,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: minik-tour\n",
    )
    .unwrap();
    let o = kubectl(&kc, &["apply", "-f", ns.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let o = minik(&["tour", "-n", &cluster, "--yes"], &env);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        common::squashed(&String::from_utf8_lossy(&o.stderr))
            .contains("namespace \"minik-tour\" already exists, and the tour deletes"),
        "{}",
        text(&o)
    );
    assert!(namespaces(&kc).contains("namespace/minik-tour"));
}
