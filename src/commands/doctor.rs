use super::{engine, json, out, Ctx};
use crate::cli::{DoctorArgs, OutputFormat};
use crate::error::Error;
use crate::platform::{self, Request, Status};
use crate::provider::Provider;

pub(super) async fn run(ctx: &Ctx, args: DoctorArgs) -> Result<(), Error> {
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

async fn first_local_node_image(p: &dyn Provider) -> Result<Option<String>, Error> {
    for repo in ["minik/node", "kindest/node"] {
        if let Some(i) = p.local_images(repo).await?.into_iter().next() {
            return Ok(Some(i));
        }
    }
    Ok(None)
}
