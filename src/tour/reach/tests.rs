use super::*;
use crate::provider::{NodeState, PortMapping};

fn node(name: &str, role: NodeRole, ip: &str, ports: Vec<PortMapping>) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        cluster: "lab".into(),
        role,
        state: NodeState::Running,
        image: String::new(),
        ipv4: Some(ip.into()),
        ipv6: None,
        api_server: None,
        ports,
        labels: Default::default(),
    }
}

fn published(listen: &str, host: u16, container: u16, protocol: &str) -> PortMapping {
    PortMapping {
        listen_address: listen.into(),
        host_port: host,
        container_port: container,
        protocol: protocol.into(),
    }
}

fn cluster(ports: Vec<PortMapping>) -> Vec<NodeInfo> {
    vec![
        node(
            "lab-control-plane",
            NodeRole::ControlPlane,
            "172.18.0.2",
            ports,
        ),
        node("lab-worker2", NodeRole::Worker, "172.18.0.4", vec![]),
        node("lab-worker", NodeRole::Worker, "172.18.0.3", vec![]),
    ]
}

#[test]
fn routable_nodes_are_reached_at_a_workers_address() {
    let reach = NodeReach {
        routable: true,
        nodes: cluster(vec![]),
    };
    assert_eq!(
        reach.node_port_url(30080).as_deref(),
        Some("http://172.18.0.3:30080")
    );
}

#[test]
fn an_ipv6_only_cluster_is_reached_at_a_bracketed_address() {
    let mut nodes = cluster(vec![]);
    for n in &mut nodes {
        n.ipv6 = n
            .ipv4
            .take()
            .map(|v4| format!("fc00:f853:ccd:e793::{}", &v4[9..]));
    }
    let reach = NodeReach {
        routable: true,
        nodes,
    };
    assert_eq!(
        reach.node_port_url(30080).as_deref(),
        Some("http://[fc00:f853:ccd:e793::3]:30080")
    );
}

/// Docker Desktop, Colima, WSL2: only a port published for the node port reaches it.
#[test]
fn elsewhere_only_a_published_port_reaches_a_node_port() {
    let none = NodeReach {
        routable: false,
        nodes: cluster(vec![published("127.0.0.1", 8080, 80, "tcp")]),
    };
    assert_eq!(none.node_port_url(30080), None);
    let udp = NodeReach {
        routable: false,
        nodes: cluster(vec![published("0.0.0.0", 30080, 30080, "udp")]),
    };
    assert_eq!(udp.node_port_url(30080), None);
    for (listen, url) in [
        ("127.0.0.1", "http://127.0.0.1:40080"),
        ("0.0.0.0", "http://127.0.0.1:40080"),
        ("", "http://127.0.0.1:40080"),
        ("::", "http://[::1]:40080"),
        ("192.168.1.20", "http://192.168.1.20:40080"),
    ] {
        let reach = NodeReach {
            routable: false,
            nodes: cluster(vec![published(listen, 40080, 30080, "tcp")]),
        };
        assert_eq!(reach.node_port_url(30080).as_deref(), Some(url), "{listen}");
    }
}

#[test]
fn the_forward_scripts_answer_is_read_from_its_last_line() {
    assert_eq!(
        forward_answer(0, "hello-7c5d\nminik-http-status=200\n"),
        Ok((200, "hello-7c5d".into()))
    );
    assert_eq!(
        forward_answer(0, "\nminik-http-status=503\n"),
        Ok((503, String::new()))
    );
    let refused =
        "error: unable to forward port because pod is not running. Current status=Pending";
    assert_eq!(forward_answer(1, refused), Err(refused.into()));
    // curl failed: its words, whatever the status line says.
    let reset = "curl: (56) Recv failure: Connection reset by peer\nminik-http-status=000";
    assert_eq!(forward_answer(56, reset), Err(reset.into()));
    assert!(forward_answer(0, "minik-http-status=abc").is_err());
}

/// The script runs kubectl and curl with its arguments as arguments: a hostile namespace or path
/// is never shell text, and the forward is stopped when the script ends.
#[cfg(unix)]
#[test]
fn the_forward_script_passes_arguments_as_arguments() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let log = dir.path().join("kubectl.args");
    write(
        "kubectl",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {}\necho 'Forwarding from 127.0.0.1:41234 -> 8080'\nexec sleep 20\n",
            log.display()
        ),
    );
    write(
        "curl",
        "#!/bin/sh\nfor a in \"$@\"; do last=$a; done\nprintf '%s' \"$last\"\nprintf '\\nminik-http-status=200\\n'\n",
    );
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let argv = forward_argv("/etc/k.conf", "ns$(touch x)", "service/hello", 80, "/a;b");
    let started = std::time::Instant::now();
    let out = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env("PATH", path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the forward was not stopped"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        forward_answer(out.status.code().unwrap_or(-1).into(), &text),
        Ok((200, "http://127.0.0.1:41234/a;b".into()))
    );
    let args = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "--kubeconfig=/etc/k.conf",
            "port-forward",
            "-n",
            "ns$(touch x)",
            "service/hello",
            ":80",
            "--address=127.0.0.1"
        ]
    );
    assert!(!dir.path().join("x").exists());
}

/// A lab with one step whose check is `check` (YAML, indented as a list item's fields) and
/// whose text is `text`.
fn lab_with(check: &str, text: &str) -> String {
    format!(
        "apiVersion: minik.dev/v1alpha1\nkind: Lab\nid: t\nnamespace: t\ntitle: T\nsteps:\n  - id: s\n    title: S\n    text: \"{text}\"\n    checks:\n      - kind: services\n        namespace: t\n{check}"
    )
}

fn refusal(check: &str, text: &str) -> String {
    match super::super::lab_file::parse(&lab_with(check, text), "t.yaml") {
        Ok(_) => panic!("accepted:\n{check}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn http_checks_are_read_strictly() {
    let ok = "        name: hello\n        httpGet: /hostname?x=1\n        via: portForward\n";
    let lab = super::super::lab_file::parse(&lab_with(ok, "see {nodePortUrl:30080}"), "t.yaml")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        lab.steps[0].checks[0].expect,
        super::super::lab::Expect::HttpGet {
            path: "/hostname?x=1".into(),
            via: super::super::lab::Via::PortForward
        }
    );
    for (check, why) in [
        ("        name: hello\n        httpGet: /a b\n        via: nodePort\n", "not a path"),
        ("        name: hello\n        httpGet: /a;rm\n        via: nodePort\n", "not a path"),
        ("        name: hello\n        httpGet: \"/$(id)\"\n        via: nodePort\n", "not a path"),
        ("        name: hello\n        httpGet: http://x/\n        via: nodePort\n", "not a path"),
        ("        name: hello\n        httpGet: /hostname\n", "needs via"),
        ("        httpGet: /hostname\n        via: nodePort\n", "one Service"),
        ("        name: hello\n        httpGet: /\n        via: ssh\n", "ssh"),
        ("        name: hello\n        exists: true\n        via: nodePort\n", "via goes with httpGet"),
        ("        name: hello\n        httpGet: /\n        exists: true\n        via: nodePort\n", "exactly one"),
    ] {
        let e = refusal(check, "x");
        assert!(e.contains(why), "{check}: {e}");
    }
    let e = refusal(
        "        name: hello\n        exists: true\n",
        "at {nodePortUrl:http}",
    );
    assert!(e.contains("needs a port number"), "{e}");
    let e = refusal(
        "        name: hello\n        exists: true\n",
        "at {nodePortUrl:0}",
    );
    assert!(e.contains("needs a port number"), "{e}");
}

#[test]
fn node_port_placeholders_are_found_in_text() {
    use super::super::reach_check::node_ports;
    assert_eq!(
        node_ports("open {nodePortUrl:30080}/x or {nodePortUrl:31000} {namespace}"),
        [
            ("nodePortUrl:30080".to_string(), 30080),
            ("nodePortUrl:31000".to_string(), 31000)
        ]
    );
    assert!(node_ports("{nodePortUrl:} {nodePortUrl:99999} {nodePortUrl:0}").is_empty());
}

/// One real GET from this machine: the status and body come back; an answer larger than the
/// limit is refused, not read whole; nothing listening is the connection's own error.
#[tokio::test]
async fn http_get_reads_a_bounded_answer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        for body in ["hello-7c5d".to_string(), "x".repeat(MAX_BODY + 1)] {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(body.as_bytes()).await;
        }
    });
    let url = format!("http://127.0.0.1:{port}/hostname");
    assert_eq!(http_get(&url).await, Ok((200, "hello-7c5d".into())));
    assert!(http_get(&url).await.is_err());
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let e = http_get(&gone).await.unwrap_err();
    assert!(e.contains("refused") || e.contains("Connect"), "{e}");
}
