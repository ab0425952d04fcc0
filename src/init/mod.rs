//! `minik init`: the decisions behind the guided setup, kept apart from its questions (those are
//! in `ui::init`) so that a terminal, flags and tests all reach the same config file. What this
//! machine can hold comes from the doctor's own rules ([`crate::platform::most_nodes`]); the
//! file is minik's `minik.dev/v1alpha1` format, which `minik create --config` reads.

mod flags;
mod flow;
mod render;
mod versions;

pub(crate) use flags::{folder, offer, write, Flags};
pub(crate) use flow::{look, Given, Look, Offer, Reply};
#[cfg(test)]
pub(crate) use render::render;
pub(crate) use render::render_in;
pub(crate) use versions::{version_choices, LocalImage, VersionChoice};

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::config::{ClusterConfig, Mount, MountPropagation, PortMapping, Protocol, Role};
use crate::i18n::{Key, Msg};

/// The file `minik init` writes unless told otherwise.
pub(crate) const DEFAULT_CONFIG_FILE: &str = "minik.yaml";

/// Where the mounted folder appears inside every node (pods reach it with a hostPath volume).
pub(crate) const MOUNT_CONTAINER_PATH: &str = "/shared";

/// The label ingress controllers' kind manifests select their node by (ingress-nginx's
/// `deploy/static/provider/kind`), so workshop material written for kind works unchanged.
pub(crate) const INGRESS_LABEL: (&str, &str) = ("ingress-ready", "true");

/// The most nodes `minik init` suggests: a learner's laptop cluster, not a data centre.
pub(crate) const MAX_SUGGESTED_NODES: usize = 3;

/// Where an ingress is published when nothing else is asked for.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1";

/// Every answer `minik init` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answers {
    pub(crate) name: String,
    /// Nodes in all, control planes included.
    pub(crate) nodes: u32,
    pub(crate) control_planes: u32,
    /// The node image; `None` lets `minik create` choose (its default Kubernetes version).
    pub(crate) image: Option<String>,
    pub(crate) ports: Vec<PublishPort>,
    /// An absolute folder mounted at [`MOUNT_CONTAINER_PATH`] in every node.
    pub(crate) mount: Option<PathBuf>,
}

/// A port published on this machine: `listen:host` → `container` on the first control plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublishPort {
    pub(crate) listen: String,
    pub(crate) host: u16,
    pub(crate) container: u16,
}

impl PublishPort {
    /// The same port on both sides, on 127.0.0.1 (reachable from this machine only).
    pub(crate) fn same(port: u16) -> Self {
        PublishPort {
            listen: DEFAULT_LISTEN.into(),
            host: port,
            container: port,
        }
    }
}

impl FromStr for PublishPort {
    type Err = Msg;

    /// `PORT`, `HOST:CONTAINER`, `ADDR:HOST:CONTAINER` (IPv6 addresses in brackets).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || crate::msg!(Key::NotAPort, value = format!("{s:?}"));
        let (listen, rest) = match s.strip_prefix('[') {
            Some(v6) => {
                let (addr, rest) = v6.split_once("]:").ok_or_else(bad)?;
                (Some(addr.to_string()), rest)
            }
            None => match s.matches(':').count() {
                2 => {
                    let (addr, rest) = s.split_once(':').ok_or_else(bad)?;
                    (Some(addr.to_string()), rest)
                }
                _ => (None, s),
            },
        };
        if let Some(a) = &listen {
            a.parse::<std::net::IpAddr>().map_err(|_| bad())?;
        }
        let port = |p: &str| p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(bad);
        let (host, container) = match rest.split_once(':') {
            Some((h, c)) => (port(h)?, port(c)?),
            None => (port(rest)?, port(rest)?),
        };
        Ok(PublishPort {
            listen: listen.unwrap_or_else(|| DEFAULT_LISTEN.into()),
            host,
            container,
        })
    }
}

impl fmt::Display for PublishPort {
    /// The shortest form that reads back the same.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.listen != DEFAULT_LISTEN {
            let addr = if self.listen.contains(':') {
                format!("[{}]", self.listen)
            } else {
                self.listen.clone()
            };
            return write!(f, "{addr}:{}:{}", self.host, self.container);
        }
        if self.host == self.container {
            write!(f, "{}", self.host)
        } else {
            write!(f, "{}:{}", self.host, self.container)
        }
    }
}

/// A comma-separated list of ports, as typed at the prompt; empty means none.
pub(crate) fn parse_ports(s: &str) -> Result<Vec<PublishPort>, Msg> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect()
}

/// The list written back the way [`parse_ports`] reads it.
pub(crate) fn ports_text(ports: &[PublishPort]) -> String {
    ports
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// An ingress's ports: 80 and 443 on 127.0.0.1, or 8080/8443 for whichever is already taken on
/// this machine (`in_use(port)`), so the suggestion works on the first try.
pub(crate) fn default_ports(in_use: impl Fn(u16) -> bool) -> Vec<PublishPort> {
    [(80, 8080), (443, 8443)]
        .into_iter()
        .map(|(port, instead)| {
            let host = if in_use(port) { instead } else { port };
            PublishPort {
                listen: DEFAULT_LISTEN.into(),
                host,
                container: port,
            }
        })
        .collect()
}

/// The node count to suggest and the most this machine holds without a doctor warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Suggestion {
    pub(crate) nodes: u32,
    pub(crate) most: u32,
}

/// What to suggest for an engine with `ncpu` CPUs and `mem_bytes` of memory (`None` when the
/// engine could not be asked: one node, which any machine that runs minik holds).
pub(crate) fn suggest(capacity: Option<(u64, u64)>) -> Suggestion {
    match capacity {
        None => Suggestion { nodes: 1, most: 1 },
        Some((ncpu, mem)) => {
            let most = crate::platform::most_nodes(ncpu, mem, crate::config::MAX_NODES) as u32;
            Suggestion {
                nodes: most.min(MAX_SUGGESTED_NODES as u32),
                most,
            }
        }
    }
}

/// The cluster the answers describe. Ports go on the first control plane (with the ingress
/// label); the folder is mounted in every node, so a pod finds it wherever it runs.
pub(crate) fn to_config(a: &Answers) -> ClusterConfig {
    let cps = a.control_planes.max(1) as usize;
    let workers = (a.nodes as usize).saturating_sub(cps);
    let mut config = ClusterConfig::with_nodes(&a.name, cps, workers);
    for (i, node) in config.nodes.iter_mut().enumerate() {
        node.image = a.image.clone();
        if let Some(dir) = &a.mount {
            node.extra_mounts.push(Mount {
                host_path: dir.clone(),
                container_path: MOUNT_CONTAINER_PATH.into(),
                read_only: false,
                selinux_relabel: false,
                propagation: MountPropagation::None,
            });
        }
        if i == 0 && node.role == Role::ControlPlane && !a.ports.is_empty() {
            node.labels
                .insert(INGRESS_LABEL.0.into(), INGRESS_LABEL.1.into());
            node.extra_port_mappings = a
                .ports
                .iter()
                .map(|p| PortMapping {
                    container_port: p.container,
                    host_port: p.host,
                    listen_address: p.listen.clone(),
                    protocol: Protocol::Tcp,
                })
                .collect();
        }
    }
    config
}

/// `minik.yaml`, or `minik-NAME.yaml` when that is taken, or `minik-NAME-2.yaml`, ...: never
/// an existing file.
pub(crate) fn default_output(name: &str, exists: impl Fn(&Path) -> bool) -> PathBuf {
    std::iter::once(PathBuf::from(DEFAULT_CONFIG_FILE))
        .chain(std::iter::once(PathBuf::from(format!("minik-{name}.yaml"))))
        .chain((2..).map(|i| PathBuf::from(format!("minik-{name}-{i}.yaml"))))
        .find(|p| !exists(p))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE))
}

/// The `minik init` command line that gives these answers without a single question.
pub(crate) fn equivalent_command(a: &Answers, output: &Path, create: bool) -> String {
    let mut parts = vec![
        "minik init".to_string(),
        format!("--name {}", a.name),
        format!("--nodes {}", a.nodes),
        format!("--control-planes {}", a.control_planes),
    ];
    if let Some(image) = &a.image {
        parts.push(format!("--image {image}"));
    }
    if a.ports.is_empty() {
        parts.push("--no-ports".into());
    }
    parts.extend(a.ports.iter().map(|p| format!("--port {p}")));
    if let Some(dir) = &a.mount {
        parts.push(format!(
            "--mount {}",
            shell_word(&dir.display().to_string())
        ));
    }
    parts.push(format!("-o {}", shell_word(&output.display().to_string())));
    parts.push(if create { "--create" } else { "--no-create" }.into());
    parts.join(" ")
}

/// The command that makes the cluster from the file `init` wrote, as it must be pasted.
pub(crate) fn create_command(output: &Path) -> String {
    format!(
        "minik create --config {}",
        shell_word(&output.display().to_string())
    )
}

fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:\\".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests;
