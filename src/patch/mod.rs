//! Patches for the files minik generates inside a node, applied the way kind applies them:
//! - kubeadm config (a multi-document YAML stream): merge patches (RFC 7386, with kubeadm-aware
//!   handling of `extraArgs`, `kubeletExtraArgs` and `certSANs`) and JSON6902 patches (RFC 6902),
//!   each aimed at documents by `kind` and `apiVersion`; see [`kubeadm_config`].
//! - containerd's `config.toml`: TOML merge patches and JSON6902 patches; see [`containerd_config`].
//!
//! Everything here is a pure function from strings to strings.

mod containerd;
mod containerd_v2;
mod kubeadm;
mod kubeadm_merge;
mod registry_hosts;

pub(crate) use containerd::containerd_config;
pub(crate) use kubeadm::Json6902Patch;
pub(crate) use kubeadm::{kubeadm_config, kubeadm_config_for_node, KubeadmPatches, KUBEADM_KINDS};

pub(crate) use containerd::parse_toml_patch;
pub(crate) use kubeadm::{parse_json6902, parse_merge_patches};

/// A patch that could not be read or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{context}: {message}")]
pub struct PatchError {
    /// Which patch or document, e.g. `kubeadmConfigPatches[1]`.
    pub context: String,
    pub message: String,
}

impl PatchError {
    pub(crate) fn new(context: impl Into<String>, message: impl ToString) -> Self {
        PatchError {
            context: context.into(),
            message: message.to_string(),
        }
    }
}

#[cfg(test)]
mod golden_tests;
