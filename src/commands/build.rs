use super::{engine, Ctx};
use crate::cli::BuildNodeImageArgs;
use crate::error::Error;
use crate::nodeimage::{self, download, BuildOptions, Source};

pub(super) async fn node_image(ctx: &Ctx, args: BuildNodeImageArgs) -> Result<(), Error> {
    let source = match (&args.kubernetes_dir, &args.kubernetes_version) {
        (Some(dir), _) => {
            if !dir.is_dir() {
                return Err(crate::input::InputError::NotAFolder {
                    flag: "--kubernetes-dir",
                    path: dir.clone(),
                }
                .into());
            }
            Source::Local { dir: dir.clone() }
        }
        (None, v) => Source::Download {
            version: v
                .as_deref()
                .unwrap_or(nodeimage::DEFAULT_KUBERNETES_VERSION)
                .parse()
                .map_err(crate::input::InputError::Version)?,
        },
    };
    let provider = engine::connect(ctx).await?;
    let arch = match &args.arch {
        Some(a) => a.clone(),
        None => {
            let info = provider.info().await?;
            // An engine that does not say runs on the most common one.
            let engine_arch = match info.architecture.as_str() {
                "" => "x86_64",
                arch => arch,
            };
            download::kube_arch(engine_arch)
                .ok_or_else(|| crate::input::InputError::UnsupportedArch {
                    arch: engine_arch.to_string(),
                })?
                .to_string()
        }
    };
    let opts = BuildOptions {
        source,
        base_image: args.base_image,
        image: args.image,
        labels: args.label,
        arch,
    };
    let image = nodeimage::build(&*provider, &opts, &ctx.events).await?;
    ctx.events.info(format!(
        "Built {image}. Use it with: minik create --image {image}"
    ));
    Ok(())
}
