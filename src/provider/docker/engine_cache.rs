//! What minik learned about an engine that costs time to find out again (whether it allows
//! privileged containers), kept per engine ID in the user's cache folder. A stale entry is
//! harmless: a refused privileged node is recreated with explicit capabilities.

use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Default, serde::Serialize, serde::Deserialize, PartialEq)]
struct Cache {
    /// Engine ID → privileged containers allowed.
    privileged: BTreeMap<String, bool>,
}

fn path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("dev", "minik", "minik")?;
    Some(dirs.cache_dir().join("engines.json"))
}

fn read() -> Cache {
    path()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

pub(super) fn privileged(engine_id: &str) -> Option<bool> {
    read().privileged.get(engine_id).copied()
}

/// Best effort: a cache that can't be written only costs the next run a probe.
pub(super) fn remember_privileged(engine_id: &str, allowed: bool) {
    let Some(path) = path() else { return };
    let mut cache = read();
    if cache.privileged.get(engine_id) == Some(&allowed) {
        return;
    }
    cache.privileged.insert(engine_id.to_string(), allowed);
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(text) = serde_json::to_vec_pretty(&cache) else {
        return;
    };
    // Write then rename, so a concurrent minik never reads half a file.
    let tmp = dir.join(format!(".engines.json.{}", std::process::id()));
    if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, &path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}
