//! One model of where minik runs: host, endpoint, runtime flavour and engine capabilities.
//!
//! Built from the engine's answers (`/info`, optionally `/version`), the resolved endpoint and
//! [`HostFacts`]. Host probes (cgroup mounts, inotify) are only trusted when the engine shares
//! this host's kernel; for VM runtimes and remote engines the daemon's own answers are the truth.

use serde::Serialize;
#[cfg(test)]
use serde_json::Value;

use super::context_store::load_docker_config;
use super::detect::{classify, Flavour};
use super::endpoint::Endpoint;
use super::host::{Arch, CgroupProbe, HostFacts, HostOs, InotifyLimits, Wsl};
#[cfg(test)]
use super::info::InfoError;
use super::info::{EngineInfo, EngineVersion};
use super::proxy::{detect_proxy, ProxySettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CgroupVersion {
    V1,
    V2,
    /// v1 controllers plus cgroup2 at /sys/fs/cgroup/unified (seen on the host).
    Hybrid,
    /// The engine did not say (older than 20.10).
    Unknown,
}

/// Which per-container limits the engine can apply (from `/info`, false under driver `none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LimitSupport {
    pub cpus: bool,
    pub memory: bool,
    pub pids: bool,
    pub cpu_shares: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CgroupInfo {
    pub(crate) version: CgroupVersion,
    /// `cgroupfs`, `systemd`, `none`.
    pub(crate) driver: String,
    pub(crate) limits: LimitSupport,
    /// Controllers delegated to the user (rootless on this host), if probed.
    pub(crate) delegated: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct StorageInfo {
    pub(crate) driver: String,
    /// `extfs`, `xfs`, `btrfs`, ... from `DriverStatus` "Backing Filesystem".
    pub(crate) backing_fs: Option<String>,
    /// Docker's containerd image store (`driver-type io.containerd.snapshotter.v1`).
    pub(crate) containerd_snapshotter: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum InotifySource {
    /// Read from this host's /proc (the engine shares its kernel).
    Host,
    /// Measured inside the engine (e.g. by a one-shot container), set by the provider.
    Engine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct InotifyReading {
    pub(crate) limits: InotifyLimits,
    pub(crate) source: InotifySource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct EngineSummary {
    /// `linux`; `windows` means Docker Desktop is in Windows-containers mode.
    pub(crate) os_type: String,
    pub(crate) operating_system: String,
    pub(crate) name: String,
    pub(crate) kernel_version: String,
    pub(crate) arch: Arch,
    pub(crate) server_version: String,
    pub(crate) api_version: Option<String>,
    /// `4.37.1` when the engine is Docker Desktop and `/version` was given.
    pub(crate) desktop_version: Option<String>,
    pub(crate) ncpu: u64,
    /// Bytes.
    pub(crate) mem_total: u64,
    pub(crate) system_time: Option<String>,
    pub(crate) warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Environment {
    pub(crate) host_os: HostOs,
    /// The architecture of this minik binary (x86_64 under Rosetta on Apple Silicon).
    pub(crate) host_arch: Arch,
    pub(crate) host_kernel: Option<String>,
    pub(crate) wsl: Option<Wsl>,
    pub(crate) endpoint: Endpoint,
    /// The engine is on another machine (tcp/ssh to a non-loopback host).
    pub(crate) remote: bool,
    pub(crate) flavour: Flavour,
    pub(crate) engine: EngineSummary,
    /// `name=rootless` (or Podman's `Rootless: true`).
    pub(crate) rootless: bool,
    /// `name=userns`: the daemon runs with userns-remap.
    pub(crate) userns_remap: bool,
    pub(crate) selinux: bool,
    pub(crate) cgroup: CgroupInfo,
    pub(crate) storage: StorageInfo,
    pub(crate) proxy: ProxySettings,
    /// Host limits when the engine shares this kernel; otherwise whatever the provider measured.
    pub(crate) inotify: Option<InotifyReading>,
    /// MTU of the engine's default `bridge` network (`com.docker.network.driver.mtu`), filled in
    /// by the provider.
    pub(crate) bridge_mtu: Option<u32>,
    /// Filled in by the provider: `Some(true)` when the engine refused `--privileged` with
    /// "unable to apply caps: operation not permitted"; `None` when not tried yet.
    pub(crate) privileged_refused: Option<bool>,
}

impl Environment {
    /// Builds the model from the raw JSON bodies of `GET /info` and `GET /version` (the
    /// recorded engines in the tests are kept as JSON).
    #[cfg(test)]
    pub(crate) fn build(
        info: &Value,
        version: Option<&Value>,
        endpoint: &Endpoint,
        host: &HostFacts,
    ) -> Result<Self, InfoError> {
        let info = EngineInfo::from_json(info)?;
        let version = version.map(EngineVersion::from_json);
        Ok(Self::from_info(&info, version.as_ref(), endpoint, host))
    }

    /// Builds the model from what the engine says about itself (the provider's typed answers).
    pub(crate) fn from_info(
        info: &EngineInfo,
        version: Option<&EngineVersion>,
        endpoint: &Endpoint,
        host: &HostFacts,
    ) -> Self {
        let wsl = host.wsl();
        let flavour = classify(info, version, host.os, wsl.as_ref(), endpoint);
        let remote = !endpoint.is_local();
        let local_kernel = flavour.shares_host_kernel() && !remote && host.os == HostOs::Linux;

        let rootless = info.has_security_option("rootless") || info.rootless_field.unwrap_or(false);
        let probe = host.cgroup.as_ref().filter(|_| local_kernel);
        let cgroup = cgroup_info(info, probe);
        let storage = StorageInfo {
            driver: info.driver.clone(),
            backing_fs: info.driver_status("Backing Filesystem").map(str::to_string),
            containerd_snapshotter: info
                .driver_status("driver-type")
                .is_some_and(|t| t.contains("io.containerd.snapshotter")),
        };
        let docker_config = host
            .docker_config_dir()
            .and_then(|dir| load_docker_config(&host.fs, &dir).ok().flatten());
        let proxy = detect_proxy(&host.env, docker_config.as_ref(), &endpoint.host, info);
        let inotify = host
            .inotify
            .filter(|_| local_kernel)
            .map(|limits| InotifyReading {
                limits,
                source: InotifySource::Host,
            });
        let engine = engine_summary(info, version, host, remote);
        Environment {
            host_os: host.os,
            host_arch: host.arch.clone(),
            host_kernel: host.kernel_release.clone(),
            wsl,
            endpoint: endpoint.clone(),
            remote,
            flavour,
            engine,
            rootless,
            userns_remap: info.has_security_option("userns"),
            selinux: info.has_security_option("selinux"),
            cgroup,
            storage,
            proxy,
            inotify,
            bridge_mtu: None,
            privileged_refused: None,
        }
    }

    /// Records inotify limits measured inside the engine (VM runtimes).
    #[cfg(test)]
    pub(crate) fn set_engine_inotify(&mut self, limits: InotifyLimits) {
        self.inotify = Some(InotifyReading {
            limits,
            source: InotifySource::Engine,
        });
    }

    /// Windows-containers mode: nothing minik does can work.
    pub(crate) fn windows_containers(&self) -> bool {
        self.engine.os_type.eq_ignore_ascii_case("windows")
    }

    /// The node image architecture to use, if there is one for this engine.
    pub(crate) fn node_image_arch(&self) -> Option<&'static str> {
        match self.engine.arch {
            Arch::Amd64 => Some("amd64"),
            Arch::Arm64 => Some("arm64"),
            Arch::Other(_) => None,
        }
    }

    /// Rootless engines need cgroup v2 with cpu, memory and pids delegated (kind's rule, read from
    /// the daemon's own `/info` flags so it also holds for VMs and remote engines).
    pub(crate) fn rootless_ready(&self) -> bool {
        let l = self.cgroup.limits;
        self.cgroup.version == CgroupVersion::V2 && l.memory && l.pids && l.cpu_shares
    }

    /// Node IPs can be reached from this host: only for a local, rootful engine on this Linux
    /// kernel (native Docker or rootful Podman). Everything else is port-forward only.
    pub(crate) fn node_ips_reachable(&self) -> bool {
        let native = matches!(
            self.flavour,
            Flavour::NativeLinux
                | Flavour::Podman {
                    rootless: false,
                    machine: false
                }
        );
        native
            && !self.rootless
            && !self.remote
            && self.host_os == HostOs::Linux
            && self.wsl.is_none()
    }
}

/// What `docker info` says about cgroups; a local kernel's probe tells hybrid hosts from v1.
fn cgroup_info(info: &EngineInfo, probe: Option<&CgroupProbe>) -> CgroupInfo {
    let none_driver = info.cgroup_driver == "none";
    let limits = LimitSupport {
        cpus: info.cpu_cfs_quota && !none_driver,
        memory: info.memory_limit && !none_driver,
        pids: info.pids_limit && !none_driver,
        cpu_shares: info.cpu_shares && !none_driver,
    };
    let version = match info.cgroup_version.as_deref() {
        Some("2") | Some("v2") => CgroupVersion::V2,
        Some("1") | Some("v1") if probe.is_some_and(|p| p.is_hybrid()) => CgroupVersion::Hybrid,
        Some("1") | Some("v1") => CgroupVersion::V1,
        _ => CgroupVersion::Unknown,
    };
    CgroupInfo {
        version,
        driver: info.cgroup_driver.clone(),
        limits,
        delegated: probe.and_then(|p| p.delegated.clone()),
    }
}

/// The engine's identity and size, as `minik doctor` shows it.
fn engine_summary(
    info: &EngineInfo,
    version: Option<&EngineVersion>,
    host: &HostFacts,
    remote: bool,
) -> EngineSummary {
    EngineSummary {
        os_type: info.os_type.clone(),
        operating_system: info.operating_system.clone(),
        name: info.name.clone(),
        kernel_version: info.kernel_version.clone(),
        // Some compat APIs omit it; a local engine then has this host's architecture.
        arch: if info.architecture.is_empty() && !remote {
            host.arch.clone()
        } else {
            Arch::parse(&info.architecture)
        },
        server_version: info.server_version.clone(),
        api_version: version.and_then(|v| v.api_version.clone()),
        desktop_version: version.and_then(EngineVersion::desktop_version),
        ncpu: info.ncpu,
        mem_total: info.mem_total,
        system_time: info.system_time.clone(),
        warnings: info.warnings.clone(),
    }
}
