//! Rows about resources: memory, CPUs, inotify. Fix texts name the exact setting for each
//! runtime (see [`super::advice`]).

use super::advice::{
    below, memory_need, recommended_cpus, resource_fix, sysctl_fix, uses_wslconfig,
};
use super::{gib, row, Check, Status};
use crate::i18n::{Key, Msg};
use crate::msg;
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
    let found = msg!(
        Key::MemoryFound,
        have = gib(have),
        nodes = nodes,
        need = gib(need.recommended_bytes)
    );
    let why = "every node runs systemd, containerd and kubelet; the control plane adds etcd and \
               the API server";
    let short = |status, why: Msg| {
        let fix = resource_fix(env, rec_gb, cpus).unwrap_or_else(|| WHOLE_MACHINE_MEMORY.into());
        row("memory", "Memory", status, found.clone(), why, Some(fix))
    };
    if below(have, need.minimum_bytes) {
        let why = msg!(Key::MemoryTooLittle, min = gib(need.minimum_bytes); why => why);
        return short(Status::Fail, why);
    }
    if below(have, need.recommended_bytes) {
        return short(Status::Warn, msg!(Key::MemoryTight; why => why));
    }
    row("memory", "Memory", Status::Ok, found, why, None)
}

pub(super) fn cpus(env: &Environment, nodes: usize) -> Check {
    let have = env.engine.ncpu;
    let rec = recommended_cpus(nodes);
    let found = msg!(Key::CpusFound, have = have, nodes = nodes, want = rec);
    let mem_gb = memory_need(nodes).recommended_bytes.div_ceil(1 << 30);
    let short = |status, why: &'static str| {
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
    let why = msg!(
        Key::InotifyWhy,
        nodes = nodes,
        watches = r.max_user_watches,
        instances = r.max_user_instances
    );
    let wslconfig_hint = uses_wslconfig(env).then(|| {
        msg!(
            Key::InotifyWslconfig,
            watches = r.max_user_watches,
            instances = r.max_user_instances
        )
    });
    let vm_raise = env.flavour.runs_in_vm() && !env.remote;
    match env.inotify {
        Some(reading) => inotify_read(env, reading, why, wslconfig_hint),
        None if vm_raise => row(
            "inotify",
            "inotify limits",
            Status::Ok,
            msg!(Key::InotifyVmRaises, watches = r.max_user_watches,
                instances = r.max_user_instances; vm => env.flavour.label_msg()),
            why,
            wslconfig_hint,
        ),
        None => row(
            "inotify",
            "inotify limits",
            Status::Warn,
            if env.remote {
                msg!(Key::InotifyUnknownRemote)
            } else {
                msg!(Key::InotifyUnreadable)
            },
            why,
            Some(msg!(Key::OnEnginesMachine; fix => sysctl_fix(
                InotifyLimits {
                    max_user_watches: 0,
                    max_user_instances: 0
                },
                false
            ))),
        ),
    }
}

/// The limits as read on the host or in the engine's VM.
fn inotify_read(
    env: &Environment,
    reading: InotifyReading,
    why: Msg,
    wslconfig_hint: Option<Msg>,
) -> Check {
    let vm_raise = env.flavour.runs_in_vm() && !env.remote;
    let l = reading.limits;
    let found = Msg::verbatim(format!(
        "max_user_watches={}, max_user_instances={}",
        l.max_user_watches, l.max_user_instances
    ));
    if l.is_enough() {
        return row("inotify", "inotify limits", Status::Ok, found, why, None);
    }
    if vm_raise && reading.source == InotifySource::Engine {
        return row(
            "inotify",
            "inotify limits",
            Status::Ok,
            msg!(Key::InotifyInVm; vm => env.flavour.label_msg(), found => found),
            why,
            wslconfig_hint,
        );
    }
    let fix = sysctl_fix(l, env.wsl.is_some());
    let fix = if reading.source == InotifySource::Engine {
        msg!(Key::OnEnginesMachine; fix => fix)
    } else {
        fix
    };
    row(
        "inotify",
        "inotify limits",
        Status::Warn,
        found,
        why,
        Some(fix),
    )
}
