//! Arguments of the commands that make and unmake clusters: create, delete, stop, start.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::parse_duration;

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Cluster name [default: $MINIK_CLUSTER_NAME or "minik"]
    #[arg(short = 'n', long, env = "MINIK_CLUSTER_NAME")]
    pub name: Option<String>,
    /// Number of nodes in all, control planes included
    #[arg(long, value_name = "N")]
    pub nodes: Option<u32>,
    /// Number of control-plane nodes (more than one adds a load balancer in front of them)
    #[arg(long, value_name = "M")]
    pub control_planes: Option<u32>,
    /// Node image to use
    #[arg(long)]
    pub image: Option<String>,
    /// Kubernetes version, which chooses the node image when --image is not given
    #[arg(long, value_name = "V")]
    pub kubernetes_version: Option<String>,
    /// Cluster config file (minik or kind v1alpha4 format); "-" reads stdin
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How long to wait for every node to be Ready ("0" returns once the API answers)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub wait: Duration,
    /// Keep the nodes when creation fails (to debug them)
    #[arg(long)]
    pub retain: bool,
    /// Kubeconfig file to write [default: first of $KUBECONFIG, else ~/.kube/config]
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// Address of the engine's host to publish the API server on (networking.apiServerAddress):
    /// 0.0.0.0 for every address, needed when the engine is on another machine
    #[arg(long, value_name = "IP")]
    pub api_address: Option<String>,
    /// Make the cluster from a bundle (`minik bundle create`): its images are loaded (checked),
    /// its config and node image used, its workshop images put on every node; no network needed
    #[arg(long, value_name = "FILE", conflicts_with_all = ["config", "image", "kubernetes_version"])]
    pub bundle: Option<PathBuf>,
    /// The bundle's digest from the organiser's screen (all 64 hex digits, or the first 20 or
    /// more); any other bundle is refused before the engine sees a byte
    #[arg(long = "sha256", value_name = "DIGEST", requires = "bundle", value_parser = super::bundle::parse_pin)]
    pub sha256: Option<crate::bundle::Pin>,
    /// Create from a bundle whose config reaches this machine (host folders, ports or the API on
    /// other addresses, kubeadm/containerd patches) without asking
    #[arg(long, requires = "bundle")]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Cluster name [default: $MINIK_CLUSTER_NAME or "minik"]
    #[arg(short = 'n', long, env = "MINIK_CLUSTER_NAME", conflicts_with = "all")]
    pub name: Option<String>,
    /// Delete every minik cluster
    #[arg(long)]
    pub all: bool,
    /// Kubeconfig file to clean [default: every file in $KUBECONFIG, else ~/.kube/config]
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Cluster name [default: $MINIK_CLUSTER_NAME or "minik"]
    #[arg(short = 'n', long, env = "MINIK_CLUSTER_NAME", conflicts_with = "all")]
    pub name: Option<String>,
    /// Stop every minik cluster
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Cluster name [default: $MINIK_CLUSTER_NAME or "minik"]
    #[arg(short = 'n', long, env = "MINIK_CLUSTER_NAME", conflicts_with = "all")]
    pub name: Option<String>,
    /// Start every minik cluster
    #[arg(long)]
    pub all: bool,
    /// How long to wait for every node to be Ready ("0" returns once the nodes have booted)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub wait: Duration,
}
