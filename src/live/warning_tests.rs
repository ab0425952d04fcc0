//! Unit tests of Warning events as lines (the view from API-shaped events, the words in both
//! languages, one line per event however often it repeats) and of what a pod's detail reads
//! from a node and the API (names, containerd's listings, logs), all on hostile input.

use k8s_openapi::api::core::v1::{ContainerStatus, Event};
use serde_json::json;

use super::detail_parse::{clean_line, containerd_rows, log_lines, status_text, tasks, LINE_CHARS};
use super::names::{is_container_id, is_dns_label, is_dns_subdomain};
use super::state::{Ev, State, EVENTS, LINES};
use super::warn_words::warning;
use super::warning::{clean, event_view, EventView, Warning, MESSAGE_LIMIT};
use crate::tour::Lang;

fn event(name: &str, reason: &str, message: &str, count: i32) -> Event {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "default"},
        "reason": reason, "message": message, "type": "Warning", "count": count,
        "source": {"component": "kubelet", "host": "lab-worker"}
    }))
    .unwrap()
}

fn texts(state: &State) -> Vec<String> {
    state.lines().map(|l| l.text.clone()).collect()
}

#[test]
fn an_event_becomes_a_small_clean_view() {
    let long = "m".repeat(5000);
    let v = event_view(&event("web-1.181", "Failed", &long, 3));
    assert_eq!(v.count, 3);
    assert!(v.warning);
    assert_eq!(v.message.chars().count(), MESSAGE_LIMIT + 1, "cut, with …");
    // events.k8s.io's series count wins over the deprecated count.
    let mut e = event("x", "FailedScheduling", "0/3 nodes are available", 1);
    e.series = Some(
        serde_json::from_value(
            json!({"count": 7, "lastObservedTime": "2026-01-01T00:00:00.000000Z"}),
        )
        .unwrap(),
    );
    assert_eq!(event_view(&e).count, 7);
    e.type_ = Some("Normal".into());
    assert!(!event_view(&e).warning);
}

#[test]
fn cleaning_keeps_text_as_text() {
    assert_eq!(clean("a\n\tb\u{7}  c", 50), "a b c");
    assert_eq!(clean("\u{202e}evil\u{2066}x\u{200f}", 50), "evilx");
    assert_eq!(
        clean("<img src=x onerror=alert(1)>", 50),
        "<img src=x onerror=alert(1)>"
    );
    assert_eq!(clean("abcdef", 3), "abc…");
    assert_eq!(clean("한국어 이름", 3), "한국어…");
}

fn w(reason: &str, kind: &str, message: &str, count: u32) -> Warning {
    Warning {
        event: "default/e".into(),
        kind: kind.into(),
        object: "web-1".into(),
        reason: reason.into(),
        message: message.into(),
        count,
    }
}

/// (reason, kind, message, English start, Korean start)
const REASONS: [(&str, &str, &str, &str, &str); 11] = [
    (
        "FailedScheduling",
        "Pod",
        "0/3 nodes are available: 3 Insufficient cpu.",
        "the scheduler could not place the pod web-1 yet: 0/3",
        "스케줄러가 아직 web-1 파드를 배치할 노드를 찾지 못했습니다: 0/3",
    ),
    (
        "BackOff",
        "Pod",
        "Back-off restarting failed container app in pod web-1_default(u)",
        "a container of web-1 keeps stopping",
        "web-1 파드의 컨테이너가 계속 멈춥니다",
    ),
    (
        "BackOff",
        "Pod",
        "Back-off pulling image \"nope:1\"",
        "the kubelet waits before it tries again to pull the image of web-1",
        "kubelet이 web-1 파드의 이미지를 다시 받아 오기 전에 기다립니다",
    ),
    (
        "ErrImageNeverPull",
        "Pod",
        "Container image \"nope:1\" is not present with pull policy of Never",
        "the image of a container of web-1 is not on its node",
        "web-1 파드의 컨테이너 이미지가 노드에 없고",
    ),
    (
        "Failed",
        "Pod",
        "Error: ErrImagePull",
        "the kubelet could not start a container of web-1",
        "kubelet이 web-1 파드의 컨테이너를 시작하지 못했습니다",
    ),
    (
        "FailedMount",
        "Pod",
        "MountVolume.SetUp failed",
        "the kubelet could not mount a volume of web-1",
        "kubelet이 web-1 파드의 볼륨을 마운트하지 못했습니다",
    ),
    (
        "Unhealthy",
        "Pod",
        "Readiness probe failed: HTTP probe failed with statuscode: 500",
        "a probe of web-1 failed",
        "web-1 파드의 프로브가 실패했습니다",
    ),
    (
        "OOMKilling",
        "Node",
        "Out of memory: Killed process 42 (java)",
        "the kernel of the node web-1 killed a process",
        "web-1 노드의 커널이",
    ),
    (
        "FailedCreate",
        "ReplicaSet",
        "Error creating: pods \"x\" is forbidden",
        "the ReplicaSet web-1 could not make a pod",
        "web-1 레플리카셋이 파드를 만들지 못했습니다",
    ),
    (
        "Evicted",
        "Pod",
        "The node was low on resource: memory.",
        "the kubelet evicted the pod web-1",
        "kubelet이 web-1 파드를 축출했습니다",
    ),
    (
        "SomethingNew",
        "Deployment",
        "text",
        "warning (SomethingNew) about the Deployment web-1",
        "web-1 디플로이먼트에 대한 경고(SomethingNew)",
    ),
];

#[test]
fn each_reason_is_said_in_plain_words_in_both_languages() {
    for (reason, kind, message, en, ko) in REASONS {
        let x = w(reason, kind, message, 1);
        let (e, k) = (warning(Lang::En, &x), warning(Lang::Ko, &x));
        assert!(e.starts_with(en), "{e}");
        assert!(k.starts_with(ko), "{k}");
        assert!(e.ends_with(message) && k.ends_with(message), "{e} / {k}");
        assert!(
            crate::i18n::glossary::discouraged(&k, Lang::Ko).is_empty(),
            "{k}"
        );
    }
    let x = w("Unhealthy", "Pod", "probe failed", 4);
    assert!(warning(Lang::En, &x).ends_with("probe failed (4 times)"));
    assert!(warning(Lang::Ko, &x).ends_with("probe failed (4회)"));
    assert_eq!(
        warning(Lang::En, &w("Unhealthy", "Pod", "", 1)),
        "a probe of web-1 failed"
    );
}

fn view(name: &str, count: u32) -> EventView {
    event_view(&event(
        name,
        "BackOff",
        "Back-off restarting failed container app",
        count as i32,
    ))
}

#[test]
fn a_repeated_event_keeps_one_line_with_its_count() {
    let mut s = State::new("lab", Lang::En, Vec::new());
    s.warning(Ev::Init);
    s.warning(Ev::InitApply(view("old", 2)));
    s.warning(Ev::InitDone);
    assert_eq!(
        texts(&s).len(),
        1,
        "the warnings there are already: {:?}",
        texts(&s)
    );
    s.warning(Ev::Apply(view("web-1.a", 1)));
    s.warning(Ev::Apply(view("web-1.a", 1)));
    assert_eq!(texts(&s).len(), 2);
    for n in 2..=5 {
        s.warning(Ev::Apply(view("web-1.a", n)));
    }
    let t = texts(&s);
    assert_eq!(t.len(), 2, "{t:?}");
    assert!(t[1].ends_with("(5 times)"), "{t:?}");
    // Normal events (a server that ignored the field selector) say nothing.
    let mut normal = event("n", "Pulled", "ok", 1);
    normal.type_ = Some("Normal".into());
    s.warning(Ev::Apply(event_view(&normal)));
    assert_eq!(texts(&s).len(), 2);
    // A reconnect's fresh list says only what changed meanwhile.
    s.warning(Ev::Init);
    s.warning(Ev::InitApply(view("old", 2)));
    s.warning(Ev::InitApply(view("web-1.a", 6)));
    s.warning(Ev::InitDone);
    let t = texts(&s);
    assert_eq!(t.len(), 2, "{t:?}");
    assert!(t[1].ends_with("(6 times)"));
}

#[test]
fn many_events_keep_the_lines_bounded() {
    let mut s = State::new("lab", Lang::Ko, Vec::new());
    s.warning(Ev::Init);
    s.warning(Ev::InitDone);
    for i in 0..(LINES * 3) {
        s.warning(Ev::Apply(view(&format!("e{i}"), 1)));
    }
    assert_eq!(texts(&s).len(), LINES);
    for i in 0..(EVENTS + 500) {
        s.warning(Ev::Apply(view(&format!("f{i}"), 1)));
    }
    assert_eq!(s.events_kept(), EVENTS);
    assert_eq!(texts(&s).len(), LINES);
}

#[test]
fn names_are_checked_as_kubernetes_checks_them() {
    for ok in ["a", "default", "kube-system", "a1-b2", &"a".repeat(63)] {
        assert!(is_dns_label(ok), "{ok}");
    }
    for bad in [
        "",
        "-a",
        "a-",
        "A",
        "a.b",
        "a_b",
        "a b",
        "ä",
        &"a".repeat(64),
    ] {
        assert!(!is_dns_label(bad), "{bad}");
    }
    assert!(is_dns_subdomain("web-1.a.b"));
    assert!(is_dns_subdomain(&"a".repeat(253)));
    for bad in ["", ".", "a..b", "a.", "a/b", "<img>", &"a".repeat(254)] {
        assert!(!is_dns_subdomain(bad), "{bad}");
    }
    assert!(is_container_id(&"ab12".repeat(16)));
    assert!(!is_container_id(&"AB12".repeat(16)));
    assert!(!is_container_id("abc"));
}

const ID1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const ID2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

#[test]
fn containerd_listings_are_read_strictly() {
    let t = tasks(&format!(
        "TASK    PID    STATUS\n{ID1}    42    RUNNING\nnot-an-id 1 RUNNING\n{ID2} 7\n"
    ));
    assert_eq!(t.len(), 1);
    let status: ContainerStatus = serde_json::from_value(json!({
        "name": "app", "image": "i", "imageID": "", "ready": true, "restartCount": 1,
        "containerID": format!("containerd://{ID1}"), "state": {"running": {}}}))
    .unwrap();
    let text = format!(
        "CONTAINER  IMAGE  RUNTIME\n{ID1}  minik.test/busybox:1.0  io.containerd.runc.v2\n\
         {ID2}  <script>  io.containerd.runc.v2\n../../x  y  z\n"
    );
    let rows = containerd_rows(&text, &t, Some(&status));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].id, &ID1[..12]);
    assert_eq!(rows[0].task, "RUNNING");
    assert!(rows[0].current && !rows[1].current);
    assert_eq!(rows[1].task, "no task");
    assert_eq!(rows[1].image, "<script>", "text, escaped by the page");
    let flood: String = (0..5000).map(|_| format!("{ID2} i r\n")).collect();
    assert!(containerd_rows(&format!("H\n{flood}"), &t, None).len() <= 32);
    assert_eq!(status_text(&status), "Running");
}

#[test]
fn log_lines_are_the_last_ones_cleaned_and_cut() {
    let text: String = (1..=30).map(|i| format!("line {i}\n")).collect();
    let lines = log_lines(text.as_bytes(), 20);
    assert_eq!(lines.len(), 20);
    assert_eq!(lines[0], "line 11");
    assert_eq!(lines[19], "line 30");
    assert_eq!(log_lines(b"a\nno newline", 20), ["a", "no newline"]);
    assert_eq!(log_lines(b"", 20), Vec::<String>::new());
    assert_eq!(log_lines(b"\xff\xfe ok", 20), ["\u{fffd}\u{fffd} ok"]);
    assert_eq!(
        clean_line("\u{1b}[31mred\u{1b}[0m\r"),
        "\u{fffd}[31mred\u{fffd}[0m"
    );
    assert_eq!(clean_line("a\tb  c"), "a b  c");
    assert_eq!(clean_line("x\u{202e}y"), "xy");
    assert_eq!(
        clean_line(&"z".repeat(5000)).chars().count(),
        LINE_CHARS + 1
    );
}

/// A pod the scheduler can't place has one line (its PodScheduled condition's, said by the pod
/// watch), not a second from the FailedScheduling event with the same message.
#[test]
fn failed_scheduling_is_said_once_by_the_pod_not_again_by_its_event() {
    let mut s = State::new("lab", Lang::En, Vec::new());
    s.warning(Ev::Init);
    s.warning(Ev::InitDone);
    let pending = event_view(&event("web-1.b", "FailedScheduling", "0/3 nodes", 1));
    s.warning(Ev::Apply(pending.clone()));
    s.warning(Ev::Apply(EventView {
        count: 4,
        ..pending
    }));
    assert!(texts(&s).is_empty(), "{:?}", texts(&s));
    s.warning(Ev::Apply(view("web-1.c", 1)));
    assert_eq!(texts(&s).len(), 1, "other warnings still are lines");
}
