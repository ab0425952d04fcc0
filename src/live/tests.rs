//! Unit tests of the views, the sentences (old and new state → which change) and the state
//! model (replacements, reconnects, bounds), on objects shaped as a real API server sends them.

use k8s_openapi::api::core::v1::{Node, Pod};
use serde_json::json;

use super::change::{node_changes, pod_changes, Change};
use super::state::{Ev, ReplicaSetView, State, LINES};
use super::view::{node_view, pod_view, PodView};
use super::words::sentence;
use crate::tour::Lang;

fn pod(name: &str, node: &str, owner: &str) -> PodView {
    PodView {
        namespace: "default".into(),
        name: name.into(),
        node: node.into(),
        owner_kind: if owner.is_empty() { "" } else { "ReplicaSet" }.into(),
        owner: owner.into(),
        phase: "Pending".into(),
        ready: false,
        restarts: 0,
        static_pod: false,
        deleting: false,
        waiting: String::new(),
        container_reason: String::new(),
        labels: [("app".to_string(), "hello".to_string())].into(),
    }
}

fn rs(name: &str, replicas: i32) -> ReplicaSetView {
    ReplicaSetView {
        namespace: "default".into(),
        name: name.into(),
        replicas,
    }
}

fn keys(state: &State) -> Vec<String> {
    state
        .lines()
        .map(|l| {
            serde_json::to_value(&l.change).unwrap()["key"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn a_pod_from_the_api_becomes_a_small_view() {
    let p: Pod = serde_json::from_value(json!({
        "metadata": {"name": "hello-6d9-x2", "namespace": "default",
            "labels": {"app": "hello"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "hello-6d9",
                "uid": "u", "controller": true}]},
        "spec": {"nodeName": "lab-worker2", "containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "c", "image": "i", "imageID": "", "ready": true,
                "restartCount": 2, "state": {"running": {}}},
                {"name": "d", "image": "i", "imageID": "", "ready": true,
                "restartCount": 1, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
    }))
    .unwrap();
    let v = pod_view(&p);
    assert_eq!(
        (v.node.as_str(), v.owner_kind.as_str(), v.owner.as_str()),
        ("lab-worker2", "ReplicaSet", "hello-6d9")
    );
    assert_eq!(
        (v.phase.as_str(), v.ready, v.restarts),
        ("Running", true, 3)
    );
    assert_eq!(v.container_reason, "CrashLoopBackOff");
    assert!(!v.static_pod);
    // A static pod's mirror, and a pod the scheduler could not place.
    let m: Pod = serde_json::from_value(json!({
        "metadata": {"name": "etcd-lab-control-plane", "namespace": "kube-system",
            "annotations": {"kubernetes.io/config.mirror": "abc"}},
        "spec": {"nodeName": "lab-control-plane", "containers": []}
    }))
    .unwrap();
    assert!(pod_view(&m).static_pod);
    let w: Pod = serde_json::from_value(json!({
        "metadata": {"name": "w", "namespace": "default"},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "message": "0/3 nodes are available: 3 node(s) were unschedulable."}]}
    }))
    .unwrap();
    let w = pod_view(&w);
    assert_eq!((w.node.as_str(), w.phase.as_str()), ("", "Pending"));
    assert!(w.waiting.starts_with("0/3 nodes are available"));
}

#[test]
fn a_node_from_the_api_says_its_role_readiness_and_why() {
    let n: Node = serde_json::from_value(json!({
        "metadata": {"name": "lab-control-plane",
            "labels": {"node-role.kubernetes.io/control-plane": ""}},
        "spec": {"unschedulable": true},
        "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady",
            "message": "container runtime network not ready"}],
            "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "lab-control-plane"}],
            "nodeInfo": {"kubeletVersion": "v1.35.0", "containerRuntimeVersion": "containerd://2.1",
                "architecture": "", "bootID": "", "kernelVersion": "", "kubeProxyVersion": "",
                "machineID": "", "operatingSystem": "", "osImage": "", "systemUUID": ""}}
    }))
    .unwrap();
    let v = node_view(&n);
    assert_eq!(v.roles, vec!["control-plane"]);
    assert_eq!(
        (v.ready.as_str(), v.ready_reason.as_str()),
        ("False", "KubeletNotReady")
    );
    assert_eq!(v.ready_message, "container runtime network not ready");
    assert!(v.unschedulable);
    assert_eq!(
        (v.kubelet.as_str(), v.runtime.as_str()),
        ("v1.35.0", "containerd://2.1")
    );
    assert_eq!(v.addresses, vec!["172.18.0.2", "lab-control-plane"]);
    // No status yet: Unknown, not Ready.
    let bare: Node = serde_json::from_value(json!({"metadata": {"name": "w"}})).unwrap();
    assert_eq!(node_view(&bare).ready, "Unknown");
    assert!(node_view(&bare).roles.is_empty());
}

#[test]
fn each_pod_change_gets_its_sentence_key() {
    let made = pod("hello-x", "", "hello-6d9");
    assert_eq!(
        pod_changes(None, Some(&made), false),
        vec![Change::PodMade {
            owner_kind: "ReplicaSet".into(),
            owner: "hello-6d9".into(),
            pod: "hello-x".into()
        }]
    );
    assert!(matches!(
        pod_changes(None, Some(&made), true)[..],
        [Change::PodReplaced { .. }]
    ));
    let placed = pod("hello-x", "lab-worker2", "hello-6d9");
    assert_eq!(
        pod_changes(Some(&made), Some(&placed), false),
        vec![Change::Scheduled {
            pod: "hello-x".into(),
            node: "lab-worker2".into()
        }]
    );
    let mut ready = placed.clone();
    ready.phase = "Running".into();
    ready.ready = true;
    assert_eq!(
        pod_changes(Some(&placed), Some(&ready), false),
        vec![Change::Ready {
            pod: "hello-x".into()
        }]
    );
    let mut restarted = ready.clone();
    restarted.restarts = 1;
    restarted.ready = false;
    assert_eq!(
        pod_changes(Some(&ready), Some(&restarted), false),
        vec![
            Change::Restarted {
                pod: "hello-x".into(),
                restarts: 1
            },
            Change::NotReady {
                pod: "hello-x".into()
            }
        ]
    );
    let mut going = ready.clone();
    going.deleting = true;
    assert_eq!(
        pod_changes(Some(&ready), Some(&going), false),
        vec![Change::Terminating {
            pod: "hello-x".into()
        }]
    );
    assert_eq!(
        pod_changes(Some(&going), None, false),
        vec![Change::PodDeleted {
            pod: "hello-x".into()
        }]
    );
    // Nothing that matters changed: nothing said.
    assert!(pod_changes(Some(&ready), Some(&ready), false).is_empty());
    let mut waiting = pod("w", "", "");
    waiting.waiting = "0/3 nodes are available".into();
    assert!(matches!(
        pod_changes(None, Some(&waiting), false)[..],
        [Change::PodCreated { .. }, Change::Unschedulable { .. }]
    ));
    let mut mirror = pod("etcd-cp", "cp", "");
    mirror.static_pod = true;
    assert!(matches!(
        pod_changes(None, Some(&mirror), false)[..],
        [Change::StaticPod { .. }]
    ));
}

#[test]
fn node_changes_say_readiness_and_cordons() {
    let n: Node = serde_json::from_value(json!({"metadata": {"name": "w1"}})).unwrap();
    let unknown = node_view(&n);
    let mut ready = unknown.clone();
    ready.ready = "True".into();
    assert_eq!(
        node_changes(Some(&unknown), Some(&ready)),
        vec![Change::NodeReady { node: "w1".into() }]
    );
    let mut cordoned = ready.clone();
    cordoned.unschedulable = true;
    assert_eq!(
        node_changes(Some(&ready), Some(&cordoned)),
        vec![Change::Cordoned { node: "w1".into() }]
    );
    let mut lost = ready.clone();
    lost.ready = "Unknown".into();
    lost.ready_message = "Kubelet stopped posting node status.".into();
    assert_eq!(
        node_changes(Some(&ready), Some(&lost)),
        vec![Change::NodeNotReady {
            node: "w1".into(),
            reason: "Kubelet stopped posting node status.".into()
        }]
    );
    assert_eq!(
        node_changes(None, Some(&ready)),
        vec![Change::NodeJoined { node: "w1".into() }]
    );
}

#[test]
fn sentences_in_both_languages() {
    let c = Change::PodReplaced {
        owner_kind: "ReplicaSet".into(),
        owner: "hello-6d9".into(),
        pod: "hello-6d9-x2".into(),
    };
    assert_eq!(
        sentence(Lang::En, &c),
        "the ReplicaSet hello-6d9 made a new pod hello-6d9-x2 to replace one that was deleted"
    );
    assert_eq!(
        sentence(Lang::Ko, &c),
        "hello-6d9 레플리카셋이 삭제된 파드를 대신할 새 hello-6d9-x2 파드를 만들었습니다."
    );
    let c = Change::Scheduled {
        pod: "hello-6d9-x2".into(),
        node: "lab-worker2".into(),
    };
    assert_eq!(
        sentence(Lang::En, &c),
        "the scheduler placed hello-6d9-x2 on lab-worker2"
    );
    assert_eq!(
        sentence(Lang::Ko, &c),
        "스케줄러가 hello-6d9-x2 파드를 lab-worker2 노드에 배치했습니다."
    );
    // Every Korean sentence ends as 합니다체 does, and none leaks the English sentence.
    let all = [
        Change::PodMade {
            owner_kind: "DaemonSet".into(),
            owner: "d".into(),
            pod: "p".into(),
        },
        Change::PodCreated { pod: "p".into() },
        Change::StaticPod {
            pod: "p".into(),
            node: "n".into(),
        },
        Change::Ready { pod: "p".into() },
        Change::NotReady { pod: "p".into() },
        Change::Restarted {
            pod: "p".into(),
            restarts: 2,
        },
        Change::Finished {
            pod: "p".into(),
            phase: "Failed".into(),
        },
        Change::Terminating { pod: "p".into() },
        Change::PodDeleted { pod: "p".into() },
        Change::NodeJoined { node: "n".into() },
        Change::NodeRemoved { node: "n".into() },
        Change::NodeReady { node: "n".into() },
        Change::Cordoned { node: "n".into() },
        Change::Uncordoned { node: "n".into() },
        Change::ServiceCreated {
            service: "s".into(),
        },
        Change::ServiceDeleted {
            service: "s".into(),
        },
        Change::ApiBack,
    ];
    for c in &all {
        let ko = sentence(Lang::Ko, c);
        assert!(ko.ends_with("니다."), "{ko}");
        assert!(!ko.contains(" the "), "{ko}");
    }
}

#[test]
fn a_deleted_pod_is_replaced_but_a_scaled_down_one_is_not() {
    let mut s = State::new("lab", Lang::En, vec![]);
    s.replicaset(Ev::Init);
    s.replicaset(Ev::InitApply(rs("hello-6d9", 2)));
    s.replicaset(Ev::InitDone);
    s.pod(Ev::Init);
    s.pod(Ev::InitApply(pod("a", "w1", "hello-6d9")));
    s.pod(Ev::InitApply(pod("b", "w2", "hello-6d9")));
    s.pod(Ev::InitDone);
    assert!(keys(&s).is_empty(), "the first list says nothing");
    // kubectl delete pod a: the ReplicaSet makes c, the scheduler places it.
    s.pod(Ev::Delete(pod("a", "w1", "hello-6d9")));
    s.pod(Ev::Apply(pod("c", "", "hello-6d9")));
    s.pod(Ev::Apply(pod("c", "w1", "hello-6d9")));
    assert_eq!(keys(&s), vec!["pod_deleted", "pod_replaced", "scheduled"]);
    let last: Vec<String> = s.lines().map(|l| l.text.clone()).collect();
    assert_eq!(
        last[1],
        "the ReplicaSet hello-6d9 made a new pod c to replace one that was deleted"
    );
    // Scaled down to 1 and up to 3: nothing was replaced.
    s.replicaset(Ev::Apply(rs("hello-6d9", 1)));
    s.pod(Ev::Delete(pod("b", "w2", "hello-6d9")));
    s.replicaset(Ev::Apply(rs("hello-6d9", 3)));
    s.pod(Ev::Apply(pod("d", "", "hello-6d9")));
    assert_eq!(keys(&s)[3..], ["pod_deleted", "pod_made"]);
    // Terminating counts as gone: the replacement may come before the DELETED event.
    let mut going = pod("c", "w1", "hello-6d9");
    going.deleting = true;
    s.pod(Ev::Apply(going.clone()));
    s.pod(Ev::Apply(pod("e", "", "hello-6d9")));
    s.pod(Ev::Delete(going));
    assert_eq!(
        keys(&s)[5..],
        ["terminating", "pod_replaced", "pod_deleted"]
    );
}

#[test]
fn a_reconnect_says_what_changed_while_away_and_the_api_state_is_said_once() {
    let mut s = State::new("lab", Lang::Ko, vec!["lab-worker".into()]);
    s.api(None);
    s.pod(Ev::Init);
    s.pod(Ev::InitApply(pod("a", "w1", "")));
    s.pod(Ev::InitDone);
    s.api(Some("connection refused".into()));
    s.api(Some("connection refused".into()));
    s.api(None);
    s.pod(Ev::Init);
    s.pod(Ev::InitApply(pod("b", "w1", "")));
    s.pod(Ev::InitDone);
    assert_eq!(
        keys(&s),
        vec!["api_lost", "api_back", "pod_deleted", "pod_created"]
    );
    let json = serde_json::to_value(s.snapshot()).unwrap();
    assert_eq!(json["api"]["state"], "live");
    assert_eq!(json["pods"].as_array().unwrap().len(), 1);
    assert_eq!(json["pods"][0]["name"], "b");
    assert!(
        json["pods"][0].get("labels").is_none(),
        "labels stay on the server"
    );
}

#[test]
fn the_lines_are_bounded() {
    let mut s = State::new("lab", Lang::En, vec![]);
    s.pod(Ev::Init);
    s.pod(Ev::InitDone);
    for i in 0..(LINES * 3) {
        s.pod(Ev::Apply(pod(&format!("p{i}"), "w", "")));
    }
    assert_eq!(s.lines().count(), LINES);
    assert_eq!(s.lines().last().unwrap().seq, (LINES * 3) as u64);
}

#[test]
fn a_service_is_drawn_to_the_pods_its_selector_matches() {
    use super::view::ServiceView;
    let mut s = State::new("lab", Lang::En, vec!["lab-worker".into()]);
    let svc = ServiceView {
        namespace: "default".into(),
        name: "hello".into(),
        kind: "ClusterIP".into(),
        cluster_ip: "10.96.0.20".into(),
        selector: [("app".to_string(), "hello".to_string())].into(),
    };
    let headless = ServiceView {
        name: "no-selector".into(),
        selector: Default::default(),
        ..svc.clone()
    };
    s.service(Ev::Apply(svc));
    s.service(Ev::Apply(headless));
    s.pod(Ev::Apply(pod("a", "lab-worker", "")));
    let mut other = pod("b", "lab-worker", "");
    other.labels.clear();
    s.pod(Ev::Apply(other));
    let mut elsewhere = pod("c", "lab-worker", "");
    elsewhere.namespace = "other".into();
    s.pod(Ev::Apply(elsewhere));
    let json = serde_json::to_value(s.snapshot()).unwrap();
    assert_eq!(json["services"][0]["name"], "hello");
    assert_eq!(json["services"][0]["pods"], json!(["a"]));
    assert_eq!(json["services"][1]["pods"], json!([]));
    assert_eq!(json["nodes"], json!([]));
}

#[test]
fn a_drained_nodes_pods_move_to_the_other_nodes_and_the_line_says_from_where_to_where() {
    let mut s = State::new("lab", Lang::En, vec![]);
    s.replicaset(Ev::Apply(rs("hello-6d9", 3)));
    s.pod(Ev::Init);
    for (p, n) in [("a", "w1"), ("b", "w1"), ("c", "w2")] {
        s.pod(Ev::InitApply(pod(p, n, "hello-6d9")));
    }
    s.pod(Ev::InitDone);
    // kubectl drain w1: both evicted (Terminating), replaced, placed on w2.
    for (gone, new) in [("a", "d"), ("b", "e")] {
        let mut going = pod(gone, "w1", "hello-6d9");
        going.deleting = true;
        s.pod(Ev::Apply(going.clone()));
        s.pod(Ev::Apply(pod(new, "", "hello-6d9")));
        s.pod(Ev::Apply(pod(new, "w2", "hello-6d9")));
        s.pod(Ev::Delete(going));
    }
    assert_eq!(
        keys(&s),
        [
            "terminating",
            "pod_replaced",
            "scheduled",
            "pod_moved",
            "pod_deleted"
        ]
        .repeat(2)
    );
    let moved: Vec<&str> = s
        .lines()
        .filter(|l| matches!(l.change, Change::PodMoved { .. }))
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        moved[0],
        "the work of a moved from w1 to w2: its replacement d runs on w2 \
         (a pod never moves; its ReplicaSet makes a new one)"
    );
    let json = serde_json::to_value(s.snapshot()).unwrap();
    let moves = json["moves"].as_array().unwrap();
    assert_eq!(moves.len(), 2);
    assert_eq!(
        (
            &moves[1]["pod"],
            &moves[1]["from_pod"],
            &moves[1]["from"],
            &moves[1]["to"]
        ),
        (&json!("e"), &json!("b"), &json!("w1"), &json!("w2"))
    );
    // The move's number is its line's: the page animates each once.
    let line = s.lines().find(|l| l.seq == moves[1]["seq"]).unwrap();
    assert!(line.text.contains("replacement e"), "{}", line.text);

    // A deleted pod replaced on its own node did not move; a scale-up is no move either.
    s.pod(Ev::Delete(pod("c", "w2", "hello-6d9")));
    s.pod(Ev::Apply(pod("f", "", "hello-6d9")));
    s.pod(Ev::Apply(pod("f", "w2", "hello-6d9")));
    s.replicaset(Ev::Apply(rs("hello-6d9", 4)));
    s.pod(Ev::Apply(pod("g", "w1", "hello-6d9")));
    assert_eq!(
        keys(&s)[10..],
        [
            "pod_deleted",
            "pod_replaced",
            "scheduled",
            "pod_made",
            "scheduled"
        ]
    );
    let ko = sentence(
        Lang::Ko,
        &Change::PodMoved {
            pod: "d".into(),
            from_pod: "a".into(),
            from: "w1".into(),
            to: "w2".into(),
        },
    );
    assert_eq!(
        ko,
        "a 파드가 하던 일이 w1 노드에서 w2 노드로 옮겨 갔습니다. 파드 자체는 옮겨지지 \
         않으며, 레플리카셋이 만든 새 d 파드가 w2 노드에서 대신 실행됩니다."
    );
}

/// The stand-in's watch (and a relist, in key order) can tell a replacement before the
/// deletion it answers; the move is said once both are known.
#[test]
fn a_replacement_told_before_its_eviction_is_still_a_move_and_a_lagging_scale_up_is_not() {
    let mut s = State::new("lab", Lang::En, vec![]);
    s.replicaset(Ev::Apply(rs("hello-6d9", 2)));
    s.pod(Ev::Apply(pod("s", "w1", "hello-6d9")));
    s.pod(Ev::Apply(pod("t", "w2", "hello-6d9")));
    // drain w1: the ReplicaSet's new pod p is told, placed, before s is Terminating.
    s.pod(Ev::Apply(pod("p", "", "hello-6d9")));
    s.pod(Ev::Apply(pod("p", "w2", "hello-6d9")));
    let mut going = pod("s", "w1", "hello-6d9");
    going.deleting = true;
    s.pod(Ev::Apply(going));
    let said: Vec<String> = s.lines().map(|l| l.text.clone()).collect();
    assert_eq!(
        keys(&s)[4..],
        ["pod_made", "scheduled", "terminating", "pod_moved"],
        "{said:#?}"
    );
    assert!(said[7].starts_with("the work of s moved from w1 to w2: its replacement p"));
    // A scale-up told before the ReplicaSet's new count: the pods it made are no moves, even
    // when a pod is deleted afterwards.
    s.pod(Ev::Apply(pod("q", "w1", "hello-6d9")));
    s.replicaset(Ev::Apply(rs("hello-6d9", 3)));
    s.replicaset(Ev::Apply(rs("hello-6d9", 2)));
    s.pod(Ev::Delete(pod("t", "w2", "hello-6d9")));
    assert!(
        !keys(&s)[8..].contains(&"pod_moved".to_string()),
        "{:?}",
        keys(&s)
    );
}
