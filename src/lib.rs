//! minik: real Kubernetes clusters on a laptop, as Docker containers.
//!
//! Layers, top to bottom: `cli` (clap, thin) → `commands` (one per subcommand, glue) →
//! `cluster` (create/delete orchestration, one step per file) → domain modules that know nothing
//! of the terminal (`config`, `kubeadm`, `kubeconfig`, `platform`, `nodeimage`) → `provider`
//! (the container engine behind a trait; Docker via bollard). `ui` renders `events` and errors
//! and is the only module that prints or styles text; each error enum carries its own hints
//! (`hint`). docs/architecture.md has the rule for each layer.

pub mod archive;
pub mod bundle;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod doctor;
pub mod engine;
pub mod error;
pub mod events;
pub mod hint;
pub mod init;
pub mod input;
pub mod k8s_version;
pub mod kubeadm;
pub mod kubeconfig;
pub mod node;
pub mod nodeimage;
pub mod patch;
pub mod platform;
pub mod provider;
pub mod signals;
pub mod text;
pub mod tour;
pub mod ui;
