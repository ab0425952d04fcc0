//! Where a cluster's API server is reachable when the engine runs on another machine (an
//! `ssh://` or `tcp://` engine): on 127.0.0.1 of that machine nobody here can reach it, so minik
//! refuses it, and an API published on all addresses (0.0.0.0) is reached by the engine host's
//! name, which the API server's certificate must then name too. Pure: callers pass the engine
//! host (`None` when the engine is on this machine).

use std::net::IpAddr;

/// `0.0.0.0` or `::` (or empty, which the engine reads as 0.0.0.0): every address of the host.
pub(crate) fn is_unspecified(address: &str) -> bool {
    address.is_empty() || address.parse::<IpAddr>().is_ok_and(|a| a.is_unspecified())
}

/// `127.0.0.0/8` or `::1`.
pub(crate) fn is_loopback(address: &str) -> bool {
    address.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
}

/// Is `host` (a name or address, as the user wrote it or as ssh resolved it) this machine?
pub(crate) fn is_local_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || is_loopback(host.trim_matches(['[', ']']))
}

/// The engine host of a `tcp://` engine (`host:port`, `[v6]:port`), unless it is this machine.
pub(crate) fn tcp_engine_host(authority: &str) -> Option<String> {
    let name = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    (!name.is_empty() && !is_local_host(name)).then(|| name.to_string())
}

/// The API server would be published where nobody here can reach it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the engine runs on {engine_host}, so an API server on its {address} would be unreachable \
     from here"
)]
pub struct UnreachableApi {
    pub(crate) engine_host: String,
    pub(crate) address: String,
}

impl UnreachableApi {
    pub(crate) fn hint(&self) -> String {
        format!(
            "publish it where you can reach it: --api-address 0.0.0.0 (every address of \
             {}; the kubeconfig then uses that name) or --api-address <an IP of that host> \
             (networking.apiServerAddress in a config file)",
            self.engine_host
        )
    }
}

/// Refuses a loopback API address on a remote engine's host.
pub(crate) fn check_api_address(
    address: &str,
    engine_host: Option<&str>,
) -> Result<(), UnreachableApi> {
    match engine_host {
        Some(host) if is_loopback(address) => Err(UnreachableApi {
            engine_host: host.to_string(),
            address: address.to_string(),
        }),
        _ => Ok(()),
    }
}

/// The host a kubeconfig on this machine uses for an API published on `listen_address`: the
/// address itself, or for "every address" the engine host (this machine: its loopback address
/// of the same family).
pub(crate) fn kubeconfig_host(listen_address: &str, engine_host: Option<&str>) -> String {
    if !is_unspecified(listen_address) {
        return listen_address.to_string();
    }
    match engine_host {
        Some(host) => host.to_string(),
        None if listen_address.contains(':') => "::1".to_string(),
        None => "127.0.0.1".to_string(),
    }
}

/// Names the API server's certificate needs beyond the published address: the engine host, when
/// the kubeconfig reaches the API by that name.
pub(crate) fn extra_cert_sans(address: &str, engine_host: Option<&str>) -> Vec<String> {
    match engine_host {
        Some(host) if is_unspecified(address) => vec![host.trim_matches(['[', ']']).to_string()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_loopback_on_a_remote_host_only() {
        let remote = Some("workshop.example.org");
        let e = check_api_address("127.0.0.1", remote).unwrap_err();
        assert!(e.to_string().contains("workshop.example.org"), "{e}");
        assert!(e.hint().contains("--api-address 0.0.0.0"), "{}", e.hint());
        assert!(check_api_address("::1", remote).is_err());
        for ok in ["0.0.0.0", "::", "203.0.113.7"] {
            assert_eq!(check_api_address(ok, remote), Ok(()), "{ok}");
        }
        // On this machine's engine, loopback is the safe default.
        assert_eq!(check_api_address("127.0.0.1", None), Ok(()));
    }

    #[test]
    fn kubeconfig_uses_the_address_or_the_engine_host() {
        let remote = Some("10.1.2.3");
        assert_eq!(kubeconfig_host("0.0.0.0", remote), "10.1.2.3");
        assert_eq!(kubeconfig_host("", remote), "10.1.2.3");
        assert_eq!(kubeconfig_host("::", Some("box.lan")), "box.lan");
        assert_eq!(kubeconfig_host("203.0.113.7", remote), "203.0.113.7");
        assert_eq!(kubeconfig_host("0.0.0.0", None), "127.0.0.1");
        assert_eq!(kubeconfig_host("::", None), "::1");
        assert_eq!(kubeconfig_host("127.0.0.1", None), "127.0.0.1");
    }

    #[test]
    fn certificate_names_the_engine_host_when_published_everywhere() {
        assert_eq!(
            extra_cert_sans("0.0.0.0", Some("box.lan")),
            vec!["box.lan".to_string()]
        );
        assert_eq!(
            extra_cert_sans("::", Some("[2001:db8::1]")),
            vec!["2001:db8::1".to_string()]
        );
        assert!(extra_cert_sans("203.0.113.7", Some("box.lan")).is_empty());
        assert!(extra_cert_sans("0.0.0.0", None).is_empty());
    }

    #[test]
    fn tcp_engines_name_their_host() {
        let cases = [
            ("big.example.org:2376", Some("big.example.org")),
            ("[2001:db8::1]:2376", Some("2001:db8::1")),
            ("127.0.0.1:2375", None),
            ("localhost:2376", None),
            ("[::1]:2376", None),
        ];
        for (authority, want) in cases {
            assert_eq!(tcp_engine_host(authority).as_deref(), want, "{authority}");
        }
    }

    #[test]
    fn knows_this_machine() {
        for local in ["localhost", "127.0.0.1", "::1", "[::1]", "127.0.1.1"] {
            assert!(is_local_host(local), "{local}");
        }
        for remote in ["box.lan", "10.0.0.1", "::2"] {
            assert!(!is_local_host(remote), "{remote}");
        }
    }
}
