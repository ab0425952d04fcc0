//! Step: the `minik` network, checked against the cluster's address families before any
//! container is made. An IPv6 or dual-stack cluster needs IPv6 node addresses, which only a
//! dual-stack network gives (kubeadm would otherwise advertise an IPv4 address beside IPv6
//! service ranges, which the API server refuses).

use crate::cluster::ClusterError;
use crate::config::{ClusterConfig, IpFamily};
use crate::provider::{NetworkInfo, Provider, NETWORK_NAME};

pub(super) async fn run(
    provider: &dyn Provider,
    config: &ClusterConfig,
) -> Result<(), ClusterError> {
    let info = provider.ensure_network(NETWORK_NAME).await?;
    check_family(&info, config.networking.ip_family)
}

/// Whether a cluster of `family` can have its nodes on the network `info` describes.
pub(crate) fn check_family(info: &NetworkInfo, family: IpFamily) -> Result<(), ClusterError> {
    let family = match family {
        IpFamily::Ipv4 => return Ok(()),
        _ if info.has_ipv6() => return Ok(()),
        IpFamily::Ipv6 => "ipv6",
        IpFamily::Dual => "dual",
    };
    if !info.holders.is_empty() {
        return Err(ClusterError::NetworkIpv4Only {
            family,
            network: info.name.clone(),
            holders: info.holders.clone(),
        });
    }
    Err(ClusterError::EngineWithoutIpv6 {
        family,
        network: info.name.clone(),
        reason: info
            .ipv6_unavailable
            .clone()
            .unwrap_or_else(|| "the engine made it without an IPv6 subnet".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(subnets: &[&str], holders: &[&str], why: Option<&str>) -> NetworkInfo {
        NetworkInfo {
            name: "minik".into(),
            subnets: subnets.iter().map(|s| s.to_string()).collect(),
            mtu: None,
            ipv6_unavailable: why.map(str::to_string),
            holders: holders.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_dual_stack_network_takes_every_family() {
        let dual = network(&["172.18.0.0/16", "fd3b:1f2e:9a40:77c1::/64"], &[], None);
        for family in [IpFamily::Ipv4, IpFamily::Ipv6, IpFamily::Dual] {
            assert!(check_family(&dual, family).is_ok(), "{family:?}");
        }
    }

    #[test]
    fn an_ipv4_only_network_takes_ipv4_clusters_only() {
        let v4 = network(&["172.18.0.0/16"], &["old-control-plane"], None);
        assert!(check_family(&v4, IpFamily::Ipv4).is_ok());
        let e = check_family(&v4, IpFamily::Dual).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("IPv4-only") && text.contains("old-control-plane"),
            "{text}"
        );
        let hint = crate::hint::Hint::hint(&e).unwrap();
        assert!(
            hint.contains("minik delete --name") && hint.contains("docker network disconnect"),
            "{hint}"
        );
    }

    #[test]
    fn an_engine_without_ipv6_is_named_with_its_reason_and_the_fixes() {
        let why = "Error response from daemon: Cannot read IPv6 setup for bridge";
        let v4 = network(&["172.18.0.0/16"], &[], Some(why));
        let e = check_family(&v4, IpFamily::Ipv6).unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
        assert!(
            !e.is_bad_input(),
            "the config is fine; the engine lacks IPv6"
        );
        let hint = crate::hint::Hint::hint(&e).unwrap();
        for platform in ["Linux", "Docker Desktop", "Colima"] {
            assert!(hint.contains(platform), "{hint}");
        }
    }
}
