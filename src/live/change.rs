//! What changed, as the page says it in one line: a pure function from an object's old and new
//! views to the changes a learner should hear about. The words live in `words.rs`.

use serde::Serialize;

use super::view::{NodeView, PodView, ServiceView};
use super::warning::Warning;

/// One thing that happened, with the names it mentions. Its `key` picks the sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub(crate) enum Change {
    /// A controller made a pod (a Deployment's ReplicaSet scaled up, a DaemonSet's new node).
    PodMade {
        owner_kind: String,
        owner: String,
        pod: String,
    },
    /// A controller made a pod because one of its pods was deleted (self-healing).
    PodReplaced {
        owner_kind: String,
        owner: String,
        pod: String,
    },
    /// A pod no controller owns was created.
    PodCreated {
        pod: String,
    },
    /// The kubelet runs a static pod from its manifest file; the API shows its mirror pod.
    StaticPod {
        pod: String,
        node: String,
    },
    /// A replacement was placed on another node than the pod it replaces (a drain, or a
    /// deleted pod): the page draws it as a move from `from` to `to`.
    PodMoved {
        pod: String,
        from_pod: String,
        from: String,
        to: String,
    },
    /// The scheduler bound the pod to a node.
    Scheduled {
        pod: String,
        node: String,
    },
    /// The scheduler found no node for the pod.
    Unschedulable {
        pod: String,
        reason: String,
    },
    Ready {
        pod: String,
    },
    NotReady {
        pod: String,
    },
    Restarted {
        pod: String,
        restarts: u32,
    },
    Finished {
        pod: String,
        phase: String,
    },
    Terminating {
        pod: String,
    },
    PodDeleted {
        pod: String,
    },
    NodeJoined {
        node: String,
    },
    NodeRemoved {
        node: String,
    },
    NodeReady {
        node: String,
    },
    NodeNotReady {
        node: String,
        reason: String,
    },
    Cordoned {
        node: String,
    },
    Uncordoned {
        node: String,
    },
    ServiceCreated {
        service: String,
    },
    ServiceDeleted {
        service: String,
    },
    ApiLost {
        reason: String,
    },
    ApiBack,
    /// A Warning event (the kubelet, the scheduler or a controller reports a problem).
    Warning(Warning),
}

/// What a pod's change means. `replacing`: its controller owes a pod for one that was deleted
/// (the state model counts them, `state.rs`).
pub(crate) fn pod_changes(
    old: Option<&PodView>,
    new: Option<&PodView>,
    replacing: bool,
) -> Vec<Change> {
    let mut out = Vec::new();
    let (old, new) = match (old, new) {
        (None, None) => return out,
        (Some(old), None) => {
            out.push(Change::PodDeleted {
                pod: old.name.clone(),
            });
            return out;
        }
        (None, Some(new)) => {
            out.push(created(new, replacing));
            if new.static_pod {
                return out;
            }
            if !new.node.is_empty() {
                // Seen already placed: for a ReplicaSet's pod only the scheduler binds it (a
                // DaemonSet's pods and bare pods may name their node themselves).
                if matches!(
                    new.owner_kind.as_str(),
                    "ReplicaSet" | "StatefulSet" | "Job"
                ) {
                    out.push(Change::Scheduled {
                        pod: new.name.clone(),
                        node: new.node.clone(),
                    });
                }
                return out;
            }
            if !new.waiting.is_empty() {
                out.push(Change::Unschedulable {
                    pod: new.name.clone(),
                    reason: new.waiting.clone(),
                });
            }
            return out;
        }
        (Some(old), Some(new)) => (old, new),
    };
    let pod = || new.name.clone();
    if old.node.is_empty() && !new.node.is_empty() {
        out.push(Change::Scheduled {
            pod: pod(),
            node: new.node.clone(),
        });
    } else if new.node.is_empty() && !new.waiting.is_empty() && new.waiting != old.waiting {
        out.push(Change::Unschedulable {
            pod: pod(),
            reason: new.waiting.clone(),
        });
    }
    if !old.deleting && new.deleting {
        out.push(Change::Terminating { pod: pod() });
        return out;
    }
    if new.restarts > old.restarts {
        out.push(Change::Restarted {
            pod: pod(),
            restarts: new.restarts,
        });
    }
    if old.phase != new.phase && matches!(new.phase.as_str(), "Succeeded" | "Failed") {
        out.push(Change::Finished {
            pod: pod(),
            phase: new.phase.clone(),
        });
    } else if !old.ready && new.ready {
        out.push(Change::Ready { pod: pod() });
    } else if old.ready && !new.ready {
        out.push(Change::NotReady { pod: pod() });
    }
    out
}

fn created(new: &PodView, replacing: bool) -> Change {
    let pod = new.name.clone();
    if new.static_pod {
        return Change::StaticPod {
            pod,
            node: new.node.clone(),
        };
    }
    if new.owner.is_empty() {
        return Change::PodCreated { pod };
    }
    let (owner_kind, owner) = (new.owner_kind.clone(), new.owner.clone());
    if replacing {
        Change::PodReplaced {
            owner_kind,
            owner,
            pod,
        }
    } else {
        Change::PodMade {
            owner_kind,
            owner,
            pod,
        }
    }
}

pub(crate) fn node_changes(old: Option<&NodeView>, new: Option<&NodeView>) -> Vec<Change> {
    let (old, new) = match (old, new) {
        (None, None) => return Vec::new(),
        (Some(old), None) => {
            return vec![Change::NodeRemoved {
                node: old.name.clone(),
            }]
        }
        (None, Some(new)) => {
            return vec![Change::NodeJoined {
                node: new.name.clone(),
            }]
        }
        (Some(old), Some(new)) => (old, new),
    };
    let node = || new.name.clone();
    let mut out = Vec::new();
    if old.ready != new.ready {
        out.push(if new.ready == "True" {
            Change::NodeReady { node: node() }
        } else {
            Change::NodeNotReady {
                node: node(),
                reason: reason(new),
            }
        });
    }
    if !old.unschedulable && new.unschedulable {
        out.push(Change::Cordoned { node: node() });
    } else if old.unschedulable && !new.unschedulable {
        out.push(Change::Uncordoned { node: node() });
    }
    out
}

fn reason(node: &NodeView) -> String {
    match (node.ready_reason.is_empty(), node.ready_message.is_empty()) {
        (_, false) => node.ready_message.clone(),
        (false, true) => node.ready_reason.clone(),
        (true, true) => node.ready.clone(),
    }
}

pub(crate) fn service_changes(old: Option<&ServiceView>, new: Option<&ServiceView>) -> Vec<Change> {
    match (old, new) {
        (None, Some(s)) => vec![Change::ServiceCreated {
            service: s.name.clone(),
        }],
        (Some(s), None) => vec![Change::ServiceDeleted {
            service: s.name.clone(),
        }],
        _ => Vec::new(),
    }
}
