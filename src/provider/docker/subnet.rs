//! Which subnets the `minik` network asks the engine for: a free private IPv4 /16, and an IPv6
//! unique local /64 (RFC 4193) derived from the network's name, as kind derives its own, so
//! every machine picks the same one unless something already uses it.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The first private /16 (172.18–172.31, then 10.200–10.254) that overlaps none of `taken`.
pub fn choose_subnet(taken: &[String]) -> Option<String> {
    let taken: Vec<(u32, u32)> = taken.iter().filter_map(|s| parse_v4(s)).collect();
    let candidates = (18..=31u8)
        .map(|b| Ipv4Addr::new(172, b, 0, 0))
        .chain((200..=254u8).map(|b| Ipv4Addr::new(10, b, 0, 0)));
    for net in candidates {
        let c = (u32::from(net), 16);
        if !taken.iter().any(|t| overlaps_v4(*t, c)) {
            return Some(format!("{net}/16"));
        }
    }
    None
}

/// A `fdXX:XXXX:XXXX:XXXX::/64` for `name` that overlaps none of `taken`. `fd00::/16` is
/// skipped: kind's and minik's default pod and service ranges live there.
pub fn choose_ula(name: &str, taken: &[String]) -> Option<String> {
    let taken: Vec<(u128, u32)> = taken.iter().filter_map(|s| parse_v6(s)).collect();
    (0..16u8).find_map(|attempt| {
        let h = fnv1a(name.as_bytes(), attempt);
        // fd, then 56 bits of the hash: a 40-bit global ID and a 16-bit subnet ID.
        let prefix = (0xfdu128 << 120) | (u128::from(h >> 8) << 64);
        let c = (prefix, 64);
        let in_default_ranges = (prefix >> 112) == 0xfd00;
        (!in_default_ranges && !taken.iter().any(|t| overlaps_v6(*t, c)))
            .then(|| format!("{}/64", Ipv6Addr::from(prefix)))
    })
}

/// FNV-1a (64 bit) of `bytes` followed by `salt`: stable across releases and platforms.
fn fnv1a(bytes: &[u8], salt: u8) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes.iter().chain(std::iter::once(&salt)) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn parse_v4(cidr: &str) -> Option<(u32, u32)> {
    let (addr, len) = cidr.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    Some((u32::from(addr), len))
}

fn parse_v6(cidr: &str) -> Option<(u128, u32)> {
    let (addr, len) = cidr.split_once('/')?;
    let addr: Ipv6Addr = addr.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 128)?;
    Some((u128::from(addr), len))
}

fn overlaps_v4(a: (u32, u32), b: (u32, u32)) -> bool {
    let len = a.1.min(b.1);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    a.0 & mask == b.0 & mask
}

fn overlaps_v6(a: (u128, u32), b: (u128, u32)) -> bool {
    let len = a.1.min(b.1);
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    a.0 & mask == b.0 & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_first_free_subnet() {
        assert_eq!(choose_subnet(&[]).unwrap(), "172.18.0.0/16");
        let taken = vec!["172.17.0.0/16".to_string(), "172.18.5.0/24".to_string()];
        assert_eq!(choose_subnet(&taken).unwrap(), "172.19.0.0/16");
    }

    #[test]
    fn a_wide_network_blocks_every_subnet_inside_it() {
        let taken = vec!["172.16.0.0/12".to_string(), "fd00::/64".to_string()];
        assert_eq!(choose_subnet(&taken).unwrap(), "10.200.0.0/16");
    }

    #[test]
    fn overlap_is_symmetric() {
        let a = parse_v4("10.0.0.0/8").unwrap();
        let b = parse_v4("10.200.0.0/16").unwrap();
        assert!(overlaps_v4(a, b) && overlaps_v4(b, a));
        assert!(!overlaps_v4(parse_v4("192.168.1.0/24").unwrap(), b));
    }

    #[test]
    fn the_ula_is_a_stable_unique_local_64() {
        let ula = choose_ula("minik", &[]).unwrap();
        assert_eq!(
            ula,
            choose_ula("minik", &[]).unwrap(),
            "same name, same subnet"
        );
        assert!(ula.starts_with("fd") && ula.ends_with("::/64"), "{ula}");
        assert_ne!(ula, choose_ula("other", &[]).unwrap());
        let (addr, len) = parse_v6(&ula).unwrap();
        assert_eq!((addr >> 120, len), (0xfd, 64));
        assert_eq!(addr & u128::from(u64::MAX), 0, "host bits are zero: {ula}");
    }

    #[test]
    fn a_taken_ula_moves_to_the_next_one() {
        let first = choose_ula("minik", &[]).unwrap();
        let second = choose_ula("minik", std::slice::from_ref(&first)).unwrap();
        assert_ne!(first, second);
        // A wide IPv6 range holding every fd prefix leaves nothing to pick.
        assert_eq!(choose_ula("minik", &["fd00::/8".to_string()]), None);
        // IPv4 subnets never block an IPv6 one.
        assert_eq!(choose_ula("minik", &["10.0.0.0/8".into()]), Some(first));
    }
}
