//! The docker CLI's own files: `config.json` (`currentContext`, `proxies`) and the context store
//! (`contexts/meta/<sha256 hex of name>/meta.json`, TLS files in `contexts/tls/<same>/docker/`).
//!
//! Go's JSON decoder matches keys case-insensitively, so these readers do the same.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::hostfs::HostFs;

/// Looks a key up in a JSON object: exact spelling first, then ignoring ASCII case.
pub(crate) fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = value.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn get_str_ci(value: &Value, key: &str) -> Option<String> {
    get_ci(value, key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The folder name the context store uses for a context: hex of SHA-256 of the name.
pub(crate) fn context_dir_name(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// One entry of `proxies` in config.json.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct ProxyEntry {
    pub(crate) http_proxy: Option<String>,
    pub(crate) https_proxy: Option<String>,
    pub(crate) no_proxy: Option<String>,
}

/// What minik uses from `$DOCKER_CONFIG/config.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DockerConfig {
    pub(crate) path: PathBuf,
    pub(crate) current_context: Option<String>,
    /// Keyed by daemon host (`tcp://build:2376`) or `default`.
    pub(crate) proxies: BTreeMap<String, ProxyEntry>,
}

/// Reads config.json. `Ok(None)` when there is no file; `Err(text)` when it is not valid JSON
/// (the docker CLI warns and carries on in that case; so does minik).
pub(crate) fn load_docker_config(fs: &HostFs, dir: &Path) -> Result<Option<DockerConfig>, String> {
    let path = dir.join("config.json");
    let Ok(text) = fs.read_to_string(&path) else {
        return Ok(None);
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("ignoring {}: not valid JSON ({e})", path.display()))?;
    let mut proxies = BTreeMap::new();
    if let Some(map) = get_ci(&value, "proxies").and_then(Value::as_object) {
        for (key, entry) in map {
            proxies.insert(
                key.clone(),
                ProxyEntry {
                    http_proxy: get_str_ci(entry, "httpProxy"),
                    https_proxy: get_str_ci(entry, "httpsProxy"),
                    no_proxy: get_str_ci(entry, "noProxy"),
                },
            );
        }
    }
    Ok(Some(DockerConfig {
        current_context: get_str_ci(&value, "currentContext"),
        path,
        proxies,
    }))
}

/// TLS files for a TCP endpoint. Each is `None` when the file is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlsFiles {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

impl TlsFiles {
    /// `ca.pem`, `cert.pem`, `key.pem` in `dir`, keeping those that exist.
    pub fn in_dir(fs: &HostFs, dir: &Path) -> TlsFiles {
        let pick = |name: &str| Some(dir.join(name)).filter(|p| fs.exists(p));
        TlsFiles {
            ca: pick("ca.pem"),
            cert: pick("cert.pem"),
            key: pick("key.pem"),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ca.is_none() && self.cert.is_none() && self.key.is_none()
    }
}

/// The docker endpoint of a stored context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContextMeta {
    pub(crate) name: String,
    pub(crate) meta_path: PathBuf,
    /// `Endpoints.docker.Host`; `None` when the context has no docker endpoint.
    pub(crate) host: Option<String>,
    pub(crate) skip_tls_verify: bool,
    pub(crate) tls: TlsFiles,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ContextLookup {
    Found(ContextMeta),
    Missing { meta_path: PathBuf },
    Invalid { meta_path: PathBuf, reason: String },
}

pub(crate) fn meta_path(config_dir: &Path, name: &str) -> PathBuf {
    config_dir
        .join("contexts")
        .join("meta")
        .join(context_dir_name(name))
        .join("meta.json")
}

/// Reads a context from the store under `config_dir`.
pub(crate) fn load_context(fs: &HostFs, config_dir: &Path, name: &str) -> ContextLookup {
    let meta_path = meta_path(config_dir, name);
    let Ok(text) = fs.read_to_string(&meta_path) else {
        return ContextLookup::Missing { meta_path };
    };
    let value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            return ContextLookup::Invalid {
                meta_path,
                reason: format!("not valid JSON ({e})"),
            }
        }
    };
    let docker = get_ci(&value, "Endpoints").and_then(|e| get_ci(e, "docker"));
    let host = docker.and_then(|d| get_str_ci(d, "Host"));
    let skip_tls_verify = docker
        .and_then(|d| get_ci(d, "SkipTLSVerify"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let tls_dir = config_dir
        .join("contexts")
        .join("tls")
        .join(context_dir_name(name))
        .join("docker");
    ContextLookup::Found(ContextMeta {
        name: get_str_ci(&value, "Name").unwrap_or_else(|| name.to_string()),
        meta_path,
        host,
        skip_tls_verify,
        tls: TlsFiles::in_dir(fs, &tls_dir),
    })
}

/// Whether a context of that name is stored (`default` always exists and is never on disk).
pub(crate) fn context_exists(fs: &HostFs, config_dir: &Path, name: &str) -> bool {
    name == "default" || fs.exists(&meta_path(config_dir, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hashes_match_the_docker_cli() {
        assert_eq!(
            context_dir_name("desktop-linux"),
            "fe9c6bd7a66301f49ca9b6a70b217107cd1284598bfc254700c989b916da791e"
        );
        assert!(context_dir_name("rancher-desktop").starts_with("b547d66a"));
        assert!(context_dir_name("rancher-desktop").ends_with("9917c8"));
        assert!(context_dir_name("colima").starts_with("f24fd374"));
        assert!(context_dir_name("orbstack").starts_with("2d89b732"));
    }

    #[test]
    fn keys_are_case_insensitive() {
        let v = json!({"endpoints": {"Docker": {"host": "unix:///x"}}});
        let docker = get_ci(&v, "Endpoints").and_then(|e| get_ci(e, "docker"));
        assert_eq!(
            docker.and_then(|d| get_str_ci(d, "Host")),
            Some("unix:///x".into())
        );
    }
}
