//! The state model: the cluster as the page draws it, changed one watch event at a time, with
//! the last sentences said. Bounded: views only (`view.rs`), at most [`LINES`] sentences, and
//! owed replacements only for ReplicaSets that exist.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::change::{self, Change};
use super::moves::{Move, Moves};
use super::view::{NodeView, PodView, ServiceView};
use super::warning::{EventView, Warning};
use super::words;
use crate::tour::Lang;

/// How many sentences the page keeps.
pub(crate) const LINES: usize = 40;
/// How many Warning events are remembered (for their counts).
pub(crate) const EVENTS: usize = 2000;

/// One watch event, on the views: as kube-rs's watcher reports them (`Init`..`InitDone` is a
/// fresh list after a start or a reconnect).
#[derive(Debug, Clone)]
pub(crate) enum Ev<V> {
    Init,
    InitApply(V),
    InitDone,
    Apply(V),
    Delete(V),
}

/// Whether the API server answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum Api {
    Connecting,
    Live,
    Lost { reason: String },
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Line {
    pub(crate) seq: u64,
    #[serde(flatten)]
    pub(crate) change: Change,
    pub(crate) text: String,
}

/// One kind's objects, and the fresh list being read after a (re)connect.
#[derive(Debug)]
struct Set<V> {
    items: BTreeMap<(String, String), V>,
    fresh: Option<BTreeMap<(String, String), V>>,
    listed: bool,
}

impl<V> Default for Set<V> {
    fn default() -> Self {
        Set {
            items: BTreeMap::new(),
            fresh: None,
            listed: false,
        }
    }
}

/// A ReplicaSet as far as replacements go: how many pods it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplicaSetView {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) replicas: i32,
}

pub(crate) struct State {
    pub(crate) cluster: String,
    pub(crate) lang: Lang,
    /// The cluster's containers, by name: a node's box names the container that is the node.
    containers: Vec<String>,
    api: Api,
    nodes: Set<NodeView>,
    pods: Set<PodView>,
    services: Set<ServiceView>,
    replicasets: Set<ReplicaSetView>,
    /// Warning events, for their counts: a repeat replaces its line, never adds one.
    events: Set<EventView>,
    /// Pods each ReplicaSet owes for pods deleted from under it (not by scaling down).
    owed: BTreeMap<(String, String), u32>,
    /// Which replacement stands for which deleted pod, and where each went.
    moves: Moves,
    lines: VecDeque<Line>,
    seq: u64,
}

fn key(ns: &str, name: &str) -> (String, String) {
    (ns.to_string(), name.to_string())
}

/// What each kind's view is keyed by.
pub(crate) trait Keyed {
    fn key(&self) -> (String, String);
}
impl Keyed for NodeView {
    fn key(&self) -> (String, String) {
        key("", &self.name)
    }
}
impl Keyed for PodView {
    fn key(&self) -> (String, String) {
        key(&self.namespace, &self.name)
    }
}
impl Keyed for ServiceView {
    fn key(&self) -> (String, String) {
        key(&self.namespace, &self.name)
    }
}
impl Keyed for EventView {
    fn key(&self) -> (String, String) {
        key(&self.namespace, &self.name)
    }
}
impl Keyed for ReplicaSetView {
    fn key(&self) -> (String, String) {
        key(&self.namespace, &self.name)
    }
}

/// A change to one object: (old, new), `None` for absent. A fresh list yields every
/// difference from what was known, so what happened while the API was away is said too.
type Diff<V> = Vec<(Option<V>, Option<V>)>;

impl<V: Keyed + Clone + PartialEq> Set<V> {
    fn apply(&mut self, ev: Ev<V>) -> Diff<V> {
        match ev {
            Ev::Init => {
                self.fresh = Some(BTreeMap::new());
                Vec::new()
            }
            Ev::InitApply(v) => {
                if let Some(fresh) = self.fresh.as_mut() {
                    fresh.insert(v.key(), v);
                }
                Vec::new()
            }
            Ev::InitDone => {
                let fresh = self.fresh.take().unwrap_or_default();
                let old = std::mem::replace(&mut self.items, fresh);
                let first = !self.listed;
                self.listed = true;
                if first {
                    return Vec::new();
                }
                let mut diff: Diff<V> = Vec::new();
                for (k, v) in &old {
                    match self.items.get(k) {
                        None => diff.push((Some(v.clone()), None)),
                        Some(n) if n != v => diff.push((Some(v.clone()), Some(n.clone()))),
                        Some(_) => {}
                    }
                }
                for (k, v) in &self.items {
                    if !old.contains_key(k) {
                        diff.push((None, Some(v.clone())));
                    }
                }
                diff
            }
            Ev::Apply(v) => {
                let old = self.items.insert(v.key(), v.clone());
                if old.as_ref() == Some(&v) {
                    return Vec::new();
                }
                vec![(old, Some(v))]
            }
            Ev::Delete(v) => match self.items.remove(&v.key()) {
                Some(old) => vec![(Some(old), None)],
                None => Vec::new(),
            },
        }
    }
}

impl State {
    pub(crate) fn new(cluster: &str, lang: Lang, containers: Vec<String>) -> State {
        State {
            cluster: cluster.to_string(),
            lang,
            containers,
            api: Api::Connecting,
            nodes: Set::default(),
            pods: Set::default(),
            services: Set::default(),
            replicasets: Set::default(),
            events: Set::default(),
            owed: BTreeMap::new(),
            moves: Moves::default(),
            lines: VecDeque::new(),
            seq: 0,
        }
    }

    fn say(&mut self, change: Change) {
        self.seq += 1;
        let text = words::sentence(self.lang, &change);
        self.lines.push_back(Line {
            seq: self.seq,
            change,
            text,
        });
        while self.lines.len() > LINES {
            self.lines.pop_front();
        }
    }

    #[cfg(test)]
    pub(crate) fn events_kept(&self) -> usize {
        self.events.items.len()
    }

    #[cfg(test)]
    pub(crate) fn lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter()
    }

    /// The API answered (`None`) or failed (`Some(reason)`); said once per change of state.
    pub(crate) fn api(&mut self, failure: Option<String>) {
        let next = match failure {
            None => Api::Live,
            Some(reason) => Api::Lost { reason },
        };
        match (&self.api, &next) {
            (Api::Lost { .. }, Api::Live) => self.say(Change::ApiBack),
            (Api::Live | Api::Connecting, Api::Lost { reason }) => self.say(Change::ApiLost {
                reason: reason.clone(),
            }),
            _ => {}
        }
        self.api = next;
    }

    pub(crate) fn node(&mut self, ev: Ev<NodeView>) {
        for (old, new) in self.nodes.apply(ev) {
            for c in change::node_changes(old.as_ref(), new.as_ref()) {
                self.say(c);
            }
        }
    }

    pub(crate) fn service(&mut self, ev: Ev<ServiceView>) {
        for (old, new) in self.services.apply(ev) {
            for c in change::service_changes(old.as_ref(), new.as_ref()) {
                self.say(c);
            }
        }
    }

    /// A Warning event: a line when it is new or happened again (its count grew), in place of
    /// the line it had. The first list says the warnings there are already, oldest first as
    /// the API lists them, the lines' bound keeping the last.
    pub(crate) fn warning(&mut self, ev: Ev<EventView>) {
        if matches!(&ev, Ev::InitApply(e) | Ev::Apply(e) if !e.warning || said_by_pod(e)) {
            return;
        }
        let first = !self.events.listed && matches!(ev, Ev::InitDone);
        let diff = self.events.apply(ev);
        let said: Vec<EventView> = if first {
            self.events.items.values().cloned().collect()
        } else {
            diff.into_iter()
                .filter_map(|(old, new)| match (old, new) {
                    (old, Some(new)) if old.as_ref().is_none_or(|o| o.count != new.count) => {
                        Some(new)
                    }
                    _ => None,
                })
                .collect()
        };
        // Bounded: forgetting an event costs only a line said again at its next repeat (the
        // line it had is replaced, as for any repeat).
        while self.events.items.len() > EVENTS {
            self.events.items.pop_first();
        }
        for e in &said {
            let w = Warning::from(e);
            self.lines
                .retain(|l| !matches!(&l.change, Change::Warning(x) if x.event == w.event));
            self.say(Change::Warning(w));
        }
    }

    pub(crate) fn replicaset(&mut self, ev: Ev<ReplicaSetView>) {
        for (old, new) in self.replicasets.apply(ev) {
            match new {
                // Fewer wanted than it has: deletions from here on are scaling down.
                Some(rs) => {
                    let have = self.live_pods_of(&rs.namespace, &rs.name);
                    let room = u32::try_from(rs.replicas.saturating_sub(have)).unwrap_or(0);
                    if let Some(owed) = self.owed.get_mut(&rs.key()) {
                        *owed = (*owed).min(room);
                    }
                    // Pods made ahead of a deletion: no more than it has beyond what it wants.
                    let excess = usize::try_from(have.saturating_sub(rs.replicas)).unwrap_or(0);
                    self.moves.trim_ahead(&rs.key(), excess);
                }
                None => {
                    if let Some(rs) = old {
                        self.owed.remove(&rs.key());
                        self.moves.trim_ahead(&rs.key(), 0);
                    }
                }
            }
        }
        self.owed.retain(|_, n| *n > 0);
        self.moves.trim(&self.owed);
    }

    fn live_pods_of(&self, ns: &str, owner: &str) -> i32 {
        let n = self
            .pods
            .items
            .values()
            .filter(|p| p.namespace == ns && p.owner_kind == "ReplicaSet" && p.owner == owner)
            .filter(|p| !p.deleting)
            .count();
        i32::try_from(n).unwrap_or(i32::MAX)
    }

    pub(crate) fn pod(&mut self, ev: Ev<PodView>) {
        for (old, new) in self.pods.apply(ev) {
            // A replacement told before the deletion it answers: its move, said last.
            let mut late = None;
            let replacing = match (&old, &new) {
                (Some(gone), None) => {
                    self.moves.gone(&gone.key());
                    if !gone.deleting {
                        late = self.note_deletion(gone);
                    }
                    false
                }
                // Terminating counts as gone: the ReplicaSet replaces it right away.
                (Some(was), Some(now)) if !was.deleting && now.deleting => {
                    late = self.note_deletion(now);
                    false
                }
                (None, Some(made)) => {
                    let replacing = self.take_owed(made);
                    if !replacing {
                        self.note_ahead(made);
                    }
                    replacing
                }
                _ => false,
            };
            for c in change::pod_changes(old.as_ref(), new.as_ref(), replacing) {
                self.say(c);
            }
            self.placed(old.as_ref(), new.as_ref());
            if let Some((pod, node)) = late {
                self.moved(&pod, &node);
            }
        }
    }

    /// A pod just placed on a node: said as a move when it replaces one from another node.
    fn placed(&mut self, old: Option<&PodView>, new: Option<&PodView>) {
        let Some(new) = new.filter(|n| !n.node.is_empty()) else {
            return;
        };
        if old.is_some_and(|o| !o.node.is_empty()) {
            return;
        }
        self.moved(&new.key(), &new.node);
    }

    /// `pod` is on `node`: said as a move when it replaces a pod from another node.
    fn moved(&mut self, pod: &(String, String), node: &str) {
        if let Some(m) = self.moves.placed(pod, node, self.seq + 1) {
            self.say(Change::PodMoved {
                pod: m.pod,
                from_pod: m.from_pod,
                from: m.from,
                to: m.to,
            });
        }
    }

    /// A ReplicaSet's pod is gone: unless the ReplicaSet wants fewer than it had, it owes one.
    /// When its replacement was told first and is placed: that pod and its node.
    fn note_deletion(&mut self, gone: &PodView) -> Option<((String, String), String)> {
        if gone.owner_kind != "ReplicaSet" {
            return None;
        }
        let k = key(&gone.namespace, &gone.owner);
        let rs = self.replicasets.items.get(&k)?;
        // `gone` no longer counts as live: those left plus it is what the ReplicaSet had.
        let had = self
            .live_pods_of(&gone.namespace, &gone.owner)
            .saturating_add(1);
        if had <= rs.replicas {
            *self.owed.entry(k.clone()).or_insert(0) += 1;
            self.moves.departed(k, &gone.name, &gone.node);
            return None;
        }
        // Its replacement came first; placed already, it moved now.
        let new = self.moves.late(&k, &gone.name, &gone.node)?;
        let node = self.pods.items.get(&new).map(|p| p.node.clone())?;
        (!node.is_empty()).then_some((new, node))
    }

    /// A ReplicaSet's new pod that pays no debt, while the ReplicaSet has more pods than it
    /// wants: it stands for a deletion the watch has not told yet.
    fn note_ahead(&mut self, made: &PodView) {
        if made.owner_kind != "ReplicaSet" {
            return;
        }
        let k = key(&made.namespace, &made.owner);
        let Some(rs) = self.replicasets.items.get(&k) else {
            return;
        };
        if self.live_pods_of(&made.namespace, &made.owner) > rs.replicas {
            self.moves.ahead(k, made.key());
        }
    }

    fn take_owed(&mut self, made: &PodView) -> bool {
        if made.owner_kind != "ReplicaSet" {
            return false;
        }
        match self.owed.get_mut(&key(&made.namespace, &made.owner)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                let rs = key(&made.namespace, &made.owner);
                self.moves.replacing(&rs, made.key());
                true
            }
            _ => false,
        }
    }

    /// What the page draws, as JSON.
    pub(crate) fn snapshot(&self) -> Snapshot<'_> {
        let services = self
            .services
            .items
            .values()
            .map(|s| ServiceOut {
                service: s,
                pods: self
                    .pods
                    .items
                    .values()
                    .filter(|p| s.selects(p))
                    .map(|p| p.name.as_str())
                    .collect(),
            })
            .collect();
        Snapshot {
            cluster: &self.cluster,
            api: &self.api,
            nodes: self
                .nodes
                .items
                .values()
                .map(|n| NodeOut {
                    node: n,
                    container: self.containers.contains(&n.name),
                })
                .collect(),
            pods: self.pods.items.values().collect(),
            services,
            lines: self.lines.iter().collect(),
            moves: self.moves.recent().collect(),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct NodeOut<'a> {
    #[serde(flatten)]
    pub(crate) node: &'a NodeView,
    /// A container of this cluster has the node's name (minik names each node's container
    /// after it).
    pub(crate) container: bool,
}

#[derive(Serialize)]
pub(crate) struct ServiceOut<'a> {
    #[serde(flatten)]
    pub(crate) service: &'a ServiceView,
    pub(crate) pods: Vec<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct Snapshot<'a> {
    pub(crate) cluster: &'a str,
    pub(crate) api: &'a Api,
    pub(crate) nodes: Vec<NodeOut<'a>>,
    pub(crate) pods: Vec<&'a PodView>,
    pub(crate) services: Vec<ServiceOut<'a>>,
    pub(crate) lines: Vec<&'a Line>,
    /// The last pods that replaced one on another node (the page animates the new ones).
    pub(crate) moves: Vec<&'a Move>,
}

/// The scheduler records FailedScheduling and writes the same message into the pod's
/// PodScheduled condition (pkg/scheduler/schedule_one.go, handleSchedulingFailure), which the
/// pod's own line already says ("found no node for ..."): one fact, one line.
fn said_by_pod(e: &EventView) -> bool {
    e.kind == "Pod" && e.reason == "FailedScheduling"
}
