//! What minik is running on: the engine endpoint and the environment around it.
//!
//! Everything here is pure logic over inputs the caller passes in (env map, re-rootable file
//! system, the engine's `/info` and `/version`). Only [`HostFacts::from_host`] reads the real
//! machine. No Docker client lives here.
//!
//! # Flow
//!
//! The order of calls (crate-private, so shown as text rather than a doc test):
//!
//! ```text
//! let host = HostFacts::from_host();
//! let flags = EndpointFlags { host: None, context: None };   // --host / --context
//! let res = resolve_endpoint(&host, &flags)?;                // DOCKER_HOST, contexts, default
//! // The provider connects to res.endpoint (bollard), and on failure shows:
//! //   not_reachable_message(&res, &host, &err.to_string())
//! let info = provider.info().await?;                         // GET /info, typed (EngineInfo)
//! let mut env = Environment::from_info(&info, None, &res.endpoint, &host);
//! env.bridge_mtu = Some(1500);            // from the `bridge` network's options
//! env.privileged_refused = Some(false);   // after the first node start
//! let request = Request::new(3);
//! let plan = plan_adjustments(&env, &request);               // docker run flags + reasons
//! let rows = checks(&env, &request);                         // minik doctor
//! print!("{}", ui::doctor_text(&rows));
//! ```
//!
//! # What the caller feeds in
//! - `/info` (required); `/version` (optional: Docker Desktop version, API
//!   version, Podman detection).
//! - After building: [`Environment::bridge_mtu`] (`com.docker.network.driver.mtu` of the `bridge`
//!   network), [`Environment::privileged_refused`] (`Some(true)` when `--privileged` failed with
//!   "unable to apply caps"), and for VM runtimes optionally
//!   [`Environment::set_engine_inotify`] with limits measured in a one-shot container.
//! - [`Request`]: node count, node names and the node network's subnets once known (NO_PROXY),
//!   pod/service subnets, listen address, MTU override.
//! - Unix sockets of the chosen endpoint are checked for existence; named pipes are not. On a
//!   Windows "cannot find the file" error, [`sockets::probe_well_known`] can be called directly.
//!
//! # Modules
//! - [`endpoint`]: the docker CLI's endpoint rules; [`context_store`]: config.json and contexts;
//!   [`sockets`]: well-known sockets probed when the chosen one is absent; [`mod@unreachable`]: the
//!   "cannot reach the engine" text.
//! - [`host`]: host facts; [`info`]: `/info` and `/version` fields; [`detect`]: runtime flavour;
//!   [`environment`]: the combined model; [`proxy`]: proxies and NO_PROXY for nodes;
//!   [`remote`]: where the API server is reachable when the engine is on another machine.
//! - [`adjust`]: node container adjustments; [`mod@checks`]: doctor rows and their text rendering.

pub(crate) mod adjust;
pub(crate) mod checks;
pub(crate) mod context_store;
pub(crate) mod detect;
pub(crate) mod endpoint;
pub(crate) mod environment;
pub(crate) mod host;
pub(crate) mod hostfs;
pub(crate) mod info;
pub(crate) mod proxy;
pub(crate) mod remote;
pub(crate) mod sockets;
pub(crate) mod unreachable;

#[cfg(test)]
mod tests;

pub(crate) use adjust::{plan_adjustments, Adjustments, Request};
#[cfg(test)]
pub(crate) use adjust::{PrivilegeMode, RootlessTweaks};
pub(crate) use checks::{checks, checks_unreachable, is_blocking, most_nodes, Check, Status};
#[cfg(test)]
pub(crate) use context_store::{context_dir_name, TlsFiles};
#[cfg(test)]
pub(crate) use detect::{DesktopBackend, DesktopOs, Flavour};
pub(crate) use endpoint::EndpointError;
#[cfg(test)]
pub(crate) use endpoint::EndpointSource;
pub(crate) use endpoint::{resolve_endpoint, Endpoint, EndpointFlags, EndpointKind, Resolution};
#[cfg(test)]
pub(crate) use environment::CgroupVersion;
pub(crate) use environment::Environment;
pub(crate) use host::{Arch, HostFacts, HostOs};
#[cfg(test)]
pub(crate) use host::{CgroupProbe, InotifyLimits, Wsl};
#[cfg(test)]
pub(crate) use hostfs::HostFs;
#[cfg(test)]
pub(crate) use proxy::ProxySource;
pub(crate) use unreachable::not_reachable;
#[cfg(test)]
pub(crate) use unreachable::not_reachable_message;
