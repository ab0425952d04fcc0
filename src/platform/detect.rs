//! Which runtime the engine is, from `/info`, `/version`, the host and the endpoint.
//!
//! Rules, first match wins:
//! 1. `OperatingSystem` "Docker Desktop" (or `Name` docker-desktop, or the
//!    `com.docker.desktop.address` label): on macOS → Mac/Vm; on Windows or inside WSL → Windows
//!    with the WSL2 backend when the engine kernel is a WSL2 kernel, else Hyper-V; on Linux →
//!    Linux/Vm.
//! 2. OrbStack: `OperatingSystem` OrbStack, `Name` orbstack, or a `-orbstack` kernel.
//! 3. Colima: `Name` colima / colima-*, or an endpoint under `/.colima/`.
//! 4. Rancher Desktop: `Name` lima-rancher-desktop, `OperatingSystem` "Rancher Desktop…", an
//!    endpoint under `/.rd/`, or its seccomp profile.
//! 5. Podman: a "Podman Engine" component in `/version`, `ProductLicense` Apache-2.0 with an
//!    empty `IndexServerAddress`, or "podman" in the endpoint. Rootless from `name=rootless` or
//!    `Rootless: true`; a machine when the host is not Linux or the socket is a machine socket.
//! 6. `name=rootless` → rootless Docker.
//! 7. A WSL2 kernel → docker-ce inside WSL2.
//! 8. Otherwise native Linux.

use serde::Serialize;

use super::endpoint::{Endpoint, EndpointKind};
use super::host::{is_wsl2_kernel, HostOs, Wsl};
use super::info::{EngineInfo, EngineVersion};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DesktopOs {
    Mac,
    Windows,
    Linux,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum DesktopBackend {
    Wsl2,
    HyperV,
    /// A VM managed by Docker Desktop itself (macOS, Linux).
    Vm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub(crate) enum Flavour {
    DockerDesktop {
        os: DesktopOs,
        backend: DesktopBackend,
    },
    RancherDesktop,
    Colima,
    OrbStack,
    Podman {
        rootless: bool,
        machine: bool,
    },
    RootlessDocker,
    DockerCeInWsl2,
    NativeLinux,
}

impl Flavour {
    /// For messages: "Docker Desktop (macOS)".
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Flavour::DockerDesktop {
                os: DesktopOs::Mac, ..
            } => "Docker Desktop (macOS)",
            Flavour::DockerDesktop {
                os: DesktopOs::Windows,
                backend: DesktopBackend::HyperV,
            } => "Docker Desktop (Windows, Hyper-V backend)",
            Flavour::DockerDesktop {
                os: DesktopOs::Windows,
                ..
            } => "Docker Desktop (Windows, WSL 2 backend)",
            Flavour::DockerDesktop {
                os: DesktopOs::Linux,
                ..
            } => "Docker Desktop (Linux)",
            Flavour::RancherDesktop => "Rancher Desktop",
            Flavour::Colima => "Colima",
            Flavour::OrbStack => "OrbStack",
            Flavour::Podman { machine: true, .. } => "Podman machine",
            Flavour::Podman { rootless: true, .. } => "Podman (rootless)",
            Flavour::Podman { .. } => "Podman",
            Flavour::RootlessDocker => "rootless Docker",
            Flavour::DockerCeInWsl2 => "Docker Engine inside WSL 2",
            Flavour::NativeLinux => "Docker Engine (Linux)",
        }
    }

    /// [`Flavour::label`] as a line in every language: the words around the product's name
    /// are translated, the name is not.
    pub(crate) fn label_msg(&self) -> crate::i18n::Msg {
        use crate::i18n::{Key, Msg};
        let key = match self {
            Flavour::DockerDesktop {
                os: DesktopOs::Windows,
                backend: DesktopBackend::HyperV,
            } => Key::FlavourDesktopHyperV,
            Flavour::DockerDesktop {
                os: DesktopOs::Windows,
                ..
            } => Key::FlavourDesktopWsl2,
            Flavour::Podman {
                machine: false,
                rootless: true,
                ..
            } => Key::FlavourPodmanRootless,
            Flavour::RootlessDocker => Key::FlavourRootlessDocker,
            Flavour::DockerCeInWsl2 => Key::FlavourDockerInWsl2,
            _ => return Msg::verbatim(self.label()),
        };
        crate::msg!(key)
    }

    /// The engine runs in a VM that a desktop app or tool manages (limits, inotify and node IPs
    /// belong to that VM, not to this host).
    pub(crate) fn runs_in_vm(&self) -> bool {
        match self {
            Flavour::DockerDesktop { .. }
            | Flavour::RancherDesktop
            | Flavour::Colima
            | Flavour::OrbStack => true,
            Flavour::Podman { machine, .. } => *machine,
            Flavour::RootlessDocker | Flavour::DockerCeInWsl2 | Flavour::NativeLinux => false,
        }
    }

    /// The engine shares this host's kernel, so host probes (cgroup mounts, inotify) apply.
    pub(crate) fn shares_host_kernel(&self) -> bool {
        !self.runs_in_vm()
    }

    pub(crate) fn is_docker_desktop(&self) -> bool {
        matches!(self, Flavour::DockerDesktop { .. })
    }
}

fn endpoint_text(endpoint: &Endpoint) -> String {
    match &endpoint.kind {
        EndpointKind::Unix { path } => path.display().to_string(),
        EndpointKind::NamedPipe { path } => path.clone(),
        _ => endpoint.host.clone(),
    }
}

/// Applies the rules in the module docs.
pub(crate) fn classify(
    info: &EngineInfo,
    version: Option<&EngineVersion>,
    host_os: HostOs,
    wsl: Option<&Wsl>,
    endpoint: &Endpoint,
) -> Flavour {
    let os = info.operating_system.as_str();
    let name = info.name.as_str();
    let kernel = info.kernel_version.as_str();
    let ep = endpoint_text(endpoint);
    let rootless = info.has_security_option("rootless") || info.rootless_field.unwrap_or(false);

    let desktop = os == "Docker Desktop"
        || os.starts_with("Docker Desktop")
        || name == "docker-desktop"
        || info.label("com.docker.desktop.address").is_some();
    if desktop {
        let (os, backend) = match host_os {
            HostOs::Macos => (DesktopOs::Mac, DesktopBackend::Vm),
            HostOs::Windows => (DesktopOs::Windows, windows_backend(kernel)),
            _ if wsl.is_some() => (DesktopOs::Windows, windows_backend(kernel)),
            _ => (DesktopOs::Linux, DesktopBackend::Vm),
        };
        return Flavour::DockerDesktop { os, backend };
    }
    if os == "OrbStack" || name == "orbstack" || kernel.contains("-orbstack") {
        return Flavour::OrbStack;
    }
    if name == "colima" || name.starts_with("colima-") || ep.contains("/.colima/") {
        return Flavour::Colima;
    }
    let rd_seccomp = info
        .security_option("seccomp")
        .is_some_and(|o| o.contains("rancher-desktop"));
    if name == "lima-rancher-desktop"
        || os.starts_with("Rancher Desktop")
        || ep.contains("/.rd/")
        || rd_seccomp
    {
        return Flavour::RancherDesktop;
    }
    let podman_component = version.is_some_and(|v| {
        v.component_names
            .iter()
            .any(|c| c.to_ascii_lowercase().contains("podman"))
    });
    let podman_info = info.product_license.as_deref() == Some("Apache-2.0")
        && info.index_server_address.is_empty();
    if podman_component || podman_info || ep.to_ascii_lowercase().contains("podman") {
        let machine = host_os != HostOs::Linux
            || wsl.is_some()
            || ep.contains("podman-machine")
            || ep.contains("/machine/")
            || matches!(endpoint.kind, EndpointKind::Ssh { .. });
        return Flavour::Podman { rootless, machine };
    }
    if rootless {
        return Flavour::RootlessDocker;
    }
    if is_wsl2_kernel(kernel) {
        return Flavour::DockerCeInWsl2;
    }
    Flavour::NativeLinux
}

fn windows_backend(kernel: &str) -> DesktopBackend {
    if is_wsl2_kernel(kernel) {
        DesktopBackend::Wsl2
    } else {
        DesktopBackend::HyperV
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::endpoint::{parse_host, EndpointSource};
    use serde_json::json;

    fn ep(url: &str) -> Endpoint {
        Endpoint {
            source: EndpointSource::Default,
            host: url.into(),
            kind: parse_host(url, None, false).unwrap_or(EndpointKind::NamedPipe {
                path: String::new(),
            }),
        }
    }

    fn info(v: serde_json::Value) -> EngineInfo {
        EngineInfo::from_json(&v).unwrap_or_default()
    }

    #[test]
    fn docker_desktop_seen_from_a_wsl_distro_is_the_windows_one() {
        let i = info(json!({"OperatingSystem": "Docker Desktop",
            "KernelVersion": "6.6.87.2-microsoft-standard-WSL2"}));
        let wsl = Wsl {
            version: 2,
            distro: Some("Ubuntu".into()),
            systemd: true,
        };
        assert_eq!(
            classify(
                &i,
                None,
                HostOs::Linux,
                Some(&wsl),
                &ep("unix:///var/run/docker.sock")
            ),
            Flavour::DockerDesktop {
                os: DesktopOs::Windows,
                backend: DesktopBackend::Wsl2
            }
        );
        assert_eq!(
            classify(
                &i,
                None,
                HostOs::Linux,
                None,
                &ep("unix:///home/a/.docker/desktop/docker.sock")
            ),
            Flavour::DockerDesktop {
                os: DesktopOs::Linux,
                backend: DesktopBackend::Vm
            }
        );
    }

    #[test]
    fn podman_machine_on_macos() {
        let i = info(
            json!({"OperatingSystem": "fedora", "ProductLicense": "Apache-2.0",
            "IndexServerAddress": "", "Rootless": false}),
        );
        let url = "unix:///var/folders/x/T/podman/podman-machine-default-api.sock";
        assert_eq!(
            classify(&i, None, HostOs::Macos, None, &ep(url)),
            Flavour::Podman {
                rootless: false,
                machine: true
            }
        );
    }

    #[test]
    fn colima_by_socket_path_with_a_custom_profile_name() {
        let i = info(json!({"OperatingSystem": "Ubuntu 24.04.1 LTS", "Name": "work"}));
        let url = "unix:///Users/a/.colima/work/docker.sock";
        assert_eq!(
            classify(&i, None, HostOs::Macos, None, &ep(url)),
            Flavour::Colima
        );
    }
}
