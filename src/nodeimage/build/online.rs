//! Online source: the Kubernetes binaries from dl.k8s.io (checksums verified) and the images
//! from their registries, all fetched inside the build container.

use super::super::{download, images, NodeImageError};
use super::run;
use crate::events::Events;
use crate::k8s_version::KubeVersion;
use crate::provider::Provider;

/// kubeadm, kubelet and kubectl into /usr/bin, each checked against its published sha256.
pub(super) async fn kubernetes(
    provider: &dyn Provider,
    container: &str,
    version: &KubeVersion,
    arch: &str,
) -> Result<(), NodeImageError> {
    let fetches = download::BINARIES.iter().map(|b| async move {
        let url = download::checksum_url(version, arch, b);
        let text = run(
            provider,
            container,
            &format!("downloading {url}"),
            &["curl", "-fsSL", "--retry", "4", &url],
        )
        .await?;
        let sha = download::parse_checksum(&text).map_err(|reason| NodeImageError::Checksum {
            url: url.to_string(),
            reason: reason.to_string(),
        })?;
        let script = download::fetch_script(version, arch, b, &sha);
        run(
            provider,
            container,
            &format!("downloading and verifying {b}"),
            &["sh", "-c", &script],
        )
        .await?;
        Ok::<(), NodeImageError>(())
    });
    futures_util::future::try_join_all(fetches).await?;
    Ok(())
}

/// Fetch kubeadm's images (`listed`) and those the manifests name, for `arch` only.
pub(super) async fn images(
    provider: &dyn Provider,
    container: &str,
    listed: &str,
    arch: &str,
    manifests: &[(String, String)],
    events: &Events,
) -> Result<(), NodeImageError> {
    let texts: Vec<&str> = manifests.iter().map(|(_, t)| t.as_str()).collect();
    for img in images::preload_list(listed, &texts) {
        events.debug(format!("fetching {img}"));
        let platform = format!("linux/{arch}");
        run(
            provider,
            container,
            &format!("fetching {img}"),
            &[
                "ctr",
                "-n",
                "k8s.io",
                "content",
                "fetch",
                "--platform",
                &platform,
                &img,
            ],
        )
        .await?;
    }
    Ok(())
}
