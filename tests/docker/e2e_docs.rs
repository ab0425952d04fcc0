//! docs/workshop.md is a test: the organiser's and the attendee's bash blocks marked
//! `<!-- docs-test: KIND -->` are read from the file (not copied here) and run on this machine
//! in order: `init` with every answer as a flag, `bundle create`, `bundle serve`, `bundle
//! fetch`, `create --bundle`, `get nodes` and `tour --list` without `--name` (they must act on
//! the bundle's `workshop` cluster), and the clean-up.
//!
//! What the test fills in, and why (each substitution must find its text exactly once):
//! - `$ORGANISER` and `$DIGEST`, as an attendee sets them from the organiser's screen: the
//!   loopback address and the digest of the bundle just made;
//! - the node image: the docs pick kind's v1.36.4 image by version, which this machine (no
//!   registry) does not have, so `--kubernetes-version v1.36.4` becomes `--image` of the test
//!   node image;
//! - `minik delete --all` becomes `minik delete --name workshop`: other tests' clusters share
//!   this engine.
//!
//! With `MINIK_DOCS_REAL_IMAGES=1` (the hosted runner of .github/workflows/ci.yml, where kind's
//! images can be pulled) the node image is left as written, so the page runs on real Kubernetes.
//!
//! The exercises' image (`shop/web:1.0`) and the `./release` folder are made here first, as the
//! organiser would have them.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{docker, text, Cleanup, TEST_IMAGE};

/// The marked bash blocks of `markdown` of one kind, in order, unindented.
fn blocks(markdown: &str, kind: &str) -> Vec<String> {
    let marker = format!("<!-- docs-test: {kind} -->");
    let mut out = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if line.trim() != marker {
            continue;
        }
        let fence = lines.next().unwrap_or_default();
        assert_eq!(
            fence.trim(),
            "```bash",
            "a docs-test marker must precede a bash block"
        );
        let indent = fence.len() - fence.trim_start().len();
        let mut block = String::new();
        for l in lines.by_ref() {
            if l.trim() == "```" {
                break;
            }
            block.push_str(l.get(indent..).unwrap_or(l.trim_start()));
            block.push('\n');
        }
        out.push(block);
    }
    assert!(!out.is_empty(), "docs/workshop.md has no {kind} block");
    out
}

/// `text` with `from` replaced by `to`, which must appear exactly once.
fn substitute(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "expected {from:?} once in {text}"
    );
    text.replacen(from, to, 1)
}

/// Removes the exercise image this test made.
struct RemoveImage(&'static str);

impl Drop for RemoveImage {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", self.0]).output();
    }
}

/// A `bundle serve` started from the docs, stopped when dropped.
struct Serving(std::process::Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Shell {
    path: String,
    home: tempfile::TempDir,
}

impl Shell {
    fn new() -> Shell {
        let bin = Path::new(env!("CARGO_BIN_EXE_minik")).parent().unwrap();
        Shell {
            path: format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn command(&self, dir: &Path, script: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.args(["-euo", "pipefail", "-c", script])
            .current_dir(dir)
            .env("PATH", &self.path)
            .env("HOME", self.home.path())
            .env("KUBECONFIG", self.home.path().join(".kube/config"))
            .env("CI", "true")
            .env_remove("MINIK_CLUSTER_NAME")
            .env_remove("SUDO_USER");
        cmd
    }

    fn run(&self, dir: &Path, script: &str) -> Output {
        let o = self.command(dir, script).output().unwrap();
        assert!(o.status.success(), "{script}\nfailed: {}", text(&o));
        o
    }
}

/// The organiser's `./release`: an archive, its `.sha256` and `SHA256SUMS`.
fn release_folder(dir: &Path) {
    let release = dir.join("release");
    std::fs::create_dir(&release).unwrap();
    let name = "minik-x86_64-unknown-linux-musl.tar.gz";
    std::fs::write(release.join(name), b"not really an archive").unwrap();
    let sum = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(b"not really an archive");
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    std::fs::write(
        release.join(format!("{name}.sha256")),
        format!("{sum}  {name}\n"),
    )
    .unwrap();
    std::fs::write(release.join("SHA256SUMS"), format!("{sum}  {name}\n")).unwrap();
}

/// A tiny `shop/web:1.0` (FROM scratch), as the organiser's exercise image.
fn exercise_image(dir: &Path) -> Option<RemoveImage> {
    if docker(&["image", "inspect", "shop/web:1.0"])
        .status
        .success()
    {
        return None;
    }
    let context = dir.join("web");
    std::fs::create_dir(&context).unwrap();
    std::fs::write(context.join("index.html"), "hello\n").unwrap();
    std::fs::write(
        context.join("Dockerfile"),
        "FROM scratch\nCOPY index.html /\n",
    )
    .unwrap();
    let o = Command::new("docker")
        .args(["build", "-q", "-t", "shop/web:1.0"])
        .arg(&context)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap();
    assert!(o.status.success(), "docker build: {}", text(&o));
    Some(RemoveImage("shop/web:1.0"))
}

/// Whether the docs run on kind's real images (`MINIK_DOCS_REAL_IMAGES=1`, CI's hosted runner).
fn real_images() -> bool {
    std::env::var_os("MINIK_DOCS_REAL_IMAGES").is_some_and(|v| v == "1")
}

/// The organiser's `init` block, with the test node image for kind's unless on real images.
fn init_block(block: &str, real: bool) -> String {
    match real {
        true => block.to_string(),
        false => substitute(
            block,
            "--kubernetes-version v1.36.4",
            &format!("--image {}", *TEST_IMAGE),
        ),
    }
}

/// A config naming every node's image carries that image and no other node image.
fn check_node_images(node_images: &[&serde_json::Value], real: bool) {
    match real {
        // kind's pinned image, by whatever reference the config names it.
        true => assert!(
            node_images.len() == 1
                && node_images[0]
                    .as_str()
                    .is_some_and(|i| i.starts_with("kindest/node:v1.36.4")),
            "{node_images:?}"
        ),
        false => assert_eq!(node_images, [&serde_json::json!(*TEST_IMAGE)]),
    }
}

#[test]
fn the_workshop_page_runs_as_written() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/workshop.md")).unwrap();
    let organiser = blocks(&doc, "organiser");
    let serve = blocks(&doc, "serve");
    let attendee = blocks(&doc, "attendee");
    let end = blocks(&doc, "end");
    let _cluster = Cleanup("workshop".into());
    let shell = Shell::new();
    let room = tempfile::tempdir().unwrap();
    let _web = exercise_image(room.path());
    release_folder(room.path());

    // The organiser, a week before.
    let real = real_images();
    let init = init_block(&organiser[0], real);
    shell.run(room.path(), &init);
    let made = shell.run(room.path(), &organiser[1..].join(""));
    assert!(
        text(&made).contains("single-architecture"),
        "{}",
        text(&made)
    );
    let bundle = room.path().join("room.minik");
    let bytes = std::fs::read(&bundle).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&bytes[512..512 + 65536]).unwrap();
    let node_images: Vec<&serde_json::Value> = manifest["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "node-image")
        .map(|p| &p["images"][0])
        .collect();
    check_node_images(&node_images, real);
    let digest = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(&bytes[512..512 + 65536]);
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    drop(bytes);

    // The day before: serve it (port 8370, as documented).
    let script = format!("exec {}", serve.join("").trim());
    let _serving = Serving(shell.command(room.path(), &script).spawn().unwrap());
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", 8370)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "bundle serve never listened"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // In the room: an attendee with the address and digest from the screen.
    let laptop = tempfile::tempdir().unwrap();
    let o = shell
        .command(laptop.path(), &attendee.join(""))
        .env("ORGANISER", "127.0.0.1")
        .env("DIGEST", &digest)
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "the attendee's block failed:\n{out}");
    assert!(out.contains("workshop-control-plane"), "get nodes: {out}");
    assert!(
        out.contains("Using cluster workshop"),
        "get nodes and tour without --name say they use workshop: {out}"
    );

    // At the end.
    let end = substitute(
        &end.join(""),
        "minik delete --all",
        "minik delete --name workshop",
    );
    shell.run(laptop.path(), &end);
    let left = docker(&["ps", "-aq", "--filter", "label=io.minik.cluster=workshop"]);
    assert!(String::from_utf8_lossy(&left.stdout).trim().is_empty());
}

#[test]
fn sudo_minik_create_is_refused_with_the_docker_group_fix() {
    // These tests run as root: with SUDO_USER set, that is `sudo minik` for minik.
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_str().unwrap();
    let o = common::minik(
        &["create", "--name", "sudo-refused"],
        &[("HOME", home), ("SUDO_USER", "ana")],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("under sudo") && out.contains("usermod -aG docker ana"),
        "{out}"
    );
    let left = docker(&[
        "ps",
        "-aq",
        "--filter",
        "label=io.minik.cluster=sudo-refused",
    ]);
    assert!(String::from_utf8_lossy(&left.stdout).trim().is_empty());
}
