//! The live page with the tour and with a drain, in a real browser (headless Chromium, as
//! e2e_ui), on one 3-node cluster:
//! - `kubectl drain` of a worker: the replacement pods are drawn on the other worker, the page
//!   marked them as moved from the drained node (and animated the move), and the line says
//!   from which node to which, in English and in Korean; with the system's reduced motion
//!   (emulated through DevTools) the same, and nothing slides or fades;
//! - `minik tour --web`, driven on a real pseudo-terminal (expectrl): the terminal says where
//!   the page is; the page shows the step the terminal shows (title, text with its placeholders
//!   filled, the command as it is pasted, a copy button) in English and in Korean, and follows
//!   the terminal to the next step; without `--web` the terminal says how to have the page.

use crate::common;
use crate::e2e_ui::{kubectl_json, kubectl_ok, save_screenshot, Ui};

use std::cell::Cell;
use std::process::Command;
use std::time::Duration;

use common::webdriver::Browser;
use common::{text, TestCluster};
use expectrl::session::OsSession as Session;
use expectrl::{Eof, Expect, Regex};
use serde_json::Value;

/// The nodes with their pods (and which were marked as moved), the lines, and the moves the
/// page played; `moving` is how many pods slide at this instant.
const PICTURE: &str = r#"
return {
  api: document.getElementById('api').dataset.state,
  nodes: [...document.querySelectorAll('#nodes .node')].map(n => ({
    name: n.dataset.node,
    pods: [...n.querySelectorAll('.pod')].map(p => ({
      pod: p.dataset.namespace + '/' + p.dataset.pod, from: p.dataset.movedFrom || null,
      label: p.getAttribute('aria-label')}))})),
  lines: [...document.querySelectorAll('#lines li')].map(l => ({key: l.dataset.key, text: l.textContent})),
  moves: Number(document.body.dataset.moves || 0),
  moving: document.querySelectorAll('#nodes .pod.moving').length,
  ghosts: document.querySelectorAll('#ghosts .pod').length,
};"#;

/// The tour's panel.
const PANEL: &str = r#"
const s = document.getElementById('tour-step');
const t = (q) => { const e = s.querySelector(q); return e ? e.textContent : null; };
return {
  shown: !document.getElementById('tour-area').hidden,
  lang: document.documentElement.lang,
  heading: document.getElementById('tour-title').textContent,
  lab: document.getElementById('tour-lab').textContent,
  id: s.dataset.id || null,
  title: t('.tour-step-title'),
  step: t('.tour-heading'),
  text: [...s.querySelectorAll('.tour-text, .tour-pre')].map(p => p.textContent).join('\n'),
  command: t('#tour-cmd'),
  copy: t('#tour-copy'),
  nodes: document.querySelectorAll('#nodes .node').length,
};"#;

/// A Deployment of 4 (busybox from the test image, already in the nodes' containerd).
const MOVERS: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: movers, namespace: default}
spec:
  replicas: 4
  selector:
    matchLabels: {app: movers}
  template:
    metadata:
      labels: {app: movers}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: movers
        image: minik.test/busybox:1.0
        imagePullPolicy: Never
        command: [sh, -c, \"trap 'exit 0' TERM; while :; do sleep 1; done\"]
";

/// The movers pods on each node, as the API says.
fn movers_by_node(t: &TestCluster) -> Vec<(String, usize)> {
    let nodes = kubectl_json(t, &["get", "nodes"]);
    let pods = kubectl_json(t, &["get", "pods", "-n", "default", "-l", "app=movers"]);
    nodes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            !n["metadata"]["labels"]
                .as_object()
                .unwrap()
                .contains_key("node-role.kubernetes.io/control-plane")
        })
        .map(|n| {
            let name = n["metadata"]["name"].as_str().unwrap().to_string();
            let on = pods["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["spec"]["nodeName"] == name.as_str())
                .count();
            (name, on)
        })
        .collect()
}

/// The movers pods the page draws on `node`, each with the node it was marked as moved from.
fn drawn_on(page: &Value, node: &str) -> Vec<(String, Option<String>)> {
    page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["name"] == node)
        .flat_map(|n| n["pods"].as_array().unwrap().iter())
        .filter(|p| p["pod"].as_str().unwrap().starts_with("default/movers-"))
        .map(|p| {
            (
                p["pod"].as_str().unwrap().to_string(),
                p["from"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Whether the page draws every movers pod on `to`, `moving` of them marked as moved from
/// `from` and each move said with `says`.
fn all_moved(p: &Value, (from, to): (&str, &str), says: &str, moving: usize) -> bool {
    let there = drawn_on(p, to);
    let marked = there
        .iter()
        .filter(|(_, f)| f.as_deref() == Some(from))
        .count();
    let said = p["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["key"] == "pod_moved")
        .filter_map(|l| l["text"].as_str())
        // The drained node's other pods (local-path-provisioner) move too.
        .filter(|l| l.contains(says) && l.contains(" movers-"))
        .count();
    drawn_on(p, from).is_empty() && there.len() == 4 && marked == moving && said == moving
}

/// Drains `from` (its movers pods go to `to`) with a page open in `lang`; the page marks each
/// replacement as moved from `from`, plays the moves, and says `says` (from `from` to `to`).
#[allow(clippy::print_stderr)] // the timing is the test's diagnostic
/// `motion`: whether the page may move things (else the browser emulates the system's
/// prefers-reduced-motion).
fn drain_and_watch(
    t: &TestCluster,
    b: &Browser,
    lang: &str,
    (from, to): (&str, &str),
    says: &str,
    motion: bool,
) {
    let ui = Ui::start(t, lang);
    let reduce = if motion { "no-preference" } else { "reduce" };
    b.devtools(
        "Emulation.setEmulatedMedia",
        serde_json::json!({"features": [{"name": "prefers-reduced-motion", "value": reduce}]}),
    );
    b.goto(&ui.url);
    let (ok, page, _) = b.wait_for(PICTURE, Duration::from_secs(30), |p| {
        p["api"] == "live" && drawn_on(p, from).len() + drawn_on(p, to).len() == 4
    });
    assert!(ok, "4 movers pods on the workers: {page:#}");
    let moving = drawn_on(&page, from).len();
    assert!(moving > 0, "pods on {from} to move: {page:#}");
    // The page is watched while kubectl drains (it returns once the pods are gone, by when
    // the slides are over).
    let slid = Cell::new(0);
    let faded = Cell::new(0);
    let (ok, page, took) = std::thread::scope(|scope| {
        let drain = scope.spawn(|| {
            t.kubectl(&[
                "drain",
                from,
                "--ignore-daemonsets",
                "--delete-emptydir-data",
                "--timeout=120s",
            ])
        });
        let seen = b.wait_for(PICTURE, Duration::from_secs(90), |p| {
            slid.set(slid.get().max(p["moving"].as_u64().unwrap_or(0)));
            faded.set(faded.get().max(p["ghosts"].as_u64().unwrap_or(0)));
            all_moved(p, (from, to), says, moving)
        });
        let o = drain.join().unwrap();
        assert!(o.status.success(), "drain: {}", text(&o));
        seen
    });
    assert!(
        ok,
        "{moving} pods moved {from} → {to}, said {says:?} (after {took:?}): {page:#}"
    );
    eprintln!("drain of {from} ({lang}): the page showed the {moving} moves after {took:?}");
    assert!(
        page["moves"].as_u64().unwrap() >= moving as u64,
        "the page played each move: {page:#}"
    );
    if motion {
        assert!(slid.get() > 0, "a pod was seen sliding (class moving)");
        assert!(faded.get() > 0, "a gone pod was seen fading out");
    } else {
        assert_eq!(
            (slid.get(), faded.get()),
            (0, 0),
            "prefers-reduced-motion: nothing slides, nothing fades"
        );
    }
    // A moved pod says so to a screen reader too, naming the node it came from.
    let moved: Vec<&Value> = page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["pods"].as_array().unwrap())
        .filter(|p| p["from"] == from)
        .collect();
    assert!(
        moved.len() >= moving
            && moved.iter().all(|p| p["label"]
                .as_str()
                .unwrap()
                .contains(&format!(", {}", says_from(lang, from)))),
        "{moved:#?}"
    );
    if motion {
        save_screenshot(b, &format!("drain-{lang}.png"));
    }
    kubectl_ok(t, &["uncordon", from]);
}

/// How a moved pod's label names the node it came from.
fn says_from(lang: &str, node: &str) -> String {
    match lang {
        "ko" => format!("{node} 노드에 있던 파드를 대신합니다"),
        _ => format!("replaces a pod that was on {node}"),
    }
}

fn tour_in_pty(t: &TestCluster, args: &[&str]) -> Session {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minik"));
    cmd.args(["tour", "--name", &t.name])
        .args(args)
        .env("TERM", "xterm")
        .env("COLUMNS", "100")
        .env_remove("CI")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    for (k, v) in t.env() {
        cmd.env(k, v);
    }
    let mut s = Session::spawn(cmd).expect("spawn minik tour in a pty");
    s.set_expect_timeout(Some(Duration::from_secs(120)));
    s
}

/// The steps of the built-in lab as `--list -o json` has them in `lang`: (id, title, command).
fn listed(t: &TestCluster, lang: &str) -> Vec<(String, String, String)> {
    let o = t.minik(&["tour", "--list", "--lang", lang, "-o", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["title"].as_str().unwrap().to_string(),
                s["command"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// What the tour's question shows last (its last choice), in `lang`.
fn question(lang: &str) -> &'static str {
    match lang {
        "ko" => "여기서 멈추기",
        _ => "Stop here (minik tour resumes",
    }
}

/// After the step titled `title`, its question; then the choice `downs` arrows down (0: I ran
/// it, 1: run it for me, 3: stop here). The title first: the arrows redraw the question.
fn choose(s: &mut Session, title: &str, lang: &str, downs: usize) {
    s.expect(title)
        .unwrap_or_else(|e| panic!("no step {title:?} on the terminal: {e}"));
    s.expect(question(lang))
        .unwrap_or_else(|e| panic!("no question after {title:?}: {e}"));
    for _ in 0..downs {
        s.send("\x1b[B").unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }
    s.send("\r").unwrap();
}

/// The page's tour panel shows `step` (its number in the lab, from 1) as listed.
fn panel_shows(b: &Browser, step: usize, listed: &[(String, String, String)]) -> Value {
    let (id, title, command) = &listed[step - 1];
    let (ok, panel, took) = b.wait_for(PANEL, Duration::from_secs(30), |p| {
        p["id"] == id.as_str() && p["nodes"] == 3
    });
    assert!(
        ok,
        "step {step} ({id}) on the page after {took:?}: {panel:#}"
    );
    assert_eq!(panel["shown"], true);
    assert_eq!(panel["title"], title.as_str());
    assert!(
        panel["step"]
            .as_str()
            .unwrap()
            .contains(&format!(" {step}/{}: ", listed.len())),
        "{panel:#}"
    );
    assert_eq!(panel["command"], command.as_str(), "pasted as is");
    panel
}

/// `minik tour --web` in `lang`, at step `first`: the terminal says where the page is; the
/// page shows the step beside the cluster, then the next one after the terminal's "run it for
/// me"; then the learner stops. The panel at `first`.
fn tour_follows(t: &TestCluster, b: &Browser, lang: &str, first: usize) -> Value {
    let steps = listed(t, lang);
    let page_line = match lang {
        "ko" => "이 투어의 페이지입니다",
        _ => "This tour's page",
    };
    let mut s = tour_in_pty(t, &["--web", "--lang", lang]);
    s.expect(page_line)
        .expect("the terminal says where the page is");
    let url = s
        .expect(Regex("http://127\\.0\\.0\\.1:[0-9]+/\\?token=[0-9a-f]{64}"))
        .expect("the page's URL");
    let url = String::from_utf8(url.get(0).unwrap().to_vec()).unwrap();
    b.goto(&url);
    let panel = panel_shows(b, first, &steps);
    assert_eq!(panel["lang"], lang);
    choose(&mut s, &steps[first - 1].1, lang, 1);
    panel_shows(b, first + 1, &steps);
    save_screenshot(b, &format!("tour-{lang}.png"));
    choose(&mut s, &steps[first].1, lang, 3);
    s.expect(Eof).expect("the tour stops");
    panel
}

#[test]
fn a_drain_moves_pods_on_the_page_and_the_tour_is_beside_the_cluster() {
    let t = TestCluster::new("e2euitour");
    let o = common::create(&t.name, &["--nodes", "3"], &t.env());
    assert!(o.status.success(), "create: {}", text(&o));
    let b = Browser::start();

    // The tour, in English: step 1 (its text with {cluster} filled), then step 2.
    let panel = tour_follows(&t, &b, "en", 1);
    assert_eq!(
        (&panel["heading"], &panel["copy"]),
        (&"The tour".into(), &"Copy".into())
    );
    assert_eq!(panel["lab"], "Kubernetes, on the cluster you just made");
    let words = panel["text"].as_str().unwrap();
    assert!(
        words.contains(&format!("the context minik-{} there", t.name)),
        "placeholders filled: {words}"
    );
    // In Korean: the tour resumes at step 2, and the page follows it to step 3.
    let panel = tour_follows(&t, &b, "ko", 2);
    assert_eq!(
        (&panel["heading"], &panel["copy"]),
        (&"투어".into(), &"복사".into())
    );

    // Without --web, a learner at a terminal is told how to have the page.
    let mut s = tour_in_pty(&t, &["--lang", "ko", "--restart"]);
    s.expect("minik tour --web")
        .expect("the terminal says the page exists");
    let first = listed(&t, "ko").remove(0).1;
    choose(&mut s, &first, "ko", 3);
    s.expect(Eof).expect("the tour stops");

    // A drain: the pods on the drained worker move to the other one, in English, then back
    // in Korean.
    let manifest = t.home().join("movers.yaml");
    std::fs::write(&manifest, MOVERS).unwrap();
    kubectl_ok(&t, &["apply", "-f", manifest.to_str().unwrap()]);
    let started = std::time::Instant::now();
    let mut workers = movers_by_node(&t);
    while workers.iter().map(|(_, n)| n).sum::<usize>() < 4 {
        assert!(started.elapsed() < Duration::from_secs(90), "{workers:?}");
        std::thread::sleep(Duration::from_millis(500));
        workers = movers_by_node(&t);
    }
    assert_eq!(workers.len(), 2, "{workers:?}");
    workers.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let (a, b_node) = (workers[0].0.clone(), workers[1].0.clone());
    drain_and_watch(
        &t,
        &b,
        "en",
        (&a, &b_node),
        &format!("moved from {a} to {b_node}: its replacement movers-"),
        true,
    );
    drain_and_watch(
        &t,
        &b,
        "ko",
        (&b_node, &a),
        &format!("{b_node} 노드에서 {a} 노드로 옮겨 갔습니다."),
        true,
    );
    // With the system's reduced motion: the moves are marked and said, and nothing moves.
    drain_and_watch(
        &t,
        &b,
        "en",
        (&a, &b_node),
        &format!("moved from {a} to {b_node}: its replacement movers-"),
        false,
    );
}
