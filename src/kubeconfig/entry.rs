//! minik's own kubeconfig entry for one cluster, built from kubeadm's `admin.conf`.

use serde_yaml::{Mapping, Value};

use super::node_conf::{self, Refusal};
use super::types::{remove_named, upsert, Config, NamedCluster, NamedContext, NamedUser};
use super::KubeconfigError;

/// Where kubeadm writes the admin kubeconfig on a control-plane node.
pub(crate) const ADMIN_CONF_PATH: &str = "/etc/kubernetes/admin.conf";

/// The name minik gives the cluster, user and context of cluster `cluster` in kubeconfig.
pub(crate) fn minik_context_name(cluster: &str) -> String {
    format!("minik-{cluster}")
}

/// `https://host:port`, with brackets around an IPv6 host.
pub(crate) fn server_url(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("https://[{host}]:{port}")
    } else {
        format!("https://{host}:{port}")
    }
}

/// The cluster, user and context minik adds to (and later removes from) kubeconfig files,
/// all named `minik-<cluster>`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KubeconfigEntry {
    pub(crate) name: String,
    pub(crate) cluster: NamedCluster,
    pub(crate) user: NamedUser,
    pub(crate) context: NamedContext,
}

impl KubeconfigEntry {
    /// Build the entry from the text of kubeadm's admin.conf read from control-plane `node`.
    /// Only the CA and the client certificate and key are taken, after the whole file passed the
    /// allow-list (see `node_conf`); `server` (for example from [`server_url`]) replaces the
    /// in-cluster address kubeadm wrote.
    pub(crate) fn from_admin_conf(
        admin_conf: &str,
        node: &str,
        cluster: &str,
        server: &str,
    ) -> Result<Self, KubeconfigError> {
        let creds = node_conf::read(admin_conf).map_err(|refusal| match refusal {
            Refusal::Field(field) => KubeconfigError::NodeField {
                node: node.to_string(),
                cluster: cluster.to_string(),
                path: ADMIN_CONF_PATH.into(),
                field,
            },
            Refusal::Unusable(reason) => KubeconfigError::AdminConf {
                node: node.to_string(),
                path: ADMIN_CONF_PATH.into(),
                reason,
            },
        })?;
        let name = minik_context_name(cluster);
        // Keys in kubectl's (alphabetical) order.
        let text = |s: &str| Value::String(s.to_string());
        let cluster_fields = Mapping::from_iter([
            (text("certificate-authority-data"), text(&creds.ca_data)),
            (text("server"), text(server)),
        ]);
        let user_fields = Mapping::from_iter([
            (
                text("client-certificate-data"),
                text(&creds.client_certificate_data),
            ),
            (text("client-key-data"), text(&creds.client_key_data)),
        ]);
        let context_fields =
            Mapping::from_iter([(text("cluster"), text(&name)), (text("user"), text(&name))]);
        Ok(KubeconfigEntry {
            cluster: NamedCluster::new(&name, cluster_fields),
            user: NamedUser::new(&name, user_fields),
            context: NamedContext::new(&name, context_fields),
            name,
        })
    }

    /// A kubeconfig holding only this entry, with it as the current context (what
    /// `minik get kubeconfig` prints).
    pub(crate) fn to_config(&self) -> Config {
        let mut config = Config::default();
        self.apply(&mut config, true);
        config
    }

    /// Add or replace this entry in `config`; returns whether anything changed.
    pub(crate) fn apply(&self, config: &mut Config, set_current_context: bool) -> bool {
        let mut changed = false;
        changed |= upsert(&mut config.clusters, &self.cluster);
        changed |= upsert(&mut config.users, &self.user);
        changed |= upsert(&mut config.contexts, &self.context);
        if set_current_context && config.current_context.as_deref() != Some(&self.name) {
            config.current_context = Some(self.name.clone());
            changed = true;
        }
        // Some clients (the JavaScript one, for example) reject a file without these.
        if config.api_version.is_none() {
            config.api_version = Some("v1".into());
            changed = true;
        }
        if config.kind.is_none() {
            config.kind = Some("Config".into());
            changed = true;
        }
        changed
    }
}

/// Remove cluster `cluster`'s entries from `config`, clearing `current-context` if it pointed
/// at them. Returns whether anything changed.
pub(crate) fn remove_entry(config: &mut Config, cluster: &str) -> bool {
    let name = minik_context_name(cluster);
    let mut changed = false;
    changed |= remove_named(&mut config.clusters, &name);
    changed |= remove_named(&mut config.users, &name);
    changed |= remove_named(&mut config.contexts, &name);
    if config.current_context.as_deref() == Some(&name) {
        config.current_context = Some(String::new());
        changed = true;
    }
    changed
}
