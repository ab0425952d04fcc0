//! The config `minik init` writes, from flags alone and with no engine (the doctor's rows then
//! say why, and the file is still written): compared with the reviewed golden file
//! tests/golden/init/minik.yaml (`MINIK_UPDATE_GOLDEN=1` rewrites it), and read back by minik's
//! own config loader, as `minik create --config` reads it.

use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn flags_alone_write_the_golden_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("labs")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_minik"))
        .args([
            "init",
            "--name",
            "lab",
            "--nodes",
            "3",
            "--control-planes",
            "1",
            "--image",
            "minik/node:v1.36.1",
            "--port",
            "80",
            "--port",
            "8443:443",
            "--mount",
            "labs",
            "-o",
            "lab.yaml",
            "-H",
            "unix:///nonexistent/minik-test.sock",
        ])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run minik");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("Engine reachable"),
        "the doctor's failed row: {stderr}"
    );
    assert!(stderr.contains("Wrote lab.yaml"), "{stderr}");

    let file = dir.path().join("lab.yaml");
    let written = std::fs::read_to_string(&file).unwrap();
    let root = dir.path().to_str().unwrap();
    let portable = written.replace(root, "/TMP");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/init/minik.yaml");
    if std::env::var_os("MINIK_UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &portable).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).expect("golden file (MINIK_UPDATE_GOLDEN=1)");
    pretty_assertions::assert_eq!(portable, expected);

    let loaded = minik::api::config::LoadedConfig::read(&file).expect("readable");
    loaded.validate().unwrap_or_else(|e| panic!("{e}"));
    let c = loaded.config;
    assert_eq!(
        (c.name.as_str(), c.nodes.len(), c.control_planes()),
        ("lab", 3, 1)
    );
    assert_eq!(c.nodes[0].extra_port_mappings[1].host_port, 8443);
    assert_eq!(
        c.nodes[2].extra_mounts[0].host_path,
        dir.path().join("labs")
    );
}

/// The issue's case: an organiser runs `minik init --mount ./data -o x.yaml --no-create` and
/// hands out x.yaml with data/. On an attendee's laptop the files sit elsewhere; an absolute
/// hostPath (the organiser's folder) made `doctor --workshop --config` and `create --bundle`
/// stop with exit 2 there.
#[test]
fn flags_alone_write_a_mount_relative_to_the_config() {
    let room = tempfile::tempdir().unwrap();
    let organiser = room.path().join("organiser");
    std::fs::create_dir_all(organiser.join("data")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_minik"))
        .args(["init", "--mount", "./data", "-o", "x.yaml", "--no-create"])
        .args(["-H", "unix:///nonexistent/minik-test.sock"])
        .current_dir(&organiser)
        .env("HOME", &organiser)
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run minik");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = std::fs::read_to_string(organiser.join("x.yaml")).unwrap();
    assert!(written.contains(r#"hostPath: "./data""#), "{written}");

    let attendee = room.path().join("attendee");
    std::fs::rename(&organiser, &attendee).unwrap();
    let loaded =
        minik::api::config::LoadedConfig::read(&attendee.join("x.yaml")).expect("readable");
    loaded.validate().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        loaded.config.nodes[0].extra_mounts[0].host_path,
        attendee.join("data")
    );
}
