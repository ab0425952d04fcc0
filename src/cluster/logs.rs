//! `minik export logs`: everything needed to debug a cluster, as a folder and a `.tar.gz`.
//!
//! Read-only: it runs commands that only read (journalctl, ctr images ls) and copies files out.
//! Every node is collected concurrently, every item of a node too. A failing item is recorded
//! in `errors.txt` and in the result, never fatal. Stopped nodes still give their container
//! output, their inspect document and their files (the engine copies files out of stopped
//! containers); only commands are skipped.
//!
//! Layout (see [`node_items`]):
//!
//! ```text
//! DIR/
//!   minik-version.txt  docker-info.json  docker-version.json  [errors.txt]
//!   <node>/
//!     serial.log  inspect.json  journal.log  kubelet.log  containerd.log  images.log
//!     kubernetes-version.txt  kubeadm.conf  containerd-config.toml  kubelet-config.yaml
//!     kubeadm-flags.env  var/log/...
//! DIR.tar.gz
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::join_all;

use super::ClusterError;
use crate::events::Events;
use crate::provider::{ExecInput, NodeInfo, NodeRole, NodeState, Provider};

/// Where one file of a node's folder comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
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
pub struct Item {
    /// Path relative to the node's folder.
    pub path: &'static str,
    pub source: Source,
}

const fn item(path: &'static str, source: Source) -> Item {
    Item { path, source }
}

/// What is collected from every node (the load balancer is not a node).
pub fn node_items() -> &'static [Item] {
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
pub fn top_files(provider: &str) -> [String; 3] {
    [
        "minik-version.txt".to_string(),
        format!("{provider}-info.json"),
        format!("{provider}-version.json"),
    ]
}

/// `minik-logs-<cluster>-<UTC yyyymmdd-hhmmss>`, relative to the current directory.
pub fn default_dir(cluster: &str, now: SystemTime) -> PathBuf {
    // 2026-11-27T10:40:01Z → 20261127-104001
    let stamp: String = humantime::format_rfc3339_seconds(now)
        .to_string()
        .chars()
        .filter_map(|c| match c {
            'T' => Some('-'),
            c if c.is_ascii_digit() => Some(c),
            _ => None,
        })
        .collect();
    PathBuf::from(format!("minik-logs-{cluster}-{stamp}"))
}

/// `DIR.tar.gz`, next to DIR.
pub fn archive_path(dir: &Path) -> PathBuf {
    let mut name = dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "minik-logs".into());
    name.push(".tar.gz");
    dir.with_file_name(name)
}

#[derive(Debug)]
pub struct Exported {
    pub dir: PathBuf,
    pub archive: PathBuf,
    pub nodes: usize,
    /// Files written into the folder (a directory tree counts once).
    pub files: usize,
    /// `<node>/<file>: why`, for each item that could not be collected.
    pub errors: Vec<String>,
    /// Nodes that were not running (commands skipped).
    pub stopped: Vec<String>,
    pub elapsed: Duration,
}

pub async fn export(
    provider: &dyn Provider,
    cluster: &str,
    dir: &Path,
    events: &Events,
) -> Result<Exported, ClusterError> {
    let started = Instant::now();
    super::naming::validate_cluster_name(cluster)?;
    let nodes: Vec<NodeInfo> = provider
        .list_nodes(Some(cluster))
        .await?
        .into_iter()
        .filter(|n| n.role != NodeRole::ExternalLoadBalancer)
        .collect();
    if nodes.is_empty() {
        return Err(ClusterError::NotFound(cluster.to_string()));
    }
    let archive = archive_path(dir);
    prepare_dir(dir, &archive).await?;
    let stopped: Vec<String> = nodes
        .iter()
        .filter(|n| n.state != NodeState::Running)
        .map(|n| n.name.clone())
        .collect();
    if stopped.len() == nodes.len() {
        events.warn(format!(
            "cluster {cluster:?} is stopped: collecting container output, inspect documents and \
             files only (no journals); run `minik start --name {cluster}` first for everything"
        ));
    } else if !stopped.is_empty() {
        events.warn(format!(
            "not running: {} (their journals are skipped)",
            stopped.join(", ")
        ));
    }

    let step = events.step(format!(
        "Collecting logs from {} node{} 📋",
        nodes.len(),
        if nodes.len() == 1 { "" } else { "s" }
    ));
    let top = collect_top(provider, dir);
    let per_node = join_all(nodes.iter().map(|n| collect_node(provider, n, dir)));
    let (top, per_node) = tokio::join!(top, per_node);
    let mut files = 0;
    let mut errors = Vec::new();
    for (ok, errs) in std::iter::once(top).chain(per_node) {
        files += ok;
        errors.extend(errs);
    }
    if !errors.is_empty() {
        let mut text = errors.join("\n");
        text.push('\n');
        write(&dir.join("errors.txt"), text.as_bytes()).await?;
    }
    step.done();

    let step = events.step(format!("Writing {}", archive.display()));
    let (src, dst) = (dir.to_path_buf(), archive.clone());
    tokio::task::spawn_blocking(move || write_archive(&src, &dst))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
        .and_then(|r| r)
        .map_err(|e| io_error(&archive, e))?;
    step.done();
    Ok(Exported {
        dir: dir.to_path_buf(),
        archive,
        nodes: nodes.len(),
        files,
        errors,
        stopped,
        elapsed: started.elapsed(),
    })
}

fn io_error(path: &Path, e: std::io::Error) -> ClusterError {
    ClusterError::Write {
        path: path.display().to_string(),
        source: e,
    }
}

/// Refuse to mix a new bundle with an old one.
async fn prepare_dir(dir: &Path, archive: &Path) -> Result<(), ClusterError> {
    if let Ok(mut entries) = tokio::fs::read_dir(dir).await {
        if entries.next_entry().await.ok().flatten().is_some() {
            return Err(ClusterError::DestinationExists {
                path: dir.display().to_string(),
                not_empty: true,
            });
        }
    }
    if tokio::fs::try_exists(archive).await.unwrap_or(false) {
        return Err(ClusterError::DestinationExists {
            path: archive.display().to_string(),
            not_empty: false,
        });
    }
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| io_error(dir, e))
}

async fn write(path: &Path, data: &[u8]) -> Result<(), ClusterError> {
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| io_error(parent, e))?;
    }
    tokio::fs::write(path, data)
        .await
        .map_err(|e| io_error(path, e))
}

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut s = serde_json::to_vec_pretty(v).unwrap_or_default();
    s.push(b'\n');
    s
}

/// minik's version and the engine's documents. Returns (files written, errors).
async fn collect_top(provider: &dyn Provider, dir: &Path) -> (usize, Vec<String>) {
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

async fn collect_node(provider: &dyn Provider, n: &NodeInfo, dir: &Path) -> (usize, Vec<String>) {
    let node_dir = dir.join(&n.name);
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
            super::lifecycle::first_file_in_tar(&tar)
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
            return tokio::task::spawn_blocking(move || unpack(&tar, &into))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("cannot unpack {path}: {e}"));
        }
    };
    write(&dest, &data).await.map_err(|e| e.to_string())
}

/// Unpack regular files and directories only: symlinks (pod log links, absolute targets) and
/// device nodes stay behind, so nothing can point or write outside `into`.
pub fn unpack(tar: &[u8], into: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(into)?;
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            continue;
        }
        entry.set_preserve_permissions(false);
        // Directories must stay writable for their children.
        if kind.is_dir() {
            let path = entry.path()?.into_owned();
            if path
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
            {
                std::fs::create_dir_all(into.join(path))?;
            }
            continue;
        }
        entry.unpack_in(into)?;
    }
    Ok(())
}

fn write_archive(dir: &Path, archive: &Path) -> std::io::Result<()> {
    let file = std::fs::File::create(archive)?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    builder.follow_symlinks(false);
    let name = dir
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("minik-logs"));
    builder.append_dir_all(&name, dir)?;
    builder.into_inner()?.finish()?.sync_all()
}

/// The paths of a `.tar.gz` (tests and callers checking a bundle).
pub fn archive_entries(archive: &Path) -> std::io::Result<Vec<String>> {
    let file = std::fs::File::open(archive)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut names = Vec::new();
    for entry in tar.entries()? {
        let entry = entry?;
        names.push(entry.path()?.to_string_lossy().into_owned());
    }
    Ok(names)
}

/// One file's text out of a `.tar.gz`.
pub fn archive_file(archive: &Path, path: &str) -> std::io::Result<Option<String>> {
    let file = std::fs::File::open(archive)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in tar.entries()? {
        let mut entry = entry?;
        if entry.path()?.to_string_lossy() == path {
            let mut s = String::new();
            entry.read_to_string(&mut s)?;
            return Ok(Some(s));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

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

    #[test]
    fn names_the_folder_and_the_archive() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_776_001);
        assert_eq!(
            default_dir("dev", t),
            PathBuf::from("minik-logs-dev-20261127-104001")
        );
        assert_eq!(
            archive_path(Path::new("out/logs")),
            PathBuf::from("out/logs.tar.gz")
        );
        assert_eq!(
            archive_path(Path::new("minik-logs-dev-1")),
            PathBuf::from("minik-logs-dev-1.tar.gz")
        );
    }

    fn tar_of(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, kind, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o600);
            if *kind == tar::EntryType::Symlink {
                h.set_link_name("/etc/passwd").unwrap();
            }
            h.set_cksum();
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn unpacks_files_and_dirs_but_no_links_and_archives_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let bundle = tmp.path().join("bundle");
        let tar = tar_of(&[
            ("log/", tar::EntryType::Directory, b""),
            ("log/journal/", tar::EntryType::Directory, b""),
            ("log/journal/x.journal", tar::EntryType::Regular, b"j"),
            ("log/containers/a.log", tar::EntryType::Symlink, b""),
        ]);
        unpack(&tar, &bundle.join("n/var")).unwrap();
        let f = bundle.join("n/var/log/journal/x.journal");
        assert_eq!(std::fs::read(&f).unwrap(), b"j");
        assert!(!bundle.join("n/var/log/containers/a.log").exists());

        let archive = archive_path(&bundle);
        write_archive(&bundle, &archive).unwrap();
        let names = archive_entries(&archive).unwrap();
        assert!(
            names
                .iter()
                .any(|n| n == "bundle/n/var/log/journal/x.journal"),
            "{names:?}"
        );
        assert_eq!(
            archive_file(&archive, "bundle/n/var/log/journal/x.journal")
                .unwrap()
                .as_deref(),
            Some("j")
        );
    }
}
