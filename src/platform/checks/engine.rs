//! Rows about the engine itself: version, OS type, architecture, userns, storage, proxy,
//! privileged mode.

use super::{row, Check, Status};
use crate::i18n::{Key, Msg};
use crate::msg;
use crate::platform::detect::{DesktopOs, Flavour};
use crate::platform::endpoint::EndpointSource;
use crate::platform::environment::Environment;
use crate::platform::host::{Arch, HostOs};
use crate::platform::info::parse_version;

pub(super) fn engine(env: &Environment) -> Check {
    let e = &env.engine;
    let product = match (&e.desktop_version, &e.api_version) {
        (Some(dd), Some(api)) => Msg::verbatim(format!(
            "Docker Desktop {dd} (Engine {}, API {api})",
            e.server_version
        )),
        (Some(dd), None) => {
            Msg::verbatim(format!("Docker Desktop {dd} (Engine {})", e.server_version))
        }
        (None, api) => {
            let api = api
                .as_ref()
                .map(|a| format!(" (API {a})"))
                .unwrap_or_default();
            msg!(Key::EngineProduct, version = format!("{}{api}", e.server_version);
                runtime => env.flavour.label_msg())
        }
    };
    let found = msg!(Key::EngineFound, host = env.endpoint.host;
        product => product, source => source(&env.endpoint.source));
    let why = "minik creates nodes through this engine";

    let is_mac = matches!(
        env.flavour,
        Flavour::DockerDesktop {
            os: DesktopOs::Mac,
            ..
        }
    );
    match e.desktop_version.as_deref() {
        Some("4.16.0") => {
            return row(
                "engine",
                "Engine reachable",
                Status::Warn,
                found,
                "Docker Desktop 4.16.0 has a known bug that breaks container listing",
                Some("update Docker Desktop (Settings → Software updates)".into()),
            );
        }
        Some("4.34.0") if is_mac => {
            return row(
                "engine",
                "Engine reachable",
                Status::Warn,
                found,
                "Docker Desktop 4.34.0 on macOS has a known bug that breaks container listing",
                Some("update Docker Desktop (Settings → Software updates)".into()),
            );
        }
        _ => {}
    }
    let version = parse_version(&e.server_version);
    let podman = matches!(env.flavour, Flavour::Podman { .. });
    if podman {
        if version.is_some_and(|v| v < (4, 0, 0)) {
            return row(
                "engine",
                "Engine reachable",
                Status::Warn,
                found,
                "Podman before 4.0 lacks parts of the Docker API minik uses",
                Some("upgrade Podman to 4.9 or later".into()),
            );
        }
    } else if version.is_some_and(|v| v < (20, 10, 0)) {
        return row(
            "engine",
            "Engine reachable",
            Status::Fail,
            found,
            "nodes need private cgroup namespaces (--cgroupns=private), added in Docker 20.10",
            Some("upgrade Docker to 20.10 or later".into()),
        );
    }
    row("engine", "Engine reachable", Status::Ok, found, why, None)
}

/// Where the engine's address came from: the flag or variable as typed, else in words.
fn source(s: &EndpointSource) -> Msg {
    match s {
        EndpointSource::Default => msg!(Key::EndpointDefault),
        EndpointSource::Probed { runtime } => msg!(Key::EndpointProbed, runtime = runtime),
        other => Msg::verbatim(other.short()),
    }
}

pub(super) fn os_type(env: &Environment) -> Check {
    if env.windows_containers() {
        return row("os-type", "Linux containers", Status::Fail,
            "the engine runs Windows containers (OSType windows)",
            "Kubernetes nodes are Linux containers",
            Some("right-click the Docker Desktop tray icon and choose \"Switch to Linux containers...\"".into()));
    }
    let found = if env.engine.os_type.is_empty() {
        msg!(Key::OsTypeAssumed)
    } else {
        Msg::verbatim(format!("OSType {}", env.engine.os_type))
    };
    row(
        "os-type",
        "Linux containers",
        Status::Ok,
        found,
        "Kubernetes nodes are Linux containers",
        None,
    )
}

pub(super) fn arch(env: &Environment) -> Check {
    let engine = &env.engine.arch;
    let Some(node) = env.node_image_arch() else {
        return row(
            "arch",
            "Architecture",
            Status::Fail,
            msg!(Key::ArchEngineOnly, arch = engine.as_str()),
            "node images exist for amd64 and arm64 only",
            Some("use an amd64 or arm64 machine".into()),
        );
    };
    let found = msg!(Key::ArchFound, engine = engine.as_str(), node = node);
    let rosetta = env.host_os == HostOs::Macos
        && !env.remote
        && env.host_arch == Arch::Amd64
        && *engine == Arch::Arm64;
    if rosetta {
        return row(
            "arch",
            "Architecture",
            Status::Warn,
            msg!(Key::ArchRosetta; found => found),
            "an amd64 minik on Apple Silicon picks wrong defaults for image loading and is slower",
            Some("install the arm64 (Apple Silicon) build of minik".into()),
        );
    }
    row(
        "arch",
        "Architecture",
        Status::Ok,
        found,
        "the node image must match the engine's CPU",
        None,
    )
}

pub(super) fn userns(env: &Environment) -> Check {
    if env.userns_remap {
        return row(
            "userns",
            "User namespaces",
            Status::Ok,
            "the engine uses userns-remap; nodes run with --userns=host",
            "systemd and kubelet in the nodes need real root",
            None,
        );
    }
    row(
        "userns",
        "User namespaces",
        Status::Ok,
        "userns-remap not in use",
        "systemd and kubelet in the nodes need real root",
        None,
    )
}

pub(super) fn storage(env: &Environment) -> Check {
    let s = &env.storage;
    let mut found = match &s.backing_fs {
        Some(b) => msg!(Key::StorageOn, driver = s.driver, fs = b),
        None => Msg::verbatim(&s.driver),
    };
    if s.containerd_snapshotter {
        found = msg!(Key::StorageSnapshotter; found => found);
    }
    let backing = s.backing_fs.as_deref().unwrap_or("");
    if s.driver == "vfs" {
        let fix = if env.rootless {
            "use a kernel ≥ 5.11 (native overlayfs for rootless) or install fuse-overlayfs, \
             then restart the engine"
        } else {
            "set \"storage-driver\": \"overlay2\" in /etc/docker/daemon.json and restart \
             Docker (existing images are not carried over)"
        };
        return row(
            "storage",
            "Storage driver",
            Status::Warn,
            found,
            "vfs copies every image layer in full: node creation is slow and uses many GB of disk",
            Some(fix.into()),
        );
    }
    if matches!(s.driver.as_str(), "btrfs" | "zfs" | "devicemapper")
        || (matches!(backing, "btrfs" | "zfs" | "xfs") && !env.rootless)
    {
        return row(
            "storage",
            "Storage driver",
            Status::Ok,
            found,
            "minik mounts /dev/mapper into the nodes so kubelet can read disk stats",
            None,
        );
    }
    if s.containerd_snapshotter {
        return row(
            "storage",
            "Storage driver",
            Status::Ok,
            found,
            "with the containerd image store, `minik load` exports one platform (the node's) \
             so multi-platform images import cleanly",
            None,
        );
    }
    if s.driver == "fuse-overlayfs" {
        return row(
            "storage",
            "Storage driver",
            Status::Ok,
            found,
            "works; slower than overlay2",
            None,
        );
    }
    row(
        "storage",
        "Storage driver",
        Status::Ok,
        found,
        "node images and layers live here",
        None,
    )
}

pub(super) fn proxy(env: &Environment) -> Check {
    let p = &env.proxy;
    let why = "nodes pull images themselves, so they need the same proxy as this machine";
    if !p.is_set() {
        if let Some(engine_proxy) = &p.engine_proxy {
            return row(
                "proxy",
                "Proxy",
                Status::Warn,
                msg!(Key::ProxyEngineOnly, proxy = engine_proxy),
                "nodes pull images themselves and get no proxy unless one is set in this shell",
                Some(msg!(Key::ProxyExport, proxy = engine_proxy)),
            );
        }
        return row(
            "proxy",
            "Proxy",
            Status::Ok,
            "no proxy configured",
            why,
            None,
        );
    }
    let from = match &p.source {
        crate::platform::proxy::ProxySource::DockerConfig { key } => {
            msg!(Key::ProxyFromDockerConfig, key = key)
        }
        _ => msg!(Key::ProxyFromEnvironment),
    };
    let shown = p
        .https_proxy
        .as_deref()
        .or(p.http_proxy.as_deref())
        .unwrap_or("");
    let no_proxy = match p.no_proxy.as_deref() {
        Some(n) => Msg::verbatim(n),
        None => msg!(Key::Unset),
    };
    let found = msg!(Key::ProxyFound, proxy = shown; from => from, no_proxy => no_proxy);
    let no = p.no_proxy.as_deref().unwrap_or("");
    let covers_loopback = no
        .split(',')
        .any(|s| matches!(s.trim(), "127.0.0.1" | "localhost" | "127.0.0.0/8"));
    if !covers_loopback {
        return row("proxy", "Proxy", Status::Warn, found,
            "kubectl would send requests for https://127.0.0.1:<port> through the proxy; nodes get \
             NO_PROXY extended automatically, this shell does not",
            Some("export NO_PROXY=\"$NO_PROXY,localhost,127.0.0.1\" (and no_proxy)".into()));
    }
    row(
        "proxy",
        "Proxy",
        Status::Ok,
        found,
        "nodes get the proxy; NO_PROXY is extended with the node, pod and service networks",
        None,
    )
}

pub(super) fn privileged(env: &Environment) -> Check {
    match env.privileged_refused {
        Some(true) => row(
            "privileged",
            "Privileged containers",
            Status::Warn,
            "the engine refuses --privileged (\"unable to apply caps: operation not permitted\")",
            "the engine's own capability set is limited (it runs inside a restricted container or \
             VM); minik falls back to an explicit capability set, which works for most clusters",
            Some(
                "nothing to do; if nodes fail to boot, run the engine with full capabilities"
                    .into(),
            ),
        ),
        Some(false) => row(
            "privileged",
            "Privileged containers",
            Status::Ok,
            "--privileged works",
            "nodes run systemd, containerd and kubelet",
            None,
        ),
        None => row(
            "privileged",
            "Privileged containers",
            Status::Ok,
            "not tried yet (checked when the first node starts)",
            "nodes run systemd, containerd and kubelet",
            None,
        ),
    }
}
