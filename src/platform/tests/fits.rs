//! Issue #22: `minik doctor` and `doctor --workshop` on every fixture machine, problems
//! included, fit 80 and 100 columns without a word split. A line may be wider only when it is
//! one word that may not be cut (a quoted command, a path).

use super::fixtures::environment;
use crate::doctor::workshop::{Machine, WorkshopReport};
use crate::platform::checks::workshop::*;
use crate::platform::*;
use crate::text::wrap::columns;

pub(super) const CASES: [&str; 14] = [
    "btrfs",
    "colima",
    "dd-mac-arm64",
    "dd-mac-intel",
    "dd-win-hyperv",
    "dd-win-wsl2",
    "native-cgroup-v1",
    "native-cgroup-v2",
    "orbstack",
    "podman-rootless",
    "rancher-desktop",
    "rootless-docker",
    "this-machine",
    "wsl-docker-ce",
];

pub(super) fn plan() -> WorkshopPlan {
    WorkshopPlan {
        nodes: 3,
        control_planes: 1,
        ports: [80, 443]
            .map(|port| PlannedPort {
                address: "127.0.0.1".into(),
                port,
            })
            .to_vec(),
    }
}

/// A laptop with most of what can go wrong: a port taken, one unknown, a VPN, little disk.
pub(super) fn troubled() -> WorkshopFacts {
    let p = plan().ports;
    WorkshopFacts {
        disk: Some(DiskSpace {
            path: "/var/lib/docker".into(),
            free_bytes: 1 << 30,
        }),
        image_bytes_to_load: 3 << 30,
        ports_in_use: vec![p[0].clone()],
        ports_unknown: vec![p[1].clone()],
        ports_owned: vec![],
        kubectl: None,
        unprivileged_port_start: Some(1024),
        vpn_interfaces: Some(vpn_interfaces(&["wg0".into(), "tun1".into()])),
        nameservers: Some(vec!["10.8.0.1".into(), "192.168.1.1".into()]),
    }
}

fn fits(text: &str, width: usize, what: &str) {
    for l in text.lines() {
        let t = l.trim();
        let one_word = !t.contains(' ')
            || (t.starts_with('`') && t.ends_with('`'))
            || (t.starts_with('\'') && t.trim_end_matches([',', '.', ';']).ends_with('\''));
        assert!(
            columns(l) <= width || one_word,
            "{what}: {} columns > {width}:\n{l}\n\n{text}",
            columns(l)
        );
    }
}

/// Each of `parts` shows with its words whole and in order.
fn words_whole(parts: &[&str], text: &str, what: &str) {
    let shown: Vec<&str> = text.split_whitespace().collect();
    for part in parts {
        let want: Vec<&str> = part.split_whitespace().collect();
        assert!(
            want.is_empty() || shown.windows(want.len()).any(|w| w == want),
            "{what}: split or lost: {part}\n{text}"
        );
    }
}

#[test]
fn doctor_and_the_workshop_check_fit_80_and_100_columns() {
    for case in CASES {
        let (_, _, env) = environment(case);
        let doctor = checks(&env, &Request::new(3));
        let workshop = workshop_checks(&env, &plan(), &troubled());
        let report = WorkshopReport {
            ready: !is_blocking(&workshop),
            plan: plan(),
            machine: Machine {
                os: HostOs::Linux,
                arch: "amd64".into(),
                runtime: env.flavour.label_msg(),
                engine: "unix:///var/run/docker.sock".into(),
                minik_version: "0.1.0",
            },
            checks: workshop.clone(),
        };
        for width in [80, 100] {
            let what = format!("doctor on {case} at {width}");
            let text = crate::ui::doctor_text_at(&doctor, width);
            fits(&text, width, &what);
            for c in &doctor {
                let mut parts = vec![c.title.as_str(), c.found.as_str()];
                if c.status != Status::Ok {
                    parts.push(&c.why);
                    parts.extend(c.fix.as_deref());
                }
                words_whole(&parts, &text, &what);
            }
            let what = format!("doctor --workshop on {case} at {width}");
            let text = crate::ui::workshop_text_at(&report, width);
            fits(&text, width, &what);
            for c in &workshop {
                let mut parts = vec![c.title.as_str(), c.found.as_str()];
                if c.status != Status::Ok {
                    parts.extend(c.fix.as_deref());
                }
                words_whole(&parts, &text, &what);
            }
        }
    }
}
