//! The whole `docker-image` flow against the shared fake engine (a TEST DOUBLE of the container
//! engine, in memory: tests/common/fake.rs) with scripted containerd answers: per-node
//! decisions, one save stream for every node that needs it, and a failing node that does not
//! stop the others.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use futures_util::StreamExt;

use minik::api::cluster::load::*;
use minik::api::cluster::ClusterError;
use minik::events::Events;
use minik::provider::{ExecInput, ExecOutput, NodeRole, Result as PResult};

use crate::common::fake::{self, ok, running_node, Script};

const ID: &str = "sha256:c0nf1g";

/// The nodes' containerd: `c-control-plane` has `app:v1` (present), `c-worker` has the same
/// image only as `other:1` (tag), `c-worker2` has nothing (import), `c-worker3` fails its import.
#[derive(Default)]
struct Containerd {
    imported: Mutex<BTreeMap<String, usize>>,
    tagged: Mutex<Vec<(String, String, String)>>,
}

type Fake = fake::FakeEngine<Containerd>;

/// A running cluster `c` with a balancer and four nodes, and only `app:v1` in the local engine.
fn engine() -> Fake {
    let node = |name, role| running_node("c", name, role);
    Fake {
        existing: vec![
            node("c-worker3", NodeRole::Worker),
            node("c-control-plane", NodeRole::ControlPlane),
            node("c-external-load-balancer", NodeRole::ExternalLoadBalancer),
            node("c-worker", NodeRole::Worker),
            node("c-worker2", NodeRole::Worker),
        ],
        images: Some(BTreeMap::from([("app:v1".to_string(), ID.to_string())])),
        image_size: Some(300_000),
        info: serde_json::json!({"Architecture": "x86_64", "DriverStatus": []}),
        ..Fake::default()
    }
}

fn probe_output(node: &str) -> String {
    let images = match node {
        "c-control-plane" => "docker.io/library/app:v1 application/vnd.docker.distribution.manifest.v2+json sha256:m1 2 MiB linux/amd64 -\n",
        "c-worker" => "docker.io/library/other:1 application/vnd.docker.distribution.manifest.v2+json sha256:m1 2 MiB linux/amd64 -\n",
        _ => "",
    };
    format!(
        "@@config\nversion = 2\n@@images\nREF TYPE DIGEST SIZE PLATFORMS LABELS\n{images}\
         @@content\nDIGEST\tSIZE\tAGE\tLABELS\n\
         sha256:m1\t1kB\t1 day\tcontainerd.io/gc.ref.content.config={ID}\n"
    )
}

#[async_trait]
impl Script for Containerd {
    async fn exec(
        &self,
        _engine: &Fake,
        node: &str,
        cmd: &[String],
        stdin: ExecInput,
    ) -> PResult<ExecOutput> {
        match (cmd[0].as_str(), cmd.get(4).map(String::as_str)) {
            ("sh", _) => Ok(ok(&probe_output(node))),
            ("ctr", Some("tag")) => {
                self.tagged.lock().unwrap().push((
                    node.to_string(),
                    cmd[6].clone(),
                    cmd[7].clone(),
                ));
                Ok(ok(""))
            }
            ("ctr", Some("import")) => {
                assert_eq!(cmd.join(" "), import_command("overlayfs", None).join(" "));
                let ExecInput::Stream(mut s) = stdin else {
                    panic!("import without a stream")
                };
                if node == "c-worker3" {
                    let _ = s.next().await;
                    return Ok(fake::failed("ctr: no space left on device"));
                }
                let mut n = 0;
                while let Some(c) = s.next().await {
                    n += c?.len();
                }
                self.imported.lock().unwrap().insert(node.to_string(), n);
                Ok(ok("unpacking docker.io/library/app:v1...done"))
            }
            _ => panic!("unexpected command {cmd:?}"),
        }
    }
}

fn targets<'a>(cluster: &'a str, nodes: &'a [String]) -> Targets<'a> {
    Targets { cluster, nodes }
}

#[tokio::test]
async fn each_node_gets_what_it_needs_and_a_failing_node_is_named() {
    let fake = engine();
    let err = load_docker_images(
        &fake,
        &targets("c", &[]),
        &["app:v1".to_string()],
        &Events::silent(),
    )
    .await
    .unwrap_err();

    // One save, streamed to the two nodes that needed an import.
    assert_eq!(
        *fake.saves.lock().unwrap(),
        vec![vec!["app:v1".to_string()]]
    );
    assert_eq!(
        *fake.script.imported.lock().unwrap(),
        BTreeMap::from([("c-worker2".to_string(), 300_000)])
    );
    assert_eq!(
        *fake.script.tagged.lock().unwrap(),
        vec![(
            "c-worker".to_string(),
            "docker.io/library/other:1".to_string(),
            "docker.io/library/app:v1".to_string()
        )]
    );
    let LoadError::NodesFailed(failures) = &err else {
        panic!("{err}")
    };
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].node, "c-worker3");
    assert!(err.to_string().contains("no space left on device"), "{err}");
}

#[tokio::test]
async fn a_subset_of_nodes_and_its_report() {
    let fake = engine();
    let only = vec!["c-control-plane".to_string(), "c-worker2".to_string()];
    let report = load_docker_images(
        &fake,
        &targets("c", &only),
        &["app:v1".to_string(), "app:v1".to_string()],
        &Events::silent(),
    )
    .await
    .unwrap();
    let outcomes: Vec<(&str, &Outcome)> = report
        .results
        .iter()
        .map(|r| (r.node.as_str(), &r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("c-control-plane", &Outcome::AlreadyPresent),
            ("c-worker2", &Outcome::Imported)
        ]
    );
    assert_eq!(report.bytes_streamed, 300_000);
}

#[tokio::test]
async fn nothing_changes_when_an_image_or_a_node_is_wrong() {
    let fake = engine();
    let e = load_docker_images(
        &fake,
        &targets("c", &[]),
        &["app:v1".to_string(), "missing:1".to_string()],
        &Events::silent(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), "image \"missing:1\" is not present locally");

    let bad = vec!["c-external-load-balancer".to_string()];
    let e = load_docker_images(
        &fake,
        &targets("c", &bad),
        &["app:v1".to_string()],
        &Events::silent(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, LoadError::UnknownNodes { .. }), "{e}");

    let e = load_docker_images(
        &fake,
        &targets("nope", &[]),
        &["app:v1".to_string()],
        &Events::silent(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, LoadError::Cluster(ClusterError::NotFound(ref n)) if n == "nope"),
        "{e}"
    );
    assert!(fake.saves.lock().unwrap().is_empty());
    assert!(fake.script.tagged.lock().unwrap().is_empty());
}
