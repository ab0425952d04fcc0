//! minik: real Kubernetes clusters on a laptop, as Docker containers.
//!
//! Layers, top to bottom: `cli` (clap, thin) → `commands` (one per subcommand, glue) →
//! `cluster` (create/delete orchestration, one step per file) → domain modules that know nothing
//! of the terminal (`config`, `kubeadm`, `kubeconfig`, `platform`, `nodeimage`) → `provider`
//! (the container engine behind a trait; Docker via bollard). `ui` renders `events` and errors
//! and is the only module that prints or styles text; each error enum carries its own hints
//! (`hint`). docs/architecture.md has the rule for each layer.

pub(crate) mod archive;
pub mod bundle;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub(crate) mod doctor;
pub(crate) mod engine;
pub mod error;
pub mod events;
pub(crate) mod failure;
pub(crate) mod hint;
pub(crate) mod init;
pub(crate) mod input;
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
