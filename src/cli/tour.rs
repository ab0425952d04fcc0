//! Arguments of `minik tour`: the guided lab on a cluster.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{ClusterName, OutputArgs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// English
    En,
    /// Korean (한국어)
    Ko,
}

impl From<LangArg> for crate::i18n::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::En => crate::i18n::Lang::En,
            LangArg::Ko => crate::i18n::Lang::Ko,
        }
    }
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
    /// Print the labs there are (built in, or brought by a bundle), one a line, id first
    #[arg(long, conflicts_with_all = ["lab", "list", "yes", "restart", "skip"])]
    pub list_labs: bool,
    /// Start again at the first step instead of where the last tour stopped
    #[arg(long)]
    pub restart: bool,
    /// Also serve the cluster's live page (as minik ui) with the current step beside it; the
    /// page follows this tour. Its URL is printed; the browser opens when there is a display
    #[arg(long, conflicts_with_all = ["list", "list_labs"])]
    pub web: bool,
    /// Steps to skip (comma-separated ids, as --list shows them)
    #[arg(long, value_name = "STEP,...", value_delimiter = ',')]
    pub skip: Vec<String>,
    #[command(flatten)]
    pub out: OutputArgs,
}
