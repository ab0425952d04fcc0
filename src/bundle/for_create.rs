//! `minik create --bundle FILE`: the bundle opened and its config checked before anything
//! else, its images loaded into the engine once the engine is reached, and its workshop images
//! put on the nodes after create.

use std::path::{Path, PathBuf};

use super::format::PartKind;
use super::host_access::host_access;
use super::{load, Bundle, BundleError, Loaded};
use crate::cluster::load::{load_docker_images, LoadError, Targets};
use crate::config::loopback_port_defaults;
use crate::config::LoadedConfig;
use crate::events::Events;
use crate::provider::Provider;

/// A bundle made ready for `minik create --bundle`.
pub struct FromBundle {
    bundle: Bundle,
    pub node_image: Option<String>,
    /// The bundle's config, written beside the bundle (so relative host paths in it mean the
    /// bundle's folder) for create to read; removed when dropped.
    config: Option<tempfile::NamedTempFile>,
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
        let path = bundle.path.clone();
        let path = path.as_path();
        let unwritable = |e: std::io::Error| BundleError::Write {
            path: path.to_path_buf(),
            reason: format!("cannot write its config for create: {e}"),
        };
        let node_image = bundle
            .manifest
            .node_image()
            .and_then(|p| p.images.first().cloned());
        let config = match bundle.manifest.config().and_then(|p| bundle.index_of(p)) {
            Some(i) => {
                let text = bundle.read_part(i).await?;
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let mut file = tempfile::Builder::new()
                    .prefix(".minik-bundle-config-")
                    .suffix(".yaml")
                    .tempfile_in(dir)
                    .or_else(|_| tempfile::NamedTempFile::new())
                    .map_err(unwritable)?;
                std::io::Write::write_all(&mut file, &text).map_err(unwritable)?;
                Some(file)
            }
            None => None,
        };
        // A config that does not parse is refused by create itself, with its line and column.
        let host_access = match &config {
            Some(file) => match LoadedConfig::read(file.path()) {
                Ok(mut loaded) => {
                    loopback_port_defaults(&mut loaded);
                    host_access(&loaded.config)
                }
                Err(_) => Vec::new(),
            },
            None => Vec::new(),
        };
        Ok(FromBundle {
            bundle,
            node_image,
            config,
            host_access,
        })
    }

    pub fn config_path(&self) -> Option<PathBuf> {
        self.config.as_ref().map(|f| f.path().to_path_buf())
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
        let images: Vec<String> = self
            .bundle
            .manifest
            .of_kind(PartKind::Image)
            .flat_map(|p| p.images.iter().cloned())
            .collect();
        let targets = Targets {
            cluster,
            nodes: &[],
        };
        load_docker_images(provider, &targets, &images, events).await?;
        Ok(())
    }
}
