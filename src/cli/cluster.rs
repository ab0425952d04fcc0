//! Arguments of the commands that work on a running cluster: get, export, node, load, kubectl.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::{parse_duration, ClusterName, ExactClusterName, OutputArgs};

#[derive(Debug, Subcommand)]
pub enum GetCommand {
    /// List clusters
    Clusters(OutputArgs),
    /// List a cluster's nodes
    Nodes {
        #[command(flatten)]
        cluster: ClusterName,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Print the configuration a cluster was made from (kind v1alpha4 YAML; `minik node add`
    /// makes nodes from it)
    ClusterConfig {
        #[command(flatten)]
        cluster: ClusterName,
    },
    /// Print a cluster's kubeconfig
    Kubeconfig {
        #[command(flatten)]
        cluster: ClusterName,
        /// Use the address nodes use among themselves instead of the host's
        #[arg(long, conflicts_with = "server")]
        internal: bool,
        /// Server address for someone else, for handing the cluster out: https://HOST:PORT, or
        /// https://HOST for the published port
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Merge the cluster's entry into a kubeconfig file again
    Kubeconfig {
        #[command(flatten)]
        cluster: ClusterName,
        /// Kubeconfig file to write [default: first of $KUBECONFIG, else ~/.kube/config]
        #[arg(long, value_name = "PATH")]
        kubeconfig: Option<PathBuf>,
    },
    /// Collect every node's logs, journals and config into DIR and DIR.tar.gz
    Logs {
        /// Folder to create [default: ./minik-logs-<cluster>-<UTC time>]
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        #[command(flatten)]
        cluster: ClusterName,
    },
}

#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Join a new node (named like NAME-worker3) to a running cluster
    Add(NodeAddArgs),
    /// Drain a node, delete it from Kubernetes and remove its container and volume
    Delete(NodeDeleteArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum NodeRoleArg {
    #[default]
    Worker,
    /// Needs a cluster made with several control planes (it has a load balancer)
    ControlPlane,
}

#[derive(Debug, Args)]
pub struct NodeAddArgs {
    #[command(flatten)]
    pub cluster: ClusterName,
    /// Role of the new node
    #[arg(long, value_enum, default_value_t)]
    pub role: NodeRoleArg,
    /// Node image [default: the first control plane's]
    #[arg(long)]
    pub image: Option<String>,
    /// How long to wait for the node to be Ready ("0" returns once it has joined)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub wait: Duration,
}

#[derive(Debug, Args)]
pub struct NodeDeleteArgs {
    /// The node's name (as in `minik get nodes` or `kubectl get nodes`)
    pub node: String,
    #[command(flatten)]
    pub cluster: ExactClusterName,
}

#[derive(Debug, Subcommand)]
pub enum LoadCommand {
    /// Copy images from the local engine into the nodes (skips nodes that already have them)
    DockerImage(LoadDockerImageArgs),
    /// Import image archives (`docker save` output, OCI archives) into the nodes
    ImageArchive(LoadImageArchiveArgs),
}

#[derive(Debug, Args)]
pub struct LoadTargetArgs {
    #[command(flatten)]
    pub cluster: ClusterName,
    /// Only these nodes (comma-separated container names) [default: all but the load balancer]
    #[arg(long, value_name = "NODE,...", value_delimiter = ',')]
    pub nodes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LoadDockerImageArgs {
    /// Images present in the local engine (never pulled)
    #[arg(value_name = "IMAGE", required = true)]
    pub images: Vec<String>,
    #[command(flatten)]
    pub target: LoadTargetArgs,
}

#[derive(Debug, Args)]
pub struct LoadImageArchiveArgs {
    /// Image archive files, loaded in order
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub target: LoadTargetArgs,
}

/// `minik kubectl -- ARGS`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  minik kubectl -- get nodes\n  minik kubectl -- apply -f app.yaml\n  \
                        cat app.yaml | minik kubectl -- apply -f -\n\n\
                        A local -f FILE is sent on kubectl's standard input; other paths are the \
                        node's. kubectl's output is shown when it ends (no -w, no exec -it)."
)]
pub struct KubectlArgs {
    #[command(flatten)]
    pub cluster: ClusterName,
    /// kubectl's arguments, after `--`
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}
