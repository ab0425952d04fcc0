//! Facts about the machine minik runs on (not the engine, which may sit in a VM or far away).
//!
//! [`HostFacts`] is plain data. [`HostFacts::from_host`] fills it from the real machine; tests build
//! it from fixtures with a fake environment and a re-rooted file system.

use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use super::hostfs::{env_get, EnvMap, HostFs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum HostOs {
    Linux,
    Macos,
    Windows,
    Other,
}

impl HostOs {
    /// The OS's own name, as its maker writes it (the same in every language).
    pub(crate) fn name(self) -> &'static str {
        match self {
            HostOs::Linux => "Linux",
            HostOs::Macos => "macOS",
            HostOs::Windows => "Windows",
            HostOs::Other => "?",
        }
    }

    /// The OS this binary was built for (and so runs on).
    pub(crate) fn current() -> Self {
        Self::parse(std::env::consts::OS)
    }

    /// Accepts Rust's `std::env::consts::OS` names and Go's `GOOS` names.
    pub(crate) fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "linux" => HostOs::Linux,
            "macos" | "darwin" => HostOs::Macos,
            "windows" => HostOs::Windows,
            _ => HostOs::Other,
        }
    }
}

/// A CPU architecture, named the way container images name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arch {
    Amd64,
    Arm64,
    Other(String),
}

impl Arch {
    /// The architecture this binary was built for.
    pub(crate) fn current() -> Self {
        Self::parse(std::env::consts::ARCH)
    }

    /// Accepts kernel (`x86_64`, `aarch64`), Rust and Go/OCI names (`amd64`, `arm64`).
    pub(crate) fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "x86_64" | "amd64" | "x86-64" => Arch::Amd64,
            "aarch64" | "arm64" | "arm64/v8" => Arch::Arm64,
            other => Arch::Other(other.to_string()),
        }
    }

    /// The OCI name (`amd64`, `arm64`, or whatever the engine said).
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
            Arch::Other(s) => s,
        }
    }
}

impl Serialize for Arch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `fs.inotify` limits (shared by every node, since they are not namespaced per container).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InotifyLimits {
    pub max_user_watches: u64,
    pub max_user_instances: u64,
}

impl InotifyLimits {
    /// What multi-node clusters need (kind's documented values).
    pub const RECOMMENDED: InotifyLimits = InotifyLimits {
        max_user_watches: 524_288,
        max_user_instances: 512,
    };

    pub fn is_enough(&self) -> bool {
        self.max_user_watches >= Self::RECOMMENDED.max_user_watches
            && self.max_user_instances >= Self::RECOMMENDED.max_user_instances
    }
}

/// How cgroups are mounted on the host, read from `/proc/self/mounts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct CgroupProbe {
    /// cgroup v1 hierarchies (`cpu`, `memory`, `name=systemd`, ...).
    pub(crate) v1_controllers: Vec<String>,
    /// Where cgroup2 is mounted (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on hybrid hosts).
    pub(crate) cgroup2_mounts: Vec<String>,
    /// Controllers delegated to the user's systemd instance (rootless engines need
    /// `cpu memory pids`), from `user@<uid>.service/cgroup.controllers`; `None` when not read.
    pub(crate) delegated: Option<Vec<String>>,
}

const V1_CONTROLLERS: &[&str] = &[
    "cpu",
    "cpuacct",
    "cpuset",
    "memory",
    "devices",
    "freezer",
    "net_cls",
    "net_prio",
    "blkio",
    "perf_event",
    "hugetlb",
    "pids",
    "rdma",
    "misc",
];

impl CgroupProbe {
    /// Parses `/proc/self/mounts` (or `/proc/mounts`) text.
    pub(crate) fn from_mounts(mounts: &str) -> Self {
        let mut probe = CgroupProbe::default();
        for line in mounts.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(target), Some(fstype), Some(opts)) =
                (fields.get(1), fields.get(2), fields.get(3))
            else {
                continue;
            };
            match *fstype {
                "cgroup2" => probe.cgroup2_mounts.push((*target).to_string()),
                "cgroup" => {
                    for opt in opts.split(',') {
                        if V1_CONTROLLERS.contains(&opt) || opt.starts_with("name=") {
                            probe.v1_controllers.push(opt.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        probe
    }

    /// v1 controllers plus a cgroup2 mount: systemd's "hybrid" layout.
    pub(crate) fn is_hybrid(&self) -> bool {
        self.v1_controllers.iter().any(|c| !c.starts_with("name="))
            && !self.cgroup2_mounts.is_empty()
    }

    /// Pure cgroup v2 at /sys/fs/cgroup.
    pub(crate) fn is_unified(&self) -> bool {
        self.v1_controllers.is_empty() && self.cgroup2_mounts.iter().any(|m| m == "/sys/fs/cgroup")
    }
}

/// A WSL distro (minik runs inside Linux on Windows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Wsl {
    /// 1 or 2. Docker does not run under WSL 1.
    pub(crate) version: u8,
    /// `WSL_DISTRO_NAME`.
    pub(crate) distro: Option<String>,
    /// Whether systemd is PID 1 (`/run/systemd/system` exists; `[boot] systemd=true`).
    pub(crate) systemd: bool,
}

/// Whether a kernel release string is a WSL 2 kernel (`5.15.153.1-microsoft-standard-WSL2`, or
/// older `4.19.104-microsoft-standard`).
pub(crate) fn is_wsl2_kernel(release: &str) -> bool {
    release.to_ascii_lowercase().contains("microsoft-standard")
}

/// Everything minik reads from the host. All fields are plain data.
#[derive(Debug, Clone)]
pub(crate) struct HostFacts {
    pub(crate) os: HostOs,
    pub(crate) arch: Arch,
    /// `/proc/sys/kernel/osrelease` (Linux only).
    pub(crate) kernel_release: Option<String>,
    pub(crate) env: EnvMap,
    pub(crate) fs: HostFs,
    pub(crate) cgroup: Option<CgroupProbe>,
    pub(crate) inotify: Option<InotifyLimits>,
    /// Effective user id (Unix only).
    pub(crate) uid: Option<u32>,
}

impl HostFacts {
    /// Reads the real host: OS/arch of this binary, kernel release, environment, cgroup mounts,
    /// delegated controllers and inotify limits. Never fails: missing facts stay `None`.
    pub(crate) fn from_host() -> Self {
        let fs = HostFs::real();
        let os = HostOs::current();
        let read = |p: &str| fs.read_opt(Path::new(p)).map(|s| s.trim().to_string());
        let kernel_release = read("/proc/sys/kernel/osrelease");
        let uid = current_uid();
        let cgroup = read("/proc/self/mounts").map(|m| {
            let mut probe = CgroupProbe::from_mounts(&m);
            if let (true, Some(uid)) = (probe.is_unified(), uid.filter(|u| *u != 0)) {
                probe.delegated = read(&format!(
                    "/sys/fs/cgroup/user.slice/user-{uid}.slice/user@{uid}.service/cgroup.controllers"
                ))
                .map(|s| s.split_whitespace().map(str::to_string).collect());
            }
            probe
        });
        let inotify = match (
            read("/proc/sys/fs/inotify/max_user_watches").and_then(|s| s.parse().ok()),
            read("/proc/sys/fs/inotify/max_user_instances").and_then(|s| s.parse().ok()),
        ) {
            (Some(w), Some(i)) => Some(InotifyLimits {
                max_user_watches: w,
                max_user_instances: i,
            }),
            _ => None,
        };
        HostFacts {
            os,
            arch: Arch::current(),
            kernel_release,
            env: std::env::vars().collect(),
            fs,
            cgroup,
            inotify,
            uid,
        }
    }

    /// The user's home folder: `HOME`, else `USERPROFILE` (Windows).
    pub(crate) fn home(&self) -> Option<PathBuf> {
        env_get(&self.env, "HOME")
            .or_else(|| env_get(&self.env, "USERPROFILE"))
            .map(PathBuf::from)
    }

    /// The docker CLI's config folder: `DOCKER_CONFIG`, else `~/.docker`.
    pub(crate) fn docker_config_dir(&self) -> Option<PathBuf> {
        env_get(&self.env, "DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| self.home().map(|h| h.join(".docker")))
    }

    /// WSL, from the kernel release or the variables WSL sets (`WSL_DISTRO_NAME`, `WSL_INTEROP`).
    pub(crate) fn wsl(&self) -> Option<Wsl> {
        if self.os != HostOs::Linux {
            return None;
        }
        let kernel = self.kernel_release.as_deref().unwrap_or("");
        let env_says = env_get(&self.env, "WSL_DISTRO_NAME").is_some()
            || env_get(&self.env, "WSL_INTEROP").is_some();
        let version = if is_wsl2_kernel(kernel) {
            2
        } else if kernel.contains("Microsoft") {
            1
        } else if env_says {
            2
        } else {
            return None;
        };
        Some(Wsl {
            version,
            distro: env_get(&self.env, "WSL_DISTRO_NAME").map(str::to_string),
            systemd: self.fs.exists(Path::new("/run/systemd/system")),
        })
    }
}

#[cfg(unix)]
fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    // /proc/self is owned by the process's effective uid; no libc needed.
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn current_uid() -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
";

    #[test]
    fn cgroup_layouts() {
        let hybrid = CgroupProbe::from_mounts(HYBRID);
        assert!(hybrid.is_hybrid());
        assert!(!hybrid.is_unified());
        assert_eq!(hybrid.v1_controllers, ["cpu", "memory", "name=systemd"]);

        let v2 = CgroupProbe::from_mounts("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n");
        assert!(v2.is_unified());
        assert!(!v2.is_hybrid());

        let v1 = CgroupProbe::from_mounts("cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n");
        assert!(!v1.is_hybrid() && !v1.is_unified());
    }

    #[test]
    fn arch_names() {
        assert_eq!(Arch::parse("x86_64"), Arch::Amd64);
        assert_eq!(Arch::parse("aarch64"), Arch::Arm64);
        assert_eq!(Arch::parse("s390x").as_str(), "s390x");
        assert_eq!(HostOs::parse("darwin"), HostOs::Macos);
    }

    fn facts(kernel: &str, env: &[(&str, &str)]) -> HostFacts {
        HostFacts {
            os: HostOs::Linux,
            arch: Arch::Amd64,
            kernel_release: Some(kernel.to_string()),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            fs: HostFs::rooted("/nonexistent-minik-test-root"),
            cgroup: None,
            inotify: None,
            uid: Some(1000),
        }
    }

    #[test]
    fn wsl_detection() {
        let w = facts(
            "5.15.153.1-microsoft-standard-WSL2",
            &[("WSL_DISTRO_NAME", "Ubuntu")],
        );
        assert_eq!(
            w.wsl(),
            Some(Wsl {
                version: 2,
                distro: Some("Ubuntu".into()),
                systemd: false
            })
        );
        assert_eq!(
            facts("4.4.0-19041-Microsoft", &[]).wsl().map(|w| w.version),
            Some(1)
        );
        assert_eq!(facts("6.8.0-49-generic", &[]).wsl(), None);
    }

    #[test]
    fn docker_config_dir_prefers_docker_config() {
        let f = facts(
            "6.8.0",
            &[("HOME", "/home/ana"), ("DOCKER_CONFIG", "/etc/dc")],
        );
        assert_eq!(f.docker_config_dir(), Some(PathBuf::from("/etc/dc")));
        let f = facts("6.8.0", &[("HOME", "/home/ana")]);
        assert_eq!(
            f.docker_config_dir(),
            Some(PathBuf::from("/home/ana/.docker"))
        );
    }
}
