//! Node actions on an in-memory cluster whose nodes keep files and a kubelet (a test double):
//! done as their step starts and undone however the tour ends (the lab's own undo step, the
//! end, a failed step, a signal), and, after a kill, by the next tour before anything else,
//! from the journal in the progress file (of any lab on the cluster). A journal entry naming
//! anything but minik's own actions is never run.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::*;
use crate::cluster::ClusterError;
use crate::events::Events;
use crate::provider::ExecOutput;
use crate::tour::access::Access;
use crate::tour::check::Outcome;
use crate::tour::lab::{Lab, Lang};
use crate::tour::lab_file;
use crate::tour::run::{Choice, Options, Presented, Summary};
use crate::tour::step::StepReport;

const SCHEDULER: &str = "/etc/kubernetes/manifests/kube-scheduler.yaml";

/// TEST DOUBLE: a control plane `cp` and a worker `w1`, their files and the worker's kubelet,
/// changed only by the node commands minik runs (which are recorded, with the node).
struct Nodes {
    files: Mutex<BTreeSet<String>>,
    kubelet_active: AtomicBool,
    /// Undoing fails (a node that does not answer).
    refuse_undo: AtomicBool,
    ran: Mutex<Vec<String>>,
}

impl Default for Nodes {
    fn default() -> Self {
        Nodes {
            files: Mutex::new(BTreeSet::from([SCHEDULER.to_string()])),
            kubelet_active: AtomicBool::new(true),
            refuse_undo: AtomicBool::new(false),
            ran: Mutex::new(Vec::new()),
        }
    }
}

fn out(code: i64, stdout: &str) -> ExecOutput {
    ExecOutput {
        exit_code: code,
        stdout: stdout.as_bytes().to_vec(),
        stderr: Vec::new(),
    }
}

impl Nodes {
    fn healthy(&self) -> bool {
        self.files.lock().unwrap().contains(SCHEDULER) && self.kubelet_active.load(Ordering::SeqCst)
    }

    fn node_commands(&self) -> Vec<String> {
        self.ran
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("systemctl") || l.contains(" sh -c "))
            .cloned()
            .collect()
    }

    /// The shell scripts' effect: `$1` moved to `$2` (away) or back.
    fn script(&self, script: &str, from: &str, to: &str) -> ExecOutput {
        let mut files = self.files.lock().unwrap();
        let away = script == MOVE_AWAY;
        let (src, dst) = if away { (from, to) } else { (to, from) };
        if files.contains(if away { src } else { dst }) && !away {
            files.remove(src);
            return out(0, "");
        }
        if files.remove(src) {
            files.insert(dst.to_string());
            out(0, "")
        } else if files.contains(dst) {
            out(0, "")
        } else {
            out(3, "not there")
        }
    }
}

#[async_trait::async_trait]
impl Access for Nodes {
    async fn kubectl(&self, args: &[String], _: Option<&str>) -> Result<ExecOutput, ClusterError> {
        let line = args.join(" ");
        self.ran.lock().unwrap().push(line.clone());
        Ok(if line.starts_with("create token") {
            out(0, "tok\n")
        } else if line.starts_with("get namespace ") {
            out(0, "")
        } else {
            out(0, r#"{"items":[]}"#)
        })
    }

    async fn lab_kubectl(
        &self,
        args: &[String],
        input: Option<&str>,
    ) -> Result<ExecOutput, ClusterError> {
        self.kubectl(args, input).await
    }

    async fn on_node(&self, node: &str, argv: &[&str]) -> Result<ExecOutput, ClusterError> {
        self.ran
            .lock()
            .unwrap()
            .push(format!("{node}: {}", argv.join(" ")));
        let undo = matches!(argv, ["systemctl", "start", ..])
            || (argv.first() == Some(&"sh") && argv.get(2) == Some(&PUT_BACK));
        if undo && self.refuse_undo.load(Ordering::SeqCst) {
            return Ok(out(1, "no answer"));
        }
        Ok(match argv {
            ["cat", ..] => out(
                0,
                "clusters:\n- cluster: {server: 'https://cp:6443', certificate-authority-data: Q0E=}\n",
            ),
            ["systemctl", verb, "kubelet"] if node == "w1" => {
                self.kubelet_active.store(*verb == "start", Ordering::SeqCst);
                out(0, "")
            }
            ["sh", "-c", script, "sh", from, to] if node == "cp" => self.script(script, from, to),
            _ => out(0, ""),
        })
    }

    async fn put_file(&self, _: &str, _: &str) -> Result<(), ClusterError> {
        Ok(())
    }

    fn use_lab_kubeconfig(&self, _: Option<String>) {}
}

/// TEST DOUBLE: the learner, stopping at the first question (or never answering).
struct Learner {
    never_answers: bool,
}

#[async_trait::async_trait]
impl Guide for Learner {
    fn present(&self, _: &Presented) {}
    async fn choose(&self, _: &Presented, _: Option<&[Outcome]>) -> Choice {
        if self.never_answers {
            std::future::pending::<()>().await;
        }
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
  - id: scheduler-away
    title: The scheduler away
    nodeAction: {do: move-static-pod-manifest, component: kube-scheduler}
    timeout: 1s
    checks: [{kind: nodes, count: 0}]
  - id: kubelet-stopped
    title: A kubelet stopped
    nodeAction: {do: stop-kubelet, node: "{worker}"}
    timeout: 1s
    checks: [{kind: nodes, count: 0}]
  - id: never
    title: Never passes
    timeout: 1s
    checks: [{kind: pods, atLeast: 1}]
"#;

fn tour<'a>(nodes: &'a Nodes, lab: &'a Lab, events: &'a Events, file: &Path) -> Tour<'a> {
    Tour::new(nodes, lab, Lang::En, events, "lab", "cp", vec!["w1".into()])
        .with_progress_file(Some(file.to_path_buf()))
}

fn unattended() -> Options {
    Options {
        unattended: true,
        ..Options::default()
    }
}

fn journal(file: &Path) -> Vec<Applied> {
    progress::load(file)
        .map(|p| p.node_actions)
        .unwrap_or_default()
}

/// A learner who answers every step (unattended, it is never asked).
const ANSWERS: Learner = Learner {
    never_answers: false,
};

/// A lab on fresh nodes, its progress file `lab.t.json` in a folder of its own.
struct Fixture {
    lab: Lab,
    nodes: Nodes,
    events: Events,
    file: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(lab: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        Fixture {
            lab: lab_file::parse(lab, "t.yaml").unwrap(),
            nodes: Nodes::default(),
            events: Events::silent(),
            file: dir.path().join("lab.t.json"),
            dir,
        }
    }

    fn tour(&self) -> Tour<'_> {
        tour(&self.nodes, &self.lab, &self.events, &self.file)
    }

    /// Runs `t` unattended, answering every step, with no clean-up after.
    async fn run(&self, t: &Tour<'_>) -> Result<Summary, TourError> {
        let mut summary = Summary::new(&self.lab, Lang::En);
        t.run(&ANSWERS, &unattended(), &mut summary).await?;
        Ok(summary)
    }
}

#[tokio::test]
async fn a_failed_step_ends_the_tour_and_every_node_action_is_undone() {
    let f = Fixture::new(LAB);
    let (nodes, file) = (&f.nodes, f.file.clone());
    let t = f.tour();
    // The first two steps pass (no nodes in the double); the third fails.
    assert!(f.run(&t).await.is_err());
    assert!(!nodes.healthy());
    assert_eq!(
        journal(&file),
        [
            Applied::new(
                NodeAction::MoveStaticPodManifest(crate::tour::lab::Component::KubeScheduler),
                "cp"
            ),
            Applied::new(NodeAction::StopKubelet, "w1"),
        ]
    );
    t.clean_up().await.unwrap();
    assert!(nodes.healthy());
    assert!(journal(&file).is_empty());
    // Undone the last first.
    let cmds = nodes.node_commands();
    assert_eq!(
        cmds[2..],
        [
            "w1: systemctl start kubelet".to_string(),
            format!("cp: sh -c {PUT_BACK} sh {SCHEDULER} {HELD}/kube-scheduler.yaml"),
        ]
    );
    // The step to resume at is kept.
    assert_eq!(progress::load(&file).unwrap().step, "never");
}

#[tokio::test]
async fn a_signal_mid_step_still_undoes_what_the_step_did() {
    let f = Fixture::new(LAB);
    let (nodes, file) = (&f.nodes, f.file.clone());
    let t = f.tour();
    let mut summary = Summary::new(&f.lab, Lang::En);
    let learner = Learner {
        never_answers: true,
    };
    // The learner never answers step 1: the "signal" comes while its manifest is away.
    let stop = async {
        while nodes.files.lock().unwrap().contains(SCHEDULER) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        crate::signals::Signal::Terminate
    };
    let run =
        crate::signals::cancellable_until(stop, t.run(&learner, &Options::default(), &mut summary))
            .await;
    assert!(run.is_err(), "not cancelled");
    assert!(!nodes.healthy());
    assert_eq!(journal(&file).len(), 1);
    t.clean_up().await.unwrap();
    assert!(nodes.healthy());
    assert!(journal(&file).is_empty());
}

#[tokio::test]
async fn the_labs_own_undo_step_puts_things_back_and_nothing_is_undone_twice() {
    let f = Fixture::new(&LAB.replace(
        "  - id: never\n    title: Never passes\n    timeout: 1s\n    checks: [{kind: pods, atLeast: 1}]",
        "  - id: back\n    title: Back\n    nodeAction: {undo: stop-kubelet}\n    timeout: 1s\n    checks: [{kind: nodes, count: 0}]",
    ));
    let (nodes, file) = (&f.nodes, f.file.clone());
    let t = f.tour();
    assert!(f.run(&t).await.unwrap().finished);
    assert!(nodes.kubelet_active.load(Ordering::SeqCst));
    assert_eq!(journal(&file).len(), 1, "the manifest is still away");
    t.clean_up().await.unwrap();
    assert!(nodes.healthy());
    let starts = nodes
        .node_commands()
        .iter()
        .filter(|c| c.contains("systemctl start"))
        .count();
    assert_eq!(starts, 1);
    assert!(!file.exists(), "a finished, cleaned-up tour leaves no file");
}

/// `kill -9` mid-step: no cleanup ran. The next tour on the cluster, of any lab, undoes what
/// the journals list before anything else, and takes it out of them.
#[tokio::test]
async fn after_a_kill_the_next_tour_undoes_the_journal_first() {
    let f = Fixture::new(LAB);
    let (nodes, file, events) = (&f.nodes, f.file.clone(), &f.events);
    let _ = f.run(&f.tour()).await; // Killed: no clean_up.
    assert!(!nodes.healthy());
    assert_eq!(journal(&file).len(), 2);
    // Another cluster's journal is not this one's.
    let other = f.dir.path().join("lab2.t.json");
    std::fs::copy(&file, &other).unwrap();

    let basics = lab_file::parse(
        &LAB.replace("id: t\n", "id: other\n")
            .replace("namespace: t", "namespace: o"),
        "o.yaml",
    )
    .unwrap();
    let before = nodes.ran.lock().unwrap().len();
    let t = tour(nodes, &basics, events, &f.dir.path().join("lab.other.json"));
    let mut summary = Summary::new(&basics, Lang::En);
    let opts = Options {
        skip: vec![
            "scheduler-away".into(),
            "kubelet-stopped".into(),
            "never".into(),
        ],
        ..unattended()
    };
    t.run(&ANSWERS, &opts, &mut summary).await.unwrap();
    assert!(nodes.healthy());
    let ran = nodes.ran.lock().unwrap()[before..].to_vec();
    assert_eq!(ran[0], "w1: systemctl start kubelet", "{ran:#?}");
    assert!(ran[1].starts_with("cp: sh -c "), "{ran:#?}");
    // The killed lab's file keeps its step, without the journal.
    let p = progress::load(&file).unwrap();
    assert!(p.node_actions.is_empty());
    assert_eq!(p.step, "never");
    assert_eq!(journal(&other).len(), 2);
}

#[tokio::test]
async fn an_undo_that_fails_stops_the_next_tour_and_stays_in_the_journal() {
    let f = Fixture::new(LAB);
    let (nodes, file) = (&f.nodes, f.file.clone());
    let t = f.tour();
    let _ = f.run(&t).await;
    nodes.refuse_undo.store(true, Ordering::SeqCst);
    // The end of the tour reports it and keeps it.
    t.clean_up().await.unwrap();
    assert_eq!(journal(&file).len(), 2);
    // The next tour stops before anything else, saying what to run by hand.
    let before = nodes.ran.lock().unwrap().len();
    let err = f.run(&f.tour()).await.unwrap_err();
    assert!(
        matches!(&err, TourError::NodeAction { node, undo: true, .. } if node == "w1"),
        "{err}"
    );
    let hint = crate::hint::Hint::hint(&err).unwrap();
    assert!(hint.contains("systemctl start kubelet"), "{hint}");
    assert_eq!(nodes.ran.lock().unwrap().len(), before + 1);
    assert_eq!(journal(&file).len(), 2);
    nodes.refuse_undo.store(false, Ordering::SeqCst);
    f.tour().recover_node_actions().await.unwrap();
    assert!(nodes.healthy());
    assert!(journal(&file).is_empty());
}

/// A journal is a file in the user's folder: an entry that is not one of minik's actions, with
/// what it takes, on a node of this cluster, is dropped and nothing runs for it.
#[tokio::test]
async fn hostile_journal_entries_are_never_run() {
    let f = Fixture::new(LAB);
    let entry = |action: &str, component: Option<&str>, node: &str| Applied {
        action: action.into(),
        component: component.map(String::from),
        node: node.into(),
    };
    let hostile = vec![
        entry("run-shell", None, "cp"),
        entry("move-static-pod-manifest", Some("../../etc/shadow"), "cp"),
        entry("move-static-pod-manifest", Some("kube-apiserver"), "cp"),
        entry("move-static-pod-manifest", None, "cp"),
        entry("stop-kubelet", Some("kube-scheduler"), "w1"),
        entry("stop-kubelet", None, "--privileged"),
        entry("stop-kubelet", None, "w1; reboot"),
        entry("stop-kubelet", None, "someone-elses-node"),
    ];
    for e in &hostile[..7] {
        assert_eq!(e.action(), None, "{e:?}");
    }
    let p = progress::Progress {
        step: "never".into(),
        cleanup: Vec::new(),
        node_actions: hostile,
        worker: None,
    };
    progress::save(&f.file, &p).unwrap();
    f.tour().recover_node_actions().await.unwrap();
    assert!(f.nodes.ran.lock().unwrap().is_empty(), "{:?}", f.nodes.ran);
    assert!(journal(&f.file).is_empty());
    assert_eq!(progress::load(&f.file).unwrap().step, "never");
}
