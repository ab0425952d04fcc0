//! Issue 21's hostile-bundle corpus: bundles forged to be self-consistent (every hash in the
//! manifest right), a wrong pin, an image archive naming an image its manifest does not list,
//! declared sizes that overflowed, and network fetches with no pin. Each is refused before a
//! byte reaches the engine, by the minik binary (the engine is a socket that does not exist, so
//! exit 3 would mean the input got through) or by the library against the fake engine
//! (tests/common/fake.rs, a TEST DOUBLE that records each upload and whether it was broken).
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sha2::{Digest, Sha256};

use minik::api::bundle::format::{
    self, Manifest, Part, PartKind, BLOCK, MANIFEST_NAME, MANIFEST_SLOT,
};
use minik::api::bundle::{self, Bundle, BundleDigest, Pin};
use minik::events::Events;

use crate::common::fake::{self, FakeEngine};

const NOWHERE: &str = "unix:///nonexistent/minik-test.sock";

/// The bytes of a bundle of `parts` (name, kind, data, images) whose manifest is right about
/// every part: what a forger (or a careless tool) writes. `edit` may change the manifest.
pub(crate) fn forge(
    parts: &[(&str, PartKind, Vec<u8>, &[&str])],
    edit: impl Fn(&mut Manifest),
) -> Vec<u8> {
    let mut manifest = Manifest {
        format: format::FORMAT,
        minik_version: "0.1.0".into(),
        kubernetes_version: None,
        parts: parts
            .iter()
            .map(|(name, kind, data, images)| Part {
                name: name.to_string(),
                kind: *kind,
                size: data.len() as u64,
                sha256: format::hex(&Sha256::digest(data)),
                images: images.iter().map(|s| s.to_string()).collect(),
                image_id: None,
                platform: None,
                load_as: vec![],
                compression: None,
                unpacked_size: None,
            })
            .collect(),
    };
    edit(&mut manifest);
    let mut file = Vec::new();
    file.extend_from_slice(&format::header(MANIFEST_NAME, MANIFEST_SLOT).unwrap());
    file.extend_from_slice(&manifest.to_slot().unwrap());
    for (name, _, data, _) in parts {
        file.extend_from_slice(&format::header(name, data.len() as u64).unwrap());
        file.extend_from_slice(data);
        file.resize(file.len().div_ceil(BLOCK as usize) * BLOCK as usize, 0);
    }
    file.resize(file.len() + 2 * BLOCK as usize, 0);
    file
}

/// A `docker save`-shaped archive whose manifest.json tags `tags`.
pub(crate) fn image_archive(tags: &[&str]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let manifest = serde_json::json!([{ "Config": "c.json", "RepoTags": tags, "Layers": [] }]);
    for (name, data) in [
        ("c.json", b"{}".to_vec()),
        ("manifest.json", manifest.to_string().into_bytes()),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    b.into_inner().unwrap()
}

fn one_image(tags: &[&str], listed: &'static [&'static str]) -> Vec<u8> {
    forge(
        &[(
            "images/01-node.tar",
            PartKind::NodeImage,
            image_archive(tags),
            listed,
        )],
        |_| {},
    )
}

/// A forged bundle of a node image (`image`) and a cluster config, `edit` applied to its
/// manifest.
fn node_and_config(image: &str, config: &str, edit: impl Fn(&mut Manifest)) -> Vec<u8> {
    forge(
        &[
            (
                "images/01-node.tar",
                PartKind::NodeImage,
                image_archive(&[image]),
                &[image],
            ),
            (
                "config.yaml",
                PartKind::Config,
                config.as_bytes().to_vec(),
                &[],
            ),
        ],
        edit,
    )
}

pub(crate) fn digest_of(file: &[u8]) -> BundleDigest {
    BundleDigest::of_slot(&file[BLOCK as usize..(BLOCK + MANIFEST_SLOT) as usize])
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The minik binary; `MINIK_BIN` runs the corpus against another build (an older release, to
/// see each refusal fail there).
fn minik(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let bin = std::env::var("MINIK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_minik").into());
    Command::new(bin)
        .args(args)
        .args(["-H", NOWHERE])
        .env("HOME", home.path())
        .env("CI", "true")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Without a pin a network fetch is refused as bad input, saying where the digest is, and
/// contacts neither the server nor the engine (nothing listens on port 9).
#[test]
fn a_network_fetch_without_a_pin_is_refused_and_says_where_the_digest_is() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.minik");
    let o = minik(&[
        "bundle",
        "fetch",
        "http://127.0.0.1:9",
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("without its digest"), "{err}");
    assert!(
        err.contains("organiser's screen") && err.contains("--sha256"),
        "{err}"
    );
    assert!(!out.exists());
    // A pin too short to mean anything is bad input too.
    let o = minik(&[
        "bundle",
        "fetch",
        "http://127.0.0.1:9",
        "--sha256",
        "abcd1234",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("at least 20"), "{}", stderr(&o));
}

/// A self-consistent forged bundle passes every part check; only the pin tells it from the
/// organiser's. With the wrong pin, `bundle load` and `create --bundle` refuse it before the
/// engine is contacted (exit 1, not the engine's exit 3); with its own digest it gets through.
#[test]
fn a_forged_bundle_is_refused_by_the_pin_before_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let genuine = one_image(&["shop/web:1"], &["shop/web:1"]);
    let forged = one_image(&["shop/web:2"], &["shop/web:2"]);
    let file = write(dir.path(), "room.minik", &forged);
    let pin = digest_of(&genuine).hex();
    let path = file.to_str().unwrap();
    for args in [
        vec!["bundle", "load", path, "--sha256", &pin],
        vec!["create", "--bundle", path, "--sha256", &pin[..24]],
    ] {
        let o = minik(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("is not the bundle you pinned"), "{err}");
        assert!(err.contains("organiser's screen"), "{err}");
    }
    // Its own digest gets it to the engine (which does not exist here: exit 3).
    let own = digest_of(&forged).grouped();
    let o = minik(&["bundle", "load", path, "--sha256", &own]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    // Without a pin a local file is loaded with a warning.
    let o = minik(&["bundle", "load", path]);
    assert!(
        stderr(&o).contains("not checked against a digest"),
        "{}",
        stderr(&o)
    );
}

/// Declared sizes that overflowed the layout (a panic in debug builds on today's main) and
/// config or lab parts too big to read into memory are refused as not a bundle.
#[test]
fn oversized_declared_sizes_are_refused_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    type Edit = Box<dyn Fn(&mut Manifest)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("max", Box::new(|m| m.parts[0].size = u64::MAX)),
        ("add", Box::new(|m| m.parts[0].size = u64::MAX - 1000)),
        (
            "config",
            Box::new(|m| {
                m.parts[1].size = 64 << 20;
            }),
        ),
        ("twice", Box::new(|m| m.parts.push(m.parts[0].clone()))),
    ];
    for (name, edit) in cases {
        let bytes = node_and_config("a:1", "kind: Cluster\n", edit);
        let file = write(dir.path(), &format!("{name}.minik"), &bytes);
        let o = minik(&["bundle", "load", file.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains("is not a minik bundle"), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

/// An archive that tags an image its manifest does not list (`victim:latest`) is refused in
/// the hold-back window: the engine's upload is broken off, so `docker load` tags nothing.
#[tokio::test]
async fn an_archive_naming_an_unlisted_image_never_completes_its_upload() {
    let dir = tempfile::tempdir().unwrap();
    let engine = FakeEngine::<Quiet> {
        images: Some(Default::default()),
        ..Default::default()
    };
    let cases = [
        (&["innocent:1", "victim:latest"][..], "victim:latest"),
        (&["other:2"][..], "other:2"),
        (&[][..], "does not carry"),
    ];
    for (i, (tags, want)) in cases.into_iter().enumerate() {
        let file = write(
            dir.path(),
            &format!("h{i}.minik"),
            &one_image(tags, &["innocent:1"]),
        );
        let opened = Bundle::open(&file).await.unwrap();
        let err = bundle::load_until(
            &engine,
            &opened,
            &Events::silent(),
            None,
            std::future::pending(),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
    }
    {
        let uploads = engine.uploads.lock().unwrap();
        assert_eq!(uploads.len(), 3);
        assert!(uploads.iter().all(|u| u.is_err()), "an upload completed");
    }
    // The archive tagging exactly the listed name loads.
    let file = write(
        dir.path(),
        "ok.minik",
        &one_image(&["innocent:1"], &["innocent:1"]),
    );
    let opened = Bundle::open(&file).await.unwrap();
    bundle::load_until(
        &engine,
        &opened,
        &Events::silent(),
        None,
        std::future::pending(),
    )
    .await
    .unwrap();
    assert!(engine.uploads.lock().unwrap().last().unwrap().is_ok());
}

/// A pin is the digest of the manifest slot: every spelling the screen shows works.
#[test]
fn pins_accept_what_the_screen_shows() {
    let d = digest_of(&one_image(&["a:1"], &["a:1"]));
    for typed in [
        d.hex(),
        d.grouped(),
        d.hex()[..20].to_string(),
        d.hex().to_uppercase(),
    ] {
        assert!(Pin::parse(&typed).unwrap().matches(&d), "{typed}");
    }
}

#[derive(Default)]
struct Quiet;

#[async_trait::async_trait]
impl fake::Script for Quiet {
    async fn exec(
        &self,
        _engine: &FakeEngine<Self>,
        _node: &str,
        _cmd: &[String],
        _stdin: minik::provider::ExecInput,
    ) -> minik::provider::Result<minik::provider::ExecOutput> {
        Ok(fake::ok(""))
    }
}

/// A bundle's config that mounts `/`, opens the API to the network and patches kubeadm is shown
/// and needs a yes: without a terminal, `create --bundle` refuses it (exit 2) unless `--yes`
/// is given; a plain config goes straight on (to the engine, which does not exist here).
#[test]
fn create_from_a_bundle_whose_config_reaches_the_host_needs_a_yes() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  \
                apiServerAddress: 0.0.0.0\nkubeadmConfigPatches:\n- |\n  kind: \
                ClusterConfiguration\n  apiServer:\n    extraArgs:\n      authorization-mode: \
                AlwaysAllow\nnodes:\n- role: control-plane\n  extraMounts:\n  - hostPath: /\n    \
                containerPath: /host\n";
    let plain = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: \
                 control-plane\n  extraPortMappings:\n  - containerPort: 80\n    hostPort: 18080\n";
    let bundle_of = |name: &str, config: &str| {
        let bytes = node_and_config("n:1", config, |_| {});
        write(dir.path(), name, &bytes)
    };
    let evil = bundle_of("evil.minik", evil);
    let o = minik(&["create", "--bundle", evil.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("refusing to create") && err.contains("--yes"),
        "{err}"
    );
    for shown in ["0.0.0.0", "1 kubeadm patch", "this machine's / at /host"] {
        assert!(err.contains(shown), "{shown}: {err}");
    }
    let o = minik(&["create", "--bundle", evil.to_str().unwrap(), "--yes"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    // A port mapping without listenAddress binds loopback in a bundle: nothing to ask.
    let plain = bundle_of("plain.minik", plain);
    let o = minik(&["create", "--bundle", plain.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(!stderr(&o).contains("does more than"), "{}", stderr(&o));
}

/// A bundle's config is read from the bundle itself, never from a copy elsewhere: its errors
/// name the bundle, and a relative `hostPath` means the bundle's folder (a copy in the system
/// temp folder made it mean that folder instead). Refused before the engine (exit 2).
#[test]
fn a_bundle_config_is_read_where_the_bundle_is() {
    let dir = tempfile::tempdir().unwrap();
    let config = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: \
                  control-plane\n  extraMounts:\n  - hostPath: data/in-bundle-folder\n    \
                  containerPath: /data\n";
    let bytes = node_and_config("n:1", config, |_| {});
    let bundle = write(dir.path(), "room.minik", &bytes);
    let o = minik(&["create", "--bundle", bundle.to_str().unwrap(), "--yes"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let meant = dir.path().join("data/in-bundle-folder");
    assert!(err.contains(&meant.display().to_string()), "{err}");
    assert!(err.contains("room.minik"), "{err}");
    assert!(!err.contains(".minik-bundle-config"), "{err}");
    // Nothing was written beside the bundle.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
