//! Arguments of `minik bundle`: create, load, serve and fetch a workshop room's bundle.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::bundle::Pin;

/// `--sha256`: the bundle's digest as the organiser's screen shows it.
pub(crate) fn parse_pin(s: &str) -> Result<Pin, String> {
    Pin::parse(s)
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write a bundle: node image, load balancer image if needed, workshop images, config
    Create(BundleCreateArgs),
    /// Load a bundle's images into the engine, checking every part on the way
    Load(BundleLoadArgs),
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
    /// Node image to carry for every node [default: the config's node images, and for nodes
    /// naming none the image `minik create` would use: minik/node:<version> if built, else kind's]
    #[arg(long, value_name = "IMAGE")]
    pub node_image: Option<String>,
    /// Carry every image for each of these platforms (e.g. linux/amd64,linux/arm64), each found
    /// by its own local tag IMAGE-ARCH (minik/node:v1.36.4-arm64) or by its name when it is for
    /// that platform; attendees load only their engine's [default: each image as it is here]
    #[arg(long = "platform", value_name = "OS/ARCH", value_delimiter = ',')]
    pub platforms: Vec<String>,
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
pub struct BundleLoadArgs {
    /// The bundle file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The bundle's digest from the organiser's screen (all 64 hex digits, or the first 20 or
    /// more); any other bundle is refused before the engine sees a byte
    #[arg(long = "sha256", value_name = "DIGEST", value_parser = parse_pin)]
    pub sha256: Option<Pin>,
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
    /// The bundle's digest from the organiser's screen (all 64 hex digits, or the first 20 or
    /// more); any other bundle is refused as soon as its manifest arrives
    #[arg(long = "sha256", value_name = "DIGEST", value_parser = parse_pin)]
    pub sha256: Option<Pin>,
    /// Accept whatever bundle this address sends, unchecked: anyone on the network could send it
    #[arg(long, conflicts_with = "sha256")]
    pub insecure_no_digest: bool,
    /// Give up after this long, retries included (run the command again to resume)
    #[arg(long, value_name = "DURATION", default_value = "2h", value_parser = super::parse_duration)]
    pub timeout: Duration,
    /// Only download and check it; load it later (`minik bundle load`, `minik create --bundle`)
    #[arg(long)]
    pub no_load: bool,
}

impl From<BundleCreateArgs> for crate::bundle::CreateBundle {
    fn from(args: BundleCreateArgs) -> Self {
        crate::bundle::CreateBundle {
            output: args.output,
            node_image: args.node_image,
            kubernetes_version: args.kubernetes_version,
            config: args.config,
            images: args.images,
            with_minik: args.with_minik,
            labs: args.labs,
            platforms: args.platforms,
        }
    }
}
