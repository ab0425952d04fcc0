//! `minik init`'s flags checked as bad input before anything else happens, the offer this
//! machine makes, and the file written whole: the decisions `commands::init` only wires up.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{default_ports, render, suggest, version_choices, Given, LocalImage, Look, Offer};
use super::{PublishPort, Reply};
use crate::error::Error;

/// `minik init`'s flags as typed, before any is checked.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub name: Option<String>,
    pub nodes: Option<u32>,
    pub control_planes: Option<u32>,
    pub kubernetes_version: Option<String>,
    pub image: Option<String>,
    pub ports: Vec<String>,
    pub no_ports: bool,
    pub mount: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub force: bool,
    pub create: bool,
    pub no_create: bool,
}

impl Flags {
    /// The flags as answers, checked as bad input before the engine is contacted.
    pub fn given(&self) -> Result<Given, Error> {
        if let Some(name) = &self.name {
            crate::config::name::validate_cluster_name(name)
                .map_err(|e| Error::usage(e.to_string(), "for example: --name lab"))?;
        }
        let ports = if self.no_ports {
            Some(Vec::new())
        } else if self.ports.is_empty() {
            None
        } else {
            Some(
                self.ports
                    .iter()
                    .map(|p| p.parse::<PublishPort>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| Error::usage(e, "for example: --port 80 --port 8443:443"))?,
            )
        };
        let mount = match &self.mount {
            Some(dir) => {
                Some(Some(folder(&dir.display().to_string()).map_err(|e| {
                    Error::usage(e, "--mount takes a folder that exists")
                })?))
            }
            None => None,
        };
        if let (Some(n), Some(c)) = (self.nodes, self.control_planes) {
            if c > n || c == 0 {
                return Err(Error::usage(
                    format!("--control-planes {c} does not fit in --nodes {n}"),
                    "control planes are counted among the nodes: for example --nodes 3 --control-planes 1",
                ));
            }
        }
        if let Some(n) = self.nodes {
            if n == 0 || n as usize > crate::config::MAX_NODES {
                return Err(Error::usage(
                    format!("--nodes {n} is out of range"),
                    format!("use 1 to {}", crate::config::MAX_NODES),
                ));
            }
        }
        if let Some(out) = &self.output {
            if out.exists() && !self.force {
                return Err(exists(out));
            }
        }
        Ok(Given {
            name: self.name.clone(),
            nodes: self.nodes,
            control_planes: self.control_planes,
            image: self.image.clone().map(Some),
            ports,
            mount,
            output: self.output.clone(),
            create: if self.create {
                Some(true)
            } else if self.no_create {
                Some(false)
            } else {
                None
            },
            force: self.force,
        })
    }

    /// [`Flags::given`] with `--kubernetes-version` turned into a node image, once the images
    /// this machine has are known.
    pub fn given_on(&self, given: Given, local: &[LocalImage]) -> Result<Given, Error> {
        Ok(Given {
            image: match (&self.kubernetes_version, given.image) {
                (Some(v), _) => Some(Some(image_for_version(v, local)?)),
                (None, image) => image,
            },
            ..given
        })
    }
}

/// An existing folder, made absolute (node mounts need absolute paths).
pub fn folder(s: &str) -> Result<PathBuf, String> {
    let p = std::path::absolute(s.trim()).map_err(|e| format!("{s}: {e}"))?;
    if p.is_dir() {
        Ok(p)
    } else {
        Err(format!("{} is not a folder on this machine", p.display()))
    }
}

/// `--kubernetes-version`: a node image of it here, else the image `minik create` would use.
fn image_for_version(v: &str, local: &[LocalImage]) -> Result<String, Error> {
    let version: crate::k8s_version::KubeVersion =
        v.parse().map_err(|e: crate::k8s_version::InvalidVersion| {
            Error::usage(e.to_string(), "for example: --kubernetes-version v1.36.1")
        })?;
    let want = version.to_string();
    if let Some(i) = local.iter().find(|i| i.version.as_deref() == Some(&want)) {
        return Ok(i.reference.clone());
    }
    crate::nodeimage::kindest_image(&version).map_err(|u| Error::usage(u.to_string(), u.hint))
}

/// The defaults this machine offers: its capacity, the node images on hand (and the versions
/// bundles carry), ports free on 127.0.0.1, and whether creating can work at all.
pub fn offer(look: &Look, bundle_versions: &[String]) -> Offer {
    let (choices, default_choice) = version_choices(&look.local, bundle_versions);
    let loopback_in_use = |port: u16| {
        crate::config::host_port_in_use([127, 0, 0, 1].into(), port, crate::config::Protocol::Tcp)
    };
    Offer {
        name: std::env::var("MINIK_CLUSTER_NAME")
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| crate::config::DEFAULT_CLUSTER_NAME.into()),
        suggestion: suggest(look.capacity),
        capacity: look.capacity,
        choices,
        default_choice,
        ports: default_ports(loopback_in_use),
        can_create: look.reachable && !crate::platform::is_blocking(&look.checks),
    }
}

fn exists(out: &Path) -> Error {
    Error::usage(
        format!("{} exists", out.display()),
        "choose another file with -o, or add --force to replace it",
    )
}

/// The file, whole or not at all: a temporary file next to it, renamed over it.
pub fn write(reply: &Reply, force: bool) -> Result<(), Error> {
    let out = &reply.output;
    if out.exists() && !force {
        return Err(exists(out));
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let failed = |e: std::io::Error| Error::Failed {
        message: format!("could not write {}: {e}", out.display()),
        hint: Some("choose a folder you can write to with -o".into()),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(failed)?;
    tmp.write_all(render(&reply.answers, out).as_bytes())
        .map_err(failed)?;
    tmp.persist(out).map_err(|e| failed(e.error))?;
    Ok(())
}
