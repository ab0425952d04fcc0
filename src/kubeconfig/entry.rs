//! minik's own kubeconfig entry for one cluster, built from kubeadm's `admin.conf`.

use serde_yaml::Value;

use super::types::{remove_named, upsert, Config, NamedCluster, NamedContext, NamedUser};
use super::KubeconfigError;

/// Where kubeadm writes the admin kubeconfig on a control-plane node.
pub const ADMIN_CONF_PATH: &str = "/etc/kubernetes/admin.conf";

/// The name minik gives the cluster, user and context of cluster `cluster` in kubeconfig.
pub fn minik_context_name(cluster: &str) -> String {
    format!("minik-{cluster}")
}

/// `https://host:port`, with brackets around an IPv6 host.
pub fn server_url(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("https://[{host}]:{port}")
    } else {
        format!("https://{host}:{port}")
    }
}

/// The cluster, user and context minik adds to (and later removes from) kubeconfig files,
/// all named `minik-<cluster>`.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeconfigEntry {
    pub name: String,
    pub cluster: NamedCluster,
    pub user: NamedUser,
    pub context: NamedContext,
}

impl KubeconfigEntry {
    /// Build the entry from the text of kubeadm's admin.conf, which must hold exactly one
    /// cluster, user and context. `server` (for example from [`server_url`]) replaces the
    /// in-cluster address kubeadm wrote.
    pub fn from_admin_conf(
        admin_conf: &str,
        cluster: &str,
        server: &str,
    ) -> Result<Self, KubeconfigError> {
        let bad = |reason: String| KubeconfigError::AdminConf {
            path: ADMIN_CONF_PATH.into(),
            reason,
        };
        let config = Config::parse(admin_conf).map_err(bad)?;
        let ([c], [u], [x]) = (
            config.clusters.as_slice(),
            config.users.as_slice(),
            config.contexts.as_slice(),
        ) else {
            return Err(bad(format!(
                "expected exactly one cluster, user and context, found {} clusters, {} users and {} contexts",
                config.clusters.len(),
                config.users.len(),
                config.contexts.len()
            )));
        };
        let name = minik_context_name(cluster);

        let mut named_cluster = c.clone();
        named_cluster.name = name.clone();
        named_cluster
            .cluster
            .insert("server".into(), Value::String(server.to_string()));

        let mut user = u.clone();
        user.name = name.clone();

        let mut context = x.clone();
        context.name = name.clone();
        context
            .context
            .insert("cluster".into(), Value::String(name.clone()));
        context
            .context
            .insert("user".into(), Value::String(name.clone()));

        Ok(KubeconfigEntry {
            name,
            cluster: named_cluster,
            user,
            context,
        })
    }

    /// A kubeconfig holding only this entry, with it as the current context (what
    /// `minik get kubeconfig` prints).
    pub fn to_config(&self) -> Config {
        let mut config = Config::default();
        self.apply(&mut config, true);
        config
    }

    /// Add or replace this entry in `config`; returns whether anything changed.
    pub fn apply(&self, config: &mut Config, set_current_context: bool) -> bool {
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
pub fn remove_entry(config: &mut Config, cluster: &str) -> bool {
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
