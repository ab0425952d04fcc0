//! Old-style registry settings (`registry.mirrors` and `registry.configs.<host>.tls`) turned into
//! `hosts.toml` files under `config_path`, the only form containerd 2 accepts next to
//! `config_path` (it refuses the CRI plugin otherwise: "`mirrors` cannot be set when
//! `config_path` is provided"). kind's documented local-registry recipe and many blog posts still
//! patch `registry.mirrors`.
//!
//! What the legacy settings meant (containerd 1.x CRI): `mirrors.<host>.endpoint` is the list of
//! endpoints tried in order for images of `<host>`, then `<host>` itself; `"*"` applies to hosts
//! without their own entry. `configs.<name>.tls` is the TLS setup of whichever endpoint or
//! registry is named `<name>`. `configs.<name>.auth` is still accepted by containerd 2 next to
//! `config_path` (deprecated) and is left where it is.

use std::collections::BTreeMap;

use toml::{Table, Value};

use super::containerd_v2::{CRI_IMAGES, GRPC_CRI};

/// Where hosts files go; minik's node config points `config_path` here.
pub(super) const CERTS_D: &str = "/etc/containerd/certs.d";

/// One `certs.d/<dir>/hosts.toml` to write on the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostsFile {
    /// `<host>` (or `_default` for the `"*"` mirror).
    pub(crate) dir: String,
    pub(crate) text: String,
}

impl HostsFile {
    pub(crate) fn path(&self) -> String {
        format!("{CERTS_D}/{}/hosts.toml", self.dir)
    }
}

#[derive(Debug, Default, Clone)]
struct Tls {
    ca_file: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    insecure_skip_verify: Option<bool>,
}

/// Removes `mirrors` and `configs.*.tls` from every registry table of `config` (v2 and v3
/// locations), sets `config_path` where it was missing, and returns the hosts files that say the
/// same thing. Nothing to translate: `config` is untouched and the list is empty.
pub(super) fn extract(config: &mut Table) -> Result<Vec<HostsFile>, String> {
    let mut mirrors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut tls: BTreeMap<String, Tls> = BTreeMap::new();
    let Some(Value::Table(plugins)) = config.get_mut("plugins") else {
        return Ok(Vec::new());
    };
    for id in [GRPC_CRI, CRI_IMAGES] {
        let Some(Value::Table(registry)) = plugins
            .get_mut(id)
            .and_then(Value::as_table_mut)
            .and_then(|p| p.get_mut("registry"))
        else {
            continue;
        };
        let mut found = false;
        if let Some(m) = registry.remove("mirrors") {
            found = true;
            for (host, entry) in as_table(m, "registry.mirrors")? {
                let endpoints = match entry.as_table().and_then(|e| e.get("endpoint")) {
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .ok_or(format!(
                            "registry.mirrors.{host:?}.endpoint must list strings"
                        ))?,
                    None => Vec::new(),
                    Some(_) => {
                        return Err(format!("registry.mirrors.{host:?}.endpoint must be a list"))
                    }
                };
                mirrors.insert(host, endpoints);
            }
        }
        if let Some(Value::Table(configs)) = registry.get_mut("configs") {
            for (name, entry) in configs.iter_mut() {
                if let Some(Value::Table(t)) = entry.as_table_mut().and_then(|e| e.remove("tls")) {
                    found = true;
                    tls.insert(name.clone(), read_tls(&t, name)?);
                }
            }
            configs.retain(|_, e| e.as_table().is_none_or(|t| !t.is_empty()));
            if configs.is_empty() {
                registry.remove("configs");
            }
        }
        if found && !registry.contains_key("config_path") {
            registry.insert("config_path".into(), Value::String(CERTS_D.into()));
        }
    }
    render(&mirrors, &tls)
}

fn as_table(v: Value, what: &str) -> Result<Table, String> {
    match v {
        Value::Table(t) => Ok(t),
        _ => Err(format!("{what} must be a table")),
    }
}

fn read_tls(t: &Table, name: &str) -> Result<Tls, String> {
    let s = |k: &str| -> Result<Option<String>, String> {
        match t.get(k) {
            None => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.clone())),
            Some(_) => Err(format!(
                "registry.configs.{name:?}.tls.{k} must be a string"
            )),
        }
    };
    Ok(Tls {
        ca_file: s("ca_file")?,
        cert_file: s("cert_file")?,
        key_file: s("key_file")?,
        insecure_skip_verify: match t.get("insecure_skip_verify") {
            None => None,
            Some(Value::Boolean(b)) => Some(*b),
            Some(_) => {
                return Err(format!(
                    "registry.configs.{name:?}.tls.insecure_skip_verify must be true or false"
                ))
            }
        },
    })
}

/// `host:port` of an endpoint URL (what `configs` keys name).
fn endpoint_host(endpoint: &str) -> &str {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// The endpoint as containerd's legacy CRI code read it (`addDefaultScheme`): without a scheme,
/// plain http for a localhost or loopback host and https for any other.
fn with_scheme(endpoint: &str) -> String {
    if endpoint.contains("://") {
        return endpoint.to_string();
    }
    let scheme = if is_localhost(endpoint_host(endpoint)) {
        "http"
    } else {
        "https"
    };
    format!("{scheme}://{endpoint}")
}

/// containerd's `docker.IsLocalhost`: `localhost` or a loopback IP, with or without a port.
fn is_localhost(host_port: &str) -> bool {
    let host = match host_port.rsplit_once(':') {
        // `[::1]:5000`, `localhost:5000`; a bare IPv6 address has more than one colon
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => host_port,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The legacy code used an endpoint's path as given (only an empty one became `/v2`), while a
/// hosts.toml host gets `/v2` appended unless `override_path` is set: an endpoint with a path
/// (a Harbor or Artifactory proxy project) needs it to keep meaning the same.
fn has_path(endpoint: &str) -> bool {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    rest.split_once('/')
        .is_some_and(|(_, path)| !path.trim_matches('/').is_empty())
}

fn dir_for(host: &str) -> Result<String, String> {
    if host == "*" {
        return Ok("_default".into());
    }
    let ok = !host.is_empty()
        && !host.starts_with('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_' | '[' | ']'));
    if ok {
        Ok(host.to_string())
    } else {
        Err(format!("registry host {host:?} is not a host[:port]"))
    }
}

fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

fn tls_lines(t: &Tls, indent: &str) -> String {
    let mut out = String::new();
    if let Some(ca) = &t.ca_file {
        out.push_str(&format!("{indent}ca = {}\n", quote(ca)));
    }
    match (&t.cert_file, &t.key_file) {
        (Some(c), Some(k)) => out.push_str(&format!(
            "{indent}client = [[{}, {}]]\n",
            quote(c),
            quote(k)
        )),
        (Some(c), None) => out.push_str(&format!("{indent}client = {}\n", quote(c))),
        _ => {}
    }
    if let Some(skip) = t.insecure_skip_verify {
        out.push_str(&format!("{indent}skip_verify = {skip}\n"));
    }
    out
}

fn render(
    mirrors: &BTreeMap<String, Vec<String>>,
    tls: &BTreeMap<String, Tls>,
) -> Result<Vec<HostsFile>, String> {
    let mut files = BTreeMap::new();
    let mut used_tls = Vec::new();
    for (host, endpoints) in mirrors {
        let dir = dir_for(host)?;
        let mut text = format!(
            "# Written by minik from containerdConfigPatches: registry.mirrors.{}\n",
            quote(host)
        );
        if let Some(t) = tls.get(host.as_str()) {
            text.push_str(&tls_lines(t, ""));
            used_tls.push(host.as_str());
        }
        for e in endpoints {
            let name = endpoint_host(e);
            text.push_str(&format!("\n[host.{}]\n", quote(&with_scheme(e))));
            text.push_str("  capabilities = [\"pull\", \"resolve\"]\n");
            if has_path(e) {
                text.push_str("  override_path = true\n");
            }
            if let Some(t) = tls.get(name) {
                text.push_str(&tls_lines(t, "  "));
                used_tls.push(name);
            }
        }
        files.insert(dir.clone(), HostsFile { dir, text });
    }
    // TLS settings of a registry that no mirror names: they apply to the registry itself.
    for (name, t) in tls {
        if used_tls.contains(&name.as_str()) || files.contains_key(name.as_str()) {
            continue;
        }
        let dir = dir_for(name)?;
        let text = format!(
            "# Written by minik from containerdConfigPatches: registry.configs.{}.tls\n{}",
            quote(name),
            tls_lines(t, "")
        );
        files.insert(dir.clone(), HostsFile { dir, text });
    }
    Ok(files.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Table {
        s.parse().unwrap()
    }

    #[test]
    fn kinds_local_registry_recipe_becomes_a_hosts_file() {
        let mut config = t(r#"
version = 3
[plugins."io.containerd.cri.v1.images".registry]
config_path = "/etc/containerd/certs.d"
[plugins."io.containerd.cri.v1.images".registry.mirrors."localhost:5001"]
endpoint = ["http://kind-registry:5000"]
"#);
        let files = extract(&mut config).unwrap();
        assert_eq!(
            files,
            vec![HostsFile {
                dir: "localhost:5001".into(),
                text: "# Written by minik from containerdConfigPatches: registry.mirrors.\"localhost:5001\"\n\
                       \n[host.\"http://kind-registry:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
                    .into(),
            }]
        );
        assert_eq!(
            files[0].path(),
            "/etc/containerd/certs.d/localhost:5001/hosts.toml"
        );
        let registry = &config["plugins"][CRI_IMAGES]["registry"];
        assert!(registry.get("mirrors").is_none(), "{config}");
        assert_eq!(registry["config_path"].as_str(), Some(CERTS_D));
        // what was written must be TOML containerd can read
        let parsed: Table = files[0].text.parse().unwrap();
        assert!(parsed["host"]["http://kind-registry:5000"].is_table());
    }

    #[test]
    fn tls_goes_with_the_endpoint_or_registry_it_names() {
        let mut config = t(r#"
[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
endpoint = ["mirror.local:5000", "https://mirror2.local"]
[plugins."io.containerd.grpc.v1.cri".registry.mirrors."*"]
endpoint = ["https://any.local"]
[plugins."io.containerd.grpc.v1.cri".registry.configs."mirror.local:5000".tls]
insecure_skip_verify = true
[plugins."io.containerd.grpc.v1.cri".registry.configs."quay.io".tls]
ca_file = "/etc/ca.pem"
cert_file = "/etc/c.pem"
key_file = "/etc/k.pem"
[plugins."io.containerd.grpc.v1.cri".registry.configs."quay.io".auth]
username = "u"
"#);
        let files = extract(&mut config).unwrap();
        let dirs: Vec<_> = files.iter().map(|f| f.dir.as_str()).collect();
        assert_eq!(dirs, ["_default", "docker.io", "quay.io"]);
        assert_eq!(
            files[1].text,
            "# Written by minik from containerdConfigPatches: registry.mirrors.\"docker.io\"\n\
             \n[host.\"https://mirror.local:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = true\n\
             \n[host.\"https://mirror2.local\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
        );
        assert_eq!(
            files[2].text,
            "# Written by minik from containerdConfigPatches: registry.configs.\"quay.io\".tls\n\
             ca = \"/etc/ca.pem\"\nclient = [[\"/etc/c.pem\", \"/etc/k.pem\"]]\n"
        );
        // auth stays (containerd 2 still reads it next to config_path); tls and mirrors go
        let registry = config["plugins"][GRPC_CRI]["registry"].as_table().unwrap();
        assert_eq!(
            registry["configs"]["quay.io"]["auth"]["username"].as_str(),
            Some("u")
        );
        assert!(registry["configs"].get("mirror.local:5000").is_none());
        assert_eq!(registry["config_path"].as_str(), Some(CERTS_D));
    }

    #[test]
    fn endpoints_mean_what_they_meant_to_containerd_1() {
        let mut config = t(r#"
[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
endpoint = ["https://harbor.example/v2/dockerhub-proxy", "localhost:5000", "127.0.0.1:5001",
            "[::1]:5002", "mirror.example:5003", "https://plain.example/"]
"#);
        let files = extract(&mut config).unwrap();
        let hosts: Table = files[0].text.parse().unwrap();
        let host = |url: &str| hosts["host"][url].as_table().cloned().unwrap_or_default();
        // a path is used as given, as the legacy code did
        assert_eq!(
            host("https://harbor.example/v2/dockerhub-proxy")["override_path"].as_bool(),
            Some(true)
        );
        // scheme-less loopback endpoints were plain http; other hosts https
        for url in [
            "http://localhost:5000",
            "http://127.0.0.1:5001",
            "http://[::1]:5002",
            "https://mirror.example:5003",
            "https://plain.example/",
        ] {
            let h = host(url);
            assert!(!h.is_empty(), "{url} missing from\n{}", files[0].text);
            assert!(h.get("override_path").is_none(), "{url}");
        }
    }

    #[test]
    fn localhost_is_what_containerd_calls_localhost() {
        for yes in [
            "localhost",
            "localhost:5000",
            "127.0.0.1",
            "127.1.2.3:80",
            "[::1]:5000",
            "::1",
        ] {
            assert!(is_localhost(yes), "{yes}");
        }
        for no in [
            "localhost.example",
            "10.0.0.1:5000",
            "[fd00::1]:5000",
            "kind-registry:5000",
        ] {
            assert!(!is_localhost(no), "{no}");
        }
    }

    #[test]
    fn nothing_to_translate_changes_nothing() {
        let text = "[plugins.\"io.containerd.cri.v1.images\".registry]\nconfig_path = \"/x\"\n";
        let mut config = t(text);
        assert!(extract(&mut config).unwrap().is_empty());
        assert_eq!(config, t(text));
    }

    #[test]
    fn hosts_that_are_not_hosts_are_refused() {
        let mut config = t(
            "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"../etc\"]\nendpoint = [\"http://x\"]\n",
        );
        assert!(extract(&mut config).unwrap_err().contains("../etc"));
        let mut config = t(
            "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"a\"]\nendpoint = \"http://x\"\n",
        );
        assert!(extract(&mut config).is_err());
    }
}
