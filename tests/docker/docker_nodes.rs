//! Node containers on the real Docker engine (issue: node foundation): three nodes created in
//! parallel boot systemd, run containerd with nested containers, reach each other by name,
//! survive a stop/start with their /var, stop fast, and leave nothing behind.

use crate::common;

use std::time::{Duration, Instant};

use minik::api::node;
use minik::provider::{
    ExecInput, ImageStore, NodeRole, NodeSpec, NodeState, Privileges, Provider, NETWORK_NAME,
};

const BOOTED: &[&str] = &["Reached target", "Multi-User System"];

fn spec(cluster: &str, name: &str, privileged: bool) -> NodeSpec {
    NodeSpec {
        name: name.to_string(),
        cluster: cluster.to_string(),
        role: NodeRole::Worker,
        image: common::TEST_IMAGE.to_string(),
        network: NETWORK_NAME.to_string(),
        privileges: if privileged {
            Privileges::Privileged
        } else {
            Privileges::ExplicitCapabilities
        },
        systemd: true,
        env: vec![],
        ports: vec![],
        mounts: vec![],
        devices: vec![],
        userns_host: false,
        entrypoint: None,
        command: None,
        labels: Default::default(),
        sysctls: Default::default(),
    }
}

async fn sh(p: &dyn Provider, node: &str, script: &str) -> String {
    node::run(p, node, &["sh", "-c", script])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}\n{:?}", e.details()))
}

/// Stop is fast (systemd's own stop signal) and start brings back systemd, containerd and /var.
#[allow(clippy::print_stderr)] // the timing is the test's diagnostic, as in the test itself
async fn stop_then_start_keeps_var(p: &dyn Provider, first: &str) {
    sh(p, first, "echo kept > /var/minik-marker").await;
    let t = Instant::now();
    p.stop_node(first, Duration::from_secs(10)).await.unwrap();
    let stop_secs = t.elapsed().as_secs_f64();
    eprintln!("docker stop took {stop_secs:.2}s");
    assert!(stop_secs < 3.0, "stopping a node took {stop_secs:.2}s");
    assert_eq!(
        p.inspect_node(first).await.unwrap().state,
        NodeState::Stopped
    );
    p.start_node(first).await.unwrap();
    p.wait_for_log(first, BOOTED, Duration::from_secs(60))
        .await
        .unwrap();
    // The log still holds the first boot's line: wait for the new boot to finish too.
    let state = sh(p, first, "systemctl is-system-running --wait || true").await;
    assert!(
        state.trim() == "running" || state.trim() == "degraded",
        "after restart: {state}"
    );
    assert_eq!(sh(p, first, "cat /var/minik-marker").await.trim(), "kept");
    assert_eq!(
        sh(p, first, "systemctl is-active containerd").await.trim(),
        "active"
    );
    let images = sh(p, first, "ctr -n k8s.io images ls -q").await;
    assert!(images.contains("minik.test/busybox:1.0"), "{images}");
}

/// The volumes holding the nodes' /var.
fn var_volumes(names: &[String]) -> Vec<String> {
    let o = std::process::Command::new("docker")
        .args([
            "inspect",
            "-f",
            "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} {{end}}{{end}}",
        ])
        .args(names)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_nodes_boot_run_containers_and_clean_up() {
    let p = common::provider().await;
    let _turn = common::network::NetworkTurn::shared();
    let cluster = common::unique("nodes");
    let _guard = common::Cleanup(cluster.clone());
    p.ensure_network(NETWORK_NAME).await.unwrap();
    let privileged = p.privileged_allowed(&common::TEST_IMAGE).await.unwrap();
    let names: Vec<String> = (1..=3).map(|i| format!("{cluster}-n{i}")).collect();

    // Created in parallel, each waited on until systemd reaches multi-user.
    let started = Instant::now();
    futures_util::future::try_join_all(names.iter().map(|n| {
        let p = &p;
        let s = spec(&cluster, n, privileged);
        async move {
            p.create_node(&s).await?;
            p.wait_for_log(&s.name, BOOTED, Duration::from_secs(60))
                .await
        }
    }))
    .await
    .expect("nodes boot");
    eprintln!("3 nodes booted in {:.1}s", started.elapsed().as_secs_f64());

    for n in &names {
        let state = sh(&p, n, "systemctl is-system-running --wait || true").await;
        assert!(
            state.trim() == "running" || state.trim() == "degraded",
            "{n}: {state}"
        );
        assert_eq!(
            sh(&p, n, "systemctl is-active containerd").await.trim(),
            "active"
        );
    }

    // A locally made image streams into containerd and a container runs from it.
    let first = &names[0];
    let cmd: Vec<String> = ["ctr", "-n", "k8s.io", "images", "import", "--digests", "-"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let save = p.save_images(&["minik.test/busybox:1.0".to_string()]);
    let out = p.exec(first, &cmd, ExecInput::Stream(save)).await.unwrap();
    assert_eq!(out.exit_code, 0, "import: {}", out.combined());
    let hi = sh(
        &p,
        first,
        "ctr -n k8s.io run --rm minik.test/busybox:1.0 t1 /bin/busybox echo nested-ok",
    )
    .await;
    assert!(hi.contains("nested-ok"), "{hi}");

    // Nodes reach each other by name on the minik network.
    for (a, b) in [(0, 1), (1, 2), (2, 0)] {
        sh(&p, &names[a], &format!("ping -c1 -W2 {}", names[b])).await;
    }

    stop_then_start_keeps_var(&p, first).await;

    // Removal leaves no container or volume behind.
    let volumes = var_volumes(&names);
    assert_eq!(
        volumes.len(),
        3,
        "each node has its /var volume: {volumes:?}"
    );
    p.remove_nodes(&names).await.unwrap();
    assert_eq!(common::leftovers(&cluster), "");
    for v in volumes {
        let o = std::process::Command::new("docker")
            .args(["volume", "inspect", &v])
            .output()
            .unwrap();
        assert!(!o.status.success(), "volume {v} was left behind");
    }
    assert!(p.list_nodes(Some(&cluster)).await.unwrap().is_empty());
}
