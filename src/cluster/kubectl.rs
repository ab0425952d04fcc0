//! `minik kubectl -- ARGS`: the cluster's own kubectl, the one its control plane carries (so its
//! version matches the API server), run in an answering control plane with kubeadm's admin
//! kubeconfig. An attendee without kubectl works offline with it, as minikube's `kubectl` verb
//! allows. The node cannot see this machine's files, so a local `-f FILE` travels on kubectl's
//! standard input (`-f -`), and `-f -` passes minik's own standard input through.

use std::path::{Path, PathBuf};

use super::{Cluster, ClusterError};
use crate::archive::reader_stream;
use crate::node::paths::ADMIN_CONF;
use crate::provider::{ExecInput, ExecOutput, Provider};

/// Bytes read from a file or minik's standard input at a time.
const CHUNK: usize = 64 * 1024;

/// kubectl's arguments as typed that cannot work in the node: bad input (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum KubectlInputError {
    #[error("{0}: cannot read it on this machine ({1})")]
    Unreadable(String, std::io::Error),
    #[error("{0} is a folder; minik kubectl sends one file to the node")]
    Folder(String),
    #[error("{0} and {1} would both be kubectl's standard input")]
    TwoInputs(String, String),
    #[error("-f needs a file name")]
    MissingValue,
}

crate::error_keys!(pub KubectlInputError {
    KubectlInputError::Unreadable(path, e) => "kubectl.unreadable", path = path, reason = e;
    KubectlInputError::Folder(path) => "kubectl.folder", path = path;
    KubectlInputError::TwoInputs(first, second) => "kubectl.two-inputs",
        first = first, second = second;
    KubectlInputError::MissingValue => "kubectl.missing-value";
});

impl crate::hint::Hint for KubectlInputError {
    fn hint(&self) -> Option<String> {
        Some(self.hint_text())
    }
}

impl KubectlInputError {
    fn hint_text(&self) -> String {
        match self {
            KubectlInputError::Unreadable(..) => "check the path (relative to this folder)".into(),
            KubectlInputError::Folder(d) => {
                format!(
                    "send its files as one stream: cat {d}/*.yaml | minik kubectl -- apply -f -"
                )
            }
            KubectlInputError::TwoInputs(..) => {
                "join them into one: cat a.yaml b.yaml | minik kubectl -- apply -f -".into()
            }
            KubectlInputError::MissingValue => {
                "for example: minik kubectl -- apply -f app.yaml".into()
            }
        }
    }
}

/// What kubectl reads on its standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    None,
    /// minik's own standard input (`-f -`).
    Stdin,
    /// A file of this machine (`-f FILE`, sent as `-f -`).
    File(PathBuf),
}

/// The arguments for the node's kubectl and what to feed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) args: Vec<String>,
    pub(crate) input: Input,
}

/// Rewrites each `-f FILE` (`-f=FILE`, `-fFILE`, `--filename FILE`, `--filename=FILE`) of a
/// local file into `-f -`; `-f -` and URLs stay. Arguments after a `--` belong to the command
/// `kubectl exec` runs and are never touched.
pub(crate) fn plan(args: &[String]) -> Result<Plan, KubectlInputError> {
    let mut out = Vec::with_capacity(args.len());
    let mut input: Option<(Input, String)> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            out.push(arg.clone());
            out.extend(it.cloned());
            break;
        }
        let (flag, value) = match split_filename(arg) {
            Some((flag, Some(v))) => (flag, v.to_string()),
            Some((flag, None)) => {
                let v = it.next().ok_or(KubectlInputError::MissingValue)?;
                (flag, v.clone())
            }
            None => {
                out.push(arg.clone());
                continue;
            }
        };
        let source = source(&value)?;
        if source == Input::None {
            // A URL: the node's kubectl fetches it.
            out.extend([flag.to_string(), value]);
            continue;
        }
        if let Some((_, first)) = &input {
            return Err(KubectlInputError::TwoInputs(first.clone(), value));
        }
        input = Some((source, value));
        out.extend([flag.to_string(), "-".to_string()]);
    }
    Ok(Plan {
        args: out,
        input: input.map(|(i, _)| i).unwrap_or(Input::None),
    })
}

/// `-f`/`--filename` and its value when joined to it (`-fX`, `-f=X`, `--filename=X`).
fn split_filename(arg: &str) -> Option<(&'static str, Option<&str>)> {
    if arg == "-f" {
        return Some(("-f", None));
    }
    if arg == "--filename" {
        return Some(("--filename", None));
    }
    if let Some(v) = arg.strip_prefix("--filename=") {
        return Some(("--filename", Some(v)));
    }
    // Short flags may be bundled only when -f comes first: `-fapp.yaml`, `-f=app.yaml`.
    arg.strip_prefix("-f")
        .filter(|v| !v.is_empty() && !arg.starts_with("--"))
        .map(|v| ("-f", Some(v.strip_prefix('=').unwrap_or(v))))
}

fn source(value: &str) -> Result<Input, KubectlInputError> {
    if value == "-" {
        return Ok(Input::Stdin);
    }
    if value.contains("://") {
        return Ok(Input::None);
    }
    let path = Path::new(value);
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(KubectlInputError::Folder(value.to_string())),
        Ok(_) => Ok(Input::File(path.to_path_buf())),
        Err(e) => Err(KubectlInputError::Unreadable(value.to_string(), e)),
    }
}

/// Why `minik kubectl` could not run kubectl (kubectl's own failures are its exit code).
#[derive(Debug, thiserror::Error)]
pub enum KubectlError {
    #[error("{0}")]
    Input(#[from] KubectlInputError),
    #[error("{0}")]
    Cluster(#[from] ClusterError),
}

impl KubectlError {
    pub fn is_bad_input(&self) -> bool {
        match self {
            KubectlError::Input(_) => true,
            KubectlError::Cluster(c) => c.is_bad_input(),
        }
    }
}

crate::error_keys!(pub KubectlError {
    KubectlError::Input(_) | KubectlError::Cluster(_) => "kubectl.wrapped";
});

/// Runs kubectl with `args` (as typed after `--`) in an answering control plane of `cluster`;
/// any exit code of kubectl is returned with its output.
pub(crate) async fn run(
    provider: &dyn Provider,
    cluster: &str,
    args: &[String],
) -> Result<ExecOutput, KubectlError> {
    let plan = plan(args)?;
    let node = Cluster::read(provider, cluster)
        .await?
        .answering(provider, None)
        .await?
        .name
        .clone();
    let stdin = match &plan.input {
        Input::None => ExecInput::None,
        Input::Stdin => ExecInput::Stream(reader_stream(tokio::io::stdin(), CHUNK)),
        Input::File(path) => {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|e| KubectlInputError::Unreadable(path.display().to_string(), e))?;
            ExecInput::Stream(reader_stream(file, CHUNK))
        }
    };
    let cmd = command(&plan.args);
    Ok(provider
        .exec(&node, &cmd, stdin)
        .await
        .map_err(ClusterError::from)?)
}

/// Whether this machine has a kubectl on PATH (`kubectl.exe` on Windows), so minik can point
/// to `minik kubectl` when it has none.
pub(crate) fn on_this_machine() -> bool {
    found_in(std::env::var_os("PATH").as_deref())
}

fn found_in(path: Option<&std::ffi::OsStr>) -> bool {
    let name = if cfg!(windows) {
        "kubectl.exe"
    } else {
        "kubectl"
    };
    path.map(std::env::split_paths)
        .into_iter()
        .flatten()
        .any(|dir| dir.join(name).is_file())
}

/// The node's command line: kubectl with kubeadm's admin kubeconfig, then the user's arguments.
pub(crate) fn command(args: &[String]) -> Vec<String> {
    ["kubectl".to_string(), format!("--kubeconfig={ADMIN_CONF}")]
        .into_iter()
        .chain(args.iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests;
