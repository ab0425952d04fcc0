//! Reading, merging and removing minik's entries in kubeconfig files.
//!
//! - [`kubeconfig_paths`] / [`select_paths`]: which files, by kubectl's rules.
//! - [`KubeconfigEntry::from_admin_conf`]: minik's cluster/user/context (`minik-<cluster>`)
//!   from kubeadm's admin.conf, pointed at the API server's address on the host. Only the CA
//!   and the client certificate and key are taken from the node; any other field is refused.
//! - [`merge_into_file`] / [`remove_from_files`]: locked, atomic edits that keep everything
//!   else in the files.

use std::path::PathBuf;

mod entry;
mod file;
mod node_conf;
mod paths;
mod types;

#[cfg(test)]
mod tests;

pub(crate) use entry::{minik_context_name, server_url, KubeconfigEntry, ADMIN_CONF_PATH};
#[cfg(test)]
pub(crate) use file::{lock_path, read_file};
pub(crate) use file::{merge_into_file, remove_from_files};
pub(crate) use paths::kubeconfig_paths;
#[cfg(test)]
pub(crate) use types::Config;

#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error("could not read kubeconfig {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not parse kubeconfig {path}: {reason} (fix or move that file; minik left it unchanged)")]
    Parse { path: PathBuf, reason: String },
    #[error("could not write kubeconfig {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not serialize kubeconfig {path}: {reason}")]
    Serialize { path: PathBuf, reason: String },
    #[error("kubeconfig {path} is locked by another program ({lock} exists); if no kubectl or minik is running, the lock is stale: remove it with `rm {lock}` and retry")]
    Locked { path: PathBuf, lock: PathBuf },
    #[error("could not lock kubeconfig {path}: could not create {lock}: {source}")]
    Lock {
        path: PathBuf,
        lock: PathBuf,
        source: std::io::Error,
    },
    #[error("kubeadm's kubeconfig {path} on node {node} is not usable: {reason}")]
    AdminConf {
        node: String,
        path: PathBuf,
        reason: String,
    },
    /// A node's admin.conf holds a field outside the allow-list (`exec`, `token`, a proxy...).
    /// Not bad input: the node was changed behind the user's back.
    #[error(
        "refused the kubeconfig {path} on node {node}: it holds {}, which minik never copies to this computer",
        crate::text::quoted(.field)
    )]
    NodeField {
        node: String,
        cluster: String,
        path: PathBuf,
        field: String,
    },
    #[error("cannot tell where the kubeconfig file is: KUBECONFIG is not set and the home directory is unknown (pass --kubeconfig)")]
    NoHome,
    #[error("{}", several(.0))]
    Several(Vec<KubeconfigError>),
}

impl crate::hint::Hint for KubeconfigError {
    fn hint(&self) -> Option<String> {
        match self {
            KubeconfigError::NodeField { cluster, .. } => Some(format!(
                "kubeadm writes only the cluster's CA and the admin's certificate and key there; \
                 something on the node changed the file, and a field like this could make kubectl \
                 on this computer run a program or send your credentials elsewhere. Nothing was \
                 written. Right after a create, the node image did it: use an image you trust. \
                 Otherwise delete the cluster and create it again: minik delete --name {cluster}"
            )),
            KubeconfigError::Several(errors) => errors.iter().find_map(|e| e.hint()),
            _ => None,
        }
    }
}

fn several(errors: &[KubeconfigError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    lines.join("; ")
}
