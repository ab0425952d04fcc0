//! `minik doctor`: every check for this machine and its engine; with `--workshop`, the
//! attendee's pass/fail screen for the planned cluster.

use super::{engine, json, out, Ctx};
use crate::cli::{DoctorArgs, OutputFormat};
use crate::doctor;
use crate::doctor::workshop::{self, WorkshopRequest};
use crate::error::Error;
use crate::failure::Failure;

fn lang(args: &DoctorArgs) -> crate::i18n::Lang {
    crate::i18n::language(args.lang.map(Into::into), |k| std::env::var(k).ok())
}

pub(super) async fn run(ctx: &Ctx, args: DoctorArgs) -> Result<(), Error> {
    if args.workshop {
        return run_workshop(ctx, args).await;
    }
    let lang = lang(&args);
    let found = engine::try_connect(ctx).await?;
    let checks = doctor::checks(found, args.image, args.nodes).await?;
    match args.out.output {
        OutputFormat::Json => json(&checks)?,
        OutputFormat::Text => out(&crate::ui::doctor_text_in(&checks, lang))?,
    }
    doctor::verdict(&checks)
}

async fn run_workshop(ctx: &Ctx, args: DoctorArgs) -> Result<(), Error> {
    let lang = lang(&args);
    let plan = workshop::plan(
        args.config.as_deref(),
        args.nodes,
        args.control_planes,
        &args.ports,
    )?;
    let found = engine::try_connect(ctx).await?;
    let request = WorkshopRequest {
        plan,
        image: args.image,
        bundle: args.bundle,
    };
    let report = workshop::report(found, request).await?;
    if let Some(path) = &args.report {
        let failed = |e: String| Failure::Report {
            path: path.clone(),
            reason: e,
        };
        let mut text = serde_json::to_vec_pretty(&report).map_err(|e| failed(e.to_string()))?;
        text.push(b'\n');
        std::fs::write(path, text).map_err(|e| failed(e.to_string()))?;
    }
    match args.out.output {
        OutputFormat::Json => json(&report)?,
        OutputFormat::Text => out(&crate::ui::workshop_text_in(&report, lang))?,
    }
    workshop::verdict(&report)
}
