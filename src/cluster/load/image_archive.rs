//! `minik load image-archive`: archives on disk, each streamed to every target node at once.

use std::path::PathBuf;

use super::import::{import_platform, stream_to_nodes};
use super::inventory::{snapshotter, DEFAULT_SNAPSHOTTER};
use super::{
    node_list, target_nodes, LoadError, LoadReport, NodeFailure, NodeResult, Outcome, Targets,
};
use crate::archive::reader_stream;
use crate::events::Events;
use crate::provider::{ExecInput, Provider};

/// Archive files are read in pieces this big.
const FILE_CHUNK: usize = 1 << 20;

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

async fn node_snapshotter(provider: &dyn Provider, node: &str) -> String {
    let cmd = vec!["cat".to_string(), "/etc/containerd/config.toml".to_string()];
    match provider.exec(node, &cmd, ExecInput::None).await {
        Ok(out) if out.exit_code == 0 => snapshotter(&out.stdout_text()),
        _ => DEFAULT_SNAPSHOTTER.to_string(),
    }
}
