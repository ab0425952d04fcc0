//! `minik bundle create` and `create --bundle`'s preparation against the shared fake engine (a
//! TEST DOUBLE of the container engine, in memory: tests/common/fake.rs): what goes into the
//! file for an HA config (the balancer's image only when the node image cannot run it), that
//! the config comes back out for create, and that a damaged config is refused by name.

use std::io::{Read, Seek, SeekFrom, Write};

use async_trait::async_trait;

use minik::bundle::{self, CreateBundle, FromBundle, PartKind};
use minik::cluster::loadbalancer::DEDICATED_IMAGE;
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
        .unwrap();
    assert_eq!(
        kinds(&m),
        vec![
            (PartKind::NodeImage, vec!["minik/node:v1".to_string()]),
            (PartKind::Image, vec!["shop/web:1".to_string()]),
            (PartKind::Config, vec![]),
        ]
    );
    // Every image part is what the engine's save stream gave, hashed.
    assert_eq!(m.parts[0].size, 300_000);
    assert_eq!(m.parts[0].image_id.as_deref(), Some("sha256:fake"));
    assert_eq!(std::fs::metadata(&req.output).unwrap().len(), m.file_size());

    let engine = fake::FakeEngine::<Nothing> {
        no_haproxy: true,
        ..Default::default()
    };
    let m = bundle::create(&engine, &req, &Events::silent())
        .await
        .unwrap();
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
        .unwrap();

    let ready = FromBundle::open(&req.output).await.unwrap();
    assert_eq!(ready.node_image.as_deref(), Some("minik/node:v1"));
    let config = ready.config_path().unwrap();
    assert_eq!(std::fs::read_to_string(&config).unwrap(), HA);
    drop(ready);
    assert!(!config.exists(), "the config copy outlived create");

    // One byte of the config changed.
    let (offsets, _) = m.layout();
    let at = offsets[2] + 512 + 10;
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
