//! Node label checks: Kubernetes' syntax for label keys and values, and the kubelet's rule that
//! it only sets labels in the `kubernetes.io` / `k8s.io` namespaces from a short allow-list.

/// Labels under kubernetes.io / k8s.io that the kubelet may set on its own node.
const KUBELET_LABELS: &[&str] = &[
    "kubernetes.io/hostname",
    "kubernetes.io/arch",
    "kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "failure-domain.beta.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
];
/// Namespaces (and their subdomains) the kubelet may use freely.
const KUBELET_NAMESPACES: &[&str] = &["kubelet.kubernetes.io", "node.kubernetes.io"];

/// `Err((message, hint))` when the label can't be set on a node through the kubelet.
pub(crate) fn check_label(key: &str, value: &str) -> Result<(), (String, String)> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let key_hint = "a label key is an optional DNS prefix and a name of up to 63 letters, digits, '-', '_' or '.', e.g. example.com/tier or tier".to_string();
    if let Some(problem) = prefix.and_then(subdomain_problem) {
        return Err((
            format!(
                "invalid label key {}: the prefix {problem}",
                crate::text::quoted(key)
            ),
            key_hint,
        ));
    }
    if let Some(problem) = name_problem(name) {
        return Err((
            format!(
                "invalid label key {}: the name {problem}",
                crate::text::quoted(key)
            ),
            key_hint,
        ));
    }
    if !value.is_empty() {
        if let Some(problem) = name_problem(value) {
            return Err((
                format!(
                    "invalid value for label {}: {} {problem}",
                    crate::text::quoted(key),
                    crate::text::quoted(value)
                ),
                "a label value is empty or up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit".into(),
            ));
        }
    }
    if let Some(ns) = prefix {
        let reserved = ["kubernetes.io", "k8s.io"]
            .iter()
            .any(|r| ns == *r || ns.ends_with(&format!(".{r}")));
        let allowed = KUBELET_LABELS.contains(&key)
            || KUBELET_NAMESPACES
                .iter()
                .any(|a| ns == *a || ns.ends_with(&format!(".{a}")));
        if reserved && !allowed {
            return Err((
                format!(
                    "the kubelet refuses to set label {} on its node",
                    crate::text::quoted(key)
                ),
                "kubernetes.io and k8s.io labels are reserved (node-role.kubernetes.io included); use your own prefix such as example.com/role, or add it after creation with kubectl label node".into(),
            ));
        }
    }
    Ok(())
}

fn subdomain_problem(prefix: &str) -> Option<String> {
    if prefix.is_empty() || prefix.len() > 253 {
        return Some("must be 1 to 253 characters".into());
    }
    for part in prefix.split('.') {
        let ok = !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !part.starts_with('-')
            && !part.ends_with('-');
        if !ok {
            return Some(format!(
                "{} is not a lowercase DNS name",
                crate::text::quoted(prefix)
            ));
        }
    }
    None
}

fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 63 {
        return Some("must be 1 to 63 characters".into());
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Some("must start and end with a letter or digit".into());
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|c| format!("contains {c:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_labels() {
        for (k, v) in [
            ("tier", "frontend"),
            ("ingress-ready", "true"),
            ("example.com/role", ""),
            (
                "node.kubernetes.io/exclude-from-external-load-balancers",
                "",
            ),
            ("topology.kubernetes.io/zone", "a"),
            ("my.kubelet.kubernetes.io/x", "y"),
        ] {
            assert_eq!(check_label(k, v), Ok(()), "{k}");
        }
    }

    #[test]
    fn rejects_bad_syntax_and_reserved_namespaces() {
        for (k, v) in [
            ("foo bar", ""),
            ("-tier", ""),
            ("Example.com/x", ""),
            ("/x", ""),
            ("tier", "not ok"),
            ("node-role.kubernetes.io/worker", ""),
            ("k8s.io/x", ""),
        ] {
            assert!(check_label(k, v).is_err(), "{k}={v}");
        }
        let (msg, _) = check_label("node-role.kubernetes.io/worker", "").unwrap_err();
        assert!(msg.contains("refuses"), "{msg}");
    }
}
