//! The `service-rules` view: the NAT rules kube-proxy wrote on a node for the lab's Services,
//! read with `iptables-save -t nat` on the node and shown one rule a line, shortened to what a
//! learner follows (the chain, what it matches, where it jumps or rewrites to).

use serde_json::Value;

use super::access::Access;
use super::views::Shown;
use crate::cluster::ClusterError;

/// The node to read: the first worker by name, else the first node (rules are the same on
/// every node).
fn node_to_read(nodes: &Value) -> Option<String> {
    let mut names: Vec<(bool, &str)> = nodes["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| {
            let name = n["metadata"]["name"].as_str()?;
            let cp = n["metadata"]["labels"]
                .get("node-role.kubernetes.io/control-plane")
                .is_some();
            Some((cp, name))
        })
        .collect();
    names.sort();
    names.first().map(|(_, n)| n.to_string())
}

pub(super) async fn service_rules(
    access: &dyn Access,
    nodes: &Value,
    namespace: &str,
) -> Result<Shown, ClusterError> {
    let Some(node) = node_to_read(nodes) else {
        return Ok(Shown {
            heading: "iptables-save -t nat".into(),
            lines: Vec::new(),
        });
    };
    let out = access
        .on_node(&node, &["iptables-save", "-t", "nat"])
        .await?;
    Ok(Shown {
        heading: format!("docker exec {node} iptables-save -t nat"),
        lines: rule_lines(&out.stdout_text(), namespace),
    })
}

/// The word after `flag` in `words`.
fn after<'a>(words: &[&'a str], flag: &str) -> Option<&'a str> {
    words
        .iter()
        .position(|w| *w == flag)
        .and_then(|i| words.get(i + 1).copied())
}

/// A rule's comment: quoted (`"ns/name cluster IP"`) or one word (`ns/name`).
fn comment(rule: &str) -> Option<String> {
    let rest = rule.split_once("--comment ")?.1;
    match rest.strip_prefix('"') {
        Some(quoted) => Some(quoted.split('"').next()?.to_string()),
        None => Some(rest.split_whitespace().next()?.to_string()),
    }
}

/// The rules of `namespace`'s Services in `save` (iptables-save's output), shortened.
pub(super) fn rule_lines(save: &str, namespace: &str) -> Vec<String> {
    let mine = format!("{namespace}/");
    let mut out = Vec::new();
    for rule in save.lines() {
        let rule: String = rule.chars().filter(|c| !c.is_control()).collect();
        let Some(spec) = rule.strip_prefix("-A ") else {
            continue;
        };
        let Some(service) = comment(&rule).filter(|c| c.starts_with(&mine)) else {
            continue;
        };
        let service = service[mine.len()..].split([' ', ':']).next().unwrap_or("");
        let words: Vec<&str> = spec.split_whitespace().collect();
        let chain = words.first().copied().unwrap_or("?");
        let Some(target) = after(&words, "-j") else {
            continue;
        };
        if target == "KUBE-MARK-MASQ" {
            continue; // the source-NAT marks: true but beside the point here
        }
        let matched = match (after(&words, "-d"), after(&words, "--dport")) {
            (Some(d), Some(p)) => format!(" {}:{p}", d.trim_end_matches("/32")),
            (None, Some(p)) => format!(" :{p}"),
            _ => after(&words, "--probability")
                .map(|p| format!(" random {p}"))
                .unwrap_or_default(),
        };
        let to = after(&words, "--to-destination")
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        out.push(format!("{chain}{matched} -> {target}{to} ({service})"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_services_chains_read_from_clusterip_to_pod() {
        let save = r#"*nat
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -m comment --comment "minik-reach/hello cluster IP" -m tcp -p tcp -d 10.96.0.12/32 --dport 80 -j KUBE-SVC-AAAA
-A KUBE-SVC-AAAA -m comment --comment "minik-reach/hello cluster IP" -m tcp -p tcp -d 10.96.0.12/32 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-AAAA -m comment --comment "minik-reach/hello -> 10.244.1.5:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-BBBB
-A KUBE-SEP-BBBB -m comment --comment minik-reach/hello -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-NODEPORTS -m comment --comment minik-reach/hello-nodeport -m tcp -p tcp --dport 30080 -j KUBE-EXT-CCCC
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10/32 --dport 53 -j KUBE-SVC-DNS
-A KUBE-SERVICES -m comment --comment "minik-reachx/other cluster IP" -d 10.96.0.9/32 --dport 80 -j KUBE-SVC-X
COMMIT
"#;
        assert_eq!(
            rule_lines(save, "minik-reach"),
            [
                "KUBE-SERVICES 10.96.0.12:80 -> KUBE-SVC-AAAA (hello)",
                "KUBE-SVC-AAAA random 0.5000000000 -> KUBE-SEP-BBBB (hello)",
                "KUBE-SEP-BBBB -> DNAT 10.244.1.5:8080 (hello)",
                "KUBE-NODEPORTS :30080 -> KUBE-EXT-CCCC (hello-nodeport)",
            ]
        );
    }

    #[test]
    fn what_a_node_prints_is_shown_never_obeyed() {
        let save =
            "-A KUBE-SEP-X -m comment --comment ns/a\u{1b}[2J -j DNAT --to-destination 1.2.3.4:80";
        assert_eq!(
            rule_lines(save, "ns"),
            ["KUBE-SEP-X -> DNAT 1.2.3.4:80 (a[2J)"]
        );
    }
}
