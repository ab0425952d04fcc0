//! Is a node's container runtime serving Kubernetes? Asked right after a node boots and after
//! containerd restarts for a patch, so that a runtime containerd refused turns into one line
//! naming containerd's own error instead of a kubeadm timeout minutes later.
//!
//! The question goes to containerd itself with `ctr plugins ls`: ctr ships with containerd in
//! every node image (minik's and kind's), needs no CRI client in the node (crictl is missing from
//! older images) and no bridge from the host, and answers in milliseconds. The CRI plugins'
//! rows say whether CRI is serving: a plugin whose config containerd refused is `error`, one
//! that is disabled is absent. Only then is the journal read, for containerd's reason.

use super as node;
use super::NodeError;
use crate::provider::{ExecInput, Provider};

/// The CRI plugins, as `(type, id)`: containerd 2 splits CRI into a runtime and an images
/// service behind the gRPC plugin; containerd 1.x has only the last.
const CRI_PLUGINS: &[(&str, &str)] = &[
    ("io.containerd.cri.v1", "runtime"),
    ("io.containerd.cri.v1", "images"),
    ("io.containerd.grpc.v1", "cri"),
];

/// What `ctr plugins ls` said about CRI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CriState {
    Serving,
    /// `type.id` of each CRI plugin that is not `ok`.
    Failed(Vec<String>),
    /// containerd runs without its CRI plugin (disabled in its config).
    Missing,
}

/// Reads `ctr plugins ls` (columns TYPE ID PLATFORMS STATUS).
pub(crate) fn cri_state(plugins_ls: &str) -> CriState {
    let mut failed = Vec::new();
    let mut grpc_cri = false;
    for line in plugins_ls.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (Some(ty), Some(id), Some(status)) = (cols.first(), cols.get(1), cols.last()) else {
            continue;
        };
        if !CRI_PLUGINS.contains(&(*ty, *id)) || cols.len() < 3 {
            continue;
        }
        grpc_cri |= *ty == "io.containerd.grpc.v1";
        if *status != "ok" {
            failed.push(format!("{ty}.{id}"));
        }
    }
    match (failed.is_empty(), grpc_cri) {
        (false, _) => CriState::Failed(failed),
        (true, false) => CriState::Missing,
        (true, true) => CriState::Serving,
    }
}

/// containerd's own complaints in its journal, most relevant first: why it exited (a plain
/// `containerd: ...` line, e.g. on a config it cannot read), plugin load failures, then other
/// errors (logfmt lines).
pub(crate) fn containerd_errors(journal: &str) -> Vec<String> {
    let mut exit = Vec::new();
    let mut plugin = Vec::new();
    let mut other = Vec::new();
    for line in journal.lines() {
        if let Some(rest) = line.strip_prefix("containerd: ") {
            exit.push(rest.trim().to_string());
            continue;
        }
        let fields = logfmt(line);
        let get = |k: &str| {
            fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let level = get("level").unwrap_or("");
        let msg = get("msg").unwrap_or("");
        match (msg.starts_with("failed to load plugin"), get("error")) {
            (true, Some(err)) => {
                let text = match get("id") {
                    Some(id) => format!("{id}: {err}"),
                    None => err.to_string(),
                };
                plugin.push(text);
            }
            _ if matches!(level, "error" | "fatal") => other.push(match get("error") {
                Some(err) => format!("{msg}: {err}"),
                None => msg.to_string(),
            }),
            _ => {}
        }
    }
    let mut all = exit;
    all.extend(plugin);
    all.extend(other);
    let mut seen = std::collections::HashSet::new();
    all.retain(|e| seen.insert(e.clone()));
    all
}

/// `key=value` / `key="quoted \"value\""` pairs of one logfmt line.
fn logfmt(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ' ' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() && chars.peek().is_none() {
            return out;
        }
        if chars.next() != Some('=') {
            continue;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(match n {
                                'n' => '\n',
                                't' => '\t',
                                other => other,
                            });
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key, value));
    }
}

/// The one-line failure for a node whose CRI is not serving.
pub(crate) fn failure(node: &str, state: &CriState, errors: &[String]) -> String {
    let what = match state {
        CriState::Serving => return String::new(),
        CriState::Failed(p) => format!(
            "containerd's CRI plugin is not serving ({} failed)",
            p.join(", ")
        ),
        CriState::Missing => {
            "containerd runs without its CRI plugin (is it in disabled_plugins?)".into()
        }
    };
    match errors.first() {
        Some(e) => format!("{what} on node {node}: {e}"),
        None => format!("{what} on node {node}; see `journalctl -u containerd` in the node"),
    }
}

/// The journal of containerd's current (or last) run.
const JOURNAL: &str = "id=$(systemctl show -p InvocationID --value containerd.service); \
    if [ -n \"$id\" ]; then journalctl --no-pager -o cat _SYSTEMD_INVOCATION_ID=\"$id\"; \
    else journalctl --no-pager -o cat -u containerd.service -n 200; fi";

async fn journal(provider: &dyn Provider, name: &str) -> Vec<String> {
    node::run(provider, name, &["sh", "-c", JOURNAL])
        .await
        .map(|j| containerd_errors(&j))
        .unwrap_or_default()
}

/// Fails with containerd's own message unless the node's CRI is serving.
pub(crate) async fn check(provider: &dyn Provider, name: &str) -> Result<(), NodeError> {
    let cmd = vec!["ctr".to_string(), "plugins".into(), "ls".into()];
    let out = provider.exec(name, &cmd, ExecInput::None).await?;
    if out.exit_code != 0 {
        let errors = journal(provider, name).await;
        let why = errors
            .first()
            .cloned()
            .unwrap_or_else(|| out.combined().trim().to_string());
        return Err(NodeError::Runtime(format!(
            "containerd is not running on node {name}: {why}"
        )));
    }
    let state = cri_state(&out.stdout_text());
    if state == CriState::Serving {
        return Ok(());
    }
    let errors = journal(provider, name).await;
    Err(NodeError::Runtime(failure(name, &state, &errors)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK_2X: &str = "\
TYPE                                      ID                       PLATFORMS      STATUS
io.containerd.content.v1                  content                  -              ok
io.containerd.cri.v1                      images                   -              ok
io.containerd.cri.v1                      runtime                  linux/amd64    ok
io.containerd.grpc.v1                     cri                      -              ok
";

    #[test]
    fn cri_serves_when_every_cri_plugin_is_ok() {
        assert_eq!(cri_state(OK_2X), CriState::Serving);
        let v1 = "TYPE ID PLATFORMS STATUS\nio.containerd.grpc.v1 cri linux/amd64 ok\n";
        assert_eq!(cri_state(v1), CriState::Serving);
    }

    #[test]
    fn a_refused_or_skipped_cri_plugin_fails() {
        let broken = OK_2X
            .replace(
                "images                   -              ok",
                "images - error",
            )
            .replace("cri                      -              ok", "cri - skip");
        assert_eq!(
            cri_state(&broken),
            CriState::Failed(vec![
                "io.containerd.cri.v1.images".into(),
                "io.containerd.grpc.v1.cri".into()
            ])
        );
        let disabled = "TYPE ID PLATFORMS STATUS\nio.containerd.content.v1 content - ok\n";
        assert_eq!(cri_state(disabled), CriState::Missing);
        assert_eq!(cri_state(""), CriState::Missing);
    }

    #[test]
    fn containerds_reasons_come_from_its_journal() {
        let journal = r#"time="2026-12-01T10:00:00Z" level=info msg="starting containerd" version=2.1.9
time="2026-12-01T10:00:00Z" level=warning msg="failed to load plugin" error="invalid cri image config: `mirrors` cannot be set when `config_path` is provided" id=io.containerd.cri.v1.images type=io.containerd.cri.v1
time="2026-12-01T10:00:00Z" level=error msg="failed to serve" error="boom \"x\""
containerd: failed to unmarshal TOML at row 2 column 9: toml: expected ']' to close table name
"#;
        let errors = containerd_errors(journal);
        assert_eq!(
            errors,
            vec![
                "failed to unmarshal TOML at row 2 column 9: toml: expected ']' to close table name",
                "io.containerd.cri.v1.images: invalid cri image config: `mirrors` cannot be set when `config_path` is provided",
                "failed to serve: boom \"x\"",
            ]
        );
        let line = failure(
            "n1",
            &CriState::Failed(vec!["io.containerd.cri.v1.images".into()]),
            &errors,
        );
        assert!(
            line.starts_with("containerd's CRI plugin is not serving"),
            "{line}"
        );
        assert!(
            line.contains("on node n1: failed to unmarshal TOML"),
            "{line}"
        );
        assert!(failure("n1", &CriState::Missing, &[]).contains("journalctl -u containerd"));
        assert_eq!(failure("n1", &CriState::Serving, &[]), "");
    }
}
