//! Arguments of `minik bundle`: create, load, serve and fetch a workshop room's bundle.

use std::path::PathBuf;

use clap::{Args, Subcommand};

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
