//! `minik load`: put images from the host's engine (or archives on disk) into a cluster's nodes.
//!
//! For `docker-image`, each node's containerd is asked first (one `ctr` exec per node, see
//! [`inventory`]): a node that already has the image under the same name is skipped, one that has
//! it under another name only gets the new tag. The rest share ONE `docker save` stream, fanned
//! out to every node that needs it at once (see [`fanout`]); nothing is written to a temporary
//! file. Each node imports with `ctr images import` into the snapshotter its containerd uses.
//!
//! Docker's containerd image store saves a multi-platform index even when only the host's
//! platform is present; importing all platforms then fails (`content digest … not found`), so
//! minik never asks for all platforms and names the host's platform explicitly on such engines.

mod error_class;
mod fanout;
mod inventory;
mod reference;

pub use fanout::{fan_out, reader_stream, BATCH_BYTES, CHANNEL_CAPACITY};
pub use inventory::{
    parse_content_ls, parse_images_ls, snapshotter, Action, Inventory, DEFAULT_SNAPSHOTTER,
};
pub use reference::{looks_like_id, normalize};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use super::ClusterError;
use crate::events::Events;
use crate::platform::info::EngineInfo;
use crate::platform::Arch;
use crate::provider::{ByteStream, ExecInput, NodeRole, NodeState, Provider, ProviderError};

/// Archive files are read in pieces this big.
const FILE_CHUNK: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),

    #[error("image {0:?} is not present locally")]
    ImageNotPresent(String),

    #[error("{0:?} is an image ID; minik loads images by name")]
    ImageId(String),

    #[error("{}", unknown_nodes(.unknown, .valid))]
    UnknownNodes {
        unknown: Vec<String>,
        valid: Vec<String>,
    },

    #[error("node {node:?} is not running (it is {state})")]
    NodeNotRunning {
        node: String,
        state: NodeState,
        cluster: String,
    },

    #[error("cannot read image archive {path}: {reason}")]
    Archive { path: PathBuf, reason: String },

    #[error("reading {what} failed: {reason}")]
    Source { what: String, reason: String },

    #[error("{}", failed_nodes(.0))]
    NodesFailed(Vec<NodeFailure>),

    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// One node the load failed on, and why.
#[derive(Debug)]
pub struct NodeFailure {
    pub node: String,
    pub error: ProviderError,
}

fn unknown_nodes(unknown: &[String], valid: &[String]) -> String {
    let quoted = |v: &[String]| {
        v.iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "unknown node{} {}; the cluster's nodes are {}",
        if unknown.len() == 1 { "" } else { "s" },
        quoted(unknown),
        quoted(valid)
    )
}

fn failed_nodes(failures: &[NodeFailure]) -> String {
    let names: Vec<String> = failures.iter().map(|f| format!("{:?}", f.node)).collect();
    let mut s = format!(
        "loading failed on node{} {}",
        if failures.len() == 1 { "" } else { "s" },
        names.join(", ")
    );
    for f in failures {
        s.push_str(&format!("\n  {}: {}", f.node, f.error));
        if let Some(details) = f.error.details() {
            let lines: Vec<&str> = details.lines().collect();
            for l in &lines[lines.len().saturating_sub(5)..] {
                s.push_str(&format!("\n    {l}"));
            }
        }
    }
    s
}

/// What happened to one image on one node.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum Outcome {
    AlreadyPresent,
    Tagged { from: String },
    Imported,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NodeResult {
    pub node: String,
    /// The image as the user named it, or the archive's path.
    pub image: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadReport {
    pub results: Vec<NodeResult>,
    /// Bytes read from the engine or the archives (each sent to every node that needed them).
    pub bytes_streamed: u64,
}

/// Which nodes to load into, from `--nodes`; empty means all of the cluster's nodes.
#[derive(Debug, Clone, Default)]
pub struct Targets<'a> {
    pub cluster: &'a str,
    pub nodes: &'a [String],
}

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
    // Everything the user named must exist before anything changes.
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
    let nodes = target_nodes(provider, targets).await?;

    // Ask every node what it holds, all at once.
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
        let names: Vec<String> = chosen.iter().map(|w| w.name.clone()).collect();
        // One size per distinct ID: two names of one image are saved once.
        let mut by_id: BTreeMap<&str, Option<u64>> = BTreeMap::new();
        for w in &chosen {
            by_id.insert(&w.id, w.size);
        }
        let total = by_id.values().copied().sum::<Option<u64>>();
        let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        let title = format!(
            "Streaming {} to {}",
            quoted.join(", "),
            node_list(group.iter().map(|(n, _)| n.as_str()))
        );
        let source = provider.save_images(&names);
        let (read, results) = stream_to_nodes(
            provider,
            source,
            &group,
            platform.as_deref(),
            total,
            &title,
            events,
        )
        .await;
        report.bytes_streamed += read.as_ref().copied().unwrap_or(0);
        let source_error = read.err();
        for ((node, _), result) in group.iter().zip(results) {
            match result {
                Ok(()) => {
                    for w in &chosen {
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
    }
    if !failures.is_empty() {
        return Err(LoadError::NodesFailed(failures));
    }
    Ok(report)
}

/// `minik load image-archive`: every archive, in order, to every target node at once.
pub async fn load_image_archives(
    provider: &dyn Provider,
    targets: &Targets<'_>,
    files: &[PathBuf],
    events: &Events,
) -> Result<LoadReport, LoadError> {
    let mut sizes = Vec::new();
    for f in files {
        let meta = tokio::fs::metadata(f)
            .await
            .map_err(|e| LoadError::Archive {
                path: f.clone(),
                reason: e.to_string(),
            })?;
        if !meta.is_file() {
            return Err(LoadError::Archive {
                path: f.clone(),
                reason: "not a file".into(),
            });
        }
        sizes.push(meta.len());
    }
    let nodes = target_nodes(provider, targets).await?;
    let snaps =
        futures_util::future::join_all(nodes.iter().map(|n| node_snapshotter(provider, n))).await;
    let group: Vec<(String, String)> = nodes.iter().cloned().zip(snaps).collect();
    let platform = import_platform(provider).await?;
    let mut report = LoadReport::default();
    let mut failures = Vec::new();
    for (path, size) in files.iter().zip(sizes) {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| LoadError::Archive {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        let title = format!(
            "Streaming {} to {}",
            path.display(),
            node_list(nodes.iter().map(String::as_str))
        );
        let source = reader_stream(file, FILE_CHUNK);
        let (read, results) = stream_to_nodes(
            provider,
            source,
            &group,
            platform.as_deref(),
            Some(size),
            &title,
            events,
        )
        .await;
        if let Err(e) = read {
            return Err(LoadError::Archive {
                path: path.clone(),
                reason: e.to_string(),
            });
        }
        report.bytes_streamed += size;
        for ((node, _), result) in group.iter().zip(results) {
            match result {
                Ok(()) => {
                    events.info(format!("Imported {} on node {node:?}", path.display()));
                    report.results.push(NodeResult {
                        node: node.clone(),
                        image: path.display().to_string(),
                        outcome: Outcome::Imported,
                    });
                }
                Err(error) => failures.push(NodeFailure {
                    node: node.clone(),
                    error,
                }),
            }
        }
        if !failures.is_empty() {
            return Err(LoadError::NodesFailed(failures));
        }
    }
    Ok(report)
}

/// The `ctr` command that imports an archive from standard input.
pub fn import_command(snapshotter: &str, platform: Option<&str>) -> Vec<String> {
    let mut cmd: Vec<String> = ["ctr", "-n", "k8s.io", "images", "import", "--digests"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    cmd.push("--snapshotter".into());
    cmd.push(snapshotter.into());
    if let Some(p) = platform {
        cmd.push("--platform".into());
        cmd.push(p.into());
    }
    cmd.push("-".into());
    cmd
}

/// `--platform linux/<arch>` on engines using Docker's containerd image store (their `docker
/// save` may list platforms whose content is absent); `None` (ctr's default, the node's own
/// platform) otherwise.
pub fn platform_for(info: &EngineInfo) -> Option<String> {
    let containerd_store = info
        .driver_status("driver-type")
        .is_some_and(|t| t.contains("io.containerd.snapshotter"));
    containerd_store.then(|| format!("linux/{}", Arch::parse(&info.architecture).as_str()))
}

async fn import_platform(provider: &dyn Provider) -> Result<Option<String>, LoadError> {
    let info = provider.info().await?;
    // An /info that cannot be read says nothing about the image store: use ctr's default.
    Ok(EngineInfo::from_json(&info)
        .ok()
        .and_then(|i| platform_for(&i)))
}

/// Feed `source` to every node of `group` (name, snapshotter) at once; the read result and one
/// result per node, in order.
async fn stream_to_nodes(
    provider: &dyn Provider,
    source: ByteStream,
    group: &[(String, String)],
    platform: Option<&str>,
    total: Option<u64>,
    title: &str,
    events: &Events,
) -> (std::io::Result<u64>, Vec<Result<(), ProviderError>>) {
    let step = events.step(title);
    let (streams, pump) = fan_out(source, group.len(), CHANNEL_CAPACITY, BATCH_BYTES, |done| {
        step.progress(done, total)
    });
    let imports = futures_util::future::join_all(group.iter().zip(streams).map(
        |((node, snapshotter), input)| async move {
            let cmd = import_command(snapshotter, platform);
            events.debug(format!("{node}: {}", cmd.join(" ")));
            provider
                .exec(node, &cmd, ExecInput::Stream(input))
                .await?
                .check(node, &cmd)
                .map(|out| events.debug(format!("{node}: {}", out.combined().trim())))
        },
    ));
    let (read, results) = tokio::join!(pump, imports);
    if read.is_ok() && results.iter().all(Result::is_ok) {
        step.done();
    }
    (read, results)
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

/// The cluster's nodes to load into: all but the load balancer, or the `--nodes` subset.
async fn target_nodes(
    provider: &dyn Provider,
    targets: &Targets<'_>,
) -> Result<Vec<String>, LoadError> {
    let all = provider.list_nodes(Some(targets.cluster)).await?;
    if all.is_empty() {
        return Err(ClusterError::NotFound(targets.cluster.to_string()).into());
    }
    let mut internal: Vec<_> = all
        .into_iter()
        .filter(|n| n.role != NodeRole::ExternalLoadBalancer)
        .collect();
    internal.sort_by(|a, b| a.name.cmp(&b.name));
    let valid: Vec<String> = internal.iter().map(|n| n.name.clone()).collect();
    let chosen: Vec<_> = if targets.nodes.is_empty() {
        internal
    } else {
        let unknown: Vec<String> = targets
            .nodes
            .iter()
            .filter(|n| !valid.contains(n))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(LoadError::UnknownNodes { unknown, valid });
        }
        internal
            .into_iter()
            .filter(|n| targets.nodes.contains(&n.name))
            .collect()
    };
    if let Some(n) = chosen.iter().find(|n| n.state != NodeState::Running) {
        return Err(LoadError::NodeNotRunning {
            node: n.name.clone(),
            state: n.state,
            cluster: targets.cluster.to_string(),
        });
    }
    Ok(chosen.into_iter().map(|n| n.name).collect())
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

async fn node_snapshotter(provider: &dyn Provider, node: &str) -> String {
    let cmd = vec!["cat".to_string(), "/etc/containerd/config.toml".to_string()];
    match provider.exec(node, &cmd, ExecInput::None).await {
        Ok(out) if out.exit_code == 0 => snapshotter(&out.stdout_text()),
        _ => DEFAULT_SNAPSHOTTER.to_string(),
    }
}

fn hex(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

/// `sha256:0123456789ab` (twelve hex digits, as `docker images` shows).
fn short_id(id: &str) -> String {
    let short: String = hex(id).chars().take(12).collect();
    format!("sha256:{short}")
}

fn node_list<'a>(nodes: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = nodes.collect();
    match v.len() {
        1 => format!("node {}", v[0]),
        n => format!("{n} nodes ({})", v.join(", ")),
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::AlreadyPresent => f.write_str("already present"),
            Outcome::Tagged { from } => write!(f, "tagged (from {from})"),
            Outcome::Imported => f.write_str("imported"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_command_never_asks_for_all_platforms() {
        let c = import_command("overlayfs", None).join(" ");
        assert_eq!(
            c,
            "ctr -n k8s.io images import --digests --snapshotter overlayfs -"
        );
        let c = import_command("native", Some("linux/arm64")).join(" ");
        assert_eq!(
            c,
            "ctr -n k8s.io images import --digests --snapshotter native --platform linux/arm64 -"
        );
    }

    #[test]
    fn the_platform_is_named_only_on_the_containerd_image_store() {
        let classic = EngineInfo::from_json(&serde_json::json!({
            "Architecture": "x86_64",
            "DriverStatus": [["Backing Filesystem", "extfs"]]
        }))
        .unwrap();
        assert_eq!(platform_for(&classic), None);
        let containerd = EngineInfo::from_json(&serde_json::json!({
            "Architecture": "aarch64",
            "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]]
        }))
        .unwrap();
        assert_eq!(platform_for(&containerd).as_deref(), Some("linux/arm64"));
    }

    #[test]
    fn errors_name_the_problem_on_the_first_line() {
        let e = LoadError::ImageNotPresent("app:v1".into());
        assert_eq!(e.to_string(), "image \"app:v1\" is not present locally");
        let e = LoadError::UnknownNodes {
            unknown: vec!["x".into()],
            valid: vec!["c-control-plane".into(), "c-worker".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown node \"x\"; the cluster's nodes are \"c-control-plane\", \"c-worker\""
        );
        let e = LoadError::NodesFailed(vec![NodeFailure {
            node: "c-worker".into(),
            error: ProviderError::ExecFailed {
                node: "c-worker".into(),
                command: "ctr import".into(),
                exit_code: 1,
                output: "ctr: unexpected EOF".into(),
            },
        }]);
        let text = e.to_string();
        assert!(
            text.starts_with("loading failed on node \"c-worker\"\n"),
            "{text}"
        );
        assert!(text.contains("ctr: unexpected EOF"), "{text}");
    }

    #[test]
    fn short_ids_have_twelve_digits() {
        assert_eq!(
            short_id("sha256:a96514ca5e16ffffffffffff"),
            "sha256:a96514ca5e16"
        );
        assert_eq!(short_id("abc"), "sha256:abc");
    }
}
