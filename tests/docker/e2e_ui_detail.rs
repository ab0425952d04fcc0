//! `minik ui`'s pod detail and Warning lines end to end with a real browser (Debian's
//! Chromium, headless, through chromedriver) on one 1-node cluster: a pod clicked (and, in
//! Korean, a pod given Enter) opens to its container as the node's containerd lists it (the
//! ID the API names as current, the image, the task RUNNING) and the last lines of its log; a
//! pod whose image is missing (imagePullPolicy Never) gives one Warning line, in English and
//! in Korean, whose count grows instead of the lines; objects carrying HTML, quotes, very long
//! text and bidirectional/control characters go through the real watch path and appear as
//! text: no element they name exists, no script of theirs ran, the console has no error, and
//! the server still answers after objects of hundreds of KiB.

use crate::common;

use std::time::{Duration, Instant};

use common::webdriver::{http, Browser};
use common::{text, TestCluster};
use serde_json::Value;

use super::e2e_ui::{kubectl_json, kubectl_ok, save_screenshot, Ui};

/// A pod that writes a numbered line every 0.2 s, and one whose image is nowhere.
const PODS: &str = "apiVersion: v1
kind: Pod
metadata: {name: talker, namespace: default}
spec:
  containers:
  - name: talk
    image: minik.test/busybox:1.0
    imagePullPolicy: Never
    command: [sh, -c, \"i=0; while :; do i=$((i+1)); echo talker line $i; sleep 0.2; done\"]
---
apiVersion: v1
kind: Pod
metadata: {name: broken, namespace: default}
spec:
  containers:
  - name: app
    image: minik.test/no-such-image:1.0
    imagePullPolicy: Never
";

/// What the page shows: its lines, the detail panel, and any sign of injected markup.
const PAGE: &str = r#"
const panel = document.getElementById('pod-detail');
return {
  api: document.getElementById('api').dataset.state,
  lines: [...document.querySelectorAll('#lines li')].map(l => ({key: l.dataset.key, text: l.textContent})),
  pods: [...document.querySelectorAll('.pod')].map(p => p.dataset.pod),
  panel: {hidden: panel.hidden, loaded: Number(panel.dataset.loaded || 0), pod: panel.dataset.pod,
    status: document.getElementById('pod-detail-status').textContent,
    close: document.getElementById('pod-detail-close').textContent,
    containers: [...panel.querySelectorAll('.container')].map(c => ({
      name: c.dataset.container,
      facts: [...c.querySelectorAll('.facts dd')].map(d => d.textContent),
      containerd: [...c.querySelectorAll('.containerd li')].map(li => ({id: li.dataset.id || '', task: li.dataset.task || '', text: li.textContent})),
      log: c.querySelector('.log').textContent}))},
  injected: document.querySelectorAll('img, iframe, object, embed, svg, #pwned').length,
  scripts: [...document.querySelectorAll('script')].filter(s => !s.src.startsWith(location.origin + '/static/')).length,
  pwned: typeof window.__pwned,
  focused: document.activeElement ? document.activeElement.id : '',
};"#;

/// Objects whose free text is hostile: Events (reason, message, the object's kind and name are
/// free text in core/v1), and a pod with an annotation of 200 KiB (the API allows 256 KiB).
fn hostile(big: &str) -> String {
    let attack = r#"<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"#;
    format!(
        "apiVersion: v1
kind: Event
metadata: {{name: hostile.1, namespace: default}}
involvedObject: {{kind: 'Pod<b id=pwned>', name: '\"><svg onload=window.__pwned=3>', namespace: default}}
reason: '\"><iframe src=javascript:window.__pwned=4>'
message: '{attack} \u{202e}txet desrever\u{202c} tab\there'
type: Warning
count: 1
source: {{component: evil}}
---
apiVersion: v1
kind: Event
metadata: {{name: hostile.2, namespace: default}}
involvedObject: {{kind: Pod, name: talker, namespace: default}}
reason: Unhealthy
message: '{big}'
type: Warning
count: 1
source: {{component: evil}}
---
apiVersion: v1
kind: Pod
metadata:
  name: long-{long}
  namespace: default
  annotations: {{evil: '{big}'}}
spec:
  containers:
  - name: c
    image: minik.test/busybox:1.0
    imagePullPolicy: Never
    command: [sleep, '3600']
",
        long = "n".repeat(240),
    )
}

fn lines_with<'a>(page: &'a Value, needle: &str) -> Vec<&'a str> {
    page["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["text"].as_str())
        .filter(|t| t.contains(needle))
        .collect()
}

/// Opens a pod's panel with a real click, or with Enter on it; waits for it to load.
fn open(b: &Browser, pod: &str, enter: bool) -> (Value, Duration) {
    let before = b.run("return Number(document.getElementById('pod-detail').dataset.loaded || 0)");
    let started = Instant::now();
    // The page redraws the pods on each snapshot: a box found may be gone by the click.
    let done = (0..10).any(|_| {
        let element = b.find(&format!(".pod[data-pod=\"{pod}\"]"));
        if enter {
            b.keys(&element, "\u{E007}")
        } else {
            b.click(&element)
        }
    });
    assert!(
        done,
        "could not {} {pod}",
        if enter { "press Enter on" } else { "click" }
    );
    let (ok, page, _) = b.wait_for(PAGE, Duration::from_secs(20), |p| {
        p["panel"]["loaded"].as_u64() > before.as_u64() && p["panel"]["pod"] == pod
    });
    assert!(ok, "the panel of {pod}: {page:#}");
    (page, started.elapsed())
}

/// The talker's panel: its container as containerd lists it, and its log's last lines.
fn check_talker(t: &TestCluster, page: &Value) {
    // The kubelet posts the status after it started the container: wait for it.
    let started = Instant::now();
    let id = loop {
        let status = kubectl_json(t, &["get", "pod", "talker", "-n", "default"]);
        if let Some(id) = status["status"]["containerStatuses"][0]["containerID"].as_str() {
            break id.trim_start_matches("containerd://").to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the talker's containerID: {status:#}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let c = &page["panel"]["containers"][0];
    assert_eq!(c["name"], "talk", "{page:#}");
    let rows = c["containerd"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| id.starts_with(r["id"].as_str().unwrap()) && r["task"] == "RUNNING"),
        "containerd's container {id} RUNNING: {rows:#?}"
    );
    assert!(
        rows.iter().all(|r| r["text"]
            .as_str()
            .unwrap()
            .contains("minik.test/busybox:1.0")),
        "{rows:#?}"
    );
    let log = c["log"].as_str().unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        !lines.is_empty() && lines.len() <= 20,
        "at most 20 lines: {log}"
    );
    assert!(lines.iter().all(|l| l.starts_with("talker line ")), "{log}");
}

#[test]
#[allow(clippy::too_many_lines)] // one scenario read as a story
fn a_pod_opens_to_its_containers_and_warnings_are_lines() {
    let t = TestCluster::new("e2euipod");
    let o = common::create(&t.name, &[], &t.env());
    assert!(o.status.success(), "create: {}", text(&o));
    let manifest = t.home().join("pods.yaml");
    std::fs::write(&manifest, PODS).unwrap();
    kubectl_ok(&t, &["apply", "-f", manifest.to_str().unwrap()]);

    let ui = Ui::start(&t, "en");
    let b = Browser::start();
    b.goto(&ui.url);
    let (ok, page, _) = b.wait_for(PAGE, Duration::from_secs(60), |p| {
        p["api"] == "live" && p["pods"].as_array().unwrap().iter().any(|x| x == "talker")
    });
    assert!(ok, "{page:#}");
    // Wait for the talker to run and to have written a few lines.
    let started = Instant::now();
    loop {
        let o = t.kubectl(&["logs", "talker", "-n", "default", "--tail=3"]);
        if o.status.success() && String::from_utf8_lossy(&o.stdout).lines().count() >= 3 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{}", text(&o));
        std::thread::sleep(Duration::from_millis(300));
    }

    // A click opens the talker: its container from containerd, its log's last lines.
    let (page, took) = open(&b, "talker", false);
    eprintln!("talker's panel (click): loaded after {took:?}");
    assert_eq!(page["panel"]["close"], "Close");
    assert_eq!(
        page["focused"], "pod-detail-close",
        "focus moves into the panel"
    );
    check_talker(&t, &page);
    save_screenshot(&b, "detail-en.png");
    // The answer itself: its size, and the bounds on what is asked.
    let token = ui.url.split("token=").nth(1).unwrap();
    let started = Instant::now();
    let (code, body) = http(
        ui.at,
        "GET",
        &format!("/pod?token={token}&namespace=default&pod=talker"),
        None,
    );
    eprintln!(
        "GET /pod talker: {code}, {} bytes in {:?}",
        body.len(),
        started.elapsed()
    );
    assert_eq!(code, 200, "{body}");
    for bad in [
        "namespace=default&pod=%3Cimg%3E",
        "namespace=default&pod=talker&container=talk",
        "namespace=default&pod=../../x",
        "namespace=Default&pod=talker",
    ] {
        let (code, _) = http(ui.at, "GET", &format!("/pod?token={token}&{bad}"), None);
        assert_eq!(code, 400, "{bad}");
    }
    assert_eq!(
        http(ui.at, "GET", "/pod?namespace=default&pod=talker", None).0,
        403
    );

    // The missing image: one Warning line per event, its count growing in place.
    let (ok, page, took) = b.wait_for(PAGE, Duration::from_secs(60), |p| {
        lines_with(p, "is not on its node").len() == 1
            && lines_with(p, "is not on its node")[0].contains("(2 times)")
    });
    if !ok {
        let events = t.kubectl(&["get", "events", "-A", "-o", "json"]);
        panic!(
            "one ErrImageNeverPull line, count 2, after {took:?}: {page:#}\nevents: {}",
            String::from_utf8_lossy(&events.stdout)
        );
    }
    let line = lines_with(&page, "is not on its node")[0];
    assert!(
        line.starts_with("the image of a container of broken is not on its node"),
        "{line}"
    );
    assert!(
        line.contains("Container image \"minik.test/no-such-image:1.0\" is not present"),
        "{line}"
    );
    assert_eq!(
        lines_with(&page, "could not start a container of broken").len(),
        1
    );

    // Close puts the focus back on the pod.
    assert!(b.click(&b.find("#pod-detail-close")));
    let (ok, page, _) = b.wait_for(PAGE, Duration::from_secs(5), |p| {
        p["panel"]["hidden"] == true
    });
    assert!(ok, "closed: {page:#}");
    assert_eq!(
        b.run("return document.activeElement.dataset.pod || ''"),
        "talker"
    );

    // Hostile objects through the real watch path.
    let big = "A".repeat(200 * 1024);
    let file = t.home().join("hostile.yaml");
    std::fs::write(&file, hostile(&big)).unwrap();
    kubectl_ok(&t, &["create", "-f", file.to_str().unwrap()]);
    let (ok, page, _) = b.wait_for(PAGE, Duration::from_secs(30), |p| {
        !lines_with(p, "<script>window.__pwned=2</script>").is_empty()
            && !lines_with(p, "AAAA").is_empty()
            && p["pods"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x.as_str().unwrap().starts_with("long-"))
    });
    assert!(ok, "the hostile lines, as text: {page:#}");
    assert_eq!(page["injected"], 0, "{page:#}");
    assert_eq!(page["scripts"], 0, "only the page's own scripts");
    assert_eq!(page["pwned"], "undefined");
    let evil = lines_with(&page, "<img src=x")[0];
    assert!(
        !evil.contains('\u{202e}') && !evil.contains('\t'),
        "{evil:?}"
    );
    let long = lines_with(&page, "AAAA")[0];
    assert!(
        long.chars().count() < 500,
        "cut: {} chars",
        long.chars().count()
    );
    // (the browser's own request for /favicon.ico has no token: its 403 is not the page's)
    let errors: Vec<Value> = b
        .console()
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .filter(|e| !e["message"].as_str().unwrap_or("").contains("favicon.ico"))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    save_screenshot(&b, "hostile-en.png");
    drop(ui);

    // Korean: the Warning line, and Enter on a pod opens it.
    let ui = Ui::start(&t, "ko");
    b.goto(&ui.url);
    let (ok, page, _) = b.wait_for(PAGE, Duration::from_secs(30), |p| {
        p["api"] == "live" && lines_with(p, "파드의 컨테이너 이미지가 노드에 없고").len() == 1
    });
    assert!(ok, "{page:#}");
    let line = lines_with(&page, "파드의 컨테이너 이미지가 노드에 없고")[0];
    assert!(
        line.starts_with(
            "broken 파드의 컨테이너 이미지가 노드에 없고, imagePullPolicy가 Never라서"
        ),
        "{line}"
    );
    let (page, took) = open(&b, "talker", true);
    eprintln!("talker's panel (Enter, ko): loaded after {took:?}");
    assert_eq!(page["panel"]["close"], "닫기");
    check_talker(&t, &page);
    assert_eq!(page["injected"], 0);
    save_screenshot(&b, "detail-ko.png");
}
