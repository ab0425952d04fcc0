//! The container engine behind one trait. Cluster code talks only to [`Provider`]; the Docker
//! implementation (bollard) lives in [`docker`]. Cluster membership is recorded only in container
//! labels, so there are no state files to drift out of sync.

pub mod docker;
mod error;
mod types;

pub use error::{EngineCall, ProviderError};
pub use types::*;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

pub use crate::platform::info::{EngineInfo, EngineVersion, InfoError};

/// Label holding the cluster name on every container minik makes.
pub const LABEL_CLUSTER: &str = "io.minik.cluster";
/// Label holding the node role (`control-plane`, `worker`, `external-load-balancer`).
pub const LABEL_ROLE: &str = "io.minik.role";
/// Label on the shared network.
pub const LABEL_NETWORK: &str = "io.minik.network";
/// The shared bridge network every cluster's nodes join.
pub const NETWORK_NAME: &str = "minik";
/// Port the API server listens on inside the nodes.
pub const API_SERVER_INTERNAL_PORT: u16 = 6443;

pub type Result<T, E = ProviderError> = std::result::Result<T, E>;

/// The engine's images: what is there, building, pulling, saving and loading them. Apart from
/// [`Provider`] (nodes, networks, exec) so the two halves are read, and faked, one at a time.
#[async_trait]
pub trait ImageStore: Send + Sync {
    /// The image's ID when it is present locally.
    async fn image_id(&self, image: &str) -> Result<Option<String>>;

    /// The image's size in bytes as the engine reports it (`docker image inspect`), when it is
    /// present locally. Progress bars use it as their total; the default knows nothing.
    async fn image_size(&self, image: &str) -> Result<Option<u64>> {
        let _ = image;
        Ok(None)
    }

    /// Local images of a repository (`minik/node`), newest first.
    async fn local_images(&self, repository: &str) -> Result<Vec<String>>;

    /// The platform the image was built for (`linux/arm64`, from its config's `os` and
    /// `architecture`) when it is present locally; the default knows nothing.
    async fn image_platform(&self, image: &str) -> Result<Option<String>> {
        let _ = image;
        Ok(None)
    }

    /// Give the local image `image` the name `target` too (`docker tag`).
    async fn tag_image(&self, image: &str, target: &str) -> Result<()>;

    /// The image's labels when it is present locally.
    async fn image_labels(&self, image: &str) -> Result<Option<BTreeMap<String, String>>>;

    /// Build an image from a tar build context; `on_line` receives the builder's output.
    async fn build_image(
        &self,
        context: bytes::Bytes,
        tag: &str,
        build_args: &BTreeMap<String, String>,
        labels: &BTreeMap<String, String>,
        on_line: &(dyn for<'s> Fn(&'s str) + Send + Sync),
    ) -> Result<()>;

    /// Save a container as an image, applying Dockerfile-style `changes`.
    async fn commit(&self, container: &str, image: &str, changes: &[String]) -> Result<()>;

    /// `docker save` of the images, as a stream (never a temporary file).
    fn save_images(&self, images: &[String]) -> ByteStream;

    /// `docker load` of an archive stream. An error item in `source` aborts the upload, so the
    /// engine sees a broken request and tags nothing (bundles hold back their last chunk until
    /// its part is verified). The default engine cannot load.
    async fn load_images(&self, source: ByteStream) -> Result<()> {
        drop(source);
        Err(ProviderError::Api {
            call: EngineCall::ImageLoad,
            target: "an image archive".into(),
            message: "this engine cannot load images".into(),
        })
    }

    /// Remove one image name (`docker rmi NAME`, never forced: an image with other names only
    /// loses this one). A missing name is not an error.
    async fn remove_image(&self, image: &str) -> Result<()> {
        Err(ProviderError::Api {
            call: EngineCall::ImageRemove,
            target: image.into(),
            message: "this engine cannot remove images".into(),
        })
    }

    /// Pull an image, reporting (done, total) bytes.
    async fn pull_image(
        &self,
        image: &str,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<()>;
}

/// The container engine: its images ([`ImageStore`]) plus the nodes, networks and commands in
/// them that clusters are made of.
#[async_trait]
pub trait Provider: ImageStore + Send + Sync {
    /// Short name used in provider IDs and messages (`docker`).
    fn name(&self) -> &'static str;

    /// Where the engine was reached (for messages).
    fn endpoint(&self) -> &str;

    /// Where the engine runs when that is not this machine (a `tcp://` or `ssh://` host), for
    /// API server addresses and certificates; `None` for a local engine.
    fn engine_host(&self) -> Option<&str> {
        None
    }

    /// What the engine says about itself (`/info`), the fields minik reads.
    async fn info(&self) -> Result<EngineInfo>;

    /// What `/version` adds (Docker Desktop's version, the API version).
    async fn version(&self) -> Result<EngineVersion>;

    /// The engine's whole `/info` and `/version` documents, as JSON, for log bundles. Only
    /// diagnostics use them, so an engine that cannot give them may leave them out.
    async fn engine_documents(&self) -> (Result<serde_json::Value>, Result<serde_json::Value>) {
        let missing = || ProviderError::Api {
            call: EngineCall::Info,
            target: "engine".into(),
            message: format!("the {} engine does not give its documents", self.name()),
        };
        (Err(missing()), Err(missing()))
    }

    /// The default bridge network's MTU, when the engine sets one.
    async fn bridge_mtu(&self) -> Result<Option<u32>>;

    /// Create the shared network if it does not exist yet, and describe it.
    async fn ensure_network(&self, name: &str) -> Result<NetworkInfo>;

    /// The subnets of an existing network, `None` when there is no such network (read-only).
    async fn network_subnets(&self, _name: &str) -> Result<Option<Vec<String>>> {
        Ok(None)
    }

    /// Can this engine run privileged containers? Probed once per process with `image`.
    async fn privileged_allowed(&self, image: &str) -> Result<bool>;

    /// Create and start a container from `spec`. Does not wait for it to boot.
    async fn create_node(&self, spec: &NodeSpec) -> Result<()>;

    /// Wait (up to `timeout`) until no node creation is under way, including ones whose caller
    /// gave up (an interrupted create), so that listing afterwards finds every container.
    async fn settle(&self, timeout: Duration);

    /// Wait until the container's output contains a line with every one of `needles`, or fail
    /// with its last log lines after `timeout`.
    async fn wait_for_log(&self, node: &str, needles: &[&str], timeout: Duration) -> Result<()>;

    /// Run a command in a node and capture its output. Never fails on a non-zero exit code:
    /// callers decide (see [`ExecOutput::check`]).
    async fn exec(&self, node: &str, cmd: &[String], stdin: ExecInput) -> Result<ExecOutput>;

    /// As [`Provider::exec`] with no input, keeping at most `limit` bytes of output (stdout
    /// and stderr together): what a node answers stays bounded in memory however much it
    /// writes. Output cut at the limit is not waited for further (the exit code is then -1).
    async fn exec_limited(&self, node: &str, cmd: &[String], limit: usize) -> Result<ExecOutput> {
        let mut out = self.exec(node, cmd, ExecInput::None).await?;
        out.stdout.truncate(limit);
        out.stderr.truncate(limit.saturating_sub(out.stdout.len()));
        Ok(out)
    }

    /// Unpack a tar archive into `dir` inside the node.
    async fn copy_tar_to(&self, node: &str, dir: &str, tar: bytes::Bytes) -> Result<()>;

    /// A tar archive of `path` inside the node.
    async fn copy_tar_from(&self, node: &str, path: &str) -> Result<bytes::Bytes>;

    /// All minik containers, or those of one cluster.
    async fn list_nodes(&self, cluster: Option<&str>) -> Result<Vec<NodeInfo>>;

    /// Names of a cluster's containers straight from the engine's list, including ones still
    /// being created (which cannot be inspected yet).
    async fn node_names(&self, cluster: &str) -> Result<Vec<String>>;

    async fn inspect_node(&self, node: &str) -> Result<NodeInfo>;

    /// The engine's whole inspect document for a container, as JSON (for log bundles). Only
    /// diagnostics use it, so an engine that cannot give it may leave it out.
    async fn inspect_json(&self, node: &str) -> Result<serde_json::Value> {
        Err(ProviderError::Api {
            call: EngineCall::ContainerInspect,
            target: node.to_string(),
            message: format!("the {} engine does not give inspect documents", self.name()),
        })
    }

    /// The container's recent output (entrypoint and systemd console).
    async fn logs(&self, node: &str, tail: usize) -> Result<Vec<String>>;

    /// The container's whole output since it was created, every boot included, as bytes.
    /// Defaults to a generous [`Provider::logs`] tail for engines that can't do better.
    async fn all_logs(&self, node: &str) -> Result<Vec<u8>> {
        let mut text = self.logs(node, 100_000).await?.join("\n");
        text.push('\n');
        Ok(text.into_bytes())
    }

    async fn start_node(&self, node: &str) -> Result<()>;

    async fn stop_node(&self, node: &str, timeout: Duration) -> Result<()>;

    /// Remove containers and their anonymous volumes. Missing containers are not an error.
    async fn remove_nodes(&self, nodes: &[String]) -> Result<()>;
}
