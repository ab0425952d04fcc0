//! A Warning event in plain words, English and Korean: what the component that reported it
//! means by its reason, then its own message (Kubernetes' text, as kubectl shows it), and how
//! many times it happened when more than once.

use super::warning::Warning;
use super::words::kind_subject;
use crate::tour::Lang;

pub(crate) fn warning(lang: Lang, w: &Warning) -> String {
    let said = match lang {
        Lang::En => english(w),
        Lang::Ko => korean(w),
    };
    let mut out = said;
    if !w.message.is_empty() {
        out.push_str(": ");
        out.push_str(&w.message);
    }
    if w.count > 1 {
        out.push_str(&match lang {
            Lang::En => format!(" ({} times)", w.count),
            Lang::Ko => format!(" ({}회)", w.count),
        });
    }
    out
}

/// The image back-off and the crash back-off share the kubelet's reason `BackOff`; the
/// message tells them apart (pkg/kubelet/images/image_manager.go: "Back-off pulling image").
fn pulling(w: &Warning) -> bool {
    w.message.starts_with("Back-off pulling image")
}

fn english(w: &Warning) -> String {
    let o = &w.object;
    match w.reason.as_str() {
        "FailedScheduling" => format!("the scheduler could not place the pod {o} yet"),
        "BackOff" if pulling(w) => {
            format!("the kubelet waits before it tries again to pull the image of {o}")
        }
        "BackOff" => format!(
            "a container of {o} keeps stopping; the kubelet waits longer before each restart (CrashLoopBackOff)"
        ),
        "ErrImageNeverPull" => format!(
            "the image of a container of {o} is not on its node, and imagePullPolicy Never forbids pulling it"
        ),
        "Failed" if w.kind == "Pod" => {
            format!("the kubelet could not start a container of {o}")
        }
        "FailedMount" | "FailedAttachVolume" => {
            format!("the kubelet could not mount a volume of {o}")
        }
        "Unhealthy" => format!("a probe of {o} failed"),
        "OOMKilling" => {
            format!("the kernel of the node {o} killed a process that ran out of memory")
        }
        "Evicted" => format!("the kubelet evicted the pod {o}"),
        "FailedCreate" => format!(
            "{} could not make a pod",
            kind_subject(Lang::En, &w.kind, o)
        ),
        reason => format!("warning ({reason}) about the {} {o}", w.kind),
    }
}

fn korean(w: &Warning) -> String {
    let o = &w.object;
    match w.reason.as_str() {
        "FailedScheduling" => format!("스케줄러가 아직 {o} 파드를 배치할 노드를 찾지 못했습니다"),
        "BackOff" if pulling(w) => {
            format!("kubelet이 {o} 파드의 이미지를 다시 받아 오기 전에 기다립니다")
        }
        "BackOff" => format!(
            "{o} 파드의 컨테이너가 계속 멈춥니다. kubelet은 다시 시작하기 전에 점점 더 오래 기다립니다(CrashLoopBackOff)"
        ),
        "ErrImageNeverPull" => format!(
            "{o} 파드의 컨테이너 이미지가 노드에 없고, imagePullPolicy가 Never라서 이미지를 받아 오지 않습니다"
        ),
        "Failed" if w.kind == "Pod" => format!("kubelet이 {o} 파드의 컨테이너를 시작하지 못했습니다"),
        "FailedMount" | "FailedAttachVolume" => {
            format!("kubelet이 {o} 파드의 볼륨을 마운트하지 못했습니다")
        }
        "Unhealthy" => format!("{o} 파드의 프로브가 실패했습니다"),
        "OOMKilling" => format!("{o} 노드의 커널이 메모리가 부족한 프로세스를 종료했습니다"),
        "Evicted" => format!("kubelet이 {o} 파드를 축출했습니다"),
        "FailedCreate" => format!(
            "{} 파드를 만들지 못했습니다",
            kind_subject(Lang::Ko, &w.kind, o)
        ),
        reason => format!("{o} {}에 대한 경고({reason})", kind_ko(&w.kind)),
    }
}

/// A kind in Korean as the Korean Kubernetes docs write it; others as Kubernetes names them.
fn kind_ko(kind: &str) -> &str {
    match kind {
        "Pod" => "파드",
        "Node" => "노드",
        "ReplicaSet" => "레플리카셋",
        "Deployment" => "디플로이먼트",
        "DaemonSet" => "데몬셋",
        "StatefulSet" => "스테이트풀셋",
        "Job" => "잡",
        "Service" => "서비스",
        "PersistentVolumeClaim" => "퍼시스턴트볼륨클레임",
        "PersistentVolume" => "퍼시스턴트볼륨",
        other => other,
    }
}
