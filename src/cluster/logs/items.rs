//! What `export logs` collects from each node and from the engine, and how each item is read.

use std::path::{Path, PathBuf};

use futures_util::future::join_all;

use super::bundle::write;
use crate::archive;
use crate::provider::{ExecInput, NodeInfo, NodeState, Provider};

/// Where one file of a node's folder comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The container's own output (entrypoint and systemd console), every boot.
    Serial,
    /// The engine's inspect document.
    Inspect,
    /// A command's standard output; needs a running node.
    Exec(&'static [&'static str]),
    /// A file copied out of the node.
    File(&'static str),
    /// A directory tree copied out of the node and unpacked (symlinks and devices left out).
    Dir(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Item {
    /// Path relative to the node's folder.
    pub(crate) path: &'static str,
    pub(crate) source: Source,
}

const fn item(path: &'static str, source: Source) -> Item {
    Item { path, source }
}

/// What is collected from every node (the load balancer is not a node).
pub(crate) fn node_items() -> &'static [Item] {
    use Source::*;
    const ITEMS: &[Item] = &[
        item("serial.log", Serial),
        item("inspect.json", Inspect),
        item("journal.log", Exec(&["journalctl", "--no-pager"])),
        item(
            "kubelet.log",
            Exec(&["journalctl", "--no-pager", "-u", "kubelet"]),
        ),
        item(
            "containerd.log",
            Exec(&["journalctl", "--no-pager", "-u", "containerd"]),
        ),
        item("images.log", Exec(&["ctr", "-n", "k8s.io", "images", "ls"])),
        item("kubernetes-version.txt", File("/kind/version")),
        item("kubeadm.conf", File("/kind/kubeadm.conf")),
        item(
            "containerd-config.toml",
            File("/etc/containerd/config.toml"),
        ),
        item("kubelet-config.yaml", File("/var/lib/kubelet/config.yaml")),
        item(
            "kubeadm-flags.env",
            File("/var/lib/kubelet/kubeadm-flags.env"),
        ),
        item("var/log", Dir("/var/log")),
    ];
    ITEMS
}

/// Files at the top of the bundle, for an engine named `provider`.
pub(crate) fn top_files(provider: &str) -> [String; 3] {
    [
        "minik-version.txt".to_string(),
        format!("{provider}-info.json"),
        format!("{provider}-version.json"),
    ]
}

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut s = serde_json::to_vec_pretty(v).unwrap_or_default();
    s.push(b'\n');
    s
}

/// minik's version and the engine's documents. Returns (files written, errors).
pub(super) async fn collect_top(provider: &dyn Provider, dir: &Path) -> (usize, Vec<String>) {
    let [version, info, engine_version] = top_files(provider.name());
    let mut ok = 0;
    let mut errors = Vec::new();
    let minik = format!(
        "minik {} {}/{}\n",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    let (i, v) = tokio::join!(provider.info(), provider.version());
    let docs = [
        (version, Ok(minik.into_bytes())),
        (info, i.map(|v| pretty(&v)).map_err(|e| e.to_string())),
        (
            engine_version,
            v.map(|v| pretty(&v)).map_err(|e| e.to_string()),
        ),
    ];
    for (name, data) in docs {
        match data {
            Ok(data) => match write(&dir.join(&name), &data).await {
                Ok(()) => ok += 1,
                Err(e) => errors.push(format!("{name}: {e}")),
            },
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    (ok, errors)
}

/// The node's folder in the bundle. Its name comes from the engine, which is not trusted with
/// the user's disk (`../../.ssh`, `/etc`): only a plain container name, by Docker's own rule
/// `[A-Za-z0-9][A-Za-z0-9_.-]*`, becomes a folder.
fn node_dir(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if plain {
        Ok(dir.join(name))
    } else {
        Err(format!(
            "{}: skipped: not a container name minik would write as a folder",
            crate::text::quoted(name)
        ))
    }
}

pub(super) async fn collect_node(
    provider: &dyn Provider,
    n: &NodeInfo,
    dir: &Path,
) -> (usize, Vec<String>) {
    let node_dir = match node_dir(dir, &n.name) {
        Ok(d) => d,
        Err(e) => return (0, vec![e]),
    };
    let running = n.state == NodeState::Running;
    let results = join_all(node_items().iter().map(|it| {
        let node_dir = node_dir.clone();
        async move {
            let r = collect_item(provider, &n.name, running, it, &node_dir).await;
            r.map_err(|e| format!("{}/{}: {e}", n.name, it.path))
        }
    }))
    .await;
    let mut ok = 0;
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(()) => ok += 1,
            Err(e) => errors.push(e),
        }
    }
    (ok, errors)
}

async fn collect_item(
    provider: &dyn Provider,
    node: &str,
    running: bool,
    it: &Item,
    node_dir: &Path,
) -> Result<(), String> {
    let dest = node_dir.join(it.path);
    let data = match it.source {
        Source::Serial => provider.all_logs(node).await.map_err(|e| e.to_string())?,
        Source::Inspect => pretty(
            &provider
                .inspect_json(node)
                .await
                .map_err(|e| e.to_string())?,
        ),
        Source::Exec(_) if !running => return Err("skipped: the node is not running".into()),
        Source::Exec(argv) => {
            let cmd: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
            let out = provider
                .exec(node, &cmd, ExecInput::None)
                .await
                .map_err(|e| e.to_string())?;
            // Keep what the command printed even when it failed.
            write(&dest, &out.stdout).await.map_err(|e| e.to_string())?;
            if out.exit_code != 0 {
                let err = String::from_utf8_lossy(&out.stderr);
                return Err(format!(
                    "`{}` exited with {}: {}",
                    argv.join(" "),
                    out.exit_code,
                    err.trim()
                ));
            }
            return Ok(());
        }
        Source::File(path) => {
            let tar = provider
                .copy_tar_from(node, path)
                .await
                .map_err(|e| format!("cannot copy {path}: {e}"))?;
            archive::first_file(&tar)
                .ok_or_else(|| format!("{path} is not a readable file"))?
                .into_bytes()
        }
        Source::Dir(path) => {
            let tar = provider
                .copy_tar_from(node, path)
                .await
                .map_err(|e| format!("cannot copy {path}: {e}"))?;
            // The archive's entries start with the directory's own name (`log/...`).
            let into = dest.parent().unwrap_or(node_dir).to_path_buf();
            return tokio::task::spawn_blocking(move || archive::unpack_plain(&tar, &into))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("cannot unpack {path}: {e}"));
        }
    };
    write(&dest, &data).await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn a_node_name_from_the_engine_never_leaves_the_bundle_folder() {
        let dir = Path::new("/tmp/logs");
        assert_eq!(
            node_dir(dir, "lab-control-plane"),
            Ok(dir.join("lab-control-plane"))
        );
        for hostile in [
            "..",
            "../../home/me/.ssh",
            "/etc",
            "a/b",
            ".hidden",
            "",
            "x\u{1b}[2J",
            "x\ny",
            "a\\b",
        ] {
            let err = node_dir(dir, hostile).unwrap_err();
            assert!(!err.contains('\u{1b}') && !err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn every_node_file_has_its_own_relative_path() {
        let paths: BTreeSet<&str> = node_items().iter().map(|i| i.path).collect();
        assert_eq!(paths.len(), node_items().len(), "duplicate paths");
        for p in &paths {
            assert!(!p.starts_with('/') && !p.contains(".."), "{p}");
        }
        for wanted in [
            "serial.log",
            "journal.log",
            "kubelet.log",
            "containerd.log",
            "images.log",
            "inspect.json",
            "kubeadm.conf",
            "containerd-config.toml",
            "kubelet-config.yaml",
            "var/log",
        ] {
            assert!(paths.contains(wanted), "{wanted} missing");
        }
        assert_eq!(
            top_files("docker"),
            [
                "minik-version.txt",
                "docker-info.json",
                "docker-version.json"
            ]
        );
    }
}
