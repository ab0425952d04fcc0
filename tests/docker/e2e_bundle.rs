//! `minik bundle` end to end on the real engine: a bundle of a node image and a locally built
//! app image is served on loopback, fetched (pinned by the digest serve prints) and loaded after
//! both images were removed, and a 3-node cluster is made from it with the app image on every
//! node. Damaged bundles (one byte altered, the file cut short) are refused naming the part and
//! leave no image behind; a fetch with the wrong digest is refused before any image reaches
//! the engine; an image archive that also tags an image the manifest does not list is refused
//! and the engine's existing tag stays where it was; a fetch resumes a partial download with a
//! range request. A load ended by Ctrl-C removes the images it had loaded. A bundled tour lab
//! is kept only from a load that succeeds.
//!
//! The node image is a copy of the test image with a label of its own (a distinct image ID), so
//! removing it never touches the test image other tests use.

use crate::common;

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{docker, text, TestCluster, TEST_IMAGE};

/// Removes the test's local images whatever happens.
struct RemoveImages(Vec<String>);

impl Drop for RemoveImages {
    fn drop(&mut self) {
        let _ = Command::new("docker").arg("rmi").args(&self.0).output();
    }
}

/// A running `minik bundle serve`, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn build(tag: &str, dockerfile: &str) {
    let mut child = Command::new("docker")
        .args(["build", "-q", "-t", tag, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker build");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dockerfile.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "docker build {tag}: {}", text(&o));
}

fn present(image: &str) -> bool {
    docker(&["image", "inspect", image]).status.success()
}

fn remove(images: &[&str]) {
    for i in images {
        let o = docker(&["rmi", i]);
        assert!(o.status.success(), "docker rmi {i}: {}", text(&o));
        assert!(!present(i), "{i} still present");
    }
}

/// Start `minik bundle serve FILE` on a free loopback port; its URL once it answers.
/// `minik bundle create -o FILE --node-image NODE --image APP [extra]`, which must succeed; then
/// both images leave the engine, so only the bundle can bring them back.
fn bundle_without_images(tc: &TestCluster, file: &Path, node: &str, app: &str, extra: &[&str]) {
    let mut args = vec![
        "bundle",
        "create",
        "-o",
        file.to_str().unwrap(),
        "--node-image",
        node,
        "--image",
        app,
    ];
    args.extend_from_slice(extra);
    let o = tc.minik(&args);
    assert!(o.status.success(), "bundle create: {}", text(&o));
    remove(&[node, app]);
}

fn serve(tc: &TestCluster, file: &Path) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minik"));
    cmd.args(["bundle", "serve", "--address", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .arg(file)
        .env("CI", "true")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(served_log(tc, port)).unwrap());
    for (k, v) in tc.env() {
        cmd.env(k, v);
    }
    let server = Server(cmd.spawn().expect("minik bundle serve"));
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while http_get(port, "/").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "bundle serve never answered on {url}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    (server, url)
}

/// Where `serve` on `port` writes what it says to the organiser.
fn served_log(tc: &TestCluster, port: u16) -> PathBuf {
    tc.home().join(format!("serve-{port}.log"))
}

/// The digest `bundle serve` printed for the organiser to project: its line of 64 hex digits.
fn printed_digest(tc: &TestCluster, url: &str) -> String {
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let log = std::fs::read_to_string(served_log(tc, port)).unwrap();
    log.lines()
        .map(str::trim)
        .find(|l| l.len() == 64 && l.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("no digest in bundle serve's output:\n{log}"))
        .to_string()
}

/// The bundle's digest (SHA-256 of its manifest slot), as `bundle create` and `serve` print it.
fn digest(file: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(file).unwrap();
    let d = sha2::Sha256::digest(&bytes[512..512 + 65536]);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A plain HTTP/1.0 GET on loopback: the response's text, `None` when nothing listens.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// The references containerd in `node` holds in the k8s.io namespace.
fn node_images(node: &str) -> String {
    let o = docker(&["exec", node, "ctr", "-n", "k8s.io", "images", "ls", "-q"]);
    assert!(o.status.success(), "ctr images ls on {node}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_served_bundle_makes_a_three_node_cluster_with_no_image_present() {
    // Declared before the cluster so they are removed after its containers (which use them).
    let id = common::unique("b");
    let node_image = format!("minik/node:bundle-{id}");
    let app = format!("minik.e2e/bundle-app:{id}");
    let _images = RemoveImages(vec![node_image.clone(), app.clone()]);
    let tc = TestCluster::new("e2ebundle");
    let cluster = tc.name.clone();
    build(
        &node_image,
        &format!(
            "FROM {}\nLABEL io.minik.test.bundle={cluster}\n",
            *TEST_IMAGE
        ),
    );
    build(
        &app,
        &format!("FROM minik.test/busybox:1.0\nRUN echo '{cluster}' > /app\n"),
    );

    let room = tc.home().join("room");
    std::fs::create_dir(&room).unwrap();
    let bundle = room.join("room.minik");
    bundle_without_images(&tc, &bundle, &node_image, &app, &[]);

    let (_server, url) = serve(&tc, &bundle);
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let page = http_get(port, "/").unwrap();
    // The digest the organiser's screen shows is the one attendees type.
    let pin = printed_digest(&tc, &url);
    assert_eq!(pin, digest(&bundle));
    assert!(
        page.contains(&format!(
            "minik bundle fetch {url} --sha256 {pin} &amp;&amp; minik create --bundle \
             bundle.minik --sha256 {pin}"
        )),
        "{page}"
    );

    let attendee = tc.home().join("attendee");
    std::fs::create_dir(&attendee).unwrap();
    let fetched = attendee.join("bundle.minik");
    let o = tc.minik(&[
        "bundle",
        "fetch",
        &url,
        "-o",
        fetched.to_str().unwrap(),
        "--sha256",
        &pin,
    ]);
    assert!(o.status.success(), "bundle fetch: {}", text(&o));
    assert!(present(&node_image) && present(&app), "{}", text(&o));

    let o = tc.minik(&[
        "create",
        "--bundle",
        fetched.to_str().unwrap(),
        "--sha256",
        &pin,
        "--name",
        &cluster,
        "--nodes",
        "3",
    ]);
    assert!(o.status.success(), "create --bundle: {}", text(&o));
    let normalized = minik::api::cluster::load::normalize(&app);
    for node in [
        format!("{cluster}-control-plane"),
        format!("{cluster}-worker"),
        format!("{cluster}-worker2"),
    ] {
        let images = node_images(&node);
        assert!(
            images.lines().any(|l| l == normalized),
            "{app} not on {node}:\n{images}"
        );
    }
    let o = tc.kubectl(&["get", "nodes", "-o", "json"]);
    assert!(o.status.success(), "kubectl: {}", text(&o));
    assert_eq!(common::ready_nodes(&o.stdout).len(), 3, "{}", text(&o));
}

/// Two small images in a bundle (the first as its "node image": the bundle does not care).
fn small_bundle(tc: &TestCluster) -> (RemoveImages, [String; 2], PathBuf) {
    let first = format!("minik.e2e/bundle-first:{}", tc.name);
    let second = format!("minik.e2e/bundle-second:{}", tc.name);
    let guard = RemoveImages(vec![first.clone(), second.clone()]);
    for (tag, content) in [(&first, "first"), (&second, "second")] {
        build(
            tag,
            &format!(
                "FROM minik.test/busybox:1.0\nRUN echo '{content} {}' > /x\n",
                tc.name
            ),
        );
    }
    let file = tc.home().join("small.minik");
    // A tour lab rides along: the built-in one under another id.
    let basics = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/tour/labs/basics.yaml"
    ))
    .unwrap();
    let lab = tc.home().join("day1.yaml");
    std::fs::write(&lab, basics.replacen("id: basics", "id: day1", 1)).unwrap();
    bundle_without_images(
        tc,
        &file,
        &first,
        &second,
        &["--lab", lab.to_str().unwrap()],
    );
    (guard, [first, second], file)
}

/// Where a part's data starts, from the manifest at the file's start.
fn part_offset(file: &Path, index: usize) -> (u64, u64, String) {
    let mut f = std::fs::File::open(file).unwrap();
    let mut head = vec![0u8; 512 + 65536];
    f.read_exact(&mut head).unwrap();
    let m: serde_json::Value = serde_json::from_slice(&head[512..]).unwrap();
    let parts = m["parts"].as_array().unwrap();
    let mut at = 512 + 65536;
    for p in &parts[..index] {
        at += 512 + p["size"].as_u64().unwrap().div_ceil(512) * 512;
    }
    let p = &parts[index];
    (
        at + 512,
        p["size"].as_u64().unwrap(),
        p["name"].as_str().unwrap().to_string(),
    )
}

#[test]
fn damaged_bundles_are_refused_naming_the_part_and_leave_nothing() {
    let tc = TestCluster::new("e2ebundlebad");
    let (_guard, [first, second], file) = small_bundle(&tc);

    // Served, but fetched with another digest than the bundle's: refused as soon as the
    // manifest arrives, before any image reaches the engine. Without a digest: bad input.
    {
        let (_server, url) = serve(&tc, &file);
        let out = tc.home().join("pinned.minik");
        let mut wrong = digest(&file);
        wrong.replace_range(..1, if wrong.starts_with('0') { "1" } else { "0" });
        let o = tc.minik(&[
            "bundle",
            "fetch",
            &url,
            "-o",
            out.to_str().unwrap(),
            "--sha256",
            &wrong,
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(
            text(&o).contains("is not the bundle you pinned"),
            "{}",
            text(&o)
        );
        assert!(!present(&first) && !present(&second), "{}", text(&o));
        assert!(!out.exists());
        let o = tc.minik(&["bundle", "fetch", &url, "-o", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("--sha256"), "{}", text(&o));
        assert!(!present(&first) && !present(&second), "{}", text(&o));
    }

    // One byte altered in the second image: the first loads, the second is refused on its
    // last chunk, and the first is taken out again.
    let altered = tc.home().join("altered.minik");
    std::fs::copy(&file, &altered).unwrap();
    let (at, size, part) = part_offset(&altered, 1);
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&altered)
        .unwrap();
    f.seek(SeekFrom::Start(at + size - 700)).unwrap();
    let mut b = [0u8; 1];
    f.read_exact(&mut b).unwrap();
    f.seek(SeekFrom::Start(at + size - 700)).unwrap();
    f.write_all(&[b[0] ^ 0x55]).unwrap();
    drop(f);
    let o = tc.minik(&["bundle", "load", altered.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("part {part} was altered")),
        "{}",
        text(&o)
    );
    assert!(!present(&first) && !present(&second), "{}", text(&o));

    // Cut off inside the first image: refused before anything is loaded.
    let cut = tc.home().join("cut.minik");
    let (at, size, part) = part_offset(&file, 0);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&cut, &bytes[..(at + size / 2) as usize]).unwrap();
    let o = tc.minik(&["bundle", "load", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&format!("part {part} needs")),
        "{}",
        text(&o)
    );
    assert!(!present(&first) && !present(&second), "{}", text(&o));

    // Not a bundle at all: the user named the wrong file (bad input).
    let o = tc.minik(&["bundle", "load", "/etc/hostname"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!present(&first) && !present(&second));

    // No lab was kept from the refused loads.
    let o = tc.minik(&["tour", "--lab", "day1", "--list"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // The intact file still loads, and its lab becomes `minik tour --lab day1`.
    let o = tc.minik(&["bundle", "load", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(present(&first) && present(&second));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("minik tour --lab day1"),
        "{}",
        text(&o)
    );
    let o = tc.minik(&["tour", "--lab", "day1", "--list"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn fetch_resumes_a_partial_download() {
    let tc = TestCluster::new("e2ebundleresume");
    let (_guard, _images, file) = small_bundle(&tc);
    let (_server, url) = serve(&tc, &file);
    let whole = std::fs::read(&file).unwrap();
    let out = tc.home().join("got.minik");
    // What a dropped connection leaves behind: the first part of the file, in fetch's private
    // folder.
    let private = tc.home().join(".got.minik.fetch");
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(
        &private,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    std::fs::write(private.join("got.minik.partial"), &whole[..100_000]).unwrap();
    let o = tc.minik(&[
        "bundle",
        "fetch",
        &url,
        "-o",
        out.to_str().unwrap(),
        "--no-load",
        "--sha256",
        &printed_digest(&tc, &url),
    ]);
    assert!(o.status.success(), "fetch: {}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("Resuming"),
        "{}",
        text(&o)
    );
    assert!(
        std::fs::read(&out).unwrap() == whole,
        "the resumed file differs"
    );
    assert!(!private.exists());
}

#[test]
fn an_interrupted_load_removes_what_it_loaded() {
    let tc = TestCluster::new("e2ebundleint");
    // A small first part, then a big one (a labelled copy of the node image: a few hundred MB
    // to stream), so the signal lands while the second part is under way.
    let small = format!("minik.e2e/bundle-small:{}", tc.name);
    let big = format!("minik/node:bundle-{}", tc.name);
    let _guard = RemoveImages(vec![small.clone(), big.clone()]);
    build(
        &small,
        &format!("FROM minik.test/busybox:1.0\nRUN echo '{}' > /x\n", tc.name),
    );
    build(
        &big,
        &format!(
            "FROM {}\nLABEL io.minik.test.bundle={}\n",
            *TEST_IMAGE, tc.name
        ),
    );
    let file = tc.home().join("int.minik");
    bundle_without_images(&tc, &file, &small, &big, &[]);

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minik"));
    cmd.args(["bundle", "load"])
        .arg(&file)
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in tc.env() {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("minik bundle load");
    let started = Instant::now();
    while !present(&small) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the first part never loaded"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    assert!(
        !present(&small) && !present(&big),
        "an image outlived the interrupted load: {}",
        text(&o)
    );
}

/// A bundle whose image archive tags, besides the name its manifest lists, an image that
/// already exists on the engine (what `docker save A B` of one image makes): `bundle load`
/// refuses it, and the existing name still points at its own image.
#[test]
fn an_archive_that_tags_an_unlisted_image_is_refused_and_the_tag_stays() {
    let tc = TestCluster::new("e2ebundletag");
    let payload = format!("minik.e2e/bundle-innocent:{}", tc.name);
    let victim = format!("minik.e2e/bundle-victim:{}", tc.name);
    let _guard = RemoveImages(vec![payload.clone(), victim.clone()]);
    build(
        &payload,
        &format!(
            "FROM minik.test/busybox:1.0\nRUN echo 'payload {}' > /x\n",
            tc.name
        ),
    );
    // One archive of the payload under both names, then the victim gets its own image.
    let o = docker(&["tag", &payload, &victim]);
    assert!(o.status.success(), "{}", text(&o));
    let archive = tc.home().join("both.tar");
    let o = docker(&["save", "-o", archive.to_str().unwrap(), &payload, &victim]);
    assert!(o.status.success(), "{}", text(&o));
    build(
        &victim,
        &format!(
            "FROM minik.test/busybox:1.0\nRUN echo 'victim {}' > /x\n",
            tc.name
        ),
    );
    remove(&[&payload]);
    let id = |name: &str| text(&docker(&["image", "inspect", "-f", "{{.Id}}", name]));
    let before = id(&victim);

    let file = tc.home().join("hijack.minik");
    forge_one_image(&file, &std::fs::read(&archive).unwrap(), &payload);
    let o = tc.minik(&["bundle", "load", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("does not list") && text(&o).contains(&victim),
        "{}",
        text(&o)
    );
    assert_eq!(
        id(&victim),
        before,
        "the victim's tag was re-pointed: {}",
        text(&o)
    );
    assert!(!present(&payload), "{}", text(&o));
}

/// A bundle of one image part (`archive`, listed as `name`) whose manifest is right about it.
fn forge_one_image(file: &Path, archive: &[u8], name: &str) {
    use minik::api::bundle::format::{self, Manifest, Part, PartKind};
    use sha2::Digest;
    let manifest = Manifest {
        format: format::FORMAT,
        minik_version: "0.1.0".into(),
        kubernetes_version: None,
        parts: vec![Part {
            name: "images/01-node.tar".into(),
            kind: PartKind::NodeImage,
            size: archive.len() as u64,
            sha256: format::hex(&sha2::Sha256::digest(archive)),
            images: vec![name.to_string()],
            image_id: None,
        }],
    };
    let mut out = Vec::new();
    out.extend_from_slice(&format::header(format::MANIFEST_NAME, format::MANIFEST_SLOT).unwrap());
    out.extend_from_slice(&manifest.to_slot().unwrap());
    out.extend_from_slice(&format::header("images/01-node.tar", archive.len() as u64).unwrap());
    out.extend_from_slice(archive);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    std::fs::write(file, out).unwrap();
}
