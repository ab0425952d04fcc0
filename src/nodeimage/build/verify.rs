//! What the node image's containerd must hold before it is committed: every image of
//! kubeadm's list for its version (kubeadm init pulls nothing when they are there, and there
//! may be no registry) plus the manifests' images, with kubeadm's pause image as containerd's
//! sandbox image. A folder that lacks one is refused, naming it, rather than giving an image
//! whose `kubeadm init` times out.

use super::super::{images, NodeImageError};
use super::{run, write};
use crate::k8s_version::KubeVersion;
use crate::node;
use crate::provider::Provider;

const CONTAINERD_CONFIG: &str = "/etc/containerd/config.toml";

/// `kubeadm config images list` for `version`, run by the image's own kubeadm.
pub(super) async fn kubeadm_images(
    provider: &dyn Provider,
    container: &str,
    version: &KubeVersion,
) -> Result<String, NodeImageError> {
    let version = version.to_string();
    let args = [
        "kubeadm",
        "config",
        "images",
        "list",
        "--kubernetes-version",
        &version,
    ];
    run(provider, container, "listing kubeadm's images", &args).await
}

/// Refuse when containerd lacks an image of `required`.
pub(super) async fn all_held(
    provider: &dyn Provider,
    container: &str,
    version: &KubeVersion,
    required: &[String],
) -> Result<(), NodeImageError> {
    let args = ["ctr", "-n", "k8s.io", "images", "ls", "-q"];
    let held = run(provider, container, "listing containerd's images", &args).await?;
    let missing = images::missing(required, &held);
    if missing.is_empty() {
        return Ok(());
    }
    Err(NodeImageError::MissingImages {
        version: version.clone(),
        missing,
    })
}

/// Make kubeadm's pause image containerd's sandbox image.
pub(super) async fn set_sandbox(
    provider: &dyn Provider,
    container: &str,
    listed: &str,
) -> Result<(), NodeImageError> {
    let image = images::sandbox_image(listed).ok_or_else(|| {
        NodeImageError::BadKubeadmOutput("`kubeadm config images list` names no pause image".into())
    })?;
    let current = node::read_file(provider, container, CONTAINERD_CONFIG)
        .await
        .map_err(|source| NodeImageError::Step {
            what: format!("reading {CONTAINERD_CONFIG}"),
            source,
        })?;
    let updated = images::with_sandbox(&current, &image).ok_or_else(|| {
        NodeImageError::BadKubeadmOutput(format!(
            "{CONTAINERD_CONFIG} has no sandbox key to set to {image}"
        ))
    })?;
    write(provider, container, CONTAINERD_CONFIG, &updated).await
}
