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
        // Wrapped at 80 columns: read with line breaks as spaces.
        let all = crate::common::squashed(&format!(
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ));
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

#[test]
fn the_workshop_screen_passes_here_and_fails_on_a_taken_port() {
    let o = minik(
        &[
            "doctor",
            "--workshop",
            "--nodes",
            "2",
            "-o",
            "json",
            "--port",
            "127.0.0.1:0",
        ],
        &[],
    );
    // Port 0 is refused as input before anything runs.
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    let o = minik(&["doctor", "--workshop", "--nodes", "2", "-o", "json"], &[]);
    assert!(o.status.success(), "this machine is ready: {}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["ready"], true, "{report}");
    assert_eq!(report["plan"]["nodes"], 2);
    assert_eq!(report["plan"]["ports"][0]["port"], 80);
    assert_eq!(report["machine"]["runtime"], "Docker Engine (Linux)");
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in [
        "engine", "cpus", "memory", "disk", "ports", "inotify", "proxy", "vpn-dns",
    ] {
        assert!(ids.contains(&id), "{id} missing: {ids:?}");
    }
    let disk = &report["checks"][ids.iter().position(|i| *i == "disk").unwrap()];
    assert!(
        disk["found"].as_str().unwrap().contains("GiB free at /"),
        "{disk}"
    );

    // Something listens on the planned port: FAIL, NOT READY, exit 1.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let o = minik(
        &["doctor", "--workshop", "--nodes", "1", "--port", &port],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let screen = String::from_utf8_lossy(&o.stdout);
    assert!(
        screen.lines().any(|l| l.starts_with("FAIL  Ports")
            && l.contains(&format!("127.0.0.1:{port} already in use"))),
        "{screen}"
    );
    assert!(screen.contains("NOT READY"), "{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.trim_start().starts_with("fix: stop what listens there")),
        "{screen}"
    );
}

#[test]
fn no_engine_is_not_ready_with_the_reason_in_json() {
    let o = minik(
        &["doctor", "--workshop", "-o", "json"],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["ready"], false);
    assert_eq!(report["machine"]["runtime"], "unreachable");
    assert_eq!(report["checks"][0]["id"], "engine");
    assert_eq!(report["checks"][0]["status"], "fail");
    assert!(report["checks"][0]["fix"]
        .as_str()
        .is_some_and(|f| !f.is_empty()));
}

#[test]
fn the_workshop_report_file_is_the_json_report_in_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("me.json");
    let o = minik(
        &[
            "doctor",
            "--workshop",
            "--nodes",
            "2",
            "--report",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    // The screen still goes to the terminal; the file is the JSON report, UTF-8 with no BOM.
    assert!(String::from_utf8_lossy(&o.stdout).contains("READY"));
    let bytes = std::fs::read(&file).unwrap();
    assert!(!bytes.starts_with(&[0xef, 0xbb, 0xbf]) && !bytes.starts_with(&[0xff, 0xfe]));
    let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(report["ready"], true, "{report}");
    assert_eq!(report["plan"]["nodes"], 2);
    // Without --workshop there is no report to write: bad input.
    let o = minik(&["doctor", "--report", file.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn the_attendees_own_cluster_owns_its_ports_and_stays_ready() {
    let c = common::cluster::TestCluster::new("doctor-own");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = c.home().join("workshop.yaml");
    std::fs::write(
        &config,
        format!(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  \
             extraPortMappings:\n  - containerPort: 80\n    hostPort: {port}\n    \
             listenAddress: 127.0.0.1\n"
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let made = c.minik(&[
        "create",
        "--name",
        &c.name,
        "--image",
        &common::TEST_IMAGE,
        "--config",
        config,
        "-q",
    ]);
    assert!(made.status.success(), "{}", text(&made));
    // Mid-exercise: the port is the attendee's own cluster's, not a reason for NOT READY.
    let o = c.minik(&["doctor", "--workshop", "--config", config, "-o", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ports = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ports")
        .cloned()
        .unwrap();
    assert_eq!(ports["status"], "ok", "{ports}");
    let found = ports["found"].as_str().unwrap();
    assert!(
        found.contains(&format!("held by your minik cluster `{}`", c.name))
            && found.contains(&format!("minik delete --name {}", c.name)),
        "{found}"
    );
    let kubectl = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "kubectl");
    assert!(kubectl, "{report}");
}

/// A normal user's bind below 1024 fails with "permission denied" whether or not the port is
/// taken (Linux: ip_unprivileged_port_start). Root without CAP_NET_BIND_SERVICE is refused the
/// same way, so `capsh --drop` stands for the attendee; the listener is a real one.
#[test]
fn a_taken_port_below_1024_is_seen_without_the_right_to_bind_it() {
    if std::process::Command::new("capsh")
        .arg("--help")
        .output()
        .is_err()
    {
        eprintln!("skipped: no capsh here");
        return;
    }
    let Some(taken) = (900..1000).find_map(|p| std::net::TcpListener::bind(("127.0.0.1", p)).ok())
    else {
        panic!("no free port in 900..1000");
    };
    let port = taken.local_addr().unwrap().port();
    let run = format!(
        "{} doctor --workshop --nodes 1 --port {port}",
        env!("CARGO_BIN_EXE_minik")
    );
    let o = std::process::Command::new("capsh")
        .args(["--drop=cap_net_bind_service", "--", "-c", &run])
        .env("CI", "true")
        .env_remove("SUDO_USER")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        screen.contains(&format!(
            "FAIL  Ports             127.0.0.1:{port} already in use"
        )),
        "{screen}"
    );
    drop(taken);
}
