//! What minik takes from a node's kubeconfig (kubeadm's admin.conf): the cluster's CA and the
//! admin's client certificate and key, nothing else. The node is not trusted: whoever controls
//! it (a bundle's image, a hostile engine, a pod with a hostPath, another attendee on a shared
//! server) can write into that file, and an `exec` plugin, token file or proxy copied from it
//! would be run or used by every later `kubectl` on the host, outside the Docker VM.
//!
//! Every field outside the allow-list is refused by name rather than dropped: kubeadm never
//! writes one, so finding one means the node was changed, and the user should hear about it.

use serde_yaml::{Mapping, Value};

/// The three secrets minik copies, as base64 text (which is all kubeadm writes).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NodeCredentials {
    pub(super) ca_data: String,
    pub(super) client_certificate_data: String,
    pub(super) client_key_data: String,
}

/// Why a node's kubeconfig was not taken.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Refusal {
    /// A field outside the allow-list, by its path (`users[0].user.exec`).
    Field(String),
    /// Not what kubeadm writes, in a way that is not about an extra field.
    Unusable(String),
}

const TOP: &[&str] = &[
    "apiVersion",
    "kind",
    "clusters",
    "contexts",
    "users",
    "current-context",
    "preferences",
];
/// `server` is allowed but ignored: minik points the entry at its own published address.
const CLUSTER: &[&str] = &["certificate-authority-data", "server"];
const USER: &[&str] = &["client-certificate-data", "client-key-data"];
/// Ignored too: minik names the context's cluster and user itself.
const CONTEXT: &[&str] = &["cluster", "user"];

/// Check the whole file against the allow-list and return what minik copies.
pub(super) fn read(text: &str) -> Result<NodeCredentials, Refusal> {
    let doc: Value = serde_yaml::from_str(text)
        .map_err(|e| Refusal::Unusable(format!("not valid YAML: {e}")))?;
    let top = doc
        .as_mapping()
        .ok_or_else(|| Refusal::Unusable("the top level is not a mapping of fields".into()))?;
    only(top, TOP, "")?;
    if let Some(prefs) = top.get("preferences").filter(|v| !v.is_null()) {
        let prefs = prefs
            .as_mapping()
            .ok_or_else(|| Refusal::Field("preferences".into()))?;
        only(prefs, &[], "preferences.")?;
    }
    let cluster = the_one(top, "clusters", "cluster", CLUSTER)?;
    let user = the_one(top, "users", "user", USER)?;
    the_one(top, "contexts", "context", CONTEXT)?;
    Ok(NodeCredentials {
        ca_data: base64_field(
            cluster,
            "clusters[0].cluster.",
            "certificate-authority-data",
        )?,
        client_certificate_data: base64_field(user, "users[0].user.", "client-certificate-data")?,
        client_key_data: base64_field(user, "users[0].user.", "client-key-data")?,
    })
}

/// The body of the single entry of list `list` (`clusters`), after checking the entry holds only
/// `name` and `body`, and the body only `allowed`.
fn the_one<'a>(
    top: &'a Mapping,
    list: &str,
    body: &str,
    allowed: &[&str],
) -> Result<&'a Mapping, Refusal> {
    let items = match top.get(list) {
        Some(Value::Sequence(items)) => items.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return Err(Refusal::Unusable(format!("{list} is not a list"))),
    };
    let [item] = items else {
        return Err(Refusal::Unusable(format!(
            "expected exactly one entry in {list}, found {}",
            items.len()
        )));
    };
    let entry = item
        .as_mapping()
        .ok_or_else(|| Refusal::Unusable(format!("{list}[0] is not a mapping")))?;
    only(entry, &["name", body], &format!("{list}[0]."))?;
    match entry.get(body) {
        Some(Value::Mapping(fields)) => {
            only(fields, allowed, &format!("{list}[0].{body}."))?;
            Ok(fields)
        }
        _ => Err(Refusal::Unusable(format!(
            "{list}[0].{body} is missing or not a mapping"
        ))),
    }
}

/// Refuse the first key of `fields` that is not in `allowed`, naming it after `at`.
fn only(fields: &Mapping, allowed: &[&str], at: &str) -> Result<(), Refusal> {
    for key in fields.keys() {
        match key.as_str() {
            Some(k) if allowed.contains(&k) => {}
            Some(k) => return Err(Refusal::Field(format!("{at}{k}"))),
            None => {
                let shown = serde_yaml::to_string(key).unwrap_or_default();
                return Err(Refusal::Field(format!("{at}{}", shown.trim_end())));
            }
        }
    }
    Ok(())
}

/// A required base64 text field: anything else (a tag, a mapping, stray characters) is not
/// what kubeadm writes.
fn base64_field(fields: &Mapping, at: &str, key: &str) -> Result<String, Refusal> {
    let value = fields
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Refusal::Unusable(format!("{at}{key} is missing or not text")))?;
    let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    if value.is_empty() || !value.chars().all(base64) {
        return Err(Refusal::Unusable(format!("{at}{key} is not base64 text")));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::{KubeconfigEntry, KubeconfigError};

    const CLEAN: &str = include_str!("../../tests/fixtures/kubeconfig/admin.conf");
    const NODE: &str = "dev-control-plane";

    fn from(text: &str) -> Result<KubeconfigEntry, KubeconfigError> {
        KubeconfigEntry::from_admin_conf(text, NODE, "dev", "https://127.0.0.1:40123")
    }

    /// The clean admin.conf with `line` added under the (indented) `anchor` line.
    fn planted(anchor: &str, line: &str) -> String {
        assert!(CLEAN.contains(anchor), "{anchor}");
        CLEAN.replacen(anchor, &format!("{anchor}\n{line}"), 1)
    }

    fn refused_field(text: &str, field: &str) {
        let err = from(text).unwrap_err();
        let KubeconfigError::NodeField { node, field: f, .. } = &err else {
            panic!("{field}: {err}");
        };
        assert_eq!((node.as_str(), f.as_str()), (NODE, field));
        let message = err.to_string();
        assert!(
            message.contains(field) && message.contains(NODE),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
        let hint = crate::hint::Hint::hint(&err).unwrap();
        assert!(hint.contains("minik delete --name dev"), "{hint}");
    }

    #[test]
    fn every_user_field_but_the_client_certificate_and_key_is_refused() {
        let user = "- name: kubernetes-admin\n  user:";
        for (line, field) in [
            (
                "    exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: [-c, id]}",
                "exec",
            ),
            ("    auth-provider: {name: oidc}", "auth-provider"),
            ("    token: abc", "token"),
            ("    tokenFile: /etc/shadow", "tokenFile"),
            ("    username: admin", "username"),
            ("    password: secret", "password"),
            ("    as: system:admin", "as"),
            ("    client-certificate: /home/me/.ssh/id_rsa", "client-certificate"),
            ("    client-key: /home/me/.ssh/id_rsa", "client-key"),
            ("    extensions: []", "extensions"),
        ] {
            refused_field(&planted(user, line), &format!("users[0].user.{field}"));
        }
    }

    #[test]
    fn cluster_context_entry_and_top_level_extras_are_refused() {
        let cluster = "- cluster:";
        for (anchor, line, field) in [
            (
                cluster,
                "    insecure-skip-tls-verify: true",
                "clusters[0].cluster.insecure-skip-tls-verify",
            ),
            (
                cluster,
                "    proxy-url: socks5://evil:1080",
                "clusters[0].cluster.proxy-url",
            ),
            (
                cluster,
                "    tls-server-name: evil",
                "clusters[0].cluster.tls-server-name",
            ),
            (
                cluster,
                "    certificate-authority: /etc/passwd",
                "clusters[0].cluster.certificate-authority",
            ),
            (
                cluster,
                "    extensions: []",
                "clusters[0].cluster.extensions",
            ),
            (
                "- context:",
                "    namespace: kube-system",
                "contexts[0].context.namespace",
            ),
            ("  name: dev", "  extensions: []", "clusters[0].extensions"),
            (
                "- name: kubernetes-admin",
                "  extensions: []",
                "users[0].extensions",
            ),
            ("kind: Config", "extensions: []", "extensions"),
            ("kind: Config", "whatever: 1", "whatever"),
            ("kind: Config", "7: x", "7"),
        ] {
            refused_field(&planted(anchor, line), field);
        }
        let colors = CLEAN.replace("preferences: {}", "preferences: {colors: true}");
        refused_field(&colors, "preferences.colors");
    }

    #[test]
    fn a_clean_admin_conf_gives_only_the_allowed_fields() {
        let creds = read(CLEAN).unwrap();
        assert!(creds.ca_data.starts_with("TFMwdExTMUNS"));
        let e = from(CLEAN).unwrap();
        let keys = |m: &Mapping| -> Vec<String> {
            m.keys().map(|k| k.as_str().unwrap().to_string()).collect()
        };
        assert_eq!(
            keys(&e.cluster.cluster),
            ["certificate-authority-data", "server"]
        );
        let user = e.user.user.as_mapping().unwrap();
        assert_eq!(keys(user), ["client-certificate-data", "client-key-data"]);
        assert_eq!(keys(&e.context.context), ["cluster", "user"]);
        assert_eq!(e.cluster.server(), Some("https://127.0.0.1:40123"));
        let yaml = e.to_config().to_yaml().unwrap();
        assert!(!yaml.contains("dev-control-plane:6443"), "{yaml}");
    }

    #[test]
    fn values_must_be_what_kubeadm_writes() {
        for text in [
            CLEAN
                .replace("client-key-data: ", "client-key-data: [")
                .replace("Rbwo=", "Rbwo=]"),
            CLEAN.replace("client-key-data: TFMw", "client-key-data: \"\\e[2J\""),
            CLEAN.replace("    client-key-data:", "    client-key-datum:"),
            CLEAN.replace("- cluster:\n", "- cluster: 7\n  x:\n"),
            "users: 7".into(),
            String::new(),
        ] {
            let err = from(&text).expect_err(&text);
            assert!(
                matches!(
                    err,
                    KubeconfigError::AdminConf { .. } | KubeconfigError::NodeField { .. }
                ),
                "{err}"
            );
            assert!(err.to_string().contains(NODE), "{err}");
        }
    }
}
