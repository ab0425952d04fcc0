//! `minik bundle create|load|serve|fetch`: flags in, one library call, a summary out.

use std::path::Path;

use super::{engine, Ctx};
use crate::bundle::{self, Bundle, BundleError, CreateBundle, Loaded, Pin, Trust};
use crate::cli::{BundleCreateArgs, BundleFetchArgs, BundleLoadArgs, BundleServeArgs};
use crate::error::Error;
use crate::ui::{
    bundle_created, bundle_fetched, bundle_insecure, bundle_loaded, bundle_release_files,
    bundle_serving, bundle_unpinned,
};

pub(super) async fn create(ctx: &Ctx, args: BundleCreateArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let request = CreateBundle::from(args);
    let written = bundle::create(&*provider, &request, &ctx.events).await?;
    for line in bundle_created(&request.output, &written.manifest, &written.digest) {
        ctx.events.info(line);
    }
    Ok(())
}

pub(super) async fn load(ctx: &Ctx, args: BundleLoadArgs) -> Result<(), Error> {
    // A file that is not a bundle, or not the pinned one, is refused before the engine.
    let bundle = open_pinned(ctx, &args.file, args.sha256.as_ref()).await?;
    let provider = engine::connect(ctx).await?;
    let loaded = bundle::load(&*provider, &bundle, &ctx.events).await?;
    summary(ctx, &args.file, &loaded);
    Ok(())
}

/// Open a local bundle: checked against `pin`, or with a warning that nothing vouches for it.
pub(super) async fn open_pinned(
    ctx: &Ctx,
    file: &Path,
    pin: Option<&Pin>,
) -> Result<Bundle, BundleError> {
    let bundle = Bundle::open(file).await?;
    match pin {
        Some(pin) => bundle.check_pin(pin)?,
        None => ctx.events.warn(bundle_unpinned(file)),
    }
    Ok(bundle)
}

pub(super) async fn serve(ctx: &Ctx, args: BundleServeArgs) -> Result<(), Error> {
    let bundle = Bundle::open(&args.file).await?;
    let digest = bundle.digest;
    let release = bundle_release_files(&bundle.manifest);
    let coverage = bundle::platform::coverage(&bundle.manifest, crate::tour::Lang::En);
    let address = std::net::SocketAddr::new(args.address, args.port);
    let events = ctx.events.clone();
    let limits = bundle::ServeLimits::default().within_descriptors();
    bundle::serve(bundle, address, limits, &ctx.events, move |bound| {
        let shown = bundle::advertised_url(bound);
        events.info(bundle_serving(&args.file, bound, &shown, &digest));
        if let Some(release) = release {
            events.info(release);
        }
        if let Some(note) = coverage {
            events.info(note);
        }
    })
    .await?;
    Ok(())
}

pub(super) async fn fetch(ctx: &Ctx, args: BundleFetchArgs) -> Result<(), Error> {
    // Without a digest from the organiser's screen nothing vouches for what the network sends.
    let trust = Trust::from_flags(args.sha256, args.insecure_no_digest, &args.url)?;
    if trust == Trust::Unpinned {
        ctx.events.warn(bundle_insecure(&args.output));
    }
    let limits = bundle::fetch::Limits {
        deadline: args.timeout,
        ..Default::default()
    };
    // The engine is checked first, so nobody downloads gigabytes to learn it is not running.
    let provider = match args.no_load {
        true => None,
        false => Some(engine::connect(ctx).await?),
    };
    let loaded = bundle::fetch_and_load(
        provider.as_deref(),
        &args.url,
        &args.output,
        trust,
        &limits,
        &ctx.events,
    )
    .await?;
    match loaded {
        Some(l) => summary(ctx, &args.output, &l),
        None => ctx.events.info(bundle_fetched(&args.output)),
    }
    Ok(())
}

fn summary(ctx: &Ctx, file: &Path, loaded: &Loaded) {
    for line in bundle_loaded(file, loaded) {
        ctx.events.info(line);
    }
}
