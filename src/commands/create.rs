use super::{engine, Ctx};
use crate::cli::CreateArgs;
use crate::cluster::create::{create, CreateOptions, NodeExtras};
use crate::cluster::naming;
use crate::config::{self, ClusterConfig, LoadedConfig, Overrides};
use crate::error::Error;
use crate::k8s_version::KubeVersion;
use crate::nodeimage;
use crate::platform::{self, Request, Status};
use crate::provider::{BindMount, NodeRole, Provider, NETWORK_NAME};

pub async fn run(ctx: &Ctx, args: CreateArgs) -> Result<(), Error> {
    // Everything the user typed is checked before anything is made.
    let loaded = config_from_args(&args)?;
    let version: KubeVersion = args
        .kubernetes_version
        .as_deref()
        .unwrap_or(nodeimage::DEFAULT_KUBERNETES_VERSION)
        .parse()
        .map_err(|e: crate::k8s_version::InvalidVersion| {
            Error::usage(e.to_string(), "for example: --kubernetes-version v1.36.1")
        })?;

    let engine = engine::connect_engine(ctx).await?;
    // The node network exists once any cluster was made: its range must not hold pods or
    // services (a new network picks a free range by itself).
    if let Some(subnets) = engine.provider.network_subnets(NETWORK_NAME).await? {
        loaded.check_node_network(NETWORK_NAME, &subnets)?;
    }
    let config = loaded.config;
    let extras = preflight(ctx, &engine, &config).await?;
    let provider = engine.provider;
    let image = match &args.image {
        Some(i) => i.clone(),
        None => {
            let i = nodeimage::default_image(&provider, &version).await?;
            ctx.events.info(format!(
                "Using node image {}",
                i.split('@').next().unwrap_or(&i)
            ));
            i
        }
    };
    let opts = CreateOptions {
        config,
        image,
        wait: args.wait,
        retain: args.retain,
        kubeconfig: args.kubeconfig.clone(),
        extras,
    };
    let cluster_name = opts.config.name.clone();
    let explicit_kubeconfig = args.kubeconfig.is_some();
    let done = create(&provider, opts, &ctx.events).await?;
    let nodes = format!(
        "{} node{}",
        done.nodes,
        if done.nodes == 1 { "" } else { "s" }
    );
    let state = if done.ready {
        "ready"
    } else {
        "up (not every node is Ready yet)"
    };
    ctx.events.info(format!(
        "Cluster {cluster_name:?} is {state}: {nodes}, Kubernetes {}, in {:.0}s",
        done.kubernetes_version,
        done.elapsed.as_secs_f64()
    ));
    ctx.events.info(format!(
        "Set kubectl context to {:?} ({} in {})",
        done.context,
        done.server,
        done.kubeconfig.display()
    ));
    let kubeconfig_flag = if explicit_kubeconfig {
        format!(" --kubeconfig {}", done.kubeconfig.display())
    } else {
        String::new()
    };
    let name_flag = if cluster_name == config::DEFAULT_CLUSTER_NAME {
        String::new()
    } else {
        format!(" --name {cluster_name}")
    };
    ctx.events.info(format!(
        "Try it with:\n\n    kubectl get nodes --context {}{kubeconfig_flag}\n\nDelete it with:  minik delete{name_flag}",
        done.context
    ));
    Ok(())
}

/// The blocking platform checks (fast, once), their warnings, and the adjustments every node
/// gets on this platform (also used by `minik node add`).
pub(super) async fn preflight(
    ctx: &Ctx,
    engine: &engine::Engine,
    config: &ClusterConfig,
) -> Result<NodeExtras, Error> {
    let env = engine::environment(engine, None).await?;
    let nodes = config.nodes.len();
    let mut request = Request::new(nodes);
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
            .filter_map(|c| c.fix.clone())
            .collect();
        return Err(Error::Failed {
            message: format!("this machine cannot run the cluster: {}", failed.join("; ")),
            hint: Some(if fixes.is_empty() {
                "run `minik doctor` for details".into()
            } else {
                fixes.join("; ")
            }),
        });
    }
    for c in checks
        .iter()
        .filter(|c| c.status == Status::Warn && c.id != "privileged")
    {
        ctx.events
            .warn(format!("{}: {} (see `minik doctor`)", c.title, c.found));
    }
    let adj = platform::plan_adjustments(&env, &request);
    for note in adj.notes() {
        ctx.events.debug(note);
    }
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
    Ok(extras)
}

fn config_from_args(args: &CreateArgs) -> Result<LoadedConfig, Error> {
    // Flags are checked first: their own messages say more than a generic config error.
    if let Some(name) = &args.name {
        // Bad input with its own hint (a valid name to use instead).
        naming::validate_cluster_name(name).map_err(crate::cluster::ClusterError::from)?;
    }
    match (args.nodes, args.control_planes) {
        (Some(0), _) => {
            return Err(Error::usage(
                "--nodes must be at least 1",
                "for example: --nodes 3 (one control plane, two workers)",
            ))
        }
        (_, Some(0)) => {
            return Err(Error::usage(
                "--control-planes must be at least 1",
                "for example: --control-planes 3 --nodes 5",
            ))
        }
        (Some(n), _) | (_, Some(n)) if n as usize > config::MAX_NODES => {
            let flag = if args.nodes == Some(n) {
                "--nodes"
            } else {
                "--control-planes"
            };
            return Err(Error::usage(
                format!(
                    "{flag} {n} is more than {}, the most minik makes",
                    config::MAX_NODES
                ),
                format!("{}; use a smaller number", config::MAX_NODES_WHY),
            ));
        }
        (Some(n), Some(cp)) if cp > n => {
            return Err(Error::usage(
                format!("--control-planes {cp} is more than --nodes {n}"),
                "--nodes counts every node, control planes included",
            ))
        }
        _ => {}
    }
    let mut loaded = match &args.config {
        Some(path) => LoadedConfig::read(path)?,
        None => LoadedConfig::default(),
    };
    loaded.apply_overrides(&Overrides {
        name: args.name.clone(),
        image: args.image.clone(),
        control_planes: args.control_planes.map(|n| n as usize),
        nodes: args.nodes.map(|n| n as usize),
    })?;
    loaded.validate()?;
    loaded.check_host_ports(&config::host_port_in_use)?;
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(argv: &[&str]) -> CreateArgs {
        let mut full = vec!["minik", "create"];
        full.extend_from_slice(argv);
        match crate::cli::Cli::try_parse_from(full).unwrap().command {
            crate::cli::Command::Create(a) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn nodes_count_control_planes() {
        let c = config_from_args(&args(&["--nodes", "5", "--control-planes", "3"]))
            .unwrap()
            .config;
        assert_eq!((c.control_planes(), c.workers()), (3, 2));
        let c = config_from_args(&args(&["--nodes", "3"])).unwrap().config;
        assert_eq!((c.control_planes(), c.workers()), (1, 2));
        let c = config_from_args(&args(&[])).unwrap().config;
        assert_eq!((c.control_planes(), c.workers()), (1, 0));
    }

    #[test]
    fn refuses_impossible_counts_and_bad_names() {
        for bad in [
            &["--nodes", "0"][..],
            &["--control-planes", "0"],
            &["--nodes", "1", "--control-planes", "2"],
            &["--name", "Bad_Name"],
        ] {
            let e = config_from_args(&args(bad)).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::EXIT_USAGE, "{bad:?}");
        }
    }
}
