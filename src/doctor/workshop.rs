//! `minik doctor --workshop`: measures what the workshop rows need (free disk, ports, VPN
//! interfaces, the node image's size) on this machine and its engine, then hands the facts to the
//! pure rows in [`crate::platform::checks::workshop`]. The result is one report an attendee reads
//! out and an organiser collects as JSON.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::{tcp_port_state, PortState};
use crate::engine::{ConnectFailure, Engine};
use crate::error::Error;
use crate::i18n::{Key, Msg};
use crate::init::PublishPort;
use crate::msg;
use crate::platform::checks::ports::owned_ports;
use crate::platform::checks::workshop::{
    nameservers, vpn_interfaces, workshop_checks, DiskSpace, PlannedPort, WorkshopFacts,
    WorkshopPlan, IMAGE_ESTIMATE_BYTES,
};
use crate::platform::{self, Check, Environment, HostFacts, HostOs, Status};

/// Everything `doctor --workshop` says, in the shape `-o json` prints.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WorkshopReport {
    /// No row failed: this laptop can make the planned cluster.
    pub(crate) ready: bool,
    pub(crate) plan: WorkshopPlan,
    pub(crate) machine: Machine,
    pub(crate) checks: Vec<Check>,
}

/// Who is reporting, for an organiser collecting many reports.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Machine {
    pub(crate) os: HostOs,
    pub(crate) arch: String,
    /// `Docker Desktop (macOS)`, `Colima`, ... or `unreachable`.
    pub(crate) runtime: Msg,
    pub(crate) engine: String,
    pub(crate) minik_version: &'static str,
}

/// What to check against: the plan, plus the node image and bundle the workshop uses.
#[derive(Debug, Clone)]
pub(crate) struct WorkshopRequest {
    pub(crate) plan: WorkshopPlan,
    /// The node image the cluster will use, when it is already known.
    pub(crate) image: Option<String>,
    /// The bundle file handed out (its size is what loading it takes).
    pub(crate) bundle: Option<PathBuf>,
}

/// Checks this machine for the plan. `found` is the outcome of connecting to the engine.
pub(crate) async fn report(
    found: Result<Engine, ConnectFailure>,
    request: WorkshopRequest,
) -> Result<WorkshopReport, Error> {
    let engine = match found {
        Err(f) => {
            let checks = platform::checks_unreachable(&f.resolution, &f.host, &f.error);
            return Ok(finish(
                request.plan,
                machine(
                    &f.host,
                    msg!(Key::EngineUnreachable),
                    &f.resolution.endpoint.host,
                ),
                checks,
            ));
        }
        Ok(e) => e,
    };
    let image = match request.image {
        Some(i) => engine.provider.image_id(&i).await?.map(|_| i),
        None => crate::nodeimage::local_node_images(&*engine.provider)
            .await?
            .into_iter()
            .next(),
    };
    let env = engine.environment(image.as_deref()).await?;
    let image_bytes_to_load = match (&image, &request.bundle) {
        (Some(_), _) => 0,
        (None, Some(b)) => std::fs::metadata(b)
            .map(|m| m.len())
            .unwrap_or(IMAGE_ESTIMATE_BYTES),
        (None, None) => IMAGE_ESTIMATE_BYTES,
    };
    let info = engine.provider.info().await?;
    let root_dir = info.docker_root_dir.as_deref();
    let mut facts = measure(
        &engine.host,
        &env,
        &request.plan,
        root_dir,
        image_bytes_to_load,
    );
    facts.kubectl = Some(super::kubectl::facts(image.as_deref()).await);
    facts.ports_owned = owned_ports(&request.plan.ports, &published(&*engine.provider).await);
    let mut checks = workshop_checks(&env, &request.plan, &facts);
    if let Some(bundle) = &request.bundle {
        checks.push(bundle_platform(bundle, &*engine.provider).await);
    }
    let m = machine(&engine.host, env.flavour.label_msg(), &env.endpoint.host);
    Ok(finish(request.plan, m, checks))
}

/// Each minik cluster's published TCP ports, from its nodes: the attendee's own cluster holds
/// the workshop's ports mid-exercise (a stopped node holds none). A listing that fails only means no owner is named.
async fn published(provider: &dyn crate::provider::Provider) -> Vec<(String, Vec<(String, u16)>)> {
    let nodes = provider.list_nodes(None).await.unwrap_or_default();
    nodes
        .into_iter()
        .filter(|n| n.state == crate::provider::NodeState::Running)
        .map(|n| {
            let tcp = n.ports.into_iter().filter(|p| p.protocol == "tcp");
            (
                n.cluster,
                tcp.map(|p| (p.listen_address, p.host_port)).collect(),
            )
        })
        .collect()
}

/// Whether the bundle has parts for this engine's architecture: an Apple Silicon laptop given
/// an amd64-only bundle learns it here, not after a gigabyte moved.
async fn bundle_platform(path: &Path, provider: &dyn crate::provider::Provider) -> Check {
    use crate::bundle::platform::{engine_platform, platforms, select};
    let title = "Bundle architecture";
    let why = "a node image of another architecture cannot run here";
    let bundle = match crate::bundle::Bundle::open(path).await {
        Ok(b) => b,
        Err(e) => {
            let fix = Some(msg!(Key::BundleFetchAgain, path = path.display()));
            return platform::checks::row(
                "bundle-arch",
                title,
                Status::Fail,
                Msg::verbatim(e.to_string()),
                why,
                fix,
            );
        }
    };
    let has: Vec<String> = platforms(&bundle.manifest).into_iter().collect();
    let has = if has.is_empty() {
        Msg::from("no recorded architecture (made by an older minik)")
    } else {
        Msg::verbatim(has.join(", "))
    };
    let engine = match engine_platform(provider).await {
        Ok(p) => p,
        Err(e) => {
            return platform::checks::row(
                "bundle-arch",
                title,
                Status::Warn,
                Msg::verbatim(e.to_string()),
                why,
                None,
            )
        }
    };
    match select(&bundle.manifest, &engine) {
        Ok(_) => platform::checks::row(
            "bundle-arch",
            title,
            Status::Ok,
            msg!(Key::BundleCarries, engine = engine; has => has),
            why,
            None,
        ),
        Err(e) => platform::checks::row(
            "bundle-arch",
            title,
            Status::Fail,
            Msg::verbatim(e.to_string()),
            why,
            Some(msg!(Key::BundleAskOrganiser, engine = engine)),
        ),
    }
}

/// The planned cluster: the workshop's config file when given, else the flags (`ports` as
/// `minik init --port` takes them; none means 80 and 443 on 127.0.0.1).
pub(crate) fn plan(
    config: Option<&Path>,
    nodes: u32,
    control_planes: u32,
    ports: &[String],
) -> Result<WorkshopPlan, Error> {
    if let Some(path) = config {
        let loaded = crate::config::LoadedConfig::read(path)?;
        loaded.validate()?;
        return Ok(plan_of_config(&loaded.config));
    }
    let ports = if ports.is_empty() {
        vec![PublishPort::same(80), PublishPort::same(443)]
    } else {
        ports
            .iter()
            .map(|p| p.parse::<PublishPort>())
            .collect::<Result<_, _>>()
            .map_err(|reason| crate::input::InputError::Port {
                reason,
                example: "--port 80 --port 443",
            })?
    };
    let control_planes = control_planes.max(1);
    Ok(WorkshopPlan {
        nodes: nodes.max(control_planes) as usize,
        control_planes: control_planes as usize,
        ports: ports
            .into_iter()
            .map(|p| PlannedPort {
                address: p.listen,
                port: p.host,
            })
            .collect(),
    })
}

/// A failure unless the report says this laptop is ready.
pub(crate) fn verdict(report: &WorkshopReport) -> Result<(), Error> {
    if report.ready {
        return Ok(());
    }
    Err(crate::failure::Failure::WorkshopNotReady.into())
}

/// The plan a workshop's config file describes: its nodes, and every fixed host port it
/// publishes (port mappings and a fixed API server port).
pub(crate) fn plan_of_config(c: &crate::config::ClusterConfig) -> WorkshopPlan {
    let mut ports: Vec<PlannedPort> = c
        .nodes
        .iter()
        .flat_map(|n| &n.extra_port_mappings)
        .filter(|m| m.host_port != 0)
        .map(|m| PlannedPort {
            address: m.listen_address.clone(),
            port: m.host_port,
        })
        .collect();
    if c.networking.api_server_port != 0 {
        ports.push(PlannedPort {
            address: c.networking.api_server_address.clone(),
            port: c.networking.api_server_port,
        });
    }
    WorkshopPlan {
        nodes: c.nodes.len(),
        control_planes: c.control_planes(),
        ports,
    }
}

fn finish(plan: WorkshopPlan, machine: Machine, checks: Vec<Check>) -> WorkshopReport {
    WorkshopReport {
        ready: !checks.iter().any(|c| c.status == Status::Fail),
        plan,
        machine,
        checks,
    }
}

fn machine(host: &HostFacts, runtime: Msg, endpoint: &str) -> Machine {
    Machine {
        os: host.os,
        arch: host.arch.as_str().to_string(),
        runtime,
        engine: endpoint.to_string(),
        minik_version: env!("CARGO_PKG_VERSION"),
    }
}

/// The host-side facts. Free disk is measured where the engine keeps its data when it shares
/// this machine's disk (`DockerRootDir`), else in the home folder, where VM runtimes keep their
/// disk images; a remote engine's disk cannot be seen from here.
fn measure(
    host: &HostFacts,
    env: &Environment,
    plan: &WorkshopPlan,
    docker_root: Option<&str>,
    image_bytes_to_load: u64,
) -> WorkshopFacts {
    let fs = &host.fs;
    let disk_path = if env.remote {
        None
    } else if env.flavour.shares_host_kernel() && host.os == HostOs::Linux {
        docker_root.map(PathBuf::from).or_else(|| host.home())
    } else {
        host.home()
    };
    let disk = disk_path.and_then(|p| free_space(&p));
    let with_state = |state: PortState| -> Vec<PlannedPort> {
        let probe = |p: &&PlannedPort| {
            p.address
                .parse::<IpAddr>()
                .is_ok_and(|a| tcp_port_state(a, p.port) == state)
        };
        plan.ports.iter().filter(probe).cloned().collect()
    };
    let linux = host.os == HostOs::Linux;
    WorkshopFacts {
        disk,
        image_bytes_to_load,
        ports_in_use: with_state(PortState::InUse),
        ports_unknown: with_state(PortState::Unknown),
        ports_owned: Vec::new(),
        kubectl: None,
        unprivileged_port_start: fs
            .read_opt(Path::new("/proc/sys/net/ipv4/ip_unprivileged_port_start"))
            .and_then(|s| s.trim().parse().ok()),
        vpn_interfaces: linux.then(|| vpn_interfaces(&fs.dir_names(Path::new("/sys/class/net")))),
        nameservers: if host.os == HostOs::Windows {
            None
        } else {
            fs.read_opt(Path::new("/etc/resolv.conf"))
                .map(|t| nameservers(&t))
        },
    }
}

/// Free bytes on the disk holding `path`, or its nearest existing parent (the engine's data
/// folder may not be readable by this user, its parent is).
fn free_space(path: &Path) -> Option<DiskSpace> {
    path.ancestors().find_map(|p| {
        fs4::available_space(p).ok().map(|free| DiskSpace {
            path: p.display().to_string(),
            free_bytes: free,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;
    use crate::init::{to_config, Answers, PublishPort};

    #[test]
    fn flags_plan_80_and_443_and_fit_the_control_planes() {
        let p = plan(None, 1, 3, &[]).unwrap();
        assert_eq!((p.nodes, p.control_planes), (3, 3));
        let ports: Vec<u16> = p.ports.iter().map(|p| p.port).collect();
        assert_eq!(ports, vec![80, 443]);
        let p = plan(None, 2, 0, &["8080:80".into()]).unwrap();
        assert_eq!((p.nodes, p.control_planes), (2, 1));
        assert_eq!(p.ports[0].port, 8080);
        let e = plan(None, 1, 1, &["x".into()]).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::EXIT_USAGE);
    }

    #[test]
    fn a_config_file_is_the_plan() {
        let mut config = to_config(&Answers {
            name: "lab".into(),
            nodes: 3,
            control_planes: 1,
            image: None,
            ports: vec![PublishPort::same(80), "8443:443".parse().unwrap()],
            mount: None,
        });
        config.networking.api_server_port = 6443;
        config.nodes[1].extra_port_mappings = vec![crate::config::PortMapping {
            container_port: 30000,
            host_port: 0,
            listen_address: "0.0.0.0".into(),
            protocol: Protocol::Tcp,
        }];
        let plan = plan_of_config(&config);
        assert_eq!((plan.nodes, plan.control_planes), (3, 1));
        let ports: Vec<String> = plan
            .ports
            .iter()
            .map(|p| format!("{}:{}", p.address, p.port))
            .collect();
        // Port 0 is minik's pick at create time: nothing to check ahead.
        assert_eq!(ports, ["127.0.0.1:80", "127.0.0.1:8443", "127.0.0.1:6443"]);
    }
}
