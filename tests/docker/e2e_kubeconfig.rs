//! Issue #21 (C2) end to end: a node is not trusted with the host's kubeconfig. One 1-node
//! cluster; its entry holds only the CA and the client certificate and key; then an `exec`
//! plugin is written into the node's admin.conf, and `export kubeconfig` and `get kubeconfig`
//! (plain and handed out) refuse it, naming the field and the node, write nothing, and the
//! plugin never runs; the entry exported before the change still works with the real kubectl.

use crate::common;
use common::{docker, text, TestCluster};

const ADMIN_CONF: &str = "/etc/kubernetes/admin.conf";

/// The keys of the `users[0].user` (or `clusters[0].cluster`) mapping of a kubeconfig file.
fn keys(kubeconfig: &std::path::Path, list: &str, body: &str) -> Vec<String> {
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(kubeconfig).unwrap()).unwrap();
    let fields = doc[list][0][body].as_mapping().expect("an entry");
    fields
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

/// Put an `exec` user into the node's admin.conf; the plugin would create `marker`.
fn plant_exec(node: &str, marker: &std::path::Path) {
    let o = docker(&["exec", node, "cat", ADMIN_CONF]);
    assert!(o.status.success(), "read admin.conf: {}", text(&o));
    let clean = String::from_utf8(o.stdout).unwrap();
    let plugin = format!(
        "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      \
         command: /bin/sh\n      args: [-c, 'touch {}']\n",
        marker.display()
    );
    assert!(clean.contains("\n  user:\n"), "{clean}");
    let planted = clean.replacen("\n  user:\n", &format!("\n{plugin}"), 1);
    let mut child = std::process::Command::new("docker")
        .args([
            "exec",
            "-i",
            node,
            "sh",
            "-c",
            &format!("cat > {ADMIN_CONF}"),
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(planted.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn an_exec_plugin_planted_in_a_node_never_reaches_the_host() {
    let _engine = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(common::provider());
    let tc = TestCluster::new("kc");
    let name = tc.name.as_str();
    let node = format!("{name}-control-plane");
    let o = common::create(name, &[], &tc.env());
    assert!(o.status.success(), "create: {}", text(&o));
    assert_eq!(
        keys(&tc.kubeconfig, "users", "user"),
        ["client-certificate-data", "client-key-data"]
    );
    assert_eq!(
        keys(&tc.kubeconfig, "clusters", "cluster"),
        ["certificate-authority-data", "server"]
    );
    let before = tc.home().join("before.yaml");
    std::fs::copy(&tc.kubeconfig, &before).unwrap();
    let written = std::fs::read(&tc.kubeconfig).unwrap();

    let marker = tc.home().join("plugin-ran");
    plant_exec(&node, &marker);
    for args in [
        vec!["export", "kubeconfig", "--name", name],
        vec!["get", "kubeconfig", "--name", name],
        vec![
            "get",
            "kubeconfig",
            "--name",
            name,
            "--server",
            "https://10.9.8.7",
        ],
    ] {
        let o = tc.minik(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text(&o));
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.contains("users[0].user.exec") && first.contains(&node),
            "{args:?}: {}",
            text(&o)
        );
        assert!(!String::from_utf8_lossy(&o.stdout).contains("exec"));
    }
    assert_eq!(std::fs::read(&tc.kubeconfig).unwrap(), written, "unchanged");

    let o = common::kubectl(&before, &["get", "nodes", "-o", "json"]);
    assert!(o.status.success(), "kubectl: {}", text(&o));
    assert_eq!(common::ready_nodes(&o.stdout), [node]);
    assert!(!marker.exists(), "the planted plugin ran on the host");
}
