//! Build step: containerd, runc and crictl into the build container, checked, and the pods'
//! base OCI spec generated from the installed containerd.

use std::path::{Path, PathBuf};

use super::build::{executables_tar, run, write, Source};
use super::runtime::{self, INSTALL_PATHS};
use super::NodeImageError;
use crate::k8s_version::KubeVersion;
use crate::provider::Provider;

/// Everything a node needs to run containers; crictl is optional offline.
const REQUIRED: &[&str] = &["containerd", "ctr", "containerd-shim-runc-v2", "runc"];

pub(super) async fn install(
    provider: &dyn Provider,
    container: &str,
    source: &Source,
    version: &KubeVersion,
    arch: &str,
) -> Result<Option<String>, NodeImageError> {
    match source {
        Source::Local { dir } => copy_local(provider, container, dir).await?,
        Source::Download { .. } => download(provider, container, arch).await?,
    }
    let paths: Vec<&str> = INSTALL_PATHS
        .iter()
        .filter(|(name, _)| REQUIRED.contains(name))
        .map(|(_, path)| *path)
        .collect();
    let missing = run(
        provider,
        container,
        "checking the runtime binaries",
        &[
            "sh",
            "-c",
            &format!(
                "for p in {}; do [ -x \"$p\" ] || echo \"$p\"; done",
                paths.join(" ")
            ),
        ],
    )
    .await?;
    if !missing.trim().is_empty() {
        let missing: Vec<&str> = missing.split_whitespace().collect();
        if let Source::Download { .. } = source {
            return Err(NodeImageError::DownloadIncomplete(missing.join(", ")));
        }
        return Err(NodeImageError::MissingRuntime {
            missing: missing.join(", "),
            required: REQUIRED.join(","),
        });
    }
    let out = run(
        provider,
        container,
        "asking containerd its version",
        &["/usr/local/bin/containerd", "--version"],
    )
    .await?;
    let found = runtime::containerd_version(&out)
        .ok_or_else(|| NodeImageError::ContainerdVersion(out.trim().to_string()))?;
    let warning = super::pairing::check_pairing(version, found, std::time::SystemTime::now())
        .map_err(NodeImageError::RuntimeMismatch)?;
    let spec = run(
        provider,
        container,
        "reading containerd's default OCI spec",
        &["/usr/local/bin/ctr", "oci", "spec"],
    )
    .await?;
    let base = runtime::cri_base(&spec).map_err(NodeImageError::CriBase)?;
    write(provider, container, "/etc/containerd/cri-base.json", &base).await?;
    Ok(warning)
}

/// `DIR/bin/<name>` for each runtime binary present, to its place in the image.
async fn copy_local(
    provider: &dyn Provider,
    container: &str,
    dir: &Path,
) -> Result<(), NodeImageError> {
    let files: Vec<(PathBuf, String)> = INSTALL_PATHS
        .iter()
        .map(|(name, dest)| {
            (
                dir.join("bin").join(name),
                dest.trim_start_matches('/').to_string(),
            )
        })
        .filter(|(path, _)| path.is_file())
        .collect();
    let bytes = executables_tar(&files)?;
    provider.copy_tar_to(container, "/", bytes.into()).await?;
    Ok(())
}

async fn download(
    provider: &dyn Provider,
    container: &str,
    arch: &str,
) -> Result<(), NodeImageError> {
    let releases = runtime::releases(arch);
    let fetches = releases.iter().map(|r| async move {
        let text = run(
            provider,
            container,
            &format!("downloading {}", r.checksum_url),
            &["curl", "-fsSL", "--retry", "4", &r.checksum_url],
        )
        .await?;
        let sha = runtime::checksum_for(&text, &r.checksum_name).map_err(|reason| {
            NodeImageError::Checksum {
                url: r.checksum_url.to_string(),
                reason: reason.to_string(),
            }
        })?;
        run(
            provider,
            container,
            &format!("downloading and verifying {}", r.what),
            &["sh", "-c", &runtime::fetch_script(r, &sha)],
        )
        .await?;
        Ok::<(), NodeImageError>(())
    });
    futures_util::future::try_join_all(fetches).await?;
    Ok(())
}
