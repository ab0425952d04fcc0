//! `minik node add|delete`: grow or shrink a running cluster. A new node is made by create's
//! own steps (plan, provision, kubeadm config, join), so it gets the same container settings;
//! the kubeconfig does not change (it points at the load balancer or the first control plane,
//! and neither changes). Commands in the cluster run on any control plane whose API answers.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::control_plane::{self, kubectl};
use super::create::{self, Ctx, NodeExtras, PlannedNode};
use super::engine::Engine;
use super::node::roles;
use super::{control_plane_nodes, loadbalancer, naming, node, ClusterError};
use crate::config::{ClusterConfig, NodeConfig, Role};
use crate::error::Error;
use crate::events::Events;
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
pub fn next_node_name(cluster: &str, role: NodeRole, existing: &[String]) -> String {
    let taken: BTreeSet<&str> = existing.iter().map(String::as_str).collect();
    (1..)
        .map(|i| naming::node_name(cluster, role, i))
        .find(|n| !taken.contains(n.as_str()))
        .unwrap_or_else(|| naming::node_name(cluster, role, existing.len() + 1))
}

/// What is known about a running cluster before changing it.
pub struct Cluster {
    pub name: String,
    pub nodes: Vec<NodeInfo>,
    /// Control-plane names, sorted: the first one bootstrapped the cluster.
    pub control_planes: Vec<String>,
}

impl Cluster {
    pub async fn read(provider: &dyn Provider, name: &str) -> Result<Cluster, ClusterError> {
        let nodes = provider.list_nodes(Some(name)).await?;
        if nodes.is_empty() {
            return Err(ClusterError::NotFound(name.to_string()));
        }
        let control_planes = control_plane_nodes(provider, name).await?;
        Ok(Cluster {
            name: name.to_string(),
            nodes,
            control_planes,
        })
    }

    /// Fails unless some control plane other than `except` runs.
    pub fn any_running(&self, except: Option<&str>) -> Result<(), ClusterError> {
        if control_plane::candidates(&self.nodes, except).is_empty() {
            return Err(ClusterError::NoControlPlane {
                name: self.name.clone(),
            });
        }
        Ok(())
    }

    /// A control plane other than `except` whose API answers, to run commands on.
    pub async fn answering(
        &self,
        provider: &dyn Provider,
        except: Option<&str>,
    ) -> Result<&NodeInfo, ClusterError> {
        let candidates = control_plane::candidates(&self.nodes, except);
        let name = control_plane::answering(provider, &self.name, &candidates).await?;
        self.node(&name)
            .ok_or_else(|| ClusterError::NoControlPlane {
                name: self.name.clone(),
            })
    }

    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn load_balancer(&self) -> Option<&NodeInfo> {
        roles::load_balancer(&self.nodes)
    }

    fn count(&self, role: NodeRole) -> usize {
        self.nodes.iter().filter(|n| n.role == role).count()
    }

    /// The cluster's shape with one more node of `role` (platform checks and NO_PROXY want
    /// every node).
    pub fn config_with_one_more(&self, role: NodeRole) -> ClusterConfig {
        let cp = usize::from(role == NodeRole::ControlPlane);
        let w = usize::from(role == NodeRole::Worker);
        ClusterConfig::with_nodes(
            &self.name,
            self.count(NodeRole::ControlPlane) + cp,
            self.count(NodeRole::Worker) + w,
        )
    }
}

/// Check that a node of `role` can be added, before anything is made.
pub fn check_add(cluster: &Cluster, role: NodeRole) -> Result<(), ClusterError> {
    match role {
        NodeRole::Worker => {}
        NodeRole::ControlPlane if cluster.load_balancer().is_none() => {
            return Err(ClusterError::Invalid(format!(
                "cluster {:?} has a single control plane and no load balancer: its nodes and \
                 kubeconfig reach the API at that control plane, so another one cannot be added. \
                 Create the cluster with more than one control plane (for example \
                 `minik create --control-planes 3`) to be able to add more",
                cluster.name
            )))
        }
        NodeRole::ControlPlane => {}
        NodeRole::ExternalLoadBalancer => {
            return Err(ClusterError::Invalid(
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
pub async fn add(engine: &Engine, req: AddRequest, events: &Events) -> Result<Added, Error> {
    let cluster = Cluster::read(&engine.provider, &req.cluster).await?;
    check_add(&cluster, req.role)?;
    let grown = cluster.config_with_one_more(req.role);
    let extras = create::node_settings(engine, &grown, events).await?;
    let opts = AddOptions {
        role: req.role,
        image: req.image,
        extras,
        wait: req.wait,
    };
    Ok(add_to(&engine.provider, &cluster, opts, events).await?)
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
    let result = tokio::select! {
        r = pipeline => r,
        s = crate::signals::interrupted() => Err(ClusterError::Interrupted(s)),
    };
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
    let role = match opts.role {
        NodeRole::ControlPlane => Role::ControlPlane,
        _ => Role::Worker,
    };
    // From the configuration kept with the cluster, so the node gets what the config file gave
    // its role (labels, mounts, port mappings, kubeadm patches); clusters made before minik
    // kept it get a plain node.
    let stored = match crate::cluster::state::load(provider, &boot.name).await? {
        Some(text) => Some(
            crate::config::load(&text, std::path::Path::new("/")).map_err(|e| {
                ClusterError::Invalid(format!(
                    "the configuration kept with cluster {} no longer holds on this machine: {e}",
                    crate::text::quoted(&cluster.name)
                ))
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
    if let Some((address, _)) = &boot.api_server {
        // A control plane publishes its API port for debugging on the cluster's address.
        config.networking.api_server_address = address.clone();
    }
    let mut planned = create::plan_nodes(&config, &image, &opts.extras)?;
    let mut new = planned.remove(0);
    new.name = name.to_string();
    let info =
        create::provision_nodes(provider, events, &config, std::slice::from_ref(&new)).await?;
    let version = node::version(provider, &boot.name).await?;

    // The context create's join uses: a control plane, the new node, the balancer (which is
    // the API endpoint whenever there is more than one control plane).
    let mut nodes = vec![existing_node(&boot.name, NodeRole::ControlPlane, &image)];
    nodes.push(new.clone());
    if let Some(lb) = cluster.load_balancer() {
        nodes.push(existing_node(
            &lb.name,
            NodeRole::ExternalLoadBalancer,
            &image,
        ));
    }
    let ctx = Ctx {
        provider,
        events,
        config: &config,
        nodes,
        version,
        info,
        extras: &opts.extras,
    };

    let step = events.step(format!("Joining {name} {}", role_icon(opts.role)));
    let ca = node::read_file(provider, &boot.name, "/etc/kubernetes/pki/ca.crt").await?;
    let hashes = vec![crate::kubeadm::ca_cert_hash(&ca)?];
    refresh_token(provider, &boot.name).await?;
    if new.is_control_plane() {
        node::copy_shared_pki(provider, &boot.name, name).await?;
    }
    create::join_node(&ctx, &new, &hashes)
        .await
        .map_err(|e| e.in_step("Joining the node"))?;
    let no_workers = roles::workers(&cluster.nodes).next().is_none();
    if new.is_control_plane() && no_workers {
        create::include_in_load_balancers(provider, &boot.name, &[name]).await?;
    }
    step.done();

    if let (true, Some(stored)) = (new.is_control_plane(), &stored) {
        // Every control plane keeps the configuration, so it outlives the first one.
        crate::cluster::state::save(provider, std::slice::from_ref(&new.name), stored).await?;
    }
    if new.is_control_plane() {
        let step = events.step("Configuring the external load balancer ⚖️");
        loadbalancer::configure_current(provider, &cluster.name)
            .await
            .map_err(|e| e.in_step("Configuring the external load balancer"))?;
        step.done();
    }
    create::wait_ready(&ctx, opts.wait).await
}

fn role_icon(role: NodeRole) -> &'static str {
    if role == NodeRole::ControlPlane {
        "🎮"
    } else {
        "🚜"
    }
}

/// A node that already exists, as far as create's steps need to know it.
fn existing_node(name: &str, role: NodeRole, image: &str) -> PlannedNode {
    PlannedNode {
        name: name.to_string(),
        role,
        image: image.to_string(),
        config: NodeConfig::new(Role::ControlPlane),
        ports: Vec::new(),
        mounts: Vec::new(),
        env: Vec::new(),
        devices: Vec::new(),
        userns_host: false,
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

#[derive(Debug)]
pub struct Deleted {
    pub name: String,
    pub role: NodeRole,
}

/// Check that `node` may be deleted, and say what it is.
pub fn check_delete(cluster: &Cluster, node_name: &str) -> Result<NodeRole, ClusterError> {
    let Some(target) = cluster.node(node_name) else {
        let names: Vec<&str> = roles::kubernetes_nodes(&cluster.nodes)
            .map(|n| n.name.as_str())
            .collect();
        return Err(ClusterError::Invalid(format!(
            "cluster {:?} has no node {node_name:?}; its nodes are: {}",
            cluster.name,
            names.join(", ")
        )));
    };
    match target.role {
        NodeRole::ExternalLoadBalancer => Err(ClusterError::Invalid(format!(
            "{node_name:?} is the cluster's load balancer, not a node; `minik delete --name {}` \
             removes the whole cluster",
            cluster.name
        ))),
        NodeRole::ControlPlane if cluster.control_planes.len() <= 1 => {
            Err(ClusterError::Invalid(format!(
                "{node_name:?} is the last control plane of cluster {:?}; delete the cluster \
                 instead (`minik delete --name {}`)",
                cluster.name, cluster.name
            )))
        }
        role => Ok(role),
    }
}

/// Drain the node, take it out of the cluster and remove its container with its volume.
/// A control plane is reset before its Node object goes, as kubeadm documents: `kubeadm reset`
/// removes the node's etcd member only when it can still read the Node (for the cluster
/// configuration), and a dead member left behind costs the cluster its quorum at the next
/// failure.
pub async fn delete(
    provider: &dyn Provider,
    cluster_name: &str,
    node_name: &str,
    events: &Events,
) -> Result<Deleted, ClusterError> {
    let cluster = Cluster::read(provider, cluster_name).await?;
    let role = check_delete(&cluster, node_name)?;
    let boot = cluster
        .answering(provider, Some(node_name))
        .await?
        .name
        .clone();

    let step = events.step(format!("Draining {node_name}"));
    let drain = [
        "drain",
        node_name,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--force",
        "--timeout=120s",
    ];
    let out = kubectl(provider, &boot, &drain).await?;
    if out.exit_code != 0 && !is_not_found(&out.combined()) {
        let cmd: Vec<String> = drain.iter().map(|s| s.to_string()).collect();
        out.check(&boot, &cmd)
            .map_err(|e| ClusterError::from(e).in_step("Draining the node"))?;
    }
    step.done();

    if role == NodeRole::ControlPlane {
        let step = events.step(format!("Resetting {node_name} (kubeadm reset)"));
        reset(provider, node_name, events).await;
        step.done();
    }

    let step = events.step(format!("Deleting {node_name} from Kubernetes"));
    let del = ["delete", "node", node_name, "--ignore-not-found"];
    let out = kubectl(provider, &boot, &del).await?;
    if out.exit_code != 0 {
        let cmd: Vec<String> = del.iter().map(|s| s.to_string()).collect();
        out.check(&boot, &cmd)
            .map_err(|e| ClusterError::from(e).in_step("Deleting the node"))?;
    }
    step.done();

    unplug(provider, &cluster, node_name, role).await?;
    Ok(Deleted {
        name: node_name.to_string(),
        role,
    })
}

/// `kubeadm reset -f` on the node: for a control plane it removes the node's etcd member.
/// Best effort: kubeadm reports what it could not clean up as warnings, and the container goes
/// anyway.
async fn reset(provider: &dyn Provider, node_name: &str, events: &Events) {
    match node::run_combined(provider, node_name, &["kubeadm", "reset", "-f"]).await {
        Ok(out) => events.debug(out),
        Err(e) => events.warn(format!("kubeadm reset on {node_name} failed: {e}")),
    }
}

fn is_not_found(output: &str) -> bool {
    output.contains("NotFound") || output.contains("not found")
}

/// Take a node that failed to join out again: reset it (a control plane may already be an
/// etcd member), forget its Node object, then [`unplug`] it.
async fn remove(
    provider: &dyn Provider,
    cluster: &Cluster,
    node_name: &str,
    role: NodeRole,
) -> Result<(), ClusterError> {
    if role == NodeRole::ControlPlane {
        let _ = node::run_combined(provider, node_name, &["kubeadm", "reset", "-f"]).await;
    }
    if let Ok(cp) = cluster.answering(provider, Some(node_name)).await {
        let _ = kubectl(
            provider,
            &cp.name,
            &["delete", "node", node_name, "--ignore-not-found"],
        )
        .await;
    }
    unplug(provider, cluster, node_name, role).await
}

/// Out of the load balancer (a control plane) and out of the engine.
async fn unplug(
    provider: &dyn Provider,
    cluster: &Cluster,
    node_name: &str,
    role: NodeRole,
) -> Result<(), ClusterError> {
    if role == NodeRole::ControlPlane && cluster.load_balancer().is_some() {
        let remaining: Vec<String> = cluster
            .control_planes
            .iter()
            .filter(|n| *n != node_name)
            .cloned()
            .collect();
        loadbalancer::configure(provider, &cluster.name, &remaining).await?;
    }
    provider.remove_nodes(&[node_name.to_string()]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::NodeState;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn cluster(nodes: &[(&str, NodeRole)]) -> Cluster {
        let nodes: Vec<NodeInfo> = nodes
            .iter()
            .map(|(name, role)| NodeInfo {
                name: name.to_string(),
                cluster: "lab".into(),
                role: *role,
                state: NodeState::Running,
                image: "img".into(),
                ipv4: Some("172.18.0.2".into()),
                ipv6: None,
                api_server: None,
                ports: Vec::new(),
                labels: Default::default(),
            })
            .collect();
        let mut control_planes: Vec<String> = nodes
            .iter()
            .filter(|n| n.role == NodeRole::ControlPlane)
            .map(|n| n.name.clone())
            .collect();
        control_planes.sort();
        Cluster {
            name: "lab".into(),
            nodes,
            control_planes,
        }
    }

    #[test]
    fn a_control_plane_needs_a_balancer() {
        let single = cluster(&[
            ("lab-control-plane", NodeRole::ControlPlane),
            ("lab-worker", NodeRole::Worker),
        ]);
        assert!(check_add(&single, NodeRole::Worker).is_ok());
        let e = check_add(&single, NodeRole::ControlPlane).unwrap_err();
        assert!(e.to_string().contains("no load balancer"), "{e}");
        let ha = cluster(&[
            ("lab-control-plane", NodeRole::ControlPlane),
            ("lab-control-plane2", NodeRole::ControlPlane),
            ("lab-external-load-balancer", NodeRole::ExternalLoadBalancer),
        ]);
        assert!(check_add(&ha, NodeRole::ControlPlane).is_ok());
        assert!(check_add(&ha, NodeRole::ExternalLoadBalancer).is_err());
        let mut stopped = ha;
        stopped.nodes[0].state = NodeState::Stopped;
        // Another control plane still runs: it takes the cluster's commands.
        assert!(check_add(&stopped, NodeRole::Worker).is_ok());
        stopped.nodes[1].state = NodeState::Stopped;
        assert!(matches!(
            check_add(&stopped, NodeRole::Worker),
            Err(ClusterError::NoControlPlane { .. })
        ));
    }

    #[test]
    fn what_may_be_deleted() {
        let c = cluster(&[
            ("lab-control-plane", NodeRole::ControlPlane),
            ("lab-control-plane2", NodeRole::ControlPlane),
            ("lab-worker", NodeRole::Worker),
            ("lab-external-load-balancer", NodeRole::ExternalLoadBalancer),
        ]);
        assert_eq!(check_delete(&c, "lab-worker").unwrap(), NodeRole::Worker);
        assert_eq!(
            check_delete(&c, "lab-control-plane2").unwrap(),
            NodeRole::ControlPlane
        );
        // The first control plane is one like the others once the cluster runs.
        assert_eq!(
            check_delete(&c, "lab-control-plane").unwrap(),
            NodeRole::ControlPlane
        );
        let e = check_delete(&c, "lab-external-load-balancer").unwrap_err();
        assert!(e.to_string().contains("load balancer"), "{e}");
        let e = check_delete(&c, "lab-worker9").unwrap_err();
        assert!(
            e.to_string().contains("lab-control-plane2, lab-worker"),
            "{e}"
        );
        let single = cluster(&[("lab-control-plane", NodeRole::ControlPlane)]);
        let e = check_delete(&single, "lab-control-plane").unwrap_err();
        assert!(e.to_string().contains("last control plane"), "{e}");
    }

    #[test]
    fn next_name_is_the_smallest_free_index() {
        let existing = names(&[
            "lab-control-plane",
            "lab-worker",
            "lab-worker2",
            "lab-external-load-balancer",
        ]);
        assert_eq!(
            next_node_name("lab", NodeRole::Worker, &existing),
            "lab-worker3"
        );
        assert_eq!(
            next_node_name("lab", NodeRole::ControlPlane, &existing),
            "lab-control-plane2"
        );
        // A deleted node's name is reused.
        let gap = names(&["lab-control-plane", "lab-worker", "lab-worker3"]);
        assert_eq!(next_node_name("lab", NodeRole::Worker, &gap), "lab-worker2");
        assert_eq!(next_node_name("lab", NodeRole::Worker, &[]), "lab-worker");
        // Another cluster's names don't count.
        let other = names(&["lab2-worker"]);
        assert_eq!(
            next_node_name("lab", NodeRole::Worker, &other),
            "lab-worker"
        );
    }
}
