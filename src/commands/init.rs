//! `minik init`: flags to what was given, the machine's look to what is offered, the questions
//! (on a terminal) or the defaults (without one), then the file and, if asked, the cluster, made
//! exactly as `minik create --config FILE` makes it.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use super::{create, engine, Ctx};
use crate::cli::{CreateArgs, InitArgs};
use crate::cluster::init::{
    self, equivalent_command, render, suggest, version_choices, Given, Offer, PublishPort, Reply,
};
use crate::config::host_port_in_use;
use crate::error::Error;

pub(super) async fn run(ctx: &Ctx, args: InitArgs) -> Result<(), Error> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let given = given(&args)?;
    let look = init::look(engine::try_connect(ctx).await?).await?;
    let (choices, default_choice) = version_choices(&look.local, &versions_from_bundles());
    let given = Given {
        image: match (&args.kubernetes_version, given.image) {
            (Some(v), _) => Some(Some(image_for_version(v, &look.local)?)),
            (None, image) => image,
        },
        ..given
    };
    let loopback_in_use =
        |port: u16| host_port_in_use([127, 0, 0, 1].into(), port, crate::config::Protocol::Tcp);
    let offer = Offer {
        name: std::env::var("MINIK_CLUSTER_NAME")
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| crate::config::DEFAULT_CLUSTER_NAME.into()),
        suggestion: suggest(look.capacity),
        capacity: look.capacity,
        choices,
        default_choice,
        ports: init::default_ports(loopback_in_use),
        can_create: look.reachable && !crate::platform::is_blocking(&look.checks),
    };
    let doctor = crate::ui::doctor_text(&look.checks);
    let reply = if interactive {
        match crate::ui::init::ask(&given, &offer, &doctor)? {
            Some(r) => r,
            None => return Ok(()),
        }
    } else {
        let reply = given.resolve(&offer, |p: &Path| p.exists());
        ctx.events.info(format!(
            "No terminal, so no questions: minik init took every default. The same, as flags:\n  {}",
            equivalent_command(&reply.answers, &reply.output, reply.create)
        ));
        if crate::platform::is_blocking(&look.checks) {
            ctx.events
                .warn(format!("this machine's checks found problems:\n{doctor}"));
        }
        reply
    };
    write(&reply, given.force)?;
    ctx.events.info(format!(
        "Wrote {}. Make the cluster with: minik create --config {}",
        reply.output.display(),
        reply.output.display()
    ));
    if !reply.create {
        return Ok(());
    }
    // Creating undoes itself on a signal, as `minik create` does.
    super::take_over_signals(ctx)?;
    create::run(
        ctx,
        CreateArgs {
            name: None,
            nodes: None,
            control_planes: None,
            image: None,
            kubernetes_version: None,
            config: Some(reply.output.clone()),
            bundle: None,
            wait: Duration::from_secs(300),
            retain: false,
            kubeconfig: None,
        },
    )
    .await
}

/// The versions bundles on hand carry. Empty until `minik bundle` lands; the bundle work feeds
/// this list (each becomes a `minik/node:<version>` choice).
fn versions_from_bundles() -> Vec<String> {
    Vec::new()
}

/// The flags, checked as bad input before anything else happens.
fn given(args: &InitArgs) -> Result<Given, Error> {
    if let Some(name) = &args.name {
        crate::config::name::validate_cluster_name(name)
            .map_err(|e| Error::usage(e.to_string(), "for example: --name lab"))?;
    }
    let ports = if args.no_ports {
        Some(Vec::new())
    } else if args.ports.is_empty() {
        None
    } else {
        Some(
            args.ports
                .iter()
                .map(|p| p.parse::<PublishPort>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::usage(e, "for example: --port 80 --port 8443:443"))?,
        )
    };
    let mount = match &args.mount {
        Some(dir) => Some(Some(
            crate::ui::init::folder(&dir.display().to_string())
                .map_err(|e| Error::usage(e, "--mount takes a folder that exists"))?,
        )),
        None => None,
    };
    if let (Some(n), Some(c)) = (args.nodes, args.control_planes) {
        if c > n || c == 0 {
            return Err(Error::usage(
                format!("--control-planes {c} does not fit in --nodes {n}"),
                "control planes are counted among the nodes: for example --nodes 3 --control-planes 1",
            ));
        }
    }
    if let Some(n) = args.nodes {
        if n == 0 || n as usize > crate::config::MAX_NODES {
            return Err(Error::usage(
                format!("--nodes {n} is out of range"),
                format!("use 1 to {}", crate::config::MAX_NODES),
            ));
        }
    }
    if let Some(out) = &args.output {
        if out.exists() && !args.force {
            return Err(Error::usage(
                format!("{} exists", out.display()),
                "choose another file with -o, or add --force to replace it",
            ));
        }
    }
    Ok(Given {
        name: args.name.clone(),
        nodes: args.nodes,
        control_planes: args.control_planes,
        image: args.image.clone().map(Some),
        ports,
        mount,
        output: args.output.clone(),
        create: if args.create {
            Some(true)
        } else if args.no_create {
            Some(false)
        } else {
            None
        },
        force: args.force,
    })
}

/// `--kubernetes-version`: a node image of it here, else the image `minik create` would use.
fn image_for_version(v: &str, local: &[init::LocalImage]) -> Result<String, Error> {
    let version: crate::k8s_version::KubeVersion =
        v.parse().map_err(|e: crate::k8s_version::InvalidVersion| {
            Error::usage(e.to_string(), "for example: --kubernetes-version v1.36.1")
        })?;
    let want = version.to_string();
    if let Some(i) = local.iter().find(|i| i.version.as_deref() == Some(&want)) {
        return Ok(i.reference.clone());
    }
    crate::nodeimage::kindest_image(&version).map_err(|u| Error::usage(u.to_string(), u.hint))
}

/// The file, whole or not at all: a temporary file next to it, renamed over it.
fn write(reply: &Reply, force: bool) -> Result<(), Error> {
    let out = &reply.output;
    if out.exists() && !force {
        return Err(Error::usage(
            format!("{} exists", out.display()),
            "choose another file with -o, or add --force to replace it",
        ));
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let failed = |e: std::io::Error| Error::Failed {
        message: format!("could not write {}: {e}", out.display()),
        hint: Some("choose a folder you can write to with -o".into()),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(failed)?;
    tmp.write_all(render(&reply.answers, out).as_bytes())
        .map_err(failed)?;
    tmp.persist(out).map_err(|e| failed(e.error))?;
    Ok(())
}
