//! The config file `minik init` writes: minik's own format with a comment on each part, because
//! the person reading it has never written one. Values are JSON-quoted where they come from the
//! user (paths, image names), which YAML reads as the same string. The mounted folder is written
//! relative to the file's own folder, so the file and the folder beside it travel together.

use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

use super::{to_config, Answers, MOUNT_CONTAINER_PATH};
use crate::config::{minik_v1alpha1, ClusterConfig};
use crate::i18n::{Key, Lang};
use crate::msg;

/// The file's text, its comments in English; `file` is where it will be written (named in
/// the header's create command).
#[cfg(test)]
pub(crate) fn render(a: &Answers, file: &Path) -> String {
    render_in(a, file, Lang::En)
}

/// [`render`] with its comments in `lang`.
pub(crate) fn render_in(a: &Answers, file: &Path, lang: Lang) -> String {
    let mut config = to_config(a);
    for node in &mut config.nodes {
        for m in &mut node.extra_mounts {
            m.host_path = PathBuf::from(host_path_in(file, &m.host_path));
        }
    }
    let mut out = String::new();
    let say = |m: crate::i18n::Msg| m.in_lang(lang);
    let _ = writeln!(out, "# {}", say(msg!(Key::ConfigHeader)));
    let _ = writeln!(out, "#   minik create --config {}", file.display());
    let _ = writeln!(out, "# {}", say(msg!(Key::ConfigSettings)));
    let _ = writeln!(out, "kind: Cluster");
    let _ = writeln!(out, "apiVersion: {}", minik_v1alpha1::API_VERSION);
    let _ = writeln!(out, "name: {}", config.name);
    let nodes = msg!(
        Key::ConfigNodes,
        nodes = config.nodes.len(),
        control_planes = config.control_planes()
    );
    for line in say(nodes).lines() {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "nodes:");
    render_nodes(&mut out, &config, lang);
    out
}

fn render_nodes(out: &mut String, config: &ClusterConfig, lang: Lang) {
    let say = |m: crate::i18n::Msg| m.in_lang(lang);
    for node in &config.nodes {
        let _ = writeln!(out, "- role: {}", node.role.as_str());
        if let Some(image) = &node.image {
            let _ = writeln!(out, "  image: {}", quoted(image));
        }
        if !node.labels.is_empty() {
            let _ = writeln!(out, "  # {}", say(msg!(Key::ConfigIngressLabel)));
            let _ = writeln!(out, "  labels:");
            for (k, v) in &node.labels {
                let _ = writeln!(out, "    {k}: {}", quoted(v));
            }
        }
        if !node.extra_port_mappings.is_empty() {
            let _ = writeln!(out, "  # {}", say(msg!(Key::ConfigPorts)));
            let _ = writeln!(out, "  extraPortMappings:");
            for p in &node.extra_port_mappings {
                let _ = writeln!(out, "  - containerPort: {}", p.container_port);
                let _ = writeln!(out, "    hostPort: {}", p.host_port);
                let _ = writeln!(out, "    listenAddress: {}", quoted(&p.listen_address));
            }
        }
        if !node.extra_mounts.is_empty() {
            let mount = msg!(Key::ConfigMount, path = MOUNT_CONTAINER_PATH);
            let _ = writeln!(out, "  # {}", say(mount));
            let _ = writeln!(out, "  extraMounts:");
            for m in &node.extra_mounts {
                let _ = writeln!(
                    out,
                    "  - hostPath: {}",
                    quoted(&m.host_path.display().to_string())
                );
                let _ = writeln!(out, "    containerPath: {}", m.container_path);
            }
        }
    }
}

/// `dir` as the config file at `file` names it: relative to the file's folder, which is what
/// minik's loader resolves a relative hostPath against. An absolute path exists only on the
/// machine that wrote it, so a workshop config carrying one fails on every attendee's laptop;
/// a relative one works wherever the file and the folder are copied side by side. Written with
/// `/`, which every OS reads (a `\` is part of a name on macOS and Linux). A folder with no
/// relative form (another Windows drive) stays absolute.
pub(super) fn host_path_in(file: &Path, dir: &Path) -> String {
    let (Ok(file), Ok(target)) = (std::path::absolute(file), std::path::absolute(dir)) else {
        return dir.display().to_string();
    };
    let base = lexical(file.parent().unwrap_or(&file));
    let target = lexical(&target);
    let (base, target): (Vec<_>, Vec<_>) =
        (base.components().collect(), target.components().collect());
    if base.first() != target.first() {
        return dir.display().to_string();
    }
    let common = base.iter().zip(&target).take_while(|(b, t)| b == t).count();
    let ups = base.len() - common;
    let mut parts: Vec<String> = vec![if ups == 0 { ".".into() } else { "..".into() }];
    parts.extend(std::iter::repeat_n("..".to_string(), ups.saturating_sub(1)));
    parts.extend(
        target[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `path` with `.` dropped and `..` applied to the part before it, without asking the file
/// system (the loader joins paths the same way).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A double-quoted YAML scalar (JSON's string syntax is a subset of it).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}
