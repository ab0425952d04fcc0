//! Thawing frozen cgroups inside a node before it is stopped or removed.
//!
//! runc freezes a container's cgroup during some operations (cgroup v1 freezer). When a node is
//! stopped or killed while runc inside it is mid-way, a nested cgroup can stay FROZEN. Frozen
//! tasks ignore SIGKILL on cgroup v1, so the node's PID namespace never empties: `docker stop`
//! and `docker rm -f` fail with "tried to kill container, but did not receive an exit event"
//! and the container would be leaked (runc issue #2105). Thawing those cgroups lets the pending
//! kill finish.
//!
//! Two ways in, both through the engine API so they work on remote engines too:
//! - [`inside`]: an exec in the running node, through the node's own cgroup mounts. Cheap, and
//!   done before every stop and remove.
//! - [`from_host`]: once the node is dying, execs fail; a short-lived helper container (the
//!   node's own image) sees the engine host's /sys/fs/cgroup and thaws the cgroups below the
//!   node's. Only run when a stop or remove failed.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig, HostConfigCgroupnsModeEnum};
use bollard::query_parameters::{RemoveContainerOptions, WaitContainerOptions};
use futures_util::StreamExt;

use super::DockerProvider;
use crate::provider::{ExecInput, Provider};

/// How long each way may take; the stop or remove that follows reports what is left. The exec
/// runs before every stop and remove (cleanup after Ctrl-C included), so it gets less.
const INSIDE_TIMEOUT: Duration = Duration::from_secs(10);
const HOST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the helper sees the engine host's cgroup hierarchies.
const HOST_CGROUP: &str = "/host-cgroup";

/// A shell function writing "thawed" to every frozen cgroup under its arguments (v1
/// `freezer.state`, v2 `cgroup.freeze`), printing each one it thawed. Parents come before
/// their children in `find`'s order, which v1 needs: a child of a frozen parent reads FROZEN.
const THAW_FN: &str = r#"thaw() {
  find "$@" \( -name freezer.state -o -name cgroup.freeze \) 2>/dev/null | while read -r f; do
    case "$(cat "$f" 2>/dev/null)" in
      FROZEN|FREEZING) echo THAWED > "$f" && echo "$f" ;;
      1) echo 0 > "$f" && echo "$f" ;;
    esac
  done
}"#;

/// Inside a node: its cgroup namespace's root is the node's own cgroup.
fn inside_script() -> String {
    format!(
        "{THAW_FN}\nif [ -d /sys/fs/cgroup/freezer ]; then thaw /sys/fs/cgroup/freezer \
         /sys/fs/cgroup/unified; else thaw /sys/fs/cgroup; fi"
    )
}

/// In the helper: the node's cgroups are the directories named after its container ID
/// (`docker/<id>` with cgroupfs, `system.slice/docker-<id>.scope` with systemd).
fn host_script() -> String {
    format!(
        "{THAW_FN}\nh={HOST_CGROUP}\nif [ -d $h/freezer ]; then bases=\"$h/freezer $h/unified\"; \
         else bases=$h; fi\nfind $bases -maxdepth 4 -type d -name \"*$NODE_ID*\" 2>/dev/null \
         | while read -r d; do thaw \"$d\"; done"
    )
}

/// Thaw a running node's frozen cgroups with an exec. Best effort: a node that is not running
/// (or has no shell) has nothing to thaw this way. Returns the cgroups thawed.
pub(super) async fn inside(p: &DockerProvider, node: &str) -> usize {
    let cmd = ["sh".to_string(), "-c".to_string(), inside_script()];
    match tokio::time::timeout(INSIDE_TIMEOUT, p.exec(node, &cmd, ExecInput::None)).await {
        Ok(Ok(out)) if out.exit_code == 0 => count_lines(&out.stdout_text()),
        _ => 0,
    }
}

/// Thaw a node's frozen cgroups from the engine's host, with a helper container. Best effort:
/// returns whether the helper ran to the end.
pub(super) async fn from_host(p: &DockerProvider, node: &str) -> bool {
    tokio::time::timeout(HOST_TIMEOUT, run_helper(p, node))
        .await
        .unwrap_or(false)
}

async fn run_helper(p: &DockerProvider, node: &str) -> bool {
    let docker = p.client();
    let Ok(inspected) = docker.inspect_container(node, None).await else {
        return false;
    };
    let (Some(id), Some(image)) = (inspected.id, inspected.image) else {
        return false;
    };
    let body = ContainerCreateBody {
        // The image ID: the node runs it, so it is present even if its tag was removed.
        image: Some(image),
        entrypoint: Some(vec!["sh".into(), "-c".into(), host_script()]),
        cmd: Some(vec![]),
        env: Some(vec![format!("NODE_ID={id}")]),
        // Not the cluster label: cluster listings must never see the helper.
        labels: Some(HashMap::from([(
            "io.minik.thaw".to_string(),
            node.to_string(),
        )])),
        host_config: Some(HostConfig {
            binds: Some(vec![format!("/sys/fs/cgroup:{HOST_CGROUP}")]),
            cgroupns_mode: Some(HostConfigCgroupnsModeEnum::HOST),
            network_mode: Some("none".into()),
            // The engine removes it when it exits, even if minik is gone by then.
            auto_remove: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    };
    let Ok(created) = docker.create_container(None, body).await else {
        return false;
    };
    let ran = match docker.start_container(&created.id, None).await {
        Ok(()) => {
            let opts = WaitContainerOptions {
                condition: "removed".into(),
            };
            let mut wait = docker.wait_container(&created.id, Some(opts));
            // Ends with the exit (an error for a non-zero code) or a 404 when it was removed
            // before we asked: either way it has finished.
            while wait.next().await.is_some() {}
            true
        }
        Err(_) => false,
    };
    let opts = RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    let _ = docker.remove_container(&created.id, Some(opts)).await;
    ran
}

fn count_lines(text: &str) -> usize {
    text.lines().filter(|l| !l.trim().is_empty()).count()
}

/// The engine's words when a killed container's processes did not exit (frozen ones cannot).
pub(super) fn did_not_exit(message: &str) -> bool {
    message.contains("did not receive an exit event")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_define_thaw_before_using_it() {
        for s in [inside_script(), host_script()] {
            assert!(s.starts_with("thaw() {"), "{s}");
            assert!(s.contains("echo THAWED > \"$f\""), "{s}");
        }
        assert!(host_script().contains("-name \"*$NODE_ID*\""));
    }

    #[test]
    fn recognises_the_engines_stuck_kill() {
        assert!(did_not_exit(
            "Could not kill running container abc, cannot remove - tried to kill container, \
             but did not receive an exit event"
        ));
        assert!(!did_not_exit("No such container: abc"));
    }
}
