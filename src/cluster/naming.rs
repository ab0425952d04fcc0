//! Cluster and node names. A node's container name is its hostname, its DNS name on the minik
//! network and its Kubernetes node name, so every one must be a valid DNS label.

use crate::provider::NodeRole;

/// The longest suffix minik appends to a cluster name.
const LONGEST_SUFFIX: &str = "-external-load-balancer";
/// Longest cluster name whose every node name still fits a 63-character DNS label.
pub const MAX_CLUSTER_NAME: usize = 63 - LONGEST_SUFFIX.len();

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("cluster name is empty")]
    Empty,
    #[error(
        "cluster name {} is {len} characters long; the limit is {max}",
        crate::text::quoted(name)
    )]
    TooLong {
        name: String,
        len: usize,
        max: usize,
    },
    #[error(
        "cluster name {} is not valid: use lowercase letters, digits and '-', starting and ending with a letter or digit",
        crate::text::quoted(.0)
    )]
    Invalid(String),
}

pub fn validate_cluster_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_CLUSTER_NAME {
        return Err(NameError::TooLong {
            name: name.to_string(),
            len: name.len(),
            max: MAX_CLUSTER_NAME,
        });
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !name.chars().all(ok_char) || !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Err(NameError::Invalid(name.to_string()));
    }
    Ok(())
}

/// A node (container) name: a DNS label, as every node name minik makes is.
pub fn validate_node_name(name: &str) -> Result<(), String> {
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

/// A suggestion for a name that failed validation (lowercased, bad characters replaced).
pub fn suggest_name(name: &str) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s = s.trim_matches('-').to_string();
    s.truncate(MAX_CLUSTER_NAME);
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() {
        crate::config::DEFAULT_CLUSTER_NAME.to_string()
    } else {
        s
    }
}

/// `index` counts from 1 within the role: `demo-control-plane`, `demo-control-plane2`, ...
pub fn node_name(cluster: &str, role: NodeRole, index: usize) -> String {
    let base = format!("{cluster}-{}", role.as_str());
    if index <= 1 {
        base
    } else {
        format!("{base}{index}")
    }
}

pub fn load_balancer_name(cluster: &str) -> String {
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
            Err(NameError::Invalid(_))
        ));
        assert!(matches!(
            validate_cluster_name("-lead"),
            Err(NameError::Invalid(_))
        ));
        assert!(matches!(
            validate_cluster_name("trail-"),
            Err(NameError::Invalid(_))
        ));
        assert!(matches!(
            validate_cluster_name("dot.ted"),
            Err(NameError::Invalid(_))
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
