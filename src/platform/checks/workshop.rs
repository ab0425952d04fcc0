//! `minik doctor --workshop`: can this laptop run the workshop's cluster? The doctor's rows for
//! the planned cluster (CPUs and memory per node, inotify, proxy, the WSL kernel) plus what only
//! matters on the day: free disk for the bundle and the nodes, the ports the cluster publishes,
//! and VPNs that take over DNS and routes. Pure: every fact is measured by the caller.

use serde::Serialize;

use super::{engine, gib, kernel, resources, row, Check, Status};
use crate::i18n::{Key, Msg};
use crate::msg;
use crate::platform::detect::Flavour;
use crate::platform::environment::Environment;
use crate::platform::host::HostOs;

const GIB: u64 = 1 << 30;

/// What a node image takes once loaded when neither the image nor a bundle is here yet: kind's
/// and minik's node images unpack to 1–1.5 GB, and the bundle file needs about as much again.
pub(crate) const IMAGE_ESTIMATE_BYTES: u64 = 3 * GIB;

/// Each node's /var volume: containerd unpacks the preloaded control-plane images there (about
/// 700 MB), plus etcd, logs and the pods' images.
pub(crate) const PER_NODE_DISK_BYTES: u64 = GIB;

/// Room for the images the exercises pull or load on top of the cluster itself.
pub(crate) const EXERCISE_DISK_BYTES: u64 = 2 * GIB;

/// The cluster the workshop will make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct WorkshopPlan {
    pub(crate) nodes: usize,
    pub(crate) control_planes: usize,
    /// Host ports the cluster publishes (ingress 80/443, a fixed API server port).
    pub(crate) ports: Vec<PlannedPort>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PlannedPort {
    pub(crate) address: String,
    pub(crate) port: u16,
}

/// Facts about this machine that only the workshop rows need, measured by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct WorkshopFacts {
    /// Free space where the engine keeps images and volumes (or, for VM engines, where the VM's
    /// disk grows); `None` when it could not be measured (a remote engine).
    pub(crate) disk: Option<DiskSpace>,
    /// Bytes still to come into the engine: the node image or bundle, 0 when the node image is
    /// already loaded.
    pub(crate) image_bytes_to_load: u64,
    /// Planned ports something on this machine already listens on.
    pub(crate) ports_in_use: Vec<PlannedPort>,
    /// Planned ports below 1024 this user may not bind where a connect got no answer either.
    pub(crate) ports_unknown: Vec<PlannedPort>,
    /// Planned ports a minik cluster's node publishes (the attendee's own cluster).
    pub(crate) ports_owned: Vec<super::ports::OwnedPort>,
    /// `net.ipv4.ip_unprivileged_port_start` (Linux): rootless engines cannot publish below it.
    pub(crate) unprivileged_port_start: Option<u16>,
    /// Network interfaces that look like VPNs (`tun0`, `wg0`, `tailscale0`, ...); `None` where
    /// they cannot be listed (macOS and Windows).
    pub(crate) vpn_interfaces: Option<Vec<String>>,
    /// `nameserver` lines of /etc/resolv.conf; `None` where there is no such file.
    pub(crate) nameservers: Option<Vec<String>>,
    /// kubectl on PATH against the cluster's version; `None`: not looked at.
    #[serde(skip)]
    pub(crate) kubectl: Option<super::kubectl::KubectlFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DiskSpace {
    /// The folder measured.
    pub(crate) path: String,
    pub(crate) free_bytes: u64,
}

/// Disk the plan needs: (minimum, recommended).
pub(crate) fn disk_need(plan: &WorkshopPlan, image_bytes_to_load: u64) -> (u64, u64) {
    let balancer = usize::from(plan.control_planes > 1) as u64;
    let min = image_bytes_to_load + PER_NODE_DISK_BYTES * (plan.nodes as u64 + balancer);
    (min, min + EXERCISE_DISK_BYTES)
}

/// Every workshop row, in reading order. `ready` is the absence of failures.
pub(crate) fn workshop_checks(
    env: &Environment,
    plan: &WorkshopPlan,
    facts: &WorkshopFacts,
) -> Vec<Check> {
    let mut out = vec![
        engine::engine(env),
        engine::os_type(env),
        engine::arch(env),
        resources::cpus(env, plan.nodes),
        resources::memory(env, plan.nodes),
        disk(env, plan, facts),
        super::ports::ports(env, plan, facts),
    ];
    out.extend(
        facts
            .kubectl
            .as_ref()
            .map(|k| super::kubectl::kubectl(env, k)),
    );
    out.extend([resources::inotify(env, plan.nodes), kernel::cgroup(env)]);
    if env.rootless {
        out.push(kernel::rootless(env));
    }
    // Only when it is a problem: vfs copies every layer, which the disk row does not count.
    out.extend(Some(engine::storage(env)).filter(|c| c.status != Status::Ok));
    out.extend(kernel::wsl_kernel(env));
    out.push(engine::proxy(env));
    out.push(vpn_dns(env, facts));
    out
}

fn disk(env: &Environment, plan: &WorkshopPlan, facts: &WorkshopFacts) -> Check {
    let (min, rec) = disk_need(plan, facts.image_bytes_to_load);
    let why = msg!(
        Key::DiskWhy,
        image = gib(facts.image_bytes_to_load),
        node = gib(PER_NODE_DISK_BYTES),
        exercises = gib(EXERCISE_DISK_BYTES)
    );
    let Some(d) = &facts.disk else {
        return row(
            "disk",
            "Free disk",
            Status::Warn,
            msg!(Key::DiskNotMeasured, need = gib(rec)),
            why,
            Some(msg!(Key::DiskRemoteFix, need = gib(rec))),
        );
    };
    let found = msg!(
        Key::DiskFound,
        free = gib(d.free_bytes),
        path = d.path,
        need = gib(rec)
    );
    let fix = || {
        let free = gib(rec.saturating_sub(d.free_bytes));
        Some(if env.flavour.runs_in_vm() && !env.remote {
            msg!(Key::DiskFixVm, free = free, path = d.path; vm => env.flavour.label_msg())
        } else {
            msg!(Key::DiskFix, free = free, path = d.path)
        })
    };
    if d.free_bytes < min {
        return row("disk", "Free disk", Status::Fail, found, why, fix());
    }
    if d.free_bytes < rec {
        return row("disk", "Free disk", Status::Warn, found, why, fix());
    }
    row("disk", "Free disk", Status::Ok, found, why, None)
}

fn vpn_dns(env: &Environment, facts: &WorkshopFacts) -> Check {
    let why = "VPNs often take over DNS and the routes of the engine's networks, so nodes cannot \
               reach each other or pods cannot resolve names";
    let wsl = env.wsl.is_some()
        || matches!(
            env.flavour,
            Flavour::DockerDesktop { .. } | Flavour::DockerCeInWsl2 | Flavour::RancherDesktop
        ) && env.host_os == HostOs::Windows;
    let fix: Msg = if wsl {
        msg!(Key::VpnDisconnectWsl)
    } else {
        "disconnect the VPN for the workshop (or ask its admin to allow local networks), then \
         create the cluster again"
            .into()
    };
    if facts.nameservers.as_ref().is_some_and(|n| n.is_empty()) {
        return row(
            "vpn-dns",
            "VPN and DNS",
            Status::Warn,
            "/etc/resolv.conf names no nameserver",
            "nodes copy this machine's DNS settings; without a nameserver pods cannot resolve names",
            Some("connect to a network (or restart the network manager) so /etc/resolv.conf gets a nameserver".into()),
        );
    }
    let dns = |found: Msg| match &facts.nameservers {
        Some(n) => msg!(Key::VpnDns, servers = n.join(", "); found => found),
        None => found,
    };
    match &facts.vpn_interfaces {
        Some(v) if !v.is_empty() => row(
            "vpn-dns",
            "VPN and DNS",
            Status::Warn,
            dns(msg!(Key::VpnUp, interfaces = v.join(", "))),
            why,
            Some(fix),
        ),
        Some(_) => row(
            "vpn-dns",
            "VPN and DNS",
            Status::Ok,
            dns(msg!(Key::VpnNone)),
            why,
            None,
        ),
        None => row(
            "vpn-dns",
            "VPN and DNS",
            Status::Ok,
            "VPNs are not detected on this OS; if pods cannot resolve names, disconnect the VPN",
            why,
            Some(fix),
        ),
    }
}

/// Interface names that are VPN tunnels (WireGuard, OpenVPN, Cisco, GlobalProtect, Tailscale, ...).
pub(crate) fn vpn_interfaces(names: &[String]) -> Vec<String> {
    const PREFIXES: [&str; 10] = [
        "tun",
        "tap",
        "wg",
        "ppp",
        "utun",
        "ipsec",
        "cscotun",
        "gpd",
        "tailscale",
        "nordlynx",
    ];
    names
        .iter()
        .filter(|n| PREFIXES.iter().any(|p| n.starts_with(p)))
        .cloned()
        .collect()
}

/// `nameserver` addresses of a resolv.conf text.
pub(crate) fn nameservers(resolv_conf: &str) -> Vec<String> {
    resolv_conf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}
