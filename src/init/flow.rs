//! What `minik init` was told (flags) and what it offers (defaults from this machine), and how
//! the two become the answers when nobody is there to ask: every question has a default, so
//! no terminal and all-Enter reach the same file.

use std::path::{Path, PathBuf};

use super::{default_output, Answers, PublishPort, Suggestion, VersionChoice};
use crate::engine::{ConnectFailure, Engine};
use crate::error::Error;
use crate::platform::{self, Check, Request};

/// Answers given as flags; `None` means "ask, or take the default".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Given {
    pub(crate) name: Option<String>,
    pub(crate) nodes: Option<u32>,
    pub(crate) control_planes: Option<u32>,
    /// `Some(None)`: the version was given and `minik create` picks the image.
    pub(crate) image: Option<Option<String>>,
    pub(crate) ports: Option<Vec<PublishPort>>,
    /// `Some(None)`: no folder.
    pub(crate) mount: Option<Option<PathBuf>>,
    pub(crate) output: Option<PathBuf>,
    pub(crate) create: Option<bool>,
    pub(crate) force: bool,
}

/// The defaults this machine suggests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Offer {
    pub(crate) name: String,
    pub(crate) suggestion: Suggestion,
    /// The engine's CPUs and memory, when it answered.
    pub(crate) capacity: Option<(u64, u64)>,
    pub(crate) choices: Vec<VersionChoice>,
    pub(crate) default_choice: usize,
    pub(crate) ports: Vec<PublishPort>,
    /// The engine answered and no check failed: creating is the natural next step.
    pub(crate) can_create: bool,
}

/// The answers, where to write them, and whether to create the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) answers: Answers,
    pub(crate) output: PathBuf,
    pub(crate) create: bool,
}

impl Given {
    /// Every question answered by its flag or its default. Without a terminal the cluster is
    /// only made when `--create` says so.
    pub(crate) fn resolve(&self, offer: &Offer, exists: impl Fn(&Path) -> bool) -> Reply {
        let name = self.name.clone().unwrap_or_else(|| offer.name.clone());
        let control_planes = self.control_planes.unwrap_or(1).max(1);
        let nodes = self
            .nodes
            .unwrap_or(offer.suggestion.nodes)
            .max(control_planes);
        let image = match &self.image {
            Some(i) => i.clone(),
            None => offer
                .choices
                .get(offer.default_choice)
                .and_then(|c| c.image.clone()),
        };
        let output = self
            .output
            .clone()
            .unwrap_or_else(|| default_output(&name, exists));
        Reply {
            answers: Answers {
                name,
                nodes,
                control_planes,
                image,
                ports: self.ports.clone().unwrap_or_else(|| offer.ports.clone()),
                mount: self.mount.clone().flatten(),
            },
            output,
            create: self.create.unwrap_or(false),
        }
    }
}

/// What the engine says before any question: the doctor's rows for the suggested cluster, its
/// size and its node images.
pub(crate) struct Look {
    pub(crate) checks: Vec<Check>,
    pub(crate) capacity: Option<(u64, u64)>,
    pub(crate) local: Vec<super::LocalImage>,
    pub(crate) reachable: bool,
}

/// Runs the doctor for the cluster this machine can hold and lists the node images here.
pub(crate) async fn look(found: Result<Engine, ConnectFailure>) -> Result<Look, Error> {
    let engine = match found {
        Err(f) => {
            return Ok(Look {
                checks: platform::checks_unreachable(&f.resolution, &f.host, &f.error),
                capacity: None,
                local: Vec::new(),
                reachable: false,
            })
        }
        Ok(e) => e,
    };
    let env = engine.environment(None).await?;
    let capacity = (env.engine.ncpu, env.engine.mem_total);
    let nodes = super::suggest(Some(capacity)).nodes as usize;
    let mut local = Vec::new();
    for reference in crate::nodeimage::local_node_images(&engine.provider).await? {
        let labels = crate::provider::Provider::image_labels(&engine.provider, &reference)
            .await?
            .unwrap_or_default();
        let label = labels
            .get("io.minik.kubernetes-version")
            .map(String::as_str);
        local.push(super::LocalImage::new(&reference, label));
    }
    Ok(Look {
        checks: platform::checks(&env, &Request::new(nodes)),
        capacity: Some(capacity),
        local,
        reachable: true,
    })
}
