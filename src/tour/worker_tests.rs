//! `{worker}` is one node for the whole run of a lab: chosen by the first step that needs it,
//! kept when the namespace's pods move to another worker, saved with the progress so that a
//! resumed tour goes on with it, and chosen afresh when the saved one is not a running worker.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::cluster::ClusterError;
use crate::events::Events;
use crate::provider::ExecOutput;
use crate::tour::access::Access;
use crate::tour::check::Outcome;
use crate::tour::lab::{Lab, Lang};
use crate::tour::lab_file;
use crate::tour::progress;
use crate::tour::run::{Choice, Guide, Options, Presented, Summary, Tour};
use crate::tour::step::StepReport;

/// TEST DOUBLE: workers `w1` and `w2`; the namespace's one pod runs on `w2` the first time the
/// pods are listed and on `w1` after that (it moved).
#[derive(Default)]
struct Moving {
    listed: AtomicUsize,
}

fn out(stdout: &str) -> ExecOutput {
    ExecOutput {
        exit_code: 0,
        stdout: stdout.as_bytes().to_vec(),
        stderr: Vec::new(),
    }
}

#[async_trait::async_trait]
impl Access for Moving {
    async fn kubectl(&self, args: &[String], _: Option<&str>) -> Result<ExecOutput, ClusterError> {
        let line = args.join(" ");
        Ok(if line.starts_with("create token") {
            out("tok\n")
        } else if line.starts_with("get namespace ") {
            out("")
        } else if line == "get pods -n t -o json" {
            let n = self.listed.fetch_add(1, Ordering::SeqCst);
            let node = if n == 0 { "w2" } else { "w1" };
            out(&format!(
                r#"{{"items":[{{"spec":{{"nodeName":"{node}"}}}}]}}"#
            ))
        } else {
            out(r#"{"items":[]}"#)
        })
    }

    async fn lab_kubectl(
        &self,
        args: &[String],
        input: Option<&str>,
    ) -> Result<ExecOutput, ClusterError> {
        self.kubectl(args, input).await
    }

    async fn on_node(&self, _: &str, argv: &[&str]) -> Result<ExecOutput, ClusterError> {
        Ok(match argv {
            ["cat", ..] => out(
                "clusters:\n- cluster: {server: 'https://cp:6443', certificate-authority-data: Q0E=}\n",
            ),
            _ => out(""),
        })
    }

    async fn put_file(&self, _: &str, _: &str) -> Result<(), ClusterError> {
        Ok(())
    }

    fn use_lab_kubeconfig(&self, _: Option<String>) {}
}

/// TEST DOUBLE: the learner, recording each command shown.
#[derive(Default)]
struct Shown(Mutex<Vec<String>>);

#[async_trait::async_trait]
impl Guide for Shown {
    fn present(&self, p: &Presented) {
        self.0
            .lock()
            .unwrap()
            .push(p.command.clone().unwrap_or_default());
    }
    async fn choose(&self, _: &Presented, _: Option<&[Outcome]>) -> Choice {
        Choice::Run
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
  - id: a
    title: A
    try: kubectl get node {worker}
    checks: [{kind: nodes, count: 0}]
  - id: b
    title: B
    try: kubectl describe node {worker}
    checks: [{kind: nodes, count: 0}]
"#;

fn tour<'a>(access: &'a Moving, lab: &'a Lab, events: &'a Events, file: &Path) -> Tour<'a> {
    Tour::new(
        access,
        lab,
        Lang::En,
        events,
        "lab",
        "cp",
        vec!["w1".into(), "w2".into()],
    )
    .with_progress_file(Some(file.to_path_buf()))
}

use std::path::Path;

fn unattended() -> Options {
    Options {
        unattended: true,
        ..Options::default()
    }
}

#[tokio::test]
async fn the_worker_is_chosen_once_for_the_whole_run() {
    let lab = lab_file::parse(LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.t.json");
    let (events, access, guide) = (Events::silent(), Moving::default(), Shown::default());
    let t = tour(&access, &lab, &events, &file);
    let mut summary = Summary::new(&lab, Lang::En);
    t.run(&guide, &unattended(), &mut summary).await.unwrap();
    // The pod moved to w1 after step a chose w2: step b still means w2.
    assert_eq!(
        *guide.0.lock().unwrap(),
        ["kubectl get node w2", "kubectl describe node w2"]
    );
    // A finished run keeps no choice: the next run chooses afresh.
    t.clean_up().await.unwrap();
    assert_eq!(progress::load(&file), None);
}

#[tokio::test]
async fn a_resumed_tour_keeps_the_saved_worker_if_it_still_runs() {
    let lab = lab_file::parse(LAB, "t.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.t.json");
    for (saved, want) in [("w2", "w2"), ("ghost", "w2"), ("--all", "w2")] {
        let p = progress::Progress {
            step: "b".into(),
            worker: Some(saved.into()),
            ..progress::Progress::default()
        };
        progress::save(&file, &p).unwrap();
        let (events, access, guide) = (Events::silent(), Moving::default(), Shown::default());
        // The first listing (w2) is the busiest now; a saved w2 is kept all the same when the
        // listing would say w1, which the second case checks by listing once first.
        if saved == "w2" {
            access.listed.store(1, Ordering::SeqCst);
        }
        let t = tour(&access, &lab, &events, &file);
        let mut summary = Summary::new(&lab, Lang::En);
        t.run(&guide, &unattended(), &mut summary).await.unwrap();
        assert_eq!(
            *guide.0.lock().unwrap(),
            [format!("kubectl describe node {want}")],
            "saved {saved}"
        );
        t.clean_up().await.unwrap();
    }
}
