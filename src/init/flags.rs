//! `minik init`'s flags checked as bad input before anything else happens, the offer this
//! machine makes, and the file written whole: the decisions `commands::init` only wires up.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{default_ports, render_in, suggest, version_choices, Given, LocalImage, Look, Offer};
use super::{PublishPort, Reply};
use crate::error::Error;
use crate::i18n::{Key, Lang, Msg};
use crate::input::InputError;
use crate::nodeimage::NodeImageError;

/// `minik init`'s flags as typed, before any is checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flags {
    pub(crate) name: Option<String>,
    pub(crate) nodes: Option<u32>,
    pub(crate) control_planes: Option<u32>,
    pub(crate) kubernetes_version: Option<String>,
    pub(crate) image: Option<String>,
    pub(crate) ports: Vec<String>,
    pub(crate) no_ports: bool,
    pub(crate) mount: Option<PathBuf>,
    pub(crate) output: Option<PathBuf>,
    pub(crate) force: bool,
    pub(crate) create: bool,
    pub(crate) no_create: bool,
}

impl Flags {
    /// The flags as answers, checked as bad input before the engine is contacted.
    pub(crate) fn given(&self) -> Result<Given, Error> {
        if let Some(name) = &self.name {
            crate::config::name::validate_cluster_name(name)
                .map_err(|e| InputError::InitName { reason: e.msg() })?;
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
                    .map_err(|reason| InputError::Port {
                        reason,
                        example: "--port 80 --port 8443:443",
                    })?,
            )
        };
        let mount = match &self.mount {
            Some(dir) => Some(Some(
                folder(&dir.display().to_string())
                    .map_err(|reason| InputError::Mount { reason })?,
            )),
            None => None,
        };
        if let (Some(n), Some(c)) = (self.nodes, self.control_planes) {
            if c > n || c == 0 {
                return Err(InputError::ControlPlanesDoNotFit {
                    control_planes: c,
                    nodes: n,
                }
                .into());
            }
        }
        if let Some(n) = self.nodes {
            if n == 0 || n as usize > crate::config::MAX_NODES {
                return Err(InputError::NodesOutOfRange { nodes: n }.into());
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
    pub(crate) fn given_on(&self, given: Given, local: &[LocalImage]) -> Result<Given, Error> {
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
pub(crate) fn folder(s: &str) -> Result<PathBuf, Msg> {
    let p = std::path::absolute(s.trim()).map_err(|e| Msg::verbatim(format!("{s}: {e}")))?;
    if p.is_dir() {
        Ok(p)
    } else {
        Err(crate::msg!(Key::NotAFolderHere, path = p.display()))
    }
}

/// `--kubernetes-version`: a node image of it here, else the image `minik create` would use.
fn image_for_version(v: &str, local: &[LocalImage]) -> Result<String, Error> {
    let version: crate::k8s_version::KubeVersion = v.parse().map_err(InputError::Version)?;
    let want = version.to_string();
    if let Some(i) = local.iter().find(|i| i.version.as_deref() == Some(&want)) {
        return Ok(i.reference.clone());
    }
    Ok(crate::nodeimage::kindest_image(&version).map_err(NodeImageError::from)?)
}

/// The defaults this machine offers: its capacity, the node images on hand (and the versions
/// bundles carry), ports free on 127.0.0.1, and whether creating can work at all.
pub(crate) fn offer(look: &Look) -> Offer {
    let (choices, default_choice) = version_choices(&look.local);
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
    InputError::FileExists {
        path: out.to_path_buf(),
    }
    .into()
}

/// The file, whole or not at all: a temporary file next to it, renamed over it.
pub(crate) fn write(reply: &Reply, force: bool, lang: Lang) -> Result<(), Error> {
    let out = &reply.output;
    if out.exists() && !force {
        return Err(exists(out));
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let failed = |e: std::io::Error| -> Error {
        crate::failure::Failure::Write {
            path: out.to_path_buf(),
            reason: e.to_string(),
        }
        .into()
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(failed)?;
    tmp.write_all(render_in(&reply.answers, out, lang).as_bytes())
        .map_err(failed)?;
    tmp.persist(out).map_err(|e| failed(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EXIT_USAGE;

    fn usage_message(f: Flags) -> String {
        let e = f.given().unwrap_err();
        assert_eq!(e.exit_code(), EXIT_USAGE, "{e}");
        e.to_string()
    }

    #[test]
    fn flags_become_answers() {
        let g = Flags {
            nodes: Some(3),
            image: Some("minik/node:x".into()),
            no_ports: true,
            no_create: true,
            ..Flags::default()
        }
        .given()
        .unwrap();
        assert_eq!(g.nodes, Some(3));
        assert_eq!(g.image, Some(Some("minik/node:x".into())));
        assert_eq!(g.ports, Some(Vec::new()));
        assert_eq!(g.create, Some(false));
        let g = Flags::default().given().unwrap();
        assert_eq!((g.ports, g.create, g.mount), (None, None, None));
    }

    #[test]
    fn bad_flags_are_bad_input() {
        let name = usage_message(Flags {
            name: Some("Not A Name".into()),
            ..Flags::default()
        });
        assert!(!name.is_empty());
        let fit = usage_message(Flags {
            nodes: Some(2),
            control_planes: Some(3),
            ..Flags::default()
        });
        assert!(
            fit.contains("--control-planes 3 does not fit in --nodes 2"),
            "{fit}"
        );
        let range = usage_message(Flags {
            nodes: Some(0),
            ..Flags::default()
        });
        assert!(range.contains("--nodes 0 is out of range"), "{range}");
        let port = usage_message(Flags {
            ports: vec!["eighty".into()],
            ..Flags::default()
        });
        assert!(port.contains("is not a port to publish"), "{port}");
        let mount = usage_message(Flags {
            mount: Some("/no/such/folder/here".into()),
            ..Flags::default()
        });
        assert!(mount.contains("is not a folder"), "{mount}");
    }

    #[test]
    fn a_version_picks_a_local_image_first() {
        let local = vec![LocalImage {
            reference: "mine/node:v1.36.1".into(),
            version: Some("v1.36.1".into()),
        }];
        let flags = Flags {
            kubernetes_version: Some("1.36.1".into()),
            ..Flags::default()
        };
        let g = flags.given_on(flags.given().unwrap(), &local).unwrap();
        assert_eq!(g.image, Some(Some("mine/node:v1.36.1".into())));
        let bad = Flags {
            kubernetes_version: Some("soon".into()),
            ..Flags::default()
        };
        let e = bad.given_on(Given::default(), &local).unwrap_err();
        assert_eq!(e.exit_code(), EXIT_USAGE);
    }

    #[test]
    fn the_file_is_not_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("minik.yaml");
        std::fs::write(&out, "old").unwrap();
        let e = Flags {
            output: Some(out.clone()),
            ..Flags::default()
        }
        .given()
        .unwrap_err();
        assert!(e.to_string().contains("exists"), "{e}");
    }
}
