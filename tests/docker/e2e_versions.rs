//! Kubernetes versions on the real engine, with no registry: a pinned version names kind's
//! image with its digest before the engine is asked for it (here the pull then fails, and
//! nothing is left); a version minik pins no image of is bad input, refused before anything.

use crate::common;

use common::*;

#[test]
fn a_pinned_version_names_its_digest_before_the_pull() {
    let tc = TestCluster::new("ver");
    let o = tc.minik(&[
        "create",
        "--name",
        &tc.name,
        "--kubernetes-version",
        "v1.37.0",
    ]);
    let out = text(&o);
    let named = out
        .find("Using node image kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5")
        .unwrap_or_else(|| panic!("the pinned reference is not printed: {out}"));
    let pulled = out.find("Ensuring node image").unwrap_or(usize::MAX);
    assert!(named < pulled, "named after the engine was asked: {out}");
    if o.status.success() {
        // an engine that reaches Docker Hub pulled the pinned image and made the cluster
        // (the fixture deletes it)
        return;
    }
    // No registry here: the pull fails, and create leaves nothing behind.
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("pulling it failed"), "{out}");
    let left = docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=io.minik.cluster={}", tc.name),
    ]);
    assert_eq!(String::from_utf8_lossy(&left.stdout).trim(), "", "{out}");
}

#[test]
fn an_unpinned_version_is_bad_input_naming_what_exists() {
    let tc = TestCluster::new("ver");
    let o = tc.minik(&[
        "create",
        "--name",
        &tc.name,
        "--kubernetes-version",
        "v1.36.1",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("error: minik knows no pinned image of v1.36.1; for 1.36 it has v1.36.4"),
        "{out}"
    );
    // The hint is wrapped at 80 columns: read with line breaks as spaces.
    assert!(
        squashed(&out).contains("minik build node-image --kubernetes-version v1.36.1"),
        "{out}"
    );
    assert!(!out.contains("Creating cluster"), "{out}");
}
