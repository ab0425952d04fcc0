//! Golden tests over tests/fixtures/config/patches/<case>/: `config.yaml` is a cluster config
//! whose patches (cluster-level, then its first node's) are applied to `input.yaml` (a kubeadm
//! config) or `input.toml` (a containerd config); the result must equal `expected.yaml` /
//! `expected.toml`. A containerd case's hosts files go to `expected-certs.d/<host>/hosts.toml`.
//! `MINIK_BLESS=1` rewrites the expected files; review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use super::{containerd_config, kubeadm_config_for_node};
use crate::config::load;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/patches");
    let mut cases: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn patches_match_golden_files() {
    let bless = std::env::var_os("MINIK_BLESS").is_some();
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 6);
    for case in all {
        let config_path = case.join("config.yaml");
        let config = load(&fs::read_to_string(&config_path).unwrap(), &config_path)
            .unwrap_or_else(|e| panic!("{}: {e}", config_path.display()));
        let (got, expected) = if case.join("input.yaml").exists() {
            let input = fs::read_to_string(case.join("input.yaml")).unwrap();
            (
                kubeadm_config_for_node(
                    &input,
                    config.kubeadm_patches(),
                    config.nodes[0].kubeadm_patches(),
                )
                .map(|p| p.text),
                case.join("expected.yaml"),
            )
        } else {
            let input = fs::read_to_string(case.join("input.toml")).unwrap();
            let out = containerd_config(
                &input,
                &config.containerd_config_patches,
                &config.containerd_config_patches_json6902,
            )
            .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
            for h in &out.hosts {
                let path = case
                    .join("expected-certs.d")
                    .join(&h.dir)
                    .join("hosts.toml");
                if bless {
                    fs::create_dir_all(path.parent().unwrap()).unwrap();
                    fs::write(&path, &h.text).unwrap();
                } else if fs::read_to_string(&path).ok().as_deref() != Some(h.text.as_str()) {
                    failures.push(format!("{}:\n{}", path.display(), h.text));
                }
            }
            (Ok(out.config), case.join("expected.toml"))
        };
        let got = got.unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        if bless {
            fs::write(&expected, &got).unwrap();
        } else if fs::read_to_string(&expected).ok().as_deref() != Some(got.as_str()) {
            failures.push(format!("{}:\n{got}", expected.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "differs from the golden file:\n{}",
        failures.join("\n")
    );
}
