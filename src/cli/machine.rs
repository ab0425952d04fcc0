//! Arguments of the commands about this machine: `minik doctor` checks it, `minik init` writes
//! a cluster config that fits it.

use std::path::PathBuf;

use clap::Args;

use super::{LangArg, OutputArgs};

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
    /// With --workshop: also write the JSON report to FILE, as UTF-8 whatever the shell (for
    /// the organiser; PowerShell 5.1's `>` would write UTF-16)
    #[arg(long, value_name = "FILE", requires = "workshop")]
    pub report: Option<PathBuf>,
    /// Language [default: from the locale (LC_ALL, LC_MESSAGES, LANG), else en]
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Language [default: from the locale (LC_ALL, LC_MESSAGES, LANG), else en]
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
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
