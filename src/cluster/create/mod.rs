//! `minik create`: a list of steps, one per file, run in order. On any failure or Ctrl-C every
//! container made so far is removed, unless the user asked to keep them (`--retain`).

mod addons;
mod ensure_image;
mod error;
mod export_kubeconfig;
mod join;
mod kubeadm_config;
mod kubeadm_init;
mod loadbalancer;
mod network;
mod node_addresses;
mod node_settings;
mod plan;
mod prepare;
mod provision;
mod wait_ready;

pub use error::PrepareError;
pub(crate) use node_settings::node_settings;
pub use plan::NodeExtras;
pub(crate) use plan::PlannedNode;
pub use prepare::CheckedRequest;
pub use prepare::CreateRequest;
pub(crate) use prepare::DEFAULT_WAIT;
pub(crate) use provision::BOOTED;
pub(crate) use wait_ready::{wait_nodes_ready, Addresses};

// What `minik node add` (crate::cluster::node_ops) reuses to make one node the way create does.
pub(crate) use join::{ca_cert_hashes, join as join_node};
pub(crate) use kubeadm_config::NodeSetup;
pub(crate) use kubeadm_init::include_in_load_balancers;
pub(crate) use plan::plan as plan_nodes;
pub(crate) use provision::run as provision_nodes;
pub(crate) use wait_ready::run as wait_ready;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cluster::{naming, ClusterError};
use crate::config::ClusterConfig;
use crate::events::Events;
use crate::k8s_version::KubeVersion;
use crate::node::roles;
use crate::provider::{NodeInfo, Provider};

pub struct CreateOptions {
    pub config: ClusterConfig,
    /// The node image for nodes that don't name their own.
    pub image: String,
    /// How long to wait for Ready nodes; zero returns once the API answers.
    pub wait: Duration,
    pub retain: bool,
    /// `--kubeconfig`, else the usual `$KUBECONFIG` / ~/.kube/config rules.
    pub kubeconfig: Option<PathBuf>,
    /// Platform adjustments for every node (proxy env, devices, mounts).
    pub extras: NodeExtras,
}

#[derive(Debug)]
pub struct CreateOutcome {
    pub context: String,
    pub kubeconfig: PathBuf,
    pub server: String,
    pub kubernetes_version: KubeVersion,
    pub nodes: usize,
    /// False when `--wait` ran out before every node was Ready.
    pub ready: bool,
    pub elapsed: Duration,
}

/// A node once its container exists: what the plan asked for and what the engine made of it.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) planned: PlannedNode,
    /// As the engine reports it (IP addresses, published ports).
    pub(crate) info: NodeInfo,
}

impl roles::HasRole for Node {
    fn role(&self) -> crate::provider::NodeRole {
        self.planned.role
    }
    fn name(&self) -> &str {
        &self.planned.name
    }
}

impl Node {
    pub(crate) fn name(&self) -> &str {
        &self.planned.name
    }

    pub(crate) fn is_control_plane(&self) -> bool {
        self.planned.is_control_plane()
    }
}

/// What the steps share once the containers exist.
pub(crate) struct Ctx<'a> {
    pub(crate) provider: &'a dyn Provider,
    pub(crate) events: &'a Events,
    pub(crate) config: &'a ClusterConfig,
    /// In plan order: the first control plane first.
    pub(crate) nodes: Vec<Node>,
    pub(crate) version: KubeVersion,
    /// Platform facts the kubeadm config depends on (rootless, host cgroup mode).
    pub(crate) extras: &'a NodeExtras,
}

impl Ctx<'_> {
    pub(crate) fn bootstrap(&self) -> &Node {
        // The plan always puts the first control plane first.
        &self.nodes[0]
    }

    /// What writing a node's kubeadm config and joining it needs, taken from this create.
    pub(crate) fn setup(&self) -> NodeSetup<'_> {
        let endpoint = roles::load_balancer(&self.nodes).unwrap_or(self.bootstrap());
        NodeSetup {
            provider: self.provider,
            events: self.events,
            config: self.config,
            version: &self.version,
            extras: self.extras,
            bootstrap: self.bootstrap().name(),
            endpoint: endpoint.name(),
        }
    }
}

pub async fn create(
    provider: &dyn Provider,
    opts: CreateOptions,
    events: &Events,
) -> Result<CreateOutcome, ClusterError> {
    let started = Instant::now();
    let name = opts.config.name.clone();
    naming::validate_cluster_name(&name)?;
    if opts.config.control_planes() == 0 {
        return Err(ClusterError::NoControlPlaneConfigured);
    }
    let existing = provider.list_nodes(Some(&name)).await?;
    if !existing.is_empty() {
        if crate::cluster::state::incomplete(provider, &existing).await? {
            return Err(ClusterError::Incomplete(name));
        }
        return Err(ClusterError::AlreadyExists(name));
    }
    events.info(format!("Creating cluster {name:?} ..."));

    let pipeline = run(provider, &opts, events, started);
    let result = crate::signals::cancellable(pipeline)
        .await
        .map_err(ClusterError::from)
        .and_then(|r| r);
    if result.is_err() {
        if opts.retain {
            events.warn(format!(
                "keeping the nodes of {name:?} (--retain); remove them with `minik delete --name {name}`"
            ));
        } else {
            cleanup(provider, &name, events).await;
            // The kubeconfig is written just before the end; an interruption after it must
            // not leave an entry pointing at removed nodes.
            if let Err(e) =
                crate::cluster::kubeconfig::remove(&name, opts.kubeconfig.as_deref()).await
            {
                events.warn(format!("could not remove the kubeconfig entry: {e}"));
            }
        }
    }
    result
}

async fn run(
    provider: &dyn Provider,
    opts: &CreateOptions,
    events: &Events,
    started: Instant,
) -> Result<CreateOutcome, ClusterError> {
    let mut nodes = plan::plan(&opts.config, &opts.image, &opts.extras)?;
    network::run(provider, &opts.config).await?;
    ensure_image::run(provider, events, &nodes).await?;
    loadbalancer::choose_image(provider, events, &opts.config.name, &mut nodes).await?;
    // Every container starts at once; work on the first control plane begins as soon as it
    // has booted, while the others finish booting.
    let prepared = events.step(format!("Preparing nodes {}", "📦".repeat(nodes.len())));
    provision::create_all(provider, events, &opts.config, &nodes).await?;
    provision::wait_booted(provider, &nodes[..1]).await?;
    let version = crate::node::version(provider, &nodes[0].name).await?;
    let ctx = Ctx {
        provider,
        events,
        config: &opts.config,
        nodes: provision::inspect_all(provider, nodes).await?,
        version,
        extras: &opts.extras,
    };
    let rest_booted = async {
        provision::wait_booted(provider, &ctx.nodes[1..]).await?;
        prepared.done();
        Ok::<_, ClusterError>(())
    };
    let control_plane = async {
        loadbalancer::run(&ctx).await?;
        kubeadm_config::run(&ctx).await?;
        kubeadm_init::run(&ctx).await?;
        addons::run(&ctx).await
    };
    futures_util::future::try_join(control_plane, rest_booted).await?;
    join::run(&ctx).await?;
    if ctx.config.workers() == 0 {
        kubeadm_init::include_in_load_balancers(provider, ctx.bootstrap().name(), &[]).await?;
    }
    let expected: Vec<&str> = roles::kubernetes_nodes(&ctx.nodes)
        .map(Node::name)
        .collect();
    let ready = wait_ready::run(&ctx.setup(), &expected, opts.wait).await?;
    let exported = export_kubeconfig::run(&ctx, opts.kubeconfig.as_deref()).await?;
    // Last: keeping the configuration with the cluster also marks it as complete.
    let control_planes: Vec<String> = roles::control_planes(&ctx.nodes)
        .map(|n| n.name().to_string())
        .collect();
    crate::cluster::state::save(provider, &control_planes, &opts.config)
        .await
        .map_err(|e| e.in_step("Saving the cluster's configuration"))?;
    Ok(CreateOutcome {
        context: exported.context,
        kubeconfig: exported.path,
        server: exported.server,
        kubernetes_version: ctx.version.clone(),
        nodes: roles::kubernetes_nodes(&ctx.nodes).count(),
        ready,
        elapsed: started.elapsed(),
    })
}

/// Remove everything labelled for the cluster. A container whose creation was in flight when
/// we were interrupted can appear a moment later, so look again briefly.
async fn cleanup(provider: &dyn Provider, name: &str, events: &Events) {
    let step = events.step(format!("Removing the nodes of {name:?}"));
    // Containers whose creation was under way when we were interrupted must exist before
    // they can be found and removed.
    provider.settle(Duration::from_secs(60)).await;
    let mut quiet_rounds = 0;
    // Stop after two empty looks in a row (about half a second apart).
    for _ in 0..10 {
        match provider.node_names(name).await {
            Ok(names) if names.is_empty() => {
                quiet_rounds += 1;
                if quiet_rounds == 2 {
                    break;
                }
            }
            Ok(names) => {
                quiet_rounds = 0;
                if let Err(e) = provider.remove_nodes(&names).await {
                    events.warn(format!("could not remove every node: {e}"));
                }
            }
            Err(e) => {
                events.warn(format!("could not list the cluster's nodes: {e}"));
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    step.done();
}
