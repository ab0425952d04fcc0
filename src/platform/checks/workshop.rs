//! `minik doctor --workshop`: can this laptop run the workshop's cluster? The doctor's rows for
//! the planned cluster (CPUs and memory per node, inotify, proxy, the WSL kernel) plus what only
//! matters on the day: free disk for the bundle and the nodes, the ports the cluster publishes,
//! and VPNs that take over DNS and routes. Pure: every fact is measured by the caller.

use serde::Serialize;

use super::{engine, gib, kernel, resources, row, Check, Status};
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
    /// `net.ipv4.ip_unprivileged_port_start` (Linux): rootless engines cannot publish below it.
    pub(crate) unprivileged_port_start: Option<u16>,
    /// Network interfaces that look like VPNs (`tun0`, `wg0`, `tailscale0`, ...); `None` where
    /// they cannot be listed (macOS and Windows).
    pub(crate) vpn_interfaces: Option<Vec<String>>,
    /// `nameserver` lines of /etc/resolv.conf; `None` where there is no such file.
    pub(crate) nameservers: Option<Vec<String>>,
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
        ports(env, plan, facts),
        resources::inotify(env, plan.nodes),
        kernel::cgroup(env),
    ];
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
    let why = format!(
        "{} for the node image still to load, {} per node, {} for the exercises' images",
        gib(facts.image_bytes_to_load),
        gib(PER_NODE_DISK_BYTES),
        gib(EXERCISE_DISK_BYTES)
    );
    let Some(d) = &facts.disk else {
        return row(
            "disk",
            "Free disk",
            Status::Warn,
            format!(
                "not measured (the engine is on another machine); needs {}",
                gib(rec)
            ),
            why,
            Some(format!(
                "make sure the engine's machine has {} free",
                gib(rec)
            )),
        );
    };
    let found = format!(
        "{} free at {}; needs {}",
        gib(d.free_bytes),
        d.path,
        gib(rec)
    );
    let fix = || {
        let prune = "remove unused images and stopped containers (`docker system df` shows what \
                     takes the space; `docker image prune` removes dangling images)";
        let vm = if env.flavour.runs_in_vm() && !env.remote {
            format!(
                ", or raise the disk limit of {} (its settings)",
                env.flavour.label()
            )
        } else {
            String::new()
        };
        Some(format!(
            "free {} at {}: {prune}{vm}",
            gib(rec.saturating_sub(d.free_bytes)),
            d.path
        ))
    };
    if d.free_bytes < min {
        return row("disk", "Free disk", Status::Fail, found, why, fix());
    }
    if d.free_bytes < rec {
        return row("disk", "Free disk", Status::Warn, found, why, fix());
    }
    row("disk", "Free disk", Status::Ok, found, why, None)
}

fn list(ports: &[PlannedPort]) -> String {
    ports
        .iter()
        .map(|p| format!("{}:{}", p.address, p.port))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The command that names the process listening on `port`.
fn who_listens(os: HostOs, port: u16) -> String {
    match os {
        HostOs::Macos => format!("sudo lsof -nP -iTCP:{port} -sTCP:LISTEN"),
        HostOs::Windows => format!("netstat -ano | findstr :{port}"),
        _ => format!("sudo ss -ltnp 'sport = :{port}'"),
    }
}

fn ports(env: &Environment, plan: &WorkshopPlan, facts: &WorkshopFacts) -> Check {
    let why = "the cluster publishes these ports on this machine (an ingress on 80/443)";
    if plan.ports.is_empty() {
        return row("ports", "Ports", Status::Ok, "none planned", why, None);
    }
    if env.remote {
        return row(
            "ports",
            "Ports",
            Status::Ok,
            format!(
                "{} (on the engine's machine: checked when the cluster is created)",
                list(&plan.ports)
            ),
            why,
            None,
        );
    }
    if !facts.ports_in_use.is_empty() {
        let who = who_listens(env.host_os, facts.ports_in_use[0].port);
        return row(
            "ports",
            "Ports",
            Status::Fail,
            format!("{} already in use", list(&facts.ports_in_use)),
            why,
            Some(format!(
                "stop what listens there (`{who}` names it; often a local web server or another \
                 cluster: `minik get clusters`), or ask the organiser for other ports"
            )),
        );
    }
    let low: Vec<u16> = match facts.unprivileged_port_start {
        Some(start) if env.rootless => plan
            .ports
            .iter()
            .map(|p| p.port)
            .filter(|p| *p < start)
            .collect(),
        _ => Vec::new(),
    };
    if let Some(lowest) = low.iter().min() {
        return row(
            "ports",
            "Ports",
            Status::Fail,
            format!(
                "{} free, but a rootless engine cannot publish ports below {}",
                list(&plan.ports),
                facts.unprivileged_port_start.unwrap_or(1024)
            ),
            why,
            Some(format!(
                "sudo sysctl net.ipv4.ip_unprivileged_port_start={lowest}; to keep it: echo \
                 'net.ipv4.ip_unprivileged_port_start = {lowest}' | sudo tee \
                 /etc/sysctl.d/99-minik-ports.conf"
            )),
        );
    }
    row(
        "ports",
        "Ports",
        Status::Ok,
        format!("{} free", list(&plan.ports)),
        why,
        None,
    )
}

fn vpn_dns(env: &Environment, facts: &WorkshopFacts) -> Check {
    let why = "VPNs often take over DNS and the routes of the engine's networks, so nodes cannot \
               reach each other or pods cannot resolve names";
    let wsl = env.wsl.is_some()
        || matches!(
            env.flavour,
            Flavour::DockerDesktop { .. } | Flavour::DockerCeInWsl2 | Flavour::RancherDesktop
        ) && env.host_os == HostOs::Windows;
    let disconnect = "disconnect the VPN for the workshop (or ask its admin to allow local \
                      networks), then create the cluster again";
    let fix = if wsl {
        format!(
            "{disconnect}; under WSL 2 also set networkingMode=mirrored and dnsTunneling=true \
             under [wsl2] in %UserProfile%\\.wslconfig, then run `wsl --shutdown`"
        )
    } else {
        disconnect.to_string()
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
    let servers = facts
        .nameservers
        .as_ref()
        .map(|n| format!("; DNS {}", n.join(", ")))
        .unwrap_or_default();
    match &facts.vpn_interfaces {
        Some(v) if !v.is_empty() => row(
            "vpn-dns",
            "VPN and DNS",
            Status::Warn,
            format!("VPN interface(s) up: {}{servers}", v.join(", ")),
            why,
            Some(fix),
        ),
        Some(_) => row(
            "vpn-dns",
            "VPN and DNS",
            Status::Ok,
            format!("no VPN interface up{servers}"),
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
