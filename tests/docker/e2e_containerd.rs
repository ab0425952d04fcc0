//! containerd in the nodes, end to end on Docker: the node image's runtime, containerd patches
//! (kind's local-registry recipe translated to certs.d), and patches containerd refuses failing
//! create at the step that applies them, with containerd's own words, leaving nothing behind.
//! Everything is read from the node's real containerd (`ctr`, `containerd config dump`, files).

use crate::common;

use common::*;

/// A test cluster, and `yaml(its name)` written as its config in its private HOME.
struct Env {
    tc: TestCluster,
    config: String,
}

impl Env {
    fn new(prefix: &str, yaml: impl FnOnce(&str) -> String) -> Env {
        let tc = TestCluster::new(prefix);
        let path = tc.home().join("cluster.yaml");
        std::fs::write(&path, yaml(&tc.name)).unwrap();
        let config = path.to_str().unwrap().to_string();
        Env { tc, config }
    }

    fn kubeconfig(&self) -> std::path::PathBuf {
        self.tc.kubeconfig.clone()
    }

    fn create(&self) -> std::process::Output {
        self.tc
            .minik(&["create", "--config", &self.config, "--image", &TEST_IMAGE])
    }
}

fn node_sh(node: &str, script: &str) -> String {
    let o = docker(&["exec", node, "sh", "-c", script]);
    assert!(o.status.success(), "{script}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_node_image_runs_containerd_2_and_runc_1_3() {
    let o = docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "containerd",
        &TEST_IMAGE,
        "--version",
    ]);
    let v = String::from_utf8_lossy(&o.stdout);
    assert!(v.contains("containerd/v2 "), "{}", text(&o));
    let o = docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "runc",
        &TEST_IMAGE,
        "--version",
    ]);
    let v = String::from_utf8_lossy(&o.stdout);
    let minor: u32 = v
        .strip_prefix("runc version 1.")
        .and_then(|r| r.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("runc --version: {v}"));
    assert!(minor >= 3, "runc 1.3+ expected: {v}");
    // the pods' base spec is generated from this containerd at build time
    let o = docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "cat",
        &TEST_IMAGE,
        "/etc/containerd/cri-base.json",
    ]);
    let spec: serde_json::Value = serde_json::from_slice(&o.stdout).expect("cri-base.json");
    assert_eq!(
        spec["hooks"]["createContainer"][0]["path"],
        "/kind/bin/mount-product-files.sh"
    );
    assert!(spec["process"].get("rlimits").is_none());
}

/// The runtime really runs the cluster: every kube-system pod comes to Running per the real
/// kubectl, its containers started by the nodes' containerd through CRI.
fn kube_system_running(tc: &TestCluster) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let o = tc.kubectl(&["get", "pods", "-n", "kube-system", "-o", "json"]);
        assert!(o.status.success(), "kubectl: {}", text(&o));
        let pods: serde_json::Value = serde_json::from_slice(&o.stdout).expect("PodList JSON");
        let items = pods["items"].as_array().cloned().unwrap_or_default();
        let waiting: Vec<String> = items
            .iter()
            .filter(|p| p["status"]["phase"] != "Running")
            .map(|p| format!("{}: {}", p["metadata"]["name"], p["status"]))
            .collect();
        if !items.is_empty() && waiting.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "kube-system pods not Running: {waiting:?}"
        );
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

/// kind's documented local-registry recipe, as a kind user writes it (config version 2 keys),
/// on a control plane (patched before kubeadm init) and a worker (patched before it joins).
/// The worker mounts certs.d from this machine, as kind's recipe does: that folder is the
/// user's, and minik writes nothing into it.
#[test]
fn kinds_local_registry_recipe_gives_a_working_cri() {
    let env = Env::new("reg", |name| {
        format!(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: {name}\n\
             nodes:\n- role: control-plane\n- role: worker\n  extraMounts:\n  - hostPath: certs.d\n    containerPath: /etc/containerd/certs.d\n\
             containerdConfigPatches:\n- |-\n  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5001\"]\n    endpoint = [\"http://kind-registry:5000\"]\n  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\n    endpoint = [\"localhost:5002\", \"https://harbor.test/v2/hub-proxy\"]\n"
        )
    });
    let certs_d = env.tc.home().join("certs.d");
    std::fs::create_dir(&certs_d).unwrap();
    let name = env.tc.name.clone();
    let o = env.create();
    assert!(o.status.success(), "create: {}", text(&o));
    assert!(
        text(&o).contains("certs.d/localhost:5001/hosts.toml"),
        "the user is told where the mirror went: {}",
        text(&o)
    );
    assert!(
        text(&o).contains("is mounted from") && text(&o).contains("minik leaves it to you"),
        "the user is told the mounted certs.d is theirs: {}",
        text(&o)
    );
    let written: Vec<_> = std::fs::read_dir(&certs_d).unwrap().collect();
    assert!(
        written.is_empty(),
        "minik wrote into the user's folder: {written:?}"
    );
    // containerd 1's meaning kept: a scheme-less localhost endpoint is plain http, a path is
    // used as given
    let hub = node_sh(
        &format!("{name}-control-plane"),
        "cat /etc/containerd/certs.d/docker.io/hosts.toml",
    );
    assert!(hub.contains("[host.\"http://localhost:5002\"]"), "{hub}");
    assert!(
        hub.contains("[host.\"https://harbor.test/v2/hub-proxy\"]\n  capabilities = [\"pull\", \"resolve\"]\n  override_path = true"),
        "{hub}"
    );
    kube_system_running(&env.tc);
    for node in [format!("{name}-control-plane"), format!("{name}-worker")] {
        let hosts = node_sh(
            &node,
            "cat /etc/containerd/certs.d/localhost:5001/hosts.toml 2>/dev/null || true",
        );
        let own = node.ends_with("control-plane");
        assert_eq!(
            hosts.contains("[host.\"http://kind-registry:5000\"]"),
            own,
            "{node}: {hosts}"
        );
        let plugins = node_sh(&node, "ctr plugins ls");
        let cri = plugins
            .lines()
            .find(|l| {
                l.starts_with("io.containerd.grpc.v1 ")
                    && l.split_whitespace().nth(1) == Some("cri")
            })
            .unwrap_or_else(|| panic!("{node}: no CRI plugin: {plugins}"));
        assert!(cri.trim_end().ends_with("ok"), "{node}: {cri}");
        // containerd itself reads the registry hosts from certs.d and holds no mirrors
        let dump = node_sh(&node, "containerd config dump");
        assert!(
            dump.contains("config_path = '/etc/containerd/certs.d'"),
            "{node}: {dump}"
        );
        assert!(!dump.contains("kind-registry"), "{node}: {dump}");
        // every key of the node's config (and of the translated patch) means something to
        // this containerd: it warns about the ones that don't
        let unknown = node_sh(
            &node,
            "journalctl -u containerd -o cat --no-pager | grep 'unknown key' || true",
        );
        assert_eq!(unknown, "", "{node}");
    }
}

fn create_fails_at_the_patch_step(patch: &str, want: &[&str]) {
    let indented: String = patch.lines().map(|l| format!("  {l}\n")).collect();
    let env = Env::new("badctd", |name| {
        format!(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: {name}\n\
             containerdConfigPatches:\n- |-\n{indented}"
        )
    });
    let name = env.tc.name.clone();
    let started = std::time::Instant::now();
    let o = env.create();
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let first = err.lines().find(|l| l.starts_with("error:")).unwrap_or("");
    assert!(
        first.contains("Writing configuration failed"),
        "{}",
        text(&o)
    );
    for w in want {
        assert!(
            first.contains(w),
            "{w:?} missing from {first:?}\n{}",
            text(&o)
        );
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(90),
        "fails fast, not at a kubeadm timeout"
    );
    assert_eq!(
        leftovers(&name),
        "",
        "containers left after a failed create"
    );
    assert!(
        !env.kubeconfig().exists(),
        "no kubeconfig written for a failed create"
    );
}

/// Valid TOML that containerd cannot load: refused before it replaces the live config.
#[test]
fn a_patch_containerd_cannot_read_fails_create_with_its_message() {
    create_fails_at_the_patch_step(
        "[plugins.\"io.containerd.cri.v1.images\"]\n  snapshotter = 1",
        &[
            "containerd refuses the patched config",
            "cannot decode TOML integer",
        ],
    );
}

/// A config containerd loads but whose CRI plugin it refuses: caught by the runtime check.
#[test]
fn a_patch_that_breaks_the_cri_plugin_fails_create_with_containerds_reason() {
    create_fails_at_the_patch_step(
        "[plugins.\"io.containerd.cri.v1.runtime\".containerd]\n  default_runtime_name = \"nope\"",
        &["CRI plugin is not serving", "nope"],
    );
}

/// Not TOML at all: refused with the TOML parser's message before anything is created.
#[test]
fn a_patch_that_is_not_toml_creates_nothing() {
    let env = Env::new("tomlbad", |name| {
        format!(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: {name}\n\
             containerdConfigPatches:\n- |-\n  [plugins.\"io.containerd.grpc.v1.cri\".registry\n    config_path = \"/x\"\n"
        )
    });
    let name = env.tc.name.clone();
    let o = env.create();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cluster.yaml:6:3"),
        "names where the patch is: {err}"
    );
    assert!(
        err.contains("not valid TOML") && err.contains("line 1"),
        "{err}"
    );
    assert_eq!(leftovers(&name), "");
    assert!(!env.kubeconfig().exists());
}
