//! The create pipeline's orchestration, without Docker: a TEST DOUBLE provider records every
//! call and answers node commands from a script. It checks the order of the steps, that a
//! failure removes every container made (or keeps them with --retain), and the kubeconfig.
//! The real engine is exercised by docker_nodes.rs and e2e_cluster.rs.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use minik::cluster::create::{create, CreateOptions, NodeExtras};
use minik::cluster::ClusterError;
use minik::config::ClusterConfig;
use minik::events::Events;
use minik::provider::{
    ByteStream, ExecInput, ExecOutput, NetworkInfo, NodeInfo, NodeSpec, NodeState, Provider,
    ProviderError, Result,
};

const CA: &str = include_str!("../src/kubeadm/testdata/ca-rsa.crt");
const ADMIN: &str = include_str!("fixtures/kubeconfig/admin.conf");

/// Test double: an engine that keeps containers in memory and runs no commands.
#[derive(Default)]
struct FakeEngine {
    nodes: Mutex<Vec<NodeSpec>>,
    calls: Mutex<Vec<String>>,
    /// A command (space-joined argv prefix) that fails with exit code 1.
    fail_on: Option<String>,
}

impl FakeEngine {
    fn log(&self, s: String) {
        self.calls.lock().unwrap().push(s);
    }
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
    fn info(&self, spec: &NodeSpec, i: usize) -> NodeInfo {
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
impl Provider for FakeEngine {
    fn name(&self) -> &'static str {
        "docker"
    }
    fn endpoint(&self) -> &str {
        "fake://"
    }
    async fn info(&self) -> Result<serde_json::Value> {
        Ok(serde_json::json!({}))
    }
    async fn version(&self) -> Result<serde_json::Value> {
        Ok(serde_json::json!({}))
    }
    async fn image_id(&self, _image: &str) -> Result<Option<String>> {
        Ok(Some("sha256:fake".into()))
    }
    async fn local_images(&self, _repository: &str) -> Result<Vec<String>> {
        Ok(vec![])
    }
    async fn bridge_mtu(&self) -> Result<Option<u32>> {
        Ok(None)
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
        unreachable!("create never builds images")
    }
    async fn commit(&self, _c: &str, _i: &str, _ch: &[String]) -> Result<()> {
        unreachable!("create never commits")
    }
    fn save_images(&self, _images: &[String]) -> ByteStream {
        unreachable!("create never saves images")
    }
    async fn pull_image(&self, _i: &str, _p: &(dyn Fn(u64, u64) + Send + Sync)) -> Result<()> {
        Ok(())
    }
    async fn ensure_network(&self, name: &str) -> Result<NetworkInfo> {
        Ok(NetworkInfo {
            name: name.into(),
            subnets: vec!["172.30.0.0/16".into()],
            mtu: None,
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
        self.log(format!("booted {node}"));
        Ok(())
    }
    async fn exec(&self, node: &str, cmd: &[String], _stdin: ExecInput) -> Result<ExecOutput> {
        let line = cmd.join(" ");
        self.log(format!("exec {node}: {line}"));
        let ok = |s: &str| {
            Ok(ExecOutput {
                exit_code: 0,
                stdout: s.as_bytes().to_vec(),
                stderr: vec![],
            })
        };
        if self.fail_on.as_deref().is_some_and(|f| line.starts_with(f)) {
            return Ok(ExecOutput {
                exit_code: 1,
                stdout: vec![],
                stderr: b"scripted failure".to_vec(),
            });
        }
        match line.as_str() {
            "cat /kind/version" => ok("v1.35.0\n"),
            // containerd 2's CRI plugins as `ctr plugins ls` lists them when serving
            "ctr plugins ls" => ok("TYPE ID PLATFORMS STATUS\n\
                 io.containerd.cri.v1 images - ok\n\
                 io.containerd.cri.v1 runtime linux/amd64 ok\n\
                 io.containerd.grpc.v1 cri - ok\n"),
            "cat /etc/kubernetes/pki/ca.crt" => ok(CA),
            "cat /etc/kubernetes/admin.conf" => ok(ADMIN),
            l if l.starts_with("cat /kind/manifests/") => ok("kind: ConfigMap\n"),
            l if l.contains("get nodes -o json") => {
                let items: Vec<serde_json::Value> = self
                    .nodes
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|n| n.systemd)
                    .map(|n| serde_json::json!({"metadata": {"name": n.name}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}))
                    .collect();
                ok(&serde_json::json!({"kind": "NodeList", "items": items}).to_string())
            }
            _ => ok(""),
        }
    }
    async fn copy_tar_to(&self, _n: &str, _d: &str, _t: Bytes) -> Result<()> {
        Ok(())
    }
    async fn copy_tar_from(&self, _n: &str, _p: &str) -> Result<Bytes> {
        Ok(Bytes::new())
    }
    async fn list_nodes(&self, cluster: Option<&str>) -> Result<Vec<NodeInfo>> {
        let nodes = self.nodes.lock().unwrap();
        Ok(nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| cluster.is_none_or(|c| n.cluster == c))
            .map(|(i, n)| self.info(n, i))
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

fn options(
    cps: usize,
    workers: usize,
    kubeconfig: &std::path::Path,
    retain: bool,
) -> CreateOptions {
    CreateOptions {
        config: ClusterConfig::with_nodes("pipe", cps, workers),
        image: "minik/node:test".into(),
        wait: Duration::from_secs(5),
        retain,
        kubeconfig: Some(kubeconfig.to_path_buf()),
        extras: NodeExtras::default(),
    }
}

fn position(calls: &[String], needle: &str) -> usize {
    calls
        .iter()
        .position(|c| c.contains(needle))
        .unwrap_or_else(|| panic!("no call with {needle:?} in {calls:#?}"))
}

#[tokio::test]
async fn steps_run_in_order_and_the_kubeconfig_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    let engine = FakeEngine::default();
    let done = create(&engine, options(3, 2, &kc, false), &Events::silent())
        .await
        .unwrap();
    let calls = engine.calls();

    // Every container is created before any waiting; kubeadm init runs once the first control
    // plane has booted (the others may still be booting); every node has booted before it
    // joins, and every join waits for init. The second control plane joins before the third,
    // and workers join after the control planes.
    let last_create = calls
        .iter()
        .rposition(|c| c.starts_with("create pipe-"))
        .unwrap();
    let first_boot = position(&calls, "booted pipe-control-plane");
    assert!(last_create < first_boot, "{calls:#?}");
    let init = position(&calls, "pipe-control-plane: kubeadm init");
    assert!(first_boot < init);
    for node in [
        "pipe-control-plane2",
        "pipe-control-plane3",
        "pipe-worker",
        "pipe-worker2",
    ] {
        assert!(
            position(&calls, &format!("booted {node}"))
                < position(&calls, &format!("{node}: kubeadm join"))
        );
    }
    let cp2 = position(&calls, "pipe-control-plane2: kubeadm join");
    let cp3 = position(&calls, "pipe-control-plane3: kubeadm join");
    let w1 = position(&calls, "pipe-worker: kubeadm join");
    assert!(init < cp2 && cp2 < cp3 && cp3 < w1, "{calls:#?}");
    // Secondary control planes get the shared PKI before they join.
    let pki = calls
        .iter()
        .position(|c| {
            c.starts_with("exec pipe-control-plane2:") && c.contains("/etc/kubernetes/pki/ca.key")
        })
        .expect("the CA key is copied to control-plane2");
    assert!(pki < cp2);
    // The CNI goes in right after init, before joins.
    let cni = position(&calls, "apply -f -");
    assert!(init < cni && cni < cp2);
    // The load balancer exists because there are three control planes.
    assert!(calls
        .iter()
        .any(|c| c == "create pipe-external-load-balancer"));
    // The node image is checked for haproxy (a throwaway container, removed) before any node
    // exists, and the balancer is configured before kubeadm init goes through it.
    let probe = position(&calls, "create pipe-lb-probe");
    assert!(probe < position(&calls, "create pipe-control-plane"));
    assert!(!calls
        .iter()
        .any(|c| c.starts_with("remove") && c != "remove pipe-lb-probe"));
    let lb_config = position(&calls, "exec pipe-external-load-balancer: sh -c");
    assert!(first_boot < lb_config && lb_config < init, "{calls:#?}");

    // Nodes, not containers: the balancer is not counted.
    assert_eq!(done.nodes, 5);
    assert_eq!(done.context, "minik-pipe");
    let written = std::fs::read_to_string(&kc).unwrap();
    assert!(
        written.contains("name: minik-pipe") && written.contains("current-context: minik-pipe"),
        "{written}"
    );
}

#[tokio::test]
async fn a_failed_join_removes_every_container() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    let engine = FakeEngine {
        fail_on: Some("kubeadm join".into()),
        ..Default::default()
    };
    let err = create(&engine, options(1, 2, &kc, false), &Events::silent())
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("Joining worker nodes failed"),
        "{err}"
    );
    assert!(matches!(
        err.root(),
        ClusterError::Provider(ProviderError::ExecFailed { .. })
    ));
    assert!(
        engine.nodes.lock().unwrap().is_empty(),
        "containers left: {:#?}",
        engine.calls()
    );
    assert!(!kc.exists(), "no kubeconfig for a failed create");
}

#[tokio::test]
async fn retain_keeps_the_nodes_of_a_failed_create() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    let engine = FakeEngine {
        fail_on: Some("kubeadm init".into()),
        ..Default::default()
    };
    let err = create(&engine, options(1, 1, &kc, true), &Events::silent())
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("Starting control-plane failed"),
        "{err}"
    );
    assert_eq!(engine.nodes.lock().unwrap().len(), 2);
    assert!(!engine.calls().iter().any(|c| c.starts_with("remove")));
}

#[tokio::test]
async fn an_existing_cluster_is_refused_before_anything_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    let engine = FakeEngine::default();
    create(&engine, options(1, 0, &kc, false), &Events::silent())
        .await
        .unwrap();
    let before = engine.calls().len();
    let err = create(&engine, options(1, 0, &kc, false), &Events::silent())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClusterError::AlreadyExists(ref n) if n == "pipe"),
        "{err}"
    );
    assert_eq!(engine.calls().len(), before, "nothing was made");
}
