//! minik: real Kubernetes clusters on a laptop, as Docker containers.
//!
//! Layers, top to bottom: `cli` (clap, thin) → `commands` (one per subcommand: parse, one
//! library call, render) → use cases (`create`, `init`, `doctor`, `bundle`, `tour`, `cluster`)
//! → `nodeimage` → `engine` → `node` (node utilities) → `provider` (the container engine
//! behind traits; Docker via bollard), with domain modules that know nothing of the terminal
//! (`config`, `kubeadm`, `kubeconfig`, `patch`, `platform`) and `archive` below everyone. `ui`
//! renders `events` and errors and is the only module that prints or styles text; each error
//! enum carries its own hints (`hint`). docs/architecture.md draws the imports and has the
//! rule for each layer; `.ci/module-cycles` keeps them free of cycles.

pub mod api;
pub(crate) mod archive;
pub(crate) mod bundle;
pub(crate) mod cli;
pub(crate) mod cluster;
pub(crate) mod commands;
pub(crate) mod config;
pub(crate) mod create;
pub(crate) mod doctor;
pub(crate) mod engine;
pub(crate) mod error;
pub mod events;
pub(crate) mod failure;
pub(crate) mod hint;
pub(crate) mod i18n;
pub(crate) mod init;
pub(crate) mod input;
pub(crate) mod k8s_version;
pub(crate) mod kubeadm;
pub(crate) mod kubeconfig;
pub(crate) mod live;
pub(crate) mod node;
pub(crate) mod nodeimage;
pub(crate) mod patch;
pub(crate) mod platform;
pub mod provider;
pub(crate) mod signals;
pub(crate) mod text;
pub(crate) mod tour;
pub(crate) mod ui;
pub(crate) mod web;

pub use cli::Cli;

/// A command that failed: the text to print on standard error and the exit code it means.
pub struct Failure {
    pub message: String,
    pub exit_code: u8,
}

/// Runs one parsed command line; on failure, the error rendered once, in `ui`.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let lang = cli.lang(|k| std::env::var(k).ok());
    commands::run(cli).await.map_err(|e| Failure {
        message: ui::render_error(&e, ui::use_color(), lang),
        exit_code: e.exit_code(),
    })
}
