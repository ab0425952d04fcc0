//! Bundles and CPU architectures on the real engine (amd64 here): a bundle whose node image is
//! linux/arm64 is refused by `bundle load` naming both architectures, with nothing loaded; a
//! two-platform bundle (`--platform linux/amd64,linux/arm64`, the arm64 image by its own tag)
//! loads only the amd64 image. The images are tiny FROM-scratch builds: the classic builder
//! makes an arm64 one on an amd64 engine without running anything (`docker build --platform`),
//! and its config says linux/arm64 exactly as a real arm64 node image's does.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{docker, text, unique};

/// Removes the test's images whatever happens.
struct RemoveImages(Vec<String>);

impl Drop for RemoveImages {
    fn drop(&mut self) {
        let _ = Command::new("docker").arg("rmi").args(&self.0).output();
    }
}

/// `docker build --platform P -t TAG` of a FROM-scratch image with a file of its own (an image
/// of labels only takes the engine's platform, whatever --platform says).
fn build(tag: &str, platform: &str) {
    let context = tempfile::tempdir().unwrap();
    std::fs::write(context.path().join("id"), tag).unwrap();
    std::fs::write(
        context.path().join("Dockerfile"),
        "FROM scratch\nCOPY id /id\n",
    )
    .unwrap();
    let o = Command::new("docker")
        .args(["build", "-q", "--platform", platform, "-t", tag])
        .arg(context.path())
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .expect("docker build");
    assert!(o.status.success(), "docker build {tag}: {}", text(&o));
    let inspect = docker(&["image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", tag]);
    assert_eq!(String::from_utf8_lossy(&inspect.stdout).trim(), platform);
}

fn present(image: &str) -> bool {
    docker(&["image", "inspect", image]).status.success()
}

fn remove(image: &str) {
    let o = docker(&["rmi", image]);
    assert!(o.status.success(), "docker rmi {image}: {}", text(&o));
}

/// The bundle's manifest, read as any tar reader would.
fn manifest(file: &Path) -> serde_json::Value {
    let o = Command::new("tar")
        .arg("-xOf")
        .arg(file)
        .arg("manifest.json")
        .output()
        .unwrap();
    assert!(o.status.success(), "tar: {}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn minik(home: &Path, args: &[&str]) -> std::process::Output {
    let home = home.to_str().unwrap();
    common::minik(
        args,
        &[("HOME", home), ("KUBECONFIG", &format!("{home}/config"))],
    )
}

#[test]
fn an_arm64_bundle_is_refused_here_naming_both_and_loads_nothing() {
    let home = tempfile::tempdir().unwrap();
    let node = format!("minik-test/{}:v1", unique("arch-arm"));
    let _cleanup = RemoveImages(vec![node.clone()]);
    build(&node, "linux/arm64");
    let file = home.path().join("arm.minik");
    let o = minik(
        home.path(),
        &[
            "bundle",
            "create",
            "-o",
            file.to_str().unwrap(),
            "--node-image",
            &node,
        ],
    );
    assert!(o.status.success(), "bundle create: {}", text(&o));
    assert!(
        text(&o).contains("single-architecture: linux/arm64 only"),
        "{}",
        text(&o)
    );
    assert_eq!(manifest(&file)["parts"][0]["platform"], "linux/arm64");
    remove(&node);

    // The doctor sees it before the room does: FAIL, naming both.
    let o = minik(
        home.path(),
        &[
            "doctor",
            "--workshop",
            "--nodes",
            "2",
            "--bundle",
            file.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "bundle-arch")
        .cloned()
        .unwrap();
    assert_eq!(row["status"], "fail", "{row}");
    assert!(
        row["found"].as_str().unwrap().contains("linux/amd64"),
        "{row}"
    );

    let o = minik(home.path(), &["bundle", "load", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("linux/arm64") && out.contains("linux/amd64"),
        "the refusal names both architectures: {out}"
    );
    assert!(out.contains("nothing was loaded"), "{out}");
    assert!(!present(&node), "the refused bundle loaded {node}");
}

#[test]
fn a_two_platform_bundle_loads_only_this_engines_part() {
    let home = tempfile::tempdir().unwrap();
    let node = format!("minik-test/{}:v1", unique("arch-two"));
    let arm = format!("{node}-arm64");
    let _cleanup = RemoveImages(vec![node.clone(), arm.clone()]);
    build(&node, "linux/amd64");
    build(&arm, "linux/arm64");
    let file = home.path().join("two.minik");
    let o = minik(
        home.path(),
        &[
            "bundle",
            "create",
            "-o",
            file.to_str().unwrap(),
            "--node-image",
            &node,
            "--platform",
            "linux/amd64,linux/arm64",
        ],
    );
    assert!(o.status.success(), "bundle create: {}", text(&o));
    assert!(
        text(&o).contains("linux/amd64 and linux/arm64"),
        "{}",
        text(&o)
    );
    let m = manifest(&file);
    let parts: Vec<(String, String, serde_json::Value)> = m["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "node-image")
        .map(|p| {
            (
                p["platform"].as_str().unwrap().to_string(),
                p["images"][0].as_str().unwrap().to_string(),
                p["load_as"].clone(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        vec![
            ("linux/amd64".into(), node.clone(), serde_json::Value::Null),
            ("linux/arm64".into(), arm.clone(), serde_json::json!([node])),
        ]
    );
    remove(&node);
    remove(&arm);

    let o = minik(home.path(), &["bundle", "load", file.to_str().unwrap()]);
    assert!(o.status.success(), "bundle load: {}", text(&o));
    assert!(present(&node), "the amd64 node image was not loaded");
    assert!(
        !present(&arm),
        "the arm64 part was loaded on an amd64 engine"
    );
}
