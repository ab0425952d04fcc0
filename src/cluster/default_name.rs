//! Which cluster a command that reads or teaches acts on when `--name` is not given. A workshop's
//! cluster is named `workshop`, and an attendee who then types `minik tour` or `minik get nodes`
//! means the cluster they just made, not `minik`: so the cluster of kubectl's current context
//! when it is a minik cluster, else the only minik cluster, else `minik`. Commands that remove
//! or stop (`delete`, `stop`) never guess, as kind keeps `kind`.

use std::collections::BTreeSet;

use crate::config::DEFAULT_CLUSTER_NAME;
use crate::kubeconfig::minik_context_name;
use crate::provider::Provider;

/// The cluster chosen, and why (said to the user when it was guessed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chosen {
    pub name: String,
    pub why: Option<&'static str>,
}

/// The choice, from kubectl's current context and the minik clusters on the engine.
pub(crate) fn choose(current_context: Option<&str>, clusters: &BTreeSet<String>) -> Chosen {
    if let Some(c) = clusters
        .iter()
        .find(|c| current_context == Some(minik_context_name(c).as_str()))
    {
        return Chosen {
            name: c.clone(),
            why: Some("kubectl's current context"),
        };
    }
    if clusters.len() == 1 {
        if let Some(only) = clusters.iter().next() {
            return Chosen {
                name: only.clone(),
                why: Some("the only minik cluster"),
            };
        }
    }
    Chosen {
        name: DEFAULT_CLUSTER_NAME.to_string(),
        why: None,
    }
}

/// [`choose`] with kubectl's current context (the first kubeconfig file that sets one, as
/// kubectl merges them) and the engine's clusters; anything unreadable counts as absent.
pub(crate) async fn default_cluster(provider: &dyn Provider) -> Chosen {
    let current = crate::kubeconfig::kubeconfig_paths(None)
        .ok()
        .and_then(|paths| {
            paths
                .all
                .iter()
                .filter_map(|p| crate::kubeconfig::read_file(p).ok())
                .find_map(|c| c.current_context)
        });
    let clusters: BTreeSet<String> = match provider.list_nodes(None).await {
        Ok(nodes) => nodes.into_iter().map(|n| n.cluster).collect(),
        Err(_) => BTreeSet::new(),
    };
    choose(current.as_deref(), &clusters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_current_context_then_the_only_cluster_then_minik() {
        let two = set(&["minik", "workshop"]);
        let c = choose(Some("minik-workshop"), &two);
        assert_eq!(c.name, "workshop");
        assert_eq!(c.why, Some("kubectl's current context"));
        // A context of something else (kind, a cloud) is no minik cluster.
        assert_eq!(choose(Some("kind-kind"), &two).name, "minik");
        assert_eq!(choose(Some("minik-gone"), &two).why, None);
        let one = set(&["workshop"]);
        assert_eq!(choose(Some("kind-kind"), &one).name, "workshop");
        assert_eq!(choose(None, &one).why, Some("the only minik cluster"));
        assert_eq!(choose(None, &set(&[])).name, "minik");
    }
}
