//! End to end: `minik node add` and `minik node delete` on a running cluster (real Docker
//! engine, test node image, real kubectl on the host).

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{create, kubectl, leftovers, minik, ready_nodes, text, TestCluster};

fn ready_nodes_of(kubeconfig: &Path) -> Vec<String> {
    let o = kubectl(kubeconfig, &["get", "nodes", "-o", "json"]);
    assert!(o.status.success(), "kubectl: {}", text(&o));
    ready_nodes(&o.stdout)
}

/// The name of the volume holding a container's /var.
fn var_volume(container: &str) -> String {
    let o = Command::new("docker")
        .args([
            "inspect",
            "-f",
            "{{range .Mounts}}{{if eq .Destination \"/var\"}}{{.Name}}{{end}}{{end}}",
            container,
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let v = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(!v.is_empty(), "{container} has no /var volume");
    v
}

#[test]
fn node_add_then_delete() {
    let tc = TestCluster::new("e2enode");
    let (name, kubeconfig, env) = (tc.name.clone(), tc.kubeconfig.clone(), tc.env());
    let (cp, w1, w2, w3) = (
        format!("{name}-control-plane"),
        format!("{name}-worker"),
        format!("{name}-worker2"),
        format!("{name}-worker3"),
    );

    let o = create(&name, &["--nodes", "3"], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    assert_eq!(
        ready_nodes_of(&kubeconfig),
        vec![cp.clone(), w1.clone(), w2.clone()]
    );
    let kubeconfig_before = std::fs::read_to_string(&kubeconfig).unwrap();

    // A single control plane has no balancer: another control plane is refused, cleanly.
    let o = minik(
        &["node", "add", "--name", &name, "--role", "control-plane"],
        &env,
    );
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no load balancer"),
        "{}",
        text(&o)
    );
    assert!(!leftovers(&name).contains("control-plane2"));

    // 3 → 4.
    let o = minik(&["node", "add", "--name", &name], &env);
    assert!(o.status.success(), "node add: {}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&w3),
        "{}",
        text(&o)
    );
    assert_eq!(
        ready_nodes_of(&kubeconfig),
        vec![cp.clone(), w1.clone(), w2.clone(), w3.clone()]
    );
    assert_eq!(
        std::fs::read_to_string(&kubeconfig).unwrap(),
        kubeconfig_before,
        "node add must not touch the kubeconfig"
    );
    let volume = var_volume(&w3);

    // The last control plane cannot go.
    let o = minik(&["node", "delete", &cp, "--name", &name], &env);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("last control plane"),
        "{}",
        text(&o)
    );

    // 4 → 3, and nothing of the deleted node remains.
    let o = minik(&["node", "delete", &w3, "--name", &name], &env);
    assert!(o.status.success(), "node delete: {}", text(&o));
    assert_eq!(
        ready_nodes_of(&kubeconfig),
        vec![cp.clone(), w1.clone(), w2.clone()]
    );
    let o = kubectl(&kubeconfig, &["get", "node", &w3]);
    assert!(!o.status.success(), "{w3} is still a Node: {}", text(&o));
    assert!(!leftovers(&name).contains(&w3), "{}", leftovers(&name));
    let o = Command::new("docker")
        .args(["volume", "inspect", &volume])
        .output()
        .unwrap();
    assert!(!o.status.success(), "volume {volume} left behind");
    assert_eq!(
        std::fs::read_to_string(&kubeconfig).unwrap(),
        kubeconfig_before,
        "node delete must not touch the kubeconfig"
    );

    let o = minik(&["delete", "--name", &name], &env);
    assert!(o.status.success(), "delete: {}", text(&o));
    assert_eq!(leftovers(&name), "");
}
