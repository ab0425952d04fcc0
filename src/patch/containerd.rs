//! Patching containerd's `config.toml`, as kind does:
//! - merge patches are TOML documents merged into the config: tables merge key by key, any other
//!   value (arrays included) replaces what was there. A patch whose top-level `version` differs
//!   from the config's is skipped, so one config file can carry patches for several formats; a
//!   patch without `version` always applies. A config without `version` is containerd's version 1.
//! - JSON6902 patches (YAML or JSON lists of operations) then apply to the config seen as JSON.
//!
//!
//! Two departures from kind, both so that kind users' patches keep working on containerd 2:
//! - on a version 3 config, a patch written for version 2 (saying `version = 2`, or using the
//!   v2 CRI keys without saying) is moved to the v3 plugins first (see `containerd_v2`), where
//!   kind would skip it or containerd would ignore it;
//! - `registry.mirrors` and `registry.configs.*.tls` in the result become `certs.d` hosts files
//!   (see `registry_hosts`), since containerd 2 refuses them next to `config_path`.
//!
//! With nothing to apply the input comes back unchanged; otherwise the TOML is re-serialized.

use toml::{Table, Value};

use super::containerd_v2::{has_v2_cri_keys, migrate_patch};
use super::kubeadm::parse_json6902;
use super::registry_hosts::{self, HostsFile};
use super::PatchError;

/// containerd's config after the patches, and what else the node needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatchedContainerd {
    pub(crate) config: String,
    /// `certs.d/<host>/hosts.toml` files translated from old-style registry settings.
    pub(crate) hosts: Vec<HostsFile>,
    /// One line each for the user: what was applied differently from how it was written.
    pub(crate) notes: Vec<String>,
}

/// Applies `merge_patches` and then `json6902` to containerd's `config`.
pub(crate) fn containerd_config(
    config: &str,
    merge_patches: &[String],
    json6902: &[String],
) -> Result<PatchedContainerd, PatchError> {
    let mut table: Table = config
        .parse()
        .map_err(|e| PatchError::new("containerd config", toml_message(&e, config)))?;
    let version = config_version(&table);
    let mut changed = false;
    let mut notes = Vec::new();
    for (i, text) in merge_patches.iter().enumerate() {
        let context = format!("containerdConfigPatches[{i}]");
        let mut patch = parse_toml_patch(text).map_err(|e| PatchError::new(&context, e))?;
        let says = patch
            .contains_key("version")
            .then(|| config_version(&patch));
        if version >= 3 && (says == Some(2) || (says.is_none() && has_v2_cri_keys(&patch))) {
            patch = migrate_patch(patch);
            notes.push(format!(
                "{context} is written for containerd config version 2; applied to the node's \
                 version {version} config where containerd 2 reads those settings"
            ));
        } else if says.is_some_and(|v| v != version) {
            continue;
        }
        merge(&mut table, &patch);
        changed = true;
    }
    for (i, text) in json6902.iter().enumerate() {
        let context = format!("containerdConfigPatchesJSON6902[{i}]");
        let ops = parse_json6902(text).map_err(|e| PatchError::new(&context, e))?;
        let mut json = serde_json::to_value(&table).map_err(|e| PatchError::new(&context, e))?;
        json_patch::patch(&mut json, &ops).map_err(|e| PatchError::new(&context, e))?;
        let patched: Table = serde_json::from_value(json).map_err(|e| {
            PatchError::new(&context, format!("the result is no longer valid TOML: {e}"))
        })?;
        table = keep_order(patched, &table);
        changed = true;
    }
    if !changed {
        return Ok(PatchedContainerd {
            config: config.to_string(),
            hosts: Vec::new(),
            notes,
        });
    }
    let hosts = registry_hosts::extract(&mut table)
        .map_err(|e| PatchError::new("containerd registry settings", e))?;
    if !hosts.is_empty() {
        let paths: Vec<String> = hosts.iter().map(HostsFile::path).collect();
        notes.push(format!(
            "registry.mirrors/registry.configs TLS settings are written to {} (containerd 2 \
             reads registry hosts only from config_path)",
            paths.join(", ")
        ));
    }
    let config =
        toml::to_string(&table).map_err(|e| PatchError::new("patched containerd config", e))?;
    Ok(PatchedContainerd {
        config,
        hosts,
        notes,
    })
}

/// A TOML merge patch, checked.
pub(crate) fn parse_toml_patch(text: &str) -> Result<Table, String> {
    text.parse::<Table>().map_err(|e| toml_message(&e, text))
}

/// The error on one line, with its line and column in `text` (its Display adds a source excerpt).
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let mut msg = e.message().trim().to_string();
    if let Some(span) = e.span() {
        let before = text.get(..span.start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        msg.push_str(&format!(" (line {line}, column {column})"));
    }
    msg
}

fn config_version(table: &Table) -> i64 {
    table
        .get("version")
        .and_then(Value::as_integer)
        .unwrap_or(1)
}

/// `patched` with its keys in `original`'s order (new keys last, in their own order), so that
/// the JSON round trip doesn't reshuffle the file.
fn keep_order(mut patched: Table, original: &Table) -> Table {
    let mut out = Table::new();
    for (key, old) in original {
        if let Some(value) = patched.remove(key) {
            let value = match (value, old) {
                (Value::Table(new), Value::Table(old)) => Value::Table(keep_order(new, old)),
                (value, _) => value,
            };
            out.insert(key.clone(), value);
        }
    }
    out.extend(patched);
    out
}

pub(crate) fn merge(target: &mut Table, patch: &Table) {
    for (key, value) in patch {
        match (target.get_mut(key), value) {
            (Some(Value::Table(t)), Value::Table(p)) => merge(t, p),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        "version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\"]\nsandbox_image = \"pause:3.10\"\n";

    #[test]
    fn nothing_to_apply_keeps_the_text() {
        assert_eq!(containerd_config(BASE, &[], &[]).unwrap().config, BASE);
    }

    #[test]
    fn patches_for_another_version_are_skipped() {
        let v3 = "version = 3\n[plugins.x]\na = 1\n".to_string();
        assert_eq!(containerd_config(BASE, &[v3], &[]).unwrap().config, BASE);
    }

    #[test]
    fn tables_merge_and_values_replace() {
        let patch =
            "[plugins.\"io.containerd.grpc.v1.cri\"]\nsandbox_image = \"pause:3.11\"\nx = [1]\n";
        let out = containerd_config(BASE, &[patch.into()], &[])
            .unwrap()
            .config;
        let t: Table = out.parse().unwrap();
        let cri = &t["plugins"]["io.containerd.grpc.v1.cri"];
        assert_eq!(cri["sandbox_image"].as_str(), Some("pause:3.11"));
        assert_eq!(cri["x"].as_array().map(Vec::len), Some(1));
        assert_eq!(t["version"].as_integer(), Some(2));
    }

    #[test]
    fn json6902_operates_on_the_json_view() {
        let op = "- op: remove\n  path: /plugins/io.containerd.grpc.v1.cri/sandbox_image\n";
        let out = containerd_config(BASE, &[], &[op.into()]).unwrap().config;
        assert!(!out.contains("sandbox_image"), "{out}");
        assert!(containerd_config(BASE, &[], &["- op: remove\n  path: /nope\n".into()]).is_err());
    }

    const V3: &str = "version = 3\n\n[plugins.\"io.containerd.cri.v1.images\".registry]\n\
                      config_path = \"/etc/containerd/certs.d\"\n";

    #[test]
    fn kinds_registry_recipe_on_a_v3_config_becomes_a_hosts_file() {
        let recipe =
            "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5001\"]\n\
                      endpoint = [\"http://kind-registry:5000\"]\n";
        let out = containerd_config(V3, &[recipe.into()], &[]).unwrap();
        assert_eq!(out.hosts.len(), 1);
        assert_eq!(out.hosts[0].dir, "localhost:5001");
        assert!(!out.config.contains("mirrors"), "{}", out.config);
        assert!(
            !out.config.contains("io.containerd.grpc.v1.cri"),
            "{}",
            out.config
        );
        assert_eq!(out.notes.len(), 2, "{:?}", out.notes);
        assert!(out.notes[1].contains("/etc/containerd/certs.d/localhost:5001/hosts.toml"));
    }

    #[test]
    fn version_2_patches_move_on_a_v3_config_and_version_3_ones_apply() {
        let v2 = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\nsnapshotter = \"native\"\n";
        let v3 = "version = 3\n[plugins.\"io.containerd.cri.v1.images\"]\nmax_concurrent_downloads = 1\n";
        let out = containerd_config(V3, &[v2.into(), v3.into()], &[]).unwrap();
        let t: Table = out.config.parse().unwrap();
        let images = &t["plugins"]["io.containerd.cri.v1.images"];
        assert_eq!(images["snapshotter"].as_str(), Some("native"));
        assert_eq!(images["max_concurrent_downloads"].as_integer(), Some(1));
        assert_eq!(t["version"].as_integer(), Some(3));
    }

    #[test]
    fn broken_patches_are_reported() {
        let err = containerd_config(BASE, &["[plugins\n".into()], &[]).unwrap_err();
        assert_eq!(err.context, "containerdConfigPatches[0]");
    }
}
