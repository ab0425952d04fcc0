//! Command-line surface (clap). Only parsing lives here: every command turns its arguments into
//! options for `commands::*`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "minik",
    version,
    about = "Real Kubernetes clusters on your laptop, as Docker containers",
    long_about = "minik creates and deletes local Kubernetes clusters whose nodes are Docker \
                  containers running systemd, containerd and kubeadm.\n\n\
                  Quick start:  minik create --nodes 3 && kubectl get nodes && minik delete",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Show more detail (repeat for even more: -vv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print only errors and requested data
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Docker context to use (overrides DOCKER_HOST, DOCKER_CONTEXT and the current context)
    #[arg(long, global = true, value_name = "NAME", conflicts_with = "host")]
    pub context: Option<String>,
    /// Container engine to use, as a URL (overrides DOCKER_HOST and contexts)
    #[arg(short = 'H', long, global = true, value_name = "URL")]
    pub host: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a cluster config by answering a few questions (checks this machine first)
    Init(InitArgs),
    /// Create a cluster
    Create(CreateArgs),
    /// Delete a cluster and everything it made (containers, volumes, kubeconfig entries)
    Delete(DeleteArgs),
    /// Stop a cluster's nodes cleanly (workers first); `minik start` brings them back
    Stop(StopArgs),
    /// Start a stopped cluster and wait for its nodes to be Ready
    Start(StartArgs),
    /// Show clusters, nodes or a kubeconfig
    #[command(subcommand)]
    Get(GetCommand),
    /// Write a cluster's kubeconfig entry again, or collect its logs
    #[command(subcommand)]
    Export(ExportCommand),
    /// Build images
    #[command(subcommand)]
    Build(BuildCommand),
    /// Add nodes to a running cluster, or delete them
    #[command(subcommand)]
    Node(NodeCommand),
    /// Copy images into a cluster's nodes (from the local engine, or from archives)
    #[command(subcommand)]
    Load(LoadCommand),
    /// Put everything a workshop room needs in one file, and serve, fetch or load it
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Check this machine and its container engine, and say how to fix what is wrong
    Doctor(DoctorArgs),
    /// Learn Kubernetes on your cluster: a guided tour, step by step (English, Korean)
    Tour(TourArgs),
    /// Print minik's version
    Version(OutputArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct ClusterName {
    /// Cluster name [default: $MINIK_CLUSTER_NAME or "minik"]
    #[arg(short = 'n', long, env = "MINIK_CLUSTER_NAME", default_value = "minik")]
    pub name: String,
}

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
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write a bundle: node image, load balancer image if needed, workshop images, config
    Create(BundleCreateArgs),
    /// Load a bundle's images into the engine, checking every part on the way
    Load {
        /// The bundle file
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Serve a bundle to the room over HTTP (resumable downloads, and a page with the command)
    Serve(BundleServeArgs),
    /// Download a served bundle (resuming after a dropped connection), check it and load it
    Fetch(BundleFetchArgs),
}

#[derive(Debug, Args)]
pub struct BundleCreateArgs {
    /// The bundle file to write
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    /// Kubernetes version, which chooses the node image (minik/node:V) when --node-image is not given
    #[arg(long, value_name = "V", conflicts_with = "node_image")]
    pub kubernetes_version: Option<String>,
    /// Node image to carry [default: minik/node:<default version>]
    #[arg(long, value_name = "IMAGE")]
    pub node_image: Option<String>,
    /// Cluster config file to carry (its node images, and a load balancer image if needed, go in too)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A workshop image to carry and load into every node (repeatable; never pulled)
    #[arg(long = "image", value_name = "IMAGE")]
    pub images: Vec<String>,
    /// Also carry minik release files (every file of DIR), handed out by `bundle serve`
    #[arg(long, value_name = "DIR")]
    pub with_minik: Option<PathBuf>,
    /// A tour lab file to carry (repeatable); loading the bundle makes it `minik tour --lab ID`
    #[arg(long = "lab", value_name = "FILE")]
    pub labs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BundleServeArgs {
    /// The bundle file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Address to listen on (0.0.0.0: every network of this machine)
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0")]
    pub address: std::net::IpAddr,
    /// Port to listen on
    #[arg(long, value_name = "P", default_value_t = 8370)]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct BundleFetchArgs {
    /// Where `minik bundle serve` runs: http://HOST:PORT
    #[arg(value_name = "URL")]
    pub url: String,
    /// Where to save the bundle
    #[arg(short = 'o', long, value_name = "FILE", default_value = "bundle.minik")]
    pub output: PathBuf,
    /// Only download and check it; load it later (`minik bundle load`, `minik create --bundle`)
    #[arg(long)]
    pub no_load: bool,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
}

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
    pub cluster: ClusterName,
}

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

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Node count to check resources for
    #[arg(long, default_value_t = 3)]
    pub nodes: u32,
    /// Node image to test privileged mode with [default: a minik or kind node image found locally]
    #[arg(long)]
    pub image: Option<String>,
    /// One pass/fail screen for a workshop attendee: the planned cluster's CPUs, memory, disk and
    /// ports, inotify, proxy and VPN; exit code 0 only when the laptop is ready
    #[arg(long)]
    pub workshop: bool,
    /// With --workshop: control planes in the planned cluster
    #[arg(long, value_name = "M", default_value_t = 1, requires = "workshop")]
    pub control_planes: u32,
    /// With --workshop: a port the cluster publishes, as `minik init --port` takes it (PORT,
    /// HOST:CONTAINER or ADDRESS:HOST:CONTAINER; repeatable) [default: 80 and 443 on 127.0.0.1]
    #[arg(long = "port", value_name = "PORT", requires = "workshop")]
    pub ports: Vec<String>,
    /// With --workshop: the workshop's cluster config (its nodes and ports are the plan)
    #[arg(long, value_name = "FILE", requires = "workshop", conflicts_with_all = ["ports", "control_planes"])]
    pub config: Option<PathBuf>,
    /// With --workshop: the bundle file the workshop hands out (loading it takes its size on disk)
    #[arg(long, value_name = "FILE", requires = "workshop")]
    pub bundle: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Cluster name [default: $MINIK_CLUSTER_NAME or "minik"; asked on a terminal]
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Nodes in all, control planes included [default: what this machine holds, at most 3]
    #[arg(long, value_name = "N")]
    pub nodes: Option<u32>,
    /// Control-plane nodes [default: 1]
    #[arg(long, value_name = "M")]
    pub control_planes: Option<u32>,
    /// Kubernetes version (a node image of it found locally, else minik's download)
    #[arg(long, value_name = "V", conflicts_with = "image")]
    pub kubernetes_version: Option<String>,
    /// Node image [default: one found locally]
    #[arg(long)]
    pub image: Option<String>,
    /// Publish a port for an ingress: PORT, HOST:CONTAINER or ADDRESS:HOST:CONTAINER (repeatable)
    /// [default: 80 and 443 on 127.0.0.1]
    #[arg(long = "port", value_name = "PORT", conflicts_with = "no_ports")]
    pub ports: Vec<String>,
    /// Publish no ports
    #[arg(long)]
    pub no_ports: bool,
    /// A folder of this machine to mount at /shared in every node
    #[arg(long, value_name = "DIR")]
    pub mount: Option<PathBuf>,
    /// The config file to write [default: minik.yaml, or a free name next to it]
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the config file if it exists
    #[arg(long)]
    pub force: bool,
    /// Create the cluster once the file is written (asked on a terminal; not done without one)
    #[arg(long, conflicts_with = "no_create")]
    pub create: bool,
    /// Only write the file
    #[arg(long)]
    pub no_create: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// English
    En,
    /// Korean (한국어)
    Ko,
}

#[derive(Debug, Args)]
pub struct TourArgs {
    #[command(flatten)]
    pub cluster: ClusterName,
    /// Language [default: from the locale (LC_ALL, LC_MESSAGES, LANG), else en]
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Run a lab instead of the built-in tour: a lab file, or the id of a lab a bundle brought
    #[arg(long, value_name = "FILE|ID")]
    pub lab: Option<PathBuf>,
    /// Run every step without asking (to check a room's clusters, or in scripts)
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Print the steps and their commands, change nothing
    #[arg(long)]
    pub list: bool,
    /// Start again at the first step instead of where the last tour stopped
    #[arg(long)]
    pub restart: bool,
    /// Steps to skip (comma-separated ids, as --list shows them)
    #[arg(long, value_name = "STEP,...", value_delimiter = ',')]
    pub skip: Vec<String>,
    #[command(flatten)]
    pub out: OutputArgs,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    if s.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("{e}; use a duration such as 30s, 5m or 1m30s"))
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn create_parses_counts_and_wait() {
        let cli =
            Cli::try_parse_from(["minik", "create", "--nodes", "3", "--wait", "90s"]).unwrap();
        let Command::Create(a) = cli.command else {
            panic!("not create")
        };
        assert_eq!(a.nodes, Some(3));
        assert_eq!(a.wait, Duration::from_secs(90));
        let cli = Cli::try_parse_from(["minik", "create", "--wait", "0"]).unwrap();
        let Command::Create(a) = cli.command else {
            panic!("not create")
        };
        assert_eq!(a.wait, Duration::ZERO);
    }

    #[test]
    fn bad_values_are_rejected_by_the_parser() {
        assert!(Cli::try_parse_from(["minik", "create", "--nodes", "-1"]).is_err());
        assert!(Cli::try_parse_from(["minik", "create", "--wait", "soon"]).is_err());
        assert!(Cli::try_parse_from(["minik", "delete", "--all", "--name", "x"]).is_err());
        assert!(Cli::try_parse_from(["minik", "get", "clusters", "-o", "yaml"]).is_err());
    }

    #[test]
    fn load_takes_images_and_a_node_list() {
        let cli = Cli::try_parse_from([
            "minik",
            "load",
            "docker-image",
            "a",
            "b:1",
            "--name",
            "lab",
            "--nodes",
            "x,y",
        ])
        .unwrap();
        let Command::Load(LoadCommand::DockerImage(a)) = cli.command else {
            panic!("not load docker-image")
        };
        assert_eq!(a.images, vec!["a", "b:1"]);
        assert_eq!(a.target.cluster.name, "lab");
        assert_eq!(a.target.nodes, vec!["x", "y"]);
        assert!(Cli::try_parse_from(["minik", "load", "docker-image"]).is_err());
        assert!(Cli::try_parse_from(["minik", "load", "image-archive"]).is_err());
    }

    #[test]
    fn lifecycle_commands_parse() {
        let cli = Cli::try_parse_from(["minik", "stop", "--all"]).unwrap();
        let Command::Stop(a) = cli.command else {
            panic!("not stop")
        };
        assert!(a.all && a.name.is_none());
        let cli = Cli::try_parse_from(["minik", "start", "-n", "x", "--wait", "90s"]).unwrap();
        let Command::Start(a) = cli.command else {
            panic!("not start")
        };
        assert_eq!(
            (a.name.as_deref(), a.wait),
            (Some("x"), Duration::from_secs(90))
        );
        assert!(Cli::try_parse_from(["minik", "start", "--all", "--name", "x"]).is_err());
        let cli = Cli::try_parse_from(["minik", "export", "logs", "out", "--name", "x"]).unwrap();
        let Command::Export(ExportCommand::Logs { dir, cluster }) = cli.command else {
            panic!("not export logs")
        };
        assert_eq!(dir, Some(PathBuf::from("out")));
        assert_eq!(cluster.name, "x");
    }

    #[test]
    fn node_add_and_delete_parse() {
        let cli =
            Cli::try_parse_from(["minik", "node", "add", "--role", "control-plane", "-n", "x"])
                .unwrap();
        let Command::Node(NodeCommand::Add(a)) = cli.command else {
            panic!("not node add")
        };
        assert_eq!(
            (a.role, a.cluster.name.as_str()),
            (NodeRoleArg::ControlPlane, "x")
        );
        let cli = Cli::try_parse_from(["minik", "node", "add"]).unwrap();
        let Command::Node(NodeCommand::Add(a)) = cli.command else {
            panic!("not node add")
        };
        assert_eq!(a.role, NodeRoleArg::Worker);
        assert!(Cli::try_parse_from(["minik", "node", "add", "--role", "balancer"]).is_err());
        assert!(Cli::try_parse_from(["minik", "node", "delete"]).is_err());
        let cli =
            Cli::try_parse_from(["minik", "node", "delete", "x-worker2", "--name", "x"]).unwrap();
        let Command::Node(NodeCommand::Delete(d)) = cli.command else {
            panic!("not node delete")
        };
        assert_eq!(d.node, "x-worker2");
    }

    #[test]
    fn tour_parses_its_flags() {
        let cli = Cli::try_parse_from([
            "minik",
            "tour",
            "--lang",
            "ko",
            "--yes",
            "--skip",
            "service,volume",
            "-o",
            "json",
        ])
        .unwrap();
        let Command::Tour(t) = cli.command else {
            panic!("not tour")
        };
        assert_eq!(t.lang, Some(LangArg::Ko));
        assert!(t.yes && !t.list);
        assert_eq!(t.skip, vec!["service", "volume"]);
        assert_eq!(t.out.output, OutputFormat::Json);
        assert!(Cli::try_parse_from(["minik", "tour", "--lang", "fr"]).is_err());
    }

    #[test]
    fn global_flags_go_anywhere() {
        let cli = Cli::try_parse_from(["minik", "get", "clusters", "-q"]).unwrap();
        assert!(cli.global.quiet);
        let cli = Cli::try_parse_from(["minik", "-vv", "delete", "--all"]).unwrap();
        assert_eq!(cli.global.verbose, 2);
    }
}
