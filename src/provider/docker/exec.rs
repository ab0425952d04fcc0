//! Running commands in nodes and copying files in and out.

use crate::provider::EngineCall;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::{DownloadFromContainerOptions, UploadToContainerOptions};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;

use super::{api_error, DockerProvider};
use crate::provider::{ExecInput, ExecOutput, ProviderError, Result};

pub(super) async fn exec(
    p: &DockerProvider,
    node: &str,
    cmd: &[String],
    stdin: ExecInput,
    limit: usize,
) -> Result<ExecOutput> {
    let docker = p.client();
    let with_stdin = !matches!(stdin, ExecInput::None);
    let created = docker
        .create_exec(
            node,
            CreateExecOptions::<String> {
                cmd: Some(cmd.to_vec()),
                attach_stdin: Some(with_stdin),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                // Not `privileged`: an exec inherits the node's own powers, and engines that
                // refuse privileged containers refuse privileged execs too.
                ..Default::default()
            },
        )
        .await
        .map_err(|e| api_error(EngineCall::Exec, node, e))?;
    let started = docker
        .start_exec(
            &created.id,
            Some(StartExecOptions {
                detach: false,
                ..Default::default()
            }),
        )
        .await
        .map_err(|e| api_error(EngineCall::Exec, node, e))?;
    let StartExecResults::Attached { mut output, input } = started else {
        return Err(ProviderError::Api {
            call: EngineCall::Exec,
            target: node.to_string(),
            message: "the engine did not attach to the command".into(),
        });
    };

    // Feed stdin while collecting output, so a command that writes a lot before reading all its
    // input cannot deadlock against us.
    let (fed, collected) = tokio::join!(feed(stdin, input), collect(&mut output, node, limit));
    let (stdout, stderr) = collected?;
    let inspect = docker
        .inspect_exec(&created.id)
        .await
        .map_err(|e| api_error(EngineCall::Exec, node, e))?;
    // A command that exits without reading all its input breaks the pipe: its exit code is
    // what matters then, so report the write error only when the command itself succeeded.
    let exit_code = inspect.exit_code.unwrap_or(-1);
    if let Err(e) = fed {
        if exit_code == 0 {
            return Err(ProviderError::Io(e));
        }
    }
    Ok(ExecOutput {
        exit_code,
        stdout,
        stderr,
    })
}

/// Writes the command's input, then closes our half so the command sees its input end.
async fn feed(
    stdin: ExecInput,
    mut input: std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
) -> std::io::Result<()> {
    match stdin {
        ExecInput::None => {}
        ExecInput::Bytes(b) => {
            input.write_all(&b).await?;
        }
        ExecInput::Stream(mut s) => {
            while let Some(chunk) = s.next().await {
                input.write_all(&chunk?).await?;
            }
        }
    }
    input.shutdown().await
}

/// The command's stdout and stderr, each whole, or together up to `limit` bytes (then the
/// rest is not read: dropping the stream closes the attachment).
async fn collect<S>(output: &mut S, node: &str, limit: usize) -> Result<(Vec<u8>, Vec<u8>)>
where
    S: futures_util::Stream<Item = std::result::Result<LogOutput, bollard::errors::Error>> + Unpin,
{
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    while let Some(item) = output.next().await {
        match item.map_err(|e| api_error(EngineCall::Exec, node, e))? {
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                stdout.extend_from_slice(&message)
            }
            LogOutput::StdErr { message } => stderr.extend_from_slice(&message),
            LogOutput::StdIn { .. } => {}
        }
        let have = stdout.len().saturating_add(stderr.len());
        if have >= limit {
            let over = have - limit;
            let cut = over.min(stderr.len());
            stderr.truncate(stderr.len() - cut);
            stdout.truncate(stdout.len() - (over - cut));
            break;
        }
    }
    Ok((stdout, stderr))
}

pub(super) async fn copy_tar_to(
    p: &DockerProvider,
    node: &str,
    dir: &str,
    tar: Bytes,
) -> Result<()> {
    let opts = UploadToContainerOptions {
        path: dir.to_string(),
        ..Default::default()
    };
    p.client()
        .upload_to_container(node, Some(opts), bollard::body_full(tar))
        .await
        .map_err(|e| api_error(EngineCall::ContainerCopy, node, e))
}

pub(super) async fn copy_tar_from(p: &DockerProvider, node: &str, path: &str) -> Result<Bytes> {
    let opts = DownloadFromContainerOptions {
        path: path.to_string(),
    };
    let chunks: Vec<Bytes> = p
        .client()
        .download_from_container(node, Some(opts))
        .try_collect()
        .await
        .map_err(|e| api_error(EngineCall::ContainerCopy, node, e))?;
    Ok(Bytes::from(chunks.concat()))
}
