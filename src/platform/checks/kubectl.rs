//! The `kubectl` row: the attendee types kubectl all day, and Colima, Docker Engine on Linux,
//! rootless Docker and Podman ship none. kubectl is supported within one minor version (older or
//! newer) of the API server (kubernetes.io/releases/version-skew-policy), so the row checks the
//! version against the cluster's, gives each OS's install line for that exact version, and
//! points to `minik kubectl --`, which needs no download at all.

use super::{row, Check, Status};
use crate::i18n::{Key, Msg};
use crate::k8s_version::KubeVersion;
use crate::msg;
use crate::platform::environment::Environment;
use crate::platform::host::HostOs;

const WHY: &str = "the exercises are kubectl commands; kubectl works within one minor version of \
                   the cluster's Kubernetes";

/// What the caller found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KubectlFacts {
    /// `kubectl version --client`'s version; `None` when no kubectl ran.
    pub(crate) client: Option<String>,
    /// The Kubernetes version the cluster runs (its node image's).
    pub(crate) server: KubeVersion,
}

/// Whether a client of `client` may talk to an API server of `server`: at most one minor apart.
pub(crate) fn within_skew(client: &KubeVersion, server: &KubeVersion) -> bool {
    client.major == server.major && client.minor.abs_diff(server.minor) <= 1
}

/// The line that installs kubectl `v` on this OS (kubernetes.io/docs/tasks/tools).
pub(crate) fn install_line(env: &Environment, v: &KubeVersion) -> Msg {
    let arch = env.host_arch.as_str();
    let v = format!("v{}.{}.{}", v.major, v.minor, v.patch);
    let url =
        |os: &str, file: &str| format!("https://dl.k8s.io/release/{v}/bin/{os}/{arch}/{file}");
    match env.host_os {
        HostOs::Windows => msg!(
            Key::KubectlInstallWindows,
            url = url("windows", "kubectl.exe")
        ),
        HostOs::Macos => msg!(Key::KubectlInstallMacos, url = url("darwin", "kubectl")),
        _ => Msg::verbatim(format!(
            "`curl -LO {}; sudo install -m 0755 kubectl /usr/local/bin/kubectl`",
            url("linux", "kubectl")
        )),
    }
}

pub(crate) fn kubectl(env: &Environment, facts: &KubectlFacts) -> Check {
    let server = &facts.server;
    let install = install_line(env, server);
    let Some(client) = &facts.client else {
        return row(
            "kubectl",
            "kubectl",
            Status::Warn,
            "not found on PATH",
            WHY,
            Some(msg!(Key::KubectlInstall; install => install)),
        );
    };
    match client.parse::<KubeVersion>() {
        Ok(c) if within_skew(&c, server) => row(
            "kubectl",
            "kubectl",
            Status::Ok,
            msg!(Key::KubectlWithin, client = client, server = server),
            WHY,
            None,
        ),
        Ok(_) => row(
            "kubectl",
            "kubectl",
            Status::Warn,
            msg!(Key::KubectlSkewed, client = client, server = server),
            WHY,
            Some(msg!(Key::KubectlInstallVersion, server = server; install => install)),
        ),
        Err(_) => row(
            "kubectl",
            "kubectl",
            Status::Warn,
            msg!(Key::KubectlUnknownVersion, client = client, server = server),
            WHY,
            Some(msg!(Key::KubectlIfMisbehaves, server = server; install => install)),
        ),
    }
}
