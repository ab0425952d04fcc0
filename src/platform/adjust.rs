//! What the Docker provider must change about node containers on this platform, each with a
//! one-line reason for the user. Pure: the provider applies the result.

use serde::Serialize;

use super::environment::{CgroupVersion, Environment, LimitSupport};
use super::host::InotifyLimits;
use super::proxy::{node_proxy_env, NoProxyInputs};
use crate::config::{DEFAULT_POD_SUBNET, DEFAULT_SERVICE_SUBNET};
use crate::i18n::Msg;

/// What the user asked for, as far as platform decisions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) nodes: usize,
    /// Container names of the nodes (they go into NO_PROXY).
    pub(crate) node_names: Vec<String>,
    pub(crate) pod_subnet: String,
    pub(crate) service_subnet: String,
    /// The node network's subnets when known (after `docker network create/inspect`).
    pub(crate) node_subnets: Vec<String>,
    /// Address to publish ports on; `None` means 127.0.0.1.
    pub(crate) listen_address: Option<String>,
    /// MTU override for the node network.
    pub(crate) mtu: Option<u32>,
}

impl Request {
    /// `nodes` nodes with kind's default subnets and nothing else set.
    pub(crate) fn new(nodes: usize) -> Self {
        Request {
            nodes,
            node_names: Vec::new(),
            pod_subnet: DEFAULT_POD_SUBNET.to_string(),
            service_subnet: DEFAULT_SERVICE_SUBNET.to_string(),
            node_subnets: Vec::new(),
            listen_address: None,
            mtu: None,
        }
    }
}

/// A value and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reasoned<T> {
    pub value: T,
    pub reason: String,
}

fn why<T>(value: T, reason: impl Into<String>) -> Reasoned<T> {
    Reasoned {
        value,
        reason: reason.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrivilegeMode {
    /// `--privileged`.
    Privileged,
    /// The engine refuses `--privileged`: an explicit capability set instead
    /// (`--cap-add ALL --cap-drop SYS_RESOURCE`, `systempaths=unconfined`, a device cgroup rule).
    ExplicitCapabilities,
}

/// Settings rootless engines need inside the nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RootlessTweaks {
    /// Feature gate `KubeletInUserNamespace=true`.
    pub kubelet_in_user_namespace: bool,
    /// kube-proxy `conntrack.maxPerCore: 0` and zero TCP timeouts (it cannot write the sysctls).
    pub kube_proxy_leave_conntrack: bool,
}

/// Something that stops `create`; the same condition shows as a failed doctor check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub id: &'static str,
    pub message: String,
    pub fix: String,
}

/// The plan. `Option<String>` fields: `Some(reason)` means "do it".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adjustments {
    /// `-v /dev/mapper:/dev/mapper`.
    pub mount_dev_mapper: Option<String>,
    /// `--userns=host`.
    pub userns_host: Option<String>,
    /// `--device /dev/fuse`.
    pub device_fuse: Option<String>,
    pub rootless: Option<Reasoned<RootlessTweaks>>,
    /// The kubelet would see cgroup v1: tell it to run anyway (`failCgroupV1: false`).
    pub allow_cgroup_v1: Option<String>,
    /// Which of `--cpus`, `--memory`, `--pids-limit` the engine can apply; leave the others off.
    pub resource_limits: Reasoned<LimitSupport>,
    /// MTU for the node network (`com.docker.network.driver.mtu`).
    pub network_mtu: Option<Reasoned<u32>>,
    /// Extra environment for node containers (proxy variables in both cases).
    pub node_proxy_env: Option<Reasoned<Vec<(String, String)>>>,
    /// Address published ports bind to.
    pub publish_address: Reasoned<String>,
    /// Whether messages and kubeconfig may use node IPs; otherwise 127.0.0.1 and published ports.
    pub node_ips_reachable: Reasoned<bool>,
    pub privileges: Reasoned<PrivilegeMode>,
    /// Raise inotify inside the engine's VM (privileged one-shot container) to these values.
    pub raise_inotify: Option<Reasoned<InotifyLimits>>,
    /// Blocking problems: `create` must stop and show them.
    pub problems: Vec<Problem>,
}

impl Adjustments {
    pub fn is_blocked(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The reasons of every change made, one line each, for `-v` output.
    pub fn notes(&self) -> Vec<String> {
        let mut out: Vec<String> = [&self.mount_dev_mapper, &self.userns_host, &self.device_fuse]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        out.extend(self.rootless.as_ref().map(|r| r.reason.clone()));
        out.extend(self.allow_cgroup_v1.clone());
        out.push(self.resource_limits.reason.clone());
        out.extend(self.network_mtu.as_ref().map(|r| r.reason.clone()));
        out.extend(self.node_proxy_env.as_ref().map(|r| r.reason.clone()));
        out.push(self.publish_address.reason.clone());
        out.push(self.node_ips_reachable.reason.clone());
        out.push(self.privileges.reason.clone());
        out.extend(self.raise_inotify.as_ref().map(|r| r.reason.clone()));
        out
    }
}

const DEV_MAPPER_DRIVERS: &[&str] = &["btrfs", "zfs", "devicemapper"];
const DEV_MAPPER_BACKING: &[&str] = &["btrfs", "zfs", "xfs"];

/// Decides every adjustment for `env`, given what was requested.
pub(crate) fn plan_adjustments(env: &Environment, requested: &Request) -> Adjustments {
    let rootless = env.rootless.then(|| {
        why(
            RootlessTweaks {
                kubelet_in_user_namespace: true,
                kube_proxy_leave_conntrack: true,
            },
            "rootless engine: kubelet runs with KubeletInUserNamespace and kube-proxy leaves \
             conntrack sysctls alone",
        )
    });
    Adjustments {
        mount_dev_mapper: dev_mapper_mount(env),
        userns_host: env.userns_remap.then(|| {
            "the engine runs with userns-remap: nodes use --userns=host (systemd and kubelet need \
             real root)"
                .to_string()
        }),
        device_fuse: env.rootless.then(|| {
            "rootless engine: /dev/fuse is passed in for fuse-overlayfs inside the nodes"
                .to_string()
        }),
        rootless,
        allow_cgroup_v1: cgroup_v1_allowance(env),
        resource_limits: resource_limits(env),
        network_mtu: network_mtu(env, requested),
        node_proxy_env: proxy_env(env, requested),
        publish_address: publish_address(requested),
        node_ips_reachable: node_ips_reachable(env),
        privileges: privileges(env),
        raise_inotify: raise_inotify(env),
        problems: blocking_problems(env),
    }
}

/// Device-mapper-backed storage: kubelet reads the root file system's stats through /dev/mapper.
fn dev_mapper_mount(env: &Environment) -> Option<String> {
    let storage = &env.storage;
    let backing = storage.backing_fs.as_deref().unwrap_or("");
    if env.rootless {
        None
    } else if DEV_MAPPER_DRIVERS.contains(&storage.driver.as_str()) {
        Some(format!(
            "storage driver {} keeps images on device-mapper volumes: /dev/mapper is mounted so \
             kubelet can read the root file system's stats",
            storage.driver
        ))
    } else if DEV_MAPPER_BACKING.contains(&backing) {
        Some(format!(
            "images live on {backing}: /dev/mapper is mounted so kubelet can read the root file \
             system's stats"
        ))
    } else {
        None
    }
}

/// The kubelet asks "is /sys/fs/cgroup a cgroup2 mount?", so hybrid hosts count as v1; an
/// engine that does not say is older than cgroup v2 support.
fn cgroup_v1_allowance(env: &Environment) -> Option<String> {
    let v = env.cgroup.version;
    (v != CgroupVersion::V2).then(|| {
        format!(
            "the engine's host uses cgroup {}: kubelets get failCgroupV1: false (from v1.35 \
             they refuse cgroup v1 by default)",
            match v {
                CgroupVersion::V1 => "v1",
                CgroupVersion::Hybrid => "v1 controllers (hybrid)",
                _ => "v1 (the engine does not report its cgroup version)",
            }
        )
    })
}

/// Limits the engine cannot apply are left off rather than failing the node's start.
fn resource_limits(env: &Environment) -> Reasoned<LimitSupport> {
    let limits = env.cgroup.limits;
    let mut missing = Vec::new();
    for (ok, flag) in [
        (limits.cpus, "--cpus"),
        (limits.memory, "--memory"),
        (limits.pids, "--pids-limit"),
    ] {
        if !ok {
            missing.push(flag);
        }
    }
    if missing.is_empty() {
        why(limits, "the engine can apply CPU, memory and pids limits")
    } else {
        why(
            limits,
            format!(
                "the engine cannot apply {} (its cgroup controllers are missing); nodes run \
                 without those limits",
                missing.join(", ")
            ),
        )
    }
}

/// The node network follows the default bridge's MTU so large packets are not dropped.
fn network_mtu(env: &Environment, requested: &Request) -> Option<Reasoned<u32>> {
    match (requested.mtu, env.bridge_mtu) {
        (Some(m), _) => Some(why(m, format!("node network MTU {m}, as requested"))),
        (None, Some(m)) if m != 1500 => Some(why(
            m,
            format!(
                "the default bridge uses MTU {m} (VPN or cloud network): the node network uses \
                 the same so large packets are not dropped"
            ),
        )),
        (None, Some(m)) => Some(why(
            m,
            "node network MTU 1500, the same as the default bridge",
        )),
        (None, None) => None,
    }
}

/// A configured proxy reaches the nodes, with the cluster's own networks kept off it.
fn proxy_env(env: &Environment, requested: &Request) -> Option<Reasoned<Vec<(String, String)>>> {
    let inputs = NoProxyInputs {
        node_subnets: &requested.node_subnets,
        node_names: &requested.node_names,
        pod_subnet: &requested.pod_subnet,
        service_subnet: &requested.service_subnet,
    };
    let proxy_env = node_proxy_env(&env.proxy, inputs);
    (!proxy_env.is_empty()).then(|| {
        why(
            proxy_env,
            "a proxy is configured: nodes get HTTP(S)_PROXY, with NO_PROXY extended by the node, \
             pod and service networks and node names",
        )
    })
}

fn publish_address(requested: &Request) -> Reasoned<String> {
    match &requested.listen_address {
        Some(a) => why(
            a.clone(),
            format!("ports are published on {a}, as requested"),
        ),
        None => why(
            "127.0.0.1".to_string(),
            "ports are published on 127.0.0.1: reachable from this machine only",
        ),
    }
}

fn node_ips_reachable(env: &Environment) -> Reasoned<bool> {
    if env.node_ips_reachable() {
        why(
            true,
            "node IPs are routable from this host (local rootful engine on Linux)",
        )
    } else {
        why(
            false,
            format!(
                "node IPs are not reachable from this host ({}): use 127.0.0.1 and published \
                 ports",
                if env.remote {
                    "remote engine"
                } else {
                    env.flavour.label()
                }
            ),
        )
    }
}

fn privileges(env: &Environment) -> Reasoned<PrivilegeMode> {
    if env.privileged_refused == Some(true) {
        why(
            PrivilegeMode::ExplicitCapabilities,
            "the engine refuses --privileged (\"unable to apply caps\"): nodes get an explicit \
             capability set instead",
        )
    } else {
        why(
            PrivilegeMode::Privileged,
            "nodes run privileged (systemd, containerd and kubelet need it)",
        )
    }
}

/// A local VM with low inotify limits starves multi-node clusters; minik raises them there.
fn raise_inotify(env: &Environment) -> Option<Reasoned<InotifyLimits>> {
    let vm_low = env.flavour.runs_in_vm()
        && env.inotify.is_none_or(|r| !r.limits.is_enough())
        && !env.remote;
    vm_low.then(|| {
        let r = InotifyLimits::RECOMMENDED;
        why(
            r,
            format!(
                "inotify limits inside the {} VM are raised to {} watches / {} instances (needed \
                 by multi-node clusters; reset when the VM restarts)",
                env.flavour.label(),
                r.max_user_watches,
                r.max_user_instances
            ),
        )
    })
}

/// Conditions under which no cluster can start.
pub(crate) fn blocking_problems(env: &Environment) -> Vec<Problem> {
    let mut out = Vec::new();
    if env.windows_containers() {
        out.push(Problem {
            id: "os-type",
            message: "Docker Desktop is in Windows-containers mode; Kubernetes nodes are Linux \
                      containers"
                .into(),
            fix: "right-click the Docker Desktop tray icon and choose \"Switch to Linux \
                  containers...\""
                .into(),
        });
    }
    if env.node_image_arch().is_none() && !env.windows_containers() {
        out.push(Problem {
            id: "arch",
            message: format!(
                "no node image for engine architecture \"{}\" (only amd64 and arm64)",
                env.engine.arch.as_str()
            ),
            fix: "use an amd64 or arm64 machine".into(),
        });
    }
    if env.rootless && !env.rootless_ready() {
        let (message, fix) = rootless_problem(env);
        out.push(Problem {
            id: "rootless",
            message: message.to_string(),
            fix: fix.to_string(),
        });
    }
    out
}

/// Why a rootless engine cannot run nodes, and the fix.
pub(crate) fn rootless_problem(env: &Environment) -> (Msg, Msg) {
    if env.cgroup.version != CgroupVersion::V2 {
        return (
            "a rootless engine needs cgroup v2; this one uses cgroup v1".into(),
            "boot with cgroup v2: add systemd.unified_cgroup_hierarchy=1 to the kernel command \
             line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot)"
                .into(),
        );
    }
    let l = env.cgroup.limits;
    let missing: Vec<&str> = [
        (l.cpu_shares, "cpu"),
        (l.memory, "memory"),
        (l.pids, "pids"),
    ]
    .into_iter()
    .filter(|(ok, _)| !ok)
    .map(|(_, c)| c)
    .collect();
    (
        crate::msg!(
            crate::i18n::Key::RootlessControllers,
            controllers = missing.join(", ")
        ),
        "sudo mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu \
         cpuset io memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf \
         && sudo systemctl daemon-reload; then log out and back in"
            .into(),
    )
}
