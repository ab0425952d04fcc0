//! Node images: which one a cluster uses, and how `minik build node-image` makes one.
//!
//! A node image is the base image built from `node-image/` (Debian, systemd) plus containerd,
//! runc and crictl in /usr/local, kubeadm, kubelet and kubectl in /usr/bin, `/kind/version`, `/kind/manifests/*` and the
//! control-plane, CNI and storage images preloaded into containerd. The layout matches kind's
//! `kindest/node` images, so either kind of image works in minik.

mod build;
mod context;
pub(crate) mod download;
pub(crate) mod images;
mod install_runtime;
mod kindest;
mod pairing;
pub(crate) mod runtime;

pub(crate) use build::{build, BuildOptions, Source};
pub(crate) use kindest::{kindest_image, Unpublished};

use crate::k8s_version::KubeVersion;
use crate::provider::{Provider, ProviderError};

/// The Kubernetes version minik uses when none is asked for.
pub(crate) const DEFAULT_KUBERNETES_VERSION: &str = "v1.36.4";

/// minik's own node image repository (`minik/node:<version>`).
pub(crate) const MINIK_NODE_REPO: &str = "minik/node";

#[derive(Debug, thiserror::Error)]
pub enum NodeImageError {
    /// `--kubernetes-dir` lacks a file an offline build needs.
    #[error("{0} is missing")]
    MissingFile(String),

    /// `--kubernetes-dir`'s `version` file does not hold a Kubernetes version.
    #[error("{path}: {reason}")]
    BadVersionFile { path: String, reason: String },

    /// The runtime binaries an offline build was given are incomplete.
    #[error(
        "the image would lack {missing}: offline builds need DIR/bin/{{{required}}} (crictl too \
         when available), e.g. from containerd's and runc's release downloads"
    )]
    MissingRuntime { missing: String, required: String },

    /// The runtime downloads did not leave every binary in place.
    #[error("the downloaded runtime lacks {0}")]
    DownloadIncomplete(String),

    /// The containerd an offline build was given cannot run this Kubernetes version.
    #[error("{0}")]
    RuntimeMismatch(String),

    #[error("cannot read containerd's version from {0:?}")]
    ContainerdVersion(String),

    /// containerd's default OCI spec could not be turned into the pods' base spec.
    #[error("{0}")]
    CriBase(String),

    /// A downloaded checksum file did not hold the checksum.
    #[error("{url}: {reason}")]
    Checksum { url: String, reason: String },

    #[error("{what} failed in the build container: {source}")]
    Step {
        what: String,
        #[source]
        source: ProviderError,
    },

    /// The engine failed (kept in the `source()` chain: its exit class and hint are its own).
    #[error("{0}")]
    Provider(#[from] ProviderError),

    /// A signal arrived; the build container was removed.
    #[error("{0}")]
    Cancelled(#[from] crate::signals::Cancelled),
    #[error(transparent)]
    Unpublished(#[from] Unpublished),

    /// An offline build's folder lacks images the node needs (kubeadm's list, the manifests').
    #[error(
        "the node image for Kubernetes {version} would lack {}: none of the folder's \
         images/*.tar holds {}",
        missing.join(", "),
        if missing.len() == 1 { "it" } else { "them" }
    )]
    MissingImages {
        version: KubeVersion,
        missing: Vec<String>,
    },

    /// The build container's kubeadm or containerd config is not what the build expects.
    #[error("{0}")]
    BadKubeadmOutput(String),

    #[error("could not read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

crate::error_keys!(pub NodeImageError {
    NodeImageError::MissingFile(path) => "nodeimage.missing-file", path = path;
    NodeImageError::BadVersionFile { path, reason } => "nodeimage.bad-version-file", path = path, reason = reason;
    NodeImageError::MissingRuntime { missing, required } => "nodeimage.missing-runtime", missing = missing, required = required;
    NodeImageError::DownloadIncomplete(missing) => "nodeimage.download-incomplete", missing = missing;
    NodeImageError::RuntimeMismatch(reason) => "nodeimage.runtime-mismatch", reason = reason;
    NodeImageError::ContainerdVersion(text) => "nodeimage.containerd-version", text = format!("{text:?}");
    NodeImageError::CriBase(reason) => "nodeimage.cri-base", reason = reason;
    NodeImageError::Checksum { url, reason } => "nodeimage.checksum", url = url, reason = reason;
    NodeImageError::Step { what, source } => "nodeimage.step", what = what;
    NodeImageError::Provider(_) => "nodeimage.provider";
    NodeImageError::Cancelled(_) => "nodeimage.cancelled";
    NodeImageError::Unpublished(e) => "nodeimage.unpublished", reason = e;
    NodeImageError::MissingImages { version, missing } => "nodeimage.missing-images",
        version = version, missing = missing.join(", ");
    NodeImageError::BadKubeadmOutput(reason) => "nodeimage.bad-kubeadm-output", reason = reason;
    NodeImageError::Read { path, source } => "nodeimage.read", path = path, reason = source;
});

impl NodeImageError {
    /// Bad input: a version no image exists for (`--kubernetes-version`), or an offline
    /// build's `--kubernetes-dir` that lacks what the image needs.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            NodeImageError::Unpublished(_)
                | NodeImageError::MissingFile(_)
                | NodeImageError::BadVersionFile { .. }
                | NodeImageError::MissingRuntime { .. }
                | NodeImageError::RuntimeMismatch(_)
                | NodeImageError::MissingImages { .. }
        )
    }

    pub fn details(&self) -> Option<String> {
        match self {
            NodeImageError::Step { source, .. } | NodeImageError::Provider(source) => {
                source.details()
            }
            _ => None,
        }
    }
}

impl crate::hint::Hint for NodeImageError {
    fn hint(&self) -> Option<String> {
        match self {
            NodeImageError::MissingFile(_)
            | NodeImageError::BadVersionFile { .. }
            | NodeImageError::MissingRuntime { .. } => Some(
                "offline builds need --base-image IMAGE and --kubernetes-dir DIR holding `version`, \
                 bin/{kubeadm,kubelet,kubectl}, bin/{containerd,ctr,containerd-shim-runc-v2,runc} \
                 (and crictl) and images/*.tar"
                    .into(),
            ),
            NodeImageError::Step { .. } => {
                Some("the build container's output is above; rerun with -v for all of it".into())
            }
            NodeImageError::Unpublished(u) => Some(u.hint.clone()),
            NodeImageError::MissingImages { version, .. } => Some(format!(
                "save each into the folder (`docker save -o DIR/images/NAME.tar IMAGE`); the \
                 images kubeadm needs: kubeadm config images list --kubernetes-version {version}"
            )),
            _ => None,
        }
    }
}

/// minik's image name for a version.
pub(crate) fn minik_image(version: &KubeVersion) -> String {
    format!("{MINIK_NODE_REPO}:{version}")
}

/// The image for a cluster when `--image` is not given: minik's own image of that version
/// when it has been built here, else kind's published one (refused when kind has none).
pub(crate) async fn default_image(
    provider: &dyn Provider,
    version: &KubeVersion,
) -> Result<String, NodeImageError> {
    let own = minik_image(version);
    if provider.image_id(&own).await?.is_some() {
        return Ok(own);
    }
    Ok(kindest_image(version)?)
}

/// minik's and kind's node images in the engine, newest first.
pub(crate) async fn local_node_images(
    p: &dyn crate::provider::Provider,
) -> Result<Vec<String>, crate::provider::ProviderError> {
    let mut out = Vec::new();
    for repo in [MINIK_NODE_REPO, "kindest/node"] {
        out.extend(p.local_images(repo).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_version_parses_and_has_a_pinned_kind_image() {
        let v: KubeVersion = DEFAULT_KUBERNETES_VERSION.parse().unwrap();
        let image = kindest_image(&v).unwrap();
        assert!(image.contains("@sha256:"), "{image}");
        assert_eq!(minik_image(&v), "minik/node:v1.36.4");
    }
}
