//! minik's node utilities: running commands on nodes, moving files in and out of them, what
//! every node carries (its Kubernetes version, the shared PKI), in-cluster kubectl, in-node
//! paths, role selectors and whether a node's container runtime serves. Below the cluster use
//! cases, the node image build and the tour that use them, and importing none of them (kind's
//! `pkg/cluster/nodeutils`), so each of those can reach a node without reaching each other.

mod error;
mod kubectl;
pub(crate) mod paths;
pub(crate) mod roles;
pub(crate) mod runtime;

pub(crate) use error::NodeError;
pub(crate) use kubectl::{kubectl, kubectl_output, kubectl_with_input};

use crate::k8s_version::{InvalidVersion, KubeVersion};

use crate::provider::{ExecInput, Provider, ProviderError};

fn argv(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Run a command; a non-zero exit is an error carrying the command's output.
pub async fn run(p: &dyn Provider, node: &str, args: &[&str]) -> Result<String, ProviderError> {
    let cmd = argv(args);
    let out = p
        .exec(node, &cmd, ExecInput::None)
        .await?
        .check(node, &cmd)?;
    Ok(out.stdout_text())
}

/// Like [`run`], feeding `input` on standard input, and returning stdout and stderr together.
pub(crate) async fn run_with_input(
    p: &dyn Provider,
    node: &str,
    args: &[&str],
    input: String,
) -> Result<String, ProviderError> {
    let cmd = argv(args);
    let out = p
        .exec(node, &cmd, ExecInput::text(input))
        .await?
        .check(node, &cmd)?;
    Ok(out.combined())
}

/// Run a command and return stdout and stderr together (kubeadm logs to stderr).
pub(crate) async fn run_combined(
    p: &dyn Provider,
    node: &str,
    args: &[&str],
) -> Result<String, ProviderError> {
    let cmd = argv(args);
    let out = p
        .exec(node, &cmd, ExecInput::None)
        .await?
        .check(node, &cmd)?;
    Ok(out.combined())
}

pub(crate) async fn read_file(
    p: &dyn Provider,
    node: &str,
    path: &str,
) -> Result<String, ProviderError> {
    run(p, node, &["cat", path]).await
}

/// Write `contents` to `path` on the node, creating its directory.
pub(crate) async fn write_file(
    p: &dyn Provider,
    node: &str,
    path: &str,
    contents: &str,
) -> Result<(), ProviderError> {
    let script = r#"mkdir -p "$(dirname "$1")" && cat > "$1""#;
    run_with_input(
        p,
        node,
        &["sh", "-c", script, "sh", path],
        contents.to_string(),
    )
    .await?;
    Ok(())
}

/// The Kubernetes version the node's image was built with.
pub(crate) async fn version(provider: &dyn Provider, node: &str) -> Result<KubeVersion, NodeError> {
    let text = read_file(provider, node, paths::VERSION_FILE).await?;
    text.trim()
        .parse()
        .map_err(|e: InvalidVersion| NodeError::BadOutput {
            node: node.to_string(),
            what: paths::VERSION_FILE.into(),
            reason: e.to_string(),
        })
}

/// Give a secondary control plane the cluster's CAs and keys (copied from the first control
/// plane, `from`) before it joins, so that it joins without `--upload-certs`.
pub(crate) async fn copy_shared_pki(
    provider: &dyn Provider,
    from: &str,
    to: &str,
) -> Result<(), ProviderError> {
    for path in paths::SHARED_PKI {
        // Which of these files exist depends on the Kubernetes version and the cluster's
        // settings (an external etcd has no etcd CA): copy those that do.
        let Ok(content) = read_file(provider, from, path).await else {
            continue;
        };
        write_file(provider, to, path, &content).await?;
    }
    Ok(())
}

/// Read `path` through the engine's archive API, which also works on a stopped node; `None`
/// when the archive holds no regular file.
pub(crate) async fn read_file_stopped(
    provider: &dyn Provider,
    node: &str,
    path: &str,
) -> Result<Option<String>, ProviderError> {
    let tar = provider.copy_tar_from(node, path).await?;
    Ok(crate::archive::first_file(&tar))
}
