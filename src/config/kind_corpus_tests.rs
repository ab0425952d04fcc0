//! kind's own reading of config files, case by case. Each case is minik's own text written to
//! reproduce one file of kind's repository (named in the case) or one reading rule of kind's YAML
//! library (go-yaml via sigs.k8s.io/yaml), with kind's verdict: accepted or refused.
//! hostPaths point at folders that exist here, since minik checks them before creating anything.

use std::path::Path;

use super::*;

enum Verdict {
    Accepted(fn(&ClusterConfig)),
    Refused(&'static str),
}
use Verdict::*;

const HEAD: &str = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n";

type Case = (&'static str, String, Verdict);

fn cases() -> Vec<Case> {
    let mut all = testdata_cases();
    all.extend(reading_rule_cases());
    all
}

/// Files of kind's `pkg/internal/apis/config/encoding/testdata`.
fn testdata_cases() -> Vec<Case> {
    vec![
        (
            "encoding/testdata/v1alpha4/valid-minimal.yaml",
            HEAD.to_string(),
            Accepted(|c| assert_eq!(c.nodes.len(), 1)),
        ),
        (
            "encoding/testdata/v1alpha4/valid-minimal-two-nodes.yaml",
            format!("{HEAD}nodes:\n- role: control-plane\n- role: worker\n"),
            Accepted(|c| assert_eq!((c.control_planes(), c.workers()), (1, 1))),
        ),
        (
            "encoding/testdata/v1alpha4/valid-many-fields.yaml",
            format!(
                "{HEAD}name: not-default\nfeatureGates:\n  AllBeta: false\nnetworking:\n  \
                 ipFamily: ipv6\nnodes:\n- role: control-plane\n- role: worker\n  extraMounts:\n  \
                 - containerPath: /foo\n    hostPath: /\n    readOnly: true\n    selinuxRelabel: \
                 false\n    propagation: Bidirectional\n  extraPortMappings:\n  - containerPort: \
                 8080\n    hostPort: 0\n    protocol: UDP\n"
            ),
            Accepted(|c| {
                assert_eq!(c.name, "not-default");
                assert_eq!(c.networking.ip_family, IpFamily::Ipv6);
                assert_eq!(c.nodes[1].extra_mounts.len(), 1);
            }),
        ),
        (
            "encoding/testdata/v1alpha4/valid-port-and-mount.yaml",
            format!(
                "{HEAD}nodes:\n- role: control-plane\n  # map an extra port\n  extraPortMappings:\n  \
                 - hostPort: 0\n    containerPort: 80\n  # mount an extra path\n  extraMounts:\n  \
                 - hostPath: .\n    containerPath: /bar"
            ),
            Accepted(|c| assert_eq!(c.nodes[0].extra_port_mappings[0].container_port, 80)),
        ),
        (
            "encoding/testdata/v1alpha4/valid-kind-workers-patches.yaml",
            format!(
                "{HEAD}nodes:\n- role: control-plane\n- role: worker\n  kubeadmConfigPatches:\n  \
                 - |\n    kind: JoinConfiguration\n    nodeRegistration:\n      kubeletExtraArgs:\n        \
                 node-labels: \"x=y\"\n"
            ),
            Accepted(|c| assert_eq!(c.nodes[1].kubeadm_config_patches.len(), 1)),
        ),
        (
            "encoding/testdata/v1alpha4/invalid-bogus-field.yaml",
            format!("{HEAD}bogus: true\n"),
            Refused("unknown field \"bogus\""),
        ),
        (
            "encoding/testdata/v1alpha4/invalid-bad-indent.yaml",
            format!("{HEAD}nodes:\n- role: control-plane\n  image: a\n   role: worker\n"),
            Refused("invalid YAML"),
        ),
        (
            "encoding/testdata/invalid-kind.yaml",
            "kind: NotCluster\napiVersion: kind.x-k8s.io/v1alpha4\n".to_string(),
            Refused("unknown kind \"NotCluster\""),
        ),
    ]
}

/// Rules of kind's YAML library and of kind's defaulting and validation.
fn reading_rule_cases() -> Vec<Case> {
    vec![
        (
            "go-yaml: merge keys, as in hand-written multi-node configs (<<: *worker)",
            format!(
                "{HEAD}nodes:\n- role: control-plane\n- &w\n  role: worker\n  labels:\n    \
                 tier: web\n- <<: *w\n- <<: *w\n  labels:\n    tier: db\n"
            ),
            Accepted(|c| {
                assert_eq!(c.workers(), 3);
                assert_eq!(c.nodes[2].labels["tier"], "web");
                assert_eq!(c.nodes[3].labels["tier"], "db");
            }),
        ),
        (
            "go-yaml: a merge key whose value is not a mapping",
            format!("{HEAD}nodes:\n- <<: 3\n"),
            Refused("merge key"),
        ),
        (
            "hack/ci/e2e-k8s.sh: IP_FAMILY and KUBE_PROXY_MODE unset give empty strings",
            format!("{HEAD}networking:\n  ipFamily: \"\"\n  kubeProxyMode: \"\"\n"),
            Accepted(|c| {
                assert_eq!(c.networking.ip_family, IpFamily::Ipv4);
                assert_eq!(c.networking.kube_proxy_mode, ProxyMode::Iptables);
            }),
        ),
        (
            "kind's defaults: name, role, protocol and propagation \"\" mean unset",
            format!(
                "{HEAD}name: \"\"\nnodes:\n- role: \"\"\n  extraPortMappings:\n  - containerPort: \
                 80\n    protocol: \"\"\n  extraMounts:\n  - hostPath: /\n    containerPath: /h\n    \
                 propagation: \"\"\n"
            ),
            Accepted(|c| {
                assert_eq!(c.name, DEFAULT_CLUSTER_NAME);
                assert_eq!(c.nodes[0].role, Role::ControlPlane);
                assert_eq!(c.nodes[0].extra_port_mappings[0].protocol, Protocol::Tcp);
                assert_eq!(c.nodes[0].extra_mounts[0].propagation, MountPropagation::None);
            }),
        ),
        (
            "kind's validation: a role that is set must be control-plane or worker",
            format!("{HEAD}nodes:\n- role: master\n"),
            Refused("invalid role \"master\""),
        ),
    ]
}

fn check(origin: &str, text: &str, verdict: &Verdict) {
    match (load(text, Path::new("kind.yaml")), verdict) {
        (Ok(c), Accepted(f)) => f(&c),
        (Err(e), Refused(want)) => {
            let all = headlines(&e);
            assert!(all.contains(want), "{origin}: want {want:?}, got {all}");
            assert!(e.iter().all(|e| e.location.is_some()), "{origin}: {all}");
        }
        (Ok(_), Refused(want)) => panic!("{origin}: accepted, kind refuses ({want})"),
        (Err(e), Accepted(_)) => panic!("{origin}: refused, kind accepts:\n{}", headlines(&e)),
    }
}

fn headlines(e: &ConfigErrors) -> String {
    e.iter().map(|e| e.headline() + "\n").collect()
}

#[test]
fn kinds_configs_are_read_as_kind_reads_them() {
    for (origin, text, verdict) in cases() {
        check(origin, &text, &verdict);
    }
}

#[test]
fn byte_order_marks_and_utf16_as_powershell_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{HEAD}name: from-windows\n");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut bom8 = vec![0xEF, 0xBB, 0xBF];
    bom8.extend(text.as_bytes());
    for (file, bytes) in [("utf16.yaml", utf16), ("bom8.yaml", bom8)] {
        let path = dir.path().join(file);
        std::fs::write(&path, bytes).unwrap();
        let loaded = LoadedConfig::read(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(loaded.config.name, "from-windows", "{file}");
    }
    // UTF-16 without its mark is not text to go-yaml either.
    let path = dir.path().join("nomark.yaml");
    std::fs::write(
        &path,
        text.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(LoadedConfig::read(&path).is_err());
}
