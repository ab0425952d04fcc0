//! The runner on an in-memory cluster (a test double answering kubectl): a failed unattended
//! step keeps its place and the cleanup it owes; cleanup undoes the step and deletes the
//! namespace; a resumed tour makes the earlier steps' objects again and starts at the saved
//! step; a namespace the tour did not make is refused and left alone.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::*;
use crate::provider::ExecOutput;
use crate::tour::check::Outcome;
use crate::tour::lab_file;

/// TEST DOUBLE: a cluster with one worker `w1`, the namespace `t` (or not) and `pods` pods in it.
#[derive(Default)]
struct FakeCluster {
    ran: Mutex<Vec<String>>,
    namespace: AtomicBool,
    /// The namespace's labels, `key=value`.
    labels: Mutex<Vec<String>>,
    /// The commands run as the lab's identity (also in `ran`), and the kubeconfig it uses.
    lab_ran: Mutex<Vec<String>>,
    lab_kubeconfig: Mutex<Option<String>>,
    pods: AtomicUsize,
    /// Whether kube-system has kube-proxy's DaemonSet (not with `kubeProxyMode: none`).
    kube_proxy: AtomicBool,
    /// How this machine reaches the nodes (none by default, as on Docker Desktop unpublished).
    reach: Mutex<crate::tour::reach::NodeReach>,
}

fn reply(stdout: String) -> ExecOutput {
    ExecOutput {
        exit_code: 0,
        stdout: stdout.into_bytes(),
        stderr: Vec::new(),
    }
}

#[async_trait::async_trait]
impl Access for FakeCluster {
    async fn kubectl(
        &self,
        args: &[String],
        _input: Option<&str>,
    ) -> Result<ExecOutput, ClusterError> {
        let line = args.join(" ");
        self.ran.lock().unwrap().push(line.clone());
        let exists = self.namespace.load(Ordering::SeqCst);
        let out = if line == "get namespace t -o json --ignore-not-found" {
            let labels: Vec<String> = self
                .labels
                .lock()
                .unwrap()
                .iter()
                .map(|l| {
                    let (k, v) = l.split_once('=').unwrap();
                    format!(r#""{k}":"{v}""#)
                })
                .collect();
            reply(if exists {
                format!(
                    r#"{{"metadata":{{"name":"t","labels":{{{}}}}}}}"#,
                    labels.join(",")
                )
            } else {
                String::new()
            })
        } else if let Some(rest) = line.strip_prefix("label namespace t ") {
            let mut labels = self.labels.lock().unwrap();
            labels.extend(
                rest.split(' ')
                    .filter(|w| w.contains('='))
                    .map(String::from),
            );
            reply("namespace/t labeled\n".into())
        } else if line == "create namespace t" {
            self.namespace.store(true, Ordering::SeqCst);
            reply("namespace/t created\n".into())
        } else if line.starts_with("delete namespace t") {
            self.namespace.store(false, Ordering::SeqCst);
            self.labels.lock().unwrap().clear();
            reply(String::new())
        } else if line.starts_with("get namespaces") {
            let items = if exists {
                r#"[{"metadata":{"name":"t"}}]"#
            } else {
                "[]"
            };
            reply(format!(r#"{{"items":{items}}}"#))
        } else if line.starts_with("get pods -n t") {
            let n = if exists {
                self.pods.load(Ordering::SeqCst)
            } else {
                0
            };
            let pod = r#"{"metadata":{"name":"p"},"spec":{"nodeName":"w1"},"status":{"phase":"Running"}}"#;
            reply(format!(r#"{{"items":[{}]}}"#, vec![pod; n].join(",")))
        } else if line.starts_with("get daemonsets -n kube-system")
            && self.kube_proxy.load(Ordering::SeqCst)
        {
            reply(r#"{"items":[{"metadata":{"name":"kube-proxy"}}]}"#.into())
        } else {
            reply(r#"{"items":[]}"#.into())
        };
        Ok(out)
    }

    async fn lab_kubectl(
        &self,
        args: &[String],
        input: Option<&str>,
    ) -> Result<ExecOutput, ClusterError> {
        if self.lab_kubeconfig.lock().unwrap().is_some() {
            self.lab_ran.lock().unwrap().push(args.join(" "));
        }
        self.kubectl(args, input).await
    }

    async fn on_node(&self, _node: &str, argv: &[&str]) -> Result<ExecOutput, ClusterError> {
        if argv.first() == Some(&"cat") {
            return Ok(reply(
                "clusters:\n- cluster: {server: 'https://cp:6443', certificate-authority-data: Q0E=}\n"
                    .into(),
            ));
        }
        Ok(reply(String::new()))
    }

    async fn put_file(&self, path: &str, _text: &str) -> Result<(), ClusterError> {
        self.ran.lock().unwrap().push(format!("put {path}"));
        Ok(())
    }

    fn use_lab_kubeconfig(&self, path: Option<String>) {
        *self.lab_kubeconfig.lock().unwrap() = path;
    }

    fn reach(&self) -> crate::tour::reach::NodeReach {
        self.reach.lock().unwrap().clone()
    }
}

/// TEST DOUBLE: the learner's side, answering nothing (the runs are unattended).
struct Quiet;

#[async_trait::async_trait]
impl Guide for Quiet {
    fn present(&self, _: &Presented) {}
    async fn choose(&self, _: &Presented, _: Option<&[Outcome]>) -> Choice {
        Choice::Quit
    }
    fn command_output(&self, _: &str, _: &str) {}
    fn report(&self, _: &StepReport) {}
    fn note(&self, _: &str) {}
}

const LAB: &str = r#"
apiVersion: minik.dev/v1alpha1
kind: Lab
id: t
namespace: t
steps:
  - id: ns
    title: Namespace
    try: kubectl create namespace {namespace}
    replay: true
    timeout: 1s
    checks: [{kind: namespaces, name: "{namespace}", exists: true}]
  - id: drain
    title: Drain
    try: kubectl drain {worker}
    cleanup:
      - kubectl uncordon {worker}
    timeout: 1s
    checks: [{kind: namespaces, name: "{namespace}", exists: true}]
  - id: last
    title: Last
    try: kubectl get pods -n {namespace}
    timeout: 1s
    checks: [{kind: pods, namespace: "{namespace}", atLeast: 1}]
"#;

fn tour<'a>(cluster: &'a FakeCluster, lab: &'a Lab, events: &'a Events, file: &Path) -> Tour<'a> {
    Tour::new(
        cluster,
        lab,
        Lang::En,
        events,
        "lab",
        "lab-control-plane",
        vec!["w1".into()],
    )
    .with_progress_file(Some(file.to_path_buf()))
}

use std::path::Path;

#[tokio::test]
async fn fails_in_place_cleans_up_and_resumes_where_it_stopped() {
    let lab = lab_file::parse(LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.t.json");
    let events = Events::silent();
    let cluster = FakeCluster::default();
    let opts = Options {
        unattended: true,
        ..Options::default()
    };

    // No pods: the last step fails; its place and the owed uncordon are kept.
    let t = tour(&cluster, &lab, &events, &file);
    let mut summary = Summary::new(&lab, Lang::En);
    let err = t.run(&Quiet, &opts, &mut summary).await.unwrap_err();
    assert!(
        err.to_string().starts_with(
            "step \"last\" (Last) did not happen: expected at least 1 pods in t; found none"
        ),
        "{err}"
    );
    let saved = progress::load(&file).unwrap();
    assert_eq!(saved.step, "last");
    assert_eq!(
        saved.cleanup,
        vec![vec!["uncordon".to_string(), "w1".to_string()]]
    );
    t.clean_up().await.unwrap();
    let ran = cluster.ran.lock().unwrap().clone();
    assert!(ran.contains(&"drain w1".to_string()), "{ran:?}");
    let uncordon = ran.iter().position(|l| l == "uncordon w1").unwrap();
    let delete = ran
        .iter()
        .position(|l| l.starts_with("delete namespace t"))
        .unwrap();
    assert!(uncordon < delete, "{ran:?}");
    assert!(!cluster.namespace.load(Ordering::SeqCst));
    assert_eq!(
        progress::load(&file).unwrap().cleanup,
        Vec::<Vec<String>>::new()
    );

    // With a pod: resumed at "last", after making the namespace again (ns replays, drain not).
    cluster.pods.store(1, Ordering::SeqCst);
    cluster.ran.lock().unwrap().clear();
    let t = tour(&cluster, &lab, &events, &file);
    let mut summary = Summary::new(&lab, Lang::En);
    t.run(&Quiet, &opts, &mut summary).await.unwrap();
    let ids: Vec<&str> = summary.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["last"]);
    assert!(summary.finished);
    let ran = cluster.ran.lock().unwrap().clone();
    let create = ran.iter().position(|l| l == "create namespace t").unwrap();
    let last = ran.iter().position(|l| l == "get pods -n t").unwrap();
    assert!(create < last, "{ran:?}");
    assert!(!ran.iter().any(|l| l.starts_with("drain")), "{ran:?}");
    assert!(!file.exists());
    t.clean_up().await.unwrap();
    assert!(!cluster.namespace.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_namespace_the_tour_did_not_make_is_left_alone() {
    let lab = lab_file::parse(LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.t.json");
    let events = Events::silent();
    let cluster = FakeCluster::default();
    cluster.namespace.store(true, Ordering::SeqCst);
    let t = tour(&cluster, &lab, &events, &file);
    let mut summary = Summary::new(&lab, Lang::En);
    let err = t
        .run(&Quiet, &Options::default(), &mut summary)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TourError::NamespaceInUse(ref ns) if ns == "t"),
        "{err}"
    );
    assert!(err.is_bad_input());
    t.clean_up().await.unwrap();
    assert!(cluster.namespace.load(Ordering::SeqCst));
    assert!(!cluster
        .ran
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.starts_with("delete namespace")));
}

#[tokio::test]
async fn a_step_needing_more_workers_says_so_and_the_tour_goes_on() {
    let lab = lab_file::parse(LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let events = Events::silent();
    let cluster = FakeCluster::default();
    cluster.pods.store(1, Ordering::SeqCst);
    let t = Tour::new(
        &cluster,
        &lab,
        Lang::Ko,
        &events,
        "lab",
        "lab-control-plane",
        vec![],
    )
    .with_progress_file(Some(dir.path().join("lab.t.json")));
    let mut summary = Summary::new(&lab, Lang::Ko);
    let opts = Options {
        unattended: true,
        ..Options::default()
    };
    t.run(&Quiet, &opts, &mut summary).await.unwrap();
    let drain = &summary.steps[1];
    assert_eq!(drain.status, Status::NotApplicable);
    assert_eq!(
        drain.note.as_deref(),
        Some(
            "워커 노드가 1개 필요하지만 이 클러스터에는 0개 있습니다 \
             (minik create --nodes 2 명령으로 만든 클러스터에서 해 볼 수 있습니다)"
        )
    );
    assert_eq!(summary.steps[2].status, Status::Passed);
    assert!(!cluster
        .ran
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.starts_with("drain")));
}

#[tokio::test]
async fn a_kube_proxy_step_is_not_applicable_without_kube_proxy() {
    let lab = LAB.replace(
        "    try: kubectl get pods -n {namespace}\n",
        "    try: kubectl get pods -n {namespace}\n    needsKubeProxy: true\n",
    );
    let lab = lab_file::parse(&lab, "t.yaml").unwrap();
    for with_proxy in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let events = Events::silent();
        let cluster = FakeCluster::default();
        cluster.pods.store(1, Ordering::SeqCst);
        cluster.kube_proxy.store(with_proxy, Ordering::SeqCst);
        let t = tour(&cluster, &lab, &events, &dir.path().join("lab.t.json"));
        let mut summary = Summary::new(&lab, Lang::En);
        let opts = Options {
            unattended: true,
            ..Options::default()
        };
        t.run(&Quiet, &opts, &mut summary).await.unwrap();
        let last = &summary.steps[2];
        if with_proxy {
            assert_eq!(last.status, Status::Passed);
        } else {
            assert_eq!(last.status, Status::NotApplicable);
            assert!(last
                .note
                .as_deref()
                .unwrap()
                .contains("kubeProxyMode: none"));
            let ran = cluster.ran.lock().unwrap();
            assert!(!ran.iter().any(|l| l == "get pods -n t"), "{ran:?}");
        }
    }
}

#[path = "run_safety_tests.rs"]
mod safety;

/// A step whose text shows a node port's URL runs where this machine reaches the port, and is
/// set aside, saying how to publish it, where nothing does (Docker Desktop without
/// extraPortMappings).
#[tokio::test]
async fn a_node_port_nothing_here_reaches_sets_its_step_aside_with_how_to_publish_it() {
    const NODE_PORT_LAB: &str = r#"
apiVersion: minik.dev/v1alpha1
kind: Lab
id: t
namespace: t
steps:
  - id: ns
    title: Namespace
    try: kubectl create namespace {namespace}
    timeout: 1s
    checks: [{kind: namespaces, name: "{namespace}", exists: true}]
  - id: from-here
    title: From here
    text: "open {nodePortUrl:30080}/hostname"
    try: kubectl get namespaces
    timeout: 1s
    checks: [{kind: namespaces, name: "{namespace}", exists: true}]
"#;
    let lab = lab_file::parse(NODE_PORT_LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let events = Events::silent();
    let opts = Options {
        unattended: true,
        ..Options::default()
    };
    let cluster = FakeCluster::default();
    let t = tour(&cluster, &lab, &events, &dir.path().join("a.json"));
    let mut summary = Summary::new(&lab, Lang::En);
    t.run(&Quiet, &opts, &mut summary).await.unwrap();
    let step = &summary.steps[1];
    assert_eq!(step.status, Status::NotApplicable);
    let note = step.note.clone().unwrap_or_default();
    assert!(
        note.contains("node port 30080") && note.contains("containerPort 30080"),
        "{note}"
    );
    t.clean_up().await.unwrap();

    let cluster = FakeCluster::default();
    *cluster.reach.lock().unwrap() = crate::tour::reach::NodeReach {
        routable: false,
        nodes: vec![crate::provider::NodeInfo {
            name: "lab-control-plane".into(),
            cluster: "lab".into(),
            role: crate::provider::NodeRole::ControlPlane,
            state: crate::provider::NodeState::Running,
            image: String::new(),
            ipv4: Some("172.18.0.2".into()),
            ipv6: None,
            api_server: None,
            ports: vec![crate::provider::PortMapping {
                listen_address: "127.0.0.1".into(),
                host_port: 30080,
                container_port: 30080,
                protocol: "tcp".into(),
            }],
            labels: Default::default(),
        }],
    };
    let t = tour(&cluster, &lab, &events, &dir.path().join("b.json"));
    let mut summary = Summary::new(&lab, Lang::En);
    t.run(&Quiet, &opts, &mut summary).await.unwrap();
    assert_eq!(
        summary.steps[1].status,
        Status::Passed,
        "{:?}",
        summary.steps[1]
    );
    t.clean_up().await.unwrap();
}
