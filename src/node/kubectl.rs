//! kubectl inside a control plane, with kubeadm's admin kubeconfig.

use super::paths::ADMIN_CONF;
use crate::provider::{ExecInput, ExecOutput, Provider, ProviderError};

fn command(args: &[&str]) -> Vec<String> {
    ["kubectl".to_string(), format!("--kubeconfig={ADMIN_CONF}")]
        .into_iter()
        .chain(args.iter().map(|s| s.to_string()))
        .collect()
}

/// Run kubectl on `on` and return its output whatever its exit code.
pub(crate) async fn kubectl(
    provider: &dyn Provider,
    on: &str,
    args: &[&str],
) -> Result<ExecOutput, ProviderError> {
    provider.exec(on, &command(args), ExecInput::None).await
}

/// Run kubectl on `on`; a non-zero exit is an error carrying its output. Returns stdout.
pub(crate) async fn kubectl_output(
    provider: &dyn Provider,
    on: &str,
    args: &[&str],
) -> Result<String, ProviderError> {
    let cmd = command(args);
    super::run(provider, on, &as_strs(&cmd)).await
}

/// Like [`kubectl_output`], feeding `input` on standard input; returns stdout and stderr.
pub(crate) async fn kubectl_with_input(
    provider: &dyn Provider,
    on: &str,
    args: &[&str],
    input: String,
) -> Result<String, ProviderError> {
    let cmd = command(args);
    super::run_with_input(provider, on, &as_strs(&cmd), input).await
}

fn as_strs(cmd: &[String]) -> Vec<&str> {
    cmd.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn uses_the_admin_kubeconfig() {
        assert_eq!(
            super::command(&["get", "nodes"]),
            [
                "kubectl",
                "--kubeconfig=/etc/kubernetes/admin.conf",
                "get",
                "nodes"
            ]
        );
    }
}
