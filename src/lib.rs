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

pub(crate) mod archive;
pub mod bundle;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub(crate) mod create;
pub(crate) mod doctor;
pub mod engine;
pub mod error;
pub mod events;
pub(crate) mod hint;
pub(crate) mod init;
pub(crate) mod k8s_version;
pub(crate) mod kubeadm;
pub(crate) mod kubeconfig;
pub mod node;
pub(crate) mod nodeimage;
pub(crate) mod patch;
pub(crate) mod platform;
pub mod provider;
pub(crate) mod signals;
pub(crate) mod text;
pub mod tour;
pub mod ui;
