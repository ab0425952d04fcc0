//! End to end on the real Docker engine: what real Kubernetes needs from minik on this machine.
//! The engine's host has cgroup v1 controllers (hybrid), which kubelets of 1.35+ refuse unless
//! told `failCgroupV1: false`; the test image's kubelet (stand-in v1.35.0) refuses the same way.

use crate::common;

use common::{create, docker, kubectl, leftovers, minik, text, TestCluster};

fn node_file(node: &str, path: &str) -> String {
    let o = docker(&["exec", node, "cat", path]);
    assert!(o.status.success(), "cat {path} on {node}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// kindnet, as the API stored it: the API endpoint in its env, requests without limits.
fn kindnet_as_stored(kubeconfig: &std::path::Path, cp: &str) {
    let o = kubectl(
        kubeconfig,
        &[
            "-n",
            "kube-system",
            "get",
            "daemonset",
            "kindnet",
            "-o",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let ds: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let container = &ds["spec"]["template"]["spec"]["containers"][0];
    let endpoint = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "CONTROL_PLANE_ENDPOINT")
        .map(|e| e["value"].clone());
    assert_eq!(
        endpoint,
        Some(serde_json::json!(format!("{cp}:6443"))),
        "{container}"
    );
    assert!(
        container["resources"].get("limits").is_none(),
        "{container}"
    );
    assert!(container["resources"]["requests"]["memory"].is_string());
}

#[test]
fn cgroup_v1_host_runs_135_kubelets_only_with_fail_cgroup_v1_off() {
    let mut tc = TestCluster::new("cgv1");
    let failing = tc.another("cgv1f");
    let (kubeconfig, env) = (tc.kubeconfig.clone(), tc.env());

    // 1. A plain create comes up: minik tells the kubelet to run on this v1/hybrid host.
    let name = tc.name.clone();
    let o = create(&name, &[], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    let cp = format!("{name}-control-plane");
    // The condition is real: inside the node /sys/fs/cgroup is not a cgroup2 mount.
    let fs = docker(&["exec", &cp, "stat", "-fc", "%T", "/sys/fs/cgroup"]);
    let fs = String::from_utf8_lossy(&fs.stdout).trim().to_string();
    assert_ne!(fs, "cgroup2fs", "this test needs a v1/hybrid host");
    // What the kubelet really reads on the node (written by kubeadm from minik's config).
    let kubelet_config = node_file(&cp, "/var/lib/kubelet/config.yaml");
    assert!(
        kubelet_config.contains("failCgroupV1: false"),
        "{kubelet_config}"
    );
    // No workers: the only node may back LoadBalancer Services (kubeadm's label removed).
    let o = kubectl(&kubeconfig, &["get", "node", &cp, "-o", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let node: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let labels = &node["metadata"]["labels"];
    assert!(
        labels
            .get("node.kubernetes.io/exclude-from-external-load-balancers")
            .is_none(),
        "{labels}"
    );
    assert!(labels
        .get("node-role.kubernetes.io/control-plane")
        .is_some());
    kindnet_as_stored(&kubeconfig, &cp);
    let o = minik(&["delete", "--name", &name], &env);
    assert!(o.status.success(), "{}", text(&o));

    // 2. The same image with failCgroupV1 removed by a kind-style patch (1.35 defaults it to
    // true): the kubelet exits and create fails naming the kubelet's own message.
    let name = failing;
    let config = tc.home().join("kind.yaml");
    std::fs::write(
        &config,
        "kind: Cluster\n\
         apiVersion: kind.x-k8s.io/v1alpha4\n\
         kubeadmConfigPatches:\n\
         - |\n  kind: ClusterConfiguration\n  apiServer:\n    timeoutForControlPlane: 20s\n\
         kubeadmConfigPatchesJSON6902:\n\
         - group: kubelet.config.k8s.io\n  version: v1beta1\n  kind: KubeletConfiguration\n  \
           patch: |\n    - op: remove\n      path: /failCgroupV1\n",
    )
    .unwrap();
    let o = create(&name, &["--config", config.to_str().unwrap()], &env);
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("kubelet is configured to not run on a host using cgroup v1"),
        "{}",
        text(&o)
    );
    assert!(
        err.contains("Starting control-plane failed"),
        "{}",
        text(&o)
    );
    assert_eq!(leftovers(&name), "", "a failed create leaves nothing");
}
