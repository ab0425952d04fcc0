//! Picking nodes by role, for engine facts ([`NodeInfo`]) and create's plan alike, so each
//! rule ("the nodes that run Kubernetes", "the load balancer") is written once. Types above
//! (create's plan) implement [`HasRole`] beside their definitions.

use crate::provider::{NodeInfo, NodeRole};

/// Anything that is a named node of some role.
pub(crate) trait HasRole {
    fn role(&self) -> NodeRole;
    fn name(&self) -> &str;
}

impl HasRole for NodeInfo {
    fn role(&self) -> NodeRole {
        self.role
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// The external load balancer, if the cluster has one.
pub(crate) fn load_balancer<T: HasRole>(nodes: &[T]) -> Option<&T> {
    nodes
        .iter()
        .find(|n| n.role() == NodeRole::ExternalLoadBalancer)
}

/// The control planes, in the order given.
pub(crate) fn control_planes<T: HasRole>(nodes: &[T]) -> impl Iterator<Item = &T> {
    nodes.iter().filter(|n| n.role() == NodeRole::ControlPlane)
}

/// The workers, in the order given.
pub(crate) fn workers<T: HasRole>(nodes: &[T]) -> impl Iterator<Item = &T> {
    nodes.iter().filter(|n| n.role() == NodeRole::Worker)
}

/// The nodes that run Kubernetes: every node but the load balancer.
pub(crate) fn kubernetes_nodes<T: HasRole>(nodes: &[T]) -> impl Iterator<Item = &T> {
    nodes
        .iter()
        .filter(|n| n.role() != NodeRole::ExternalLoadBalancer)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct N(NodeRole);
    impl HasRole for N {
        fn role(&self) -> NodeRole {
            self.0
        }
        fn name(&self) -> &str {
            "n"
        }
    }

    #[test]
    fn selects_by_role() {
        use NodeRole::*;
        let nodes = [
            N(ControlPlane),
            N(Worker),
            N(ExternalLoadBalancer),
            N(ControlPlane),
        ];
        assert_eq!(control_planes(&nodes).count(), 2);
        assert_eq!(workers(&nodes).count(), 1);
        assert_eq!(kubernetes_nodes(&nodes).count(), 3);
        assert_eq!(
            load_balancer(&nodes).map(|n| n.role()),
            Some(ExternalLoadBalancer)
        );
        assert!(load_balancer(&nodes[..2]).is_none());
    }
}
