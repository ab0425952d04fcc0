//! The bundle's folder and its `.tar.gz`: names, a fresh folder, writes that say which path
//! failed.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::super::ClusterError;
use crate::archive;

/// `minik-logs-<cluster>-<UTC yyyymmdd-hhmmss>`, relative to the current directory.
pub(crate) fn default_dir(cluster: &str, now: SystemTime) -> PathBuf {
    // 2026-11-27T10:40:01Z → 20261127-104001
    let stamp: String = humantime::format_rfc3339_seconds(now)
        .to_string()
        .chars()
        .filter_map(|c| match c {
            'T' => Some('-'),
            c if c.is_ascii_digit() => Some(c),
            _ => None,
        })
        .collect();
    PathBuf::from(format!("minik-logs-{cluster}-{stamp}"))
}

/// `DIR.tar.gz`, next to DIR.
pub(crate) fn archive_path(dir: &Path) -> PathBuf {
    let mut name = dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "minik-logs".into());
    name.push(".tar.gz");
    dir.with_file_name(name)
}

pub(super) fn io_error(path: &Path, e: std::io::Error) -> ClusterError {
    ClusterError::Write {
        path: path.display().to_string(),
        source: e,
    }
}

/// Refuse to mix a new bundle with an old one.
pub(super) async fn prepare_dir(dir: &Path, archive: &Path) -> Result<(), ClusterError> {
    if let Ok(mut entries) = tokio::fs::read_dir(dir).await {
        if entries.next_entry().await.ok().flatten().is_some() {
            return Err(ClusterError::DestinationExists {
                path: dir.display().to_string(),
                not_empty: true,
            });
        }
    }
    if tokio::fs::try_exists(archive).await.unwrap_or(false) {
        return Err(ClusterError::DestinationExists {
            path: archive.display().to_string(),
            not_empty: false,
        });
    }
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| io_error(dir, e))
}

pub(super) async fn write(path: &Path, data: &[u8]) -> Result<(), ClusterError> {
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| io_error(parent, e))?;
    }
    tokio::fs::write(path, data)
        .await
        .map_err(|e| io_error(path, e))
}

/// DIR as `archive` (its entries under DIR's own name, links kept as links).
pub(super) fn write_archive(dir: &Path, archive: &Path) -> std::io::Result<()> {
    archive::write_tar_gz(dir, archive, "minik-logs")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn names_the_folder_and_the_archive() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_776_001);
        assert_eq!(
            default_dir("dev", t),
            PathBuf::from("minik-logs-dev-20261127-104001")
        );
        assert_eq!(
            archive_path(Path::new("out/logs")),
            PathBuf::from("out/logs.tar.gz")
        );
        assert_eq!(
            archive_path(Path::new("minik-logs-dev-1")),
            PathBuf::from("minik-logs-dev-1.tar.gz")
        );
    }
}
