//! `doctor --workshop` rows on fixture machines with fixed facts: what an attendee reads out.

use super::fixtures::{check, environment};
use crate::platform::checks::workshop::*;
use crate::platform::*;

const GIB: u64 = 1 << 30;

fn plan(nodes: usize) -> WorkshopPlan {
    WorkshopPlan {
        nodes,
        control_planes: 1,
        ports: [80, 443]
            .map(|port| PlannedPort {
                address: "127.0.0.1".into(),
                port,
            })
            .to_vec(),
    }
}

fn facts(free_gib: u64) -> WorkshopFacts {
    WorkshopFacts {
        disk: Some(DiskSpace {
            path: "/var/lib/docker".into(),
            free_bytes: free_gib * GIB,
        }),
        image_bytes_to_load: 0,
        ports_in_use: vec![],
        ports_unknown: vec![],
        ports_owned: vec![],
        kubectl: None,
        unprivileged_port_start: Some(1024),
        vpn_interfaces: Some(vec![]),
        nameservers: Some(vec!["192.168.1.1".into()]),
    }
}

#[test]
fn this_machine_passes_with_warnings_only() {
    let (_, _, env) = environment("this-machine");
    let rows = workshop_checks(&env, &plan(2), &facts(60));
    assert!(!is_blocking(&rows), "{rows:#?}");
    let ids: Vec<&str> = rows.iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        [
            "engine", "os-type", "arch", "cpus", "memory", "disk", "ports", "inotify", "cgroup",
            "proxy", "vpn-dns"
        ]
    );
    assert_eq!(check(&rows, "disk").status, Status::Ok);
    assert_eq!(
        check(&rows, "ports").found,
        "127.0.0.1:80, 127.0.0.1:443 free"
    );
}

#[test]
fn disk_needs_the_image_and_a_gigabyte_per_node() {
    let (_, _, env) = environment("this-machine");
    let p = plan(3);
    assert_eq!(disk_need(&p, 0), (3 * GIB, 5 * GIB));
    assert_eq!(disk_need(&p, IMAGE_ESTIMATE_BYTES), (6 * GIB, 8 * GIB));
    let ha = WorkshopPlan {
        control_planes: 3,
        ..plan(3)
    };
    assert_eq!(
        disk_need(&ha, 0).0,
        4 * GIB,
        "the load balancer counts as a node"
    );
    let mut f = facts(4);
    let row = |f: &WorkshopFacts| check(&workshop_checks(&env, &p, f), "disk").clone();
    assert_eq!(row(&f).status, Status::Warn);
    f.image_bytes_to_load = IMAGE_ESTIMATE_BYTES;
    let short = row(&f);
    assert_eq!(short.status, Status::Fail);
    assert!(short
        .fix
        .unwrap()
        .starts_with("free 4.0 GiB at /var/lib/docker"));
    f.disk = None;
    assert_eq!(row(&f).status, Status::Warn);
}

#[test]
fn a_taken_port_fails_and_names_the_tool_for_this_os() {
    let (_, _, env) = environment("this-machine");
    let mut f = facts(60);
    f.ports_in_use = vec![PlannedPort {
        address: "127.0.0.1".into(),
        port: 80,
    }];
    let rows = workshop_checks(&env, &plan(1), &f);
    let ports = check(&rows, "ports");
    assert_eq!(ports.status, Status::Fail);
    assert_eq!(ports.found, "127.0.0.1:80 already in use");
    assert!(ports
        .fix
        .as_deref()
        .unwrap()
        .contains("ss -ltnp 'sport = :80'"));
    assert!(is_blocking(&rows));

    let (_, _, mac) = environment("dd-mac-arm64");
    let rows = workshop_checks(&mac, &plan(1), &f);
    assert!(check(&rows, "ports")
        .fix
        .as_deref()
        .unwrap()
        .contains("lsof -nP -iTCP:80"));
}

#[test]
fn the_attendees_own_cluster_holds_its_ports_without_failing() {
    let (_, _, env) = environment("this-machine");
    let mut f = facts(60);
    let p80 = plan(1).ports[0].clone();
    f.ports_in_use = vec![p80.clone()];
    f.ports_owned = vec![crate::platform::checks::ports::OwnedPort {
        port: p80,
        cluster: "workshop".into(),
    }];
    let rows = workshop_checks(&env, &plan(1), &f);
    let ports = check(&rows, "ports");
    assert_eq!(ports.status, Status::Ok, "{ports:?}");
    assert_eq!(
        ports.found,
        "127.0.0.1:80 held by your minik cluster `workshop`: this is your cluster (to make the \
         workshop's cluster again, run `minik delete --name workshop` first)"
    );
    assert!(!is_blocking(&rows));
    // Something else on 443 still fails, named alone.
    f.ports_in_use.push(plan(1).ports[1].clone());
    let ports = check(&workshop_checks(&env, &plan(1), &f), "ports").clone();
    assert_eq!(ports.status, Status::Fail);
    assert_eq!(ports.found, "127.0.0.1:443 already in use");
}

#[test]
fn a_port_this_user_may_not_bind_and_nobody_answers_is_a_warning_per_os() {
    let mut f = facts(60);
    f.ports_unknown = vec![plan(1).ports[0].clone()];
    for (machine, lookup) in [
        ("this-machine", "sudo ss -ltnp 'sport = :80'"),
        ("dd-mac-arm64", "sudo lsof -nP -iTCP:80 -sTCP:LISTEN"),
    ] {
        let (_, _, env) = environment(machine);
        let rows = workshop_checks(&env, &plan(1), &f);
        let ports = check(&rows, "ports");
        assert_eq!(ports.status, Status::Warn, "{machine}");
        assert!(
            ports.found.contains("may not bind ports below 1024"),
            "{ports:?}"
        );
        assert!(ports.fix.as_deref().unwrap().contains(lookup), "{ports:?}");
    }
}

#[test]
fn rootless_engines_cannot_publish_80_without_the_sysctl() {
    let (_, _, env) = environment("rootless-docker");
    assert!(env.rootless);
    let rows = workshop_checks(&env, &plan(1), &facts(60));
    let ports = check(&rows, "ports");
    assert_eq!(ports.status, Status::Fail, "{ports:?}");
    assert!(ports
        .fix
        .as_deref()
        .unwrap()
        .starts_with("sudo sysctl net.ipv4.ip_unprivileged_port_start=80"));
    assert!(rows.iter().any(|c| c.id == "rootless"));
}

#[test]
fn a_vpn_is_a_warning_with_the_wsl_settings_on_windows() {
    let (_, _, env) = environment("this-machine");
    let mut f = facts(60);
    f.vpn_interfaces = Some(vpn_interfaces(&[
        "lo".into(),
        "eth0".into(),
        "wg0".into(),
        "tun1".into(),
    ]));
    let rows = workshop_checks(&env, &plan(1), &f);
    let vpn = check(&rows, "vpn-dns");
    assert_eq!(vpn.status, Status::Warn);
    assert_eq!(vpn.found, "VPN interface(s) up: wg0, tun1; DNS 192.168.1.1");
    assert!(!vpn.fix.as_deref().unwrap().contains("wslconfig"));

    let (_, _, wsl) = environment("wsl-docker-ce");
    let rows = workshop_checks(&wsl, &plan(1), &f);
    assert!(check(&rows, "vpn-dns")
        .fix
        .as_deref()
        .unwrap()
        .contains("dnsTunneling=true"));
    assert!(
        rows.iter().any(|c| c.id == "wsl-kernel"),
        "WSL rows come along"
    );

    f.nameservers = Some(vec![]);
    assert_eq!(
        check(&workshop_checks(&env, &plan(1), &f), "vpn-dns").found,
        "/etc/resolv.conf names no nameserver"
    );
    assert_eq!(
        nameservers("# x\nnameserver 1.1.1.1\nsearch lan\nnameserver ::1 \n"),
        ["1.1.1.1", "::1"]
    );
}

#[test]
fn docker_desktop_memory_fails_for_the_planned_cluster() {
    // The old 2 GB Docker Desktop VM cannot hold a 3-node workshop cluster: the fix is the UI path.
    let (_, _, env) = environment("dd-mac-intel");
    let rows = workshop_checks(&env, &plan(3), &facts(60));
    let mem = check(&rows, "memory");
    assert_eq!(mem.status, Status::Fail);
    assert!(mem
        .fix
        .as_deref()
        .unwrap()
        .contains("Docker Desktop → Settings → Resources"));
    let f = WorkshopFacts {
        vpn_interfaces: None,
        ..facts(60)
    };
    assert_eq!(
        check(&workshop_checks(&env, &plan(3), &f), "vpn-dns").status,
        Status::Ok
    );
}

#[test]
fn kubectl_is_checked_against_the_clusters_minor_version() {
    use crate::platform::checks::kubectl::{within_skew, KubectlFacts};
    let v = |s: &str| -> crate::k8s_version::KubeVersion { s.parse().unwrap() };
    assert!(within_skew(&v("v1.35.9"), &v("v1.36.4")));
    assert!(within_skew(&v("v1.37.0"), &v("v1.36.4")));
    assert!(!within_skew(&v("v1.34.2"), &v("v1.36.4")));
    assert!(!within_skew(&v("v2.36.0"), &v("v1.36.4")));

    let (_, _, env) = environment("this-machine");
    let mut f = facts(60);
    f.kubectl = Some(KubectlFacts {
        client: None,
        server: v("v1.36.4"),
    });
    let row = |f: &WorkshopFacts| check(&workshop_checks(&env, &plan(1), f), "kubectl").clone();
    let missing = row(&f);
    assert_eq!(missing.status, Status::Warn);
    let fix = missing.fix.unwrap();
    assert!(
        fix.contains("https://dl.k8s.io/release/v1.36.4/bin/linux/"),
        "{fix}"
    );
    assert!(fix.contains("`minik kubectl -- get nodes`"), "{fix}");
    for (client, status) in [
        ("v1.32.4-dispatcher", Status::Warn),
        ("v1.35.1", Status::Ok),
        ("v1.37.0", Status::Ok),
        ("devel", Status::Warn),
    ] {
        f.kubectl.as_mut().unwrap().client = Some(client.into());
        assert_eq!(row(&f).status, status, "{client}");
    }
    let (_, _, mac) = environment("dd-mac-arm64");
    let k = crate::platform::checks::kubectl::kubectl(&mac, f.kubectl.as_ref().unwrap());
    assert!(k.fix.unwrap().contains("bin/darwin/arm64/kubectl"));
}
