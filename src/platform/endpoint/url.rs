//! Engine URLs: `unix://`, `npipe://`, `tcp://` (also `http(s)://`), `ssh://`.

use std::path::PathBuf;

use super::EndpointKind;
use crate::platform::context_store::TlsFiles;

/// Parses an engine URL.
pub(crate) fn parse_host(
    host: &str,
    tls: Option<TlsFiles>,
    skip_verify: bool,
) -> Result<EndpointKind, String> {
    let (scheme, rest) = match host.split_once("://") {
        Some(parts) => parts,
        // Lenient: a bare absolute path is a unix socket.
        None if host.starts_with('/') => ("unix", host),
        None => return Err("expected a URL such as unix:///path or tcp://host:port".into()),
    };
    match scheme.to_ascii_lowercase().as_str() {
        "unix" => {
            if rest.is_empty() {
                return Err("the socket path is empty".into());
            }
            Ok(EndpointKind::Unix {
                path: PathBuf::from(rest),
            })
        }
        "npipe" => Ok(EndpointKind::NamedPipe {
            path: rest.replace('/', "\\"),
        }),
        "tcp" | "http" | "https" => {
            let authority = rest.split('/').next().unwrap_or("");
            if authority.is_empty() {
                return Err("the host name is missing".into());
            }
            let tls = if scheme.eq_ignore_ascii_case("https") {
                Some(tls.unwrap_or_default())
            } else {
                tls
            };
            check_authority(authority)?;
            let has_port = match authority.rsplit_once(':') {
                Some((_, port)) => !port.contains(']'),
                None => false,
            };
            let host = if has_port {
                authority.to_string()
            } else {
                let port = if tls.is_some() { 2376 } else { 2375 };
                format!("{authority}:{port}")
            };
            Ok(EndpointKind::Tcp {
                host,
                tls,
                skip_verify,
            })
        }
        "ssh" => parse_ssh(rest),
        other => Err(format!("unsupported scheme \"{other}\"")),
    }
}

/// `[user@]host[:port]` of an `ssh://` URL. The user and host reach the `ssh` command line and,
/// through `%r`/`%h` in a user's ProxyCommand or `Match exec`, a shell (CVE-2023-51385 before
/// OpenSSH 9.6): only plain names pass, `[A-Za-z0-9._-]` not starting with `-`, or an IPv6
/// address in brackets (kept without them, as ssh takes it).
fn parse_ssh(rest: &str) -> Result<EndpointKind, String> {
    let authority = rest.split('/').next().unwrap_or("");
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = match hostport.strip_prefix('[') {
        Some(v6) => {
            let (addr, after) = v6
                .split_once(']')
                .ok_or("an IPv6 address in brackets is missing its ']'")?;
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!(
                    "{} is not an IPv6 address",
                    crate::text::quoted(addr)
                ));
            }
            match after {
                "" => (addr, None),
                a => (
                    addr,
                    Some(
                        a.strip_prefix(':')
                            .ok_or("expected :PORT after the IPv6 address")?,
                    ),
                ),
            }
        }
        None => {
            let (host, port) = match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            };
            plain_ssh_name(host, "host")?;
            (host, port)
        }
    };
    let port = match port {
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(format!("bad ssh port {}", crate::text::quoted(p))),
        },
        None => None,
    };
    if let Some(u) = user {
        plain_ssh_name(u, "user")?;
    }
    Ok(EndpointKind::Ssh {
        user: user.map(str::to_string),
        host: host.to_string(),
        port,
    })
}

fn plain_ssh_name(name: &str, what: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("the ssh {what} is missing"));
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.starts_with('-') || !name.chars().all(plain) {
        return Err(format!(
            "the ssh {what} {} may hold only letters, digits, '.', '_' and '-', and may not \
             start with '-'",
            crate::text::quoted(name)
        ));
    }
    Ok(())
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`, with a port from 1 to 65535.
fn check_authority(authority: &str) -> Result<(), String> {
    let port = if let Some(v6) = authority.strip_prefix('[') {
        let Some((addr, rest)) = v6.split_once(']') else {
            return Err("an IPv6 address in brackets is missing its ']'".into());
        };
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!(
                "{} is not an IPv6 address",
                crate::text::quoted(addr)
            ));
        }
        match rest {
            "" => None,
            r => match r.strip_prefix(':') {
                Some(p) => Some(p),
                None => return Err("expected :PORT after the IPv6 address".into()),
            },
        }
    } else {
        match authority.split_once(':') {
            Some((_, p)) if p.contains(':') => {
                return Err("put an IPv6 address in brackets: tcp://[::1]:2375".into())
            }
            Some(("", _)) => return Err("the host name is missing".into()),
            Some((_, p)) => Some(p),
            None => None,
        }
    };
    match port {
        Some(p) if !matches!(p.parse::<u16>(), Ok(n) if n > 0) => Err(format!(
            "port {} is not a number from 1 to 65535",
            crate::text::quoted(p)
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::endpoint::{Endpoint, EndpointSource};

    #[test]
    fn parses_the_usual_urls() {
        assert_eq!(
            parse_host("unix:///var/run/docker.sock", None, false),
            Ok(EndpointKind::Unix {
                path: "/var/run/docker.sock".into()
            })
        );
        assert_eq!(
            parse_host("npipe:////./pipe/docker_engine", None, false),
            Ok(EndpointKind::NamedPipe {
                path: r"\\.\pipe\docker_engine".into()
            })
        );
        assert_eq!(
            parse_host("tcp://10.0.0.5", None, false),
            Ok(EndpointKind::Tcp {
                host: "10.0.0.5:2375".into(),
                tls: None,
                skip_verify: false
            })
        );
        assert_eq!(
            parse_host("ssh://ana@build.lan:2222", None, false),
            Ok(EndpointKind::Ssh {
                user: Some("ana".into()),
                host: "build.lan".into(),
                port: Some(2222)
            })
        );
        assert!(parse_host("ftp://x", None, false).is_err());
        assert_eq!(
            parse_host("ssh://[fd00::5]:22", None, false),
            Ok(EndpointKind::Ssh {
                user: None,
                host: "fd00::5".into(),
                port: Some(22)
            })
        );
        for bad in [
            "tcp://h:99999",
            "tcp://[::1",
            "tcp://h:",
            "tcp://::1:2375",
            "tcp://[x]:1",
        ] {
            assert!(parse_host(bad, None, false).is_err(), "{bad}");
        }
        assert!(parse_host("tcp://[::1]:2375", None, false).is_ok());
        assert!(parse_host("localhost:2375", None, false).is_err());
    }

    #[test]
    fn ssh_users_and_hosts_are_plain_names() {
        for ok in [
            "ssh://box",
            "ssh://ana.b_c-d@build-1.lan:2222",
            "ssh://root@[::1]",
            "ssh://[2001:db8::1]:22/",
        ] {
            assert!(parse_host(ok, None, false).is_ok(), "{ok}");
        }
        for bad in [
            "ssh://-oProxyCommand=touch${IFS}x",
            "ssh://root@-oProxyCommand=x",
            "ssh://-l@box",
            "ssh://a$(id)@box",
            "ssh://root@box%h",
            "ssh://root@b;ox",
            "ssh://ro ot@box",
            "ssh://root@box\u{1b}[2J",
            "ssh://root@'box'",
            "ssh://@box",
            "ssh://root@",
            "ssh://root@[box]",
            "ssh://root@[::1",
            "ssh://box:0",
            "ssh://box:x",
        ] {
            let err = parse_host(bad, None, false).expect_err(bad);
            assert!(!err.contains('\u{1b}'), "{err}");
        }
    }

    #[test]
    fn tls_changes_the_default_port() {
        let kind = parse_host("tcp://docker.lan", Some(TlsFiles::default()), false);
        assert!(matches!(kind, Ok(EndpointKind::Tcp { host, .. }) if host == "docker.lan:2376"));
    }

    #[test]
    fn locality() {
        let ep = |h: &str| Endpoint {
            source: EndpointSource::DockerHostEnv,
            host: h.into(),
            kind: parse_host(h, None, false).unwrap_or(EndpointKind::NamedPipe {
                path: String::new(),
            }),
        };
        assert!(ep("tcp://127.0.0.1:2375").is_local());
        assert!(ep("tcp://localhost").is_local());
        assert!(!ep("tcp://10.1.2.3:2376").is_local());
        assert!(ep("unix:///run/user/1000/docker.sock").is_local());
    }
}
