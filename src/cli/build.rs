//! Arguments of `minik build`: making node images.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::parse_key_value;

#[derive(Debug, Subcommand)]
pub enum BuildCommand {
    /// Build a node image (online from dl.k8s.io, or offline from a local folder)
    NodeImage(BuildNodeImageArgs),
}

#[derive(Debug, Args)]
pub struct BuildNodeImageArgs {
    /// Kubernetes version to download (online mode)
    #[arg(long, value_name = "V", conflicts_with = "kubernetes_dir")]
    pub kubernetes_version: Option<String>,
    /// Base image the node image's Dockerfile starts FROM
    #[arg(long, value_name = "IMAGE")]
    pub base_image: Option<String>,
    /// Offline mode: a folder with version, bin/{kubeadm,kubelet,kubectl} and images/*.tar
    #[arg(long, value_name = "DIR")]
    pub kubernetes_dir: Option<PathBuf>,
    /// Name of the image to create [default: minik/node:<version>]
    #[arg(long)]
    pub image: Option<String>,
    /// Add a label to the image (repeatable)
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub label: Vec<(String, String)>,
    /// CPU architecture of the binaries (amd64 or arm64) [default: the engine's]
    #[arg(long)]
    pub arch: Option<String>,
}
