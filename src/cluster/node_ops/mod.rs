//! `minik node add|delete`: grow or shrink a running cluster. A new node is made by create's
//! own steps (plan, provision, kubeadm config, join), so it gets the same container settings;
//! the kubeconfig does not change (it points at the load balancer or the first control plane,
//! and neither changes). Commands in the cluster run on any control plane whose API answers.

mod node_add;
mod node_delete;

pub(crate) use node_add::{add, AddRequest};
#[cfg(test)]
pub(crate) use node_add::{check_add, next_node_name};
#[cfg(test)]
pub(crate) use node_delete::check_delete;
pub(crate) use node_delete::delete;

pub(crate) use crate::cluster::Cluster;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{control_plane_names, ClusterError};
    use crate::provider::{NodeInfo, NodeRole, NodeState};

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
