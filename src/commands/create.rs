//! `minik create`: the flags to a create request, one library call, the summary.

use super::{engine, Ctx};
use crate::bundle::FromBundle;
use crate::cli::CreateArgs;
use crate::cluster::create::{create, CreateOutcome, CreateRequest};
use crate::config;
use crate::error::Error;
use crate::ui::{bundle_host_access, confirm_host_access};
use std::io::IsTerminal;

pub(super) async fn run(ctx: &Ctx, args: CreateArgs) -> Result<(), Error> {
    let explicit_kubeconfig = args.kubeconfig.is_some();
    // --bundle: its node image and config stand in for --image and --config.
    let from_bundle = match &args.bundle {
        Some(path) => {
            let bundle = super::bundle::open_pinned(ctx, path, args.sha256.as_ref()).await?;
            Some(FromBundle::from_bundle(bundle).await?)
        }
        None => None,
    };
    if let Some(b) = &from_bundle {
        if !b.host_access.is_empty() && !confirmed(ctx, &args, &b.host_access)? {
            ctx.events.info("Nothing created.");
            return Ok(());
        }
    }
    let (image, config) = match &from_bundle {
        Some(b) => (b.node_image.clone(), b.config_path()),
        None => (args.image, args.config),
    };
    let request = CreateRequest {
        name: args.name,
        nodes: args.nodes,
        control_planes: args.control_planes,
        image,
        kubernetes_version: args.kubernetes_version,
        config,
        wait: args.wait,
        retain: args.retain,
        kubeconfig: args.kubeconfig,
        api_address: args.api_address,
        loopback_ports: from_bundle.is_some(),
    }
    .check()?;
    let engine = engine::connect_engine(ctx).await?;
    if let Some(b) = &from_bundle {
        // The load watches for signals itself, to remove what it added before exiting.
        let loaded = b.load(&ctx.events, &engine.provider).await?;
        for id in &loaded.labs {
            ctx.events.info(format!(
                "Lab {id} is ready: run it with  minik tour --lab {id}"
            ));
        }
    }
    let opts = request.prepare(&engine, &ctx.events).await?;
    let cluster_name = opts.config.name.clone();
    let done = create(&engine.provider, opts, &ctx.events).await?;
    if let Some(b) = &from_bundle {
        super::or_interrupted(async {
            b.load_into_nodes(&ctx.events, &engine.provider, &cluster_name)
                .await
                .map_err(Error::from)
        })
        .await?;
    }
    report(ctx, &cluster_name, explicit_kubeconfig, &done);
    Ok(())
}

/// A bundle's config reaches this machine: show how, then go on only with `--yes` or a yes on
/// the terminal; without a terminal, refuse (bad input: the flag is missing).
fn confirmed(ctx: &Ctx, args: &CreateArgs, lines: &[String]) -> Result<bool, Error> {
    let file = args.bundle.as_deref().unwrap_or(std::path::Path::new("?"));
    ctx.events.warn(bundle_host_access(file, lines));
    if args.yes {
        return Ok(true);
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        return Err(crate::input::InputError::BundleNeedsYes {
            file: file.to_path_buf(),
        }
        .into());
    }
    confirm_host_access().map_err(|e| match e.kind() {
        std::io::ErrorKind::Interrupted => {
            crate::signals::Cancelled(crate::signals::Signal::Interrupt).into()
        }
        _ => crate::failure::Failure::Prompt {
            reason: e.to_string(),
            fallback: "pass --yes to create without asking",
        }
        .into(),
    })
}

fn report(ctx: &Ctx, cluster_name: &str, explicit_kubeconfig: bool, done: &CreateOutcome) {
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
    let try_it = if crate::cluster::kubectl::on_this_machine() {
        format!(
            "kubectl get nodes --context {}{kubeconfig_flag}",
            done.context
        )
    } else {
        // No kubectl here: the cluster's own works without one.
        format!("minik kubectl{name_flag} -- get nodes")
    };
    ctx.events.info(format!(
        "Try it with:\n\n    {try_it}\n\nDelete it with:  minik delete{name_flag}"
    ));
}
