//! Fixture cases for engines on a Linux kernel minik can see: native (cgroup v1, v2, btrfs),
//! docker-ce in WSL 2, rootless Docker, rootless Podman, and this machine.

use super::fixtures::{check, environment};
use crate::platform::*;

#[test]
fn docker_ce_inside_wsl2_without_systemd() {
    let (_, res, env) = environment("wsl-docker-ce");
    assert_eq!(env.flavour, Flavour::DockerCeInWsl2);
    assert_eq!(res.endpoint.source, EndpointSource::Default);
    assert_eq!(
        env.wsl,
        Some(Wsl {
            version: 2,
            distro: Some("Ubuntu".into()),
            systemd: false
        })
    );
    assert_eq!(env.cgroup.version, CgroupVersion::Hybrid);
    assert!(!env.cgroup.limits.cpus, "no CFS quota in /info");

    let rows = checks(&env, &Request::new(3));
    let k = check(&rows, "wsl-kernel");
    assert_eq!(k.status, Status::Warn);
    assert!(k.fix.as_deref().unwrap_or("").contains("wsl --update"));
    let ino = check(&rows, "inotify");
    assert_eq!(ino.status, Status::Warn);
    let fix = ino.fix.as_deref().unwrap_or("");
    assert!(fix.contains(
        "sudo sysctl -w fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512"
    ));
    assert!(
        fix.contains("/etc/sysctl.d/99-minik-inotify.conf") && fix.contains(".wslconfig"),
        "{fix}"
    );
    // The kubelet sees hybrid as v1: doctor says so, and create tells kubelets to allow it.
    let cg = check(&rows, "cgroup");
    assert_eq!(cg.status, Status::Warn, "hybrid counts as v1 for kubelets");
    assert!(cg.why.contains("failCgroupV1: false"), "{}", cg.why);
    assert!(check(&rows, "cgroup").found.contains("cannot apply --cpus"));

    let plan = plan_adjustments(&env, &Request::new(3));
    assert!(plan
        .allow_cgroup_v1
        .as_deref()
        .unwrap_or("")
        .contains("hybrid"));
    assert!(!plan.resource_limits.value.cpus);
    assert!(plan.resource_limits.reason.contains("--cpus"));
    assert!(!plan.node_ips_reachable.value);
    assert_eq!(
        plan.raise_inotify, None,
        "not a VM runtime: the user decides"
    );
}

#[test]
fn podman_rootless_on_fedora() {
    let (_, res, env) = environment("podman-rootless");
    assert_eq!(res.endpoint.source, EndpointSource::DockerHostEnv);
    assert_eq!(
        env.flavour,
        Flavour::Podman {
            rootless: true,
            machine: false
        }
    );
    assert!(env.rootless && env.selinux);
    assert!(env.rootless_ready());
    assert_eq!(
        env.engine.arch,
        Arch::Amd64,
        "Podman says amd64, Docker says x86_64"
    );
    assert_eq!(env.storage.backing_fs.as_deref(), Some("btrfs"));

    let plan = plan_adjustments(&env, &Request::new(2));
    assert!(plan.device_fuse.is_some());
    assert_eq!(plan.mount_dev_mapper, None, "never under rootless");
    let tweaks = plan.rootless.map(|r| r.value);
    assert_eq!(
        tweaks,
        Some(RootlessTweaks {
            kubelet_in_user_namespace: true,
            kube_proxy_leave_conntrack: true
        })
    );
    assert!(!plan.node_ips_reachable.value);
    assert!(plan.problems.is_empty());

    let rows = checks(&env, &Request::new(2));
    assert_eq!(
        check(&rows, "engine").status,
        Status::Ok,
        "Podman 5.2.3 is not 'Docker < 20.10'"
    );
    assert_eq!(check(&rows, "rootless").status, Status::Ok);
    assert!(!is_blocking(&rows), "{}", crate::ui::doctor_text(&rows));
}

#[test]
fn rootless_docker_without_cpu_delegation_is_blocked() {
    let (_, res, env) = environment("rootless-docker");
    assert_eq!(env.flavour, Flavour::RootlessDocker);
    assert_eq!(res.endpoint.host, "unix:///run/user/1000/docker.sock");
    assert!(!env.rootless_ready());
    assert_eq!(
        env.cgroup.delegated.as_deref(),
        Some(&["memory".to_string(), "pids".to_string()][..])
    );

    let plan = plan_adjustments(&env, &Request::new(1));
    assert!(plan.is_blocked());
    let p = &plan.problems[0];
    assert_eq!(p.id, "rootless");
    assert!(p.message.contains("cpu"), "{}", p.message);
    assert!(
        p.fix.contains("delegate.conf") && p.fix.contains("Delegate=cpu cpuset io memory pids")
    );

    let rows = checks(&env, &Request::new(1));
    let r = check(&rows, "rootless");
    assert_eq!(r.status, Status::Fail);
    assert!(
        r.found.contains("(delegated now: memory pids)"),
        "{}",
        r.found
    );
    assert!(is_blocking(&rows));
}

#[test]
fn native_linux_pure_cgroup_v1_on_xfs() {
    let (_, _, env) = environment("native-cgroup-v1");
    assert_eq!(env.flavour, Flavour::NativeLinux);
    assert_eq!(env.cgroup.version, CgroupVersion::V1);
    assert!(env.node_ips_reachable());

    let plan = plan_adjustments(&env, &Request::new(3));
    assert!(plan
        .mount_dev_mapper
        .as_deref()
        .unwrap_or("")
        .contains("xfs"));
    assert_eq!(plan.network_mtu.as_ref().map(|m| m.value), Some(9001));
    assert!(plan.node_ips_reachable.value);
    assert_eq!(plan.publish_address.value, "127.0.0.1");
    assert_eq!(plan.raise_inotify, None);

    let rows = checks(&env, &Request::new(3));
    let cg = check(&rows, "cgroup");
    assert_eq!(cg.status, Status::Warn);
    assert!(cg
        .fix
        .as_deref()
        .unwrap_or("")
        .contains("systemd.unified_cgroup_hierarchy=1"));
    assert_eq!(check(&rows, "inotify").status, Status::Warn);
    assert_eq!(check(&rows, "memory").status, Status::Ok);
    assert!(!is_blocking(&rows));
}

#[test]
fn native_linux_cgroup_v2_behind_a_proxy_and_vpn() {
    let (_, _, env) = environment("native-cgroup-v2");
    assert_eq!(env.flavour, Flavour::NativeLinux);
    assert_eq!(env.cgroup.version, CgroupVersion::V2);
    assert_eq!(env.proxy.source, ProxySource::Env);

    let mut req = Request::new(2);
    req.node_names = vec!["minik-control-plane".into(), "minik-worker".into()];
    req.node_subnets = vec!["172.19.0.0/16".into()];
    let plan = plan_adjustments(&env, &req);
    assert_eq!(plan.network_mtu.as_ref().map(|m| m.value), Some(1450));
    let proxy_env = plan.node_proxy_env.map(|p| p.value).unwrap_or_default();
    let no_proxy = proxy_env
        .iter()
        .find(|(k, _)| k == "no_proxy")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        no_proxy,
        Some(
            ".corp.example,localhost,127.0.0.1,172.19.0.0/16,minik-control-plane,minik-worker,\
             10.244.0.0/16,10.96.0.0/16,.svc,.svc.cluster,.svc.cluster.local"
        )
    );
    assert!(proxy_env.contains(&(
        "HTTPS_PROXY".into(),
        "http://proxy.corp.example:3128".into()
    )));

    let rows = checks(&env, &Request::new(2));
    assert_eq!(
        check(&rows, "proxy").status,
        Status::Warn,
        "NO_PROXY lacks 127.0.0.1"
    );
    let ino = check(&rows, "inotify");
    assert_eq!(ino.status, Status::Warn, "128 instances");
    assert!(
        ino.fix
            .as_deref()
            .unwrap_or("")
            .contains("max_user_watches=1048576 fs.inotify.max_user_instances=512"),
        "keeps the higher watch limit"
    );
}

#[test]
fn btrfs_driver_with_selinux_and_userns_remap() {
    let (_, _, env) = environment("btrfs");
    assert_eq!(env.flavour, Flavour::NativeLinux);
    assert!(env.userns_remap && env.selinux);
    let plan = plan_adjustments(&env, &Request::new(1));
    assert!(plan
        .mount_dev_mapper
        .as_deref()
        .unwrap_or("")
        .contains("btrfs"));
    assert!(plan.userns_host.is_some());
    assert_eq!(plan.device_fuse, None);
    let rows = checks(&env, &Request::new(1));
    assert_eq!(check(&rows, "storage").status, Status::Ok);
    assert!(check(&rows, "userns").found.contains("--userns=host"));
    assert!(!is_blocking(&rows), "{}", crate::ui::doctor_text(&rows));
}

#[test]
fn this_machine_hybrid_cgroups_fuse_overlayfs_and_refused_privileged() {
    let (_, res, env) = environment("this-machine");
    assert_eq!(res.endpoint.host, "unix:///var/run/docker.sock");
    assert_eq!(env.flavour, Flavour::NativeLinux);
    assert_eq!(env.cgroup.version, CgroupVersion::Hybrid);
    assert_eq!(env.cgroup.driver, "cgroupfs");
    assert_eq!(env.storage.driver, "fuse-overlayfs");
    assert_eq!(env.engine.server_version, "20.10.24+dfsg1");
    assert_eq!(env.engine.api_version.as_deref(), Some("1.41"));
    assert!(!env.rootless);

    let plan = plan_adjustments(&env, &Request::new(1));
    assert_eq!(plan.privileges.value, PrivilegeMode::ExplicitCapabilities);
    assert_eq!(plan.network_mtu.as_ref().map(|m| m.value), Some(1400));
    assert!(plan.node_ips_reachable.value);
    assert_eq!(plan.device_fuse, None);
    assert_eq!(plan.mount_dev_mapper, None);

    let rows = checks(&env, &Request::new(1));
    assert_eq!(check(&rows, "privileged").status, Status::Warn);
    assert_eq!(check(&rows, "cgroup").status, Status::Warn);
    assert_eq!(check(&rows, "engine").status, Status::Ok);
    assert_eq!(check(&rows, "inotify").status, Status::Warn);
    assert_eq!(
        check(&rows, "cpus").status,
        Status::Ok,
        "2 CPUs for one node"
    );
    assert!(!is_blocking(&rows), "{}", crate::ui::doctor_text(&rows));
    let text = crate::ui::doctor_text(&rows);
    assert!(
        text.lines()
            .next()
            .unwrap_or("")
            .starts_with("✓ Engine reachable"),
        "{text}"
    );
    assert!(text.contains("! Privileged containers"));
}

#[test]
fn reading_the_real_host_does_not_panic() {
    let host = HostFacts::from_host();
    assert_eq!(host.os, HostOs::current());
    let _ = host.wsl();
}

#[test]
fn an_engine_that_omits_architecture_is_not_blocked() {
    let (case, res, _) = environment("podman-rootless");
    let mut info = case.info.clone();
    info.as_object_mut().map(|o| o.remove("Architecture"));
    let env = Environment::build(&info, case.version.as_ref(), &res.endpoint, &case.host).unwrap();
    assert_eq!(
        env.engine.arch,
        Arch::Amd64,
        "taken from this host: the engine is local"
    );
    assert!(plan_adjustments(&env, &Request::new(1)).problems.is_empty());
}
