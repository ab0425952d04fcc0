//! Which Kubernetes versions `minik init` offers: node images already in the engine first (a
//! workshop room has no bandwidth for downloads), then versions a bundle carries, then minik's
//! default, which `minik create` downloads.

use crate::i18n::{Key, Msg};
use crate::k8s_version::KubeVersion;
use crate::msg;
use crate::nodeimage::DEFAULT_KUBERNETES_VERSION;

/// A node image in the engine, with the Kubernetes version it carries when known (from its tag,
/// or the `io.minik.kubernetes-version` label minik's builds set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalImage {
    pub(crate) reference: String,
    pub(crate) version: Option<String>,
}

impl LocalImage {
    /// The version from the tag (`minik/node:v1.36.1`) or else from the label.
    pub(crate) fn new(reference: &str, label: Option<&str>) -> Self {
        let tag = reference.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
        let version = tag
            .parse::<KubeVersion>()
            .ok()
            .or_else(|| label.and_then(|l| l.parse().ok()))
            .map(|v| v.to_string());
        LocalImage {
            reference: reference.to_string(),
            version,
        }
    }
}

/// One line of the version question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionChoice {
    pub(crate) label: Msg,
    /// The image the config names; `None` leaves the choice to `minik create` (its default).
    pub(crate) image: Option<String>,
}

/// The choices, and which one Enter picks: the local image of minik's default version, else the
/// newest local image, else the default download. A loaded bundle's node image is a local image
/// like any other (`minik bundle load` puts it in the engine), so it is offered as one.
pub(crate) fn version_choices(local: &[LocalImage]) -> (Vec<VersionChoice>, usize) {
    let mut choices: Vec<VersionChoice> = local
        .iter()
        .map(|i| VersionChoice {
            label: match &i.version {
                Some(v) => msg!(Key::InitVersionHere, version = v, image = i.reference),
                None => msg!(Key::InitImageHere, image = i.reference),
            },
            image: Some(i.reference.clone()),
        })
        .collect();
    let default_here = local
        .iter()
        .position(|i| i.version.as_deref() == Some(DEFAULT_KUBERNETES_VERSION));
    if default_here.is_none() {
        choices.push(VersionChoice {
            label: msg!(
                Key::InitVersionDefault,
                version = DEFAULT_KUBERNETES_VERSION
            ),
            image: None,
        });
    }
    (choices, default_here.unwrap_or(0))
}
