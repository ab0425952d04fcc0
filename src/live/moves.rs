//! Pods that "move": a pod is never moved from one node to another; when one is deleted or
//! evicted (`kubectl drain` evicts every pod of a node) its ReplicaSet makes a new one, and
//! the scheduler places that one, often on another node. The page shows this as a move, so a
//! drain is something a learner sees: the replacement slides from where the old pod was.
//!
//! Which new pod replaces which old one is the ReplicaSet's count, as `state.rs` keeps it: a
//! pod deleted while its ReplicaSet still wants it is owed a replacement; the ReplicaSet's next
//! pods pay those debts, oldest first. Pure bookkeeping, bounded by what it is fed: one entry
//! per owed replacement (the state trims those to what the ReplicaSet still wants), one per
//! replacement not yet placed (dropped when that pod goes), and the last [`RECENT`] moves.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

/// How many moves the page is told about (it animates the new ones and marks all of them).
pub(crate) const RECENT: usize = 40;

type Key = (String, String);

/// A pod that left a node, its replacement owed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Departed {
    pod: String,
    /// Empty when it had not been placed.
    node: String,
}

/// A replacement placed on another node than the pod it replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Move {
    /// The line that says it (the page animates each move once, by this number).
    pub(crate) seq: u64,
    pub(crate) namespace: String,
    /// The new pod.
    pub(crate) pod: String,
    /// The pod it replaces.
    pub(crate) from_pod: String,
    pub(crate) from: String,
    pub(crate) to: String,
}

#[derive(Debug, Default)]
pub(crate) struct Moves {
    /// Per ReplicaSet (namespace, name): the pods it owes replacements for, oldest first.
    left: BTreeMap<Key, VecDeque<Departed>>,
    /// Replacements made and not yet placed, by (namespace, pod): what each replaces.
    arriving: BTreeMap<Key, Departed>,
    /// Per ReplicaSet: pods it made while it had as many as it wants (as the watch tells it),
    /// oldest first. The deletion they stand in for is still on its way: a watch that batches
    /// its events (or a relist, in key order) can tell a replacement before the deletion it
    /// answers. The state keeps these to the ReplicaSet's excess of pods.
    ahead: BTreeMap<Key, VecDeque<Key>>,
    recent: VecDeque<Move>,
}

impl Moves {
    /// `pod` left `node` and its ReplicaSet `rs` owes a replacement for it.
    pub(crate) fn departed(&mut self, rs: Key, pod: &str, node: &str) {
        self.left.entry(rs).or_default().push_back(Departed {
            pod: pod.to_string(),
            node: node.to_string(),
        });
    }

    /// The ReplicaSet `rs` made `pod` (namespace, name) to pay its oldest debt.
    pub(crate) fn replacing(&mut self, rs: &Key, pod: Key) {
        let Some(queue) = self.left.get_mut(rs) else {
            return;
        };
        if let Some(d) = queue.pop_front() {
            self.arriving.insert(pod, d);
        }
        if queue.is_empty() {
            self.left.remove(rs);
        }
    }

    /// The ReplicaSet `rs` made `pod` (namespace, name) while it had no debt and more pods
    /// than it wants: it answers a deletion not yet seen.
    pub(crate) fn ahead(&mut self, rs: Key, pod: Key) {
        self.ahead.entry(rs).or_default().push_back(pod);
    }

    /// `pod` left `node` after the ReplicaSet `rs` already replaced it: the oldest pod made
    /// ahead stands for it. That pod, to check whether it is placed already.
    pub(crate) fn late(&mut self, rs: &Key, pod: &str, node: &str) -> Option<Key> {
        let queue = self.ahead.get_mut(rs)?;
        let new = queue.pop_front();
        if queue.is_empty() {
            self.ahead.remove(rs);
        }
        let new = new?;
        self.arriving.insert(
            new.clone(),
            Departed {
                pod: pod.to_string(),
                node: node.to_string(),
            },
        );
        Some(new)
    }

    /// Keeps at most `excess` pods made ahead for `rs` (the newest): its count caught up.
    pub(crate) fn trim_ahead(&mut self, rs: &Key, excess: usize) {
        if let Some(queue) = self.ahead.get_mut(rs) {
            while queue.len() > excess {
                queue.pop_front();
            }
            if queue.is_empty() {
                self.ahead.remove(rs);
            }
        }
    }

    /// `pod` (namespace, name) was placed on `node`: a move when it replaces a pod that was
    /// on another node. `seq` is the number of the line about to say it.
    pub(crate) fn placed(&mut self, pod: &Key, node: &str, seq: u64) -> Option<Move> {
        let d = self.arriving.remove(pod)?;
        if d.node.is_empty() || d.node == node {
            return None;
        }
        let m = Move {
            seq,
            namespace: pod.0.clone(),
            pod: pod.1.clone(),
            from_pod: d.pod,
            from: d.node,
            to: node.to_string(),
        };
        self.recent.push_back(m.clone());
        while self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        Some(m)
    }

    /// `pod` (namespace, name) is gone: it replaces nothing any more.
    pub(crate) fn gone(&mut self, pod: &Key) {
        self.arriving.remove(pod);
        self.ahead.retain(|_, queue| {
            queue.retain(|p| p != pod);
            !queue.is_empty()
        });
    }

    /// Keeps, per ReplicaSet, only as many debts as `owed` says it still has (the newest: the
    /// ReplicaSet was scaled down meanwhile, or is gone).
    pub(crate) fn trim(&mut self, owed: &BTreeMap<Key, u32>) {
        self.left.retain(|rs, queue| {
            let keep = owed.get(rs).map_or(0, |n| *n as usize);
            while queue.len() > keep {
                queue.pop_front();
            }
            !queue.is_empty()
        });
    }

    pub(crate) fn recent(&self) -> impl Iterator<Item = &Move> {
        self.recent.iter()
    }

    #[cfg(test)]
    pub(crate) fn sizes(&self) -> (usize, usize, usize) {
        let left: usize = self.left.values().map(VecDeque::len).sum();
        let ahead: usize = self.ahead.values().map(VecDeque::len).sum();
        (left + ahead, self.arriving.len(), self.recent.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(name: &str) -> Key {
        ("default".to_string(), name.to_string())
    }

    #[test]
    fn a_replacement_placed_elsewhere_is_a_move_and_one_placed_on_the_same_node_is_not() {
        let mut m = Moves::default();
        m.departed(k("rs"), "a", "w1");
        m.departed(k("rs"), "b", "w1");
        m.replacing(&k("rs"), k("c"));
        m.replacing(&k("rs"), k("d"));
        // Oldest debt first: c replaces a, d replaces b.
        let moved = m.placed(&k("c"), "w2", 7).unwrap();
        assert_eq!(
            (
                moved.from_pod.as_str(),
                moved.from.as_str(),
                moved.to.as_str(),
                moved.seq
            ),
            ("a", "w1", "w2", 7)
        );
        assert_eq!(m.placed(&k("d"), "w1", 8), None);
        // Placed once: a later update is no second move.
        assert_eq!(m.placed(&k("c"), "w3", 9), None);
        assert_eq!(m.sizes(), (0, 0, 1));
    }

    #[test]
    fn a_pod_that_was_never_placed_or_a_pod_of_no_debt_does_not_move() {
        let mut m = Moves::default();
        m.departed(k("rs"), "a", "");
        m.replacing(&k("rs"), k("c"));
        assert_eq!(m.placed(&k("c"), "w2", 1), None);
        // A ReplicaSet that owes nothing: its new pod is just new.
        m.replacing(&k("other"), k("e"));
        assert_eq!(m.placed(&k("e"), "w2", 2), None);
        assert_eq!(m.sizes(), (0, 0, 0));
    }

    #[test]
    fn debts_follow_the_count_and_a_deleted_replacement_is_forgotten() {
        let mut m = Moves::default();
        for p in ["a", "b", "c"] {
            m.departed(k("rs"), p, "w1");
        }
        m.departed(k("gone"), "x", "w1");
        // Scaled down: one owed left (the newest); the deleted ReplicaSet owes nothing.
        m.trim(&BTreeMap::from([(k("rs"), 1)]));
        assert_eq!(m.sizes(), (1, 0, 0));
        m.replacing(&k("rs"), k("n"));
        m.gone(&k("n"));
        assert_eq!(m.sizes(), (0, 0, 0));
        assert_eq!(m.placed(&k("n"), "w2", 1), None);
    }

    #[test]
    fn a_replacement_told_before_the_deletion_it_answers_still_moves() {
        let mut m = Moves::default();
        m.ahead(k("rs"), k("new"));
        m.ahead(k("rs"), k("extra"));
        // The count caught up for one of them: only the newest stays ahead.
        m.trim_ahead(&k("rs"), 1);
        assert_eq!(m.sizes(), (1, 0, 0));
        assert_eq!(m.late(&k("rs"), "old", "w1"), Some(k("extra")));
        assert_eq!(m.late(&k("rs"), "other", "w1"), None);
        let moved = m.placed(&k("extra"), "w2", 3).unwrap();
        assert_eq!(
            (moved.from_pod.as_str(), moved.from.as_str()),
            ("old", "w1")
        );
        // A pod made ahead that goes is forgotten.
        m.ahead(k("rs"), k("x"));
        m.gone(&k("x"));
        assert_eq!(m.sizes(), (0, 0, 1));
    }

    #[test]
    fn the_moves_told_are_bounded() {
        let mut m = Moves::default();
        for i in 0..(RECENT * 2) {
            m.departed(k("rs"), &format!("old{i}"), "w1");
            m.replacing(&k("rs"), k(&format!("new{i}")));
            assert!(m.placed(&k(&format!("new{i}")), "w2", i as u64).is_some());
        }
        assert_eq!(m.sizes(), (0, 0, RECENT));
        assert_eq!(m.recent().next().unwrap().pod, format!("new{RECENT}"));
    }
}
