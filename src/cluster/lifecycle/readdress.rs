//! Start's address repair. A started node may get another address; its entrypoint rewrites
//! the node's own old address, and this rewrites every other node's: addresses are read before
//! the start (what minik recorded, what the entrypoint recorded, and the files holding them as
//! the previous boot left them), compared with the new ones afterwards, and every change is
//! rewritten at once.

use std::collections::BTreeMap;

use futures_util::future::{join_all, try_join_all};

use crate::cluster::node::roles;
use crate::cluster::{node, ClusterError};
use crate::events::Events;
use crate::provider::{NodeInfo, NodeState, Provider};

/// What the previous boot left: each node's addresses, and the files holding them.
pub(super) struct PreviousBoot {
    ips: Vec<(String, Vec<String>)>,
    snapshots: Snapshots,
}

impl PreviousBoot {
    /// Read from the containers' file systems before they start.
    pub(super) async fn read(
        provider: &dyn Provider,
        kube_nodes: &[&NodeInfo],
        events: &Events,
    ) -> PreviousBoot {
        let ips = join_all(kube_nodes.iter().map(|n| async move {
            (
                n.name.clone(),
                previous_ips(provider, &n.name, events).await,
            )
        }))
        .await;
        // The files that hold addresses, as the previous boot left them (only old addresses in
        // them, before the entrypoint rewrites the node's own): rewriting these with every
        // change at once is never ambiguous, even when nodes swap addresses.
        let snapshots = join_all(
            kube_nodes
                .iter()
                .filter(|n| n.state == NodeState::Stopped)
                .map(|n| async move { (n.name.clone(), snapshot(provider, &n.name).await) }),
        )
        .await;
        PreviousBoot { ips, snapshots }
    }

    /// Once the nodes (`after`) have started: report every changed address, refuse what an
    /// HA cluster cannot follow, rewrite the rest, and record the addresses for next time.
    pub(super) async fn repair(
        &self,
        provider: &dyn Provider,
        cluster: &str,
        after: &[NodeInfo],
        events: &Events,
    ) -> Result<Vec<IpChange>, ClusterError> {
        let current: Vec<(String, Vec<String>)> = roles::kubernetes_nodes(after)
            .map(|n| {
                let ips = n.ipv4.iter().chain(n.ipv6.iter()).cloned().collect();
                (n.name.clone(), ips)
            })
            .collect();
        let changes = ip_changes(&self.ips, &current);
        if !changes.is_empty() {
            for c in &changes {
                events.info(format!(
                    "   {}: address changed from {} to {}",
                    c.node, c.old, c.new
                ));
            }
            let control_planes: Vec<&str> = roles::control_planes(after)
                .map(|n| n.name.as_str())
                .collect();
            check_ha_addresses(cluster, &control_planes, &changes)?;
            fix_references(
                provider,
                &current,
                &changes,
                &self.snapshots,
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
        Ok(changes)
    }
}

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

/// A node whose address differs from the one it had at its previous boot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IpChange {
    pub node: String,
    pub old: String,
    pub new: String,
}

pub(super) async fn record_ips(
    provider: &dyn Provider,
    node: &str,
    ips: Vec<String>,
    events: &Events,
) {
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
                crate::archive::text_files(&tar)
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
        let files = crate::archive::text_files(&b.into_inner().unwrap());
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
            crate::archive::first_file(&bytes).as_deref(),
            Some("172.18.0.2\n")
        );
        assert_eq!(crate::archive::first_file(b"garbage"), None);
    }
}
