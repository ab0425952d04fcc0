//! Arguments of `minik ui`: the live page of one cluster.

use std::net::IpAddr;

use clap::Args;

use super::{ClusterName, LangArg};

#[derive(Debug, Args)]
pub struct UiArgs {
    #[command(flatten)]
    pub cluster: ClusterName,
    /// Address to listen on. Anyone who can reach it and has the printed URL (its token) sees
    /// the cluster: keep 127.0.0.1 unless the room should see it
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub address: IpAddr,
    /// Port to listen on [default: one the system chooses]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Print the URL only; do not open a browser
    #[arg(long)]
    pub no_open: bool,
    /// The page's language [default: from the locale (LC_ALL, LC_MESSAGES, LANG), else en]
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
}
