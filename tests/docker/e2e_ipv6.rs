//! IPv6 and dual stack on the real engine: the `minik` network is dual-stack, so a dual
//! cluster's Nodes report an IPv4 and an IPv6 InternalIP (their containers' addresses), pods get
//! an address of each family, and a pod on one worker reaches a pod on the other over IPv6; an
//! IPv6 cluster comes up Ready with IPv6 node addresses and an IPv6 API server address in its
//! kubeconfig (the stand-in API server refuses an IPv4 advertise address with IPv6 services,
//! as kube-apiserver does).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

fn json(tc: &TestCluster, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let o = tc.kubectl(&all);
    assert!(o.status.success(), "kubectl {args:?}: {}", text(&o));
    serde_json::from_slice(&o.stdout).expect("kubectl JSON")
}

fn wait_for<T>(what: &str, secs: u64, mut check: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        match check() {
            Ok(v) => return v,
            Err(last) if Instant::now() > deadline => {
                panic!("timed out waiting for {what}: {last}")
            }
            Err(_) => std::thread::sleep(Duration::from_secs(2)),
        }
    }
}

/// The container's (IPv4, IPv6) addresses on the minik network, as the engine reports them.
fn container_ips(node: &str) -> (String, String) {
    let f = "{{with index .NetworkSettings.Networks \"minik\"}}{{.IPAddress}} {{.GlobalIPv6Address}}{{end}}";
    let o = docker(&["inspect", "-f", f, node]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let (v4, v6) = out.split_once(' ').unwrap_or((&out, ""));
    (v4.to_string(), v6.to_string())
}

fn internal_ips(node: &Value) -> Vec<String> {
    node["status"]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == "InternalIP")
        .map(|a| a["address"].as_str().unwrap().to_string())
        .collect()
}

fn create_with(tc: &TestCluster, config: &str) {
    let path = tc.home().join("cluster.yaml");
    std::fs::write(&path, config).unwrap();
    let cfg = path.to_str().unwrap();
    let o = tc.minik(&[
        "create",
        "--name",
        &tc.name,
        "--image",
        &image(),
        "--config",
        cfg,
    ]);
    assert!(o.status.success(), "create: {}", text(&o));
}

fn apply(tc: &TestCluster, name: &str, yaml: &str) {
    let f = tc.home().join(format!("{name}.yaml"));
    std::fs::write(&f, yaml).unwrap();
    let o = tc.kubectl(&["apply", "-f", f.to_str().unwrap()]);
    assert!(o.status.success(), "apply {name}: {}", text(&o));
}

fn pod_yaml(name: &str, node: &str, command: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  nodeSelector:\n    \
         kubernetes.io/hostname: {node}\n  containers:\n  - name: {name}\n    image: \
         minik.test/busybox:1.0\n    imagePullPolicy: IfNotPresent\n    command: [\"sh\", \"-c\", \
         {command:?}]\n"
    )
}

/// A Running pod's addresses, once it has one of each family.
fn pod_ips(tc: &TestCluster, name: &str) -> (String, String) {
    wait_for(
        &format!("pod {name} Running with both families"),
        120,
        || {
            let p = json(tc, &["get", "pod", name]);
            let ips: Vec<String> = p["status"]["podIPs"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|i| i["ip"].as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let v4 = ips.iter().find(|i| !i.contains(':'));
            let v6 = ips.iter().find(|i| i.contains(':'));
            match (p["status"]["phase"].as_str(), v4, v6) {
                (Some("Running"), Some(a), Some(b)) => Ok((a.clone(), b.clone())),
                _ => Err(p["status"].to_string()),
            }
        },
    )
}

#[test]
fn dual_stack_nodes_and_pods_have_both_families_and_pods_talk_over_ipv6() {
    let tc = TestCluster::new("dual");
    create_with(
        &tc,
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  ipFamily: dual\n\
         nodes:\n- role: control-plane\n- role: worker\n- role: worker\n",
    );
    let nodes = json(&tc, &["get", "nodes"]);
    let items = nodes["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{nodes}");
    for n in items {
        let name = n["metadata"]["name"].as_str().unwrap();
        let (v4, v6) = container_ips(name);
        assert!(
            !v6.is_empty(),
            "{name} has no IPv6 address on the minik network"
        );
        assert_eq!(
            internal_ips(n),
            [v4, v6],
            "{name}: IPv4 first, as the service ranges"
        );
        let cidrs = n["spec"]["podCIDRs"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(cidrs, 2, "{name} has a pod CIDR per family: {}", n["spec"]);
    }

    let (w1, w2) = (
        format!("{}-worker", tc.name),
        format!("{}-worker2", tc.name),
    );
    let serve = "mkdir -p /www && echo served-by-$(hostname) > /www/index.html && \
                 exec httpd -f -p 8080 -h /www";
    apply(&tc, "server", &pod_yaml("server", &w1, serve));
    let (_, server_v6) = pod_ips(&tc, "server");
    let fetch =
        format!("until wget -qO- 'http://[{server_v6}]:8080/'; do sleep 1; done; exec sleep 3600");
    apply(&tc, "client", &pod_yaml("client", &w2, &fetch));
    pod_ips(&tc, "client");
    // The client's output, from the kubelet's log file on its node (as e2e_pods reads it).
    let uid = json(&tc, &["get", "pod", "client"])["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_string();
    let log = format!("/var/log/pods/default_client_{uid}/client/0.log");
    wait_for("the client's page fetched over IPv6", 90, || {
        let o = docker(&[
            "exec",
            &w2,
            "sh",
            "-c",
            &format!("cat {log} 2>/dev/null || true"),
        ]);
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        out.contains("served-by-server").then_some(()).ok_or(out)
    });
}

#[test]
fn an_ipv6_cluster_is_ready_with_ipv6_addresses_everywhere() {
    let tc = TestCluster::new("ipv6");
    create_with(
        &tc,
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  ipFamily: ipv6\n",
    );
    let kubeconfig = std::fs::read_to_string(&tc.kubeconfig).unwrap();
    assert!(
        kubeconfig.contains("server: https://[::1]:"),
        "{kubeconfig}"
    );
    let node = format!("{}-control-plane", tc.name);
    wait_for("the node Ready", 120, || {
        let o = tc.kubectl(&["get", "nodes", "-o", "json"]);
        let names = ready_nodes(&o.stdout);
        (names == [node.clone()]).then_some(()).ok_or(text(&o))
    });
    let n = json(&tc, &["get", "node", &node]);
    let (_, v6) = container_ips(&node);
    assert_eq!(internal_ips(&n), [v6], "IPv6 only");
    let svc = json(&tc, &["get", "service", "kubernetes"]);
    let cluster_ip = svc["spec"]["clusterIP"].as_str().unwrap_or("");
    assert!(
        cluster_ip.contains(':'),
        "the kubernetes Service is IPv6: {svc}"
    );
}
