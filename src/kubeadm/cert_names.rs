//! The names and addresses a certificate is valid for (its subjectAltName), so that a
//! kubeconfig handed out with another server address can tell whether the API server's
//! certificate covers that address.

use std::net::IpAddr;

use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::{Decode, DecodePem};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

use super::KubeadmError;

/// Where kubeadm writes the API server's serving certificate on a control plane.
pub(crate) const API_SERVER_CERT_PATH: &str = "/etc/kubernetes/pki/apiserver.crt";

/// DNS names and IP addresses (as text) of the first certificate in `pem`.
pub(crate) fn cert_names(pem: &str) -> Result<Vec<String>, KubeadmError> {
    let bad = |why: String| KubeadmError::ApiCert(format!("{API_SERVER_CERT_PATH}: {why}"));
    let start = pem
        .find("-----BEGIN CERTIFICATE-----")
        .ok_or_else(|| bad("no certificate found".into()))?;
    let cert = Certificate::from_pem(&pem.as_bytes()[start..])
        .map_err(|e| bad(format!("not a valid X.509 certificate: {e}")))?;
    let mut names = Vec::new();
    let extensions = cert.tbs_certificate().extensions().into_iter().flatten();
    for ext in extensions.filter(|e| e.extn_id == SubjectAltName::OID) {
        let san = SubjectAltName::from_der(ext.extn_value.as_bytes())
            .map_err(|e| bad(format!("unreadable subjectAltName: {e}")))?;
        for name in san.0 {
            match name {
                GeneralName::DnsName(n) => names.push(n.to_string()),
                GeneralName::IpAddress(octets) => {
                    let b = octets.as_bytes();
                    let ip = match b.len() {
                        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
                        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
                        _ => None,
                    };
                    names.extend(ip.map(|ip| ip.to_string()));
                }
                _ => {}
            }
        }
    }
    Ok(names)
}

/// Does `host` (a name or an IP, IPv6 with or without brackets) appear among `names`?
pub(crate) fn covers(names: &[String], host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    match host.parse::<IpAddr>() {
        Ok(ip) => names.iter().any(|n| n.parse::<IpAddr>() == Ok(ip)),
        Err(_) => names.iter().any(|n| n.eq_ignore_ascii_case(host)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway self-signed certificate (its key was discarded) naming kubernetes,
    /// workshop.example.org, 10.96.0.1, 203.0.113.7 and ::1.
    const PEM: &str = "-----BEGIN CERTIFICATE-----
MIIB1DCCAXqgAwIBAgIUB2h5tL9XvBU1rxaqHNZl1C5C6iAwCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOa3ViZS1hcGlzZXJ2ZXIwHhcNMjYxMjAxMTMzODQ1WhcNMzYx
MTI4MTMzODQ1WjAZMRcwFQYDVQQDDA5rdWJlLWFwaXNlcnZlcjBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABA+YJsJWfRK9s2iT/ErUkNLxoHe39Y1U81p35zcX44nW
I3KT2y1nb9RpuQy+MKdp+TSl80qBZM4e+IakSEFHY5KjgZ8wgZwwHQYDVR0OBBYE
FJ8W3NCey04IAFdovFp+oiEWyGngMB8GA1UdIwQYMBaAFJ8W3NCey04IAFdovFp+
oiEWyGngMA8GA1UdEwEB/wQFMAMBAf8wSQYDVR0RBEIwQIIKa3ViZXJuZXRlc4IU
d29ya3Nob3AuZXhhbXBsZS5vcmeHBApgAAGHBMsAcQeHEAAAAAAAAAAAAAAAAAAA
AAEwCgYIKoZIzj0EAwIDSAAwRQIgL2ExhxuIfiMr4HRzJn7dvwH2vWaxRuq4B4FD
B3AVpIcCIQC+5n82jmSOMeldzT1gvzghj5DHHS1pi38YAP+gCCJWAg==
-----END CERTIFICATE-----
";

    #[test]
    fn reads_dns_names_and_addresses() {
        let names = cert_names(PEM).unwrap();
        assert_eq!(
            names,
            [
                "kubernetes",
                "workshop.example.org",
                "10.96.0.1",
                "203.0.113.7",
                "::1"
            ]
        );
        for yes in ["203.0.113.7", "WORKSHOP.example.org", "[::1]", "0:0::1"] {
            assert!(covers(&names, yes), "{yes}");
        }
        for no in ["203.0.113.8", "example.org", "127.0.0.1"] {
            assert!(!covers(&names, no), "{no}");
        }
        assert!(cert_names("no pem here").is_err());
    }
}
