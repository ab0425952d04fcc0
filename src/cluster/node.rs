//! Small helpers for running commands on nodes and moving files in and out of them.

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
pub async fn run_with_input(
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
pub async fn run_combined(
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

pub async fn read_file(p: &dyn Provider, node: &str, path: &str) -> Result<String, ProviderError> {
    run(p, node, &["cat", path]).await
}

/// Write `contents` to `path` on the node, creating its directory.
pub async fn write_file(
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
