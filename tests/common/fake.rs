//! TEST DOUBLE of the container engine, shared by every flow test that runs without Docker.
//! It keeps containers in memory, records each call in order (`create X`, `booted X`,
//! `exec X: argv`, `remove A,B`, `save I`), and hands node commands to a [`Script`] that each
//! test writes for the flow it checks. The real engine is exercised by the docker binary.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use minik::provider::{
    ByteStream, EngineInfo, EngineVersion, ExecInput, ExecOutput, ImageStore, NetworkInfo,
    NodeInfo, NodeSpec, NodeState, Provider, ProviderError, Result,
};

/// What the nodes answer to commands: the part of the engine each flow test scripts.
#[async_trait]
pub(crate) trait Script: Send + Sync + Sized {
    async fn exec(
        &self,
        engine: &FakeEngine<Self>,
        node: &str,
        cmd: &[String],
        stdin: ExecInput,
    ) -> Result<ExecOutput>;
}

/// A node command's successful output.
pub(crate) fn ok(stdout: &str) -> ExecOutput {
    ExecOutput {
        exit_code: 0,
        stdout: stdout.as_bytes().to_vec(),
        stderr: vec![],
    }
}

/// A node command's failure with exit code 1.
pub(crate) fn failed(stderr: &str) -> ExecOutput {
    ExecOutput {
        exit_code: 1,
        stdout: vec![],
        stderr: stderr.as_bytes().to_vec(),
    }
}

/// A container that exists before the flow starts (a running cluster's node).
pub(crate) fn running_node(cluster: &str, name: &str, role: minik::provider::NodeRole) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        cluster: cluster.into(),
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

pub(crate) struct FakeEngine<S> {
    pub script: S,
    /// Containers the flow created, in order.
    pub nodes: Mutex<Vec<NodeSpec>>,
    /// Containers that existed before the flow started, listed before the created ones.
    pub existing: Vec<NodeInfo>,
    /// Every recorded call, in order.
    pub calls: Mutex<Vec<String>>,
    /// The image lists of each `save_images` call.
    pub saves: Mutex<Vec<Vec<String>>>,
    /// Local images and their IDs; `None`: every image is present (as `sha256:fake`).
    pub images: Option<BTreeMap<String, String>>,
    /// What `image_size` reports for a present image.
    pub image_size: Option<u64>,
    /// The engine's `/info` document, as the engine sends it (JSON).
    pub info: serde_json::Value,
    /// The engine's host when it is another machine (a `tcp://` or `ssh://` engine).
    pub engine_host: Option<String>,
    /// The node image has no haproxy (as kindest/node): the balancer probe says so.
    pub no_haproxy: bool,
    /// Each `load_images` upload: its bytes when the stream ended cleanly, else the error that
    /// broke it (the real engine tags nothing from a broken upload).
    pub uploads: Mutex<Vec<std::result::Result<Vec<u8>, String>>>,
}

impl<S: Script> FakeEngine<S> {
    pub(crate) fn new(script: S) -> Self {
        FakeEngine {
            script,
            nodes: Mutex::default(),
            existing: vec![],
            calls: Mutex::default(),
            saves: Mutex::default(),
            images: None,
            image_size: None,
            info: serde_json::json!({}),
            engine_host: None,
            no_haproxy: false,
            uploads: Mutex::default(),
        }
    }

    pub(crate) fn log(&self, s: String) {
        self.calls.lock().unwrap().push(s);
    }

    pub(crate) fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn info_of(spec: &NodeSpec, i: usize) -> NodeInfo {
        NodeInfo {
            name: spec.name.clone(),
            cluster: spec.cluster.clone(),
            role: spec.role,
            state: NodeState::Running,
            image: spec.image.clone(),
            ipv4: Some(format!("172.30.0.{}", i + 2)),
            ipv6: None,
            api_server: spec
                .ports
                .iter()
                .find(|p| p.container_port == 6443)
                .map(|p| (p.listen_address.clone(), p.host_port)),
            ports: spec.ports.clone(),
            labels: BTreeMap::new(),
        }
    }
}

#[async_trait]
impl<S: Script> Provider for FakeEngine<S> {
    fn name(&self) -> &'static str {
        "docker"
    }
    fn endpoint(&self) -> &str {
        "fake://"
    }
    fn engine_host(&self) -> Option<&str> {
        self.engine_host.as_deref()
    }
    async fn info(&self) -> Result<EngineInfo> {
        // Parsed as the Docker provider parses the engine's answer.
        EngineInfo::from_json(&self.info).map_err(|e| ProviderError::Api {
            call: minik::provider::EngineCall::Info,
            target: "engine".into(),
            message: e.to_string(),
        })
    }
    async fn version(&self) -> Result<EngineVersion> {
        Ok(EngineVersion::default())
    }
    async fn bridge_mtu(&self) -> Result<Option<u32>> {
        Ok(None)
    }
    async fn ensure_network(&self, name: &str) -> Result<NetworkInfo> {
        Ok(NetworkInfo {
            name: name.into(),
            subnets: vec!["172.30.0.0/16".into(), "fd9e:7a3c:21b5:4d10::/64".into()],
            mtu: None,
            ipv6_unavailable: None,
            holders: Vec::new(),
        })
    }
    async fn privileged_allowed(&self, _image: &str) -> Result<bool> {
        Ok(false)
    }
    async fn create_node(&self, spec: &NodeSpec) -> Result<()> {
        self.log(format!("create {}", spec.name));
        self.nodes.lock().unwrap().push(spec.clone());
        Ok(())
    }
    async fn settle(&self, _timeout: Duration) {}
    async fn wait_for_log(&self, node: &str, _n: &[&str], _t: Duration) -> Result<()> {
        if self.no_haproxy && node.ends_with("-lb-probe") {
            return Err(ProviderError::BootExited {
                node: node.into(),
                last_logs: vec!["minik-lb-probe: missing".into()],
            });
        }
        self.log(format!("booted {node}"));
        Ok(())
    }
    async fn exec(&self, node: &str, cmd: &[String], stdin: ExecInput) -> Result<ExecOutput> {
        self.log(format!("exec {node}: {}", cmd.join(" ")));
        self.script.exec(self, node, cmd, stdin).await
    }
    async fn copy_tar_to(&self, _n: &str, _d: &str, _t: Bytes) -> Result<()> {
        Ok(())
    }
    async fn copy_tar_from(&self, _n: &str, _p: &str) -> Result<Bytes> {
        Ok(Bytes::new())
    }
    async fn list_nodes(&self, cluster: Option<&str>) -> Result<Vec<NodeInfo>> {
        let created = self.nodes.lock().unwrap();
        let created = created.iter().enumerate().map(|(i, n)| Self::info_of(n, i));
        Ok(self
            .existing
            .iter()
            .cloned()
            .chain(created)
            .filter(|n| cluster.is_none_or(|c| n.cluster == c))
            .collect())
    }
    async fn node_names(&self, cluster: &str) -> Result<Vec<String>> {
        Ok(self
            .list_nodes(Some(cluster))
            .await?
            .into_iter()
            .map(|n| n.name)
            .collect())
    }
    async fn inspect_node(&self, node: &str) -> Result<NodeInfo> {
        let all = self.list_nodes(None).await?;
        all.into_iter()
            .find(|n| n.name == node)
            .ok_or_else(|| ProviderError::NotFound(node.into()))
    }
    async fn logs(&self, _n: &str, _t: usize) -> Result<Vec<String>> {
        Ok(vec![])
    }
    async fn start_node(&self, _n: &str) -> Result<()> {
        Ok(())
    }
    async fn stop_node(&self, _n: &str, _t: Duration) -> Result<()> {
        Ok(())
    }
    async fn remove_nodes(&self, names: &[String]) -> Result<()> {
        self.log(format!("remove {}", names.join(",")));
        self.nodes
            .lock()
            .unwrap()
            .retain(|n| !names.contains(&n.name));
        Ok(())
    }
}

#[async_trait]
impl<S: Script> ImageStore for FakeEngine<S> {
    async fn image_id(&self, image: &str) -> Result<Option<String>> {
        Ok(match &self.images {
            None => Some("sha256:fake".into()),
            Some(images) => images.get(image).cloned(),
        })
    }
    async fn image_size(&self, image: &str) -> Result<Option<u64>> {
        Ok(self.image_id(image).await?.and(self.image_size))
    }
    async fn local_images(&self, _repository: &str) -> Result<Vec<String>> {
        Ok(vec![])
    }
    async fn image_labels(&self, _image: &str) -> Result<Option<BTreeMap<String, String>>> {
        Ok(None)
    }
    async fn build_image(
        &self,
        _c: Bytes,
        _t: &str,
        _a: &BTreeMap<String, String>,
        _l: &BTreeMap<String, String>,
        _o: &(dyn for<'s> Fn(&'s str) + Send + Sync),
    ) -> Result<()> {
        unreachable!("no flow under test builds images")
    }
    async fn commit(&self, _c: &str, _i: &str, _ch: &[String]) -> Result<()> {
        unreachable!("no flow under test commits containers")
    }
    fn save_images(&self, images: &[String]) -> ByteStream {
        self.log(format!("save {}", images.join(",")));
        self.saves.lock().unwrap().push(images.to_vec());
        Box::pin(futures_util::stream::iter(
            (0..3).map(|_| Ok(Bytes::from(vec![7u8; 100_000]))),
        ))
    }
    async fn load_images(&self, mut source: ByteStream) -> Result<()> {
        use futures_util::StreamExt;
        let mut got = Vec::new();
        while let Some(chunk) = source.next().await {
            match chunk {
                Ok(b) => got.extend_from_slice(&b),
                Err(e) => {
                    self.uploads.lock().unwrap().push(Err(e.to_string()));
                    return Err(ProviderError::Api {
                        call: minik::provider::EngineCall::ImageLoad,
                        target: "an image archive".into(),
                        message: format!("unexpected EOF: {e}"),
                    });
                }
            }
        }
        self.log(format!("load {} bytes", got.len()));
        self.uploads.lock().unwrap().push(Ok(got));
        Ok(())
    }
    async fn remove_image(&self, image: &str) -> Result<()> {
        self.log(format!("rmi {image}"));
        Ok(())
    }
    async fn tag_image(&self, image: &str, target: &str) -> Result<()> {
        self.log(format!("tag {image} {target}"));
        Ok(())
    }
    async fn pull_image(&self, _i: &str, _p: &(dyn Fn(u64, u64) + Send + Sync)) -> Result<()> {
        Ok(())
    }
}

impl<S: Script + Default> Default for FakeEngine<S> {
    fn default() -> Self {
        FakeEngine::new(S::default())
    }
}
