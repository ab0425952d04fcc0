//! The whole `docker-image` flow against a fake engine (a TEST DOUBLE of the container engine,
//! in memory, used only here): per-node decisions, one save stream for
//! every node that needs it, and a failing node that does not stop the others.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;

use minik::cluster::load::*;
use minik::cluster::ClusterError;
use minik::events::Events;
use minik::provider::{
    ByteStream, ExecInput, ExecOutput, NetworkInfo, NodeInfo, NodeRole, NodeSpec, NodeState,
    Provider, Result as PResult,
};

const ID: &str = "sha256:c0nf1g";

/// Nodes: `c-control-plane` has `app:v1` (present), `c-worker` has the same image only as
/// `other:1` (tag), `c-worker2` has nothing (import), `c-worker3` fails its import.
#[derive(Default)]
struct Fake {
    saves: Mutex<Vec<Vec<String>>>,
    imported: Mutex<BTreeMap<String, usize>>,
    tagged: Mutex<Vec<(String, String, String)>>,
}

fn node(name: &str, role: NodeRole) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        cluster: "c".into(),
        role,
        state: NodeState::Running,
        image: "minik/node:test".into(),
        ipv4: None,
        ipv6: None,
        api_server: None,
        ports: vec![],
        labels: BTreeMap::new(),
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

fn ok(stdout: &str) -> ExecOutput {
    ExecOutput {
        exit_code: 0,
        stdout: stdout.as_bytes().to_vec(),
        stderr: vec![],
    }
}

#[async_trait]
impl Provider for Fake {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn endpoint(&self) -> &str {
        "fake://"
    }
    async fn info(&self) -> PResult<serde_json::Value> {
        Ok(serde_json::json!({"Architecture": "x86_64", "DriverStatus": []}))
    }
    async fn version(&self) -> PResult<serde_json::Value> {
        Ok(serde_json::json!({}))
    }
    async fn image_id(&self, image: &str) -> PResult<Option<String>> {
        Ok((image == "app:v1").then(|| ID.to_string()))
    }
    async fn image_size(&self, _image: &str) -> PResult<Option<u64>> {
        Ok(Some(300_000))
    }
    async fn local_images(&self, _repository: &str) -> PResult<Vec<String>> {
        Ok(vec![])
    }
    async fn bridge_mtu(&self) -> PResult<Option<u32>> {
        Ok(None)
    }
    async fn image_labels(&self, _image: &str) -> PResult<Option<BTreeMap<String, String>>> {
        Ok(None)
    }
    async fn build_image(
        &self,
        _context: Bytes,
        _tag: &str,
        _build_args: &BTreeMap<String, String>,
        _labels: &BTreeMap<String, String>,
        _on_line: &(dyn for<'s> Fn(&'s str) + Send + Sync),
    ) -> PResult<()> {
        unimplemented!()
    }
    async fn commit(&self, _c: &str, _i: &str, _changes: &[String]) -> PResult<()> {
        unimplemented!()
    }
    fn save_images(&self, images: &[String]) -> ByteStream {
        self.saves.lock().unwrap().push(images.to_vec());
        Box::pin(futures_util::stream::iter(
            (0..3).map(|_| Ok(Bytes::from(vec![7u8; 100_000]))),
        ))
    }
    async fn pull_image(
        &self,
        _image: &str,
        _progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> PResult<()> {
        unimplemented!()
    }
    async fn ensure_network(&self, _name: &str) -> PResult<NetworkInfo> {
        unimplemented!()
    }
    async fn privileged_allowed(&self, _image: &str) -> PResult<bool> {
        unimplemented!()
    }
    async fn create_node(&self, _spec: &NodeSpec) -> PResult<()> {
        unimplemented!()
    }
    async fn settle(&self, _timeout: Duration) {}
    async fn wait_for_log(&self, _n: &str, _needles: &[&str], _t: Duration) -> PResult<()> {
        unimplemented!()
    }
    async fn exec(&self, node: &str, cmd: &[String], stdin: ExecInput) -> PResult<ExecOutput> {
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
                    return Ok(ExecOutput {
                        exit_code: 1,
                        stdout: vec![],
                        stderr: b"ctr: no space left on device".to_vec(),
                    });
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
    async fn copy_tar_to(&self, _n: &str, _d: &str, _t: Bytes) -> PResult<()> {
        unimplemented!()
    }
    async fn copy_tar_from(&self, _n: &str, _p: &str) -> PResult<Bytes> {
        unimplemented!()
    }
    async fn list_nodes(&self, cluster: Option<&str>) -> PResult<Vec<NodeInfo>> {
        if cluster != Some("c") {
            return Ok(vec![]);
        }
        Ok(vec![
            node("c-worker3", NodeRole::Worker),
            node("c-control-plane", NodeRole::ControlPlane),
            node("c-external-load-balancer", NodeRole::ExternalLoadBalancer),
            node("c-worker", NodeRole::Worker),
            node("c-worker2", NodeRole::Worker),
        ])
    }
    async fn node_names(&self, cluster: &str) -> PResult<Vec<String>> {
        Ok(self
            .list_nodes(Some(cluster))
            .await?
            .into_iter()
            .map(|n| n.name)
            .collect())
    }
    async fn inspect_node(&self, _node: &str) -> PResult<NodeInfo> {
        unimplemented!()
    }
    async fn logs(&self, _node: &str, _tail: usize) -> PResult<Vec<String>> {
        unimplemented!()
    }
    async fn start_node(&self, _node: &str) -> PResult<()> {
        unimplemented!()
    }
    async fn stop_node(&self, _node: &str, _timeout: Duration) -> PResult<()> {
        unimplemented!()
    }
    async fn remove_nodes(&self, _nodes: &[String]) -> PResult<()> {
        unimplemented!()
    }
}

fn targets<'a>(cluster: &'a str, nodes: &'a [String]) -> Targets<'a> {
    Targets { cluster, nodes }
}

#[tokio::test]
async fn each_node_gets_what_it_needs_and_a_failing_node_is_named() {
    let fake = Fake::default();
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
        *fake.imported.lock().unwrap(),
        BTreeMap::from([("c-worker2".to_string(), 300_000)])
    );
    assert_eq!(
        *fake.tagged.lock().unwrap(),
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
    let fake = Fake::default();
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
    let fake = Fake::default();
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
    assert!(fake.tagged.lock().unwrap().is_empty());
}
