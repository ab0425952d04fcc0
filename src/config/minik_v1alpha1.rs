//! minik's own config version, `minik.dev/v1alpha1` `Cluster`.
//!
//! Today it has exactly the fields, defaults and rules of kind's `kind.x-k8s.io/v1alpha4` (see
//! `v1alpha4`), so a kind file becomes a minik file by changing its `apiVersion`. It exists so that
//! minik can add or change fields later without pretending to be kind's format; any difference
//! will be decoded here and listed in docs/config.md.

use std::path::Path;

use super::decode::Decoder;
use super::yaml::Node;
use super::{v1alpha4, ClusterConfig};

pub(crate) const API_VERSION: &str = "minik.dev/v1alpha1";

pub(crate) fn decode_cluster(d: &mut Decoder, root: &Node, base_dir: &Path) -> ClusterConfig {
    v1alpha4::decode_cluster(d, root, base_dir)
}
