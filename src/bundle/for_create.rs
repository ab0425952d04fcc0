//! `minik create --bundle FILE`: the bundle opened and its config checked before anything
//! else, its images loaded into the engine once the engine is reached, and its workshop images
//! put on the nodes after create.

use std::path::Path;

use super::format::PartKind;
use super::host_access::host_access;
use super::{load, Bundle, BundleError, Loaded};
use crate::cluster::load::{load_docker_images, LoadError, Targets};
use crate::config::{
    decode_text, loopback_port_defaults, ConfigErrors, ConfigSource, LoadedConfig,
};
use crate::events::Events;
use crate::provider::Provider;

/// A bundle made ready for `minik create --bundle`.
pub struct FromBundle {
    bundle: Bundle,
    pub node_image: Option<String>,
    /// The bundle's config part as stored; read in memory, named after the bundle.
    config: Option<Vec<u8>>,
    /// What the config does to this machine beyond a plain cluster (see [`host_access`]); the
    /// user is shown it and asked before create.
    pub host_access: Vec<String>,
}

impl FromBundle {
    pub async fn open(path: &Path) -> Result<FromBundle, BundleError> {
        FromBundle::from_bundle(Bundle::open(path).await?).await
    }

    /// Ready an opened bundle (checked against the user's pin already, when there is one).
    pub async fn from_bundle(bundle: Bundle) -> Result<FromBundle, BundleError> {
        let carried: Vec<String> = bundle
            .manifest
            .of_kind(PartKind::NodeImage)
            .flat_map(|p| p.load_names())
            .cloned()
            .collect();
        let node_image = bundle
            .manifest
            .node_image()
            .and_then(|p| p.load_names().first().cloned());
        let config = match bundle.manifest.config().and_then(|p| bundle.index_of(p)) {
            Some(i) => Some(bundle.read_part(i).await?),
            None => None,
        };
        let mut ready = FromBundle {
            bundle,
            node_image,
            config,
            host_access: Vec::new(),
        };
        // A config that does not parse is refused by create itself, with its line and column.
        if let Ok(Some(source)) = ready.config_source() {
            if let Ok(mut loaded) = LoadedConfig::from_source(&source) {
                // A config whose every node names a carried image is used as written (the
                // bundle was made from it); else the bundle's node image stands in for all.
                let nodes = &loaded.config.nodes;
                if nodes
                    .iter()
                    .all(|n| n.image.as_ref().is_some_and(|i| carried.contains(i)))
                {
                    ready.node_image = None;
                }
                loopback_port_defaults(&mut loaded);
                ready.host_access = host_access(&loaded.config);
            }
        }
        Ok(ready)
    }

    /// The bundle's config for create, named after the bundle file: its errors cite the bundle,
    /// and relative `hostPath`s in it mean the bundle's folder, as for a config file there.
    pub fn config_source(&self) -> Result<Option<ConfigSource>, ConfigErrors> {
        let Some(bytes) = &self.config else {
            return Ok(None);
        };
        let origin = self.bundle.path.clone();
        Ok(Some(ConfigSource::Text {
            text: decode_text(bytes, &origin)?,
            origin,
        }))
    }

    /// Every image into the engine (checked), before create looks for them.
    pub async fn load(
        &self,
        events: &Events,
        provider: &dyn Provider,
    ) -> Result<Loaded, BundleError> {
        load(provider, &self.bundle, events).await
    }

    /// The workshop's images onto every node of `cluster`.
    pub async fn load_into_nodes(
        &self,
        events: &Events,
        provider: &dyn Provider,
        cluster: &str,
    ) -> Result<(), LoadError> {
        let images = super::load::workshop_images(&self.bundle.manifest);
        let targets = Targets {
            cluster,
            nodes: &[],
        };
        load_docker_images(provider, &targets, &images, events).await?;
        Ok(())
    }
}
