//! Issue #21 (review L6): an ssh:// engine's `ssh` children run in their own process groups, out
//! of the terminal's Ctrl-C, so minik must end them itself. A TEST DOUBLE `ssh` on PATH starts a
//! child of its own (as a ProxyCommand would) and hangs like a connection that never completes;
//! after SIGINT minik exits 130 and neither process is left.
#![cfg(target_os = "linux")]

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Alive, and not a zombie waiting for its parent.
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_ends_the_ssh_children_and_what_they_started() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let ssh = dir.path().join("ssh");
    std::fs::write(
        &ssh,
        format!(
            "#!/bin/sh\nsleep 300 &\necho \"$$ $!\" >> {}\nwait\n",
            pids.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let child = Command::new(env!("CARGO_BIN_EXE_minik"))
        .args(["get", "clusters", "-H", "ssh://root@box"])
        .env("PATH", path)
        .env("HOME", dir.path())
        .env("CI", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = || std::fs::read_to_string(&pids).unwrap_or_default();
    wait_until("the fake ssh never started", || !started().is_empty());
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");

    let all: Vec<u32> = started()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    let left = || {
        all.iter()
            .copied()
            .filter(|&p| running(p))
            .collect::<Vec<_>>()
    };
    let settled = Instant::now();
    while !left().is_empty() && settled.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let survivors = left();
    for p in &survivors {
        let _ = Command::new("kill").args(["-9", &p.to_string()]).status();
    }
    assert!(
        survivors.is_empty(),
        "left running: {survivors:?} of {all:?}"
    );
}
