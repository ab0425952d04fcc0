//! `minik bundle create` and `create --bundle`'s preparation against the shared fake engine (a
//! TEST DOUBLE of the container engine, in memory: tests/common/fake.rs): what goes into the
//! file for an HA config (the balancer's image only when the node image cannot run it), that
//! the config comes back out for create, and that a damaged config is refused by name; that
//! tour labs are checked when carried, kept for `minik tour --lab ID` when loaded, and refused
//! by part name when altered.

use std::io::{Read, Seek, SeekFrom, Write};

use async_trait::async_trait;

use minik::api::bundle::{self, CreateBundle, FromBundle, PartKind};
use minik::api::cluster::loadbalancer::DEDICATED_IMAGE;
use minik::api::tour;
use minik::events::Events;
use minik::provider::{ExecInput, ExecOutput, Result as PResult};

use crate::common::fake::{self, ok, Script};

#[derive(Default)]
struct Nothing;

#[async_trait]
impl Script for Nothing {
    async fn exec(
        &self,
        _engine: &fake::FakeEngine<Self>,
        _node: &str,
        _cmd: &[String],
        _stdin: ExecInput,
    ) -> PResult<ExecOutput> {
        Ok(ok(""))
    }
}

const HA: &str = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n\
                  - role: control-plane\n- role: control-plane\n- role: worker\n";

/// The image the built-in tour lab runs.
const AGNHOST: &str = "registry.k8s.io/e2e-test-images/agnhost:2.53";
/// The rollout lab's second tag (its update step), which its `images:` names.
const AGNHOST_UPDATE: &str = "registry.k8s.io/e2e-test-images/agnhost:2.52";

fn request(dir: &std::path::Path) -> CreateBundle {
    let config = dir.join("ha.yaml");
    std::fs::write(&config, HA).unwrap();
    CreateBundle {
        output: dir.join("room.minik"),
        node_image: Some("minik/node:v1".into()),
        config: Some(config),
        images: vec!["shop/web:1".into()],
        ..CreateBundle::default()
    }
}

fn kinds(m: &bundle::Manifest) -> Vec<(PartKind, Vec<String>)> {
    m.parts.iter().map(|p| (p.kind, p.images.clone())).collect()
}

#[tokio::test]
async fn an_ha_bundle_carries_the_balancer_image_only_when_the_node_image_lacks_haproxy() {
    let dir = tempfile::tempdir().unwrap();
    let req = request(dir.path());
    let engine = fake::FakeEngine::<Nothing>::default();
    let m = bundle::create(&engine, &req, &Events::silent())
        .await
        .unwrap()
        .manifest;
    assert_eq!(
        kinds(&m),
        vec![
            (PartKind::NodeImage, vec!["minik/node:v1".to_string()]),
            (PartKind::Image, vec!["shop/web:1".to_string()]),
            // The built-in labs' images, present here, come along for the nodes.
            (PartKind::Image, vec![AGNHOST.to_string()]),
            (PartKind::Image, vec![AGNHOST_UPDATE.to_string()]),
            (
                PartKind::Image,
                vec!["registry.k8s.io/e2e-test-images/busybox:1.36.1-1".to_string()]
            ),
            (PartKind::Config, vec![]),
        ]
    );
    // Every image part is what the engine's save stream gave, hashed.
    // Stored zstd-compressed: the fake's 300 kB of one byte shrink to almost nothing.
    assert_eq!(m.parts[0].unpacked_size, Some(300_000));
    assert_eq!(m.parts[0].compression.as_deref(), Some("zstd"));
    assert!(m.parts[0].size < 1000, "{}", m.parts[0].size);
    assert_eq!(m.parts[0].image_id.as_deref(), Some("sha256:fake"));
    assert_eq!(
        Some(std::fs::metadata(&req.output).unwrap().len()),
        m.file_size()
    );

    let engine = fake::FakeEngine::<Nothing> {
        no_haproxy: true,
        ..Default::default()
    };
    let m = bundle::create(&engine, &req, &Events::silent())
        .await
        .unwrap()
        .manifest;
    assert_eq!(
        kinds(&m)[1],
        (
            PartKind::LoadBalancerImage,
            vec![DEDICATED_IMAGE.to_string()]
        )
    );
    // No temporary file is left beside the bundle.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[tokio::test]
async fn create_from_a_bundle_gets_its_config_and_a_damaged_one_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let req = request(dir.path());
    let engine = fake::FakeEngine::<Nothing>::default();
    let m = bundle::create(&engine, &req, &Events::silent())
        .await
        .unwrap()
        .manifest;

    let ready = FromBundle::open(&req.output).await.unwrap();
    assert_eq!(ready.node_image.as_deref(), Some("minik/node:v1"));
    // The config is read in memory, named after the bundle: no copy is written anywhere.
    assert_eq!(
        ready.config_source().unwrap(),
        Some(minik::api::config::ConfigSource::Text {
            text: HA.into(),
            origin: req.output.clone(),
        })
    );
    drop(ready);

    // One byte of the config changed.
    let (offsets, _) = m.layout().unwrap();
    let config_at = m.parts.iter().position(|p| p.kind == PartKind::Config);
    let at = offsets[config_at.unwrap()] + 512 + 10;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&req.output)
        .unwrap();
    let mut b = [0u8];
    f.seek(SeekFrom::Start(at)).unwrap();
    f.read_exact(&mut b).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&[b[0] ^ 1]).unwrap();
    drop(f);
    let err = FromBundle::open(&req.output).await.err().unwrap();
    assert!(
        err.to_string()
            .contains("is damaged: part config.yaml was altered"),
        "{err}"
    );
    assert!(!err.is_bad_input());

    // Missing image: refused before any file is written.
    let engine = fake::FakeEngine::<Nothing> {
        images: Some(Default::default()),
        ..Default::default()
    };
    let other = CreateBundle {
        output: dir.path().join("other.minik"),
        ..req
    };
    let err = bundle::create(&engine, &other, &Events::silent())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("is not present locally"), "{err}");
    assert!(!other.output.exists());
}

/// The built-in lab as an organiser's file with id `day1`.
fn lab_file(dir: &std::path::Path) -> std::path::PathBuf {
    let basics = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/tour/labs/basics.yaml"
    ))
    .unwrap();
    let path = dir.join("day1.yaml");
    std::fs::write(&path, basics.replacen("id: basics", "id: day1", 1)).unwrap();
    path
}

/// Open the bundle at `file` and load it into `engine`, saving its labs under `labs`.
async fn load_with_labs(
    engine: &fake::FakeEngine<Nothing>,
    file: &std::path::Path,
    labs: &std::path::Path,
) -> Result<bundle::Loaded, bundle::BundleError> {
    let opened = bundle::Bundle::open(file).await.unwrap();
    bundle::load_until(
        engine,
        &opened,
        &Events::silent(),
        Some(labs),
        std::future::pending(),
    )
    .await
}

fn flip_byte(file: &std::path::Path, at: u64) {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(file)
        .unwrap();
    let mut b = [0u8];
    f.seek(SeekFrom::Start(at)).unwrap();
    f.read_exact(&mut b).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&[b[0] ^ 1]).unwrap();
}

#[tokio::test]
async fn a_bundle_carries_labs_and_loading_it_makes_them_tour_labs() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab_file(dir.path());
    let req = CreateBundle {
        labs: vec![lab.clone()],
        ..request(dir.path())
    };
    // Every image is present at the saved ID (the fake engine's), so loading moves no image.
    let engine = fake::FakeEngine::<Nothing>::default();
    let m = bundle::create(&engine, &req, &Events::silent())
        .await
        .unwrap()
        .manifest;
    let part = m.parts.iter().find(|p| p.kind == PartKind::Lab).unwrap();
    assert_eq!(part.name, "labs/day1.yaml");
    assert_eq!(part.size, std::fs::metadata(&lab).unwrap().len());
    assert_eq!(part.sha256.len(), 64);

    let labs = dir.path().join("state/labs");
    let loaded = load_with_labs(&engine, &req.output, &labs).await.unwrap();
    assert_eq!(loaded.labs, ["day1"]);
    assert_eq!(
        std::fs::read(labs.join("day1.yaml")).unwrap(),
        std::fs::read(&lab).unwrap()
    );
    // `minik tour --lab day1` finds it by id; an unknown id names the labs there are.
    let found = tour::find_lab(std::path::Path::new("day1"), Some(&labs)).unwrap();
    assert_eq!(found.id, "day1");
    let err = tour::find_lab(std::path::Path::new("day9"), Some(&labs))
        .err()
        .unwrap();
    assert!(err.to_string().contains("config (built-in), day1"), "{err}");

    // One byte of the lab changed: refused naming the part, and nothing is kept.
    let (offsets, _) = m.layout().unwrap();
    let i = m
        .parts
        .iter()
        .position(|p| p.kind == PartKind::Lab)
        .unwrap();
    flip_byte(&req.output, offsets[i] + 512 + 40);
    let fresh = dir.path().join("state2/labs");
    let err = load_with_labs(&engine, &req.output, &fresh)
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("is damaged: part labs/day1.yaml was altered"),
        "{err}"
    );
    assert!(!err.is_bad_input());
    assert!(!fresh.exists(), "a lab of a damaged bundle was kept");
}

#[tokio::test]
async fn a_bad_lab_is_refused_at_create_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab_file(dir.path());
    let text = std::fs::read_to_string(&lab).unwrap();
    std::fs::write(&lab, text.replacen("namespace:", "namespcae:", 1)).unwrap();
    let req = CreateBundle {
        labs: vec![lab.clone()],
        ..request(dir.path())
    };
    let engine = fake::FakeEngine::<Nothing>::default();
    let err = bundle::create(&engine, &req, &Events::silent())
        .await
        .err()
        .unwrap();
    assert!(err.is_bad_input());
    let line = text
        .lines()
        .position(|l| l.starts_with("namespace:"))
        .unwrap()
        + 1;
    let shown = minik::api::error::Error::from(err).to_string();
    assert!(shown.contains(&format!("day1.yaml:{line}:1")), "{shown}");
    assert!(!req.output.exists());
}

/// Keeps every event, to read the warnings.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<minik::events::Event>>);

impl minik::events::Reporter for Recorder {
    fn event(&self, event: minik::events::Event) {
        self.0.lock().unwrap().push(event);
    }
}

/// A fake engine holding exactly `images` (each with an ID of its own).
fn engine_with(images: &[&str]) -> fake::FakeEngine<Nothing> {
    fake::FakeEngine::<Nothing> {
        images: Some(
            images
                .iter()
                .enumerate()
                .map(|(i, n)| (n.to_string(), format!("sha256:{i:064x}")))
                .collect(),
        ),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_config_naming_every_node_image_carries_no_other_node_image() {
    // minik's own default image is here too: it must stay out, as create would not use it.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("workshop.yaml");
    std::fs::write(
        &config,
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: workshop\nnodes:\n\
         - role: control-plane\n  image: shop/node:a\n- role: worker\n  image: shop/node:a\n",
    )
    .unwrap();
    let engine = engine_with(&["shop/node:a", "minik/node:v1.36.4", AGNHOST]);
    let req = CreateBundle {
        output: dir.path().join("room.minik"),
        config: Some(config),
        ..CreateBundle::default()
    };
    let m = bundle::create(&engine, &req, &Events::silent())
        .await
        .unwrap()
        .manifest;
    let nodes: Vec<_> = m.of_kind(PartKind::NodeImage).map(|p| &p.images).collect();
    assert_eq!(nodes, vec![&vec!["shop/node:a".to_string()]]);
    // create --bundle then uses the config's own images, not an override.
    let ready = FromBundle::open(&req.output).await.unwrap();
    assert_eq!(ready.node_image, None);
}

#[tokio::test]
async fn without_a_config_the_default_is_what_create_would_use_and_a_missing_lab_image_warns() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(&["minik/node:v1.36.4"]);
    let req = CreateBundle {
        output: dir.path().join("room.minik"),
        ..CreateBundle::default()
    };
    let recorder = std::sync::Arc::new(Recorder::default());
    let m = bundle::create(&engine, &req, &Events::new(recorder.clone()))
        .await
        .unwrap()
        .manifest;
    let kinds: Vec<_> = kinds(&m);
    assert_eq!(
        kinds,
        vec![(PartKind::NodeImage, vec!["minik/node:v1.36.4".to_string()])]
    );
    let warned = format!("{:?}", recorder.0.lock().unwrap());
    assert!(
        warned.contains(AGNHOST) && warned.contains("docker pull"),
        "{warned}"
    );
    // Without minik's image, kind's pinned one is what create would use: not here, refused
    // naming it.
    let engine = engine_with(&[]);
    let err = bundle::create(&engine, &req, &Events::silent())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("kindest/node:v1.36.4@sha256:"), "{err}");
}
