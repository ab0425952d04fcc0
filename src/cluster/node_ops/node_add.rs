//! `minik node add`: a new node made by create's own steps (plan, provision, kubeadm config,
//! join), so it gets the same container settings; on failure or Ctrl-C it is removed again.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::node_delete::remove;
use super::Cluster;
use crate::cluster::create::{self, NodeExtras, NodeSetup, PrepareError};
use crate::cluster::{loadbalancer, naming, ClusterError};
use crate::config::{ClusterConfig, Role};
use crate::engine::Engine;
use crate::events::Events;
use crate::node;
use crate::node::roles;
use crate::provider::{NodeInfo, NodeRole, Provider};

struct AddOptions {
    role: NodeRole,
    image: Option<String>,
    /// Platform adjustments, as create computes them.
    extras: NodeExtras,
    wait: Duration,
}

#[derive(Debug)]
pub struct Added {
    pub name: String,
    pub role: NodeRole,
    /// False when `wait` ran out before the node was Ready.
    pub ready: bool,
    pub elapsed: Duration,
}

/// The name the next node of `role` gets: the smallest free index, counting from 1 as
/// create does (`lab-worker`, `lab-worker2`, ...), so a deleted node's name is reused.
pub(crate) fn next_node_name(cluster: &str, role: NodeRole, existing: &[String]) -> String {
    let taken: BTreeSet<&str> = existing.iter().map(String::as_str).collect();
    (1..)
        .map(|i| naming::node_name(cluster, role, i))
        .find(|n| !taken.contains(n.as_str()))
        .unwrap_or_else(|| naming::node_name(cluster, role, existing.len() + 1))
}

/// Check that a node of `role` can be added, before anything is made.
pub(crate) fn check_add(cluster: &Cluster, role: NodeRole) -> Result<(), ClusterError> {
    match role {
        NodeRole::Worker => {}
        NodeRole::ControlPlane if cluster.load_balancer().is_none() => {
            return Err(ClusterError::Refused(format!(
                "cluster {:?} has a single control plane and no load balancer: its nodes and \
                 kubeconfig reach the API at that control plane, so another one cannot be added. \
                 Create the cluster with more than one control plane (for example \
                 `minik create --control-planes 3`) to be able to add more",
                cluster.name
            )))
        }
        NodeRole::ControlPlane => {}
        NodeRole::ExternalLoadBalancer => {
            return Err(ClusterError::Refused(
                "only control-plane and worker nodes can be added".into(),
            ))
        }
    }
    cluster.any_running(None)?;
    Ok(())
}

/// What `minik node add` asks for.
#[derive(Debug)]
pub struct AddRequest {
    pub cluster: String,
    /// `ControlPlane` or `Worker`.
    pub role: NodeRole,
    /// The node image; `None` uses the first control plane's.
    pub image: Option<String>,
    /// How long to wait for the node to be Ready; zero returns once it has joined.
    pub wait: Duration,
}

/// `minik node add`: refuse what cannot work before the platform checks (which may be slower),
/// give the node the settings create gives every node here (proxy, devices, mounts), add it.
pub async fn add(engine: &Engine, req: AddRequest, events: &Events) -> Result<Added, PrepareError> {
    let cluster = Cluster::read(&*engine.provider, &req.cluster).await?;
    check_add(&cluster, req.role)?;
    let grown = cluster.config_with_one_more(req.role);
    let extras = create::node_settings(engine, &grown, events).await?;
    let opts = AddOptions {
        role: req.role,
        image: req.image,
        extras,
        wait: req.wait,
    };
    Ok(add_to(&*engine.provider, &cluster, opts, events).await?)
}

/// Join one new node to a running cluster. On failure or Ctrl-C the new node is removed again
/// (from Kubernetes, the load balancer and the engine).
async fn add_to(
    provider: &dyn Provider,
    cluster: &Cluster,
    opts: AddOptions,
    events: &Events,
) -> Result<Added, ClusterError> {
    let started = Instant::now();
    let existing: Vec<String> = cluster.nodes.iter().map(|n| n.name.clone()).collect();
    let name = next_node_name(&cluster.name, opts.role, &existing);
    events.info(format!(
        "Adding {} node {name:?} to cluster {:?} ...",
        opts.role, cluster.name
    ));
    let pipeline = add_node(provider, cluster, &opts, &name, events);
    let result = crate::signals::cancellable(pipeline)
        .await
        .map_err(ClusterError::from)
        .and_then(|r| r);
    match result {
        Ok(ready) => Ok(Added {
            name,
            role: opts.role,
            ready,
            elapsed: started.elapsed(),
        }),
        Err(e) => {
            let step = events.step(format!("Removing the new node {name:?}"));
            if let Err(undo) = remove(provider, cluster, &name, opts.role).await {
                events.warn(format!("could not remove {name:?} completely: {undo}"));
            }
            step.done();
            Err(e)
        }
    }
}

async fn add_node(
    provider: &dyn Provider,
    cluster: &Cluster,
    opts: &AddOptions,
    name: &str,
    events: &Events,
) -> Result<bool, ClusterError> {
    let boot = cluster.answering(provider, None).await?;
    let image = opts.image.clone().unwrap_or_else(|| boot.image.clone());

    // Plan the node as create plans a one-node cluster of that role, then give it its name.
    let (config, stored) = one_node_config(provider, cluster, boot, opts, name, events).await?;
    let mut planned = create::plan_nodes(&config, &image, &opts.extras)?;
    planned.truncate(1);
    planned[0].name = name.to_string();
    let made = create::provision_nodes(provider, events, &config, planned).await?;
    let new = &made[0];
    let version = node::version(provider, &boot.name).await?;

    // Every node reaches the API at the balancer whenever there is more than one control plane.
    let endpoint = cluster.load_balancer().map_or(&boot.name, |lb| &lb.name);
    let setup = NodeSetup {
        provider,
        events,
        config: &config,
        version: &version,
        extras: &opts.extras,
        bootstrap: &boot.name,
        endpoint,
    };

    let step = events.step_with_icon(format!("Joining {name}"), role_icon(opts.role));
    let hashes = create::ca_cert_hashes(&setup).await?;
    refresh_token(provider, &boot.name).await?;
    if new.is_control_plane() {
        node::copy_shared_pki(provider, &boot.name, name).await?;
    }
    step.check(create::join_node(&setup, new, &hashes).await)?;
    let no_workers = roles::workers(&cluster.nodes).next().is_none();
    if new.is_control_plane() && no_workers {
        create::include_in_load_balancers(provider, &boot.name, &[name]).await?;
    }
    step.done();

    if let (true, Some(stored)) = (new.is_control_plane(), &stored) {
        // Every control plane keeps the configuration, so it outlives the first one.
        crate::cluster::state::save(provider, &[name.to_string()], stored).await?;
    }
    if new.is_control_plane() {
        let step = events.step_with_icon("Configuring the external load balancer", "⚖️");
        step.check(loadbalancer::configure_current(provider, &cluster.name).await)?;
        step.done();
    }
    create::wait_ready(&setup, &[boot.name.as_str(), name], opts.wait).await
}

/// The cluster's config with only the new node, of its role. From the configuration kept with
/// the cluster (returned too), so the node gets what the config file gave its role (labels,
/// mounts, port mappings, kubeadm patches); clusters made before minik kept it get a plain node.
async fn one_node_config(
    provider: &dyn Provider,
    cluster: &Cluster,
    boot: &NodeInfo,
    opts: &AddOptions,
    name: &str,
    events: &Events,
) -> Result<(ClusterConfig, Option<ClusterConfig>), ClusterError> {
    let role = match opts.role {
        NodeRole::ControlPlane => Role::ControlPlane,
        _ => Role::Worker,
    };
    let stored = match crate::cluster::state::load(provider, &boot.name).await? {
        Some(text) => Some(
            crate::config::load(&text, std::path::Path::new("/")).map_err(|e| {
                ClusterError::StoredConfig {
                    cluster: cluster.name.clone(),
                    reason: e.to_string(),
                }
            })?,
        ),
        None => None,
    };
    let mut config = stored
        .clone()
        .unwrap_or_else(|| ClusterConfig::with_nodes(&cluster.name, 0, 0));
    let mut node_config = crate::config::node_for_role(&config, role);
    if opts.image.is_some() {
        // --image wins over the image the config gave the role.
        node_config.image = None;
    }
    for p in &mut node_config.extra_port_mappings {
        if p.host_port != 0 {
            events.warn(format!(
                "host port {} is taken by the node that has it already; {name} gets a free one",
                p.host_port
            ));
            p.host_port = 0;
        }
    }
    config.nodes = vec![node_config];
    let api_port = boot
        .ports
        .iter()
        .find(|p| p.container_port == crate::provider::API_SERVER_INTERNAL_PORT);
    if let Some(p) = api_port.filter(|p| !p.listen_address.is_empty()) {
        // A control plane publishes its API port for debugging on the cluster's address (the
        // address itself: a remote engine's 0.0.0.0 reads back as the engine host's name).
        config.networking.api_server_address = p.listen_address.clone();
    }
    Ok((config, stored))
}

fn role_icon(role: NodeRole) -> &'static str {
    if role == NodeRole::ControlPlane {
        "🎮"
    } else {
        "🚜"
    }
}

/// The bootstrap token create made expires after a day: make it valid again for this join.
async fn refresh_token(provider: &dyn Provider, boot: &str) -> Result<(), ClusterError> {
    let token = crate::kubeadm::BOOTSTRAP_TOKEN;
    let id = token.split('.').next().unwrap_or(token);
    // Real kubeadm refuses to create a token that exists; delete it first (it may be gone).
    let script = format!(
        "kubeadm token delete {id} >/dev/null 2>&1 || true; kubeadm token create {token} --ttl 1h"
    );
    node::run_combined(provider, boot, &["sh", "-c", &script]).await?;
    Ok(())
}
