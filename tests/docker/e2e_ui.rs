//! `minik ui` end to end with a real browser (Debian's Chromium, headless, through
//! chromedriver; tests/deps.sh installs both) on one 3-node cluster: the page shows the 3
//! nodes and every kube-system pod in the node it runs on; pods a `kubectl scale` makes appear
//! within 3 s; a deleted pod's replacement appears and the event line says so, in English and
//! in Korean; without the token every path is 403; the page asks nothing of any address but
//! 127.0.0.1. The page is compared in structure (the elements present), never in pixels; a
//! screenshot of each language is written to target/e2e-ui/ to look at.

use crate::common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::webdriver::{http, Browser};
use common::{text, TestCluster};
use serde_json::Value;

/// The page as structure: nodes with their pods, the Pending lane, the lines, and every URL
/// the page loaded.
const STRUCTURE: &str = r#"
const pods = (root) => [...root.querySelectorAll('.pod')].map(p => p.dataset.namespace + '/' + p.dataset.pod);
return {
  drawn: Number(document.body.dataset.drawn || 0),
  api: document.getElementById('api').dataset.state,
  lang: document.documentElement.lang,
  heading: document.getElementById('nodes-title').textContent,
  nodes: [...document.querySelectorAll('#nodes .node')].map(n => ({
    name: n.dataset.node, ready: n.dataset.ready,
    facts: [...n.querySelectorAll('.facts dd')].map(d => d.textContent),
    pods: pods(n)})),
  pending: pods(document.getElementById('pending')),
  lines: [...document.querySelectorAll('#lines li')].map(l => ({key: l.dataset.key, text: l.textContent})),
  loaded: performance.getEntriesByType('resource').map(r => r.name).concat([location.href]),
};"#;

/// A Deployment of 2 on the test image's busybox (already in the nodes' containerd).
const HELLO: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, namespace: default}
spec:
  replicas: 2
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: hello
        image: minik.test/busybox:1.0
        imagePullPolicy: Never
        command: [sh, -c, \"trap 'exit 0' TERM; while :; do sleep 1; done\"]
";

/// `minik ui` running until dropped.
pub(crate) struct Ui {
    child: Child,
    pub(crate) url: String,
    pub(crate) at: SocketAddr,
}

impl Ui {
    pub(crate) fn start(t: &TestCluster, lang: &str) -> Ui {
        let mut child = Command::new(env!("CARGO_BIN_EXE_minik"))
            .args(["ui", "--name", &t.name, "--no-open", "--lang", lang])
            .envs(t.env())
            .env("CI", "true")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("minik ui");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "minik ui printed {url:?}"
        );
        let hostport = url["http://".len()..].split('/').next().unwrap();
        Ui {
            child,
            at: hostport.parse().unwrap(),
            url,
        }
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn kubectl_json(t: &TestCluster, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let o = t.kubectl(&all);
    assert!(o.status.success(), "kubectl {args:?}: {}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

pub(crate) fn kubectl_ok(t: &TestCluster, args: &[&str]) {
    let o = t.kubectl(args);
    assert!(o.status.success(), "kubectl {args:?}: {}", text(&o));
}

/// Every pod the API places on a node is drawn inside that node's box.
fn every_pod_on_its_node(page: &Value, pods: &Value) -> Result<(), String> {
    for p in pods["items"].as_array().unwrap() {
        let name = format!(
            "{}/{}",
            p["metadata"]["namespace"].as_str().unwrap(),
            p["metadata"]["name"].as_str().unwrap()
        );
        let Some(node) = p["spec"]["nodeName"].as_str() else {
            continue;
        };
        let drawn = page["nodes"].as_array().unwrap().iter().any(|n| {
            n["name"] == node
                && n["pods"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == &Value::from(name.clone()))
        });
        if !drawn {
            return Err(format!("{name} not drawn in {node}"));
        }
    }
    Ok(())
}

fn hello_on_nodes(page: &Value) -> Vec<String> {
    page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["pods"].as_array().unwrap().iter())
        .filter_map(Value::as_str)
        .filter(|p| p.starts_with("default/hello-"))
        .map(str::to_string)
        .collect()
}

fn hello_pods(t: &TestCluster) -> Vec<String> {
    let v = kubectl_json(t, &["get", "pods", "-n", "default", "-l", "app=hello"]);
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn save_screenshot(b: &Browser, name: &str) {
    let png = b.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-ui");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

/// Deletes one hello pod and waits for the page to draw its replacement and say so.
fn delete_and_see_replacement(t: &TestCluster, b: &Browser, says: &str) -> Value {
    let victim = hello_pods(t)[0].clone();
    kubectl_ok(
        t,
        &["delete", "pod", &victim, "-n", "default", "--wait=false"],
    );
    let gone = format!("default/{victim}");
    let (ok, page, took) =
        b.wait_for(STRUCTURE, Duration::from_secs(10), |p| {
            let on = hello_on_nodes(p);
            on.len() == 4
                && !on.contains(&gone)
                && p["lines"].as_array().unwrap().iter().any(|l| {
                    l["key"] == "pod_replaced" && l["text"].as_str().unwrap().contains(says)
                })
        });
    assert!(
        ok,
        "no replacement for {victim} said with {says:?} after {took:?}: {page:#}"
    );
    page
}

#[test]
#[allow(clippy::too_many_lines)] // one scenario read as a story
fn the_page_shows_the_cluster_live_in_both_languages() {
    let t = TestCluster::new("e2eui");
    let o = common::create(&t.name, &["--nodes", "3"], &t.env());
    assert!(o.status.success(), "create: {}", text(&o));

    // No cluster: bad input, with how to make one.
    let o = t.minik(&["ui", "--name", "no-such-cluster", "--no-open"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("minik create --name no-such-cluster"),
        "{}",
        text(&o)
    );

    let ui = Ui::start(&t, "en");
    // Without the token: 403 on every path.
    for path in [
        "/",
        "/events",
        "/static/app.js",
        "/static/app.css",
        "/static/x",
        "/favicon.ico",
        "/?token=00",
    ] {
        assert_eq!(http(ui.at, "GET", path, None).0, 403, "{path}");
    }
    assert_eq!(http(ui.at, "POST", "/", None).0, 403);

    let b = Browser::start();
    b.goto(&ui.url);
    let (ok, page, _) = b.wait_for(STRUCTURE, Duration::from_secs(30), |p| {
        p["api"] == "live" && p["nodes"].as_array().is_some_and(|n| n.len() == 3)
    });
    assert!(ok, "3 nodes, live: {page:#}");
    assert_eq!(page["lang"], "en");
    assert_eq!(page["heading"], "Nodes");
    for n in page["nodes"].as_array().unwrap() {
        // kubelet, runtime, addresses, and the container that is the node (named as it).
        let facts = n["facts"].as_array().unwrap();
        assert_eq!(facts[3], n["name"], "{n:#}");
        assert!(
            facts[1].as_str().unwrap().starts_with("containerd://"),
            "{n:#}"
        );
    }
    // Every kube-system pod in the node it runs on (the API may still be settling: a few tries).
    let (ok, page, _) = b.wait_for(STRUCTURE, Duration::from_secs(15), |p| {
        every_pod_on_its_node(p, &kubectl_json(&t, &["get", "pods", "-n", "kube-system"])).is_ok()
    });
    let system = kubectl_json(&t, &["get", "pods", "-n", "kube-system"]);
    assert!(ok, "{:?}\n{page:#}", every_pod_on_its_node(&page, &system));
    assert!(system["items"].as_array().unwrap().len() >= 8, "{system:#}");
    // Nothing but the page's own server was asked.
    let origin = format!("http://{}/", ui.at);
    for url in page["loaded"].as_array().unwrap() {
        assert!(url.as_str().unwrap().starts_with(&origin), "{url}");
    }

    // A Deployment of 2, scaled to 4: the new pods are on the page within 3 s.
    let manifest = t.home().join("hello.yaml");
    std::fs::write(&manifest, HELLO).unwrap();
    kubectl_ok(&t, &["apply", "-f", manifest.to_str().unwrap()]);
    let (ok, page, _) = b.wait_for(STRUCTURE, Duration::from_secs(30), |p| {
        hello_on_nodes(p).len() == 2
    });
    assert!(ok, "2 hello pods: {page:#}");
    kubectl_ok(&t, &["scale", "deployment", "hello", "--replicas=4"]);
    let (ok, page, took) = b.wait_for(STRUCTURE, Duration::from_secs(3), |p| {
        hello_on_nodes(p).len() == 4
    });
    assert!(ok, "4 hello pods within 3 s (took {took:?}): {page:#}");
    eprintln!("scale to 4: on the page after {took:?}");
    let lines = page["lines"].as_array().unwrap();
    assert!(
        lines.iter().any(|l| l["key"] == "pod_made"
            && l["text"]
                .as_str()
                .unwrap()
                .starts_with("the ReplicaSet hello-")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l["key"] == "scheduled"
            && l["text"]
                .as_str()
                .unwrap()
                .starts_with("the scheduler placed hello-")),
        "{lines:#?}"
    );

    // Delete one: its replacement, said in English.
    delete_and_see_replacement(&t, &b, "to replace one that was deleted");
    save_screenshot(&b, "en.png");
    drop(ui);

    // The same in Korean.
    let ui = Ui::start(&t, "ko");
    b.goto(&ui.url);
    let (ok, page, _) = b.wait_for(STRUCTURE, Duration::from_secs(30), |p| {
        p["api"] == "live" && hello_on_nodes(p).len() == 4
    });
    assert!(ok, "{page:#}");
    assert_eq!(page["lang"], "ko");
    assert_eq!(page["heading"], "노드");
    let page = delete_and_see_replacement(&t, &b, "삭제된 파드를 대신할 새");
    let line = page["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "pod_replaced")
        .unwrap()
        .clone();
    assert!(
        line["text"].as_str().unwrap().starts_with("hello-"),
        "{line}"
    );
    assert!(
        line["text"]
            .as_str()
            .unwrap()
            .ends_with("파드를 만들었습니다."),
        "{line}"
    );
    save_screenshot(&b, "ko.png");
}
