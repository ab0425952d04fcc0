//! Rows about the kernel side: cgroups, rootless requirements, the WSL kernel.

use super::{row, Check, Status};
use crate::i18n::{Key, Msg};
use crate::msg;
use crate::platform::adjust::rootless_problem;
use crate::platform::detect::{DesktopBackend, DesktopOs, Flavour};
use crate::platform::environment::{CgroupVersion, Environment};
use crate::platform::host::HostFacts;
use crate::platform::info::parse_version;

pub(super) fn cgroup(env: &Environment) -> Check {
    let c = &env.cgroup;
    let mut found = match c.version {
        CgroupVersion::V2 => Msg::verbatim("cgroup v2"),
        CgroupVersion::Hybrid => msg!(Key::CgroupHybrid),
        CgroupVersion::V1 => Msg::verbatim("cgroup v1"),
        CgroupVersion::Unknown => Msg::from("not reported by the engine"),
    };
    if !c.driver.is_empty() {
        found = msg!(Key::CgroupDriver, driver = c.driver; found => found);
    }
    let missing: Vec<&str> = [(c.limits.cpus, "--cpus"), (c.limits.memory, "--memory")]
        .into_iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, f)| f)
        .collect();
    if !missing.is_empty() {
        found = msg!(Key::CgroupCannotApply, flags = missing.join(", "); found => found);
    }
    match c.version {
        CgroupVersion::V2 => row(
            "cgroup",
            "cgroups",
            Status::Ok,
            found,
            "kubelet manages pods through cgroups",
            None,
        ),
        CgroupVersion::Hybrid | CgroupVersion::V1 => {
            let fix = if env.flavour == Flavour::DockerCeInWsl2 || env.wsl.is_some() {
                "enable systemd in the distro ([boot] systemd=true in /etc/wsl.conf) and add \
                 kernelCommandLine = cgroup_no_v1=all under [wsl2] in %UserProfile%\\.wslconfig, then \
                 run `wsl --shutdown`".into()
            } else if env.flavour.runs_in_vm() {
                msg!(Key::CgroupUpdateVm; vm => env.flavour.label_msg())
            } else {
                "boot with cgroup v2: add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in \
                 /etc/default/grub, run sudo update-grub and reboot".into()
            };
            // The kubelet asks whether /sys/fs/cgroup is a cgroup2 mount, so hybrid is v1 to it.
            row(
                "cgroup",
                "cgroups",
                Status::Warn,
                found,
                "the kubelet treats v1 and hybrid hosts as cgroup v1, which Kubernetes 1.35+ \
                 refuses by default: minik sets failCgroupV1: false so clusters start, but v1 is \
                 in maintenance mode upstream and a future Kubernetes may drop it",
                Some(fix),
            )
        }
        CgroupVersion::Unknown => row(
            "cgroup",
            "cgroups",
            Status::Warn,
            found,
            "engines older than Docker 20.10 do not report it and lack cgroup namespaces",
            Some("upgrade the engine".into()),
        ),
    }
}

pub(super) fn rootless(env: &Environment) -> Check {
    if !env.rootless {
        return row(
            "rootless",
            "Rootless",
            Status::Ok,
            "rootful engine",
            "rootless engines need cgroup v2 with delegated controllers",
            None,
        );
    }
    if env.rootless_ready() {
        return row("rootless", "Rootless", Status::Ok,
            "rootless engine; cgroup v2 with cpu, memory and pids delegated",
            "nodes run with KubeletInUserNamespace; host ports below 1024 need \
             net.ipv4.ip_unprivileged_port_start, and ip_tables/iptable_nat must be loaded on the host",
            None);
    }
    let (message, fix) = rootless_problem(env);
    let mut found = message;
    if let Some(d) = &env.cgroup.delegated {
        found = if d.is_empty() {
            msg!(Key::RootlessDelegatedNone; found => found)
        } else {
            msg!(Key::RootlessDelegated, controllers = d.join(" "); found => found)
        };
    }
    row(
        "rootless",
        "Rootless",
        Status::Fail,
        found,
        "without them kubelet cannot create pod cgroups and nodes never become Ready",
        Some(fix),
    )
}

fn wsl_kernel_row(kernel: &str, wsl_version: u8) -> Check {
    if wsl_version == 1 {
        return row(
            "wsl-kernel",
            "WSL kernel",
            Status::Fail,
            Msg::verbatim(format!("WSL 1 ({kernel})")),
            "Docker and Kubernetes need WSL 2's real Linux kernel",
            Some(
                "in PowerShell: wsl --set-version <distro> 2 (list distros with wsl -l -v)".into(),
            ),
        );
    }
    let found = msg!(Key::WslKernel, kernel = kernel);
    if parse_version(kernel).is_some_and(|v| v < (5, 15, 0)) {
        return row(
            "wsl-kernel",
            "WSL kernel",
            Status::Warn,
            found,
            "kernels before 5.15 lack cgroup v2 features and netfilter modules the nodes use",
            Some("in PowerShell: wsl --update, then wsl --shutdown".into()),
        );
    }
    row(
        "wsl-kernel",
        "WSL kernel",
        Status::Ok,
        found,
        "the nodes run on this kernel",
        None,
    )
}

/// Only when WSL is involved: minik runs in a WSL distro, or Docker Desktop uses the WSL 2 backend.
pub(super) fn wsl_kernel(env: &Environment) -> Option<Check> {
    if let Some(w) = &env.wsl {
        return Some(wsl_kernel_row(
            env.host_kernel.as_deref().unwrap_or("unknown"),
            w.version,
        ));
    }
    matches!(
        env.flavour,
        Flavour::DockerDesktop {
            os: DesktopOs::Windows,
            backend: DesktopBackend::Wsl2
        }
    )
    .then(|| wsl_kernel_row(&env.engine.kernel_version, 2))
}

pub(super) fn host_wsl_kernel(host: &HostFacts) -> Option<Check> {
    let w = host.wsl()?;
    Some(wsl_kernel_row(
        host.kernel_release.as_deref().unwrap_or("unknown"),
        w.version,
    ))
}
