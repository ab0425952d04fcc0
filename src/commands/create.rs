//! `minik create`: the flags to a create request, one library call, the summary.

use super::{engine, Ctx};
use crate::bundle::FromBundle;
use crate::cli::CreateArgs;
use crate::cluster::create::CreateRequest;
use crate::config::ConfigSource;
use crate::create;
use crate::error::Error;
use crate::ui::{bundle_host_access, confirm_host_access, created_text};
use std::io::IsTerminal;

pub(super) async fn run(ctx: &Ctx, args: CreateArgs) -> Result<(), Error> {
    let explicit_kubeconfig = args.kubeconfig.is_some();
    super::sudo::refuse_under_sudo(explicit_kubeconfig)?;
    // --bundle: opened and checked before anything else; what its config does to this machine
    // is shown and must be accepted.
    let bundle = match &args.bundle {
        Some(path) => {
            let opened = super::bundle::open_pinned(ctx, path, args.sha256.as_ref()).await?;
            let b = FromBundle::from_bundle(opened).await?;
            if !b.host_access.is_empty() && !confirmed(ctx, &args, &b.host_access)? {
                ctx.events.info("Nothing created.");
                return Ok(());
            }
            Some(b)
        }
        None => None,
    };
    let request = CreateRequest {
        name: args.name,
        nodes: args.nodes,
        control_planes: args.control_planes,
        image: args.image,
        kubernetes_version: args.kubernetes_version,
        config: args.config.map(ConfigSource::File),
        wait: args.wait,
        retain: args.retain,
        kubeconfig: args.kubeconfig,
        api_address: args.api_address,
        loopback_ports: false,
    };
    make(ctx, request, bundle.as_ref(), explicit_kubeconfig).await
}

/// The one create call (shared with `minik init`) and its summary.
pub(super) async fn make(
    ctx: &Ctx,
    request: CreateRequest,
    bundle: Option<&FromBundle>,
    explicit_kubeconfig: bool,
) -> Result<(), Error> {
    let made = create::run(&engine::flags(ctx), request, bundle, &ctx.events).await?;
    let kubectl_here = crate::cluster::kubectl::on_this_machine();
    for line in created_text(&made.name, explicit_kubeconfig, kubectl_here, &made.outcome) {
        ctx.events.info(line);
    }
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
            fallback: crate::msg!(crate::i18n::Key::PromptCreateFallback),
        }
        .into(),
    })
}
