//! Remote engines end to end, with the remote ends on this machine: a 2-node cluster made,
//! used, loaded and deleted through `ssh://root@127.0.0.1` (a real sshd, key-only) and through
//! `tcp://127.0.0.1:PORT` with TLS client certificates (stunnel in front of the engine's
//! socket); a wrong key, a host without docker and a closed port each fail with one clear line
//! and exit code 3; an engine reached by a non-loopback address of this machine counts as remote,
//! and create refuses to publish its API on that host's 127.0.0.1.

mod servers;

use std::process::Output;

use crate::common;
use common::{docker, kubectl, ready_nodes, text, TestCluster};
use servers::{free_port, SshServer, TlsProxy};

/// The fixture's HOME and KUBECONFIG plus the transport's variables.
fn run_minik(tc: &TestCluster, args: &[&str], extra: &[(&str, String)]) -> Output {
    let mut env: Vec<(&str, &str)> = tc.env().to_vec();
    env.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
    common::minik(args, &env)
}

/// The ssh wrapper first on PATH, and no agent: only the test's key is offered.
fn ssh_env(server: &SshServer) -> Vec<(&'static str, String)> {
    let path = std::env::var("PATH").unwrap_or_default();
    vec![
        ("PATH", format!("{}:{path}", server.bin_dir().display())),
        ("SSH_AUTH_SOCK", String::new()),
    ]
}

/// The image the tests load: built here from the local test busybox, removed on drop.
struct LocalImage(String);

impl LocalImage {
    fn build(cluster: &str) -> LocalImage {
        let tag = format!("minik.e2e/{cluster}:v1");
        let ctx = tempfile::tempdir().unwrap();
        std::fs::write(
            ctx.path().join("Dockerfile"),
            "FROM minik.test/busybox:1.0\nRUN echo remote > /loaded\n",
        )
        .unwrap();
        let o = docker(&["build", "-q", "-t", &tag, ctx.path().to_str().unwrap()]);
        assert!(o.status.success(), "docker build: {}", text(&o));
        LocalImage(tag)
    }
}

impl Drop for LocalImage {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "-f", &self.0]);
    }
}

/// Create a 2-node cluster through `endpoint`, check kubectl sees both Ready through the
/// kubeconfig minik wrote, load an image into both nodes, delete it: nothing is left.
fn create_load_delete(tc: &TestCluster, endpoint: &[&str], env: &[(&str, String)]) {
    let name = tc.name.as_str();
    let image = common::image();
    let mut args = vec!["create", "--name", name, "--nodes", "2", "--image", &image];
    args.extend_from_slice(endpoint);
    let o = run_minik(tc, &args, env);
    assert!(o.status.success(), "create: {}", text(&o));

    let o = kubectl(&tc.kubeconfig, &["get", "nodes", "-o", "json"]);
    assert!(o.status.success(), "kubectl: {}", text(&o));
    let want = [format!("{name}-control-plane"), format!("{name}-worker")];
    assert_eq!(ready_nodes(&o.stdout), want);

    let img = LocalImage::build(name);
    let mut args = vec!["load", "docker-image", &img.0, "--name", name];
    args.extend_from_slice(endpoint);
    let o = run_minik(tc, &args, env);
    assert!(o.status.success(), "load: {}", text(&o));
    for node in &want {
        let o = docker(&["exec", node, "ctr", "-n", "k8s.io", "images", "ls", "-q"]);
        let held = String::from_utf8_lossy(&o.stdout);
        assert!(
            held.lines().any(|l| l == img.0),
            "{node} lacks {}: {held}",
            img.0
        );
    }

    // Handed out: a standalone kubeconfig for another address (the port defaults to the
    // published one) works on its own.
    let mut args = vec![
        "get",
        "kubeconfig",
        "--name",
        name,
        "--server",
        "https://localhost",
    ];
    args.extend_from_slice(endpoint);
    let o = run_minik(tc, &args, env);
    assert!(o.status.success(), "get kubeconfig --server: {}", text(&o));
    let handed = tc.home().join("handed-out.yaml");
    std::fs::write(&handed, &o.stdout).unwrap();
    let o = kubectl(&handed, &["get", "nodes", "-o", "json"]);
    assert!(
        o.status.success(),
        "kubectl with the handed-out kubeconfig: {}",
        text(&o)
    );
    assert_eq!(ready_nodes(&o.stdout), want);

    let mut args = vec!["delete", "--name", name];
    args.extend_from_slice(endpoint);
    let o = run_minik(tc, &args, env);
    assert!(o.status.success(), "delete: {}", text(&o));
    assert_eq!(common::leftovers(name), "", "containers left after delete");
}

/// A docker context named `remote` in the fixture's HOME, made by the docker CLI itself.
fn context(tc: &TestCluster, docker_endpoint: &str) -> String {
    let config = tc.home().join(".docker");
    let o = docker(&[
        "--config",
        config.to_str().unwrap(),
        "context",
        "create",
        "remote",
        "--docker",
        docker_endpoint,
    ]);
    assert!(o.status.success(), "docker context create: {}", text(&o));
    "remote".to_string()
}

#[test]
fn ssh_engine_makes_loads_and_deletes_a_cluster() {
    let server = SshServer::start();
    let tc = TestCluster::new("e2essh");
    let env = ssh_env(&server);
    create_load_delete(&tc, &["--host", "ssh://root@127.0.0.1"], &env);

    // The engine is reachable by DOCKER_HOST too.
    let mut env_host = env.clone();
    env_host.push(("DOCKER_HOST", "ssh://root@127.0.0.1".into()));
    let o = run_minik(&tc, &["get", "clusters"], &env_host);
    assert!(o.status.success(), "get clusters: {}", text(&o));
    // And by a docker context with an ssh endpoint.
    let host = "host=ssh://root@127.0.0.1".to_string();
    let o = run_minik(
        &tc,
        &["get", "clusters", "--context", &context(&tc, &host)],
        &env,
    );
    assert!(o.status.success(), "get clusters --context: {}", text(&o));

    // An engine on another host: its 127.0.0.1 would be no use here, so create refuses it
    // before making anything (bad input, exit 2) and says how to publish the API instead.
    let image = common::image();
    let args = [
        "create",
        "--name",
        &tc.name,
        "--image",
        &image,
        "--host",
        "ssh://root@far",
    ];
    let o = run_minik(&tc, &args, &env);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let want = format!(
        "error: the engine runs on {}, so an API server on its 127.0.0.1 would be unreachable \
         from here",
        server.far_address
    );
    assert_eq!(stderr.lines().next(), Some(want.as_str()), "{stderr}");
    assert!(stderr.contains("--api-address 0.0.0.0"), "{stderr}");
    assert_eq!(common::leftovers(&tc.name), "", "create made something");

    assert_eq!(
        server.lingering_clients(),
        Vec::<String>::new(),
        "ssh children left"
    );
}

#[test]
fn tls_engine_makes_loads_and_deletes_a_cluster() {
    let proxy = TlsProxy::start();
    let tc = TestCluster::new("e2etls");
    let env = vec![
        ("DOCKER_HOST", format!("tcp://127.0.0.1:{}", proxy.port)),
        ("DOCKER_TLS_VERIFY", "1".to_string()),
        ("DOCKER_CERT_PATH", proxy.cert_path()),
    ];
    create_load_delete(&tc, &[], &env);

    // A docker context holding the TLS material reaches it too.
    let certs = proxy.cert_path();
    let docker = format!(
        "host=tcp://127.0.0.1:{},ca={certs}/ca.pem,cert={certs}/cert.pem,key={certs}/key.pem",
        proxy.port
    );
    let o = run_minik(
        &tc,
        &["get", "clusters", "--context", &context(&tc, &docker)],
        &[],
    );
    assert!(o.status.success(), "get clusters --context: {}", text(&o));

    // Without the client certificate the proxy refuses the handshake: unreachable, exit 3.
    let plain = [("DOCKER_HOST", format!("tcp://127.0.0.1:{}", proxy.port))];
    let o = run_minik(&tc, &["get", "clusters"], &plain);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
}

#[test]
fn ssh_failures_say_what_failed_with_exit_code_3() {
    let server = SshServer::start();
    let tc = TestCluster::new("e2esshfail");
    let env = ssh_env(&server);
    let closed = format!("ssh://root@127.0.0.1:{}", free_port());
    let cases = [
        (
            "ssh://root@wrongkey",
            "ssh authentication to root@wrongkey failed: ",
        ),
        (
            "ssh://root@nodocker",
            "root@nodocker has no docker command: ",
        ),
        (closed.as_str(), "ssh could not connect to root@127.0.0.1: "),
    ];
    for (host, says) in cases {
        let o = run_minik(&tc, &["get", "clusters", "--host", host], &env);
        assert_eq!(o.status.code(), Some(3), "{host}: {}", text(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!(
                "error: cannot reach the container engine at {host}: {says}"
            )),
            "{host}: {stderr}"
        );
        assert!(stderr.contains("hint: "), "{host}: {stderr}");
    }
    assert_eq!(
        server.lingering_clients(),
        Vec::<String>::new(),
        "ssh children left"
    );
}
