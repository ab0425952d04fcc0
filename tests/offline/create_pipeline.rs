//! The create pipeline's orchestration, without Docker: the shared TEST DOUBLE engine
//! (tests/common/fake.rs) records every call, and the nodes answer commands from a script. It checks the order of the steps, that a
//! failure removes every container made (or keeps them with --retain), and the kubeconfig.
//! The real engine is exercised by tests/docker (docker_nodes, e2e_cluster).

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use minik::api::cluster::create::{create, CreateOptions, NodeExtras};
use minik::api::cluster::ClusterError;
use minik::api::config::ClusterConfig;
use minik::events::Events;
use minik::provider::{ExecInput, ExecOutput, NodeSpec, ProviderError, Result};

use crate::common::fake::{self, Script};

const CA: &str = include_str!("../../src/kubeadm/testdata/ca-rsa.crt");
const ADMIN: &str = include_str!("../fixtures/kubeconfig/admin.conf");

/// What the nodes of a cluster being made answer: kubeadm, kubectl and containerd as a
/// healthy cluster would, with one scripted failure.
#[derive(Default)]
struct Kubeadm {
    /// A command (space-joined argv prefix) that fails with exit code 1.
    fail_on: Option<String>,
    /// `kubectl get nodes` reports no node Ready (a cluster without a CNI).
    never_ready: bool,
    /// The admin.conf the control plane holds, when not kubeadm's.
    admin: Option<String>,
}

type FakeEngine = fake::FakeEngine<Kubeadm>;

#[async_trait]
impl Script for Kubeadm {
    async fn exec(
        &self,
        engine: &FakeEngine,
        _node: &str,
        cmd: &[String],
        _stdin: ExecInput,
    ) -> Result<ExecOutput> {
        let line = cmd.join(" ");
        let ok = |s: &str| Ok(fake::ok(s));
        if self.fail_on.as_deref().is_some_and(|f| line.starts_with(f)) {
            return Ok(fake::failed("scripted failure"));
        }
        match line.as_str() {
            "cat /kind/version" => ok("v1.35.0\n"),
            // containerd 2's CRI plugins as `ctr plugins ls` lists them when serving
            "ctr plugins ls" => ok("TYPE ID PLATFORMS STATUS\n\
                 io.containerd.cri.v1 images - ok\n\
                 io.containerd.cri.v1 runtime linux/amd64 ok\n\
                 io.containerd.grpc.v1 cri - ok\n"),
            "cat /etc/kubernetes/pki/ca.crt" => ok(CA),
            "cat /etc/kubernetes/admin.conf" => ok(self.admin.as_deref().unwrap_or(ADMIN)),
            l if l.starts_with("cat /kind/manifests/") => ok("kind: ConfigMap\n"),
            l if l.contains("get nodes -o json") => {
                let items: Vec<serde_json::Value> = engine
                    .nodes
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|n| n.systemd && !self.never_ready)
                    .map(|n| serde_json::json!({"metadata": {"name": n.name}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}))
                    .collect();
                ok(&serde_json::json!({"kind": "NodeList", "items": items}).to_string())
            }
            _ => ok(""),
        }
    }
}

fn engine(script: Kubeadm) -> FakeEngine {
    FakeEngine::new(script)
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

/// Records every event, to check what the user is told.
#[derive(Default)]
struct Recorder(Mutex<Vec<minik::events::Event>>);

impl minik::events::Reporter for Recorder {
    fn event(&self, event: minik::events::Event) {
        self.0.lock().unwrap().push(event);
    }
}

const EXCLUDE_LB: &str =
    "label nodes --all node.kubernetes.io/exclude-from-external-load-balancers-";

#[tokio::test]
async fn without_workers_the_control_planes_may_back_load_balancers() {
    let dir = tempfile::tempdir().unwrap();
    let engine = FakeEngine::default();
    create(
        &engine,
        options(1, 0, &dir.path().join("a"), false),
        &Events::silent(),
    )
    .await
    .unwrap();
    let calls = engine.calls();
    // After init (kubeadm adds the label), on the first control plane.
    let label = position(
        &calls,
        &format!(
            "exec pipe-control-plane: kubectl --kubeconfig=/etc/kubernetes/admin.conf {EXCLUDE_LB}"
        ),
    );
    assert!(position(&calls, "kubeadm init") < label, "{calls:#?}");

    // With workers, the control planes keep kubeadm's label.
    let engine = FakeEngine::default();
    create(
        &engine,
        options(1, 1, &dir.path().join("b"), false),
        &Events::silent(),
    )
    .await
    .unwrap();
    assert!(!engine.calls().iter().any(|c| c.contains(EXCLUDE_LB)));
}

#[tokio::test]
async fn disabled_default_cni_returns_once_the_api_answers() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(Kubeadm {
        never_ready: true,
        ..Kubeadm::default()
    });
    let mut opts = options(1, 1, &dir.path().join("config"), false);
    opts.config.networking.disable_default_cni = true;
    opts.wait = Duration::from_secs(300);
    let recorder = std::sync::Arc::new(Recorder::default());
    let started = std::time::Instant::now();
    let done = create(&engine, opts, &Events::new(recorder.clone()))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it waited for Ready"
    );
    assert!(!done.ready, "no CNI, no Ready node");
    let events = recorder.0.lock().unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, minik::events::Event::Info(l)
            if l.contains("disableDefaultCNI") && l.contains("install a CNI"))),
        "{events:#?}"
    );
    assert!(!engine
        .calls()
        .iter()
        .any(|c| c.contains("apply -f -") && c.contains("cni")));
}

/// Creates cluster "pipe" with `cps` control planes and no worker; returns what the user was
/// told and the containers made.
async fn create_recorded(
    engine: &FakeEngine,
    cps: usize,
    kubeconfig: &std::path::Path,
) -> (Vec<minik::events::Event>, Vec<NodeSpec>) {
    let recorder = std::sync::Arc::new(Recorder::default());
    create(
        engine,
        options(cps, 0, kubeconfig, false),
        &Events::new(recorder.clone()),
    )
    .await
    .unwrap();
    let events = recorder.0.lock().unwrap().clone();
    (events, engine.nodes.lock().unwrap().clone())
}

fn balancer(specs: &[NodeSpec]) -> &NodeSpec {
    specs
        .iter()
        .find(|n| n.name == "pipe-external-load-balancer")
        .unwrap()
}

#[tokio::test]
async fn ha_without_haproxy_in_the_node_image_runs_the_dedicated_balancer() {
    let dir = tempfile::tempdir().unwrap();
    let engine = FakeEngine {
        no_haproxy: true,
        ..FakeEngine::default()
    };
    let (events, specs) = create_recorded(&engine, 3, &dir.path().join("config")).await;
    let lb = balancer(&specs);
    assert_eq!(lb.image, minik::api::cluster::loadbalancer::DEDICATED_IMAGE);
    // The image's own entrypoint runs haproxy; minik's shell script is not used (no shell).
    assert_eq!((lb.entrypoint.clone(), lb.command.clone()), (None, None));
    assert!(specs
        .iter()
        .filter(|n| n.name != lb.name)
        .all(|n| n.image == "minik/node:test"));
    let calls = engine.calls();
    // Configured with plain commands, checked by haproxy, reloaded through PID 1; before init.
    let write = position(&calls, "exec pipe-external-load-balancer: cp /dev/stdin");
    let check = position(&calls, "exec pipe-external-load-balancer: haproxy -c -q -f");
    let reload = position(&calls, "exec pipe-external-load-balancer: kill -s USR2 1");
    assert!(write < check && check < reload && reload < position(&calls, "kubeadm init"));
    assert!(!calls
        .iter()
        .any(|c| c.starts_with("exec pipe-external-load-balancer: sh")));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, minik::events::Event::Info(l)
            if l.contains("no haproxy") && l.contains("kindest/haproxy"))),
        "{events:#?}"
    );

    // A node image with haproxy keeps the balancer on it, and says so.
    let engine = FakeEngine::default();
    let (events, specs) = create_recorded(&engine, 2, &dir.path().join("config2")).await;
    let lb = balancer(&specs);
    assert_eq!(lb.image, "minik/node:test");
    assert!(lb.entrypoint.is_some());
    assert!(events
        .iter()
        .any(|e| matches!(e, minik::events::Event::Info(l)
        if l.contains("haproxy from the node image"))));
}

/// Creates cluster "pipe" (one control plane, `workers` workers) whose nodes fail the
/// command `step`; returns the temp dir, the kubeconfig path, the engine and the error.
async fn failed_create(
    step: &str,
    workers: usize,
    retain: bool,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    FakeEngine,
    ClusterError,
) {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    let engine = engine(Kubeadm {
        fail_on: Some(step.into()),
        ..Default::default()
    });
    let err = create(&engine, options(1, workers, &kc, retain), &Events::silent())
        .await
        .unwrap_err();
    (dir, kc, engine, err)
}

#[tokio::test]
async fn a_failed_join_removes_every_container() {
    let (_dir, kc, engine, err) = failed_create("kubeadm join", 2, false).await;
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
    let (_dir, _kc, engine, err) = failed_create("kubeadm init", 1, true).await;
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

/// A node whose admin.conf runs a program (issue #21, C2): create, `get kubeconfig` and
/// `export kubeconfig` all refuse it, naming the field and the node, and write nothing.
#[tokio::test]
async fn an_exec_plugin_in_the_nodes_admin_conf_never_reaches_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    let planted = ADMIN.replace(
        "  user:\n",
        "  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh}\n",
    );
    let engine = engine(Kubeadm {
        admin: Some(planted),
        ..Default::default()
    });
    let named = |e: &ClusterError| {
        let text = e.to_string();
        assert!(
            text.contains("exec") && text.contains("pipe-control-plane"),
            "{text}"
        );
    };
    let err = create(&engine, options(1, 0, &kc, true), &Events::silent())
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("Writing kubeconfig failed"),
        "{err}"
    );
    named(&err);
    assert!(!kc.exists(), "nothing written");

    let err = minik::api::cluster::kubeconfig::get(&engine, "pipe", false)
        .await
        .unwrap_err();
    named(&err);
    let Err(err) = minik::api::cluster::kubeconfig::export(&engine, "pipe", Some(&kc)).await else {
        panic!("export took the planted admin.conf");
    };
    named(&err);
    assert!(!kc.exists(), "nothing written");
}
