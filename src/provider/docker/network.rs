//! The shared `minik` bridge network: dual-stack (a private IPv4 /16 and an IPv6 unique local
//! /64) as kind makes its own, IPv4-only only when the engine cannot do IPv6. An IPv4-only
//! network left by an older minik is recreated dual-stack once no container is on it.

use crate::provider::EngineCall;
use std::collections::HashMap;

use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::{
    InspectNetworkOptions, ListContainersOptions, ListNetworksOptions,
};

use super::subnet::{choose_subnet, choose_ula};
use super::{api_error, describe, status_code, DockerProvider};
use crate::provider::{NetworkInfo, ProviderError, Result, LABEL_NETWORK};

const MTU_OPTION: &str = "com.docker.network.driver.mtu";

pub(super) async fn ensure(p: &DockerProvider, name: &str) -> Result<NetworkInfo> {
    let mut keep_v4 = None;
    if let Some(info) = inspect(p, name).await? {
        if info.has_ipv6() {
            return Ok(info);
        }
        let mut holders = holders(p, name).await?;
        if holders.is_empty() && !remove_unused(p, name).await? {
            // A container joined between the listing and the removal.
            holders = self::holders(p, name).await?;
        }
        if !holders.is_empty() {
            return Ok(NetworkInfo { holders, ..info });
        }
        // Same IPv4 range as before: addresses recorded by stopped clusters stay valid.
        keep_v4 = info.subnets.into_iter().find(|s| !s.contains(':'));
    }
    create(p, name, keep_v4).await
}

async fn create(
    p: &DockerProvider,
    name: &str,
    mut keep_v4: Option<String>,
) -> Result<NetworkInfo> {
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
    let mut ipv6_unavailable = None;
    for _attempt in 0..6 {
        let Some(v4) = keep_v4.clone().or_else(|| choose_subnet(&taken)) else {
            break;
        };
        let v6 = match ipv6_unavailable {
            None => choose_ula(name, &taken),
            Some(_) => None,
        };
        match docker
            .create_network(request(name, &v4, v6.as_deref(), mtu))
            .await
        {
            // Engines before API 1.44 allow a second network of the same name: keep one.
            Ok(_) => {
                dedupe(p, name).await?;
                break;
            }
            // Another minik created it at the same moment: use theirs.
            Err(e) if status_code(&e) == Some(409) => break,
            // A subnet is used by something the engine knows and we did not see: next one.
            Err(e) if describe(&e).contains("overlap") => {
                keep_v4 = None;
                taken.extend([Some(v4), v6].into_iter().flatten());
            }
            // The engine cannot do IPv6 (disabled in the kernel, Docker Desktop without it):
            // an IPv4-only network, remembering why, so IPv6 clusters are refused with it.
            Err(e) if v6.is_some() => ipv6_unavailable = Some(describe(&e)),
            Err(e) => return Err(api_error(EngineCall::NetworkCreate, name, e)),
        }
    }
    let info = inspect(p, name).await?.ok_or_else(|| ProviderError::Api {
        call: EngineCall::NetworkCreate,
        target: name.to_string(),
        message: "no free private subnet found; set default-address-pools in daemon.json".into(),
    })?;
    Ok(NetworkInfo {
        ipv6_unavailable: ipv6_unavailable.filter(|_| !info.has_ipv6()),
        ..info
    })
}

fn request(name: &str, v4: &str, v6: Option<&str>, mtu: Option<u32>) -> NetworkCreateRequest {
    let mut options = HashMap::from([(
        "com.docker.network.bridge.enable_ip_masquerade".to_string(),
        "true".to_string(),
    )]);
    if let Some(m) = mtu {
        options.insert(MTU_OPTION.into(), m.to_string());
    }
    let subnet = |s: &str| IpamConfig {
        subnet: Some(s.to_string()),
        ..Default::default()
    };
    let config = std::iter::once(subnet(v4)).chain(v6.map(subnet)).collect();
    NetworkCreateRequest {
        name: name.to_string(),
        driver: Some("bridge".into()),
        enable_ipv6: v6.map(|_| true),
        ipam: Some(Ipam {
            config: Some(config),
            ..Default::default()
        }),
        options: Some(options),
        labels: Some(HashMap::from([(
            LABEL_NETWORK.to_string(),
            "true".to_string(),
        )])),
        ..Default::default()
    }
}

/// Every container attached to the network, running or stopped: a stopped node still names
/// it and could not start again if it were removed.
async fn holders(p: &DockerProvider, name: &str) -> Result<Vec<String>> {
    let opts = ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([(
            "network".to_string(),
            vec![name.to_string()],
        )])),
        ..Default::default()
    };
    let list = p
        .client()
        .list_containers(Some(opts))
        .await
        .map_err(|e| api_error(EngineCall::ContainerList, name, e))?;
    let mut names: Vec<String> = list
        .into_iter()
        .filter_map(|c| c.names?.into_iter().next())
        .map(|n| n.trim_start_matches('/').to_string())
        .collect();
    names.sort();
    Ok(names)
}

/// Remove an unused network; false when a container joined it meanwhile (the engine refuses
/// while it has endpoints), true when it is gone, also when another minik removed it first.
async fn remove_unused(p: &DockerProvider, name: &str) -> Result<bool> {
    match p.client().remove_network(name).await {
        Ok(()) => Ok(true),
        Err(e) if status_code(&e) == Some(404) => Ok(true),
        Err(e) if describe(&e).contains("active endpoints") => Ok(false),
        Err(e) => Err(api_error(EngineCall::NetworkRemove, name, e)),
    }
}

/// When minik processes created the network at the same moment (older engines accept the
/// same name twice), every one of them keeps the oldest and removes the others, so the name
/// means one network again.
async fn dedupe(p: &DockerProvider, name: &str) -> Result<()> {
    let all = p
        .client()
        .list_networks(None::<ListNetworksOptions>)
        .await
        .map_err(|e| api_error(EngineCall::NetworkList, name, e))?;
    let mut same: Vec<(String, String)> = all
        .into_iter()
        .filter(|n| n.name.as_deref() == Some(name))
        .filter_map(|n| Some((n.created.map(|c| c.to_string()).unwrap_or_default(), n.id?)))
        .collect();
    same.sort();
    for (_, id) in same.iter().skip(1) {
        match p.client().remove_network(id).await {
            Ok(()) => {}
            Err(e) if status_code(&e) == Some(404) => {}
            Err(e) => return Err(api_error(EngineCall::NetworkRemove, name, e)),
        }
    }
    Ok(())
}

pub(super) async fn bridge_mtu(p: &DockerProvider) -> Result<Option<u32>> {
    Ok(inspect(p, "bridge").await?.and_then(|b| b.mtu))
}

pub(super) async fn inspect(p: &DockerProvider, name: &str) -> Result<Option<NetworkInfo>> {
    let mut found = p
        .client()
        .inspect_network(name, None::<InspectNetworkOptions>)
        .await;
    // Two networks of that name, from two minik processes creating it at once: keep one.
    if matches!(&found, Err(e) if describe(e).contains("ambiguous")) {
        dedupe(p, name).await?;
        found = p
            .client()
            .inspect_network(name, None::<InspectNetworkOptions>)
            .await;
    }
    match found {
        // Docker matches network names by prefix and ID too: insist on the exact name.
        Ok(n) if n.name.as_deref() == Some(name) => Ok(Some(NetworkInfo {
            name: name.to_string(),
            subnets: n
                .ipam
                .iter()
                .flat_map(|i| i.config.iter().flatten())
                .filter_map(|c| c.subnet.clone())
                // An IPv6 subnet counts only when the network has IPv6 switched on.
                .filter(|s| !s.contains(':') || n.enable_ipv6 == Some(true))
                .collect(),
            mtu: n
                .options
                .as_ref()
                .and_then(|o| o.get(MTU_OPTION))
                .and_then(|m| m.parse().ok()),
            ipv6_unavailable: None,
            holders: Vec::new(),
        })),
        Ok(_) => Ok(None),
        Err(e) if status_code(&e) == Some(404) => Ok(None),
        Err(e) => Err(api_error(EngineCall::NetworkInspect, name, e)),
    }
}
