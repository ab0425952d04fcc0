//! The create request: what the user asked for, checked before anything is made, then turned
//! into the options create runs with (config, platform settings, node image).

use std::path::PathBuf;
use std::time::Duration;

use super::{node_settings, CreateOptions, PrepareError};
use crate::cluster::naming;
use crate::config::{self, ConfigSource, LoadedConfig, Overrides};
use crate::engine::Engine;
use crate::events::Events;
use crate::input::InputError;
use crate::k8s_version::{InvalidVersion, KubeVersion};
use crate::nodeimage;
use crate::provider::NETWORK_NAME;

/// What `minik create` was asked for: the flags, each overriding the config file.
#[derive(Debug, Default, Clone)]
pub struct CreateRequest {
    pub name: Option<String>,
    pub nodes: Option<u32>,
    pub control_planes: Option<u32>,
    pub image: Option<String>,
    pub kubernetes_version: Option<String>,
    /// The config file, or a config already read (a bundle's), with where it came from.
    pub config: Option<ConfigSource>,
    pub wait: Duration,
    pub retain: bool,
    pub kubeconfig: Option<PathBuf>,
    /// `--api-address`: networking.apiServerAddress.
    pub api_address: Option<String>,
    /// The config came in a bundle (someone else's file): its port mappings without a
    /// `listenAddress` bind loopback instead of kind's every-address default.
    pub loopback_ports: bool,
}

/// How long create waits for the nodes to be Ready unless told (`--wait`'s default, "5m").
pub(crate) const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// A request whose input is valid: nothing the user typed can fail from here on.
pub struct CheckedRequest {
    request: CreateRequest,
    loaded: LoadedConfig,
    version: KubeVersion,
}

impl CreateRequest {
    /// Everything the user typed is checked before anything is made.
    pub fn check(self) -> Result<CheckedRequest, PrepareError> {
        let loaded = self.config()?;
        let version: KubeVersion = self
            .kubernetes_version
            .as_deref()
            .unwrap_or(nodeimage::DEFAULT_KUBERNETES_VERSION)
            .parse()
            .map_err(|e: InvalidVersion| InputError::from(e))?;
        Ok(CheckedRequest {
            request: self,
            loaded,
            version,
        })
    }

    fn config(&self) -> Result<LoadedConfig, PrepareError> {
        // Flags are checked first: their own messages say more than a generic config error.
        if let Some(name) = &self.name {
            // Bad input with its own hint (a valid name to use instead).
            naming::validate_cluster_name(name).map_err(crate::cluster::ClusterError::from)?;
        }
        match (self.nodes, self.control_planes) {
            (Some(0), _) => return Err(InputError::Zero { flag: "--nodes" }.into()),
            (_, Some(0)) => {
                return Err(InputError::Zero {
                    flag: "--control-planes",
                }
                .into())
            }
            (Some(n), _) | (_, Some(n)) if n as usize > config::MAX_NODES => {
                let flag = if self.nodes == Some(n) {
                    "--nodes"
                } else {
                    "--control-planes"
                };
                return Err(InputError::TooMany { flag, value: n }.into());
            }
            (Some(n), Some(cp)) if cp > n => {
                return Err(InputError::ControlPlanesAboveNodes {
                    control_planes: cp,
                    nodes: n,
                }
                .into())
            }
            _ => {}
        }
        let mut loaded = match &self.config {
            Some(source) => LoadedConfig::from_source(source)?,
            None => LoadedConfig::default(),
        };
        if self.loopback_ports {
            crate::config::loopback_port_defaults(&mut loaded);
        }
        loaded.apply_overrides(&Overrides {
            name: self.name.clone(),
            image: self.image.clone(),
            control_planes: self.control_planes.map(|n| n as usize),
            nodes: self.nodes.map(|n| n as usize),
        })?;
        if let Some(address) = &self.api_address {
            if address.parse::<std::net::IpAddr>().is_err() {
                return Err(InputError::NotAnAddress {
                    flag: "--api-address",
                    value: address.clone(),
                }
                .into());
            }
            loaded.config.networking.api_server_address = address.clone();
        }
        loaded.validate()?;
        loaded.check_host_ports(&config::host_port_in_use)?;
        Ok(loaded)
    }
}

impl CheckedRequest {
    /// The options create runs with on `engine`: the platform checks passed and turned into
    /// node settings, and the node image chosen.
    pub async fn prepare(
        self,
        engine: &Engine,
        events: &Events,
    ) -> Result<CreateOptions, PrepareError> {
        let CheckedRequest {
            request,
            loaded,
            version,
        } = self;
        // The node network exists once any cluster was made: its range must not hold pods or
        // services (a new network picks a free range by itself).
        if let Some(subnets) = engine.provider.network_subnets(NETWORK_NAME).await? {
            loaded.check_node_network(NETWORK_NAME, &subnets)?;
        }
        let config = loaded.config;
        let extras = node_settings(engine, &config, events).await?;
        // `--image` was applied once, to every node, by the overrides. The default is for nodes
        // that name no image of their own: a config that names one for every node needs none.
        let image = match own_images(&config) {
            Some(first) => first,
            None => nodeimage::default_image(&*engine.provider, &version).await?,
        };
        // The line names what is used, unless the user named it with --image.
        if request.image.is_none() {
            events.info(used_images_line(&config, &image));
        }
        Ok(CreateOptions {
            config,
            image,
            wait: request.wait,
            retain: request.retain,
            kubeconfig: request.kubeconfig,
            extras,
        })
    }
}

/// The first node's image when every node names its own, else None (the default is needed).
fn own_images(config: &config::ClusterConfig) -> Option<String> {
    let own: Option<Vec<&String>> = config.nodes.iter().map(|n| n.image.as_ref()).collect();
    own.and_then(|images| images.first().map(|i| i.to_string()))
}

/// "Using node image X" (or "images X, Y") for the images the nodes will run, each with its
/// digest when pinned, said before the engine is asked for any of them.
fn used_images_line(config: &config::ClusterConfig, default: &str) -> String {
    let mut used: Vec<&str> = Vec::new();
    for n in &config.nodes {
        let image = n.image.as_deref().unwrap_or(default);
        if !used.contains(&image) {
            used.push(image);
        }
    }
    let noun = if used.len() == 1 { "image" } else { "images" };
    format!("Using node {noun} {}", used.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_only_the_images_the_nodes_use() {
        let mut c = request(Some(2), None).config().unwrap().config;
        assert_eq!(own_images(&c), None);
        assert_eq!(
            used_images_line(&c, "kindest/node:v1.36.1@sha256:ab"),
            "Using node image kindest/node:v1.36.1@sha256:ab"
        );
        for n in &mut c.nodes {
            n.image = Some("minik/node:test".into());
        }
        assert_eq!(own_images(&c).as_deref(), Some("minik/node:test"));
        assert_eq!(
            used_images_line(&c, "kindest/node:v1.36.1"),
            "Using node image minik/node:test"
        );
        c.nodes[1].image = None;
        assert_eq!(
            used_images_line(&c, "kindest/node:v1.36.1"),
            "Using node images minik/node:test, kindest/node:v1.36.1"
        );
    }

    fn request(nodes: Option<u32>, control_planes: Option<u32>) -> CreateRequest {
        CreateRequest {
            nodes,
            control_planes,
            ..CreateRequest::default()
        }
    }

    #[test]
    fn nodes_count_control_planes() {
        let c = request(Some(5), Some(3)).config().unwrap().config;
        assert_eq!((c.control_planes(), c.workers()), (3, 2));
        let c = request(Some(3), None).config().unwrap().config;
        assert_eq!((c.control_planes(), c.workers()), (1, 2));
        let c = request(None, None).config().unwrap().config;
        assert_eq!((c.control_planes(), c.workers()), (1, 0));
    }

    #[test]
    fn refuses_impossible_counts_and_bad_names() {
        let bad_name = CreateRequest {
            name: Some("Bad_Name".into()),
            ..CreateRequest::default()
        };
        for bad in [
            request(Some(0), None),
            request(None, Some(0)),
            request(Some(1), Some(2)),
            bad_name,
        ] {
            let e = crate::error::Error::from(bad.clone().check().err().unwrap());
            assert_eq!(e.exit_code(), crate::error::EXIT_USAGE, "{bad:?}");
        }
    }
}
