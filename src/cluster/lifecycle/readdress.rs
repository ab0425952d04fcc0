//! Start's address repair. A started node may get another address; its entrypoint rewrites
//! the node's own old address, and this rewrites every other node's: addresses are read before
//! the start (what minik recorded, what the entrypoint recorded, and the files holding them as
//! the previous boot left them), compared with the new ones afterwards, and every change is
//! rewritten at once.

use futures_util::future::{join_all, try_join_all};

use crate::cluster::ClusterError;
use crate::events::Events;
use crate::node;
use crate::node::roles;
use crate::provider::{NodeInfo, NodeState, Provider};

use super::ip_map::{full_map, ip_changes, replacements_for, rewrite_ips, IpChange};

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
pub(super) fn check_ha_addresses(
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
