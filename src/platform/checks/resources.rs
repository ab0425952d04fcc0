//! Rows about resources: memory, CPUs, inotify. Fix texts name the exact setting for each
//! runtime (see [`super::advice`]).

use super::advice::{
    below, memory_need, recommended_cpus, resource_fix, sysctl_fix, uses_wslconfig,
};
use super::{gib, row, Check, Status};
use crate::platform::environment::{Environment, InotifyReading, InotifySource};
use crate::platform::host::InotifyLimits;

const WHOLE_MACHINE_MEMORY: &str =
    "this is all of the machine's memory: close memory-hungry programs or create fewer nodes";
const WHOLE_MACHINE_CPUS: &str =
    "these are all of the machine's CPUs: create fewer nodes, or expect a slow start";

pub(super) fn memory(env: &Environment, nodes: usize) -> Check {
    let need = memory_need(nodes);
    let have = env.engine.mem_total;
    let rec_gb = need.recommended_bytes.div_ceil(1 << 30);
    let cpus = recommended_cpus(nodes).max(env.engine.ncpu);
    let found = format!(
        "{} in the engine; {nodes} node(s) need {} (2 GiB + 1 GiB per node)",
        gib(have),
        gib(need.recommended_bytes)
    );
    let why = "every node runs systemd, containerd and kubelet; the control plane adds etcd and \
               the API server";
    let short = |status, why: String| {
        let fix = resource_fix(env, rec_gb, cpus).unwrap_or_else(|| WHOLE_MACHINE_MEMORY.into());
        row("memory", "Memory", status, found.clone(), why, Some(fix))
    };
    if below(have, need.minimum_bytes) {
        return short(
            Status::Fail,
            format!(
                "{why}; below {} nodes get killed or never become Ready",
                gib(need.minimum_bytes)
            ),
        );
    }
    if below(have, need.recommended_bytes) {
        return short(Status::Warn, format!("{why}; the cluster will be tight"));
    }
    row("memory", "Memory", Status::Ok, found, why, None)
}

pub(super) fn cpus(env: &Environment, nodes: usize) -> Check {
    let have = env.engine.ncpu;
    let rec = recommended_cpus(nodes);
    let found = format!("{have} CPU(s) in the engine; {nodes} node(s) want {rec}");
    let mem_gb = memory_need(nodes).recommended_bytes.div_ceil(1 << 30);
    let short = |status, why: &str| {
        let fix = resource_fix(env, mem_gb, rec).unwrap_or_else(|| WHOLE_MACHINE_CPUS.into());
        row("cpus", "CPUs", status, found.clone(), why, Some(fix))
    };
    if have < 2 {
        return short(
            Status::Fail,
            "kubeadm needs at least 2 CPUs for a control plane",
        );
    }
    if have < rec {
        return short(
            Status::Warn,
            "several nodes on few CPUs start slowly and may time out",
        );
    }
    row(
        "cpus",
        "CPUs",
        Status::Ok,
        found,
        "control planes need at least 2 CPUs",
        None,
    )
}

pub(super) fn inotify(env: &Environment, nodes: usize) -> Check {
    let r = InotifyLimits::RECOMMENDED;
    let why = format!(
        "every node's kubelet and containerd watch files and the limits are shared by all {nodes} \
         node(s); below {} watches / {} instances multi-node clusters fail with \"too many open \
         files\"",
        r.max_user_watches, r.max_user_instances
    );
    let wslconfig_hint = uses_wslconfig(env).then(|| {
        format!(
            "to make it permanent: add under [wsl2] in %UserProfile%\\.wslconfig: kernelCommandLine = \
             sysctl.fs.inotify.max_user_watches={} sysctl.fs.inotify.max_user_instances={}",
            r.max_user_watches, r.max_user_instances
        )
    });
    let vm_raise = env.flavour.runs_in_vm() && !env.remote;
    match env.inotify {
        Some(reading) => inotify_read(env, reading, why, wslconfig_hint),
        None if vm_raise => row(
            "inotify",
            "inotify limits",
            Status::Ok,
            format!(
                "inside the {} VM: minik raises them to {} / {} before creating nodes",
                env.flavour.label(),
                r.max_user_watches,
                r.max_user_instances
            ),
            why,
            wslconfig_hint,
        ),
        None => row(
            "inotify",
            "inotify limits",
            Status::Warn,
            if env.remote {
                "unknown (remote engine)".to_string()
            } else {
                "unknown (could not read /proc/sys/fs/inotify)".to_string()
            },
            why,
            Some(format!(
                "on the engine's machine: {}",
                sysctl_fix(
                    InotifyLimits {
                        max_user_watches: 0,
                        max_user_instances: 0
                    },
                    false
                )
            )),
        ),
    }
}

/// The limits as read on the host or in the engine's VM.
fn inotify_read(
    env: &Environment,
    reading: InotifyReading,
    why: String,
    wslconfig_hint: Option<String>,
) -> Check {
    let vm_raise = env.flavour.runs_in_vm() && !env.remote;
    let l = reading.limits;
    let found = format!(
        "max_user_watches={}, max_user_instances={}",
        l.max_user_watches, l.max_user_instances
    );
    if l.is_enough() {
        return row("inotify", "inotify limits", Status::Ok, found, why, None);
    }
    if vm_raise && reading.source == InotifySource::Engine {
        return row(
            "inotify",
            "inotify limits",
            Status::Ok,
            format!(
                "{found} in the {} VM; minik raises them before creating nodes",
                env.flavour.label()
            ),
            why,
            wslconfig_hint,
        );
    }
    let wsl = env.wsl.is_some();
    let place = if reading.source == InotifySource::Engine {
        " on the engine's machine"
    } else {
        ""
    };
    row(
        "inotify",
        "inotify limits",
        Status::Warn,
        found,
        why,
        Some(format!("{}{place}", sysctl_fix(l, wsl))),
    )
}
