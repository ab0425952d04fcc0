//! Which images a bundle carries, and which local image stands for each on each platform.
//!
//! The node images are the ones `minik create` would use for the config: each node's `image`,
//! and only when a node names none (or there is no config) the default, minik's own image of the
//! version when it was built here, else kind's pinned one. So a config that names every node's
//! image carries no other node image. The images the carried and built-in tour labs run go in
//! too when they are here (a missing one is a warning: the tour then needs the internet).

use super::format::PartKind;
use super::platform::{arch_of, arch_tag, image_platform};
use super::BundleError;
use crate::config::ClusterConfig;
use crate::events::Events;
use crate::k8s_version::KubeVersion;
use crate::nodeimage;
use crate::provider::Provider;
use crate::tour::Lab;

/// An image the room needs, by the name configs and create use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Wanted {
    pub name: String,
    pub kind: PartKind,
    /// A tour lab's image: missing is a warning, not a failure.
    pub optional: bool,
}

/// A local image chosen for one wanted image on one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Chosen {
    pub kind: PartKind,
    /// The local name saved (`node:v1` or its per-architecture tag `node:v1-arm64`).
    pub saved: String,
    pub id: String,
    pub platform: Option<String>,
    /// The names it gets once loaded, when `saved` is a per-architecture tag.
    pub load_as: Vec<String>,
}

/// The node images create would use for `config` (or for no config): `--node-image` alone
/// when given (it stands in for every node's, as create's `--image` does), else each node's own
/// and the default only when a node names none.
pub(super) async fn node_images(
    provider: &dyn Provider,
    node_image: Option<&str>,
    version: &KubeVersion,
    config: Option<&ClusterConfig>,
) -> Result<Vec<String>, BundleError> {
    if let Some(i) = node_image {
        return Ok(vec![i.to_string()]);
    }
    let mut out: Vec<String> = Vec::new();
    let all_named = config.is_some_and(|c| c.nodes.iter().all(|n| n.image.is_some()));
    if !all_named {
        let default = nodeimage::default_image(provider, version)
            .await
            .map_err(|e| match e {
                nodeimage::NodeImageError::Provider(p) => BundleError::Provider(p),
                other => BundleError::NoNodeImage(other),
            })?;
        out.push(default);
    }
    for i in config
        .iter()
        .flat_map(|c| &c.nodes)
        .filter_map(|n| n.image.as_deref())
    {
        if !out.iter().any(|o| o == i) {
            out.push(i.to_string());
        }
    }
    Ok(out)
}

/// The images the labs run (see [`crate::tour::catalog::images`]), each once.
pub(super) fn lab_images(labs: &[Lab]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for image in labs.iter().flat_map(crate::tour::catalog::images) {
        if !out.contains(&image) {
            out.push(image);
        }
    }
    out
}

/// The local image for `want` on `platform` (`None`: the image's own platform, whatever it
/// is): the per-architecture tag when it is there and for that platform, else the name itself
/// when it is for that platform. `Ok(None)` when there is none.
pub(super) async fn choose(
    provider: &dyn Provider,
    want: &Wanted,
    platform: Option<&str>,
) -> Result<Option<Chosen>, BundleError> {
    let Some(platform) = platform else {
        let Some(id) = provider.image_id(&want.name).await? else {
            return Ok(None);
        };
        return Ok(Some(Chosen {
            kind: want.kind,
            saved: want.name.clone(),
            id,
            platform: image_platform(provider, &want.name).await?,
            load_as: Vec::new(),
        }));
    };
    let tagged = arch_tag(&want.name, arch_of(platform));
    for candidate in [&tagged, &want.name] {
        let Some(id) = provider.image_id(candidate).await? else {
            continue;
        };
        if image_platform(provider, candidate).await?.as_deref() != Some(platform) {
            continue;
        }
        let load_as = if *candidate == want.name {
            Vec::new()
        } else {
            // The name without a digest: a tag is what `docker tag` can give.
            vec![want
                .name
                .split('@')
                .next()
                .unwrap_or(&want.name)
                .to_string()]
        };
        return Ok(Some(Chosen {
            kind: want.kind,
            saved: candidate.clone(),
            id,
            platform: Some(platform.to_string()),
            load_as,
        }));
    }
    Ok(None)
}

/// Every wanted image on every platform (or on its own when `platforms` is empty); a missing
/// required image is refused, a missing lab image is a warning naming how to add it.
pub(super) async fn choose_all(
    provider: &dyn Provider,
    wanted: &[Wanted],
    platforms: &[String],
    events: &Events,
) -> Result<Vec<Chosen>, BundleError> {
    let each: Vec<Option<&str>> = if platforms.is_empty() {
        vec![None]
    } else {
        platforms.iter().map(|p| Some(p.as_str())).collect()
    };
    let mut out: Vec<Chosen> = Vec::new();
    for want in wanted {
        for platform in &each {
            match choose(provider, want, *platform).await? {
                Some(c) => {
                    if !out.iter().any(|o| o.saved == c.saved) {
                        out.push(c);
                    }
                }
                None if want.optional => events.warn(format!(
                    "{} (run by a tour lab) is not here{}, so the bundle does not carry it and \
                     the lab pulls it from the internet; to carry it: docker pull {}{}, then make \
                     the bundle again",
                    want.name,
                    platform.map(|p| format!(" for {p}")).unwrap_or_default(),
                    platform
                        .map(|p| format!("--platform {p} "))
                        .unwrap_or_default(),
                    want.name,
                )),
                None => {
                    return Err(match platform {
                        None => BundleError::ImageNotPresent(want.name.clone()),
                        Some(p) => BundleError::NoImageForPlatform {
                            image: want.name.clone(),
                            platform: p.to_string(),
                            looked: format!(
                                "{} and {}",
                                arch_tag(&want.name, arch_of(p)),
                                want.name
                            ),
                        },
                    })
                }
            }
        }
    }
    Ok(out)
}
