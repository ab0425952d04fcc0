//! The built-in `config` lab end to end on one 3-node cluster, in English (JSON report) and
//! then Korean (text) on the same cluster: every step passes on the stand-in kubelet's
//! ConfigMap and Secret volumes and environment (the file follows an edited ConfigMap within
//! the test nodes' 5 s sync period, the environment only after `rollout restart`; the Secret is
//! a decoded file on a tmpfs on the pod's node; minik shows it read straight from etcd, with
//! the password readable), and afterwards the cluster holds nothing of
//! the lab: no namespace, and no ConfigMap or Secret files left on any node.

use crate::common;

use std::time::{Duration, Instant};

use common::lab::{assert_contains_all, LabCluster};
use common::{docker, text};

/// The image the lab's pods run, as a real cluster pulls it; on the test cluster the busybox
/// image tests/e2e/prepare.sh builds, under that name (nothing can be pulled).
const IMAGE: &str = "registry.k8s.io/e2e-test-images/busybox:1.36.1-1";
const STEPS: [&str; 7] = [
    "namespace",
    "configmap",
    "edit",
    "restart",
    "secret",
    "decode",
    "secret-file",
];

/// The lab's image under its real name. An image already there (another lab's test made it
/// from the same busybox) is used as it is and left in place.
fn ensure_image() {
    if docker(&["image", "inspect", IMAGE]).status.success() {
        return;
    }
    let o = docker(&["tag", "minik.test/busybox:1.0", IMAGE]);
    assert!(o.status.success(), "tag {IMAGE}: {}", text(&o));
}

/// No ConfigMap or Secret volume of the lab left under /var/lib/kubelet/pods on any node (the
/// kubelet removes a gone pod's volumes, and unmounts the Secret's tmpfs).
fn assert_no_files_left(cluster: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    for node in ["control-plane", "worker", "worker2"] {
        loop {
            let o = docker(&[
                "exec",
                &format!("{cluster}-{node}"),
                "find",
                "/var/lib/kubelet/pods",
                "-path",
                "*volumes/kubernetes.io~*",
                "(",
                "-name",
                "greeting",
                "-o",
                "-name",
                "db",
                ")",
            ]);
            let left = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if left.is_empty() {
                break;
            }
            assert!(Instant::now() < deadline, "left on {node}: {left}");
            std::thread::sleep(Duration::from_secs(1));
        }
        let mounts = docker(&["exec", &format!("{cluster}-{node}"), "cat", "/proc/mounts"]);
        let mounts = String::from_utf8_lossy(&mounts.stdout).to_string();
        assert!(
            !mounts.contains("kubernetes.io~secret/db"),
            "tmpfs left on {node}"
        );
    }
}

#[test]
fn config_lab_runs_in_both_languages_and_leaves_nothing() {
    ensure_image();
    let lab = LabCluster::create("e2ecfg");
    lab.load_images(&[IMAGE]);

    let report = lab.run_en("config", &STEPS);
    // The decode step shows the Secret as the control plane's real etcd holds it, readable.
    let decode = report["steps"][5]["shown"].to_string();
    for want in [
        "etcdctl --endpoints=https://127.0.0.1:2379",
        "get /registry/secrets/minik-config/db",
        "s3cr3t",
    ] {
        assert!(decode.contains(want), "no {want:?} in {decode}");
    }
    lab.wait_namespace_gone("minik-config");
    assert_no_files_left(&lab.name);

    let out = lab.run_ko("config");
    let done: Vec<String> = [
        "환경 변수와 파일로 쓰는 컨피그맵",
        "컨피그맵 바꾸기",
        "재시작해야 바뀌는 환경 변수",
        "인코딩일 뿐 암호화가 아닌 시크릿",
        "base64는 암호화가 아닙니다",
        "파일이 된 시크릿, 노드에서 보기",
    ]
    .iter()
    .map(|step| format!("✓ 완료: {step}"))
    .collect();
    assert_contains_all(&out, &done.iter().map(String::as_str).collect::<Vec<_>>());
    lab.wait_namespace_gone("minik-config");
    assert_no_files_left(&lab.name);
}
