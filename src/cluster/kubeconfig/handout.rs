//! Handing a cluster to someone else: `minik get kubeconfig --server https://HOST[:PORT]` prints
//! a standalone kubeconfig whose server is the address *they* reach the API by (a server's public
//! name, a NAT address). When the API server's certificate does not name that host, the
//! kubeconfig names one the certificate has (`tls-server-name`), so the cluster's own CA still
//! verifies the server.

use serde_yaml::Value;

use super::{entry, server_url};
use crate::cluster::{control_plane, Cluster, ClusterError};
use crate::kubeadm;
use crate::kubeconfig;
use crate::node;
use crate::provider::Provider;

/// `https://HOST[:PORT]` split into host (brackets kept off IPv6) and port.
pub(crate) fn parse_server(url: &str) -> Result<(String, Option<u16>), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("{} is not an https:// URL", crate::text::quoted(url)))?;
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains('/') || authority.contains('@') {
        return Err(format!(
            "{} is not https://HOST[:PORT]",
            crate::text::quoted(url)
        ));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| "an IPv6 address in brackets is missing its ']'".to_string())?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return Err(format!(
                    "port {} is not a number from 1 to 65535",
                    crate::text::quoted(p)
                ))
            }
        },
        None => None,
    };
    if host.is_empty() {
        return Err("the host name is missing".into());
    }
    Ok((host.to_string(), port))
}

/// A standalone kubeconfig for `cluster` whose server is `https://host:port` (`port` defaults to
/// the API server's published port).
pub(crate) async fn kubeconfig_for(
    provider: &dyn Provider,
    cluster: &str,
    host: &str,
    port: Option<u16>,
) -> Result<String, ClusterError> {
    let cluster = Cluster::read(provider, cluster).await?;
    let port = match port {
        Some(p) => p,
        None => {
            let published = server_url(&cluster, false)?;
            published
                .rsplit_once(':')
                .and_then(|(_, p)| p.parse().ok())
                .ok_or_else(|| ClusterError::BadOutput {
                    node: cluster.name.clone(),
                    what: "published ports".into(),
                    reason: format!("no port in {published}"),
                })?
        }
    };
    let server = kubeconfig::server_url(host, port);
    let mut entry = entry(provider, &cluster, &server).await?;
    let first = control_plane::candidates(&cluster.nodes, None)
        .first()
        .map(|s| s.to_string())
        .ok_or_else(|| ClusterError::NoControlPlane {
            name: cluster.name.clone(),
        })?;
    let pem = node::read_file(provider, &first, kubeadm::API_SERVER_CERT_PATH).await?;
    let names = kubeadm::cert_names(&pem)?;
    if let Some(name) = tls_server_name(&names, host) {
        entry
            .cluster
            .cluster
            .insert("tls-server-name".into(), Value::String(name));
    }
    entry
        .to_config()
        .to_yaml()
        .map_err(|e| ClusterError::KubeconfigEncode(e.to_string()))
}

/// The name to verify the server by when the certificate does not cover `host`: `kubernetes`,
/// which kubeadm always puts in it, else its first name.
/// The certificate comes from the node, so only a plain host name or address is written into
/// the handout.
fn tls_server_name(cert_names: &[String], host: &str) -> Option<String> {
    if kubeadm::covers(cert_names, host) {
        return None;
    }
    let kubernetes = "kubernetes".to_string();
    if cert_names.contains(&kubernetes) {
        return Some(kubernetes);
    }
    let plain = |n: &&String| {
        !n.starts_with('-')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    };
    cert_names.iter().find(plain).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_server_urls() {
        let ok = [
            (
                "https://workshop.example.org:7443",
                ("workshop.example.org", Some(7443)),
            ),
            ("https://203.0.113.7", ("203.0.113.7", None)),
            ("https://[2001:db8::1]:6443/", ("2001:db8::1", Some(6443))),
        ];
        for (url, (host, port)) in ok {
            assert_eq!(parse_server(url), Ok((host.to_string(), port)), "{url}");
        }
        for bad in [
            "http://x:1",
            "https://",
            "https://x:0",
            "https://x:port",
            "https://x/api",
            "x:6443",
        ] {
            assert!(parse_server(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_a_covered_host_only_when_needed() {
        let names: Vec<String> = ["minik-control-plane", "kubernetes", "127.0.0.1"]
            .map(String::from)
            .to_vec();
        assert_eq!(tls_server_name(&names, "127.0.0.1"), None);
        assert_eq!(
            tls_server_name(&names, "workshop.example.org").as_deref(),
            Some("kubernetes")
        );
        let other = vec!["box".to_string()];
        assert_eq!(tls_server_name(&other, "1.2.3.4").as_deref(), Some("box"));
        // A node's certificate is not trusted to put odd text into the handout.
        let odd = vec!["\u{1b}[2J\nexec: x".to_string(), "ok.box".to_string()];
        assert_eq!(tls_server_name(&odd, "1.2.3.4").as_deref(), Some("ok.box"));
    }
}
