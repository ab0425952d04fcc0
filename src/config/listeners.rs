//! Who listens on a TCP port when this user may not bind it: a normal user's bind below 1024 fails
//! with "permission denied" whether or not the port is taken (Linux's ip_unprivileged_port_start,
//! macOS for any address but the wildcard), which would hide "in use". Linux lists every
//! listener in /proc/net/tcp{,6}; elsewhere a connect() answers (refused: nothing listens).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// What probing one host port found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortState {
    Free,
    InUse,
    /// This user may not bind it, and nothing told whether something listens (a firewall
    /// dropped the connect).
    Unknown,
}

/// How long a connect() to a local port may take: a listener answers at once.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);

/// After a bind was refused for permission: /proc/net/tcp{,6} where there is one, else connect.
pub(crate) fn listener_state(addr: IpAddr, port: u16) -> PortState {
    let tables: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    if !tables.is_empty() {
        let found = tables.iter().flat_map(|t| listeners(t)).collect::<Vec<_>>();
        return match conflicts(&found, addr, port) {
            true => PortState::InUse,
            false => PortState::Free,
        };
    }
    connect_state(addr, port)
}

/// A connect() to the address (the loopback one for a wildcard): accepted means a listener.
fn connect_state(addr: IpAddr, port: u16) -> PortState {
    let target = match addr {
        IpAddr::V4(a) if a.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(a) if a.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        a => a,
    };
    match TcpStream::connect_timeout(&SocketAddr::new(target, port), CONNECT_TIMEOUT) {
        Ok(_) => PortState::InUse,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => PortState::Free,
        Err(_) => PortState::Unknown,
    }
}

/// The listening sockets (state 0A) of a /proc/net/tcp or tcp6 table. Addresses are hex words
/// in the host's byte order, ports hex numbers (see proc_net_tcp.txt in the kernel's docs).
pub(crate) fn listeners(table: &str) -> Vec<(IpAddr, u16)> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split_whitespace().skip(1);
            let local = fields.next()?;
            let state = fields.nth(1)?;
            if state != "0A" {
                return None;
            }
            let (addr, port) = local.split_once(':')?;
            Some((hex_addr(addr)?, u16::from_str_radix(port, 16).ok()?))
        })
        .collect()
}

fn hex_addr(hex: &str) -> Option<IpAddr> {
    let word = |i: usize| -> Option<[u8; 4]> {
        let w = hex.get(i * 8..i * 8 + 8)?;
        Some(u32::from_str_radix(w, 16).ok()?.to_ne_bytes())
    };
    match hex.len() {
        8 => Some(IpAddr::from(word(0)?)),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            Some(IpAddr::from(b))
        }
        _ => None,
    }
}

/// Whether binding `addr:port` would collide with one of the listeners: the same port on the
/// same address, or either side the wildcard (Linux's IPv6 wildcard also takes IPv4 by default).
pub(crate) fn conflicts(listeners: &[(IpAddr, u16)], addr: IpAddr, port: u16) -> bool {
    let plain = |a: IpAddr| match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        a => a,
    };
    listeners.iter().any(|&(l, p)| {
        p == port && (l.is_unspecified() || addr.is_unspecified() || plain(l) == plain(addr))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lines as a little-endian Linux prints them: nginx on 127.0.0.1:80, sshd on [::]:22, and
    // an established connection that is not a listener.
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000  1000        0 2 1
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000
";

    #[cfg(target_endian = "little")]
    #[test]
    fn reads_listeners_only() {
        let l = listeners(TCP);
        assert_eq!(l, [("127.0.0.1".parse().unwrap(), 80)]);
        let l6 = listeners(TCP6);
        assert_eq!(l6, [("::".parse().unwrap(), 22)]);
        assert!(listeners("header\n garbage 0A\n 0: zz:zz 0:0 0A\n").is_empty());
    }

    #[test]
    fn a_wildcard_on_either_side_collides() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let on_lo = [(lo, 80)];
        assert!(conflicts(&on_lo, lo, 80));
        assert!(conflicts(&on_lo, any, 80));
        assert!(!conflicts(&on_lo, other, 80));
        assert!(!conflicts(&on_lo, lo, 443));
        assert!(conflicts(&[("::".parse().unwrap(), 443)], lo, 443));
        assert!(conflicts(
            &[("::ffff:127.0.0.1".parse().unwrap(), 8)],
            lo,
            8
        ));
    }

    #[test]
    fn connect_tells_a_listener_from_a_closed_port() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        assert_eq!(connect_state(any, port), PortState::InUse);
        drop(listener);
        assert_eq!(connect_state(any, port), PortState::Free);
    }
}
