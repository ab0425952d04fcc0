//! Where each runtime keeps its resource settings, and the numbers minik asks for.

use crate::i18n::{Key, Msg};
use crate::msg;
use crate::platform::detect::{DesktopBackend, Flavour};
use crate::platform::environment::Environment;
use crate::platform::host::{HostOs, InotifyLimits};

const MIB: u64 = 1 << 20;

/// Engine/VM overhead plus the first control plane's extras.
pub(crate) const BASE_MIB: u64 = 2048;

pub(crate) const PER_NODE_MIB: u64 = 1024;

/// VM kernels keep ~5–10 % of the configured size for themselves, so "8 GB" reports ~7.7 GiB.
const SLACK_PERCENT: u64 = 90;

/// Memory the engine should have for `nodes` nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemoryNeed {
    /// Below this (less slack) nodes will not all start: 1 GiB per node plus 1 GiB.
    pub(crate) minimum_bytes: u64,
    /// 2 GiB plus 1 GiB per node.
    pub(crate) recommended_bytes: u64,
}

pub(crate) fn memory_need(nodes: usize) -> MemoryNeed {
    let n = nodes.max(1) as u64;
    MemoryNeed {
        minimum_bytes: (1024 + 1024 * n) * MIB,
        recommended_bytes: (BASE_MIB + PER_NODE_MIB * n) * MIB,
    }
}

pub(super) fn below(have: u64, need: u64) -> bool {
    have.saturating_mul(100) < need.saturating_mul(SLACK_PERCENT)
}

pub(super) fn uses_wslconfig(env: &Environment) -> bool {
    matches!(
        env.flavour,
        Flavour::DockerDesktop {
            backend: DesktopBackend::Wsl2,
            ..
        } | Flavour::DockerCeInWsl2
    ) || (env.flavour == Flavour::RancherDesktop
        && (env.host_os == HostOs::Windows || env.wsl.is_some()))
}

/// Where to change the engine's memory and CPUs, for this runtime; `None` when the engine has
/// the whole machine (native Linux), where nothing can be raised.
pub(super) fn resource_fix(env: &Environment, mem_gb: u64, cpus: u64) -> Option<Msg> {
    if env.remote {
        return Some(msg!(Key::ResourcesRemote, mem = mem_gb, cpus = cpus));
    }
    if uses_wslconfig(env) {
        let key = if env.flavour.is_docker_desktop() {
            Key::ResourcesWslconfigDesktop
        } else {
            Key::ResourcesWslconfig
        };
        return Some(msg!(key, mem = mem_gb, cpus = cpus));
    }
    let fix = match env.flavour {
        Flavour::DockerDesktop { .. } => msg!(Key::ResourcesDesktop, mem = mem_gb, cpus = cpus),
        Flavour::Colima => {
            let profile = env
                .endpoint
                .host
                .split("/.colima/")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .filter(|p| *p != "default" && !p.ends_with(".sock"))
                .map(|p| format!(" --profile {p}"))
                .unwrap_or_default();
            Msg::verbatim(format!(
                "colima stop{profile} && colima start{profile} --cpu {cpus} --memory {mem_gb}"
            ))
        }
        Flavour::RancherDesktop => msg!(Key::ResourcesRancher, mem = mem_gb, cpus = cpus),
        Flavour::OrbStack => msg!(Key::ResourcesOrbStack, mem = mem_gb, cpus = cpus),
        Flavour::Podman { machine: true, .. } => Msg::verbatim(format!(
            "podman machine stop && podman machine set --cpus {cpus} --memory {} && podman machine start",
            mem_gb * 1024
        )),
        _ => return None,
    };
    Some(fix)
}

/// The most nodes an engine with `ncpu` CPUs and `mem_bytes` of memory holds without a doctor
/// warning (the same rules as the memory and CPU rows), at least 1 and at most `cap`.
pub(crate) fn most_nodes(ncpu: u64, mem_bytes: u64, cap: usize) -> usize {
    (1..=cap.max(1))
        .take_while(|&n| {
            n == 1
                || (!below(mem_bytes, memory_need(n).recommended_bytes)
                    && ncpu >= recommended_cpus(n))
        })
        .last()
        .unwrap_or(1)
}

/// CPUs the engine should have for `nodes` nodes (several nodes start in parallel).
pub(crate) fn recommended_cpus(nodes: usize) -> u64 {
    if nodes >= 3 {
        4
    } else {
        2
    }
}

pub(super) fn sysctl_fix(current: InotifyLimits, wsl: bool) -> Msg {
    let r = InotifyLimits::RECOMMENDED;
    let w = current.max_user_watches.max(r.max_user_watches);
    let i = current.max_user_instances.max(r.max_user_instances);
    let key = if wsl {
        Key::InotifySysctlWsl
    } else {
        Key::InotifySysctl
    };
    msg!(key, watches = w, instances = i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn most_nodes_follows_the_memory_and_cpu_rows() {
        // 2 CPUs: three nodes want 4, so two at most however much memory there is.
        assert_eq!(most_nodes(2, 24 * GIB, 10), 2);
        // 8 GB Docker Desktop (7.7 GiB seen), 4 CPUs: 6 nodes want 8 GiB, within the 10 % slack.
        assert_eq!(most_nodes(4, 7_700 * (1 << 20), 10), 6);
        assert_eq!(most_nodes(16, 64 * GIB, 10), 10);
        // A machine too small for even one node still gets one: the doctor says why.
        assert_eq!(most_nodes(1, GIB, 10), 1);
    }
}
