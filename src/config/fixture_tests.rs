//! Table tests over tests/fixtures/config: every valid-*.yaml must load (with spot checks of the
//! decoded values), and every invalid-*.yaml must fail with exactly the error lines (first lines,
//! `file:line:col: message`, one per error, in order) of its invalid-*.expected sidecar.
//! `MINIK_BLESS=1 cargo test --lib config::fixture_tests` rewrites the sidecars; review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config")
}

fn fixtures(prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(prefix) && name.ends_with(".yaml")
        })
        .collect();
    files.sort();
    files
}

fn load_fixture(path: &Path) -> Result<ClusterConfig, ConfigErrors> {
    load(&fs::read_to_string(path).unwrap(), path)
}

/// Error headlines with the fixture folder cut from paths, so they read `invalid-x.yaml:3:1: …`.
fn headlines(errors: &ConfigErrors) -> String {
    let prefix = format!("{}/", dir().display());
    errors
        .iter()
        .map(|e| e.headline().replace(&prefix, "") + "\n")
        .collect()
}

type Check = fn(&ClusterConfig);

const VALID: &[(&str, Check)] = &[
    ("valid-minimal.yaml", |c| {
        assert_eq!(c, &ClusterConfig::default());
    }),
    ("valid-multi-node.yaml", |c| {
        assert_eq!((c.control_planes(), c.workers()), (1, 2))
    }),
    ("valid-ha.yaml", |c| {
        assert_eq!((c.control_planes(), c.workers()), (3, 2))
    }),
    ("valid-ingress.yaml", |c| {
        let n = &c.nodes[0];
        assert!(n.kubeadm_config_patches[0].contains("ingress-ready=true"));
        let ports: Vec<_> = n
            .extra_port_mappings
            .iter()
            .map(|p| (p.host_port, p.container_port))
            .collect();
        assert_eq!(ports, [(80, 80), (443, 443)]);
        assert!(n
            .extra_port_mappings
            .iter()
            .all(|p| p.listen_address == "0.0.0.0"));
    }),
    ("valid-extra-mounts.yaml", |c| {
        let m = &c.nodes[0].extra_mounts;
        assert_eq!(m[0].host_path, dir().join("mounts/data"));
        assert_eq!(m[0].container_path, "/data");
        assert!(!m[0].read_only && m[1].read_only && m[1].selinux_relabel);
        assert_eq!(m[1].host_path, dir().join("mounts"));
        assert_eq!(m[1].propagation, MountPropagation::HostToContainer);
    }),
    ("valid-feature-gates.yaml", |c| {
        assert!(c.feature_gates["CSIMigration"]);
        assert!(!c.feature_gates["InPlacePodVerticalScaling"]);
        assert_eq!(c.runtime_config["api/alpha"], "false");
        assert_eq!(c.runtime_config["batch/v2alpha1"], "true");
    }),
    ("valid-ipv6.yaml", |c| {
        let n = &c.networking;
        assert_eq!(n.ip_family, IpFamily::Ipv6);
        assert_eq!(n.pod_subnet, DEFAULT_POD_SUBNET_V6);
        assert_eq!(n.service_subnet, DEFAULT_SERVICE_SUBNET_V6);
        assert_eq!(n.api_server_address, "::1");
        assert_eq!(c.nodes[0].extra_port_mappings[0].listen_address, "::");
    }),
    ("valid-dual-stack.yaml", |c| {
        assert_eq!(c.networking.pod_subnet, "10.244.0.0/16,fd00:10:244::/56");
        assert_eq!(c.networking.service_subnet, "10.96.0.0/16,fd00:10:96::/112");
        assert_eq!(c.networking.api_server_address, "127.0.0.1");
    }),
    ("valid-networking.yaml", |c| {
        let n = &c.networking;
        assert_eq!(
            (
                n.api_server_port,
                n.pod_subnet.as_str(),
                n.service_subnet.as_str()
            ),
            (6443, "10.240.0.0/16", "10.0.0.0/16")
        );
        assert!(n.disable_default_cni);
        assert_eq!(n.kube_proxy_mode, ProxyMode::Ipvs);
        assert_eq!(n.dns_search, Some(vec![]));
    }),
    ("valid-containerd-mirror.yaml", |c| {
        assert_eq!(c.containerd_config_patches.len(), 2);
        assert!(c.containerd_config_patches[0].starts_with("[plugins."));
    }),
    ("valid-kubeadm-patches.yaml", |c| {
        assert_eq!(c.kubeadm_config_patches.len(), 1);
        assert_eq!(c.kubeadm_config_patches_json6902[0].version, "v1beta3");
        assert!(c.nodes[1].kubeadm_config_patches[0].contains("register-with-taints"));
    }),
    ("valid-labels.yaml", |c| {
        assert_eq!(c.nodes[1].labels["example.com/ssd"], "true");
        assert_eq!(c.nodes[2].labels["tier"], "backend");
    }),
    ("valid-minik.yaml", |c| {
        assert_eq!(c.name, "workshop");
        assert_eq!(c.nodes[0].image.as_deref(), Some("minik/node:v1.35.0"));
        let p = &c.nodes[0].extra_port_mappings[0];
        assert_eq!(
            (p.host_port, p.listen_address.as_str(), p.protocol),
            (8080, "127.0.0.1", Protocol::Udp)
        );
        assert_eq!(c.networking.kube_proxy_mode, ProxyMode::Nftables);
        assert_eq!(
            c.networking.dns_search,
            Some(vec!["corp.example.com".to_string()])
        );
        assert_eq!(c.nodes[1].image, None);
    }),
    ("valid-anchors.yaml", |c| {
        assert_eq!(c.workers(), 2);
        assert_eq!(c.nodes[2].labels["pool"], "general");
    }),
];

#[test]
fn valid_fixtures_load() {
    let files = fixtures("valid-");
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let listed: Vec<&str> = VALID.iter().map(|(n, _)| *n).collect();
    for name in &names {
        assert!(
            listed.contains(&name.as_str()),
            "{name} has no entry in VALID"
        );
    }
    for (name, check) in VALID {
        let path = dir().join(name);
        match load_fixture(&path) {
            Ok(cfg) => check(&cfg),
            Err(e) => panic!("{name} should load:\n{e}"),
        }
    }
}

#[test]
fn invalid_fixtures_fail_as_expected() {
    let bless = std::env::var_os("MINIK_BLESS").is_some();
    let files = fixtures("invalid-");
    assert!(files.len() >= 20);
    let mut failures = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let sidecar = path.with_extension("expected");
        let got = match load_fixture(&path) {
            Ok(_) => "(loaded without errors)\n".to_string(),
            Err(e) => {
                assert!(
                    e.iter().all(|e| !e.hint.is_empty()),
                    "{name}: every error needs a hint"
                );
                headlines(&e)
            }
        };
        if bless {
            fs::write(&sidecar, &got).unwrap();
            continue;
        }
        let want = fs::read_to_string(&sidecar).unwrap_or_else(|_| panic!("{name}: no .expected"));
        if got != want {
            failures.push(format!("{name}:\n  want: {want}  got:  {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn host_ports_in_use_point_at_the_mapping() {
    let path = dir().join("valid-ingress.yaml");
    let loaded = LoadedConfig::parse(&fs::read_to_string(&path).unwrap(), &path).unwrap();
    let taken =
        |_: std::net::IpAddr, port: u16, proto: Protocol| port == 443 && proto == Protocol::Tcp;
    let errors = loaded.check_host_ports(&taken).unwrap_err();
    assert_eq!(
        headlines(&errors),
        "valid-ingress.yaml:17:15: hostPort 443/TCP on 0.0.0.0 is already in use on this machine\n"
    );
    assert!(loaded.check_host_ports(&|_, _, _| false).is_ok());
}

#[test]
fn overrides_fix_or_blame_flags() {
    let path = dir().join("invalid-name.yaml");
    let mut loaded = LoadedConfig::parse(&fs::read_to_string(&path).unwrap(), &path).unwrap();
    assert!(loaded.validate().is_err());
    loaded
        .apply_overrides(&Overrides {
            name: Some("fixed".into()),
            ..Overrides::default()
        })
        .unwrap();
    assert!(loaded.validate().is_ok(), "the flag replaces the bad name");

    let path = dir().join("valid-multi-node.yaml");
    let mut loaded = LoadedConfig::parse(&fs::read_to_string(&path).unwrap(), &path).unwrap();
    let o = Overrides {
        control_planes: Some(0),
        name: Some("Bad!".into()),
        ..Overrides::default()
    };
    loaded.apply_overrides(&o).unwrap();
    let errors = loaded.validate().unwrap_err();
    assert_eq!(
        headlines(&errors),
        "--name: invalid cluster name \"Bad!\": 'B' is not allowed\n\
         --control-planes: the cluster has no control-plane node\n"
    );
}

#[test]
fn stdin_and_defaults() {
    let cfg = load(
        "kind: Cluster\napiVersion: minik.dev/v1alpha1\n",
        Path::new("-"),
    )
    .unwrap();
    assert_eq!(cfg, ClusterConfig::default());
    let err = load("kind: Cluster\n", Path::new("-")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("<stdin>:1:1: missing \"apiVersion\"\n  hint: "),
        "{err}"
    );
    assert!(LoadedConfig::default().validate().is_ok());
}
