//! What the page draws of each object: only the fields the picture needs, taken from the API's
//! objects as they arrive, so a cluster of many pods costs a few hundred bytes a pod.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod, Service};
use serde::Serialize;

/// Node role labels (`node-role.kubernetes.io/<role>`); a worker has none.
const ROLE_PREFIX: &str = "node-role.kubernetes.io/";
/// The annotation the kubelet puts on the mirror pod of a static pod.
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct NodeView {
    pub(crate) name: String,
    /// `control-plane`, or empty for a worker (it has no role label).
    pub(crate) roles: Vec<String>,
    /// The Ready condition: `True`, `False` or `Unknown` (no condition yet: `Unknown`).
    pub(crate) ready: String,
    /// Why, as the kubelet or the node controller wrote it.
    pub(crate) ready_reason: String,
    pub(crate) ready_message: String,
    pub(crate) unschedulable: bool,
    pub(crate) kubelet: String,
    pub(crate) runtime: String,
    pub(crate) addresses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PodView {
    pub(crate) namespace: String,
    pub(crate) name: String,
    /// The node it was placed on; empty while it waits for the scheduler.
    pub(crate) node: String,
    /// The controller that owns it (`ReplicaSet`, `DaemonSet`, `Node` for a static pod's mirror).
    pub(crate) owner_kind: String,
    pub(crate) owner: String,
    pub(crate) phase: String,
    pub(crate) ready: bool,
    pub(crate) restarts: u32,
    /// The mirror of a static pod: the kubelet runs it from a file, not from the API.
    pub(crate) static_pod: bool,
    /// Marked for deletion (Terminating).
    pub(crate) deleting: bool,
    /// The scheduler's reason while it is not placed (PodScheduled=False's message).
    pub(crate) waiting: String,
    /// What a waiting container waits for (ErrImagePull, ContainerCreating...).
    pub(crate) container_reason: String,
    #[serde(skip)]
    pub(crate) labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ServiceView {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) cluster_ip: String,
    #[serde(skip)]
    pub(crate) selector: BTreeMap<String, String>,
}

impl ServiceView {
    /// The pods behind it: those its selector matches, as the EndpointSlice controller
    /// chooses them (a Service without a selector has none drawn).
    pub(crate) fn selects(&self, pod: &PodView) -> bool {
        !self.selector.is_empty()
            && pod.namespace == self.namespace
            && self
                .selector
                .iter()
                .all(|(k, v)| pod.labels.get(k) == Some(v))
    }
}

pub(crate) fn node_view(node: &Node) -> NodeView {
    let meta = &node.metadata;
    let mut roles: Vec<String> = meta
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix(ROLE_PREFIX).map(str::to_string))
        .collect();
    roles.sort();
    let status = node.status.as_ref();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"));
    let info = status.and_then(|s| s.node_info.as_ref());
    NodeView {
        name: meta.name.clone().unwrap_or_default(),
        roles,
        ready: ready.map_or_else(|| "Unknown".into(), |c| c.status.clone()),
        ready_reason: ready.and_then(|c| c.reason.clone()).unwrap_or_default(),
        ready_message: ready.and_then(|c| c.message.clone()).unwrap_or_default(),
        unschedulable: node
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false),
        kubelet: info.map(|i| i.kubelet_version.clone()).unwrap_or_default(),
        runtime: info
            .map(|i| i.container_runtime_version.clone())
            .unwrap_or_default(),
        addresses: status
            .and_then(|s| s.addresses.as_ref())
            .map(|a| a.iter().map(|a| a.address.clone()).collect())
            .unwrap_or_default(),
    }
}

pub(crate) fn pod_view(pod: &Pod) -> PodView {
    let meta = &pod.metadata;
    let owner = meta
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .or_else(|| meta.owner_references.as_ref().and_then(|o| o.first()));
    let status = pod.status.as_ref();
    let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);
    let condition = |t: &str| conditions.iter().find(|c| c.type_ == t);
    let containers = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or(&[]);
    let waiting = match condition("PodScheduled") {
        Some(c) if c.status == "False" => c.message.clone().or_else(|| c.reason.clone()),
        _ => None,
    };
    PodView {
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
        node: pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default(),
        owner_kind: owner.map(|o| o.kind.clone()).unwrap_or_default(),
        owner: owner.map(|o| o.name.clone()).unwrap_or_default(),
        phase: status
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".into()),
        ready: condition("Ready").is_some_and(|c| c.status == "True"),
        restarts: containers
            .iter()
            .map(|c| u32::try_from(c.restart_count).unwrap_or(0))
            .fold(0, u32::saturating_add),
        static_pod: meta
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(MIRROR_ANNOTATION)),
        deleting: meta.deletion_timestamp.is_some(),
        waiting: waiting.unwrap_or_default(),
        container_reason: containers
            .iter()
            .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone())
            .unwrap_or_default(),
        labels: meta.labels.clone().unwrap_or_default(),
    }
}

pub(crate) fn service_view(service: &Service) -> ServiceView {
    let spec = service.spec.as_ref();
    ServiceView {
        namespace: service.metadata.namespace.clone().unwrap_or_default(),
        name: service.metadata.name.clone().unwrap_or_default(),
        kind: spec
            .and_then(|s| s.type_.clone())
            .unwrap_or_else(|| "ClusterIP".into()),
        cluster_ip: spec.and_then(|s| s.cluster_ip.clone()).unwrap_or_default(),
        selector: spec.and_then(|s| s.selector.clone()).unwrap_or_default(),
    }
}
