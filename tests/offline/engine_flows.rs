//! The use cases that take a connected [`Engine`] (create's `prepare`, `minik node add`), run on
//! the shared TEST DOUBLE engine (tests/common/fake.rs) through the same `Engine` the CLI
//! connects, answering with a recorded Linux engine's `/info`
//! (tests/fixtures/platform/native-cgroup-v2). The real engine runs them in tests/docker
//! (e2e_nodes).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use minik::api::cluster::create::{create, CreateRequest, PrepareError};
use minik::api::cluster::node_ops::{add, AddRequest};
use minik::api::engine::{EndpointFlags, Engine};
use minik::events::Events;
use minik::provider::NodeRole;

use crate::create_pipeline::FakeEngine;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/platform/native-cgroup-v2")
        .join(rel)
}

/// `fake` behind the `Engine` the commands get, reached over tcp as another machine: the
/// platform checks then judge the engine's own answers, not the machine the tests run on.
fn engine_of(fake: Arc<FakeEngine>) -> Engine {
    let flags = EndpointFlags {
        host: Some("tcp://engine.test:2375".into()),
        context: None,
    };
    Engine::new(fake, &flags, &Events::silent()).expect("endpoint")
}

fn fake() -> FakeEngine {
    let mut fake = FakeEngine::default();
    let info = std::fs::read_to_string(fixture("info.json")).unwrap();
    fake.info = serde_json::from_str(&info).unwrap();
    fake
}

fn request(name: &str) -> CreateRequest {
    CreateRequest {
        name: Some(name.into()),
        nodes: Some(2),
        control_planes: None,
        image: None,
        kubernetes_version: None,
        config: None,
        wait: Duration::from_secs(5),
        retain: false,
        kubeconfig: None,
        api_address: None,
        loopback_ports: false,
    }
}

#[tokio::test]
async fn prepare_chooses_the_default_image_and_the_platform_settings() {
    let fake = Arc::new(fake());
    let engine = engine_of(fake.clone());
    let checked = request("prep").check().unwrap();
    let opts = checked.prepare(&engine, &Events::silent()).await.unwrap();
    // Every image is present on the fake: the default is the minik node image of the default
    // Kubernetes version.
    assert!(opts.image.starts_with("minik/node:"), "{}", opts.image);
    assert_eq!(opts.config.nodes.len(), 2);
    assert_eq!(opts.config.name, "prep");
    // The engine was asked, nothing was made.
    assert!(
        fake.calls().iter().all(|c| !c.starts_with("create ")),
        "{:#?}",
        fake.calls()
    );
}

#[tokio::test]
async fn prepare_refuses_an_api_address_a_remote_engine_cannot_serve() {
    let mut remote = fake();
    remote.engine_host = Some("build-box".into());
    let engine = engine_of(Arc::new(remote));
    let mut req = request("far");
    req.api_address = Some("127.0.0.1".into());
    let err = req
        .check()
        .unwrap()
        .prepare(&engine, &Events::silent())
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, PrepareError::Input(_)), "{err:?}");
    assert!(err.to_string().contains("build-box"), "{err}");
}

#[tokio::test]
async fn node_add_joins_a_worker_to_a_running_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let fake = Arc::new(fake());
    let engine = engine_of(fake.clone());
    // A one-node cluster made by create on the same engine.
    let opts = request("grow")
        .check()
        .unwrap()
        .prepare(&engine, &Events::silent())
        .await
        .unwrap();
    let opts = minik::api::cluster::create::CreateOptions {
        kubeconfig: Some(dir.path().join("config")),
        config: minik::api::config::ClusterConfig::with_nodes("grow", 1, 0),
        ..opts
    };
    create(&*fake, opts, &Events::silent()).await.unwrap();
    let before = fake.calls().len();

    let added = add(
        &engine,
        AddRequest {
            cluster: "grow".into(),
            role: NodeRole::Worker,
            image: None,
            wait: Duration::from_secs(5),
        },
        &Events::silent(),
    )
    .await
    .unwrap();
    assert_eq!(added.name, "grow-worker");
    assert!(added.ready);
    let calls = &fake.calls()[before..];
    let made = calls
        .iter()
        .position(|c| c == "create grow-worker")
        .expect("made");
    let token = calls
        .iter()
        .position(|c| c.starts_with("exec grow-control-plane: sh -c kubeadm token delete"))
        .unwrap_or_else(|| panic!("token refreshed: {calls:#?}"));
    let join = calls
        .iter()
        .position(|c| c.starts_with("exec grow-worker: kubeadm join"))
        .unwrap_or_else(|| panic!("joined: {calls:#?}"));
    assert!(made < join && token < join, "{calls:#?}");
    assert!(!calls.iter().any(|c| c.starts_with("remove")), "{calls:#?}");
}

#[tokio::test]
async fn a_failed_node_add_removes_the_new_node() {
    let dir = tempfile::tempdir().unwrap();
    let fake = Arc::new(FakeEngine {
        script: crate::create_pipeline::Kubeadm::failing_on("kubeadm join"),
        ..fake()
    });
    let engine = engine_of(fake.clone());
    let opts = minik::api::cluster::create::CreateOptions {
        kubeconfig: Some(dir.path().join("config")),
        config: minik::api::config::ClusterConfig::with_nodes("undo", 1, 0),
        image: "minik/node:test".into(),
        wait: Duration::from_secs(5),
        retain: false,
        extras: Default::default(),
    };
    create(&*fake, opts, &Events::silent()).await.unwrap();
    let before = fake.calls().len();
    let err = add(
        &engine,
        AddRequest {
            cluster: "undo".into(),
            role: NodeRole::Worker,
            image: None,
            wait: Duration::from_secs(5),
        },
        &Events::silent(),
    )
    .await
    .expect_err("the join fails");
    assert!(err.to_string().contains("kubeadm join"), "{err}");
    let calls = &fake.calls()[before..];
    assert!(
        calls.iter().any(|c| c == "create undo-worker"),
        "{calls:#?}"
    );
    assert!(
        calls.iter().any(|c| c == "remove undo-worker"),
        "{calls:#?}"
    );
}
