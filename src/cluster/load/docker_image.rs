//! `minik load docker-image`: ask each node what it holds, re-tag where the image is there under
//! another name, and stream one `docker save` to the nodes that still need it.

use std::collections::{BTreeMap, BTreeSet};

use super::import::{import_platform, stream_to_nodes};
use super::inventory::{self, Action, Inventory};
use super::{
    node_list, target_nodes, LoadError, LoadReport, NodeFailure, NodeResult, Outcome, Targets,
};
use crate::events::Events;
use crate::node::image_ref::{looks_like_id, normalize};
use crate::provider::{ExecInput, Provider, ProviderError};

/// A local image to load: as the user named it, containerd's name for it, its engine ID.
#[derive(Debug, Clone)]
struct LocalImage {
    name: String,
    normalized: String,
    id: String,
    size: Option<u64>,
}

/// `minik load docker-image`.
pub async fn load_docker_images(
    provider: &dyn Provider,
    targets: &Targets<'_>,
    images: &[String],
    events: &Events,
) -> Result<LoadReport, LoadError> {
    if images.is_empty() {
        return Ok(LoadReport::default());
    }
    let wanted = local_images(provider, images).await?;
    let nodes = target_nodes(provider, targets).await?;

    let inventories = inventories(provider, &nodes).await?;

    let mut report = LoadReport::default();
    // Per node: the images to import, and its snapshotter.
    let mut imports: Vec<(String, String, BTreeSet<usize>)> = Vec::new();
    let tags = futures_util::future::join_all(inventories.iter().map(|(node, inv)| {
        let plan: Vec<(usize, Action)> = wanted
            .iter()
            .enumerate()
            .map(|(i, w)| (i, inv.decide(&w.id, &w.normalized)))
            .collect();
        apply_decisions(provider, node, plan, &wanted, events)
    }))
    .await;
    for ((node, inv), (results, to_import)) in inventories.iter().zip(tags) {
        report.results.extend(results);
        if !to_import.is_empty() {
            imports.push((node.clone(), inv.snapshotter.clone(), to_import));
        }
    }
    if imports.is_empty() {
        let names: Vec<String> = wanted.iter().map(|w| format!("{:?}", w.name)).collect();
        events.info(format!(
            "Nothing to import: {} already on {}",
            names.join(", "),
            match nodes.len() {
                1 => "the target node".to_string(),
                n => format!("all {n} target nodes"),
            }
        ));
        return Ok(report);
    }

    // Nodes that need the same images share one stream.
    let mut groups: BTreeMap<BTreeSet<usize>, Vec<(String, String)>> = BTreeMap::new();
    for (node, snapshotter, set) in imports {
        groups.entry(set).or_default().push((node, snapshotter));
    }
    let platform = import_platform(provider).await?;
    let mut failures = Vec::new();
    for (set, group) in groups {
        let chosen: Vec<&LocalImage> = set.iter().map(|&i| &wanted[i]).collect();
        let sent = Group {
            chosen: &chosen,
            nodes: &group,
            platform: platform.as_deref(),
        };
        stream_group(provider, sent, &mut report, &mut failures, events).await?;
    }
    if !failures.is_empty() {
        return Err(LoadError::NodesFailed(failures));
    }
    Ok(report)
}

/// Everything the user named, as the engine has it; all must exist before anything changes.
async fn local_images(
    provider: &dyn Provider,
    images: &[String],
) -> Result<Vec<LocalImage>, LoadError> {
    let mut wanted: Vec<LocalImage> = Vec::new();
    for name in images {
        let normalized = normalize(name);
        if wanted.iter().any(|w| w.normalized == normalized) {
            continue;
        }
        let id = provider
            .image_id(name)
            .await?
            .ok_or_else(|| LoadError::ImageNotPresent(name.clone()))?;
        if looks_like_id(name) && hex(&id).starts_with(hex(name)) {
            return Err(LoadError::ImageId(name.clone()));
        }
        let size = provider.image_size(name).await?;
        wanted.push(LocalImage {
            name: name.clone(),
            normalized,
            id,
            size,
        });
    }
    Ok(wanted)
}

/// What every node holds, asked all at once; any node that cannot say fails the load.
async fn inventories(
    provider: &dyn Provider,
    nodes: &[String],
) -> Result<Vec<(String, Inventory)>, LoadError> {
    let probes = futures_util::future::join_all(nodes.iter().map(|n| probe(provider, n))).await;
    let mut inventories = Vec::new();
    let mut failures = Vec::new();
    for (node, p) in nodes.iter().zip(probes) {
        match p {
            Ok(inv) => inventories.push((node.clone(), inv)),
            Err(error) => failures.push(NodeFailure {
                node: node.clone(),
                error,
            }),
        }
    }
    if !failures.is_empty() {
        return Err(LoadError::NodesFailed(failures));
    }
    Ok(inventories)
}

/// Nodes that need the same images, and those images.
struct Group<'a> {
    chosen: &'a [&'a LocalImage],
    nodes: &'a [(String, String)],
    platform: Option<&'a str>,
}

/// One `docker save` of the group's images streamed to the group's nodes; imports go into
/// `report`, a node's failure into `failures`; a failing source fails the load.
async fn stream_group(
    provider: &dyn Provider,
    g: Group<'_>,
    report: &mut LoadReport,
    failures: &mut Vec<NodeFailure>,
    events: &Events,
) -> Result<(), LoadError> {
    let names: Vec<String> = g.chosen.iter().map(|w| w.name.clone()).collect();
    // One size per distinct ID: two names of one image are saved once.
    let mut by_id: BTreeMap<&str, Option<u64>> = BTreeMap::new();
    for w in g.chosen {
        by_id.insert(&w.id, w.size);
    }
    let total = by_id.values().copied().sum::<Option<u64>>();
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    let title = format!(
        "Streaming {} to {}",
        quoted.join(", "),
        node_list(g.nodes.iter().map(|(n, _)| n.as_str()))
    );
    let source = provider.save_images(&names);
    let (read, results) =
        stream_to_nodes(provider, source, g.nodes, g.platform, total, &title, events).await;
    report.bytes_streamed += read.as_ref().copied().unwrap_or(0);
    let source_error = read.err();
    for ((node, _), result) in g.nodes.iter().zip(results) {
        match result {
            Ok(()) => {
                for w in g.chosen {
                    events.info(format!("Imported {:?} on node {node:?}", w.name));
                    report.results.push(NodeResult {
                        node: node.clone(),
                        image: w.name.clone(),
                        outcome: Outcome::Imported,
                    });
                }
            }
            Err(error) => failures.push(NodeFailure {
                node: node.clone(),
                error,
            }),
        }
    }
    if let Some(e) = source_error {
        return Err(LoadError::Source {
            what: format!(
                "the images from the engine (docker save {})",
                names.join(" ")
            ),
            reason: e.to_string(),
        });
    }
    Ok(())
}

/// Report each decision and carry out the tag-only ones; returns what was done and the indexes
/// of the images the node still needs imported (a failed re-tag falls back to an import).
async fn apply_decisions(
    provider: &dyn Provider,
    node: &str,
    plan: Vec<(usize, Action)>,
    wanted: &[LocalImage],
    events: &Events,
) -> (Vec<NodeResult>, BTreeSet<usize>) {
    let mut done = Vec::new();
    let mut to_import = BTreeSet::new();
    for (i, action) in plan {
        let w = &wanted[i];
        match action {
            Action::Present => {
                events.info(format!(
                    "Image {:?} with ID {} is already present on node {node:?}",
                    w.name,
                    short_id(&w.id)
                ));
                done.push(NodeResult {
                    node: node.into(),
                    image: w.name.clone(),
                    outcome: Outcome::AlreadyPresent,
                });
            }
            Action::Tag { from } => {
                let cmd: Vec<String> = [
                    "ctr",
                    "-n",
                    "k8s.io",
                    "images",
                    "tag",
                    "--force",
                    &from,
                    &w.normalized,
                ]
                .iter()
                .map(|s| s.to_string())
                .collect();
                let tagged = match provider.exec(node, &cmd, ExecInput::None).await {
                    Ok(out) => out.check(node, &cmd).map(|_| ()),
                    Err(e) => Err(e),
                };
                match tagged {
                    Ok(()) => {
                        events.info(format!(
                            "Image {:?} with ID {} is already on node {node:?} as {from:?}; \
                             tagged it, no import",
                            w.name,
                            short_id(&w.id)
                        ));
                        done.push(NodeResult {
                            node: node.into(),
                            image: w.name.clone(),
                            outcome: Outcome::Tagged { from },
                        });
                    }
                    Err(e) => {
                        events.warn(format!(
                            "re-tagging {:?} on node {node:?} failed ({e}); importing it instead",
                            w.name
                        ));
                        to_import.insert(i);
                    }
                }
            }
            Action::Import => {
                events.info(format!(
                    "Image {:?} with ID {} is not yet present on node {node:?}; loading it",
                    w.name,
                    short_id(&w.id)
                ));
                to_import.insert(i);
            }
        }
    }
    (done, to_import)
}

async fn probe(provider: &dyn Provider, node: &str) -> Result<Inventory, ProviderError> {
    let cmd: Vec<String> = ["sh", "-c", inventory::PROBE_SCRIPT]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let out = provider
        .exec(node, &cmd, ExecInput::None)
        .await?
        .check(node, &cmd)?;
    Ok(Inventory::parse(&out.stdout_text()))
}

fn hex(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

/// `sha256:0123456789ab` (twelve hex digits, as `docker images` shows).
fn short_id(id: &str) -> String {
    let short: String = hex(id).chars().take(12).collect();
    format!("sha256:{short}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_have_twelve_digits() {
        assert_eq!(
            short_id("sha256:a96514ca5e16ffffffffffff"),
            "sha256:a96514ca5e16"
        );
        assert_eq!(short_id("abc"), "sha256:abc");
    }
}
