//! `minik bundle create`: decide what a room needs (the node image, the load balancer's image
//! when the config's control planes need one the node image cannot run, the workshop's images,
//! the config file, minik release files), check every piece exists here, then write the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::format::PartKind;
use super::write::{self, Planned, Source, Written};
use super::BundleError;
use crate::cluster::loadbalancer::{self, BalancerImage};
use crate::config::{ClusterConfig, LoadedConfig};
use crate::events::Events;
use crate::input::InputError;
use crate::k8s_version::{InvalidVersion, KubeVersion};
use crate::nodeimage;
use crate::provider::Provider;

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
    let node_image = match &req.node_image {
        Some(i) => i.clone(),
        None => default_node_image(version.as_ref())?,
    };
    let plan = plan_images(provider, req, &node_image, config.as_ref(), events).await?;
    let mut parts = image_parts(provider, plan).await?;
    if let Some(text) = config_text {
        parts.push(Planned {
            name: "config.yaml".into(),
            kind: PartKind::Config,
            source: Source::Bytes(text.into_bytes()),
        });
    }
    for (id, text) in labs {
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

/// minik's node image of `version`, else of the default Kubernetes version.
fn default_node_image(version: Option<&KubeVersion>) -> Result<String, BundleError> {
    let v = match version {
        Some(v) => v.clone(),
        None => nodeimage::DEFAULT_KUBERNETES_VERSION
            .parse()
            .map_err(|e: InvalidVersion| InputError::from(e))?,
    };
    Ok(nodeimage::minik_image(&v))
}

/// Every image the room needs, once each, in the bundle's order: node images, the load
/// balancer's image when the config's control planes need a dedicated one, the workshop's.
async fn plan_images(
    provider: &dyn Provider,
    req: &CreateBundle,
    node_image: &str,
    config: Option<&ClusterConfig>,
    events: &Events,
) -> Result<Vec<(String, PartKind)>, BundleError> {
    let mut plan = Vec::new();
    let mut seen = BTreeSet::new();
    let mut add_image = |name: &str, kind: PartKind, plan: &mut Vec<(String, PartKind)>| {
        if seen.insert(name.to_string()) {
            plan.push((name.to_string(), kind));
        }
    };
    add_image(node_image, PartKind::NodeImage, &mut plan);
    if let Some(c) = config {
        for image in c.nodes.iter().filter_map(|n| n.image.as_deref()) {
            add_image(image, PartKind::NodeImage, &mut plan);
        }
    }
    // Check presence before the load-balancer probe runs a container from the node image.
    for (name, _) in &plan {
        present(provider, name).await?;
    }
    if config.is_some_and(|c| c.control_planes() > 1) {
        let probe = format!("minik-bundle-{}", std::process::id());
        let choice = loadbalancer::choose_image(provider, &probe, node_image).await?;
        events.info(choice.describe());
        if choice == BalancerImage::Dedicated {
            add_image(choice.image(), PartKind::LoadBalancerImage, &mut plan);
        }
    }
    for image in &req.images {
        add_image(image, PartKind::Image, &mut plan);
    }
    Ok(plan)
}

/// One part per planned image, numbered in order, with its ID and size as the engine has them.
async fn image_parts(
    provider: &dyn Provider,
    plan: Vec<(String, PartKind)>,
) -> Result<Vec<Planned>, BundleError> {
    let mut parts = Vec::new();
    for (n, (name, kind)) in plan.into_iter().enumerate() {
        let id = present(provider, &name).await?;
        let size = provider.image_size(&name).await?;
        let label = match kind {
            PartKind::NodeImage => "node",
            PartKind::LoadBalancerImage => "load-balancer",
            _ => "image",
        };
        parts.push(Planned {
            name: format!("images/{:02}-{label}.tar", n + 1),
            kind,
            source: Source::Image {
                names: vec![name],
                id,
                size,
            },
        });
    }
    Ok(parts)
}

/// The image's ID; an image that is not here is refused (minik never pulls).
async fn present(provider: &dyn Provider, image: &str) -> Result<String, BundleError> {
    provider
        .image_id(image)
        .await?
        .ok_or_else(|| BundleError::ImageNotPresent(image.into()))
}

/// Each lab's id and text, every one checked as `minik tour` would (file:line:column errors);
/// two labs of one id are refused, since loading keeps labs by id.
fn read_labs(paths: &[PathBuf]) -> Result<Vec<(String, String)>, BundleError> {
    let mut labs: Vec<(String, String)> = Vec::new();
    for path in paths {
        let lab = crate::tour::read_lab(path)?;
        if labs.iter().any(|(id, _)| *id == lab.id) {
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
        labs.push((lab.id, text));
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
