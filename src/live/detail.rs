//! What a pod opens to on the page, fetched when asked: its containers as its node's
//! containerd lists them (`ctr -n k8s.io containers ls` in the node container, filtered by the
//! kubelet's CRI labels; `ctr tasks ls` for whether each runs), what the API says of them
//! (state, restarts), and the last lines of each one's log (the API's pods/log, `tailLines`).
//! Everything from the node and the API is hostile: names are checked before they go into a
//! command or a path (no shell anywhere), every answer is read up to a bound, every text cut.

use std::sync::Arc;
use std::time::Duration;

use futures_util::AsyncReadExt;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};
use kube::api::LogParams;
use kube::{Api, Client};
use serde::Serialize;
use tokio::sync::Semaphore;

use super::detail_parse::{clean_line, containerd_rows, log_lines, status_text, tasks, Row};
use super::names::{is_dns_label, is_uid};
use super::warning::clean;
use crate::provider::Provider;

/// Lines of each container's log.
pub(crate) const LOG_LINES: usize = 20;
/// Bytes of each container's log read, at most (asked of the API server as `limitBytes` too).
pub(crate) const LOG_BYTES: usize = 16 * 1024;
/// Bytes of a `ctr` answer read, at most.
const CTR_BYTES: usize = 64 * 1024;
/// Containers of one pod shown, at most (init containers first).
const CONTAINERS: usize = 16;
/// Detail requests served at once; more wait for none of them and are told to try again.
const AT_ONCE: usize = 4;
/// The whole answer's time.
const LIMIT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub(crate) enum DetailError {
    #[error("no such pod")]
    NotFound,
    #[error("busy: too many requests at once")]
    Busy,
    #[error("the API server: {0}")]
    Api(String),
    #[error("no answer in time")]
    Timeout,
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(serde::Deserialize))]
pub(crate) struct PodDetail {
    pub(crate) namespace: String,
    pub(crate) pod: String,
    pub(crate) node: String,
    /// The node is a container of this cluster, so its containerd was asked.
    pub(crate) node_container: bool,
    /// Why containerd could not be asked, if it could not.
    pub(crate) containerd_error: String,
    pub(crate) containers: Vec<ContainerDetail>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(serde::Deserialize))]
pub(crate) struct ContainerDetail {
    pub(crate) name: String,
    pub(crate) init: bool,
    /// The image the pod's spec names.
    pub(crate) image: String,
    /// The API's view: `Running`, `Waiting: ErrImagePull`, `Terminated: Completed (exit 0)`.
    pub(crate) state: String,
    pub(crate) ready: bool,
    pub(crate) restarts: u32,
    /// containerd's containers for it (a restarted one has had several; the kubelet keeps the
    /// last that ended).
    pub(crate) containerd: Vec<Row>,
    pub(crate) log: Vec<String>,
    /// The log was cut at [`LOG_BYTES`].
    pub(crate) log_cut: bool,
    pub(crate) log_error: String,
}

pub(crate) struct Details {
    client: Client,
    provider: Arc<dyn Provider>,
    /// The cluster's containers: only those are exec'd into.
    containers: Vec<String>,
    at_once: Arc<Semaphore>,
}

impl Details {
    pub(crate) fn new(
        client: Client,
        provider: Arc<dyn Provider>,
        containers: Vec<String>,
    ) -> Self {
        Details {
            client,
            provider,
            containers,
            at_once: Arc::new(Semaphore::new(AT_ONCE)),
        }
    }

    /// The pod `namespace/name` (both already checked as Kubernetes names).
    pub(crate) async fn pod(&self, namespace: &str, name: &str) -> Result<PodDetail, DetailError> {
        let _permit = self
            .at_once
            .clone()
            .try_acquire_owned()
            .map_err(|_| DetailError::Busy)?;
        tokio::time::timeout(LIMIT, self.fetch(namespace, name))
            .await
            .map_err(|_| DetailError::Timeout)?
    }

    async fn fetch(&self, namespace: &str, name: &str) -> Result<PodDetail, DetailError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let pod = api
            .get_opt(name)
            .await
            .map_err(|e| DetailError::Api(clean(&e.to_string(), 200)))?
            .ok_or(DetailError::NotFound)?;
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let spec = pod.spec.clone().unwrap_or_default();
        let node = spec.node_name.clone().unwrap_or_default();
        let node_container = !node.is_empty() && self.containers.contains(&node);
        let (tasks, containerd_error) = match (node_container, is_uid(&uid)) {
            (true, true) => match self.ctr(&node, &["tasks", "ls"]).await {
                Ok(text) => (tasks(&text), String::new()),
                Err(e) => (Default::default(), e),
            },
            _ => (Default::default(), String::new()),
        };
        let status = pod.status.clone().unwrap_or_default();
        let statuses: Vec<(bool, ContainerStatus)> = status
            .init_container_statuses
            .unwrap_or_default()
            .into_iter()
            .map(|s| (true, s))
            .chain(
                status
                    .container_statuses
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| (false, s)),
            )
            .collect();
        let wanted: Vec<(bool, &Container)> = spec
            .init_containers
            .iter()
            .flatten()
            .map(|c| (true, c))
            .chain(spec.containers.iter().map(|c| (false, c)))
            .filter(|(_, c)| is_dns_label(&c.name))
            .take(CONTAINERS)
            .collect();
        let ask = Ask {
            api: &api,
            pod: name,
            node: &node,
            uid: &uid,
            containerd: node_container && is_uid(&uid),
            tasks: &tasks,
        };
        let containers = futures_util::future::join_all(wanted.into_iter().map(|(init, c)| {
            let s = statuses
                .iter()
                .find(|(i, s)| *i == init && s.name == c.name);
            self.container(&ask, init, c, s.map(|(_, s)| s))
        }))
        .await;
        Ok(PodDetail {
            namespace: namespace.to_string(),
            pod: name.to_string(),
            node: clean(&node, 253),
            node_container,
            containerd_error,
            containers,
        })
    }

    async fn container(
        &self,
        ask: &Ask<'_>,
        init: bool,
        c: &Container,
        status: Option<&ContainerStatus>,
    ) -> ContainerDetail {
        let containerd = if ask.containerd {
            let filter = format!(
                "labels.\"io.kubernetes.pod.uid\"=={},labels.\"io.kubernetes.container.name\"=={}",
                ask.uid, c.name
            );
            match self.ctr(ask.node, &["containers", "ls", &filter]).await {
                Ok(text) => containerd_rows(&text, ask.tasks, status),
                Err(_) => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let (log, log_cut, log_error) = log(ask.api, ask.pod, &c.name).await;
        ContainerDetail {
            name: c.name.clone(),
            init,
            image: clean(c.image.as_deref().unwrap_or(""), 300),
            state: status.map(status_text).unwrap_or_default(),
            ready: status.is_some_and(|s| s.ready),
            restarts: status
                .and_then(|s| u32::try_from(s.restart_count).ok())
                .unwrap_or(0),
            containerd,
            log,
            log_cut,
            log_error,
        }
    }

    /// `ctr -n k8s.io ARGS` in the node container, its output read up to [`CTR_BYTES`].
    async fn ctr(&self, node: &str, args: &[&str]) -> Result<String, String> {
        let mut cmd: Vec<String> = ["ctr", "-n", "k8s.io"].map(String::from).to_vec();
        cmd.extend(args.iter().map(|a| a.to_string()));
        let out = self
            .provider
            .exec_limited(node, &cmd, CTR_BYTES)
            .await
            .map_err(|e| clean(&e.to_string(), 200))?;
        if out.exit_code != 0 && out.stdout.len() < CTR_BYTES {
            return Err(clean(&out.combined(), 200));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// What every container of one pod is asked with.
struct Ask<'a> {
    api: &'a Api<Pod>,
    pod: &'a str,
    node: &'a str,
    uid: &'a str,
    containerd: bool,
    tasks: &'a std::collections::BTreeMap<String, String>,
}

/// The last [`LOG_LINES`] lines of a container's log, read up to [`LOG_BYTES`]; whether it was
/// cut; why there is none.
async fn log(api: &Api<Pod>, pod: &str, container: &str) -> (Vec<String>, bool, String) {
    let params = LogParams {
        container: Some(container.to_string()),
        tail_lines: Some(LOG_LINES as i64),
        limit_bytes: Some(LOG_BYTES as i64),
        ..LogParams::default()
    };
    let reader = match api.log_stream(pod, &params).await {
        Ok(r) => Box::pin(r),
        Err(e) => return (Vec::new(), false, clean(&e.to_string(), 200)),
    };
    let mut bytes = Vec::new();
    let read = reader
        .take(LOG_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .await;
    if let Err(e) = read {
        return (Vec::new(), false, clean(&e.to_string(), 200));
    }
    let cut = bytes.len() > LOG_BYTES;
    bytes.truncate(LOG_BYTES);
    let lines = log_lines(&bytes, LOG_LINES)
        .into_iter()
        .map(|l| clean_line(&l))
        .collect();
    (lines, cut, String::new())
}
