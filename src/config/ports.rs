//! Is a configured host port free? Kept apart from the other checks because it probes the machine:
//! callers pass the probe, so tests can say which ports are taken.

use std::net::{IpAddr, TcpListener, UdpSocket};

use super::error::ConfigErrors;
use super::source::SourceMap;
use super::{ClusterConfig, Protocol};

/// Reports every fixed host port (extraPortMappings and apiServerPort) that `port_in_use` says is
/// taken. Port 0 (minik picks) and unparsable addresses (reported by `validate`) are skipped.
pub(crate) fn check_host_ports(
    config: &ClusterConfig,
    src: &SourceMap,
    port_in_use: &dyn Fn(IpAddr, u16, Protocol) -> bool,
) -> Result<(), ConfigErrors> {
    let mut errors = ConfigErrors::default();
    let net = &config.networking;
    if net.api_server_port != 0 {
        if let Ok(addr) = net.api_server_address.parse::<IpAddr>() {
            if port_in_use(addr, net.api_server_port, Protocol::Tcp) {
                errors.push(src.error(
                    "networking.apiServerPort",
                    format!("apiServerPort {} on {addr} is already in use on this machine", net.api_server_port),
                    "leave apiServerPort out (or 0) to let minik pick a free port, or stop what listens there",
                ));
            }
        }
    }
    for (i, node) in config.nodes.iter().enumerate() {
        for (j, m) in node.extra_port_mappings.iter().enumerate() {
            let Ok(addr) = m.listen_address.parse::<IpAddr>() else {
                continue;
            };
            if m.host_port == 0 || !port_in_use(addr, m.host_port, m.protocol) {
                continue;
            }
            let proto = m.protocol.as_str().to_uppercase();
            errors.push(src.error(
                &format!("nodes[{i}].extraPortMappings[{j}].hostPort"),
                format!("hostPort {}/{proto} on {addr} is already in use on this machine", m.host_port),
                "stop what listens there (see `ss -lntup`), pick another hostPort, or use 0 to let minik choose",
            ));
        }
    }
    errors.into_result()
}

/// Tries to bind the port; only "address in use" counts as taken (a port below 1024 that an
/// unprivileged user may not bind is the engine's business). SCTP can't be probed portably and
/// is reported free.
pub(crate) fn host_port_in_use(addr: IpAddr, port: u16, protocol: Protocol) -> bool {
    let result = match protocol {
        Protocol::Tcp => TcpListener::bind((addr, port)).map(drop),
        Protocol::Udp => UdpSocket::bind((addr, port)).map(drop),
        Protocol::Sctp => Ok(()),
    };
    matches!(result, Err(e) if e.kind() == std::io::ErrorKind::AddrInUse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{PortMapping, Role};

    #[test]
    fn reports_taken_ports_only() {
        let mut cfg = ClusterConfig::default();
        cfg.networking.api_server_port = 6443;
        cfg.nodes[0].extra_port_mappings = [80, 0, 443]
            .into_iter()
            .map(|p| PortMapping {
                container_port: 80,
                host_port: p,
                listen_address: "0.0.0.0".into(),
                protocol: Protocol::Tcp,
            })
            .collect();
        assert_eq!(cfg.nodes[0].role, Role::ControlPlane);
        let src = SourceMap::new("c.yaml");
        let taken = |_: IpAddr, port: u16, _: Protocol| port == 443 || port == 6443;
        let errs = check_host_ports(&cfg, &src, &taken).unwrap_err();
        let msgs: Vec<_> = errs.iter().map(|e| e.message.clone()).collect();
        assert_eq!(
            msgs,
            [
                "apiServerPort 6443 on 127.0.0.1 is already in use on this machine",
                "hostPort 443/TCP on 0.0.0.0 is already in use on this machine",
            ]
        );
        assert!(check_host_ports(&cfg, &src, &|_, _, _| false).is_ok());
    }

    #[test]
    fn probes_a_really_bound_port() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(host_port_in_use(lo, port, Protocol::Tcp));
        drop(listener);
        assert!(!host_port_in_use(lo, port, Protocol::Tcp));
    }
}
