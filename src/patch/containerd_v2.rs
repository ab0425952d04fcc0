//! containerd patches written for config version 2 (`plugins."io.containerd.grpc.v1.cri"`),
//! moved to where config version 3 (containerd 2.x) reads the same settings.
//!
//! containerd 2 migrates a whole version-2 *file* when it loads it, but a version-3 file that
//! carries v2 CRI keys is not migrated: the keys land in the `io.containerd.grpc.v1.cri` plugin,
//! which in v3 only holds the streaming server settings, and are ignored. kind's nodes use a v2
//! file, so kind users' patches are written that way; this moves them like containerd's own
//! migration does (plugins/cri/{runtime,images} `configMigration` in containerd 2.x):
//! - `sandbox_image` -> `io.containerd.cri.v1.images` `pinned_images.sandbox`
//! - `registry`, `image_decryption`, `max_concurrent_downloads`, `image_pull_progress_timeout`,
//!   `image_pull_with_sync_fs`, `stats_collect_period` -> `io.containerd.cri.v1.images`
//! - `containerd.{snapshotter, disable_snapshot_annotations, discard_unpacked_layers}`
//!   -> `io.containerd.cri.v1.images`
//! - the streaming server keys stay in `io.containerd.grpc.v1.cri`
//! - everything else (`containerd.*` with its runtimes, `cni`, ...) -> `io.containerd.cri.v1.runtime`,
//!   with `cni.bin_dir` becoming `cni.bin_dirs` and a runtime's `sandbox_mode` its `sandboxer`.

use toml::{Table, Value};

pub(super) const GRPC_CRI: &str = "io.containerd.grpc.v1.cri";
pub(super) const CRI_IMAGES: &str = "io.containerd.cri.v1.images";
pub(super) const CRI_RUNTIME: &str = "io.containerd.cri.v1.runtime";

const TO_IMAGES: &[&str] = &[
    "registry",
    "image_decryption",
    "max_concurrent_downloads",
    "image_pull_progress_timeout",
    "image_pull_with_sync_fs",
    "stats_collect_period",
];
const CONTAINERD_TO_IMAGES: &[&str] = &[
    "snapshotter",
    "disable_snapshot_annotations",
    "discard_unpacked_layers",
];
const STAYS_IN_GRPC: &[&str] = &[
    "disable_tcp_service",
    "stream_server_address",
    "stream_server_port",
    "stream_idle_timeout",
    "enable_tls_streaming",
    "x509_key_pair_streaming",
];

/// True when `patch` sets CRI keys that config version 3 reads elsewhere.
pub(super) fn has_v2_cri_keys(patch: &Table) -> bool {
    cri_table(patch).is_some_and(|cri| cri.keys().any(|k| !STAYS_IN_GRPC.contains(&k.as_str())))
}

fn cri_table(patch: &Table) -> Option<&Table> {
    patch.get("plugins")?.as_table()?.get(GRPC_CRI)?.as_table()
}

/// `patch` with its v2 CRI keys moved to their v3 plugins (and its `version` key dropped).
pub(super) fn migrate_patch(mut patch: Table) -> Table {
    patch.remove("version");
    let Some(Value::Table(plugins)) = patch.get_mut("plugins") else {
        return patch;
    };
    let Some(Value::Table(cri)) = plugins.remove(GRPC_CRI) else {
        return patch;
    };
    let mut grpc = Table::new();
    let mut images = Table::new();
    let mut runtime = Table::new();
    for (key, value) in cri {
        match key.as_str() {
            "sandbox_image" => {
                let mut pinned = Table::new();
                pinned.insert("sandbox".into(), value);
                images.insert("pinned_images".into(), Value::Table(pinned));
            }
            k if TO_IMAGES.contains(&k) => {
                images.insert(key, value);
            }
            k if STAYS_IN_GRPC.contains(&k) => {
                grpc.insert(key, value);
            }
            "cni" => {
                runtime.insert(key, Value::Table(migrate_cni(value)));
            }
            "containerd" => {
                let Value::Table(containerd) = value else {
                    runtime.insert(key, value);
                    continue;
                };
                let mut rest = Table::new();
                for (k, v) in containerd {
                    if CONTAINERD_TO_IMAGES.contains(&k.as_str()) {
                        images.insert(k, v);
                    } else if k == "runtimes" {
                        rest.insert(k, migrate_runtimes(v));
                    } else {
                        rest.insert(k, v);
                    }
                }
                if !rest.is_empty() {
                    runtime.insert(key, Value::Table(rest));
                }
            }
            _ => {
                runtime.insert(key, value);
            }
        }
    }
    for (id, table) in [
        (GRPC_CRI, grpc),
        (CRI_IMAGES, images),
        (CRI_RUNTIME, runtime),
    ] {
        if table.is_empty() {
            continue;
        }
        match plugins.get_mut(id) {
            Some(Value::Table(existing)) => super::containerd::merge(existing, &table),
            _ => {
                plugins.insert(id.into(), Value::Table(table));
            }
        }
    }
    patch
}

fn migrate_cni(value: Value) -> Table {
    let Value::Table(cni) = value else {
        return Table::new();
    };
    let mut out = Table::new();
    for (k, v) in cni {
        if k == "bin_dir" {
            out.insert("bin_dirs".into(), Value::Array(vec![v]));
        } else {
            out.insert(k, v);
        }
    }
    out
}

fn migrate_runtimes(value: Value) -> Value {
    let Value::Table(mut runtimes) = value else {
        return value;
    };
    for (_, rt) in runtimes.iter_mut() {
        if let Value::Table(rt) = rt {
            if !rt.contains_key("sandboxer") {
                if let Some(mode) = rt.remove("sandbox_mode") {
                    rt.insert("sandboxer".into(), mode);
                }
            }
        }
    }
    Value::Table(runtimes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Table {
        s.parse().unwrap()
    }

    #[test]
    fn moves_each_key_where_containerd_2_reads_it() {
        let patch = t(r#"
version = 2
[plugins."io.containerd.grpc.v1.cri"]
sandbox_image = "registry.k8s.io/pause:3.10"
stream_server_port = "10010"
enable_selinux = true
[plugins."io.containerd.grpc.v1.cri".registry]
config_path = "/etc/containerd/certs.d"
[plugins."io.containerd.grpc.v1.cri".containerd]
snapshotter = "native"
default_runtime_name = "crun"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
runtime_type = "io.containerd.kata.v2"
sandbox_mode = "shim"
[plugins."io.containerd.grpc.v1.cri".cni]
bin_dir = "/opt/cni/bin"
conf_dir = "/etc/cni/net.d"
"#);
        assert!(has_v2_cri_keys(&patch));
        let want = t(r#"
[plugins."io.containerd.grpc.v1.cri"]
stream_server_port = "10010"
[plugins."io.containerd.cri.v1.images"]
snapshotter = "native"
[plugins."io.containerd.cri.v1.images".pinned_images]
sandbox = "registry.k8s.io/pause:3.10"
[plugins."io.containerd.cri.v1.images".registry]
config_path = "/etc/containerd/certs.d"
[plugins."io.containerd.cri.v1.runtime"]
enable_selinux = true
[plugins."io.containerd.cri.v1.runtime".containerd]
default_runtime_name = "crun"
[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.kata]
runtime_type = "io.containerd.kata.v2"
sandboxer = "shim"
[plugins."io.containerd.cri.v1.runtime".cni]
bin_dirs = ["/opt/cni/bin"]
conf_dir = "/etc/cni/net.d"
"#);
        assert_eq!(migrate_patch(patch), want);
    }

    #[test]
    fn v3_patches_and_streaming_only_patches_are_not_v2() {
        assert!(!has_v2_cri_keys(&t(
            "[plugins.\"io.containerd.cri.v1.images\"]\nsnapshotter = \"native\"\n"
        )));
        assert!(!has_v2_cri_keys(&t(
            "[plugins.\"io.containerd.grpc.v1.cri\"]\nstream_server_port = \"1\"\n"
        )));
        assert!(!has_v2_cri_keys(&t("[debug]\nlevel = \"debug\"\n")));
    }

    #[test]
    fn merges_into_v3_tables_the_same_patch_already_has() {
        let patch = t(r#"
[plugins."io.containerd.cri.v1.images"]
max_concurrent_downloads = 1
[plugins."io.containerd.grpc.v1.cri"]
sandbox_image = "pause:1"
"#);
        let out = migrate_patch(patch);
        let images = out["plugins"][CRI_IMAGES].as_table().unwrap();
        assert_eq!(images["max_concurrent_downloads"].as_integer(), Some(1));
        assert_eq!(images["pinned_images"]["sandbox"].as_str(), Some("pause:1"));
        assert!(out["plugins"].get(GRPC_CRI).is_none());
    }
}
