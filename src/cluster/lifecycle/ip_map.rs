//! The pure half of start's address repair: which addresses changed, and rewriting them in
//! text (whole addresses only, in one pass, so swapped addresses never chain). The node I/O
//! around it is in `readdress.rs`.

use std::collections::BTreeMap;

/// A node whose address differs from the one it had at its previous boot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct IpChange {
    pub(crate) node: String,
    pub(crate) old: String,
    pub(crate) new: String,
}

/// Nodes whose address of one family differs between `before` and `after`. Addresses are
/// matched by family (IPv4 with IPv4); a node with no record before is not a change.
pub(super) fn ip_changes(
    before: &[(String, Vec<String>)],
    after: &[(String, Vec<String>)],
) -> Vec<IpChange> {
    let is_v6 = |s: &str| s.contains(':');
    let mut out = Vec::new();
    for (node, old_ips) in before {
        let Some((_, new_ips)) = after.iter().find(|(n, _)| n == node) else {
            continue;
        };
        for old in old_ips {
            if let Some(new) = new_ips.iter().find(|n| is_v6(n) == is_v6(old)) {
                if new != old {
                    out.push(IpChange {
                        node: node.clone(),
                        old: old.clone(),
                        new: new.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The old → new replacements to apply on `node`: other nodes' changes only (the entrypoint
/// already rewrote the node's own address), minus those that would be ambiguous because the
/// node's own new address equals another node's old one (the text cannot tell them apart).
pub(super) fn replacements_for(
    node: &str,
    own_ips: &[String],
    changes: &[IpChange],
) -> (BTreeMap<String, String>, Vec<IpChange>) {
    let mut map = BTreeMap::new();
    let mut ambiguous = Vec::new();
    for c in changes.iter().filter(|c| c.node != node) {
        if own_ips.contains(&c.old) {
            ambiguous.push(c.clone());
        } else {
            map.insert(c.old.clone(), c.new.clone());
        }
    }
    (map, ambiguous)
}

/// Replace whole addresses in one pass (so that swapped addresses don't chain): an address
/// matches only when not preceded or followed by more of an address (digits, dots, and for
/// IPv6 hex digits and colons), so `10.0.0.1` leaves `10.0.0.12` alone.
pub(super) fn rewrite_ips(text: &str, map: &BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return text.to_string();
    }
    let part_of = |c: char, v6: bool| {
        c.is_ascii_digit() || c == '.' || (v6 && (c.is_ascii_hexdigit() || c == ':'))
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'scan: while i < text.len() {
        let rest = &text[i..];
        // Longest first, so that a shorter address never shadows a longer one.
        let mut keys: Vec<&String> = map
            .keys()
            .filter(|k| rest.starts_with(k.as_str()))
            .collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
        for old in keys {
            let v6 = old.contains(':');
            let before = text[..i].chars().next_back();
            let after = rest[old.len()..].chars().next();
            // A dot after the address ends a sentence unless a digit follows it.
            let after_is_part = match after {
                Some('.') => rest[old.len() + 1..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit()),
                Some(c) => part_of(c, v6),
                None => false,
            };
            if !before.is_some_and(|c| part_of(c, v6)) && !after_is_part {
                out.push_str(&map[old]);
                i += old.len();
                continue 'scan;
            }
        }
        let Some(c) = rest.chars().next() else { break };
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Every change as one old → new map (for files holding old addresses only). An old address
/// claimed by two nodes with different new ones (possible only after restarts behind minik's
/// back) is left out rather than guessed.
pub(super) fn full_map(changes: &[IpChange]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut conflicts = Vec::new();
    for c in changes {
        match map.get(&c.old) {
            Some(new) if new != &c.new => conflicts.push(c.old.clone()),
            _ => {
                map.insert(c.old.clone(), c.new.clone());
            }
        }
    }
    for old in conflicts {
        map.remove(&old);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(ips: &[&str]) -> Vec<String> {
        ips.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_previous_address_of_a_node_counts() {
        let before = vec![("a".to_string(), v(&["172.18.0.2", "172.18.0.5"]))];
        let after = vec![("a".to_string(), v(&["172.18.0.5"]))];
        let changes = ip_changes(&before, &after);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].old.as_str(), changes[0].new.as_str()),
            ("172.18.0.2", "172.18.0.5")
        );
    }

    #[test]
    fn finds_changed_addresses_per_family() {
        let before = vec![
            ("a".to_string(), v(&["172.18.0.2", "fc00::2"])),
            ("b".to_string(), v(&["172.18.0.3"])),
            ("c".to_string(), v(&[])),
        ];
        let after = vec![
            ("a".to_string(), v(&["172.18.0.4", "fc00::2"])),
            ("b".to_string(), v(&["172.18.0.3"])),
            ("c".to_string(), v(&["172.18.0.9"])),
        ];
        assert_eq!(
            ip_changes(&before, &after),
            vec![IpChange {
                node: "a".into(),
                old: "172.18.0.2".into(),
                new: "172.18.0.4".into()
            }]
        );
    }

    #[test]
    fn rewrites_whole_addresses_in_one_pass() {
        // A swap: .2 ↔ .3 must not chain into .2 → .3 → .2.
        let map: BTreeMap<String, String> = [
            ("172.18.0.2".to_string(), "172.18.0.3".to_string()),
            ("172.18.0.3".to_string(), "172.18.0.2".to_string()),
        ]
        .into();
        let text = "--initial-cluster=a=https://172.18.0.2:2380,b=https://172.18.0.3:2380\n\
                    keep 172.18.0.23 and 10.172.18.0.2 and 172.18.0.2.5; end 172.18.0.2.\n";
        assert_eq!(
            rewrite_ips(text, &map),
            "--initial-cluster=a=https://172.18.0.3:2380,b=https://172.18.0.2:2380\n\
             keep 172.18.0.23 and 10.172.18.0.2 and 172.18.0.2.5; end 172.18.0.3.\n"
        );
        let v6: BTreeMap<String, String> = [("fc00::2".to_string(), "fc00::5".to_string())].into();
        assert_eq!(
            rewrite_ips("[fc00::2]:6443 fc00::2a", &v6),
            "[fc00::5]:6443 fc00::2a"
        );
        assert_eq!(
            rewrite_ips("ünïcode 1.2.3.4", &BTreeMap::new()),
            "ünïcode 1.2.3.4"
        );
    }

    #[test]
    fn leaves_own_and_ambiguous_addresses_to_the_entrypoint() {
        let changes = vec![
            IpChange {
                node: "a".into(),
                old: "172.18.0.2".into(),
                new: "172.18.0.5".into(),
            },
            IpChange {
                node: "b".into(),
                old: "172.18.0.3".into(),
                new: "172.18.0.2".into(),
            },
        ];
        // On b: a's old address is b's new one, so "172.18.0.2" in b's files is ambiguous.
        let (map, ambiguous) = replacements_for("b", &v(&["172.18.0.2"]), &changes);
        assert!(map.is_empty());
        assert_eq!(ambiguous.len(), 1);
        // On c: both are other nodes' changes.
        let (map, ambiguous) = replacements_for("c", &v(&["172.18.0.4"]), &changes);
        assert_eq!(map.len(), 2);
        assert!(ambiguous.is_empty());
    }

    #[test]
    fn pre_boot_files_take_every_change_at_once_even_a_swap() {
        // Control planes a (.2 → .3) and b (.3 → .2) swapped; b's manifest before its boot
        // names itself (.3) and a (.2, the state owner).
        let changes = vec![
            IpChange {
                node: "a".into(),
                old: "172.18.0.2".into(),
                new: "172.18.0.3".into(),
            },
            IpChange {
                node: "b".into(),
                old: "172.18.0.3".into(),
                new: "172.18.0.2".into(),
            },
        ];
        let pre = "--advertise-address=172.18.0.3\nstate-endpoint: 172.18.0.2:6443\n";
        assert_eq!(
            rewrite_ips(pre, &full_map(&changes)),
            "--advertise-address=172.18.0.2\nstate-endpoint: 172.18.0.3:6443\n"
        );
        // Two records for one node (restarted behind minik's back): both old ones move; an
        // old address two nodes claim differently is not guessed.
        let mut more = changes.clone();
        more.push(IpChange {
            node: "a".into(),
            old: "172.18.0.9".into(),
            new: "172.18.0.3".into(),
        });
        more.push(IpChange {
            node: "c".into(),
            old: "172.18.0.2".into(),
            new: "172.18.0.7".into(),
        });
        let map = full_map(&more);
        assert_eq!(
            map.get("172.18.0.9").map(String::as_str),
            Some("172.18.0.3")
        );
        assert_eq!(map.get("172.18.0.2"), None);
    }
}
