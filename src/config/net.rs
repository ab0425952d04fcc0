//! CIDR parsing and overlap checks for pod and service subnets.

use std::fmt;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub(crate) addr: IpAddr,
    pub(crate) prefix: u8,
}

impl Cidr {
    pub(super) fn parse(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let Some((addr, prefix)) = text.split_once('/') else {
            return Err("a CIDR needs a prefix length after a slash".into());
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("\"{addr}\" is not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = match prefix.parse() {
            Ok(p) if p <= max => p,
            _ => {
                return Err(format!(
                    "prefix length \"{prefix}\" must be a number from 0 to {max}"
                ))
            }
        };
        Ok(Cidr { addr, prefix })
    }

    pub(super) fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// The address as a 128-bit number (IPv4 in the low bits) and the address width.
    fn bits(&self) -> (u128, u32) {
        match self.addr {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) => (u128::from(a), 128),
        }
    }

    fn network(&self, prefix: u8) -> u128 {
        let (value, width) = self.bits();
        let host_bits = width - u32::from(prefix);
        if host_bits >= 128 {
            0
        } else {
            value >> host_bits
        }
    }

    /// True when the two ranges share any address.
    pub(super) fn overlaps(&self, other: &Cidr) -> bool {
        if self.is_ipv4() != other.is_ipv4() {
            return false;
        }
        let shorter = self.prefix.min(other.prefix);
        self.network(shorter) == other.network(shorter)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A subnet setting: one CIDR, or for dual stack two separated by a comma.
pub(crate) fn parse_list(text: &str) -> Result<Vec<Cidr>, String> {
    text.split(',').map(Cidr::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        Cidr::parse(s).unwrap()
    }

    #[test]
    fn parses_both_families() {
        assert_eq!(c("10.244.0.0/16").prefix, 16);
        assert!(!c("fd00:10:244::/56").is_ipv4());
        assert!(Cidr::parse("10.244.0.0").is_err());
        assert!(Cidr::parse("10.244.0.0/33").is_err());
        assert!(Cidr::parse("10.300.0.0/16").is_err());
        assert!(Cidr::parse("fd00::/129").is_err());
        assert_eq!(
            parse_list("10.244.0.0/16,fd00:10:244::/56").unwrap().len(),
            2
        );
    }

    #[test]
    fn detects_overlap() {
        assert!(c("10.96.0.0/12").overlaps(&c("10.100.0.0/16")));
        assert!(c("10.100.0.0/16").overlaps(&c("10.96.0.0/12")));
        assert!(!c("10.244.0.0/16").overlaps(&c("10.96.0.0/16")));
        assert!(c("0.0.0.0/0").overlaps(&c("192.168.1.0/24")));
        assert!(c("fd00:10:96::/112").overlaps(&c("fd00:10:96::/64")));
        assert!(!c("fd00:10:244::/56").overlaps(&c("fd00:10:96::/112")));
        assert!(c("::/0").overlaps(&c("fd00::/8")));
        assert!(!c("10.0.0.0/8").overlaps(&c("fd00::/8")));
    }
}
