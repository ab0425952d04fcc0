//! The shared `minik` bridge network.

use crate::provider::EngineCall;
use std::collections::HashMap;
use std::net::Ipv4Addr;

use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::{InspectNetworkOptions, ListNetworksOptions};

use super::{api_error, describe, status_code, DockerProvider};
use crate::provider::{NetworkInfo, ProviderError, Result, LABEL_NETWORK};

const MTU_OPTION: &str = "com.docker.network.driver.mtu";

pub(super) async fn ensure(p: &DockerProvider, name: &str) -> Result<NetworkInfo> {
    if let Some(info) = inspect(p, name).await? {
        return Ok(info);
    }
    let docker = p.client();
    let existing = docker
        .list_networks(None::<ListNetworksOptions>)
        .await
        .map_err(|e| api_error(EngineCall::NetworkList, name, e))?;
    let mut taken: Vec<String> = existing
        .iter()
        .flat_map(|n| n.ipam.iter().flat_map(|i| i.config.iter().flatten()))
        .filter_map(|c| c.subnet.clone())
        .collect();
    // Follow the default bridge's MTU: it is what the host's uplink allows (VPNs, cloud VMs).
    let mtu = inspect(p, "bridge")
        .await
        .ok()
        .flatten()
        .and_then(|b| b.mtu);
    for _attempt in 0..4 {
        let Some(subnet) = choose_subnet(&taken) else {
            break;
        };
        let mut options = HashMap::from([(
            "com.docker.network.bridge.enable_ip_masquerade".to_string(),
            "true".to_string(),
        )]);
        if let Some(m) = mtu {
            options.insert(MTU_OPTION.into(), m.to_string());
        }
        let req = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".into()),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some(subnet.clone()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            options: Some(options),
            labels: Some(HashMap::from([(
                LABEL_NETWORK.to_string(),
                "true".to_string(),
            )])),
            ..Default::default()
        };
        match docker.create_network(req).await {
            Ok(_) => break,
            // Another minik created it at the same moment: use theirs.
            Err(e) if status_code(&e) == Some(409) => break,
            // The subnet is used by something the engine knows and we did not see: next one.
            Err(e) if describe(&e).contains("overlap") => taken.push(subnet),
            Err(e) => return Err(api_error(EngineCall::NetworkCreate, name, e)),
        }
    }
    inspect(p, name).await?.ok_or_else(|| ProviderError::Api {
        call: EngineCall::NetworkCreate,
        target: name.to_string(),
        message: "no free private subnet found; set default-address-pools in daemon.json".into(),
    })
}

pub(super) async fn bridge_mtu(p: &DockerProvider) -> Result<Option<u32>> {
    Ok(inspect(p, "bridge").await?.and_then(|b| b.mtu))
}

pub(super) async fn inspect(p: &DockerProvider, name: &str) -> Result<Option<NetworkInfo>> {
    match p
        .client()
        .inspect_network(name, None::<InspectNetworkOptions>)
        .await
    {
        // Docker matches network names by prefix and ID too: insist on the exact name.
        Ok(n) if n.name.as_deref() == Some(name) => Ok(Some(NetworkInfo {
            name: name.to_string(),
            subnets: n
                .ipam
                .iter()
                .flat_map(|i| i.config.iter().flatten())
                .filter_map(|c| c.subnet.clone())
                .collect(),
            mtu: n
                .options
                .as_ref()
                .and_then(|o| o.get(MTU_OPTION))
                .and_then(|m| m.parse().ok()),
        })),
        Ok(_) => Ok(None),
        Err(e) if status_code(&e) == Some(404) => Ok(None),
        Err(e) => Err(api_error(EngineCall::NetworkInspect, name, e)),
    }
}

/// The first private /16 (172.18–172.31, then 10.200–10.254) that overlaps none of `taken`.
pub fn choose_subnet(taken: &[String]) -> Option<String> {
    let taken: Vec<(u32, u32)> = taken.iter().filter_map(|s| parse_v4(s)).collect();
    let candidates = (18..=31u8)
        .map(|b| Ipv4Addr::new(172, b, 0, 0))
        .chain((200..=254u8).map(|b| Ipv4Addr::new(10, b, 0, 0)));
    for net in candidates {
        let c = (u32::from(net), 16);
        if !taken.iter().any(|t| overlaps(*t, c)) {
            return Some(format!("{net}/16"));
        }
    }
    None
}

fn parse_v4(cidr: &str) -> Option<(u32, u32)> {
    let (addr, len) = cidr.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    Some((u32::from(addr), len))
}

fn overlaps(a: (u32, u32), b: (u32, u32)) -> bool {
    let len = a.1.min(b.1);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
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
        assert!(overlaps(a, b) && overlaps(b, a));
        assert!(!overlaps(parse_v4("192.168.1.0/24").unwrap(), b));
    }
}
