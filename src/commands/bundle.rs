//! `minik bundle create|load|serve|fetch`: flags in, one library call, a summary out.

use std::path::{Path, PathBuf};

use super::{engine, Ctx};
use crate::bundle::{self, Bundle, CreateBundle, Loaded};
use crate::cli::{BundleCreateArgs, BundleFetchArgs, BundleServeArgs};
use crate::error::Error;
use crate::ui::{bundle_loaded, bundle_serving, bundle_written};

pub(super) async fn create(ctx: &Ctx, args: BundleCreateArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let request = CreateBundle {
        output: args.output,
        node_image: args.node_image,
        kubernetes_version: args.kubernetes_version,
        config: args.config,
        images: args.images,
        with_minik: args.with_minik,
        labs: args.labs,
    };
    let manifest = bundle::create(&provider, &request, &ctx.events).await?;
    let file = request.output.display();
    ctx.events.info(bundle_written(&request.output, &manifest));
    ctx.events.info(format!(
        "Serve it to the room with:  minik bundle serve {file}"
    ));
    Ok(())
}

pub(super) async fn load(ctx: &Ctx, file: PathBuf) -> Result<(), Error> {
    // A file that is not a bundle is refused before the engine is contacted.
    let bundle = Bundle::open(&file).await?;
    let provider = engine::connect(ctx).await?;
    let loaded = bundle::load(&provider, &bundle, &ctx.events).await?;
    summary(ctx, &file, &loaded);
    Ok(())
}

pub(super) async fn serve(ctx: &Ctx, args: BundleServeArgs) -> Result<(), Error> {
    let bundle = Bundle::open(&args.file).await?;
    let address = std::net::SocketAddr::new(args.address, args.port);
    let events = ctx.events.clone();
    bundle::serve(bundle, address, &ctx.events, move |bound| {
        let shown = bundle::advertised_url(bound);
        events.info(bundle_serving(&args.file, bound, &shown));
    })
    .await?;
    Ok(())
}

pub(super) async fn fetch(ctx: &Ctx, args: BundleFetchArgs) -> Result<(), Error> {
    // The engine is checked first, so nobody downloads gigabytes to learn it is not running.
    let provider = if args.no_load {
        None
    } else {
        Some(engine::connect(ctx).await?)
    };
    let provider = provider
        .as_ref()
        .map(|p| p as &dyn crate::provider::Provider);
    let loaded = bundle::fetch_and_load(provider, &args.url, &args.output, &ctx.events).await?;
    match loaded {
        Some(l) => summary(ctx, &args.output, &l),
        None => ctx.events.info(format!(
            "Downloaded and checked {}; load it with:  minik bundle load {0}",
            args.output.display()
        )),
    }
    Ok(())
}

fn summary(ctx: &Ctx, file: &Path, loaded: &Loaded) {
    for line in bundle_loaded(file, loaded) {
        ctx.events.info(line);
    }
}
