//! Which of a node's addresses Kubernetes is told about, by the cluster's IP family (kind's
//! rule): one address per family the cluster uses, the family of the first service subnet
//! first. The first becomes kubeadm's advertise address, and the API server refuses an
//! advertise address whose family differs from its primary service range (kubernetes#106721);
//! the kubelet's `--node-ip` takes at most one address per family, in the same order.

use crate::config::IpFamily;

/// The node's addresses for `--node-ip` and kubeadm, or the family it lacks.
pub(crate) fn for_family(
    family: IpFamily,
    ipv4: Option<String>,
    ipv6: Option<String>,
    service_subnet: &str,
) -> Result<Vec<String>, &'static str> {
    let need = |ip: Option<String>, what: &'static str| ip.filter(|s| !s.is_empty()).ok_or(what);
    match family {
        IpFamily::Ipv4 => Ok(vec![need(ipv4, "IPv4")?]),
        IpFamily::Ipv6 => Ok(vec![need(ipv6, "IPv6")?]),
        IpFamily::Dual => {
            let (v4, v6) = (need(ipv4, "IPv4")?, need(ipv6, "IPv6")?);
            let first = service_subnet.split(',').next().unwrap_or("").trim();
            Ok(if first.contains(':') {
                vec![v6, v4]
            } else {
                vec![v4, v6]
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4() -> Option<String> {
        Some("172.18.0.2".into())
    }
    fn v6() -> Option<String> {
        Some("fd9e:7a3c:21b5:4d10::2".into())
    }

    #[test]
    fn dual_stack_puts_the_first_service_family_first() {
        let dual = |subnets| for_family(IpFamily::Dual, v4(), v6(), subnets).unwrap();
        assert_eq!(
            dual("10.96.0.0/16,fd00:10:96::/112"),
            ["172.18.0.2", "fd9e:7a3c:21b5:4d10::2"]
        );
        assert_eq!(
            dual("fd00:10:96::/112, 10.96.0.0/16"),
            ["fd9e:7a3c:21b5:4d10::2", "172.18.0.2"]
        );
    }

    #[test]
    fn single_stack_uses_its_family_only_even_on_a_dual_stack_network() {
        let ipv4 = for_family(IpFamily::Ipv4, v4(), v6(), "10.96.0.0/16");
        assert_eq!(ipv4.unwrap(), ["172.18.0.2"]);
        let ipv6 = for_family(IpFamily::Ipv6, v4(), v6(), "fd00:10:96::/112");
        assert_eq!(ipv6.unwrap(), ["fd9e:7a3c:21b5:4d10::2"]);
    }

    #[test]
    fn a_missing_family_is_named() {
        let no_v6 = for_family(IpFamily::Ipv6, v4(), None, "fd00:10:96::/112");
        assert_eq!(no_v6, Err("IPv6"));
        let empty_v6 = for_family(IpFamily::Dual, v4(), Some(String::new()), "10.96.0.0/16");
        assert_eq!(empty_v6, Err("IPv6"));
        assert_eq!(
            for_family(IpFamily::Ipv4, None, v6(), "10.96.0.0/16"),
            Err("IPv4")
        );
    }
}
