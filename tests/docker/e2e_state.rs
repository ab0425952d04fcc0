//! End to end: what minik keeps with a cluster. A create killed outright (SIGKILL: no cleanup
//! possible) leaves a cluster that `get clusters` calls incomplete, that `create` refuses with a
//! pointer to `delete`, and that `delete` removes. A cluster made from a config keeps that config,
//! and `node add` gives a new worker what the config gave workers: labels (read back with the
//! real kubectl) and an extra mount (read back from the engine and from the node's own files).

use crate::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{create, docker, image, kubectl, leftovers, minik, text, TestCluster};

#[test]
fn a_killed_create_shows_as_incomplete_until_deleted() {
    let tc = TestCluster::new("killed");
    let (name, env) = (tc.name.clone(), tc.env());
    let child = Command::new(env!("CARGO_BIN_EXE_minik"))
        .args([
            "create",
            "--name",
            &name,
            "--wait",
            "0",
            "--image",
            &image(),
        ])
        .envs(env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once its node runs (and long before the create could have finished): a
    // container whose create call is cut off may be rolled back by the engine.
    let deadline = Instant::now() + Duration::from_secs(60);
    let running = || {
        let o = docker(&[
            "ps",
            "-q",
            "--filter",
            &format!("label=io.minik.cluster={name}"),
            "--filter",
            "status=running",
        ]);
        !o.stdout.is_empty()
    };
    while !running() {
        assert!(Instant::now() < deadline, "no container appeared");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let sent = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), None, "killed by a signal");

    let o = minik(&["get", "clusters"], &env);
    assert!(o.status.success(), "{}", text(&o));
    let row = String::from_utf8_lossy(&o.stdout)
        .lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .map(String::from)
        .unwrap_or_default();
    assert!(row.contains("incomplete"), "{}", text(&o));

    let o = create(&name, &[], &env);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("did not finish"), "{}", text(&o));
    assert!(
        err.contains(&format!("minik delete --name {name}")),
        "{}",
        text(&o)
    );

    let o = minik(&["delete", "--name", &name], &env);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(leftovers(&name), "");
}

#[test]
fn node_add_gives_a_worker_what_the_config_gave_workers() {
    let tc = TestCluster::new("stored");
    let (name, kubeconfig, env) = (tc.name.clone(), tc.kubeconfig.clone(), tc.env());
    let shared = tc.home().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("hello.txt"), "from the host\n").unwrap();
    let config = tc.home().join("cluster.yaml");
    std::fs::write(
        &config,
        format!(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n\
             - role: worker\n  labels:\n    tier: web\n    example.com/pool: blue\n  \
             extraMounts:\n  - hostPath: {}\n    containerPath: /shared\n    readOnly: true\n",
            shared.display()
        ),
    )
    .unwrap();
    let o = create(
        &name,
        &["--config", config.to_str().unwrap(), "--wait", "60s"],
        &env,
    );
    assert!(o.status.success(), "create: {}", text(&o));

    let o = minik(&["get", "cluster-config", "--name", &name], &env);
    assert!(o.status.success(), "{}", text(&o));
    let stored = String::from_utf8_lossy(&o.stdout);
    assert!(
        stored.contains("tier: web") && stored.contains("/shared"),
        "{stored}"
    );

    let o = minik(&["node", "add", "--name", &name, "--wait", "60s"], &env);
    assert!(o.status.success(), "node add: {}", text(&o));
    let new = format!("{name}-worker2");

    let o = kubectl(
        &kubeconfig,
        &["get", "node", &new, "-o", "jsonpath={.metadata.labels}"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let labels = String::from_utf8_lossy(&o.stdout);
    assert!(labels.contains("\"tier\":\"web\""), "{labels}");
    assert!(labels.contains("\"example.com/pool\":\"blue\""), "{labels}");

    let o = docker(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{if eq .Destination \"/shared\"}}{{.Source}} {{.RW}}{{end}}{{end}}",
        &new,
    ]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("{} false", shared.display()),
        "{}",
        text(&o)
    );
    let o = docker(&["exec", &new, "cat", "/shared/hello.txt"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "from the host\n");

    let o = minik(&["delete", "--name", &name], &env);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(leftovers(&name), "");
}
