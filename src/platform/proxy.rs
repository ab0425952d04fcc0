//! Proxy settings for the nodes, found the way kind finds them.
//!
//! 1. The shell: `HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`, each upper case first, then lower case.
//! 2. If neither HTTP(S)_PROXY is set there: `proxies` in the docker CLI's config.json, the entry
//!    keyed by the daemon host (`tcp://build:2376`), else the `default` entry.
//!
//! The engine's own proxy (`/info HttpProxy`) is reported but not copied: Docker Desktop always
//! shows its internal `http.docker.internal:3128`, which means nothing outside its VM.

use serde::Serialize;

use super::context_store::DockerConfig;
use super::hostfs::{env_first, EnvMap};
use super::info::EngineInfo;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub(crate) enum ProxySource {
    None,
    Env,
    DockerConfig { key: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ProxySettings {
    pub(crate) http_proxy: Option<String>,
    pub(crate) https_proxy: Option<String>,
    pub(crate) no_proxy: Option<String>,
    pub(crate) source: ProxySource,
    /// The daemon's own proxy (`/info HttpsProxy`, else `HttpProxy`), unless it is Docker
    /// Desktop's internal one.
    pub(crate) engine_proxy: Option<String>,
}

impl ProxySettings {
    pub(crate) fn is_set(&self) -> bool {
        self.http_proxy.is_some() || self.https_proxy.is_some()
    }
}

fn is_desktop_internal(proxy: &str) -> bool {
    proxy.contains("docker.internal")
}

/// Finds the proxy to give the nodes. `daemon_host` is the endpoint URL as written.
pub(crate) fn detect_proxy(
    env: &EnvMap,
    config: Option<&DockerConfig>,
    daemon_host: &str,
    info: &EngineInfo,
) -> ProxySettings {
    let engine_proxy = [&info.https_proxy, &info.http_proxy]
        .into_iter()
        .find(|p| !p.is_empty() && !is_desktop_internal(p))
        .cloned();
    let http = env_first(env, &["HTTP_PROXY", "http_proxy"]).map(str::to_string);
    let https = env_first(env, &["HTTPS_PROXY", "https_proxy"]).map(str::to_string);
    let no = env_first(env, &["NO_PROXY", "no_proxy"]).map(str::to_string);
    if http.is_some() || https.is_some() {
        return ProxySettings {
            http_proxy: http,
            https_proxy: https,
            no_proxy: no,
            source: ProxySource::Env,
            engine_proxy,
        };
    }
    let entry = config.and_then(|c| {
        c.proxies
            .get_key_value(daemon_host)
            .or_else(|| c.proxies.get_key_value("default"))
    });
    match entry {
        Some((key, e)) if e.http_proxy.is_some() || e.https_proxy.is_some() => ProxySettings {
            http_proxy: e.http_proxy.clone(),
            https_proxy: e.https_proxy.clone(),
            no_proxy: e.no_proxy.clone(),
            source: ProxySource::DockerConfig { key: key.clone() },
            engine_proxy,
        },
        _ => ProxySettings {
            http_proxy: None,
            https_proxy: None,
            no_proxy: None,
            source: ProxySource::None,
            engine_proxy,
        },
    }
}

/// What NO_PROXY must also cover inside the cluster.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoProxyInputs<'a> {
    /// The node network's subnets (`docker network inspect`).
    pub(crate) node_subnets: &'a [String],
    pub(crate) node_names: &'a [String],
    pub(crate) pod_subnet: &'a str,
    pub(crate) service_subnet: &'a str,
}

/// The NO_PROXY value for nodes: the user's list, then loopback, node subnets, node names,
/// pod and service subnets and the in-cluster service domains. No duplicates; order kept.
pub(crate) fn node_no_proxy(user_no_proxy: Option<&str>, inputs: NoProxyInputs<'_>) -> String {
    let mut items: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim();
        if !s.is_empty() && !items.iter().any(|i| i == s) {
            items.push(s.to_string());
        }
    };
    for part in user_no_proxy.unwrap_or("").split(',') {
        push(part);
    }
    for s in ["localhost", "127.0.0.1"] {
        push(s);
    }
    for s in inputs.node_subnets {
        push(s);
    }
    for s in inputs.node_names {
        push(s);
    }
    push(inputs.pod_subnet);
    push(inputs.service_subnet);
    for s in [".svc", ".svc.cluster", ".svc.cluster.local"] {
        push(s);
    }
    items.join(",")
}

/// Environment for node containers: each variable in upper and lower case (tools read either).
/// Empty when no proxy is configured.
pub(crate) fn node_proxy_env(
    proxy: &ProxySettings,
    inputs: NoProxyInputs<'_>,
) -> Vec<(String, String)> {
    if !proxy.is_set() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut both = |name: &str, value: &str| {
        out.push((name.to_string(), value.to_string()));
        out.push((name.to_ascii_lowercase(), value.to_string()));
    };
    if let Some(v) = &proxy.http_proxy {
        both("HTTP_PROXY", v);
    }
    if let Some(v) = &proxy.https_proxy {
        both("HTTPS_PROXY", v);
    }
    both(
        "NO_PROXY",
        &node_no_proxy(proxy.no_proxy.as_deref(), inputs),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::context_store::ProxyEntry;

    fn env(pairs: &[(&str, &str)]) -> EnvMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn upper_case_wins_then_lower_case() {
        let e = env(&[
            ("https_proxy", "http://lower:3128"),
            ("HTTPS_PROXY", "http://upper:3128"),
            ("no_proxy", "corp.local"),
        ]);
        let p = detect_proxy(
            &e,
            None,
            "unix:///var/run/docker.sock",
            &EngineInfo::default(),
        );
        assert_eq!(p.https_proxy.as_deref(), Some("http://upper:3128"));
        assert_eq!(p.no_proxy.as_deref(), Some("corp.local"));
        assert_eq!(p.source, ProxySource::Env);
    }

    #[test]
    fn config_json_keyed_by_daemon_host_then_default() {
        let mut cfg = DockerConfig::default();
        let entry = |h: &str| ProxyEntry {
            http_proxy: Some(h.into()),
            https_proxy: None,
            no_proxy: None,
        };
        cfg.proxies
            .insert("default".into(), entry("http://default:3128"));
        cfg.proxies
            .insert("tcp://build:2376".into(), entry("http://build:3128"));
        let info = EngineInfo {
            http_proxy: "http.docker.internal:3128".into(),
            ..EngineInfo::default()
        };
        let p = detect_proxy(&EnvMap::new(), Some(&cfg), "tcp://build:2376", &info);
        assert_eq!(p.http_proxy.as_deref(), Some("http://build:3128"));
        assert_eq!(
            p.engine_proxy, None,
            "Docker Desktop's internal proxy is not a real one"
        );
        let p = detect_proxy(
            &EnvMap::new(),
            Some(&cfg),
            "unix:///var/run/docker.sock",
            &info,
        );
        assert_eq!(
            p.source,
            ProxySource::DockerConfig {
                key: "default".into()
            }
        );
    }

    #[test]
    fn node_env_extends_no_proxy_in_both_cases() {
        let p = ProxySettings {
            http_proxy: Some("http://p:3128".into()),
            https_proxy: None,
            no_proxy: Some("corp.local,localhost".into()),
            source: ProxySource::Env,
            engine_proxy: None,
        };
        let names = vec![
            "minik-control-plane".to_string(),
            "minik-worker".to_string(),
        ];
        let subnets = vec!["172.18.0.0/16".to_string()];
        let inputs = NoProxyInputs {
            node_subnets: &subnets,
            node_names: &names,
            pod_subnet: "10.244.0.0/16",
            service_subnet: "10.96.0.0/16",
        };
        let env = node_proxy_env(&p, inputs);
        let no = "corp.local,localhost,127.0.0.1,172.18.0.0/16,minik-control-plane,minik-worker,\
                  10.244.0.0/16,10.96.0.0/16,.svc,.svc.cluster,.svc.cluster.local";
        assert!(env.contains(&("NO_PROXY".into(), no.into())));
        assert!(env.contains(&("no_proxy".into(), no.into())));
        assert!(env.contains(&("http_proxy".into(), "http://p:3128".into())));
        assert_eq!(env.len(), 4);
        let none = ProxySettings {
            http_proxy: None,
            ..p
        };
        assert!(node_proxy_env(&none, inputs).is_empty());
    }
}
