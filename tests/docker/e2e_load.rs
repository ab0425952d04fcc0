//! `minik load` end to end on the real engine: an image built locally (never pulled) goes into
//! every node of a 3-node cluster; loading again imports nothing; a new tag of the same image is
//! only tagged; a missing image fails clearly; an archive from `docker save` loads too.

use crate::common;

use std::process::Command;

use common::{create, docker, minik, text, TestCluster};

/// The references containerd in `node` holds in the k8s.io namespace.
fn node_images(node: &str) -> Vec<String> {
    let o = docker(&["exec", node, "ctr", "-n", "k8s.io", "images", "ls", "-q"]);
    assert!(o.status.success(), "ctr images ls on {node}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Removes the test's local images whatever happens.
struct RemoveImages(Vec<String>);

impl Drop for RemoveImages {
    fn drop(&mut self) {
        let mut args = vec!["rmi".to_string(), "-f".to_string()];
        args.extend(self.0.iter().cloned());
        let _ = Command::new("docker").args(&args).output();
    }
}

#[test]
#[allow(clippy::too_many_lines)] // one e2e scenario read as a story; splitting it into phases is owed (#20)
fn load_docker_image_and_archive_into_three_nodes() {
    let tc = TestCluster::new("e2eload");
    let (cluster, env) = (tc.name.clone(), tc.env());
    let repo = format!("minik.e2e/{cluster}");
    let v1 = format!("{repo}:v1");
    let v2 = format!("{repo}:v2");
    let other = format!("{repo}-archive:v1");
    let _images = RemoveImages(vec![v1.clone(), v2.clone(), other.clone()]);

    // Two tiny images built here from the local test busybox: no registry involved.
    let ctx = tempfile::tempdir().unwrap();
    for (tag, content) in [(&v1, "load test"), (&other, "archive test")] {
        std::fs::write(
            ctx.path().join("Dockerfile"),
            format!("FROM minik.test/busybox:1.0\nRUN echo '{content}' > /loaded\n"),
        )
        .unwrap();
        let o = docker(&["build", "-q", "-t", tag, ctx.path().to_str().unwrap()]);
        assert!(o.status.success(), "docker build: {}", text(&o));
    }

    let o = create(&cluster, &["--nodes", "3", "--wait", "0"], &env);
    assert!(o.status.success(), "create: {}", text(&o));
    let nodes = [
        format!("{cluster}-control-plane"),
        format!("{cluster}-worker"),
        format!("{cluster}-worker2"),
    ];

    // First load: imported on every node.
    let o = minik(&["load", "docker-image", &v1, "--name", &cluster], &env);
    let out = text(&o);
    assert!(o.status.success(), "load: {out}");
    for n in &nodes {
        assert!(
            out.contains(&format!("Imported {v1:?} on node {n:?}")),
            "{out}"
        );
        assert!(node_images(n).contains(&v1), "{n}: {out}");
    }

    // Again: every node already has it, nothing is streamed.
    let o = minik(&["load", "docker-image", &v1, "--name", &cluster], &env);
    let out = text(&o);
    assert!(o.status.success(), "second load: {out}");
    for n in &nodes {
        assert!(
            out.contains(&format!("is already present on node {n:?}")),
            "{out}"
        );
    }
    assert!(out.contains("Nothing to import"), "{out}");
    assert!(
        !out.contains("Streaming") && !out.contains("Imported"),
        "{out}"
    );

    // A new name for the same image: only the tag is added.
    let o = docker(&["tag", &v1, &v2]);
    assert!(o.status.success(), "docker tag: {}", text(&o));
    let o = minik(&["load", "docker-image", &v2, "--name", &cluster], &env);
    let out = text(&o);
    assert!(o.status.success(), "tag load: {out}");
    assert_eq!(out.matches("tagged it, no import").count(), 3, "{out}");
    assert!(
        !out.contains("Streaming") && !out.contains("Imported"),
        "{out}"
    );
    for n in &nodes {
        assert!(node_images(n).contains(&v2), "{n}: {out}");
    }

    // An image that does not exist: a clear first line, a non-zero exit.
    let missing = format!("{repo}:missing");
    let o = minik(
        &["load", "docker-image", &v1, &missing, "--name", &cluster],
        &env,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        stderr
            .lines()
            .any(|l| l == format!("error: image {missing:?} is not present locally")),
        "{stderr}"
    );
    assert!(
        stderr.contains("docker pull") && stderr.contains("docker build"),
        "{stderr}"
    );

    // An unknown node is named along with the valid ones.
    let o = minik(
        &[
            "load",
            "docker-image",
            &v1,
            "--name",
            &cluster,
            "--nodes",
            "nope",
        ],
        &env,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr.contains("unknown node \"nope\""), "{stderr}");
    assert!(stderr.contains(&nodes[1]), "{stderr}");

    // An archive from `docker save`, into one node only.
    let archive = ctx.path().join("other.tar");
    let o = docker(&["save", "-o", archive.to_str().unwrap(), &other]);
    assert!(o.status.success(), "docker save: {}", text(&o));
    let o = minik(
        &[
            "load",
            "image-archive",
            archive.to_str().unwrap(),
            "--name",
            &cluster,
            "--nodes",
            &nodes[2],
        ],
        &env,
    );
    let out = text(&o);
    assert!(o.status.success(), "archive load: {out}");
    assert!(node_images(&nodes[2]).contains(&other), "{out}");
    assert!(!node_images(&nodes[1]).contains(&other), "{out}");

    // A missing archive is refused before anything is streamed.
    let o = minik(
        &[
            "load",
            "image-archive",
            "/nonexistent/x.tar",
            "--name",
            &cluster,
        ],
        &env,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        stderr.contains("cannot read image archive /nonexistent/x.tar"),
        "{stderr}"
    );

    // A cluster that does not exist.
    let o = minik(
        &["load", "docker-image", &v1, "--name", "no-such-cluster-x"],
        &env,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no cluster named \"no-such-cluster-x\""),
        "{}",
        text(&o)
    );

    let o = minik(&["delete", "--name", &cluster], &env);
    assert!(o.status.success(), "delete: {}", text(&o));
}
