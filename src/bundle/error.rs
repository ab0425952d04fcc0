//! What can go wrong with a bundle, worded for the user (the first line names the file or the
//! part), its exit class and its hint.
//!
//! Classes: a path that cannot be used (missing, not a bundle, an unusable `--with-minik` folder)
//! is bad input (exit 2): the user named the wrong thing. A bundle whose part is damaged or cut
//! off is not the user's typing: the file was hurt on the way (a copy, a download, a disk), so it
//! is a failure (exit 1), like any other input that broke in transit; its hint says to fetch or
//! copy it again.

use std::path::PathBuf;

use crate::hint::Hint;
use crate::provider::ProviderError;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot read bundle {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },

    #[error("{path} is not a minik bundle: {reason}")]
    NotABundle { path: PathBuf, reason: String },

    #[error("bundle {path} is cut off: part {part} needs {needed} bytes more than the file has")]
    Truncated {
        path: PathBuf,
        part: String,
        needed: u64,
    },

    #[error("bundle {path} is damaged: part {part} {reason}")]
    Corrupt {
        path: PathBuf,
        part: String,
        reason: String,
    },

    /// An image archive whose own names are not its part's: loading it would tag images the
    /// bundle does not list.
    #[error("bundle {path} was refused: part {part} {reason}")]
    ForeignImages {
        path: PathBuf,
        part: String,
        reason: String,
    },

    #[error("cannot write bundle {path}: {reason}")]
    Write { path: PathBuf, reason: String },

    #[error("cannot use {path}: {reason}")]
    BadInput { path: PathBuf, reason: String },

    #[error("the engine refused part {part} of the bundle: {source}")]
    Load {
        part: String,
        #[source]
        source: ProviderError,
    },

    #[error("serving the bundle failed: {0}")]
    Serve(String),

    #[error("downloading {url} failed: {reason}")]
    Download { url: String, reason: String },

    /// The bundle is not the one whose digest the user pinned.
    #[error("{file} is not the bundle you pinned: its digest is {actual}, --sha256 says {pinned}")]
    WrongDigest {
        file: String,
        pinned: String,
        actual: String,
    },

    /// `bundle fetch` over the network with neither a pin nor the explicit opt-out.
    #[error(
        "refusing to fetch {url} without its digest: anyone on this network could serve a bundle"
    )]
    NoPin { url: String },

    /// The download is not what a bundle can be (too big, not a bundle, a bad partial file).
    #[error("refusing what {url} sent: {reason}")]
    Refused { url: String, reason: String },

    #[error("image {0:?} is not present locally")]
    ImageNotPresent(String),

    /// The bundle has no part of an image for the engine's platform: nothing was loaded.
    #[error(
        "this bundle's {} {image} is for {} only; this engine is {engine}",
        if *node_image { "node image" } else { "image" },
        if has.is_empty() { "an unknown platform".to_string() } else { has.join(" and ") }
    )]
    WrongPlatform {
        image: String,
        node_image: bool,
        has: Vec<String>,
        engine: String,
    },

    /// `bundle create --platform P`: no local image of that name is for P.
    #[error("no local image of {image} is for {platform} (looked for {looked})")]
    NoImageForPlatform {
        image: String,
        platform: String,
        looked: String,
    },

    /// No default node image for the Kubernetes version (and no `--node-image`).
    #[error("{0}")]
    NoNodeImage(#[source] crate::nodeimage::NodeImageError),

    /// The engine's `/info` names no platform a bundle can be chosen for.
    #[error("the engine reports no usable architecture: {reason}")]
    EnginePlatform { reason: String },

    /// A flag's value is wrong (`--kubernetes-version`).
    #[error("{0}")]
    Input(#[from] crate::input::InputError),

    /// The config file to carry is invalid; every problem is listed.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigErrors),

    /// The load balancer probe (which image runs an HA cluster's balancer) failed.
    #[error("{0}")]
    Cluster(#[from] crate::cluster::ClusterError),

    #[error("{0}")]
    Provider(#[from] ProviderError),

    /// A signal ended the load; what it had added was removed.
    #[error("{0}")]
    Cancelled(#[from] crate::signals::Cancelled),
}

impl BundleError {
    /// A path the user gave cannot be used (exit 2); damaged bundles are failures (exit 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            BundleError::Unreadable { .. }
            | BundleError::NotABundle { .. }
            | BundleError::BadInput { .. }
            | BundleError::Input(_)
            | BundleError::NoNodeImage(_)
            | BundleError::EnginePlatform { .. }
            | BundleError::NoPin { .. }
            | BundleError::Config(_) => true,
            BundleError::Cluster(c) => c.is_bad_input(),
            BundleError::Truncated { .. }
            | BundleError::Corrupt { .. }
            | BundleError::Write { .. }
            | BundleError::Load { .. }
            | BundleError::Serve(_)
            | BundleError::Download { .. }
            | BundleError::WrongDigest { .. }
            | BundleError::ForeignImages { .. }
            | BundleError::Refused { .. }
            | BundleError::ImageNotPresent(_)
            | BundleError::WrongPlatform { .. }
            | BundleError::NoImageForPlatform { .. }
            | BundleError::Cancelled(_)
            | BundleError::Provider(_) => false,
        }
    }

    pub fn provider(&self) -> Option<&ProviderError> {
        match self {
            BundleError::Provider(p) | BundleError::Load { source: p, .. } => Some(p),
            BundleError::Cluster(c) => match c.root() {
                crate::cluster::ClusterError::Provider(p) => Some(p),
                _ => None,
            },
            _ => None,
        }
    }
}

crate::error_keys!(pub BundleError {
    BundleError::Unreadable { path, reason } => "bundle.unreadable", path = path.display(), reason = reason;
    BundleError::NotABundle { path, reason } => "bundle.not-a-bundle", path = path.display(), reason = reason;
    BundleError::Truncated { path, part, needed } => "bundle.truncated", path = path.display(), part = part, needed = needed;
    BundleError::Corrupt { path, part, reason } => "bundle.corrupt", path = path.display(), part = part, reason = reason;
    BundleError::ForeignImages { path, part, reason } => "bundle.foreign-images", path = path.display(), part = part, reason = reason;
    BundleError::Write { path, reason } => "bundle.write", path = path.display(), reason = reason;
    BundleError::BadInput { path, reason } => "bundle.bad-input", path = path.display(), reason = reason;
    BundleError::Load { part, source } => "bundle.load", part = part;
    BundleError::Serve(reason) => "bundle.serve", reason = reason;
    BundleError::Download { url, reason } => "bundle.download", url = url, reason = reason;
    BundleError::WrongDigest { file, pinned, actual } => "bundle.wrong-digest", file = file, pinned = pinned, actual = actual;
    BundleError::NoPin { url } => "bundle.no-pin", url = url;
    BundleError::Refused { url, reason } => "bundle.refused", url = url, reason = reason;
    BundleError::ImageNotPresent(image) => "bundle.image-not-present", image = format!("{image:?}"), bare = image;
    BundleError::WrongPlatform { image, node_image, has, engine } => "bundle.wrong-platform", image = image,
        has = if has.is_empty() { "?".to_string() } else { has.join(", ") }, engine = engine;
    BundleError::NoImageForPlatform { image, platform, looked } => "bundle.no-image-for-platform",
        image = image, platform = platform, looked = looked,
        tag = super::platform::arch_tag(image, super::platform::arch_of(platform));
    BundleError::NoNodeImage(_) => "bundle.no-node-image";
    BundleError::EnginePlatform { reason } => "bundle.engine-platform", reason = reason;
    BundleError::Input(_) => "bundle.input";
    BundleError::Config(e) => "bundle.config", reason = e;
    BundleError::Cluster(_) => "bundle.cluster";
    BundleError::Provider(_) => "bundle.provider";
    BundleError::Cancelled(_) => "bundle.cancelled";
});

impl Hint for BundleError {
    fn hint(&self) -> Option<String> {
        match self {
            BundleError::Truncated { path, .. } | BundleError::Corrupt { path, .. } => {
                Some(format!(
                "nothing from it was left in the engine; copy or fetch {} again (`minik bundle \
                 fetch` resumes, then checks every part)",
                path.display()
            ))
            }
            BundleError::NotABundle { .. } => {
                Some("make one with `minik bundle create -o room.minik`".into())
            }
            BundleError::Download { .. } => Some(
                "check that `minik bundle serve` still runs and the address is right; run the \
                 same command again to resume"
                    .into(),
            ),
            BundleError::WrongDigest { .. } => Some(
                "compare --sha256 with the digest on the organiser's screen (not a web page: \
                 anyone can serve one); if they match, this is not the organiser's bundle, so \
                 nothing from it was used"
                    .into(),
            ),
            BundleError::ForeignImages { .. } => Some(
                "the upload was broken off before the engine tagged anything, and names this \
                 load added were removed; do not use this bundle, tell the organiser"
                    .into(),
            ),
            BundleError::NoPin { url } => Some(format!(
                "the organiser's screen shows the digest (`minik bundle serve` prints it); run  \
                 minik bundle fetch {url} --sha256 DIGEST  (only if you accept a bundle from \
                 anyone on this network: --insecure-no-digest)"
            )),
            BundleError::Refused { .. } => Some(
                "check the address with the organiser; the partial download was removed".into(),
            ),
            BundleError::ImageNotPresent(name) => Some(format!(
                "minik never pulls: `docker pull {name}` or `docker build -t {name} .` it first"
            )),
            // The wrapped error's own hint follows in the chain; this one stands in for none.
            BundleError::NoNodeImage(e) if e.hint().is_none() => {
                Some("name the node image with --node-image IMAGE".into())
            }
            BundleError::EnginePlatform { .. } => {
                Some("check `docker info` (OSType, Architecture)".into())
            }
            BundleError::WrongPlatform { engine, .. } => Some(format!(
                "nothing was loaded; ask the organiser for a bundle made with --platform \
                 {engine} (bundle create --platform linux/amd64,linux/arm64 carries both)"
            )),
            BundleError::NoImageForPlatform {
                image, platform, ..
            } => {
                let tag = super::platform::arch_tag(image, super::platform::arch_of(platform));
                Some(format!(
                    "Docker keeps one platform per tag: give the {platform} build its own tag, \
                     e.g.  docker pull --platform {platform} {image}  then  docker tag {image} \
                     {tag}  (and pull {image} again for this machine), or drop {platform} from \
                     --platform"
                ))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_names_the_part_and_is_not_bad_input() {
        let e = BundleError::Corrupt {
            path: "room.minik".into(),
            part: "images/2-image.tar".into(),
            reason: "has SHA-256 ab, the manifest says cd".into(),
        };
        assert_eq!(
            e.to_string(),
            "bundle room.minik is damaged: part images/2-image.tar has SHA-256 ab, the manifest \
             says cd"
        );
        assert!(!e.is_bad_input());
        assert!(e.hint().is_some_and(|h| h.contains("again")));
        let e = BundleError::NotABundle {
            path: "x.png".into(),
            reason: "no manifest.json".into(),
        };
        assert!(e.is_bad_input());
    }
}
