//! Offline source: everything from a local folder, no network at all (see
//! [`super::Source::Local`] for the folder's layout).

use std::path::{Path, PathBuf};

use super::super::{download, NodeImageError};
use crate::archive;
use crate::archive::reader_stream;
use crate::events::Events;
use crate::k8s_version::KubeVersion;
use crate::provider::{ExecInput, Provider, ProviderError};

/// Image archives are streamed to containerd in pieces this big.
const FILE_CHUNK: usize = 256 * 1024;

/// The folder's Kubernetes version, once its binaries are known to be there.
pub(super) fn check(dir: &Path) -> Result<KubeVersion, NodeImageError> {
    let version = local_version(dir)?;
    for b in download::BINARIES {
        let p = dir.join("bin").join(b);
        if !p.is_file() {
            return Err(NodeImageError::MissingFile(p.display().to_string()));
        }
    }
    Ok(version)
}

pub(super) fn local_version(dir: &Path) -> Result<KubeVersion, NodeImageError> {
    let path = dir.join("version");
    let text = read(&path)?;
    text.trim()
        .parse()
        .map_err(
            |e: crate::k8s_version::InvalidVersion| NodeImageError::BadVersionFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            },
        )
}

fn read(path: &Path) -> Result<String, NodeImageError> {
    std::fs::read_to_string(path).map_err(|e| NodeImageError::Read {
        path: path.display().to_string(),
        source: e,
    })
}

/// kubeadm, kubelet and kubectl into /usr/bin; returns the manifests, the folder's
/// `manifests/*.yaml` replacing the defaults they name.
pub(super) async fn kubernetes(
    provider: &dyn Provider,
    container: &str,
    dir: &Path,
    mut manifests: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, NodeImageError> {
    let files: Vec<(PathBuf, String)> = download::BINARIES
        .iter()
        .map(|b| (dir.join("bin").join(b), b.to_string()))
        .collect();
    let bytes = executables_tar(&files)?;
    provider
        .copy_tar_to(container, "/usr/bin", bytes.into())
        .await?;
    for (name, text) in manifests.iter_mut() {
        let p = dir.join("manifests").join(&*name);
        if p.is_file() {
            *text = read(&p)?;
        }
    }
    Ok(manifests)
}

/// A tar of local files as root-owned executables, each at its path inside the archive.
pub(in crate::nodeimage) fn executables_tar(
    files: &[(PathBuf, String)],
) -> Result<Vec<u8>, NodeImageError> {
    let read_err = |path: &Path, e| NodeImageError::Read {
        path: path.display().to_string(),
        source: e,
    };
    let mut tar = archive::Builder::new();
    for (path, name) in files {
        let data = std::fs::read(path).map_err(|e| read_err(path, e))?;
        tar.file(name, &data, 0o755)
            .map_err(|e| read_err(path, e))?;
    }
    tar.finish().map_err(|e| read_err(Path::new("."), e))
}

/// Stream each of the folder's `images/*.tar` straight into containerd (no copy inside the
/// container).
pub(super) async fn images(
    provider: &dyn Provider,
    container: &str,
    dir: &Path,
    events: &Events,
) -> Result<(), NodeImageError> {
    let images_dir = dir.join("images");
    let Ok(entries) = std::fs::read_dir(&images_dir) else {
        return Ok(());
    };
    let mut tars: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tar"))
        .collect();
    tars.sort();
    for t in tars {
        events.debug(format!("importing {}", t.display()));
        let file = tokio::fs::File::open(&t)
            .await
            .map_err(|e| NodeImageError::Read {
                path: t.display().to_string(),
                source: e,
            })?;
        let stream = reader_stream(file, FILE_CHUNK);
        let cmd: Vec<String> = [
            "ctr",
            "-n",
            "k8s.io",
            "images",
            "import",
            "--all-platforms",
            "--no-unpack",
            "--digests",
            "-",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        provider
            .exec(container, &cmd, ExecInput::Stream(stream))
            .await?
            .check(container, &cmd)
            .map_err(|source: ProviderError| NodeImageError::Step {
                what: format!("importing {}", t.display()),
                source,
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_builds_check_their_folder_first() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            local_version(dir.path()),
            Err(NodeImageError::Read { .. })
        ));
        std::fs::write(dir.path().join("version"), "latest\n").unwrap();
        assert!(matches!(
            local_version(dir.path()),
            Err(NodeImageError::BadVersionFile { .. })
        ));
        std::fs::write(dir.path().join("version"), "v1.35.0\n").unwrap();
        assert_eq!(local_version(dir.path()).unwrap().to_string(), "v1.35.0");
    }
}
