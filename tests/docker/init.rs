//! `minik init` through a real pseudo-terminal (expectrl): a person pressing Enter at every
//! question gets a config `minik create` accepts, and with the last Enter, a running cluster.
//! Without a terminal it asks nothing and says which flags do the same.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession as Session;
use expectrl::{Eof, Expect};

use crate::common::{self, text, TestCluster};

/// The questions, in order, as their prompts start.
const QUESTIONS: [&str; 7] = [
    "Cluster name",
    "Nodes in all",
    "Control planes among them",
    "Kubernetes version",
    "Ports to publish",
    "A folder to mount",
    "Write the config to",
];

fn init_in_pty(fixture: &TestCluster, dir: &Path, args: &[&str]) -> Session {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minik"));
    cmd.arg("init")
        .args(args)
        .current_dir(dir)
        .env("MINIK_CLUSTER_NAME", &fixture.name)
        .env("TERM", "xterm")
        .env_remove("CI");
    for (k, v) in fixture.env() {
        cmd.env(k, v);
    }
    let mut session = Session::spawn(cmd).expect("spawn minik init in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session
}

/// Waits for each question and presses Enter.
fn enter_through(session: &mut Session, questions: &[&str]) {
    for q in questions {
        session
            .expect(*q)
            .unwrap_or_else(|e| panic!("no question {q:?}: {e}"));
        session.send("\r").expect("press Enter");
    }
}

fn exit_code(session: &Session) -> i32 {
    match session.get_process().wait() {
        Ok(WaitStatus::Exited(_, code)) => code,
        other => panic!("minik init did not exit normally: {other:?}"),
    }
}

#[test]
fn enter_through_every_question_writes_a_config_create_accepts() {
    let fixture = TestCluster::new("init-file");
    let dir = tempfile::tempdir().unwrap();
    let mut s = init_in_pty(&fixture, dir.path(), &["--no-create"]);
    s.expect("Checking this machine first")
        .expect("doctor first");
    s.expect("Engine reachable").expect("the doctor's rows");
    enter_through(&mut s, &QUESTIONS);
    s.expect("Wrote minik.yaml").expect("file written");
    s.expect(Eof).expect("init ends");
    assert_eq!(exit_code(&s), 0);

    let file = dir.path().join("minik.yaml");
    let loaded = minik::api::config::LoadedConfig::read(&file).expect("readable");
    loaded.validate().unwrap_or_else(|e| panic!("{e}"));
    let c = loaded.config;
    assert_eq!(
        c.name, fixture.name,
        "the name's default is $MINIK_CLUSTER_NAME"
    );
    // This machine's 2 CPUs hold 2 nodes without a doctor warning.
    assert_eq!((c.nodes.len(), c.control_planes()), (2, 1));
    let ports: Vec<u16> = c.nodes[0]
        .extra_port_mappings
        .iter()
        .map(|p| p.container_port)
        .collect();
    assert_eq!(ports, [80, 443]);
    assert!(
        c.nodes[0].image.is_some(),
        "a node image found here is the default"
    );
    assert!(c.nodes.iter().all(|n| n.extra_mounts.is_empty()));
}

#[test]
fn the_last_enter_creates_the_cluster() {
    let fixture = TestCluster::new("init-make");
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("labs");
    std::fs::create_dir(&shared).unwrap();
    // The node image and the folder come as flags; everything else is Enter.
    let mut s = init_in_pty(
        &fixture,
        dir.path(),
        &[
            "--image",
            &common::TEST_IMAGE,
            "--mount",
            "labs",
            "--no-ports",
        ],
    );
    s.set_expect_timeout(Some(Duration::from_secs(600)));
    enter_through(&mut s, &["Cluster name", "Nodes in all", "Control planes"]);
    enter_through(&mut s, &["Write the config to", "Create the cluster now?"]);
    // The config names the image for every node: that one is said, not the default (#19).
    s.expect(format!("Using node image {}", *common::TEST_IMAGE).as_str())
        .expect("create names the image the nodes run");
    s.expect(format!("Cluster {:?} is ready", fixture.name).as_str())
        .expect("the cluster is made");
    s.expect(Eof).expect("init ends");
    assert_eq!(exit_code(&s), 0);

    let o = fixture.minik(&["get", "nodes", "--name", &fixture.name]);
    assert!(o.status.success(), "{}", text(&o));
    let nodes = String::from_utf8_lossy(&o.stdout);
    assert_eq!(nodes.matches(&fixture.name).count(), 2, "{nodes}");
    let o = common::docker(&[
        "exec",
        &format!("{}-control-plane", fixture.name),
        "test",
        "-d",
        "/shared",
    ]);
    assert!(o.status.success(), "the folder is mounted: {}", text(&o));
}

#[test]
fn without_a_terminal_it_asks_nothing_and_names_the_flags() {
    let fixture = TestCluster::new("init-pipe");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lab.yaml");
    let o = common::minik(
        &[
            "init",
            "--name",
            &fixture.name,
            "--nodes",
            "3",
            "-o",
            out.to_str().unwrap(),
        ],
        &fixture.env(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("No terminal, so no questions"), "{err}");
    assert!(
        err.contains(&format!(
            "minik init --name {} --nodes 3 --control-planes 1",
            fixture.name
        )),
        "{err}"
    );
    assert!(err.contains("--no-create"), "{err}");
    let loaded = minik::api::config::LoadedConfig::read(&out).expect("written");
    assert_eq!(loaded.config.nodes.len(), 3);
    // A second run never overwrites it silently: bad input, exit 2.
    let o = common::minik(&["init", "-o", out.to_str().unwrap()], &fixture.env());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
