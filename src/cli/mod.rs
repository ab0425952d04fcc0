//! Command-line surface (clap). Only parsing lives here: every command turns its arguments into
//! options for `commands::*`.

mod build;
mod bundle;
mod cluster;
mod create;
mod machine;
mod tour;
mod web;

pub(crate) use build::{BuildCommand, BuildNodeImageArgs};
pub(crate) use bundle::{
    BundleCommand, BundleCreateArgs, BundleFetchArgs, BundleLoadArgs, BundleServeArgs,
};
pub(crate) use cluster::{
    ExportCommand, GetCommand, KubectlArgs, LoadCommand, LoadDockerImageArgs, LoadImageArchiveArgs,
    NodeAddArgs, NodeCommand, NodeDeleteArgs, NodeRoleArg,
};
pub(crate) use create::{CreateArgs, DeleteArgs, StartArgs, StopArgs};
pub(crate) use machine::{DoctorArgs, InitArgs};
pub(crate) use tour::{LangArg, TourArgs};
pub(crate) use web::UiArgs;

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

impl Cli {
    /// The language the learner-facing commands (tour, init, doctor) speak, errors included:
    /// their `--lang`, else the locale (LC_ALL, LC_MESSAGES, LANG), else English. The other
    /// commands speak English.
    pub(crate) fn lang(&self, env: impl Fn(&str) -> Option<String>) -> crate::i18n::Lang {
        let flag = match &self.command {
            Command::Tour(a) => a.lang,
            Command::Init(a) => a.lang,
            Command::Doctor(a) => a.lang,
            _ => return crate::i18n::Lang::En,
        };
        crate::i18n::language(flag.map(Into::into), env)
    }
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
    /// See the cluster live in the browser: nodes, pods, what just happened (English, Korean)
    Ui(UiArgs),
    /// Run the cluster's own kubectl (no kubectl needed here): minik kubectl -- get nodes
    Kubectl(KubectlArgs),
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
    /// Cluster name [default: $MINIK_CLUSTER_NAME, else the minik cluster of kubectl's current
    /// context, else the only minik cluster, else "minik"]
    #[arg(
        short = 'n',
        long = "name",
        env = "MINIK_CLUSTER_NAME",
        value_name = "NAME"
    )]
    pub given: Option<String>,
    /// The cluster acted on: `given`, else chosen before the command runs (see
    /// `cluster::default_name`).
    #[arg(skip)]
    pub name: String,
}

/// `--name` for a command that removes something: it never guesses (as `delete` and `stop`).
#[derive(Debug, Args)]
pub struct ExactClusterName {
    /// Cluster name [default: $MINIK_CLUSTER_NAME or "minik"]
    #[arg(
        short = 'n',
        long = "name",
        env = "MINIK_CLUSTER_NAME",
        default_value = "minik",
        value_name = "NAME"
    )]
    pub name: String,
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
    use std::path::PathBuf;

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
        assert_eq!(a.target.cluster.given.as_deref(), Some("lab"));
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
        assert_eq!(cluster.given.as_deref(), Some("x"));
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
            (a.role, a.cluster.given.as_deref()),
            (NodeRoleArg::ControlPlane, Some("x"))
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
        assert!(t.yes && !t.list && !t.web);
        assert_eq!(t.skip, vec!["service", "volume"]);
        assert_eq!(t.out.output, OutputFormat::Json);
        assert!(Cli::try_parse_from(["minik", "tour", "--lang", "fr"]).is_err());
        let Command::Tour(t) = Cli::try_parse_from(["minik", "tour", "--web"])
            .unwrap()
            .command
        else {
            panic!("not tour")
        };
        assert!(t.web);
        // A page follows a running tour: nothing to follow with --list or --list-labs.
        for other in ["--list", "--list-labs"] {
            assert!(Cli::try_parse_from(["minik", "tour", "--web", other]).is_err());
        }
    }

    #[test]
    fn ui_parses_its_flags() {
        let cli =
            Cli::try_parse_from(["minik", "ui", "-n", "lab", "--no-open", "--lang", "ko"]).unwrap();
        let Command::Ui(u) = cli.command else {
            panic!("not ui")
        };
        assert_eq!(u.cluster.given.as_deref(), Some("lab"));
        assert!(u.no_open);
        assert_eq!(u.lang, Some(LangArg::Ko));
        assert_eq!(u.address.to_string(), "127.0.0.1");
        assert_eq!(u.port, None);
        let cli =
            Cli::try_parse_from(["minik", "ui", "--address", "::1", "--port", "8080"]).unwrap();
        let Command::Ui(u) = cli.command else {
            panic!("not ui")
        };
        assert_eq!(
            (u.address.to_string().as_str(), u.port),
            ("::1", Some(8080))
        );
        assert!(Cli::try_parse_from(["minik", "ui", "--address", "localhost"]).is_err());
        assert!(Cli::try_parse_from(["minik", "ui", "--port", "70000"]).is_err());
        assert!(Cli::try_parse_from(["minik", "ui", "--lang", "fr"]).is_err());
    }

    #[test]
    fn global_flags_go_anywhere() {
        let cli = Cli::try_parse_from(["minik", "get", "clusters", "-q"]).unwrap();
        assert!(cli.global.quiet);
        let cli = Cli::try_parse_from(["minik", "-vv", "delete", "--all"]).unwrap();
        assert_eq!(cli.global.verbose, 2);
    }
}
