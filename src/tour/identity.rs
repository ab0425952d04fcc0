//! The lab's own identity: a ServiceAccount per lab, bound to a Role in the lab's namespace and
//! to read-only access to what the built-in lab shows (nodes, namespaces, kube-system's pods and
//! DaemonSets), its token from `kubectl create token` for the whole session (a new one each
//! run, so a resumed tour never holds an expired one). The learner's commands and the lab's
//! checks run with it; the API server, not an argv filter, then refuses anything else with its
//! own 403. minik's fixed actions (making and deleting the namespace, node actions, views, clean
//! up) keep the admin identity.

use serde_yaml::Value;

use super::run::Tour;
use super::TourError;
use crate::cluster::ClusterError;
use crate::node::paths::ADMIN_CONF;

/// Where the identity's ServiceAccount lives (it exists before the lab's namespace does).
const HOME: &str = "kube-system";
/// How long a token lasts: a long workshop day.
const TOKEN_LIFETIME: &str = "12h";
const RBAC: &str = "rbac.authorization.k8s.io";
/// The API groups of the namespaced kinds a lab may change (see `super::kinds`).
const LAB_GROUPS: &str = "['', apps, batch, autoscaling, policy, networking.k8s.io, \
                          discovery.k8s.io, events.k8s.io]";

impl Tour<'_> {
    pub(super) fn identity_name(&self) -> String {
        format!("minik-tour-{}", self.lab.id)
    }

    fn kubeconfig_path(&self) -> String {
        format!("/etc/kubernetes/{}.conf", self.identity_name())
    }

    /// The ServiceAccount, its cluster-wide read access and its token; lab commands use it
    /// from now on.
    pub(super) async fn open_identity(&self) -> Result<(), TourError> {
        let name = self.identity_name();
        let manifest = format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {HOME}}}\n\
             ---\napiVersion: {RBAC}/v1\nkind: ClusterRole\nmetadata: {{name: {name}}}\nrules:\n\
             - {{apiGroups: [''], resources: [nodes, namespaces], verbs: [get, list, watch]}}\n\
             ---\napiVersion: {RBAC}/v1\nkind: ClusterRoleBinding\nmetadata: {{name: {name}}}\n\
             roleRef: {{apiGroup: {RBAC}, kind: ClusterRole, name: {name}}}\n\
             subjects: [{{kind: ServiceAccount, name: {name}, namespace: {HOME}}}]\n\
             ---\napiVersion: {RBAC}/v1\nkind: Role\nmetadata: {{name: {name}, namespace: {HOME}}}\n\
             rules:\n- {{apiGroups: ['', apps, events.k8s.io], resources: [pods, pods/log, \
             daemonsets, deployments, events], verbs: [get, list, watch]}}\n\
             ---\napiVersion: {RBAC}/v1\nkind: RoleBinding\nmetadata: {{name: {name}, \
             namespace: {HOME}}}\nroleRef: {{apiGroup: {RBAC}, kind: Role, name: {name}}}\n\
             subjects: [{{kind: ServiceAccount, name: {name}, namespace: {HOME}}}]\n"
        );
        self.admin_apply(&manifest).await?;
        let token = self.admin(&[
            "create",
            "token",
            &name,
            "-n",
            HOME,
            "--duration",
            TOKEN_LIFETIME,
        ]);
        let out = self.access.kubectl(&token, None).await?;
        let token = out.stdout_text().trim().to_string();
        if out.exit_code != 0 || token.is_empty() || token.contains(char::is_whitespace) {
            return Err(identity_failed(out.combined()));
        }
        let admin_conf = self
            .access
            .on_node(&self.control_plane(), &["cat", ADMIN_CONF])
            .await?;
        let kubeconfig = token_kubeconfig(&admin_conf.stdout_text(), &name, &token)
            .ok_or_else(|| identity_failed(format!("{ADMIN_CONF} has no cluster entry")))?;
        let path = self.kubeconfig_path();
        self.access.put_file(&path, &kubeconfig).await?;
        self.access.use_lab_kubeconfig(Some(path));
        Ok(())
    }

    /// Grants the identity the lab's namespace (every namespaced kind a lab may change; no
    /// RBAC, so it cannot grant itself more): once the namespace exists.
    pub(super) async fn grant_namespace(&self) -> Result<(), TourError> {
        let (name, ns) = (self.identity_name(), &self.lab.namespace);
        let manifest = format!(
            "apiVersion: {RBAC}/v1\nkind: Role\nmetadata: {{name: {name}, namespace: {ns}}}\n\
             rules:\n- {{apiGroups: {LAB_GROUPS}, resources: ['*'], verbs: ['*']}}\n\
             ---\napiVersion: {RBAC}/v1\nkind: RoleBinding\nmetadata: {{name: {name}, \
             namespace: {ns}}}\nroleRef: {{apiGroup: {RBAC}, kind: Role, name: {name}}}\n\
             subjects: [{{kind: ServiceAccount, name: {name}, namespace: {HOME}}}]\n"
        );
        self.admin_apply(&manifest).await
    }

    /// Removes the identity (its token stops working with its ServiceAccount).
    pub(super) async fn close_identity(&self) -> Result<(), ClusterError> {
        self.access.use_lab_kubeconfig(None);
        let name = self.identity_name();
        for kinds in [
            format!("clusterrolebinding/{name}"),
            format!("clusterrole/{name}"),
        ] {
            self.access
                .kubectl(&self.admin(&["delete", &kinds, "--ignore-not-found"]), None)
                .await?;
        }
        let local = format!("serviceaccount/{name}");
        let role = format!("role/{name}");
        let binding = format!("rolebinding/{name}");
        let delete = [
            "delete",
            &local,
            &role,
            &binding,
            "-n",
            HOME,
            "--ignore-not-found",
        ];
        self.access.kubectl(&self.admin(&delete), None).await?;
        let path = self.kubeconfig_path();
        self.access
            .on_node(&self.control_plane(), &["rm", "-f", &path])
            .await?;
        Ok(())
    }

    fn admin(&self, words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    async fn admin_apply(&self, manifest: &str) -> Result<(), TourError> {
        let args = self.admin(&["apply", "-f", "-"]);
        let out = self.access.kubectl(&args, Some(manifest)).await?;
        if out.exit_code != 0 {
            return Err(identity_failed(out.combined()));
        }
        Ok(())
    }
}

fn identity_failed(output: String) -> TourError {
    TourError::Identity(output.trim().to_string())
}

/// A kubeconfig with admin.conf's cluster (server, CA) and the token as its only credential.
fn token_kubeconfig(admin_conf: &str, name: &str, token: &str) -> Option<String> {
    let admin: Value = serde_yaml::from_str(admin_conf).ok()?;
    let cluster = admin.get("clusters")?.get(0)?.get("cluster")?;
    let server = cluster.get("server")?.as_str()?;
    let ca = cluster.get("certificate-authority-data")?.as_str()?;
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "minik", "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": "minik", "user": name}}],
        "current-context": name,
    });
    serde_yaml::to_string(&config).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_kubeconfig_holds_the_token_and_no_admin_credential() {
        let admin =
            "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0E=\n    \
                     server: https://lab-control-plane:6443\n  name: lab\nusers:\n- name: admin\n  \
                     user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ\n";
        let out = token_kubeconfig(admin, "minik-tour-basics", "tok.en.x").unwrap();
        assert!(out.contains("token: tok.en.x"), "{out}");
        assert!(
            out.contains("server: https://lab-control-plane:6443"),
            "{out}"
        );
        assert!(
            !out.contains("client-key") && !out.contains("client-certificate"),
            "{out}"
        );
        assert!(token_kubeconfig("kind: Config\n", "x", "t").is_none());
    }
}
