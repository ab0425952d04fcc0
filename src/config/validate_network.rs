//! The networking part of config validation: the API address, the pod and service subnets
//! (their families, kubeadm's size limits, overlaps), and later the node network's subnets.

use std::net::IpAddr;

use super::error::ConfigErrors;
use super::net::{parse_list, Cidr};
use super::source::SourceMap;
use super::{ClusterConfig, IpFamily};

pub(super) fn check_networking(config: &ClusterConfig, src: &SourceMap, errors: &mut ConfigErrors) {
    let net = &config.networking;
    if net.api_server_address.parse::<IpAddr>().is_err() {
        errors.push(src.error(
            "networking.apiServerAddress",
            format!(
                "apiServerAddress \"{}\" is not an IP address",
                net.api_server_address
            ),
            "keep the API server on loopback: 127.0.0.1 (or ::1)",
        ));
    }
    let pods = check_subnet("podSubnet", &net.pod_subnet, net.ip_family, src, errors);
    let services = check_subnet(
        "serviceSubnet",
        &net.service_subnet,
        net.ip_family,
        src,
        errors,
    );
    check_sizes(&pods, &services, src, errors);
    // Point at whichever of the two the file set (the service subnet if both).
    let (at, subject) = if src.has("networking.serviceSubnet") || !src.has("networking.podSubnet") {
        ("networking.serviceSubnet", "serviceSubnet")
    } else {
        ("networking.podSubnet", "podSubnet")
    };
    for p in &pods {
        if let Some(s) = services.iter().find(|s| s.overlaps(p)) {
            let message = if subject == "serviceSubnet" {
                format!("serviceSubnet {s} overlaps podSubnet {p}")
            } else {
                format!("podSubnet {p} overlaps serviceSubnet {s}")
            };
            errors.push(src.error(
                at,
                message,
                "pod and service addresses must not share a range; the defaults are 10.244.0.0/16 and 10.96.0.0/16",
            ));
        }
    }
}

/// kubeadm's own limits (cmd/kubeadm/app/apis/kubeadm/validation/validation.go,
/// ValidateServiceSubnetSize and ValidatePodSubnetNodeMask), checked here so that a bad
/// subnet fails before any container exists, not minutes later inside `kubeadm init`:
/// a service range has at most 20 host bits (/12 IPv4, /108 IPv6), and the pod range holds
/// at least one node range (/24 IPv4, /64 IPv6, the controller manager's defaults) and at
/// most 2^16 of them.
fn check_sizes(pods: &[Cidr], services: &[Cidr], src: &SourceMap, errors: &mut ConfigErrors) {
    const MAX_SERVICE_HOST_BITS: u8 = 20;
    const MAX_NODE_MASK_DIFF: u8 = 16;
    for s in services {
        let bits = if s.is_ipv4() { 32 } else { 128 };
        if bits - s.prefix > MAX_SERVICE_HOST_BITS {
            errors.push(src.error(
                "networking.serviceSubnet",
                format!(
                    "serviceSubnet {s} is too large; for {bits}-bit addresses, the mask must be >= {}",
                    bits - MAX_SERVICE_HOST_BITS
                ),
                "kubeadm refuses larger service ranges; the defaults are 10.96.0.0/16 and fd00:10:96::/112",
            ));
        }
    }
    for p in pods {
        let node_mask = if p.is_ipv4() { 24 } else { 64 };
        let problem = if p.prefix > node_mask {
            Some(format!(
                "podSubnet {p} is smaller than one node's pod range (/{node_mask}): the mask must be <= {node_mask}"
            ))
        } else if node_mask - p.prefix > MAX_NODE_MASK_DIFF {
            Some(format!(
                "podSubnet {p} is too large: its mask and the node mask /{node_mask} may differ by at most {MAX_NODE_MASK_DIFF}, so the mask must be >= {}",
                node_mask - MAX_NODE_MASK_DIFF
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            errors.push(src.error(
                "networking.podSubnet",
                message,
                "each node gets a /24 (IPv6: /64) of the pod range; the defaults are 10.244.0.0/16 and fd00:10:244::/56",
            ));
        }
    }
}

/// The pod and service ranges against the node network's subnets (known once the engine's
/// network exists): routes to one would shadow the other.
pub(crate) fn check_node_network(
    config: &ClusterConfig,
    src: &SourceMap,
    network: &str,
    node_subnets: &[String],
) -> Result<(), ConfigErrors> {
    let mut errors = ConfigErrors::default();
    let nodes: Vec<Cidr> = node_subnets
        .iter()
        .filter_map(|s| Cidr::parse(s).ok())
        .collect();
    let net = &config.networking;
    for (field, value) in [
        ("podSubnet", &net.pod_subnet),
        ("serviceSubnet", &net.service_subnet),
    ] {
        for c in super::net::parse_list(value).unwrap_or_default() {
            if let Some(n) = nodes.iter().find(|n| n.overlaps(&c)) {
                errors.push(src.error(
                    &format!("networking.{field}"),
                    format!("{field} {c} overlaps the node network {network} ({n})"),
                    format!(
                        "pick a {field} outside {n}, or remove the {network} network when no cluster uses it (docker network rm {network})"
                    ),
                ));
            }
        }
    }
    errors.into_result()
}

fn check_subnet(
    field: &str,
    value: &str,
    family: IpFamily,
    src: &SourceMap,
    errors: &mut ConfigErrors,
) -> Vec<Cidr> {
    let path = format!("networking.{field}");
    let example = match (family, field) {
        (IpFamily::Ipv6, "podSubnet") => super::DEFAULT_POD_SUBNET_V6,
        (IpFamily::Ipv6, _) => super::DEFAULT_SERVICE_SUBNET_V6,
        (_, "podSubnet") => super::DEFAULT_POD_SUBNET,
        _ => super::DEFAULT_SERVICE_SUBNET,
    };
    let cidrs = match parse_list(value) {
        Ok(c) => c,
        Err(e) => {
            errors.push(src.error(
                &path,
                format!("invalid {field} \"{value}\": {e}"),
                format!("use a CIDR such as {example}"),
            ));
            return Vec::new();
        }
    };
    let v4 = cidrs.iter().filter(|c| c.is_ipv4()).count();
    let v6 = cidrs.len() - v4;
    let ok = match family {
        IpFamily::Ipv4 => (v4, v6) == (1, 0),
        IpFamily::Ipv6 => (v4, v6) == (0, 1),
        IpFamily::Dual => cidrs.len() == 1 || (v4, v6) == (1, 1),
    };
    // With an undecodable ipFamily the family is a stand-in, so don't judge the subnets by it.
    if !ok && !src.failed("networking.ipFamily") {
        let (name, want) = match family {
            IpFamily::Ipv4 => ("ipv4", "exactly one IPv4 CIDR"),
            IpFamily::Ipv6 => ("ipv6", "exactly one IPv6 CIDR"),
            IpFamily::Dual => (
                "dual",
                "one CIDR, or an IPv4 and an IPv6 CIDR separated by a comma",
            ),
        };
        errors.push(src.error(
            &path,
            format!("invalid {field} \"{value}\" for ipFamily {name}"),
            format!("an {name} cluster takes {want}"),
        ));
        return Vec::new();
    }
    cidrs
}
