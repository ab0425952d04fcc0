//! The runner's side of issue #21 on the in-memory cluster: the tour's namespace labelled as
//! its own (and for Pod Security) once made, never taken over with saved progress, "skip" never
//! running a command, a filled manifest checked before it runs, and the lab's commands run as
//! its own identity while minik's fixed actions stay admin.

use super::*;

fn unattended() -> Options {
    Options {
        unattended: true,
        ..Options::default()
    }
}

#[tokio::test]
async fn the_namespace_is_labelled_for_the_tour_and_pod_security_once_made() {
    let lab = lab_file::parse(LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let events = Events::silent();
    let cluster = FakeCluster::default();
    cluster.pods.store(1, Ordering::SeqCst);
    let t = tour(&cluster, &lab, &events, &dir.path().join("lab.t.json"));
    let mut summary = Summary::new(&lab, Lang::En);
    t.run(&Quiet, &unattended(), &mut summary).await.unwrap();
    let labels = cluster.labels.lock().unwrap().clone();
    assert_eq!(
        labels,
        [
            "minik.dev/tour=t",
            "pod-security.kubernetes.io/enforce=baseline"
        ]
    );
    // Labelled right after the step that made it, before the next step ran.
    let ran = cluster.ran.lock().unwrap().clone();
    let label = ran
        .iter()
        .position(|l| l.starts_with("label namespace t"))
        .unwrap();
    let drain = ran.iter().position(|l| l == "drain w1").unwrap();
    assert!(label < drain, "{ran:?}");
    t.clean_up().await.unwrap();
    assert!(!cluster.namespace.load(Ordering::SeqCst));
}

/// Security review L2: with saved progress the old runner skipped the ownership check, so a lab
/// replaced by a bundle (same id, `namespace: shop`) deleted someone's namespace at the end.
#[tokio::test]
async fn saved_progress_never_takes_over_an_unlabelled_namespace() {
    let lab = lab_file::parse(LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.t.json");
    let saved = progress::Progress {
        step: "last".into(),
        cleanup: Vec::new(),
        node_actions: Vec::new(),
        worker: None,
    };
    progress::save(&file, &saved).unwrap();
    let events = Events::silent();
    let cluster = FakeCluster::default();
    cluster.namespace.store(true, Ordering::SeqCst);
    let t = tour(&cluster, &lab, &events, &file);
    let mut summary = Summary::new(&lab, Lang::En);
    let err = t
        .run(&Quiet, &unattended(), &mut summary)
        .await
        .unwrap_err();
    assert!(matches!(err, TourError::NamespaceInUse(_)), "{err}");
    t.clean_up().await.unwrap();
    assert!(cluster.namespace.load(Ordering::SeqCst));
    let ran = cluster.ran.lock().unwrap().clone();
    assert!(
        !ran.iter()
            .any(|l| l.starts_with("delete namespace") || l.starts_with("label")),
        "{ran:?}"
    );
}

/// TEST DOUBLE: a learner who skips every step.
struct Skipper;

#[async_trait::async_trait]
impl Guide for Skipper {
    fn present(&self, _: &Presented) {}
    async fn choose(&self, _: &Presented, _: Option<&[Outcome]>) -> Choice {
        Choice::Skip
    }
    fn command_output(&self, _: &str, _: &str) {}
    fn report(&self, _: &StepReport) {}
    fn note(&self, _: &str) {}
}

/// Security review L3: "Skip" ran a `replay: true` step's command anyway.
#[tokio::test]
async fn skipping_never_runs_the_step_command() {
    let lab = lab_file::parse(LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let events = Events::silent();
    for (guide, opts) in [
        (&Skipper as &dyn Guide, Options::default()),
        (
            &Quiet as &dyn Guide,
            Options {
                unattended: true,
                skip: vec!["ns".into(), "drain".into(), "last".into()],
                ..Options::default()
            },
        ),
    ] {
        let cluster = FakeCluster::default();
        let t = tour(&cluster, &lab, &events, &dir.path().join("lab.t.json"));
        let mut summary = Summary::new(&lab, Lang::En);
        t.run(guide, &opts, &mut summary).await.unwrap();
        assert!(summary.steps.iter().all(|s| s.status == Status::Skipped));
        let ran = cluster.ran.lock().unwrap().clone();
        assert!(
            !ran.iter()
                .any(|l| l.starts_with("create namespace") || l.starts_with("drain")),
            "{ran:?}"
        );
    }
}

/// A manifest is checked again once filled: a lab file checked with sample names cannot aim
/// at another namespace when the real names are known.
#[tokio::test]
async fn a_filled_manifest_is_checked_before_it_runs() {
    let text = r#"
apiVersion: minik.dev/v1alpha1
kind: Lab
id: t
namespace: t
steps:
  - id: cm
    title: ConfigMap
    try: kubectl apply -n {namespace} -f -
    manifest: |
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: x, namespace: lab-namespace}
    timeout: 1s
    checks: [{kind: configmaps, namespace: "{namespace}", atLeast: 1}]
"#;
    let lab = lab_file::parse(text, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let events = Events::silent();
    let cluster = FakeCluster::default();
    let t = tour(&cluster, &lab, &events, &dir.path().join("lab.t.json"));
    let mut summary = Summary::new(&lab, Lang::En);
    let err = t
        .run(&Quiet, &unattended(), &mut summary)
        .await
        .unwrap_err();
    assert!(matches!(err, TourError::Refused { .. }), "{err}");
    assert!(err.to_string().contains("another namespace"), "{err}");
    let ran = cluster.lab_ran.lock().unwrap().clone();
    assert!(!ran.iter().any(|l| l.starts_with("apply")), "{ran:?}");
}

/// Issue #21: the learner's commands and the checks run as the lab's ServiceAccount; minik's
/// fixed actions (the namespace, node actions, labels, clean-up) as admin; the identity is
/// granted the namespace once it is the tour's, and removed at the end.
#[tokio::test]
async fn lab_commands_run_as_the_lab_identity_and_tour_actions_as_admin() {
    let lab = lab_file::parse(LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let events = Events::silent();
    let cluster = FakeCluster::default();
    cluster.pods.store(1, Ordering::SeqCst);
    let t = tour(&cluster, &lab, &events, &dir.path().join("lab.t.json"));
    let mut summary = Summary::new(&lab, Lang::En);
    t.run(&Quiet, &unattended(), &mut summary).await.unwrap();
    let lab_ran = cluster.lab_ran.lock().unwrap().clone();
    assert!(
        lab_ran.contains(&"get pods -n t".to_string()),
        "{lab_ran:?}"
    );
    assert!(
        lab_ran.iter().any(|l| l.starts_with("get namespaces -A")),
        "{lab_ran:?}"
    );
    for admin in ["create namespace t", "drain w1", "label namespace t"] {
        assert!(
            !lab_ran.iter().any(|l| l.starts_with(admin)),
            "{admin}: {lab_ran:?}"
        );
    }
    let ran = cluster.ran.lock().unwrap().clone();
    let token = ran
        .iter()
        .position(|l| l.starts_with("create token minik-tour-t -n kube-system"));
    let put = ran
        .iter()
        .position(|l| l == "put /etc/kubernetes/minik-tour-t.conf");
    let create = ran.iter().position(|l| l == "create namespace t");
    assert!(
        token.unwrap() < put.unwrap() && put.unwrap() < create.unwrap(),
        "{ran:?}"
    );
    // The namespace's Role comes with the label, once.
    let applies = ran.iter().filter(|l| l.as_str() == "apply -f -").count();
    assert_eq!(applies, 2, "{ran:?}");
    t.clean_up().await.unwrap();
    let ran = cluster.ran.lock().unwrap().clone();
    assert!(
        ran.iter()
            .any(|l| l.starts_with("delete clusterrole/minik-tour-t")),
        "{ran:?}"
    );
    assert!(cluster.lab_kubeconfig.lock().unwrap().is_none());
}
