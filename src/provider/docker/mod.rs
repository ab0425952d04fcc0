//! The Docker Engine provider: the only module that talks to bollard.

mod boot;
mod connect;
mod engine_cache;
mod error;
mod exec;
mod image;
mod inspect;
mod network;
pub(crate) mod spec;
mod ssh;
mod subnet;
mod teardown;
mod thaw;

pub use inspect::label_filter;
pub use ssh::EndSshChildren;
pub use subnet::{choose_subnet, choose_ula};

use crate::provider::EngineCall;
pub(crate) use error::{api_error, describe, status_code};
use inspect::node_info;
use teardown::unkillable;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use bollard::query_parameters::{CreateContainerOptions, ListContainersOptions, LogsOptions};
use bollard::Docker;
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::sync::{watch, OnceCell};

use super::{
    EngineInfo, EngineVersion, ImageStore, NodeInfo, NodeSpec, Privileges, Provider, ProviderError,
    Result,
};

/// Cheap to clone: clones share the connection, what was probed, and the in-flight count.
#[derive(Clone)]
pub struct DockerProvider {
    docker: Docker,
    endpoint: String,
    /// The engine's host as this machine names it, when that is another machine (`ssh://` and
    /// `tcp://` engines): an API published on all its addresses is reached by this name.
    engine_host: Option<String>,
    privileged: Arc<OnceCell<bool>>,
    /// Node creations under way. They run to completion even when the caller gives up on
    /// them (Ctrl-C), so that cleanup can wait for them and then find every container.
    creating: Arc<watch::Sender<usize>>,
}

impl DockerProvider {
    /// Runs `work` as its own task, so it finishes even when its caller is dropped (a signal),
    /// and counts it for `settle`, so the cleanup after a signal waits for what it leaves.
    fn spawn_counted<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        self.creating.send_modify(|n| *n += 1);
        let creating = Arc::clone(&self.creating);
        tokio::spawn(async move {
            let out = work.await;
            creating.send_modify(|n| *n -= 1);
            out
        })
    }

    async fn list_names(&self, cluster: Option<&str>) -> Result<Vec<String>> {
        let opts = ListContainersOptions {
            all: true,
            filters: Some(label_filter(cluster)),
            ..Default::default()
        };
        let list = self
            .docker
            .list_containers(Some(opts))
            .await
            .map_err(|e| api_error(EngineCall::ContainerList, "minik containers", e))?;
        Ok(list
            .iter()
            .filter_map(|c| {
                c.names
                    .as_ref()?
                    .first()
                    .map(|n| n.trim_start_matches('/').to_string())
            })
            .collect())
    }

    async fn create_node_now(&self, spec: &NodeSpec) -> Result<()> {
        match self.create_and_start(spec).await {
            // The engine stopped allowing privileged containers since we learned it did
            // (cached per engine): recreate this node with explicit capabilities.
            Err(ProviderError::Api {
                call: EngineCall::ContainerStart,
                message,
                ..
            }) if spec.privileges == Privileges::Privileged
                && boot::refused_privileged(&message) =>
            {
                if let Some(id) = self.engine_id().await {
                    engine_cache::remember_privileged(&id, false);
                }
                self.remove_nodes(std::slice::from_ref(&spec.name)).await?;
                let fallback = NodeSpec {
                    privileges: Privileges::ExplicitCapabilities,
                    ..spec.clone()
                };
                self.create_and_start(&fallback).await
            }
            other => other,
        }
    }

    async fn create_and_start(&self, spec: &NodeSpec) -> Result<()> {
        let body = spec::container_body(spec);
        let opts = CreateContainerOptions {
            name: Some(spec.name.clone()),
            ..Default::default()
        };
        self.docker
            .create_container(Some(opts), body)
            .await
            .map_err(|e| api_error(EngineCall::ContainerCreate, &spec.name, e))?;
        self.start_node(&spec.name).await
    }

    /// The engine's ID from /info, which identifies it across restarts.
    async fn engine_id(&self) -> Option<String> {
        self.docker
            .info()
            .await
            .ok()?
            .id
            .filter(|id| !id.is_empty())
    }

    /// `/info` as JSON: bollard's typed answer, serialized with the engine's field names.
    async fn info_json(&self) -> Result<serde_json::Value> {
        let info = self
            .docker
            .info()
            .await
            .map_err(|e| api_error(EngineCall::Info, "engine", e))?;
        serde_json::to_value(info).map_err(|e| ProviderError::Api {
            call: EngineCall::Info,
            target: "engine".into(),
            message: e.to_string(),
        })
    }

    /// `/version` as JSON, likewise.
    async fn version_json(&self) -> Result<serde_json::Value> {
        let v = self
            .docker
            .version()
            .await
            .map_err(|e| api_error(EngineCall::Version, "engine", e))?;
        serde_json::to_value(v).map_err(|e| ProviderError::Api {
            call: EngineCall::Version,
            target: "engine".into(),
            message: e.to_string(),
        })
    }

    pub(crate) fn client(&self) -> &Docker {
        &self.docker
    }
}

#[async_trait]
impl Provider for DockerProvider {
    fn name(&self) -> &'static str {
        "docker"
    }

    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The engine's host as this machine names it (for an ssh alias, the `HostName` ssh
    /// resolves it to).
    fn engine_host(&self) -> Option<&str> {
        self.engine_host.as_deref()
    }

    async fn info(&self) -> Result<EngineInfo> {
        let json = self.info_json().await?;
        EngineInfo::from_json(&json).map_err(|e| ProviderError::Api {
            call: EngineCall::Info,
            target: "engine".into(),
            message: e.to_string(),
        })
    }

    async fn version(&self) -> Result<EngineVersion> {
        Ok(EngineVersion::from_json(&self.version_json().await?))
    }

    async fn engine_documents(&self) -> (Result<serde_json::Value>, Result<serde_json::Value>) {
        tokio::join!(self.info_json(), self.version_json())
    }

    async fn bridge_mtu(&self) -> Result<Option<u32>> {
        network::bridge_mtu(self).await
    }

    async fn ensure_network(&self, name: &str) -> Result<super::NetworkInfo> {
        network::ensure(self, name).await
    }

    async fn network_subnets(&self, name: &str) -> Result<Option<Vec<String>>> {
        Ok(network::inspect(self, name).await?.map(|n| n.subnets))
    }

    async fn privileged_allowed(&self, image: &str) -> Result<bool> {
        self.privileged
            .get_or_try_init(|| async {
                let id = self.engine_id().await;
                if let Some(known) = id.as_deref().and_then(engine_cache::privileged) {
                    return Ok(known);
                }
                let allowed = boot::probe_privileged(self, image).await?;
                if let Some(id) = &id {
                    engine_cache::remember_privileged(id, allowed);
                }
                Ok(allowed)
            })
            .await
            .copied()
    }

    async fn create_node(&self, spec: &NodeSpec) -> Result<()> {
        // A dropped request would leave the engine creating a container nobody waits for:
        // run it as its own task so it always finishes, and count it for `settle`.
        let this = self.clone();
        let spec = spec.clone();
        let task = self.spawn_counted(async move { this.create_node_now(&spec).await });
        task.await.map_err(|e| ProviderError::Api {
            call: EngineCall::ContainerCreate,
            target: "node".into(),
            message: format!("the creating task stopped: {e}"),
        })?
    }

    async fn settle(&self, timeout: Duration) {
        let mut rx = self.creating.subscribe();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|n| *n == 0)).await;
    }

    async fn wait_for_log(&self, node: &str, needles: &[&str], timeout: Duration) -> Result<()> {
        boot::wait_for_log(self, node, needles, timeout).await
    }

    async fn exec(
        &self,
        node: &str,
        cmd: &[String],
        stdin: super::ExecInput,
    ) -> Result<super::ExecOutput> {
        exec::exec(self, node, cmd, stdin, usize::MAX).await
    }

    async fn exec_limited(
        &self,
        node: &str,
        cmd: &[String],
        limit: usize,
    ) -> Result<super::ExecOutput> {
        exec::exec(self, node, cmd, super::ExecInput::None, limit).await
    }

    async fn copy_tar_to(&self, node: &str, dir: &str, tar: bytes::Bytes) -> Result<()> {
        exec::copy_tar_to(self, node, dir, tar).await
    }

    async fn copy_tar_from(&self, node: &str, path: &str) -> Result<bytes::Bytes> {
        exec::copy_tar_from(self, node, path).await
    }

    async fn list_nodes(&self, cluster: Option<&str>) -> Result<Vec<NodeInfo>> {
        let names = self.list_names(cluster).await?;
        let inspected =
            futures_util::future::join_all(names.iter().map(|n| self.inspect_node(n))).await;
        let mut nodes = Vec::new();
        for r in inspected {
            match r {
                Ok(n) => nodes.push(n),
                // Removed between list and inspect (a concurrent delete): not ours to report.
                Err(ProviderError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        nodes.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
        Ok(nodes)
    }

    async fn node_names(&self, cluster: &str) -> Result<Vec<String>> {
        self.list_names(Some(cluster)).await
    }

    async fn inspect_node(&self, node: &str) -> Result<NodeInfo> {
        let c = self
            .docker
            .inspect_container(node, None)
            .await
            .map_err(|e| api_error(EngineCall::ContainerInspect, node, e))?;
        node_info(node, &c, self.engine_host.as_deref())
    }

    async fn inspect_json(&self, node: &str) -> Result<serde_json::Value> {
        let c = self
            .docker
            .inspect_container(node, None)
            .await
            .map_err(|e| api_error(EngineCall::ContainerInspect, node, e))?;
        serde_json::to_value(c).map_err(|e| ProviderError::Api {
            call: EngineCall::ContainerInspect,
            target: node.to_string(),
            message: e.to_string(),
        })
    }

    async fn all_logs(&self, node: &str) -> Result<Vec<u8>> {
        let opts = LogsOptions {
            stdout: true,
            stderr: true,
            tail: "all".to_string(),
            ..Default::default()
        };
        let mut stream = self.docker.logs(node, Some(opts));
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| api_error(EngineCall::ContainerLogs, node, e))?;
            out.extend_from_slice(&chunk.into_bytes());
        }
        Ok(out)
    }

    async fn logs(&self, node: &str, tail: usize) -> Result<Vec<String>> {
        let opts = LogsOptions {
            stdout: true,
            stderr: true,
            tail: tail.to_string(),
            ..Default::default()
        };
        let mut stream = self.docker.logs(node, Some(opts));
        let mut text = String::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| api_error(EngineCall::ContainerLogs, node, e))?;
            text.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        }
        Ok(text
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect())
    }

    async fn start_node(&self, node: &str) -> Result<()> {
        match self.docker.start_container(node, None).await {
            Ok(()) => Ok(()),
            // 304: already running.
            Err(e) if status_code(&e) == Some(304) => Ok(()),
            Err(e) => Err(api_error(EngineCall::ContainerStart, node, e)),
        }
    }

    async fn stop_node(&self, node: &str, timeout: Duration) -> Result<()> {
        // Frozen tasks ignore the kill that ends a stop (see `thaw`).
        thaw::inside(self, node).await;
        match self.stop_once(node, timeout).await {
            Err(ProviderError::Api { message, .. }) if thaw::did_not_exit(&message) => {
                thaw::from_host(self, node).await;
                self.stop_once(node, timeout)
                    .await
                    .map_err(|e| unkillable(e, node, "stopped"))
            }
            other => other,
        }
    }

    async fn remove_nodes(&self, nodes: &[String]) -> Result<()> {
        let results =
            futures_util::future::join_all(nodes.iter().map(|n| self.remove_node(n))).await;
        results.into_iter().collect()
    }
}

#[async_trait]
impl ImageStore for DockerProvider {
    async fn image_id(&self, image: &str) -> Result<Option<String>> {
        image::image_id(self, image).await
    }

    async fn local_images(&self, repository: &str) -> Result<Vec<String>> {
        image::local_images(self, repository).await
    }

    async fn image_labels(&self, image: &str) -> Result<Option<BTreeMap<String, String>>> {
        image::labels(self, image).await
    }

    async fn image_platform(&self, image: &str) -> Result<Option<String>> {
        image::platform(self, image).await
    }

    async fn tag_image(&self, image: &str, target: &str) -> Result<()> {
        image::tag(self, image, target).await
    }

    async fn build_image(
        &self,
        context: bytes::Bytes,
        tag: &str,
        build_args: &BTreeMap<String, String>,
        labels: &BTreeMap<String, String>,
        on_line: &(dyn for<'s> Fn(&'s str) + Send + Sync),
    ) -> Result<()> {
        image::build(self, context, tag, build_args, labels, on_line).await
    }

    async fn commit(&self, container: &str, image: &str, changes: &[String]) -> Result<()> {
        image::commit(self, container, image, changes).await
    }

    async fn image_size(&self, image: &str) -> Result<Option<u64>> {
        image::size(self, image).await
    }

    fn save_images(&self, images: &[String]) -> super::ByteStream {
        let names: Vec<&str> = images.iter().map(String::as_str).collect();
        let stream = self.docker.export_images(&names);
        Box::pin(stream.map(|r| r.map_err(|e| std::io::Error::other(describe(&e)))))
    }

    async fn load_images(&self, source: super::ByteStream) -> Result<()> {
        image::load(self, source).await
    }

    async fn remove_image(&self, image: &str) -> Result<()> {
        image::remove(self, image).await
    }

    async fn pull_image(
        &self,
        image: &str,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<()> {
        image::pull(self, image, progress).await
    }
}
