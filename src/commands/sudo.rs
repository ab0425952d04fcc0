//! `sudo minik create` is a reflex on Linux when the docker socket says "permission denied",
//! and it goes wrong quietly: sudo resets HOME, so the cluster's kubeconfig lands in root's home
//! where the user's own kubectl never looks. So a command that writes the kubeconfig refuses to
//! run under sudo (root with `SUDO_USER` set) unless `--kubeconfig` says where it goes, and
//! names the docker-group fix instead.

use crate::error::Error;
use crate::input::InputError;

/// Refuse when running as root for a sudo user without an explicit kubeconfig.
pub(super) fn refuse_under_sudo(explicit_kubeconfig: bool) -> Result<(), Error> {
    let user = std::env::var("SUDO_USER")
        .ok()
        .filter(|u| !u.is_empty() && u != "root");
    match user {
        Some(user) if is_root() && !explicit_kubeconfig => {
            Err(InputError::UnderSudo { user }.into())
        }
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

#[cfg(not(unix))]
fn is_root() -> bool {
    false
}
