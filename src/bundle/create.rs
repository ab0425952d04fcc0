//! `minik bundle create`: decide what a room needs (the node image, the load balancer's image
//! when the config's control planes need one the node image cannot run, the workshop's images,
//! the config file, minik release files), check every piece exists here, then write the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::format::PartKind;
use super::plan::{self, Chosen, Wanted};
use super::write::{self, Planned, Source, Written};
use super::BundleError;
use crate::cluster::loadbalancer::{self, BalancerImage};
use crate::config::{ClusterConfig, LoadedConfig};
use crate::events::Events;
use crate::input::InputError;
use crate::k8s_version::{InvalidVersion, KubeVersion};
use crate::nodeimage;
use crate::provider::Provider;
use crate::tour::Lab;

/// What `minik bundle create` was asked for.
#[derive(Debug, Clone, Default)]
pub struct CreateBundle {
    pub output: PathBuf,
    /// The node image; else minik's image of `kubernetes_version` (or the default version).
    pub node_image: Option<String>,
    pub kubernetes_version: Option<String>,
    pub config: Option<PathBuf>,
    /// The workshop's own images.
    pub images: Vec<String>,
    /// A folder of minik release files to hand out.
    pub with_minik: Option<PathBuf>,
    /// Tour lab files, checked as `minik tour` reads them.
    pub labs: Vec<PathBuf>,
    /// Platforms to carry every image for (`linux/amd64`), each by its own local tag; empty:
    /// each image as it is here (one platform).
    pub platforms: Vec<String>,
}

pub async fn create(
    provider: &dyn Provider,
    req: &CreateBundle,
    events: &Events,
) -> Result<Written, BundleError> {
    let version: Option<KubeVersion> = req
        .kubernetes_version
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: InvalidVersion| InputError::from(e))?;
    if req.output.is_dir() {
        return Err(BundleError::BadInput {
            path: req.output.clone(),
            reason: "is a folder; name the bundle file to write, e.g. -o room.minik".into(),
        });
    }
    let (config_text, config) = match &req.config {
        Some(path) => read_config(path).map(|(t, c)| (Some(t), Some(c)))?,
        None => (None, None),
    };
    let labs = read_labs(&req.labs)?;
    let minik_files = match &req.with_minik {
        Some(dir) => release_files(dir)?,
        None => Vec::new(),
    };
    if !minik_files.is_empty() && !minik_files.iter().any(|(n, _)| n == "SHA256SUMS") {
        events.warn(
            "--with-minik has no SHA256SUMS: put the release's in the folder, so attendees can \
             check the binaries they download from the page against the release page",
        );
    }
    let platforms = req
        .platforms
        .iter()
        .map(|p| super::platform::normalize(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|reason| InputError::Platform { reason })?;
    let room = Room {
        version: version.clone().map_or_else(default_version, Ok)?,
        config: config.as_ref(),
        labs: &labs,
        platforms: &platforms,
    };
    let chosen = choose_images(provider, req, &room, events).await?;
    let mut parts = image_parts(provider, chosen, &platforms).await?;
    if let Some(text) = config_text {
        parts.push(Planned {
            name: "config.yaml".into(),
            kind: PartKind::Config,
            source: Source::Bytes(text.into_bytes()),
        });
    }
    for (id, _, text) in labs {
        parts.push(Planned {
            name: format!("labs/{id}.yaml"),
            kind: PartKind::Lab,
            source: Source::Bytes(text.into_bytes()),
        });
    }
    for (file_name, path) in minik_files {
        parts.push(Planned {
            name: format!("minik/{file_name}"),
            kind: PartKind::Minik,
            source: Source::File(path),
        });
    }
    let version = version.map(|v| v.to_string());
    write::write(provider, parts, version, &req.output, events).await
}

/// The config file's text, as bundled, and the config it holds (checked as `create` would).
fn read_config(path: &Path) -> Result<(String, ClusterConfig), BundleError> {
    let text = std::fs::read_to_string(path).map_err(|e| BundleError::BadInput {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let loaded = LoadedConfig::parse(&text, path)?;
    loaded.validate()?;
    Ok((text, loaded.config))
}

/// The Kubernetes version minik's node images default to.
fn default_version() -> Result<KubeVersion, BundleError> {
    nodeimage::DEFAULT_KUBERNETES_VERSION
        .parse()
        .map_err(|e: InvalidVersion| InputError::from(e).into())
}

/// What the room runs, as far as choosing its images goes.
struct Room<'a> {
    version: KubeVersion,
    config: Option<&'a ClusterConfig>,
    labs: &'a [(String, Lab, String)],
    platforms: &'a [String],
}

/// `names` as wanted images of one kind.
fn wanted(names: &[String], kind: PartKind, optional: bool) -> Vec<Wanted> {
    names
        .iter()
        .map(|name| Wanted {
            name: name.clone(),
            kind,
            optional,
        })
        .collect()
}

/// Every image the room needs, once each, in the bundle's order: node images, the load
/// balancer's image when the config's control planes need a dedicated one, the workshop's,
/// then the labs' (optional: a lab image that is not here is left out).
async fn choose_images(
    provider: &dyn Provider,
    req: &CreateBundle,
    room: &Room<'_>,
    events: &Events,
) -> Result<Vec<Chosen>, BundleError> {
    let platforms = room.platforms;
    let nodes = plan::node_images(
        provider,
        req.node_image.as_deref(),
        &room.version,
        room.config,
    )
    .await?;
    let want = wanted(&nodes, PartKind::NodeImage, false);
    // Check presence before the load-balancer probe runs a container from the node image.
    let mut chosen = plan::choose_all(provider, &want, platforms, events).await?;
    if room.config.is_some_and(|c| c.control_planes() > 1) {
        let probe = format!("minik-bundle-{}", std::process::id());
        let choice = loadbalancer::choose_image(provider, &probe, &nodes[0]).await?;
        events.info(choice.describe());
        if choice == BalancerImage::Dedicated {
            let want = wanted(
                &[choice.image().to_string()],
                PartKind::LoadBalancerImage,
                false,
            );
            chosen.extend(plan::choose_all(provider, &want, platforms, events).await?);
        }
    }
    let want = wanted(&req.images, PartKind::Image, false);
    chosen.extend(plan::choose_all(provider, &want, platforms, events).await?);
    let mut all_labs = crate::tour::builtin_labs();
    all_labs.extend(room.labs.iter().map(|(_, lab, _)| lab.clone()));
    let lab_images: Vec<String> = plan::lab_images(&all_labs)
        .into_iter()
        .filter(|i| !req.images.contains(i))
        .collect();
    let want = wanted(&lab_images, PartKind::Image, true);
    chosen.extend(plan::choose_all(provider, &want, platforms, events).await?);
    let mut seen = BTreeSet::new();
    chosen.retain(|c| seen.insert(c.saved.clone()));
    Ok(chosen)
}

/// One part per chosen image, numbered in order (named by architecture when the bundle
/// carries several), with its size as the engine has it.
async fn image_parts(
    provider: &dyn Provider,
    chosen: Vec<Chosen>,
    platforms: &[String],
) -> Result<Vec<Planned>, BundleError> {
    let mut parts = Vec::new();
    for (n, c) in chosen.into_iter().enumerate() {
        let size = provider.image_size(&c.saved).await?;
        let label = match c.kind {
            PartKind::NodeImage => "node",
            PartKind::LoadBalancerImage => "load-balancer",
            _ => "image",
        };
        let arch = match (&c.platform, platforms.is_empty()) {
            (Some(p), false) => format!("-{}", super::platform::arch_of(p)),
            _ => String::new(),
        };
        parts.push(Planned {
            name: format!("images/{:02}-{label}{arch}.tar", n + 1),
            kind: c.kind,
            source: Source::Image {
                names: vec![c.saved],
                id: c.id,
                size,
                platform: c.platform,
                load_as: c.load_as,
            },
        });
    }
    Ok(parts)
}

/// Each lab's id and text, every one checked as `minik tour` would (file:line:column errors);
/// two labs of one id are refused, since loading keeps labs by id.
fn read_labs(paths: &[PathBuf]) -> Result<Vec<(String, Lab, String)>, BundleError> {
    let mut labs: Vec<(String, Lab, String)> = Vec::new();
    for path in paths {
        let lab = crate::tour::read_lab(path)?;
        if labs.iter().any(|(id, _, _)| *id == lab.id) {
            return Err(BundleError::BadInput {
                path: path.clone(),
                reason: format!(
                    "another --lab has the id {}; give each lab its own id",
                    lab.id
                ),
            });
        }
        // read_lab read it as UTF-8 a moment ago.
        let text = std::fs::read_to_string(path).map_err(|e| BundleError::BadInput {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        labs.push((lab.id.clone(), lab, text));
    }
    Ok(labs)
}

/// The regular files of `dir` (not its subfolders), by name.
fn release_files(dir: &std::path::Path) -> Result<Vec<(String, PathBuf)>, BundleError> {
    let bad = |reason: String| BundleError::BadInput {
        path: dir.to_path_buf(),
        reason,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| bad(e.to_string()))? {
        let entry = entry.map_err(|e| bad(e.to_string()))?;
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(bad(format!(
                "{} has a name that is not UTF-8",
                path.display()
            )));
        };
        files.push((name, path));
    }
    if files.is_empty() {
        return Err(bad("has no files; put the minik release files in it".into()));
    }
    files.sort();
    Ok(files)
}
