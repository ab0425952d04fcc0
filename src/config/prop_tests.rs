//! Property tests over everything that reads untrusted text: the config parser and decoder, and
//! the kubeconfig reader. For any input: no panic, an answer in bounded time, and every
//! rejection of a config file points at a line and column.

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::LoadedConfig;

/// Pieces of kind configs and of YAML's trickier syntax, so that random sequences of them reach
/// deep into the decoder rather than stopping at the first byte.
const FRAGMENTS: &[&str] = &[
    "apiVersion: kind.x-k8s.io/v1alpha4\n",
    "apiVersion: minik.dev/v1alpha1\n",
    "kind: Cluster\n",
    "name: lab\n",
    "name: \"\"\n",
    "nodes:\n",
    "- role: control-plane\n",
    "- role: worker\n",
    "- ",
    "  ",
    "    ",
    "role: ",
    "\"\"",
    "labels: {a: b}\n",
    "extraMounts:\n",
    "  - hostPath: /\n    containerPath: /x\n",
    "extraPortMappings:\n",
    "  - containerPort: 80\n    hostPort: 0\n",
    "protocol: udp\n",
    "networking:\n",
    "  ipFamily: dual\n",
    "  podSubnet: 10.0.0.0/8\n",
    "  kubeProxyMode: \"\"\n",
    "kubeadmConfigPatches:\n- |\n  kind: ClusterConfiguration\n",
    "featureGates: {X: true}\n",
    "&a ",
    "*a",
    "<<: *a\n",
    "<<: ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    ",",
    "\n",
    "\"",
    "'",
    "---\n",
    "...\n",
    "\t",
    "# c\n",
    "!!str ",
    "!!map ",
    "\u{feff}",
    "|\n",
    ">-\n",
    "?",
    "\\",
    "\u{1b}[31m",
    "99999999999999999999",
    "-1",
    "0x10",
    "~",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..120).prop_map(|v| v.concat())
}

fn check_config(text: &str) {
    let started = Instant::now();
    let result = LoadedConfig::parse(text, Path::new("fuzz.yaml")).and_then(|l| l.validate());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    if let Err(errors) = result {
        assert!(!errors.is_empty());
        for e in errors.iter() {
            assert!(e.location.is_some(), "no position: {}", e.headline());
        }
    }
}

fn check_kubeconfig(text: &str) {
    let started = Instant::now();
    let result = crate::kubeconfig::Config::parse(text);
    assert!(started.elapsed() < Duration::from_secs(2));
    if let Err(e) = result {
        assert!(e.contains("line "), "no position: {e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn config_reader_survives_fragment_soup(text in soup()) {
        check_config(&text);
    }

    #[test]
    fn config_reader_survives_any_text(text in any::<String>()) {
        check_config(&text);
    }

    #[test]
    fn config_reader_survives_deep_and_wide_nesting(depth in 0usize..400, open in "[\\[{-]") {
        let text = format!(
            "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes: {}x",
            open.repeat(depth)
        );
        check_config(&text);
    }

    #[test]
    fn kubeconfig_reader_survives_fragment_soup(text in soup()) {
        check_kubeconfig(&text.replace("kind: Cluster", "kind: Config"));
    }

    #[test]
    fn kubeconfig_reader_survives_any_text(text in any::<String>()) {
        check_kubeconfig(&text);
    }
}
