//! `minik stop` and `minik start`: shut a cluster's containers down cleanly and bring them back.
//!
//! Stop goes workers → control planes → load balancer, so nothing loses its API server while
//! it still runs; start goes the other way. Within a group, nodes go in parallel.
//!
//! A started container may get another IP address on the `minik` network. Each node's
//! entrypoint rewrites its *own* old address (kubelet `--node-ip`, static pod manifests,
//! kubeconfigs, /kind/kubeadm.conf) and re-issues the API server certificate before systemd
//! boots. What the entrypoint cannot know is *other* nodes' old addresses (a secondary control
//! plane's etcd `--initial-cluster`, peers named in manifests and kubeconfigs): `start` reads
//! every node's previous addresses before starting it (what minik recorded in `/kind/minik-ips` when it
//! last saw the node running, else the entrypoint's `/kind/old-ipv4` and `old-ipv6`) and the
//! files holding addresses as the previous boot left them, and afterwards rewrites every change
//! in those files at once (one pass: swapped addresses never chain or clash). Running
//! `minik start` on a running cluster (after a host reboot, say) repairs what it can tell apart.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, Instant};

use futures_util::future::{join_all, try_join_all};

// Until the log export reads through the node utilities itself.
pub(crate) use super::node::first_file_in_tar;
use super::node::roles;
use super::{node, ClusterError};
use crate::events::Events;
use crate::provider::{NodeInfo, NodeRole, NodeState, Provider};

/// How long a node gets to shut down after its stop signal (SIGRTMIN+3: systemd's halt)
/// before the engine kills it.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a started node gets to boot systemd (the entrypoint may re-issue a certificate).
const BOOT_TIMEOUT: Duration = Duration::from_secs(120);

/// Where minik records a node's addresses as it last saw them running (written by `stop`
/// before stopping and by `start` once done), so that a node someone started by hand in
/// between still counts as changed.
const KNOWN_IPS: &str = "/kind/minik-ips";

/// Files that may hold node addresses; the entrypoint's list (`replace_ip`).
const IP_FILES: &[&str] = &[
    "/etc/kubernetes/manifests/*.yaml",
    "/etc/kubernetes/admin.conf",
    "/etc/kubernetes/controller-manager.conf",
    "/etc/kubernetes/scheduler.conf",
    "/etc/kubernetes/kubelet.conf",
    "/etc/kubernetes/super-admin.conf",
    "/kind/kubeadm.conf",
    "/var/lib/kubelet/kubeadm-flags.env",
];

/// One group of nodes handled together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// For messages: `workers`, `control planes`, `load balancer`, ...
    pub label: &'static str,
    pub nodes: Vec<String>,
}

fn names(nodes: &[NodeInfo], roles: &[NodeRole]) -> Vec<String> {
    nodes
        .iter()
        .filter(|n| roles.contains(&n.role))
        .map(|n| n.name.clone())
        .collect()
}

fn groups(parts: Vec<(&'static str, Vec<String>)>) -> Vec<Group> {
    parts
        .into_iter()
        .filter(|(_, nodes)| !nodes.is_empty())
        .map(|(label, nodes)| Group { label, nodes })
        .collect()
}

/// Workers first, then control planes, then the load balancer.
pub fn stop_order(nodes: &[NodeInfo]) -> Vec<Group> {
    groups(vec![
        ("workers", names(nodes, &[NodeRole::Worker])),
        ("control planes", names(nodes, &[NodeRole::ControlPlane])),
        (
            "load balancer",
            names(nodes, &[NodeRole::ExternalLoadBalancer]),
        ),
    ])
}

/// Control planes and the load balancer first, then workers.
pub fn start_order(nodes: &[NodeInfo]) -> Vec<Group> {
    groups(vec![
        (
            "control planes",
            names(
                nodes,
                &[NodeRole::ControlPlane, NodeRole::ExternalLoadBalancer],
            ),
        ),
        ("workers", names(nodes, &[NodeRole::Worker])),
    ])
}

#[derive(Debug)]
pub struct Stopped {
    /// Containers that were running and are now stopped.
    pub stopped: usize,
    pub nodes: usize,
    pub elapsed: Duration,
}

async fn cluster_nodes(
    provider: &dyn Provider,
    cluster: &str,
) -> Result<Vec<NodeInfo>, ClusterError> {
    super::naming::validate_cluster_name(cluster)?;
    let nodes = provider.list_nodes(Some(cluster)).await?;
    if nodes.is_empty() {
        return Err(ClusterError::NotFound(cluster.to_string()));
    }
    Ok(nodes)
}

pub async fn stop(
    provider: &dyn Provider,
    cluster: &str,
    events: &Events,
) -> Result<Stopped, ClusterError> {
    let started = Instant::now();
    let nodes = cluster_nodes(provider, cluster).await?;
    let running = nodes
        .iter()
        .filter(|n| n.state != NodeState::Stopped)
        .count();
    join_all(
        roles::kubernetes_nodes(&nodes)
            .filter(|n| n.state == NodeState::Running)
            .map(|n| {
                let ips: Vec<String> = n.ipv4.iter().chain(n.ipv6.iter()).cloned().collect();
                record_ips(provider, &n.name, ips, events)
            }),
    )
    .await;
    for group in stop_order(&nodes) {
        let step = events.step(format!(
            "Stopping {} ({}) 🛑",
            group.label,
            group.nodes.join(", ")
        ));
        try_join_all(
            group
                .nodes
                .iter()
                .map(|n| provider.stop_node(n, STOP_TIMEOUT)),
        )
        .await?;
        step.done();
    }
    Ok(Stopped {
        stopped: running,
        nodes: nodes.len(),
        elapsed: started.elapsed(),
    })
}

pub struct StartOptions {
    /// How long to wait for every node to be Ready; zero returns once the nodes have booted.
    pub wait: Duration,
}

/// A node whose address differs from the one it had at its previous boot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IpChange {
    pub node: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug)]
pub struct Started {
    pub nodes: usize,
    pub ip_changes: Vec<IpChange>,
    /// False when `wait` ran out before every node was Ready.
    pub ready: bool,
    pub elapsed: Duration,
}

pub async fn start(
    provider: &dyn Provider,
    cluster: &str,
    opts: &StartOptions,
    events: &Events,
) -> Result<Started, ClusterError> {
    let started = Instant::now();
    let nodes = cluster_nodes(provider, cluster).await?;
    let kube_nodes: Vec<&NodeInfo> = roles::kubernetes_nodes(&nodes).collect();

    // Addresses of the previous boot, read from the stopped containers' file systems.
    let previous: Vec<(String, Vec<String>)> = join_all(kube_nodes.iter().map(|n| async move {
        (
            n.name.clone(),
            previous_ips(provider, &n.name, events).await,
        )
    }))
    .await;
    // The files that hold addresses, as the previous boot left them (only old addresses in
    // them, before the entrypoint rewrites the node's own): rewriting these with every change
    // at once is never ambiguous, even when nodes swap addresses.
    let snapshots: Snapshots = join_all(
        kube_nodes
            .iter()
            .filter(|n| n.state == NodeState::Stopped)
            .map(|n| async move { (n.name.clone(), snapshot(provider, &n.name).await) }),
    )
    .await;

    let all = &nodes;
    for group in start_order(&nodes) {
        let step = events.step(format!(
            "Starting {} ({}) 🚀",
            group.label,
            group.nodes.join(", ")
        ));
        let boots = group.nodes.iter().map(|name| async move {
            provider.start_node(name).await?;
            let role = all.iter().find(|n| &n.name == name).map(|n| n.role);
            if role != Some(NodeRole::ExternalLoadBalancer) {
                provider
                    .wait_for_log(name, super::create::BOOTED, BOOT_TIMEOUT)
                    .await?;
                super::runtime::check(provider, name).await?;
            }
            Ok::<_, ClusterError>(())
        });
        try_join_all(boots).await?;
        step.done();
    }

    let after = provider.list_nodes(Some(cluster)).await?;
    let current: Vec<(String, Vec<String>)> = roles::kubernetes_nodes(&after)
        .map(|n| {
            let ips = n.ipv4.iter().chain(n.ipv6.iter()).cloned().collect();
            (n.name.clone(), ips)
        })
        .collect();
    let changes = ip_changes(&previous, &current);
    if !changes.is_empty() {
        for c in &changes {
            events.info(format!(
                "   {}: address changed from {} to {}",
                c.node, c.old, c.new
            ));
        }
        let control_planes: Vec<&str> = roles::control_planes(&after)
            .map(|n| n.name.as_str())
            .collect();
        check_ha_addresses(cluster, &control_planes, &changes)?;
        fix_references(
            provider,
            &current,
            &changes,
            &snapshots,
            &control_planes,
            events,
        )
        .await?;
    }
    join_all(
        current
            .iter()
            .map(|(name, ips)| record_ips(provider, name, ips.clone(), events)),
    )
    .await;

    let mut ready = true;
    if !opts.wait.is_zero() {
        let control_planes = super::control_plane::candidates(&after, None);
        if control_planes.is_empty() {
            return Err(ClusterError::NoControlPlane {
                name: cluster.to_string(),
            });
        }
        let expected: Vec<&str> = kube_nodes.iter().map(|n| n.name.as_str()).collect();
        ready = super::create::wait_nodes_ready(
            provider,
            events,
            &control_planes,
            &expected,
            opts.wait,
        )
        .await?;
    }
    Ok(Started {
        nodes: kube_nodes.len(),
        ip_changes: changes,
        ready,
        elapsed: started.elapsed(),
    })
}

async fn record_ips(provider: &dyn Provider, node: &str, ips: Vec<String>, events: &Events) {
    let mut text = ips.join("\n");
    text.push('\n');
    if let Err(e) = node::write_file(provider, node, KNOWN_IPS, &text).await {
        events.debug(format!("{node}: could not record its addresses: {e}"));
    }
}

/// An HA cluster cannot follow a control plane to a new address: each etcd member keeps the
/// others' peer URLs in its data directory (fixed when the member joined), where no file
/// rewrite reaches, so the members never find each other and the API never answers. Say so
/// instead of waiting for it. Addresses stay unrecorded, so the next start says it again.
pub fn check_ha_addresses(
    cluster: &str,
    control_planes: &[&str],
    changes: &[IpChange],
) -> Result<(), ClusterError> {
    let moved: Vec<String> = changes
        .iter()
        .filter(|c| control_planes.contains(&c.node.as_str()))
        .map(|c| format!("{} {} → {}", c.node, c.old, c.new))
        .collect();
    if control_planes.len() < 2 || moved.is_empty() {
        return Ok(());
    }
    Err(ClusterError::HaAddressesChanged {
        cluster: cluster.to_string(),
        changes: moved.join(", "),
    })
}

/// The node's addresses before this start: what minik last saw ([`KNOWN_IPS`]) and what the
/// entrypoint recorded at the last boot (`/kind/old-ipv4`, `/kind/old-ipv6`). They differ when
/// the node was restarted behind minik's back; files may hold either, so both count. Read from
/// the container's file system, which the engine gives even for a stopped container. Missing
/// records (a node that never booted) give an empty list.
async fn previous_ips(provider: &dyn Provider, node: &str, events: &Events) -> Vec<String> {
    let read = |path: &'static str| async move {
        match node::read_file_stopped(provider, node, path).await {
            Ok(text) => text
                .map(|t| t.split_whitespace().map(String::from).collect::<Vec<_>>())
                .unwrap_or_default(),
            Err(e) => {
                events.debug(format!("{node}: no {path}: {e}"));
                Vec::new()
            }
        }
    };
    let mut ips = read(KNOWN_IPS).await;
    for ip in read("/kind/old-ipv4")
        .await
        .into_iter()
        .chain(read("/kind/old-ipv6").await)
    {
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    ips
}

/// Nodes whose address of one family differs between `before` and `after`. Addresses are
/// matched by family (IPv4 with IPv4); a node with no record before is not a change.
pub fn ip_changes(
    before: &[(String, Vec<String>)],
    after: &[(String, Vec<String>)],
) -> Vec<IpChange> {
    let is_v6 = |s: &str| s.contains(':');
    let mut out = Vec::new();
    for (node, old_ips) in before {
        let Some((_, new_ips)) = after.iter().find(|(n, _)| n == node) else {
            continue;
        };
        for old in old_ips {
            if let Some(new) = new_ips.iter().find(|n| is_v6(n) == is_v6(old)) {
                if new != old {
                    out.push(IpChange {
                        node: node.clone(),
                        old: old.clone(),
                        new: new.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The old → new replacements to apply on `node`: other nodes' changes only (the entrypoint
/// already rewrote the node's own address), minus those that would be ambiguous because the
/// node's own new address equals another node's old one (the text cannot tell them apart).
pub fn replacements_for(
    node: &str,
    own_ips: &[String],
    changes: &[IpChange],
) -> (BTreeMap<String, String>, Vec<IpChange>) {
    let mut map = BTreeMap::new();
    let mut ambiguous = Vec::new();
    for c in changes.iter().filter(|c| c.node != node) {
        if own_ips.contains(&c.old) {
            ambiguous.push(c.clone());
        } else {
            map.insert(c.old.clone(), c.new.clone());
        }
    }
    (map, ambiguous)
}

/// Replace whole addresses in one pass (so that swapped addresses don't chain): an address
/// matches only when not preceded or followed by more of an address (digits, dots, and for
/// IPv6 hex digits and colons), so `10.0.0.1` leaves `10.0.0.12` alone.
pub fn rewrite_ips(text: &str, map: &BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return text.to_string();
    }
    let part_of = |c: char, v6: bool| {
        c.is_ascii_digit() || c == '.' || (v6 && (c.is_ascii_hexdigit() || c == ':'))
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'scan: while i < text.len() {
        let rest = &text[i..];
        // Longest first, so that a shorter address never shadows a longer one.
        let mut keys: Vec<&String> = map
            .keys()
            .filter(|k| rest.starts_with(k.as_str()))
            .collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
        for old in keys {
            let v6 = old.contains(':');
            let before = text[..i].chars().next_back();
            let after = rest[old.len()..].chars().next();
            // A dot after the address ends a sentence unless a digit follows it.
            let after_is_part = match after {
                Some('.') => rest[old.len() + 1..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit()),
                Some(c) => part_of(c, v6),
                None => false,
            };
            if !before.is_some_and(|c| part_of(c, v6)) && !after_is_part {
                out.push_str(&map[old]);
                i += old.len();
                continue 'scan;
            }
        }
        let Some(c) = rest.chars().next() else { break };
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Per stopped node: (path, contents) of the files in [`IP_FILES`] before it started.
type Snapshots = Vec<(String, Vec<(String, String)>)>;

/// Copy the address-holding files out of a stopped node. Unreadable ones are left out.
async fn snapshot(provider: &dyn Provider, node: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for pattern in IP_FILES {
        if let Some(dir) = pattern.strip_suffix("/*.yaml") {
            let Ok(tar) = provider.copy_tar_from(node, dir).await else {
                continue;
            };
            files.extend(
                files_in_tar(&tar)
                    .into_iter()
                    .filter(|(p, _)| p.ends_with(".yaml") && !p.contains("/.."))
                    .filter_map(|(p, text)| {
                        // Entries are `manifests/x.yaml`: the directory's own name first.
                        let rel = p.split_once('/')?.1.to_string();
                        (!rel.contains('/')).then(|| (format!("{dir}/{rel}"), text))
                    }),
            );
        } else if let Ok(Some(text)) = node::read_file_stopped(provider, node, pattern).await {
            files.push((pattern.to_string(), text));
        }
    }
    files
}

/// Every regular file of a tar archive, as (path, text).
fn files_in_tar(tar: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut archive = tar::Archive::new(tar);
    let Ok(entries) = archive.entries() else {
        return out;
    };
    for entry in entries.flatten() {
        let mut entry = entry;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let Ok(path) = entry.path().map(|p| p.to_string_lossy().into_owned()) else {
            continue;
        };
        let mut text = String::new();
        if entry.read_to_string(&mut text).is_ok() {
            out.push((path, text));
        }
    }
    out
}

/// Every change as one old → new map (for files holding old addresses only). An old address
/// claimed by two nodes with different new ones (possible only after restarts behind minik's
/// back) is left out rather than guessed.
pub fn full_map(changes: &[IpChange]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut conflicts = Vec::new();
    for c in changes {
        match map.get(&c.old) {
            Some(new) if new != &c.new => conflicts.push(c.old.clone()),
            _ => {
                map.insert(c.old.clone(), c.new.clone());
            }
        }
    }
    for old in conflicts {
        map.remove(&old);
    }
    map
}

/// Rewrite stale addresses on every node, then restart the kubelets whose files changed
/// (static pods are re-read from disk; kubeadm-flags.env only at kubelet start). A node that
/// was stopped gets its pre-boot files rewritten with every change at once; a node that was
/// already running (started by hand) only gets other nodes' unambiguous changes.
async fn fix_references(
    provider: &dyn Provider,
    current: &[(String, Vec<String>)],
    changes: &[IpChange],
    snapshots: &Snapshots,
    control_planes: &[&str],
    events: &Events,
) -> Result<(), ClusterError> {
    let step = events.step("Updating addresses between nodes 🔧");
    let fixes = current.iter().map(|(name, own)| async move {
        let rewrites: Vec<(String, String)> = match snapshots.iter().find(|(n, _)| n == name) {
            Some((_, files)) => {
                let map = full_map(changes);
                files
                    .iter()
                    .map(|(path, text)| (path.clone(), rewrite_ips(text, &map)))
                    .collect()
            }
            None => {
                running_node_rewrites(provider, name, own, changes, control_planes, events).await?
            }
        };
        let mut changed = Vec::new();
        for (file, new) in rewrites {
            let text = node::read_file(provider, name, &file).await?;
            if new != text {
                node::write_file(provider, name, &file, &new).await?;
                changed.push(file);
            }
        }
        if !changed.is_empty() {
            events.debug(format!("{name}: updated {}", changed.join(", ")));
            node::run(provider, name, &["systemctl", "restart", "kubelet"]).await?;
        }
        Ok::<_, ClusterError>(())
    });
    try_join_all(fixes).await?;
    step.done();
    Ok(())
}

/// For a node already running: its current files with other nodes' unambiguous changes.
async fn running_node_rewrites(
    provider: &dyn Provider,
    name: &str,
    own: &[String],
    changes: &[IpChange],
    control_planes: &[&str],
    events: &Events,
) -> Result<Vec<(String, String)>, ClusterError> {
    let (map, ambiguous) = replacements_for(name, own, changes);
    for c in ambiguous {
        let line = format!(
            "{name}: its new address {} was {}'s old one; references to {} on {name} were left as they are",
            c.old, c.node, c.node
        );
        // Only control planes are referred to by address (workers never are).
        if control_planes.contains(&c.node.as_str()) {
            events.warn(line);
        } else {
            events.debug(line);
        }
    }
    if map.is_empty() {
        return Ok(Vec::new());
    }
    let list = format!(
        "for f in {}; do [ -f \"$f\" ] && echo \"$f\"; done; true",
        IP_FILES.join(" ")
    );
    let files = node::run(provider, name, &["sh", "-c", &list]).await?;
    let mut out = Vec::new();
    for file in files.lines().filter(|l| !l.trim().is_empty()) {
        let text = node::read_file(provider, name, file).await?;
        out.push((file.to_string(), rewrite_ips(&text, &map)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::NodeState;

    #[test]
    fn ha_control_planes_cannot_move() {
        let change = |node: &str| IpChange {
            node: node.into(),
            old: "172.18.0.3".into(),
            new: "172.18.0.9".into(),
        };
        let ha = ["lab-control-plane", "lab-control-plane2"];
        let e = check_ha_addresses("lab", &ha, &[change("lab-control-plane2")]).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("lab-control-plane2 172.18.0.3 → 172.18.0.9") && msg.contains("etcd"),
            "{msg}"
        );
        // Workers may move; so may a lone control plane (its etcd has one member).
        assert!(check_ha_addresses("lab", &ha, &[change("lab-worker")]).is_ok());
        assert!(check_ha_addresses(
            "lab",
            &["lab-control-plane"],
            &[change("lab-control-plane")]
        )
        .is_ok());
    }

    fn node(name: &str, role: NodeRole) -> NodeInfo {
        NodeInfo {
            name: name.into(),
            cluster: "c".into(),
            role,
            state: NodeState::Running,
            image: "i".into(),
            ipv4: None,
            ipv6: None,
            api_server: None,
            ports: vec![],
            labels: Default::default(),
        }
    }

    fn ha() -> Vec<NodeInfo> {
        vec![
            node("c-control-plane", NodeRole::ControlPlane),
            node("c-control-plane2", NodeRole::ControlPlane),
            node("c-external-load-balancer", NodeRole::ExternalLoadBalancer),
            node("c-worker", NodeRole::Worker),
            node("c-worker2", NodeRole::Worker),
        ]
    }

    #[test]
    fn stop_goes_workers_then_control_planes_then_load_balancer() {
        let order = stop_order(&ha());
        let labels: Vec<_> = order.iter().map(|g| g.label).collect();
        assert_eq!(labels, ["workers", "control planes", "load balancer"]);
        assert_eq!(order[0].nodes, ["c-worker", "c-worker2"]);
        assert_eq!(order[1].nodes, ["c-control-plane", "c-control-plane2"]);
        assert_eq!(order[2].nodes, ["c-external-load-balancer"]);
    }

    #[test]
    fn start_goes_control_planes_and_load_balancer_then_workers() {
        let order = start_order(&ha());
        assert_eq!(
            order[0].nodes,
            [
                "c-control-plane",
                "c-control-plane2",
                "c-external-load-balancer"
            ]
        );
        assert_eq!(order[1].nodes, ["c-worker", "c-worker2"]);
        // A single-node cluster has one group, never an empty one.
        let single = start_order(&[node("s-control-plane", NodeRole::ControlPlane)]);
        assert_eq!(single.len(), 1);
        assert_eq!(stop_order(&[]).len(), 0);
    }

    fn v(ips: &[&str]) -> Vec<String> {
        ips.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_previous_address_of_a_node_counts() {
        let before = vec![("a".to_string(), v(&["172.18.0.2", "172.18.0.5"]))];
        let after = vec![("a".to_string(), v(&["172.18.0.5"]))];
        let changes = ip_changes(&before, &after);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].old.as_str(), changes[0].new.as_str()),
            ("172.18.0.2", "172.18.0.5")
        );
    }

    #[test]
    fn finds_changed_addresses_per_family() {
        let before = vec![
            ("a".to_string(), v(&["172.18.0.2", "fc00::2"])),
            ("b".to_string(), v(&["172.18.0.3"])),
            ("c".to_string(), v(&[])),
        ];
        let after = vec![
            ("a".to_string(), v(&["172.18.0.4", "fc00::2"])),
            ("b".to_string(), v(&["172.18.0.3"])),
            ("c".to_string(), v(&["172.18.0.9"])),
        ];
        assert_eq!(
            ip_changes(&before, &after),
            vec![IpChange {
                node: "a".into(),
                old: "172.18.0.2".into(),
                new: "172.18.0.4".into()
            }]
        );
    }

    #[test]
    fn rewrites_whole_addresses_in_one_pass() {
        // A swap: .2 ↔ .3 must not chain into .2 → .3 → .2.
        let map: BTreeMap<String, String> = [
            ("172.18.0.2".to_string(), "172.18.0.3".to_string()),
            ("172.18.0.3".to_string(), "172.18.0.2".to_string()),
        ]
        .into();
        let text = "--initial-cluster=a=https://172.18.0.2:2380,b=https://172.18.0.3:2380\n\
                    keep 172.18.0.23 and 10.172.18.0.2 and 172.18.0.2.5; end 172.18.0.2.\n";
        assert_eq!(
            rewrite_ips(text, &map),
            "--initial-cluster=a=https://172.18.0.3:2380,b=https://172.18.0.2:2380\n\
             keep 172.18.0.23 and 10.172.18.0.2 and 172.18.0.2.5; end 172.18.0.3.\n"
        );
        let v6: BTreeMap<String, String> = [("fc00::2".to_string(), "fc00::5".to_string())].into();
        assert_eq!(
            rewrite_ips("[fc00::2]:6443 fc00::2a", &v6),
            "[fc00::5]:6443 fc00::2a"
        );
        assert_eq!(
            rewrite_ips("ünïcode 1.2.3.4", &BTreeMap::new()),
            "ünïcode 1.2.3.4"
        );
    }

    #[test]
    fn leaves_own_and_ambiguous_addresses_to_the_entrypoint() {
        let changes = vec![
            IpChange {
                node: "a".into(),
                old: "172.18.0.2".into(),
                new: "172.18.0.5".into(),
            },
            IpChange {
                node: "b".into(),
                old: "172.18.0.3".into(),
                new: "172.18.0.2".into(),
            },
        ];
        // On b: a's old address is b's new one, so "172.18.0.2" in b's files is ambiguous.
        let (map, ambiguous) = replacements_for("b", &v(&["172.18.0.2"]), &changes);
        assert!(map.is_empty());
        assert_eq!(ambiguous.len(), 1);
        // On c: both are other nodes' changes.
        let (map, ambiguous) = replacements_for("c", &v(&["172.18.0.4"]), &changes);
        assert_eq!(map.len(), 2);
        assert!(ambiguous.is_empty());
    }

    #[test]
    fn pre_boot_files_take_every_change_at_once_even_a_swap() {
        // Control planes a (.2 → .3) and b (.3 → .2) swapped; b's manifest before its boot
        // names itself (.3) and a (.2, the state owner).
        let changes = vec![
            IpChange {
                node: "a".into(),
                old: "172.18.0.2".into(),
                new: "172.18.0.3".into(),
            },
            IpChange {
                node: "b".into(),
                old: "172.18.0.3".into(),
                new: "172.18.0.2".into(),
            },
        ];
        let pre = "--advertise-address=172.18.0.3\nstate-endpoint: 172.18.0.2:6443\n";
        assert_eq!(
            rewrite_ips(pre, &full_map(&changes)),
            "--advertise-address=172.18.0.2\nstate-endpoint: 172.18.0.3:6443\n"
        );
        // Two records for one node (restarted behind minik's back): both old ones move; an
        // old address two nodes claim differently is not guessed.
        let mut more = changes.clone();
        more.push(IpChange {
            node: "a".into(),
            old: "172.18.0.9".into(),
            new: "172.18.0.3".into(),
        });
        more.push(IpChange {
            node: "c".into(),
            old: "172.18.0.2".into(),
            new: "172.18.0.7".into(),
        });
        let map = full_map(&more);
        assert_eq!(
            map.get("172.18.0.9").map(String::as_str),
            Some("172.18.0.3")
        );
        assert_eq!(map.get("172.18.0.2"), None);
    }

    #[test]
    fn lists_the_files_of_a_tar() {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in [("manifests/etcd.yaml", "e"), ("manifests/x.yaml", "x")] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o600);
            h.set_cksum();
            b.append_data(&mut h, path, data.as_bytes()).unwrap();
        }
        let files = files_in_tar(&b.into_inner().unwrap());
        assert_eq!(
            files,
            vec![
                ("manifests/etcd.yaml".to_string(), "e".to_string()),
                ("manifests/x.yaml".to_string(), "x".to_string())
            ]
        );
    }

    #[test]
    fn reads_the_first_file_of_a_tar() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(11);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "old-ipv4", &b"172.18.0.2\n"[..])
            .unwrap();
        let bytes = b.into_inner().unwrap();
        assert_eq!(
            node::first_file_in_tar(&bytes).as_deref(),
            Some("172.18.0.2\n")
        );
        assert_eq!(node::first_file_in_tar(b"garbage"), None);
    }
}
