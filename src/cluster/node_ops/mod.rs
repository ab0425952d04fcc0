//! `minik node add|delete`: grow or shrink a running cluster. A new node is made by create's
//! own steps (plan, provision, kubeadm config, join), so it gets the same container settings;
//! the kubeconfig does not change (it points at the load balancer or the first control plane,
//! and neither changes). Commands in the cluster run on any control plane whose API answers.

mod node_add;
mod node_delete;

pub use node_add::{add, check_add, next_node_name, AddRequest, Added};
pub use node_delete::{check_delete, delete, Deleted};

use crate::cluster::control_plane;
use crate::cluster::node::roles;
use crate::cluster::{control_plane_names, ClusterError};
use crate::config::ClusterConfig;
use crate::provider::{NodeInfo, NodeRole, Provider};

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
        // One listing answers both: the nodes and which of them are control planes.
        Ok(Cluster {
            name: name.to_string(),
            control_planes: control_plane_names(&nodes),
            nodes,
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
        let control_planes = control_plane_names(&nodes);
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
