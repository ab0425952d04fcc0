//! The kinds of object a lab may change: namespaced ones only, each with its API group, so that
//! neither a short name nor a dotted `kind.group` (`clusterrolebinding.rbac.authorization.k8s.io`,
//! or a custom resource that borrows a built-in name in another group) reaches past the tour's
//! namespace. An allow-list: a kind missing here is refused, never guessed to be namespaced.
//! RBAC kinds are left out on purpose: a lab gets its permissions from minik, not from itself.

/// A namespaced resource: plural, singular (also the lowercased Kind), short names, API group.
struct Resource {
    plural: &'static str,
    singular: &'static str,
    short: &'static [&'static str],
    group: &'static str,
}

const fn r(
    plural: &'static str,
    singular: &'static str,
    short: &'static [&'static str],
    group: &'static str,
) -> Resource {
    Resource {
        plural,
        singular,
        short,
        group,
    }
}

static NAMESPACED: [Resource; 20] = [
    r("pods", "pod", &["po"], ""),
    r("services", "service", &["svc"], ""),
    r("configmaps", "configmap", &["cm"], ""),
    r("secrets", "secret", &[], ""),
    r(
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        &["pvc"],
        "",
    ),
    r("serviceaccounts", "serviceaccount", &["sa"], ""),
    r("limitranges", "limitrange", &["limits"], ""),
    r("resourcequotas", "resourcequota", &["quota"], ""),
    r("deployments", "deployment", &["deploy"], "apps"),
    r("replicasets", "replicaset", &["rs"], "apps"),
    r("statefulsets", "statefulset", &["sts"], "apps"),
    r("daemonsets", "daemonset", &["ds"], "apps"),
    r("jobs", "job", &[], "batch"),
    r("cronjobs", "cronjob", &["cj"], "batch"),
    r(
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        &["hpa"],
        "autoscaling",
    ),
    r(
        "poddisruptionbudgets",
        "poddisruptionbudget",
        &["pdb"],
        "policy",
    ),
    r("ingresses", "ingress", &["ing"], "networking.k8s.io"),
    r(
        "networkpolicies",
        "networkpolicy",
        &["netpol"],
        "networking.k8s.io",
    ),
    r("endpointslices", "endpointslice", &[], "discovery.k8s.io"),
    r("events", "event", &["ev"], ""),
];

/// A version as the API spells it: `v1`, `v2`, `v1beta1`, `v1alpha2`.
fn is_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (num, tail) = rest.split_at(digits);
    if num.is_empty() || num.starts_with('0') {
        return false;
    }
    tail.is_empty()
        || ["alpha", "beta"].iter().any(|s| {
            tail.strip_prefix(s)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Is `word` (as kubectl takes it: `deploy`, `deployments.apps`, `deployment.v1.apps`) a
/// namespaced kind a lab may change?
pub(super) fn changeable(word: &str) -> bool {
    let word = word.to_ascii_lowercase();
    let (name, qualifier) = match word.split_once('.') {
        Some((n, q)) => (n, Some(q)),
        None => (word.as_str(), None),
    };
    NAMESPACED.iter().any(|res| {
        let named = res.plural == name || res.singular == name || res.short.contains(&name);
        let grouped = match qualifier {
            None => true,
            // The core group has no name to qualify with.
            Some(_) if res.group.is_empty() => false,
            Some(q) => {
                q == res.group
                    || q.split_once('.')
                        .is_some_and(|(v, g)| is_version(v) && g == res.group)
            }
        };
        named && grouped
    })
}

/// Is a manifest's `apiVersion`/`kind` a namespaced kind a lab may create?
pub(super) fn manifest_kind(api_version: &str, kind: &str) -> bool {
    let (group, version) = match api_version.rsplit_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    is_version(version)
        && NAMESPACED
            .iter()
            .any(|res| res.singular == kind.to_ascii_lowercase() && res.group == group)
}

/// A resource name as `kubectl get` takes it (a check's `kind`): lowercase letters, digits, `.`
/// and `-`, starting with a letter, so that it is never read as a flag or a file.
pub(super) fn is_resource_name(word: &str) -> bool {
    word.len() <= 253
        && word.starts_with(|c: char| c.is_ascii_lowercase())
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_namespaced_kinds_in_their_own_group_are_changeable() {
        for ok in [
            "pods",
            "po",
            "Deployment",
            "deployments.apps",
            "deployment.v1.apps",
            "hpa",
            "ingress.networking.k8s.io",
        ] {
            assert!(changeable(ok), "{ok}");
        }
        for no in [
            "clusterrolebinding.rbac.authorization.k8s.io",
            "clusterrolebindings",
            "namespaces",
            "nodes",
            "customresourcedefinitions",
            "crd",
            "validatingwebhookconfigurations",
            "apiservices",
            "priorityclasses",
            "pv",
            "rolebindings",
            "pods.evil.example.com",
            "deployments.v1.evil",
            "pods.v1",
            "deployments.v01.apps",
            "",
        ] {
            assert!(!changeable(no), "{no}");
        }
    }

    #[test]
    fn manifest_kinds_need_their_group() {
        assert!(manifest_kind("apps/v1", "Deployment"));
        assert!(manifest_kind("v1", "Pod"));
        assert!(manifest_kind("batch/v1", "CronJob"));
        assert!(!manifest_kind(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding"
        ));
        assert!(!manifest_kind("evil.example.com/v1", "Pod"));
        assert!(!manifest_kind("v1", "Namespace"));
        assert!(!manifest_kind("apps/v1", "Pod"));
    }

    #[test]
    fn resource_names_cannot_be_flags() {
        assert!(is_resource_name("pods"));
        assert!(is_resource_name("deployments.apps"));
        assert!(!is_resource_name("-f=http://x"));
        assert!(!is_resource_name("pods/x"));
        assert!(!is_resource_name("Pods"));
    }
}
