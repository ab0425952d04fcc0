//! The page's words, English and Korean: one sentence per [`Change`] and the labels the page
//! draws. Korean follows the Korean Kubernetes docs' terms (파드, 노드, 레플리카셋, 스태틱 파드,
//! 컨트롤 플레인) in 합니다체; an object's name comes before its kind, so the particle always
//! follows a Korean word ("hello 레플리카셋이", "worker2 노드에").

use serde_json::{json, Value};

use super::change::Change;
use crate::tour::Lang;

/// The owner's kind in the page's language, with the subject particle Korean needs after it.
pub(super) fn kind_subject(lang: Lang, kind: &str, name: &str) -> String {
    match lang {
        Lang::En => format!("the {kind} {name}"),
        Lang::Ko => match kind {
            "ReplicaSet" => format!("{name} 레플리카셋이"),
            "DaemonSet" => format!("{name} 데몬셋이"),
            "StatefulSet" => format!("{name} 스테이트풀셋이"),
            "Job" => format!("{name} 잡이"),
            _ => format!("{name}({kind})의 컨트롤러가"),
        },
    }
}

pub(crate) fn sentence(lang: Lang, change: &Change) -> String {
    match lang {
        Lang::En => english(change),
        Lang::Ko => korean(change),
    }
}

fn english(change: &Change) -> String {
    match change {
        Change::PodMade { owner_kind, owner, pod } => {
            format!("{} made a new pod {pod}", kind_subject(Lang::En, owner_kind, owner))
        }
        Change::PodReplaced { owner_kind, owner, pod } => format!(
            "{} made a new pod {pod} to replace one that was deleted",
            kind_subject(Lang::En, owner_kind, owner)
        ),
        Change::PodCreated { pod } => format!("the pod {pod} was created"),
        Change::StaticPod { pod, node } => format!(
            "the kubelet on {node} runs the static pod {pod} from its manifest file (the API shows its mirror pod)"
        ),
        Change::PodMoved { pod, from_pod, from, to } => format!(
            "the work of {from_pod} moved from {from} to {to}: its replacement {pod} runs on {to} (a pod never moves; its ReplicaSet makes a new one)"
        ),
        Change::Scheduled { pod, node } => format!("the scheduler placed {pod} on {node}"),
        Change::Unschedulable { pod, reason } => {
            format!("the scheduler found no node for {pod}: {reason}")
        }
        Change::Ready { pod } => format!("the pod {pod} is ready"),
        Change::NotReady { pod } => format!("the pod {pod} is no longer ready"),
        Change::Restarted { pod, restarts } => format!(
            "the kubelet restarted a container of {pod} in the same pod (restarts: {restarts})"
        ),
        Change::Finished { pod, phase } => format!("the pod {pod} ended: {phase}"),
        Change::Terminating { pod } => format!("the pod {pod} is being deleted (Terminating)"),
        Change::PodDeleted { pod } => format!("the pod {pod} was deleted"),
        Change::NodeJoined { node } => format!("the node {node} joined the cluster"),
        Change::NodeRemoved { node } => format!("the node {node} was removed from the cluster"),
        Change::NodeReady { node } => format!("the node {node} is Ready"),
        Change::NodeNotReady { node, reason } => format!("the node {node} is not Ready: {reason}"),
        Change::Cordoned { node } => {
            format!("the node {node} was cordoned: the scheduler places no new pods on it")
        }
        Change::Uncordoned { node } => {
            format!("the node {node} was uncordoned: it takes new pods again")
        }
        Change::ServiceCreated { service } => format!("the Service {service} was created"),
        Change::ServiceDeleted { service } => format!("the Service {service} was deleted"),
        Change::ApiLost { reason } => {
            format!("the API server does not answer ({reason}); trying again")
        }
        Change::ApiBack => "the API server answers again".into(),
        Change::Warning(w) => super::warn_words::warning(Lang::En, w),
    }
}

fn korean(change: &Change) -> String {
    match change {
        Change::PodMade { owner_kind, owner, pod } => format!(
            "{} 새 {pod} 파드를 만들었습니다.",
            kind_subject(Lang::Ko, owner_kind, owner)
        ),
        Change::PodReplaced { owner_kind, owner, pod } => format!(
            "{} 삭제된 파드를 대신할 새 {pod} 파드를 만들었습니다.",
            kind_subject(Lang::Ko, owner_kind, owner)
        ),
        Change::PodCreated { pod } => format!("{pod} 파드가 만들어졌습니다."),
        Change::StaticPod { pod, node } => format!(
            "{node} 노드의 kubelet이 매니페스트 파일에 따라 {pod} 스태틱(static) 파드를 실행합니다. API 서버에는 그 미러 파드가 보입니다."
        ),
        Change::PodMoved { pod, from_pod, from, to } => format!(
            "{from_pod} 파드가 하던 일이 {from} 노드에서 {to} 노드로 옮겨 갔습니다. 파드 자체는 옮겨지지 않으며, 레플리카셋이 만든 새 {pod} 파드가 {to} 노드에서 대신 실행됩니다."
        ),
        Change::Scheduled { pod, node } => {
            format!("스케줄러가 {pod} 파드를 {node} 노드에 배치했습니다.")
        }
        Change::Unschedulable { pod, reason } => {
            format!("스케줄러가 {pod} 파드를 배치할 노드를 찾지 못했습니다: {reason}")
        }
        Change::Ready { pod } => format!("{pod} 파드가 준비 상태(Ready)가 되었습니다."),
        Change::NotReady { pod } => format!("{pod} 파드가 더 이상 준비 상태(Ready)가 아닙니다."),
        Change::Restarted { pod, restarts } => format!(
            "kubelet이 {pod} 파드의 컨테이너를 같은 파드 안에서 다시 시작했습니다. 재시작은 모두 {restarts}회입니다."
        ),
        Change::Finished { pod, phase } => format!("{pod} 파드가 {phase} 상태로 끝났습니다."),
        Change::Terminating { pod } => format!("{pod} 파드가 Terminating 상태가 되었습니다. 삭제되는 중입니다."),
        Change::PodDeleted { pod } => format!("{pod} 파드가 삭제되었습니다."),
        Change::NodeJoined { node } => format!("{node} 노드가 클러스터에 합류했습니다."),
        Change::NodeRemoved { node } => format!("{node} 노드가 클러스터에서 삭제되었습니다."),
        Change::NodeReady { node } => format!("{node} 노드가 Ready 상태가 되었습니다."),
        Change::NodeNotReady { node, reason } => {
            format!("{node} 노드가 Ready 상태가 아닙니다: {reason}")
        }
        Change::Cordoned { node } => format!(
            "{node} 노드가 cordon되었습니다(스케줄 불가능으로 표시). 스케줄러가 이 노드에 새 파드를 배치하지 않습니다."
        ),
        Change::Uncordoned { node } => {
            format!("{node} 노드가 uncordon되어 다시 새 파드를 받습니다.")
        }
        Change::ServiceCreated { service } => format!("{service} 서비스가 만들어졌습니다."),
        Change::ServiceDeleted { service } => format!("{service} 서비스가 삭제되었습니다."),
        Change::ApiLost { reason } => {
            format!("API 서버가 응답하지 않습니다({reason}). 다시 연결하는 중입니다.")
        }
        Change::ApiBack => "API 서버가 다시 응답합니다.".into(),
        Change::Warning(w) => super::warn_words::warning(Lang::Ko, w),
    }
}

/// The labels the page draws, by key (the page has no words of its own).
pub(crate) fn page(lang: Lang) -> Value {
    match lang {
        Lang::En => json!({
            "title": "minik: the cluster live",
            "nodes": "Nodes",
            "pending": "Waiting for a node (Pending)",
            "services": "Services",
            "happened": "What just happened",
            "control_plane": "control plane",
            "worker": "worker",
            "static_pod": "static pod",
            "restarts": "restarts",
            "kubelet": "kubelet",
            "runtime": "runtime",
            "addresses": "addresses",
            "container": "node container",
            "no_container": "no container of this name",
            "cordoned": "cordoned: no new pods",
            "api_connecting": "connecting to the API server…",
            "api_live": "live",
            "api_lost": "the API server does not answer; trying again",
            "page_lost": "the page lost minik; reconnecting…",
            "theme": "Light/dark",
            "pods_behind": "pods behind it",
            "none": "none",
            "owner_none": "no controller",
            "ready": "ready",
            "not_ready": "not ready",
            "moved_from": "replaces a pod that was on {node}",
            "kinds": {"ReplicaSet": "ReplicaSet", "DaemonSet": "DaemonSet", "StatefulSet": "StatefulSet",
                "Job": "Job", "Node": "Node"},
        }),
        Lang::Ko => json!({
            "title": "minik: 실시간 클러스터",
            "nodes": "노드",
            "pending": "노드 배치를 기다리는 파드(Pending)",
            "services": "서비스",
            "happened": "방금 일어난 일",
            "control_plane": "컨트롤 플레인",
            "worker": "워커",
            "static_pod": "스태틱 파드",
            "restarts": "재시작",
            "kubelet": "kubelet",
            "runtime": "컨테이너 런타임",
            "addresses": "주소",
            "container": "노드 컨테이너",
            "no_container": "이 이름의 컨테이너가 없습니다",
            "cordoned": "cordon됨: 새 파드를 받지 않습니다",
            "api_connecting": "API 서버에 연결하는 중…",
            "api_live": "실시간",
            "api_lost": "API 서버가 응답하지 않습니다. 다시 연결하는 중입니다",
            "page_lost": "페이지와 minik의 연결이 끊겼습니다. 다시 연결하는 중…",
            "theme": "밝게/어둡게",
            "pods_behind": "연결된 파드",
            "none": "없음",
            "owner_none": "컨트롤러 없음",
            "ready": "준비됨",
            "not_ready": "준비 안 됨",
            "moved_from": "{node} 노드에 있던 파드를 대신합니다",
            "kinds": {"ReplicaSet": "레플리카셋", "DaemonSet": "데몬셋", "StatefulSet": "스테이트풀셋",
                "Job": "잡", "Node": "노드"},
        }),
    }
}
