//! `minik doctor`: every check for this machine and its engine; with `--workshop`, the
//! attendee's pass/fail screen for the planned cluster.

use super::{engine, json, out, Ctx};
use crate::cli::{DoctorArgs, OutputFormat};
use crate::cluster::init::PublishPort;
use crate::cluster::workshop::{self, WorkshopRequest};
use crate::config::LoadedConfig;
use crate::error::Error;
use crate::platform::checks::workshop::{PlannedPort, WorkshopPlan};
use crate::platform::{self, Request, Status};
use crate::provider::Provider;

pub(super) async fn run(ctx: &Ctx, args: DoctorArgs) -> Result<(), Error> {
    if args.workshop {
        return run_workshop(ctx, args).await;
    }
    let checks = match engine::try_connect(ctx).await? {
        Err(f) => platform::checks_unreachable(&f.resolution, &f.host, &f.error),
        Ok(engine) => {
            // Privileged mode is probed with a node image already here, if there is one.
            let image = match &args.image {
                Some(i) => Some(i.clone()),
                None => first_local_node_image(&engine.provider).await?,
            };
            let env = engine.environment(image.as_deref()).await?;
            platform::checks(&env, &Request::new(args.nodes as usize))
        }
    };
    match args.out.output {
        OutputFormat::Json => json(&checks)?,
        OutputFormat::Text => out(&crate::ui::doctor_text(&checks))?,
    }
    if platform::is_blocking(&checks) {
        let failed: Vec<&str> = checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.title.as_str())
            .collect();
        return Err(Error::Failed {
            message: format!("{} check(s) failed: {}", failed.len(), failed.join(", ")),
            hint: Some("each failed row above says how to fix it".into()),
        });
    }
    Ok(())
}

async fn run_workshop(ctx: &Ctx, args: DoctorArgs) -> Result<(), Error> {
    let plan = workshop_plan(&args)?;
    let found = engine::try_connect(ctx).await?;
    let report = workshop::report(
        found,
        WorkshopRequest {
            plan,
            image: args.image,
            bundle: args.bundle,
        },
    )
    .await?;
    match args.out.output {
        OutputFormat::Json => json(&report)?,
        OutputFormat::Text => out(&crate::ui::workshop_text(&report))?,
    }
    if !report.ready {
        return Err(Error::Failed {
            message: "this laptop is not ready for the workshop".into(),
            hint: Some(
                "fix each FAIL item as its fix line says, then run `minik doctor --workshop` again"
                    .into(),
            ),
        });
    }
    Ok(())
}

/// The planned cluster: the workshop's config file when given, else the flags.
fn workshop_plan(args: &DoctorArgs) -> Result<WorkshopPlan, Error> {
    if let Some(path) = &args.config {
        let loaded = LoadedConfig::read(path)?;
        loaded.validate()?;
        return Ok(workshop::plan_of_config(&loaded.config));
    }
    let ports = if args.ports.is_empty() {
        vec![PublishPort::same(80), PublishPort::same(443)]
    } else {
        args.ports
            .iter()
            .map(|p| p.parse::<PublishPort>())
            .collect::<Result<_, _>>()
            .map_err(|e| Error::usage(e, "for example: --port 80 --port 443"))?
    };
    let control_planes = args.control_planes.max(1);
    Ok(WorkshopPlan {
        nodes: args.nodes.max(control_planes) as usize,
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

async fn first_local_node_image(p: &dyn Provider) -> Result<Option<String>, Error> {
    Ok(workshop::local_node_images(p).await?.into_iter().next())
}
