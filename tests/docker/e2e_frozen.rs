//! End to end on the real Docker engine: nodes holding a frozen cgroup (what runc leaves when a
//! node is stopped while it is creating a container) can still be stopped and deleted. On a
//! cgroup v1 host frozen tasks ignore SIGKILL, so without minik thawing them `docker stop` and
//! `docker rm -f` fail ("did not receive an exit event") and the nodes are leaked.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{create, docker, leftovers, text, TestCluster};

/// Inside a node: move a `sleep` into a new child cgroup and freeze it (v1 freezer, or v2's
/// cgroup.freeze), then print the cgroup's state.
const FREEZE: &str = r#"
if [ -d /sys/fs/cgroup/freezer ]; then
  d=/sys/fs/cgroup/freezer/e2e-frozen; f=$d/freezer.state; v=FROZEN
else
  d=/sys/fs/cgroup/e2e-frozen; f=$d/cgroup.freeze; v=1
fi
mkdir -p $d
setsid sleep 100000 </dev/null >/dev/null 2>&1 &
echo $! > $d/cgroup.procs
echo $v > $f
sleep 0.2
cat $f
"#;

fn freeze(node: &str) {
    let o = docker(&["exec", node, "sh", "-c", FREEZE]);
    let state = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(
        o.status.success() && (state == "FROZEN" || state == "1"),
        "freezing a cgroup in {node}: {}",
        text(&o)
    );
}

/// Thaws, from this (the engine's) host, whatever a failed test leaves frozen, so that the
/// fixture's `docker rm -f` can remove the nodes. Dropped before the fixture.
struct ThawOnHost(Vec<String>);

impl Drop for ThawOnHost {
    fn drop(&mut self) {
        for node in &self.0 {
            let o = docker(&["inspect", "-f", "{{.Id}}", node]);
            let id = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if !o.status.success() || id.is_empty() {
                continue;
            }
            let script = format!(
                "find /sys/fs/cgroup/freezer -path '*{id}*' -name freezer.state | \
                 while read -r f; do echo THAWED > \"$f\"; done"
            );
            let _ = Command::new("sh").args(["-c", &script]).output();
        }
    }
}

fn states(cluster: &str) -> String {
    let o = docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("label=io.minik.cluster={cluster}"),
        "--format",
        "{{.Names}} {{.State}}",
    ]);
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn stop_and_delete_nodes_holding_frozen_cgroups() {
    let tc = TestCluster::new("e2efrozen");
    let c = tc.name.clone();
    let (cp, worker) = (format!("{c}-control-plane"), format!("{c}-worker"));
    let _thaw = ThawOnHost(vec![cp.clone(), worker.clone()]);
    let o = create(&c, &["--nodes", "2"], &tc.env());
    assert!(o.status.success(), "create: {}", text(&o));

    // Stop: each running node holds a frozen cgroup.
    freeze(&cp);
    freeze(&worker);
    let t = Instant::now();
    let o = tc.minik(&["stop", "--name", &c]);
    let stop_took = t.elapsed();
    assert!(o.status.success(), "stop: {}", text(&o));
    assert!(
        !states(&c).contains("running"),
        "nodes still running after stop: {}",
        states(&c)
    );
    let o = tc.minik(&["start", "--name", &c]);
    assert!(o.status.success(), "start: {}", text(&o));

    // Delete: the control plane runs with a frozen cgroup; the worker was killed with one, so
    // it is stuck dying (no exec gets in any more) as after an interrupted stop.
    freeze(&cp);
    freeze(&worker);
    let _ = docker(&["exec", &worker, "systemctl", "poweroff", "-ff"]);
    std::thread::sleep(Duration::from_millis(500));
    let o = docker(&["exec", &worker, "true"]);
    assert!(!o.status.success(), "the worker still runs: {}", text(&o));

    let t = Instant::now();
    let o = tc.minik(&["delete", "--name", &c]);
    let delete_took = t.elapsed();
    assert!(o.status.success(), "delete: {}", text(&o));
    assert_eq!(leftovers(&c), "", "containers leaked by delete");
    // The engine waits 10 s for a killed container before giving up; one such wait, then a
    // thaw from the host, must be all it takes.
    assert!(
        delete_took < Duration::from_secs(40),
        "delete took {delete_took:?}"
    );
    for node in [&cp, &worker] {
        let o = docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=io.minik.thaw={node}"),
        ]);
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            "",
            "thaw helper of {node} left behind"
        );
    }
    eprintln!("stop took {stop_took:?}, delete took {delete_took:?}");
}
