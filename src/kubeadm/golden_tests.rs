//! Golden-file tests: each case is rendered and compared with `tests/golden/kubeadm/<case>.yaml`.
//! `MINIK_UPDATE_GOLDEN=1 cargo test --lib kubeadm` rewrites the files instead, so that a change
//! to the generated config shows up as a reviewable diff.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pretty_assertions::assert_eq;
use serde::Deserialize;

use super::*;
use crate::config::{
    IpFamily, ProxyMode, DEFAULT_POD_SUBNET, DEFAULT_POD_SUBNET_V6, DEFAULT_SERVICE_SUBNET,
    DEFAULT_SERVICE_SUBNET_V6,
};

const CA_HASH: &str = "sha256:61a634db2d419a9e35a1fa12265e4c13f6dba7f02c23a71053fad459ed671586";
const MINORS: [&str; 9] = [
    "v1.28.15", "v1.29.14", "v1.30.14", "v1.31.13", "v1.32.9", "v1.33.5", "v1.34.1", "v1.35.0",
    "v1.36.1",
];

/// One golden case: the owned data a [`NodeKubeadmInput`] borrows from.
struct Case {
    name: String,
    cluster: ClusterConfig,
    version: KubeVersion,
    node_name: &'static str,
    node_ips: Vec<&'static str>,
    control_plane: bool,
    endpoint: &'static str,
    labels: BTreeMap<String, String>,
    ca_cert_hashes: Vec<String>,
    rootless: bool,
    cgroup_v1_host: bool,
}

impl Case {
    fn control_plane(name: &str, version: &str) -> Case {
        Case {
            name: name.to_string(),
            cluster: ClusterConfig::with_nodes("minik", 1, 0),
            version: version.parse().unwrap(),
            node_name: "minik-control-plane",
            node_ips: vec!["172.18.0.2"],
            control_plane: true,
            endpoint: "minik-control-plane:6443",
            labels: BTreeMap::new(),
            ca_cert_hashes: Vec::new(),
            rootless: false,
            cgroup_v1_host: false,
        }
    }

    /// A dual-stack control plane; `v6_first` puts IPv6 first in the subnets and addresses.
    fn dual_stack(name: &str, version: &str, v6_first: bool) -> Case {
        let mut case = Case::control_plane(name, version);
        let pair = |v4: &str, v6: &str| {
            if v6_first {
                format!("{v6},{v4}")
            } else {
                format!("{v4},{v6}")
            }
        };
        let net = &mut case.cluster.networking;
        net.ip_family = IpFamily::Dual;
        net.pod_subnet = pair(DEFAULT_POD_SUBNET, DEFAULT_POD_SUBNET_V6);
        net.service_subnet = pair(DEFAULT_SERVICE_SUBNET, DEFAULT_SERVICE_SUBNET_V6);
        case.node_ips = vec!["172.18.0.2", "fc00:f853:ccd:e793::2"];
        if v6_first {
            case.node_ips.reverse();
        }
        case
    }

    fn input(&self) -> NodeKubeadmInput<'_> {
        NodeKubeadmInput {
            cluster: &self.cluster,
            kubernetes_version: &self.version,
            node_name: self.node_name,
            node_ips: self.node_ips.iter().map(|s| s.to_string()).collect(),
            control_plane: self.control_plane,
            control_plane_endpoint: self.endpoint,
            provider: "docker",
            node_labels: self.labels.clone(),
            ca_cert_hashes: self.ca_cert_hashes.clone(),
            rootless: self.rootless,
            cgroup_v1_host: self.cgroup_v1_host,
            extra_cert_sans: Vec::new(),
        }
    }
}

fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = MINORS
        .iter()
        .map(|v| {
            let minor = v.rsplit_once('.').unwrap().0;
            Case::control_plane(&format!("control-plane-{minor}"), v)
        })
        .collect();

    let mut worker = Case::control_plane("worker", "v1.35.0");
    worker.cluster = ClusterConfig::with_nodes("dev", 1, 2);
    worker.node_name = "dev-worker2";
    worker.node_ips = vec!["172.18.0.4"];
    worker.control_plane = false;
    worker.endpoint = "dev-control-plane:6443";
    worker.labels = BTreeMap::from([
        ("tier".to_string(), "frontend".to_string()),
        ("disk".to_string(), "ssd".to_string()),
    ]);
    worker.ca_cert_hashes = vec![CA_HASH.to_string()];
    cases.push(worker);

    let mut ha = Case::control_plane("ha-secondary-control-plane", "v1.35.0");
    ha.cluster = ClusterConfig::with_nodes("ha", 3, 1);
    ha.cluster.feature_gates = BTreeMap::from([
        ("InPlacePodVerticalScaling".to_string(), true),
        ("SomeBetaFeature".to_string(), false),
    ]);
    ha.cluster.runtime_config = BTreeMap::from([
        ("api/alpha".to_string(), "false".to_string()),
        ("resource.k8s.io/v1beta1".to_string(), "true".to_string()),
    ]);
    ha.node_name = "ha-control-plane2";
    ha.node_ips = vec!["172.18.0.4"];
    ha.endpoint = "ha-external-load-balancer:6443";
    ha.ca_cert_hashes = vec![CA_HASH.to_string()];
    cases.push(ha);

    let mut ipv6 = Case::control_plane("ipv6", "v1.35.0");
    let net = &mut ipv6.cluster.networking;
    net.ip_family = IpFamily::Ipv6;
    net.api_server_address = "::1".into();
    net.pod_subnet = DEFAULT_POD_SUBNET_V6.into();
    net.service_subnet = DEFAULT_SERVICE_SUBNET_V6.into();
    ipv6.node_ips = vec!["fc00:f853:ccd:e793::2"];
    cases.push(ipv6);

    cases.push(Case::dual_stack("dual-stack", "v1.35.0", false));
    // IPv6 first: the advertise address must be of the primary service family.
    cases.push(Case::dual_stack("dual-stack-ipv6-first", "v1.36.1", true));

    let mut rootless = Case::control_plane("rootless-proxy-none", "v1.34.1");
    rootless.cluster.networking.kube_proxy_mode = ProxyMode::None;
    rootless.rootless = true;
    cases.push(rootless);

    let mut rootless_nft = Case::control_plane("rootless-nftables", "v1.34.1");
    rootless_nft.cluster.networking.kube_proxy_mode = ProxyMode::Nftables;
    rootless_nft.rootless = true;
    cases.push(rootless_nft);

    // A v1 or hybrid host: kubelets of 1.31+ get failCgroupV1: false.
    let mut v1_host = Case::control_plane("cgroup-v1-host", "v1.36.1");
    v1_host.cgroup_v1_host = true;
    cases.push(v1_host);

    let mut nft = Case::control_plane("nftables-v1.30", "v1.30.14");
    nft.cluster.networking.kube_proxy_mode = ProxyMode::Nftables;
    cases.push(nft);

    cases
}

fn golden_path(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/kubeadm")
        .join(format!("{case}.yaml"))
}

#[test]
fn rendered_configs_match_golden_files() {
    let update = std::env::var_os("MINIK_UPDATE_GOLDEN").is_some_and(|v| v == "1");
    for case in cases() {
        let rendered = render(&case.input()).unwrap();
        let path = golden_path(&case.name);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &rendered).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run MINIK_UPDATE_GOLDEN=1 cargo test --lib kubeadm",
                path.display()
            )
        });
        assert_eq!(
            rendered,
            want,
            "{} differs from the rendered config",
            path.display()
        );
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypeMeta {
    api_version: String,
    kind: String,
}

fn type_metas(yaml: &str) -> Vec<(String, String)> {
    serde_yaml::Deserializer::from_str(yaml)
        .map(|doc| {
            let meta = TypeMeta::deserialize(doc).unwrap();
            (meta.api_version, meta.kind)
        })
        .collect()
}

#[test]
fn every_document_parses_back_with_its_api_version_and_kind() {
    for case in cases() {
        let yaml = render(&case.input()).unwrap();
        assert!(yaml.starts_with("# generated by minik\n"), "{}", case.name);
        let kubeadm = kubeadm_api_version(&case.version).unwrap().to_string();
        let mut want = vec![
            (kubeadm.clone(), "ClusterConfiguration".to_string()),
            (kubeadm.clone(), "InitConfiguration".to_string()),
            (kubeadm, "JoinConfiguration".to_string()),
            (
                "kubelet.config.k8s.io/v1beta1".to_string(),
                "KubeletConfiguration".to_string(),
            ),
        ];
        if case.cluster.networking.kube_proxy_mode != ProxyMode::None {
            want.push((
                "kubeproxy.config.k8s.io/v1alpha1".to_string(),
                "KubeProxyConfiguration".to_string(),
            ));
        }
        assert_eq!(type_metas(&yaml), want, "{}", case.name);
    }
}

fn docs_of(yaml: &str) -> Vec<serde_yaml::Value> {
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| serde_yaml::Value::deserialize(d).unwrap())
        .collect()
}

#[test]
fn extra_args_are_maps_in_v1beta3_and_name_value_lists_in_v1beta4() {
    let old = render(&Case::control_plane("old", "v1.30.0").input()).unwrap();
    let args = &docs_of(&old)[1]["nodeRegistration"]["kubeletExtraArgs"];
    assert_eq!(args["node-ip"].as_str(), Some("172.18.0.2"));

    let new = render(&Case::control_plane("new", "v1.36.0").input()).unwrap();
    let args = &docs_of(&new)[1]["nodeRegistration"]["kubeletExtraArgs"];
    let node_ip = args
        .as_sequence()
        .unwrap()
        .iter()
        .find(|a| a["name"].as_str() == Some("node-ip"))
        .unwrap();
    assert_eq!(node_ip["value"].as_str(), Some("172.18.0.2"));
}

#[test]
fn fail_cgroup_v1_is_turned_off_on_v1_hosts_where_the_field_exists() {
    let kubelet = |version: &str, v1_host: bool| {
        let mut case = Case::control_plane("c", version);
        case.cgroup_v1_host = v1_host;
        docs_of(&render(&case.input()).unwrap())[3].clone()
    };
    // Before v1.31 the field does not exist (kubelets then run on v1 anyway).
    assert!(kubelet("v1.30.14", true).get("failCgroupV1").is_none());
    for v in ["v1.31.0", "v1.35.0", "v1.36.1"] {
        assert_eq!(
            kubelet(v, true)["failCgroupV1"].as_bool(),
            Some(false),
            "{v}"
        );
        assert!(kubelet(v, false).get("failCgroupV1").is_none(), "{v}");
    }
}

#[test]
fn join_pins_the_ca_when_hashes_are_given() {
    let mut case = Case::control_plane("pinned", "v1.35.0");
    let unpinned = docs_of(&render(&case.input()).unwrap());
    let token = &unpinned[2]["discovery"]["bootstrapToken"];
    assert_eq!(token["unsafeSkipCAVerification"].as_bool(), Some(true));
    assert!(token.get("caCertHashes").is_none());

    case.ca_cert_hashes = vec![CA_HASH.to_string()];
    let pinned = docs_of(&render(&case.input()).unwrap());
    let token = &pinned[2]["discovery"]["bootstrapToken"];
    assert!(token.get("unsafeSkipCAVerification").is_none());
    assert_eq!(token["caCertHashes"][0].as_str(), Some(CA_HASH));
}

#[test]
fn bad_inputs_are_errors() {
    let mut case = Case::control_plane("old", "v1.27.3");
    assert!(matches!(
        render(&case.input()),
        Err(KubeadmError::UnsupportedVersion(_))
    ));

    case.version = "v1.28.0".parse().unwrap();
    case.cluster.networking.kube_proxy_mode = ProxyMode::Nftables;
    let err = render(&case.input()).unwrap_err();
    assert!(err.to_string().contains("v1.29"), "{err}");

    let mut case = Case::control_plane("no-ip", "v1.35.0");
    case.node_ips = Vec::new();
    assert!(matches!(
        render(&case.input()),
        Err(KubeadmError::Render(_))
    ));
}

/// A cluster published for a remote engine: the certificate names the published address and the
/// engine host the kubeconfig reaches it by.
#[test]
fn certificate_names_the_published_address_and_engine_host() {
    let mut case = Case::control_plane("remote", MINORS[MINORS.len() - 1]);
    case.cluster.networking.api_server_address = "203.0.113.7".into();
    let mut input = case.input();
    input.extra_cert_sans = vec!["workshop.example.org".into()];
    let rendered = render(&input).unwrap();
    let sans: Vec<&str> = rendered
        .lines()
        .skip_while(|l| !l.contains("certSANs:"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("- "))
        .map(|l| l.trim_start().trim_start_matches("- ").trim_matches('"'))
        .collect();
    for want in [
        "203.0.113.7",
        "workshop.example.org",
        "127.0.0.1",
        "localhost",
    ] {
        assert!(
            sans.contains(&want),
            "{want} missing from certSANs {sans:?}"
        );
    }
}
