//! minik's node actions ([`NodeAction`]): each done with fixed commands on a node (nothing
//! from the lab file reaches a shell: the component is one of a closed list, the node one minik
//! chose) and undone the same way. A journal in the tour's progress file lists what is done and
//! not yet undone, written before each action runs; the tour undoes what it lists however it
//! ends (the end of the lab, a failure, a signal), and the next `minik tour` on the cluster
//! undoes what a tour killed outright left, before anything else. Doing and undoing are both
//! idempotent, so an action cut short by a kill is undone all the same.

use std::collections::BTreeMap;

use super::lab::{Component, NodeAction, NodeStep, COMPONENTS, NODE_ACTIONS};
use super::progress;
use super::run::{Guide, Tour};

use super::TourError;

/// The kubelet's static pod folder (kubeadm's `--pod-manifest-path`).
const MANIFESTS: &str = "/etc/kubernetes/manifests";
/// Where a moved manifest waits, on the control-plane node: minik's own folder, which the
/// kubelet does not read.
pub(crate) const HELD: &str = "/var/lib/minik/tour-held";

/// Moves `$1` to `$2` unless it is there already (`$2` present, `$1` gone).
const MOVE_AWAY: &str = r#"if [ -e "$1" ]; then mkdir -p "${2%/*}" && mv -f "$1" "$2"; elif [ -e "$2" ]; then exit 0; else echo "$1 is not there" >&2; exit 3; fi"#;
/// Puts `$2` back at `$1` unless `$1` is there already.
const PUT_BACK: &str = r#"if [ -e "$1" ]; then rm -f "$2"; elif [ -e "$2" ]; then mv -f "$2" "$1"; else echo "neither $1 nor $2 is there" >&2; exit 3; fi"#;

/// One node action done and not yet undone, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Applied {
    pub(crate) action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) component: Option<String>,
    pub(crate) node: String,
}

impl Applied {
    pub(crate) fn new(action: NodeAction, node: &str) -> Applied {
        Applied {
            action: action.name().to_string(),
            component: match action {
                NodeAction::MoveStaticPodManifest(c) => Some(c.name().to_string()),
                NodeAction::StopKubelet => None,
            },
            node: node.to_string(),
        }
    }

    /// The action, when the entry names one of minik's with what it takes, on a node name
    /// (a journal is a file in the user's folder: read as strictly as a lab).
    pub(crate) fn action(&self) -> Option<NodeAction> {
        let node_ok = !self.node.is_empty()
            && self.node.len() <= 253
            && !self.node.starts_with('-')
            && self
                .node
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
        if !node_ok {
            return None;
        }
        let component = |name: &str| COMPONENTS.iter().find(|(n, _)| *n == name).map(|c| c.1);
        match (self.action.as_str(), self.component.as_deref()) {
            (a, Some(c)) if a == NODE_ACTIONS[0] => {
                component(c).map(NodeAction::MoveStaticPodManifest)
            }
            (a, None) if a == NODE_ACTIONS[1] => Some(NodeAction::StopKubelet),
            _ => None,
        }
    }
}

fn manifest(c: Component) -> String {
    format!("{MANIFESTS}/{}.yaml", c.name())
}

fn held(c: Component) -> String {
    format!("{HELD}/{}.yaml", c.name())
}

/// The command that does (or undoes) `action` on its node.
pub(crate) fn argv(action: NodeAction, undo: bool) -> Vec<String> {
    let v: Vec<String> = match action {
        NodeAction::MoveStaticPodManifest(c) => {
            let script = if undo { PUT_BACK } else { MOVE_AWAY };
            vec![
                "sh".into(),
                "-c".into(),
                script.into(),
                "sh".into(),
                manifest(c),
                held(c),
            ]
        }
        NodeAction::StopKubelet => {
            let verb = if undo { "start" } else { "stop" };
            vec!["systemctl".into(), verb.into(), "kubelet".into()]
        }
    };
    v
}

/// The command to run by hand, on the node, when minik could not undo `action`.
pub(crate) fn by_hand(action: NodeAction) -> String {
    match action {
        NodeAction::MoveStaticPodManifest(c) => format!("mv {} {}", held(c), manifest(c)),
        NodeAction::StopKubelet => "systemctl start kubelet".to_string(),
    }
}

impl Tour<'_> {
    /// Runs `action` (or its undo) on `node`.
    async fn perform(&self, action: NodeAction, node: &str, undo: bool) -> Result<(), TourError> {
        let argv = argv(action, undo);
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = self.access.on_node(node, &args).await?;
        if out.exit_code == 0 {
            return Ok(());
        }
        Err(TourError::NodeAction {
            node: node.to_string(),
            action: action.name().to_string(),
            undo,
            reason: out.combined().trim().to_string(),
            by_hand: by_hand(action),
        })
    }

    /// The step's node action: done (on the node it acts on) or undone, as the step starts,
    /// with a note saying what minik did.
    pub(super) async fn node_action(
        &self,
        step_id: &str,
        n: NodeStep,
        vars: &BTreeMap<&str, String>,
        guide: Option<&dyn Guide>,
    ) -> Result<(), TourError> {
        if n.undo {
            let Some(node) = self.applied_node(n.action) else {
                return Ok(());
            };
            self.perform(n.action, &node, true).await?;
            self.forget(step_id, n.action);
            if let Some(g) = guide {
                g.note(&self.told(n.action, &node, true));
            }
            return Ok(());
        }
        let node = match n.action {
            NodeAction::MoveStaticPodManifest(_) => self.control_plane(),
            NodeAction::StopKubelet => match vars.get("worker") {
                Some(w) => w.clone(),
                None => self.worker(step_id).await?,
            },
        };
        // Journaled first: if minik is killed while it runs, the next tour undoes it.
        if let Ok(mut a) = self.applied.lock() {
            a.push(Applied::new(n.action, &node));
        }
        self.save(step_id);
        self.perform(n.action, &node, false).await?;
        if let Some(g) = guide {
            g.note(&self.told(n.action, &node, false));
        }
        Ok(())
    }

    fn applied_node(&self, action: NodeAction) -> Option<String> {
        let a = self.applied.lock().ok()?;
        a.iter()
            .rev()
            .find(|e| e.action() == Some(action))
            .map(|e| e.node.clone())
    }

    fn forget(&self, step_id: &str, action: NodeAction) {
        if let Ok(mut a) = self.applied.lock() {
            if let Some(i) = a.iter().rposition(|e| e.action() == Some(action)) {
                a.remove(i);
            }
        }
        self.save(step_id);
    }

    /// What minik tells the learner it did.
    fn told(&self, action: NodeAction, node: &str, undo: bool) -> String {
        let m = self.m();
        let text = match (action, undo) {
            (NodeAction::MoveStaticPodManifest(_), false) => m.manifest_moved,
            (NodeAction::MoveStaticPodManifest(_), true) => m.manifest_back,
            (NodeAction::StopKubelet, false) => m.kubelet_stopped,
            (NodeAction::StopKubelet, true) => m.kubelet_started,
        };
        let from = match action {
            NodeAction::MoveStaticPodManifest(c) => manifest(c),
            NodeAction::StopKubelet => String::new(),
        };
        text.replace("{node}", node)
            .replace("{from}", &from)
            .replace("{dir}", HELD)
    }

    /// Does again, quietly, the node actions the steps before the resumed one left done.
    pub(super) async fn redo_node_actions(
        &self,
        done: &[super::lab::Step],
        step_id: &str,
    ) -> Result<(), TourError> {
        let mut left: Vec<NodeAction> = Vec::new();
        for n in done.iter().filter_map(|s| s.node_action) {
            if n.undo {
                left.retain(|a| *a != n.action);
            } else if (n.action != NodeAction::StopKubelet) || !self.workers.is_empty() {
                left.push(n.action);
            }
        }
        for action in left {
            let n = NodeStep {
                action,
                undo: false,
            };
            self.node_action(step_id, n, &BTreeMap::new(), None).await?;
        }
        Ok(())
    }

    /// Undoes every node action still done, the last first. One that cannot be undone is
    /// reported (with what to run by hand) and stays in the journal for the next tour.
    pub(super) async fn undo_node_actions(&self) {
        let applied = self.applied.lock().map(|a| a.clone()).unwrap_or_default();
        let mut left = Vec::new();
        for entry in applied.into_iter().rev() {
            let Some(action) = entry.action() else {
                continue;
            };
            if let Err(e) = self.perform(action, &entry.node, true).await {
                let by_hand = self
                    .m()
                    .by_hand
                    .replace("{node}", &entry.node)
                    .replace("{command}", &by_hand(action));
                let e = crate::i18n::error_line(e.key(), &e.args(), e.to_string(), self.lang);
                self.events.warn(format!("{e}; {by_hand}"));
                left.insert(0, entry);
            }
        }
        if let Ok(mut a) = self.applied.lock() {
            *a = left;
        }
        self.save_journal();
    }

    /// Before anything else: what tours on this cluster (of any lab) left done when they were
    /// killed outright is undone, and taken out of their journals. One that cannot be undone
    /// stops the tour, saying what to run by hand; one on a node the cluster no longer has is
    /// dropped.
    pub(super) async fn recover_node_actions(&self) -> Result<(), TourError> {
        let Some(dir) = self.progress_file.as_deref().and_then(|f| f.parent()) else {
            return Ok(());
        };
        let cluster = self.vars.get("cluster").cloned().unwrap_or_default();
        for file in progress::of_cluster(dir, &cluster) {
            let Some(mut p) = progress::load(&file) else {
                continue;
            };
            if p.node_actions.is_empty() {
                continue;
            }
            let result = self.recover_file(&mut p).await;
            let _ = if p.is_empty() {
                progress::remove(&file)
            } else {
                progress::save(&file, &p)
            };
            result?;
        }
        Ok(())
    }

    async fn recover_file(&self, p: &mut progress::Progress) -> Result<(), TourError> {
        let known = |n: &str| n == self.control_plane() || self.workers.iter().any(|w| w == n);
        while let Some(entry) = p.node_actions.last().cloned() {
            match entry.action() {
                Some(action) if known(&entry.node) => {
                    self.perform(action, &entry.node, true).await?;
                    self.events.info(self.told(action, &entry.node, true));
                }
                _ => self.events.warn(
                    self.m()
                        .journal_dropped
                        .replace("{node}", &entry.node)
                        .replace("{action}", &entry.action),
                ),
            }
            p.node_actions.pop();
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "node_actions_tests.rs"]
mod tests;
