//! Fixture cases for VM runtimes: Docker Desktop (macOS, Windows WSL 2 / Hyper-V), Rancher
//! Desktop, Colima, OrbStack.

use super::fixtures::{check, environment};
use crate::platform::*;

fn dd(os: DesktopOs, backend: DesktopBackend) -> Flavour {
    Flavour::DockerDesktop { os, backend }
}

#[test]
fn docker_desktop_mac_intel_with_the_old_2gb_vm() {
    let (_, res, env) = environment("dd-mac-intel");
    assert_eq!(env.flavour, dd(DesktopOs::Mac, DesktopBackend::Vm));
    assert_eq!(
        res.endpoint.source,
        EndpointSource::CurrentContext {
            name: "desktop-linux".into(),
            config_file: "/Users/ana/.docker/config.json".into()
        }
    );
    assert_eq!(
        res.endpoint.host,
        "unix:///Users/ana/.docker/run/docker.sock"
    );
    assert!(res.alternatives.is_empty());
    assert_eq!(env.engine.arch, Arch::Amd64);
    assert_eq!(env.engine.desktop_version.as_deref(), Some("4.34.0"));
    assert_eq!(env.cgroup.version, CgroupVersion::V2);
    assert_eq!(env.storage.backing_fs.as_deref(), Some("extfs"));
    assert!(!env.storage.containerd_snapshotter);
    assert_eq!(
        env.proxy.engine_proxy, None,
        "Docker Desktop's internal proxy is ignored"
    );
    assert_eq!(env.inotify, None, "host /proc says nothing about the VM");

    let rows = checks(&env, &Request::new(3));
    let mem = check(&rows, "memory");
    assert_eq!(mem.status, Status::Fail);
    assert!(
        mem.found
            .starts_with("1.9 GiB in the engine; 3 node(s) need 5.0 GiB"),
        "{}",
        mem.found
    );
    let fix = mem.fix.as_deref().unwrap_or("");
    assert!(
        fix.contains("Settings → Resources → Advanced") && fix.contains("at least 5 GB"),
        "{fix}"
    );
    assert_eq!(check(&rows, "cpus").status, Status::Warn);
    assert_eq!(
        check(&rows, "engine").status,
        Status::Warn,
        "4.34.0 is known bad on macOS"
    );
    assert_eq!(check(&rows, "inotify").status, Status::Ok);
    assert!(is_blocking(&rows));
    assert!(rows.iter().all(|c| c.id != "wsl-kernel"));

    let plan = plan_adjustments(&env, &Request::new(3));
    assert!(!plan.node_ips_reachable.value);
    assert_eq!(plan.publish_address.value, "127.0.0.1");
    assert!(plan.raise_inotify.is_some());
    assert_eq!(plan.mount_dev_mapper, None);
    assert_eq!(plan.network_mtu.as_ref().map(|m| m.value), Some(1500));
    assert!(
        !plan.is_blocked(),
        "memory is a doctor failure, not an adjustment problem"
    );
}

#[test]
fn docker_desktop_mac_apple_silicon() {
    let (_, _, mut env) = environment("dd-mac-arm64");
    assert_eq!(env.flavour, dd(DesktopOs::Mac, DesktopBackend::Vm));
    let json = serde_json::to_value(&env).expect("serializes");
    assert_eq!(json["flavour"]["kind"], "docker-desktop");
    assert_eq!(json["flavour"]["os"], "mac");
    assert_eq!(json["engine"]["arch"], "arm64");
    assert_eq!(json["endpoint"]["source"]["rule"], "current-context");
    assert_eq!(env.node_image_arch(), Some("arm64"));
    assert!(env.storage.containerd_snapshotter);
    assert_eq!(env.engine.api_version.as_deref(), Some("1.51"));

    let rows = checks(&env, &Request::new(3));
    assert!(!is_blocking(&rows), "{}", crate::ui::doctor_text(&rows));
    assert_eq!(
        check(&rows, "memory").status,
        Status::Ok,
        "7.7 GiB for 5 GiB"
    );
    assert!(check(&rows, "storage").why.contains("minik load"));
    assert_eq!(check(&rows, "proxy").found, "no proxy configured");
    assert_eq!(check(&rows, "arch").status, Status::Ok);

    // An amd64 minik binary on Apple Silicon runs under Rosetta.
    env.host_arch = Arch::Amd64;
    let rows = checks(&env, &Request::new(1));
    assert_eq!(check(&rows, "arch").status, Status::Warn);
}

#[test]
fn docker_desktop_windows_wsl2_backend() {
    let (_, res, env) = environment("dd-win-wsl2");
    assert_eq!(env.flavour, dd(DesktopOs::Windows, DesktopBackend::Wsl2));
    assert_eq!(res.endpoint.source, EndpointSource::Default);
    assert_eq!(res.endpoint.host, "npipe:////./pipe/docker_engine");
    assert_eq!(
        res.endpoint.kind,
        EndpointKind::NamedPipe {
            path: r"\\.\pipe\docker_engine".into()
        }
    );
    assert_eq!(env.wsl, None, "minik.exe runs on Windows itself");

    let rows = checks(&env, &Request::new(7));
    let wsl = check(&rows, "wsl-kernel");
    assert_eq!(wsl.status, Status::Ok);
    assert!(wsl.found.contains("6.6.87.2-microsoft-standard-WSL2"));
    let mem = check(&rows, "memory");
    assert_eq!(
        mem.status,
        Status::Warn,
        "7.7 GiB for 9 GiB wanted by 7 nodes"
    );
    let fix = mem.fix.as_deref().unwrap_or("");
    assert!(
        fix.contains(".wslconfig") && fix.contains("memory=9GB") && fix.contains("wsl --shutdown"),
        "{fix}"
    );
    let ino = check(&rows, "inotify");
    assert_eq!(ino.status, Status::Ok);
    assert!(ino
        .fix
        .as_deref()
        .unwrap_or("")
        .contains("kernelCommandLine"));
    assert!(
        !plan_adjustments(&env, &Request::new(7))
            .node_ips_reachable
            .value
    );
}

#[test]
fn docker_desktop_windows_hyperv_backend() {
    let (case, res, mut env) = environment("dd-win-hyperv");
    assert_eq!(env.flavour, dd(DesktopOs::Windows, DesktopBackend::HyperV));
    let rows = checks(&env, &Request::new(2));
    assert!(rows.iter().all(|c| c.id != "wsl-kernel"));
    let mem = check(&rows, "memory");
    assert_eq!(
        mem.status,
        Status::Fail,
        "1.9 GiB for 2 nodes (minimum 3 GiB)"
    );
    assert!(mem
        .fix
        .as_deref()
        .unwrap_or("")
        .contains("Docker Desktop → Settings → Resources"));

    // Windows-containers mode is a hard stop with the switch instructions.
    let mut info = case.info.clone();
    info["OSType"] = "windows".into();
    info["OperatingSystem"] = "Windows 11 Pro Version 23H2 (OS Build 22631.4460)".into();
    env = Environment::build(&info, case.version.as_ref(), &res.endpoint, &case.host).unwrap();
    assert!(env.windows_containers());
    assert_eq!(env.flavour, dd(DesktopOs::Windows, DesktopBackend::HyperV));
    let os = check(&checks(&env, &Request::new(1)), "os-type").clone();
    assert_eq!(os.status, Status::Fail);
    assert!(os
        .fix
        .unwrap_or_default()
        .contains("Switch to Linux containers"));
    let plan = plan_adjustments(&env, &Request::new(1));
    assert_eq!(
        plan.problems.iter().map(|p| p.id).collect::<Vec<_>>(),
        ["os-type"]
    );
}

#[test]
fn rancher_desktop_on_macos() {
    let (_, res, env) = environment("rancher-desktop");
    assert_eq!(env.flavour, Flavour::RancherDesktop);
    assert_eq!(res.endpoint.host, "unix:///Users/ana/.rd/docker.sock");
    let rows = checks(&env, &Request::new(3));
    let mem = check(&rows, "memory");
    assert_eq!(
        mem.status,
        Status::Warn,
        "3.8 GiB: above the 4 GiB minimum less slack, below 5"
    );
    assert!(mem
        .fix
        .as_deref()
        .unwrap_or("")
        .starts_with("Rancher Desktop → Preferences"));
    assert_eq!(check(&rows, "cpus").status, Status::Warn);
}

#[test]
fn colima_default_profile_is_too_small_for_three_nodes() {
    let (_, res, env) = environment("colima");
    assert_eq!(env.flavour, Flavour::Colima);
    assert_eq!(res.endpoint.source.context_name(), Some("colima"));
    let rows = checks(&env, &Request::new(3));
    let mem = check(&rows, "memory");
    assert_eq!(mem.status, Status::Fail);
    assert_eq!(
        mem.fix.as_deref(),
        Some("colima stop && colima start --cpu 4 --memory 5")
    );
    let plan = plan_adjustments(&env, &Request::new(3));
    assert!(plan.raise_inotify.is_some());
    assert!(!plan.node_ips_reachable.value);
}

#[test]
fn orbstack_chosen_by_docker_context_over_current_context() {
    let (_, res, env) = environment("orbstack");
    assert_eq!(
        res.endpoint.source,
        EndpointSource::DockerContextEnv {
            name: "orbstack".into()
        }
    );
    assert_eq!(
        res.endpoint.host,
        "unix:///Users/ana/.orbstack/run/docker.sock"
    );
    assert_eq!(env.flavour, Flavour::OrbStack);
    assert!(env.flavour.runs_in_vm());
    let rows = checks(&env, &Request::new(3));
    assert!(!is_blocking(&rows), "{}", crate::ui::doctor_text(&rows));
    assert_eq!(check(&rows, "memory").status, Status::Ok);

    // With the engine's inotify measured low, the row still passes: minik raises it in the VM.
    let mut env = env;
    env.set_engine_inotify(InotifyLimits {
        max_user_watches: 8192,
        max_user_instances: 128,
    });
    let rows = checks(&env, &Request::new(3));
    assert_eq!(check(&rows, "inotify").status, Status::Ok);
    assert!(plan_adjustments(&env, &Request::new(3))
        .raise_inotify
        .is_some());
}
