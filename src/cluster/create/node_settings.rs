//! The platform checks for a cluster about to be made or grown: blocking failures stop it,
//! warnings are shown, and the adjustments this platform needs become settings every node gets
//! (shared by create and `minik node add`).

use super::{NodeExtras, PrepareError};
use crate::cluster::naming;
use crate::config::ClusterConfig;
use crate::engine::Engine;
use crate::events::Events;
use crate::platform::{self, Adjustments, Request, Status};
use crate::provider::{BindMount, NodeRole};

/// The blocking platform checks (fast, once), their warnings, and the settings every node of
/// `config` gets on this platform.
pub(crate) async fn node_settings(
    engine: &Engine,
    config: &ClusterConfig,
    events: &Events,
) -> Result<NodeExtras, PrepareError> {
    let address = &config.networking.api_server_address;
    let engine_host = crate::provider::Provider::engine_host(&*engine.provider);
    platform::remote::check_api_address(address, engine_host)
        .map_err(crate::input::InputError::from)?;
    let env = engine.environment(None).await?;
    let mut request = Request::new(config.nodes.len());
    request.node_names = (1..=config.control_planes())
        .map(|i| naming::node_name(&config.name, NodeRole::ControlPlane, i))
        .chain((1..=config.workers()).map(|i| naming::node_name(&config.name, NodeRole::Worker, i)))
        .collect();
    request.pod_subnet = config.networking.pod_subnet.clone();
    request.service_subnet = config.networking.service_subnet.clone();
    let checks = platform::checks(&env, &request);
    if platform::is_blocking(&checks) {
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| format!("{}: {}", c.title, c.found))
            .collect();
        let fixes: Vec<String> = checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .filter_map(|c| c.fix.as_ref().map(ToString::to_string))
            .collect();
        return Err(PrepareError::PlatformRefused {
            problems: failed.join("; "),
            fixes: if fixes.is_empty() {
                "run `minik doctor` for details".into()
            } else {
                fixes.join("; ")
            },
        });
    }
    for c in checks
        .iter()
        .filter(|c| c.status == Status::Warn && c.id != "privileged")
    {
        events.warn(format!("{}: {} (see `minik doctor`)", c.title, c.found));
    }
    let adj = platform::plan_adjustments(&env, &request);
    for note in adj.notes() {
        events.debug(note);
    }
    let mut extras = NodeExtras::from(adj);
    extras.cert_sans = platform::remote::extra_cert_sans(address, engine_host);
    Ok(extras)
}

impl From<Adjustments> for NodeExtras {
    fn from(adj: Adjustments) -> NodeExtras {
        let mut extras = NodeExtras::default();
        if adj.mount_dev_mapper.is_some() {
            extras.mounts.push(BindMount {
                host_path: "/dev/mapper".into(),
                container_path: "/dev/mapper".into(),
                read_only: false,
                selinux_relabel: false,
                propagation: None,
            });
        }
        if adj.device_fuse.is_some() {
            extras.devices.push("/dev/fuse".into());
        }
        extras.userns_host = adj.userns_host.is_some();
        extras.rootless = adj.rootless.is_some();
        extras.cgroup_v1_host = adj.allow_cgroup_v1.is_some();
        if let Some(proxy) = adj.node_proxy_env {
            extras.env.extend(proxy.value);
        }
        extras
    }
}
