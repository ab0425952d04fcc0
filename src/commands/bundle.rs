//! `minik bundle create|load|serve|fetch`: flags in, one library call, a summary out.

use super::{engine, Ctx};
use crate::bundle::{self, Bundle, CreateBundle, Loaded, PartKind};
use crate::cli::{BundleCreateArgs, BundleFetchArgs, BundleServeArgs};
use crate::error::Error;

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
    let size = manifest.file_size();
    let images: Vec<&str> = manifest
        .parts
        .iter()
        .flat_map(|p| p.images.iter().map(String::as_str))
        .collect();
    ctx.events.info(format!(
        "Wrote {} ({:.1} MB): {}{}{}{}",
        request.output.display(),
        size as f64 / 1e6,
        images.join(", "),
        if manifest.config().is_some() {
            ", the config"
        } else {
            ""
        },
        match manifest.of_kind(PartKind::Minik).count() {
            0 => String::new(),
            n => format!(", {n} minik release file{}", if n == 1 { "" } else { "s" }),
        },
        match manifest.of_kind(PartKind::Lab).count() {
            0 => String::new(),
            n => format!(", {n} lab{}", if n == 1 { "" } else { "s" }),
        }
    ));
    ctx.events.info(format!(
        "Serve it to the room with:  minik bundle serve {}",
        request.output.display()
    ));
    Ok(())
}

pub(super) async fn load(ctx: &Ctx, file: std::path::PathBuf) -> Result<(), Error> {
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
        let shown = if bound.ip().is_unspecified() {
            match bundle::lan_address() {
                Some(ip) => format!("http://{}", std::net::SocketAddr::new(ip, bound.port())),
                None => format!("http://THIS-LAPTOP'S-ADDRESS:{}", bound.port()),
            }
        } else {
            format!("http://{bound}")
        };
        events.info(format!(
            "Serving {} on {bound}; attendees open {shown} in a browser, or run:\n\n    \
             minik bundle fetch {shown} && minik create --bundle bundle.minik\n\n\
             Stop with Ctrl-C.",
            args.file.display()
        ));
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
    let loaded = bundle::fetch_and_load(
        provider
            .as_ref()
            .map(|p| p as &dyn crate::provider::Provider),
        &args.url,
        &args.output,
        &ctx.events,
    )
    .await?;
    match loaded {
        Some(l) => summary(ctx, &args.output, &l),
        None => ctx.events.info(format!(
            "Downloaded and checked {}; load it with:  minik bundle load {0}",
            args.output.display()
        )),
    }
    Ok(())
}

fn summary(ctx: &Ctx, file: &std::path::Path, loaded: &Loaded) {
    ctx.events.info(format!(
        "Loaded {}: {} image{} loaded, {} already present. Make a cluster with:  minik create \
         --bundle {}",
        file.display(),
        loaded.loaded,
        if loaded.loaded == 1 { "" } else { "s" },
        loaded.present,
        file.display()
    ));
    for id in &loaded.labs {
        ctx.events.info(format!(
            "Lab {id} is ready: run it with  minik tour --lab {id}"
        ));
    }
}
