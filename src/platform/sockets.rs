//! Well-known sockets and pipes of the runtimes people run, probed when the chosen endpoint is
//! absent ("Docker Desktop isn't running, but Colima is").

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::context_store;
use super::endpoint::{Endpoint, EndpointKind, EndpointSource};
use super::host::{HostFacts, HostOs};
use super::hostfs::env_get;

/// An engine socket that exists, and how to point the docker CLI (and minik) at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Candidate {
    /// "Docker Desktop", "Colima (profile default)", ...
    pub(crate) runtime: String,
    /// Ready to use, with source [`EndpointSource::Probed`].
    pub(crate) endpoint: Endpoint,
    /// The command to suggest: `docker context use NAME` when that context is stored,
    /// else `export DOCKER_HOST=…` (PowerShell syntax on Windows).
    pub(crate) fix: String,
}

struct Known {
    runtime: String,
    path: PathBuf,
    context: Option<String>,
}

fn known(runtime: impl Into<String>, path: PathBuf, context: Option<&str>) -> Known {
    Known {
        runtime: runtime.into(),
        path,
        context: context.map(str::to_string),
    }
}

/// Every socket worth looking at on this host, most likely first.
fn well_known(host: &HostFacts) -> Vec<Known> {
    if host.os == HostOs::Windows {
        return windows_pipes();
    }
    let home = host.home();
    let mut out = Vec::new();
    if let Some(h) = &home {
        out.push(known(
            "Docker Desktop",
            h.join(".docker/run/docker.sock"),
            Some("desktop-linux"),
        ));
        out.push(known(
            "Docker Desktop",
            h.join(".docker/desktop/docker.sock"),
            Some("desktop-linux"),
        ));
        out.push(known(
            "OrbStack",
            h.join(".orbstack/run/docker.sock"),
            Some("orbstack"),
        ));
    }
    out.extend(colima_sockets(host, home.as_deref()));
    if let Some(h) = &home {
        out.push(known(
            "Rancher Desktop",
            h.join(".rd/docker.sock"),
            Some("rancher-desktop"),
        ));
    }
    out.extend(rootless_sockets(host));
    out.push(known(
        "Podman (rootful)",
        PathBuf::from("/run/podman/podman.sock"),
        None,
    ));
    out.extend(podman_machine_sockets(host, home.as_deref()));
    out.push(known(
        "Docker Engine",
        PathBuf::from("/var/run/docker.sock"),
        Some("default"),
    ));
    out.push(known(
        "Docker Engine",
        PathBuf::from("/run/docker.sock"),
        None,
    ));
    out
}

fn windows_pipes() -> Vec<Known> {
    [
        (
            "Docker Desktop",
            "dockerDesktopLinuxEngine",
            Some("desktop-linux"),
        ),
        (
            "Docker Desktop / Rancher Desktop",
            "docker_engine",
            Some("default"),
        ),
        ("Podman machine", "podman-machine-default", None),
    ]
    .into_iter()
    .map(|(runtime, pipe, ctx)| known(runtime, PathBuf::from(format!(r"\\.\pipe\{pipe}")), ctx))
    .collect()
}

/// Colima: $COLIMA_HOME, else ~/.colima (newer versions honour $XDG_CONFIG_HOME/colima).
fn colima_sockets(host: &HostFacts, home: Option<&Path>) -> Vec<Known> {
    let env = &host.env;
    let mut colima_dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = env_get(env, "COLIMA_HOME") {
        colima_dirs.push(PathBuf::from(d));
    }
    if let Some(h) = home {
        colima_dirs.push(h.join(".colima"));
    }
    if let Some(x) = env_get(env, "XDG_CONFIG_HOME") {
        colima_dirs.push(Path::new(x).join("colima"));
    }
    let mut out = Vec::new();
    for dir in &colima_dirs {
        for profile in host.fs.dir_names(dir) {
            let ctx = if profile == "default" {
                "colima".to_string()
            } else {
                format!("colima-{profile}")
            };
            let path = dir.join(&profile).join("docker.sock");
            out.push(known(
                format!("Colima (profile {profile})"),
                path,
                Some(&ctx),
            ));
        }
        out.push(known(
            "Colima (before 0.4)",
            dir.join("docker.sock"),
            Some("colima"),
        ));
    }
    out
}

/// Rootless Docker and Podman listen in the user's runtime directory.
fn rootless_sockets(host: &HostFacts) -> Vec<Known> {
    let runtime_dir = env_get(&host.env, "XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            host.uid
                .filter(|u| *u != 0)
                .map(|u| PathBuf::from(format!("/run/user/{u}")))
        });
    let Some(dir) = &runtime_dir else {
        return Vec::new();
    };
    vec![
        known("rootless Docker", dir.join("docker.sock"), Some("rootless")),
        known("Podman (rootless)", dir.join("podman/podman.sock"), None),
    ]
}

/// podman machine: v5 puts the API socket in $TMPDIR/podman, v4 under ~/.local/share.
fn podman_machine_sockets(host: &HostFacts, home: Option<&Path>) -> Vec<Known> {
    let mut out = Vec::new();
    if let Some(tmp) = env_get(&host.env, "TMPDIR") {
        let dir = Path::new(tmp).join("podman");
        for name in host.fs.dir_names(&dir) {
            if name.ends_with("-api.sock") {
                let machine = name.trim_end_matches("-api.sock").to_string();
                out.push(known(
                    format!("Podman machine {machine}"),
                    dir.join(&name),
                    None,
                ));
            }
        }
    }
    if let Some(h) = home {
        let dir = h.join(".local/share/containers/podman/machine");
        for name in host.fs.dir_names(&dir) {
            let path = dir.join(&name).join("podman.sock");
            out.push(known(format!("Podman machine {name}"), path, None));
        }
    }
    out
}

/// The well-known sockets (Docker Desktop, OrbStack, Colima, Rancher Desktop, rootless Docker,
/// Podman, podman machine, the default socket; named pipes on Windows) that exist, excluding
/// `chosen`, without duplicates.
pub(crate) fn probe_well_known(host: &HostFacts, chosen: Option<&Path>) -> Vec<Candidate> {
    let config_dir = host.docker_config_dir();
    let mut seen: Vec<PathBuf> = chosen.map(Path::to_path_buf).into_iter().collect();
    let mut out = Vec::new();
    for k in well_known(host) {
        if seen.contains(&k.path) || !host.fs.exists(&k.path) {
            continue;
        }
        seen.push(k.path.clone());
        let (url, kind) = if host.os == HostOs::Windows {
            let url = format!("npipe://{}", k.path.display()).replace('\\', "/");
            (
                url,
                EndpointKind::NamedPipe {
                    path: k.path.display().to_string(),
                },
            )
        } else {
            let url = format!("unix://{}", k.path.display());
            (
                url,
                EndpointKind::Unix {
                    path: k.path.clone(),
                },
            )
        };
        let stored = match (&k.context, &config_dir) {
            (Some(ctx), Some(dir)) => context_store::context_exists(&host.fs, dir, ctx),
            _ => false,
        };
        let fix = match (&k.context, stored) {
            (Some(ctx), true) => format!("docker context use {ctx}"),
            _ if host.os == HostOs::Windows => format!("$env:DOCKER_HOST = \"{url}\""),
            _ => format!("export DOCKER_HOST={url}"),
        };
        out.push(Candidate {
            endpoint: Endpoint {
                source: EndpointSource::Probed {
                    runtime: k.runtime.clone(),
                },
                host: url,
                kind,
            },
            runtime: k.runtime,
            fix,
        });
    }
    out
}
