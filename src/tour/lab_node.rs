//! Reading a step's `nodeAction`: one of minik's fixed node actions, never a command. Each is a
//! name from [`NODE_ACTIONS`] with the one setting it takes, refused at its line otherwise:
//!
//! ```yaml
//! nodeAction: {do: move-static-pod-manifest, component: kube-scheduler}
//! nodeAction: {undo: move-static-pod-manifest, component: kube-scheduler}
//! nodeAction: {do: stop-kubelet, node: "{worker}"}
//! nodeAction: {undo: stop-kubelet}
//! ```
//!
//! Across the lab, an `undo` follows a `do` of the same action, and nothing is done twice
//! before it is undone; whatever is still done when the tour ends, minik undoes.

use super::lab::{NodeAction, NodeStep, Step, COMPONENTS, NODE_ACTIONS};
use crate::config::decode::Decoder;
use crate::config::yaml::{Node, Value};
use crate::config::Location;
use crate::text::quoted;

const FIELDS: [&str; 4] = ["do", "undo", "component", "node"];
const EXAMPLE: &str = "nodeAction: {do: stop-kubelet, node: \"{worker}\"}";

/// The only node `stop-kubelet` takes: the worker a step's `{worker}` names.
const WORKER: &str = "{worker}";

/// Decodes `nodeAction: {...}`; `None` (with errors recorded) when it is not one minik has.
pub(super) fn decode(d: &mut Decoder, node: &Node, path: &str) -> Option<NodeStep> {
    let mut verb: Option<(bool, Option<usize>)> = None;
    let mut component: Option<(Option<usize>, Location)> = None;
    let mut on_node: Option<(String, Location)> = None;
    for (field, p, value) in d.fields(node, path, "a node action", &FIELDS) {
        match field {
            "do" | "undo" => {
                if verb.is_some() {
                    d.error(
                        value.at,
                        "a node action is either do or undo, not both".into(),
                        "write one node action per step",
                    );
                    return None;
                }
                let i = one_of(d, value, &p, &NODE_ACTIONS);
                verb = Some((field == "undo", i));
            }
            "component" => {
                let names: Vec<&str> = COMPONENTS.iter().map(|(n, _)| *n).collect();
                component = Some((one_of(d, value, &p, &names), value.at));
            }
            _ => on_node = Some((d.string(value, &p, EXAMPLE).unwrap_or_default(), value.at)),
        }
    }
    let Some((undo, action)) = verb else {
        d.error(
            node.at,
            "the node action names no action".into(),
            format!(
                "write do: or undo: with one of: {}",
                NODE_ACTIONS.join(", ")
            ),
        );
        return None;
    };
    let action = action?;
    let action = build(d, NODE_ACTIONS[action], undo, component, on_node, node.at)?;
    Some(NodeStep { action, undo })
}

/// The action `name` names, with the setting it takes and none other.
fn build(
    d: &mut Decoder,
    name: &str,
    undo: bool,
    component: Option<(Option<usize>, Location)>,
    on_node: Option<(String, Location)>,
    at: Location,
) -> Option<NodeAction> {
    Some(match name {
        "move-static-pod-manifest" => {
            if let Some((_, at)) = on_node {
                d.error(
                    at,
                    "move-static-pod-manifest takes no node".into(),
                    "it acts on the tour's control-plane node; name the component only",
                );
            }
            let Some((Some(c), _)) = component else {
                if component.is_none() {
                    d.error(
                        at,
                        "move-static-pod-manifest needs the component whose manifest it moves"
                            .into(),
                        "add component: kube-scheduler (or kube-controller-manager)",
                    );
                }
                return None;
            };
            NodeAction::MoveStaticPodManifest(COMPONENTS[c].1)
        }
        _ => {
            if let Some((_, at)) = component {
                d.error(
                    at,
                    "stop-kubelet takes no component".into(),
                    "it stops a worker's kubelet: write node: \"{worker}\" or nothing",
                );
            }
            match on_node {
                Some((n, at)) if undo || n != WORKER => {
                    d.error(
                        at,
                        format!("stop-kubelet cannot act on {}", quoted(&n)),
                        if undo {
                            "undo: stop-kubelet starts the kubelet it stopped: write no node"
                        } else {
                            "it acts on the worker {worker} names: write node: \"{worker}\""
                        },
                    );
                    return None;
                }
                _ => NodeAction::StopKubelet,
            }
        }
    })
}

/// One of `allowed`, exactly; anything else (an empty value too) is an error at its line.
fn one_of(d: &mut Decoder, value: &Node, path: &str, allowed: &[&str]) -> Option<usize> {
    let empty = matches!(&value.value, Value::Null)
        || matches!(&value.value, Value::Scalar { text, .. } if text.is_empty());
    if empty {
        d.error(
            value.at,
            "the value is empty".into(),
            format!("write one of: {}", allowed.join(", ")),
        );
        return None;
    }
    d.choice(value, path, allowed, false)
}

/// The step's node action in the lab's order: an undo needs its `do` in an earlier step, and an
/// action already done is not done again until undone. `earlier` are the steps before it.
pub(super) fn check_sequence(d: &mut Decoder, earlier: &[Step], step: &mut Step, at: Location) {
    let Some(this) = step.node_action else {
        return;
    };
    let done = earlier
        .iter()
        .filter_map(|s| s.node_action)
        .fold(Vec::new(), |mut done, n| {
            if n.undo {
                done.retain(|a| *a != n.action);
            } else {
                done.push(n.action);
            }
            done
        });
    let is_done = done.contains(&this.action);
    let what = describe(this.action);
    if this.undo && !is_done {
        d.error(
            at,
            format!("the step undoes {what}, which no earlier step did"),
            "put do: before undo:, in an earlier step (minik undoes whatever is left at the end)",
        );
    } else if !this.undo && is_done {
        d.error(
            at,
            format!("the step does {what} again before any step undid it"),
            "add a step with undo: in between, or remove this one",
        );
    }
    if this.action == NodeAction::StopKubelet {
        step.needs_workers = step.needs_workers.max(1);
    }
}

fn describe(a: NodeAction) -> String {
    match a {
        NodeAction::MoveStaticPodManifest(c) => format!("move-static-pod-manifest {}", c.name()),
        NodeAction::StopKubelet => "stop-kubelet".into(),
    }
}
