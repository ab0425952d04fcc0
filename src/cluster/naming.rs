//! Cluster and node names. A node's container name is its hostname, its DNS name on the minik
//! network and its Kubernetes node name, so every one must be a valid DNS label.

use crate::provider::NodeRole;

#[cfg(test)]
pub(crate) use crate::config::name::{suggest_name, MAX_CLUSTER_NAME};
pub(crate) use crate::config::name::{validate_cluster_name, NameError};

/// A node (container) name: a DNS label, as every node name minik makes is.
pub(crate) fn validate_node_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "node name {} is not valid: node names are lowercase letters, digits and '-', at \
             most 63 characters",
            crate::text::quoted(name)
        ))
    }
}

/// `index` counts from 1 within the role: `demo-control-plane`, `demo-control-plane2`, ...
pub(crate) fn node_name(cluster: &str, role: NodeRole, index: usize) -> String {
    let base = format!("{cluster}-{}", role.as_str());
    if index <= 1 {
        base
    } else {
        format!("{base}{index}")
    }
}

pub(crate) fn load_balancer_name(cluster: &str) -> String {
    node_name(cluster, NodeRole::ExternalLoadBalancer, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dns_labels() {
        for n in ["minik", "a", "lab-1", "x2", &"a".repeat(MAX_CLUSTER_NAME)] {
            assert_eq!(validate_cluster_name(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn rejects_what_would_break_node_names() {
        assert_eq!(validate_cluster_name(""), Err(NameError::Empty));
        assert!(matches!(
            validate_cluster_name("Bad_Name"),
            Err(NameError::Invalid(..))
        ));
        assert!(matches!(
            validate_cluster_name("-lead"),
            Err(NameError::Invalid(..))
        ));
        assert!(matches!(
            validate_cluster_name("trail-"),
            Err(NameError::Invalid(..))
        ));
        assert!(matches!(
            validate_cluster_name("dot.ted"),
            Err(NameError::Invalid(..))
        ));
        let long = "a".repeat(MAX_CLUSTER_NAME + 1);
        assert!(matches!(
            validate_cluster_name(&long),
            Err(NameError::TooLong { .. })
        ));
    }

    #[test]
    fn every_node_name_fits_a_dns_label() {
        let c = "a".repeat(MAX_CLUSTER_NAME);
        assert_eq!(load_balancer_name(&c).len(), 63);
        assert!(node_name(&c, NodeRole::Worker, 999).len() <= 63);
        assert!(node_name(&c, NodeRole::ControlPlane, 99).len() <= 63);
    }

    #[test]
    fn names_nodes_like_kind() {
        assert_eq!(
            node_name("lab", NodeRole::ControlPlane, 1),
            "lab-control-plane"
        );
        assert_eq!(
            node_name("lab", NodeRole::ControlPlane, 2),
            "lab-control-plane2"
        );
        assert_eq!(node_name("lab", NodeRole::Worker, 3), "lab-worker3");
        assert_eq!(load_balancer_name("lab"), "lab-external-load-balancer");
    }

    #[test]
    fn suggests_a_valid_name() {
        assert_eq!(suggest_name("Bad_Name"), "bad-name");
        assert_eq!(validate_cluster_name(&suggest_name("__")), Ok(()));
    }
}
