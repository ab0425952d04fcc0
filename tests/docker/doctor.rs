//! `minik doctor` against the real engine on this machine, and against no engine at all.

use crate::common;

use common::{minik, text};

#[test]
fn reports_this_machine_and_passes() {
    let o = minik(
        &["doctor", "-o", "json", "--image", &common::TEST_IMAGE],
        &[],
    );
    assert!(o.status.success(), "doctor failed here: {}", text(&o));
    let checks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = |id: &str| {
        checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} row"))
    };
    // This machine: a native Linux Docker Engine on a cgroup v1/hybrid host that refuses
    // privileged containers, where minik falls back to explicit capabilities.
    let engine = row("engine");
    assert_eq!(engine["status"], "ok");
    assert!(
        engine["found"]
            .as_str()
            .unwrap()
            .contains("Docker Engine (Linux)"),
        "{engine}"
    );
    let cgroup = row("cgroup")["found"].as_str().unwrap().to_string();
    assert!(
        cgroup.starts_with("hybrid") || cgroup.contains("v1"),
        "{cgroup}"
    );
    // Kubelets see this host as cgroup v1: doctor must not call it fine.
    assert_eq!(row("cgroup")["status"], "warn", "{}", row("cgroup"));
    let privileged = row("privileged");
    assert!(
        privileged["found"]
            .as_str()
            .unwrap()
            .contains("refuses --privileged"),
        "{privileged}"
    );
    assert!(
        privileged["why"].as_str().unwrap().contains("falls back"),
        "{privileged}"
    );
    assert!(
        checks
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] != "fail"),
        "{checks}"
    );

    let o = minik(&["doctor"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.lines().any(|l| l.starts_with("✓ Engine reachable")),
        "{table}"
    );
}

#[test]
fn an_unreachable_engine_is_explained() {
    for args in [&["doctor"][..], &["create", "--name", "nowhere"]] {
        let o = minik(args, &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")]);
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            all.contains("cannot reach the container engine at unix:///nonexistent/docker.sock"),
            "{all}"
        );
        // Where it looked, and what to do.
        assert!(all.contains("DOCKER_HOST"), "{all}");
        assert!(all.contains("fix:") || all.contains("hint:"), "{all}");
    }
    let o = minik(
        &["create", "--name", "nowhere"],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
}
