//! `minik tour`: the built-in lab or an organiser's, on a cluster, asked step by step on a
//! terminal or run unattended with --yes; what it made is removed however it ends.

use super::{engine, json, out, Ctx};
use crate::cli::{OutputFormat, TourArgs};
use crate::cluster::create::{CreateRequest, DEFAULT_WAIT};
use crate::cluster::ClusterError;
use crate::error::Error;
use crate::failure::Failure;
use crate::tour::{self, Guide, Lab, Lang, Options, Summary, Tour, TourError};
use crate::ui::{can_ask, confirm_create, labs_text, steps_text, TourGuide};
use crate::web::WebGuide;

fn lab(args: &TourArgs) -> Result<Lab, Error> {
    Ok(match &args.lab {
        Some(arg) => tour::find_lab(arg, tour::installed::dir().as_deref())?,
        None => tour::builtin(tour::DEFAULT_LAB)?,
    })
}

fn list(lab: &Lab, lang: Lang, format: OutputFormat) -> Result<(), Error> {
    let steps = lab.listing(lang);
    match format {
        OutputFormat::Json => json(&steps),
        OutputFormat::Text => out(&steps_text(lab.title.get(lang), &steps)),
    }
}

/// `--list-labs`: every lab, built in or kept from a bundle; one that no longer reads is
/// reported on stderr and left out.
fn list_labs(ctx: &Ctx, lang: Lang, format: OutputFormat) -> Result<(), Error> {
    let (labs, unreadable) = tour::catalog::all(tour::installed::dir().as_deref());
    for e in unreadable {
        ctx.events
            .warn(format!("a lab kept from a bundle does not read: {e}"));
    }
    match format {
        OutputFormat::Json => json(&labs),
        OutputFormat::Text => out(&labs_text(&labs, lang)),
    }
}

/// No cluster to tour: on a terminal, offer to make one big enough for every step of the lab
/// (in the learner's language) and make it as `minik create` would; else, or declined, say
/// how to make it.
async fn offer_cluster(ctx: &Ctx, args: &TourArgs, lab: &Lab, lang: Lang) -> Result<(), Error> {
    let name = args.cluster.name.clone();
    let workers = lab.steps.iter().map(|s| s.needs_workers).max().unwrap_or(0);
    let nodes = workers + 1;
    let missing = TourError::NoCluster {
        name: name.clone(),
        nodes,
    };
    if args.yes || !can_ask() {
        return Err(missing.into());
    }
    let command = format!(
        "minik create --nodes {nodes}{}",
        crate::config::name_flag(&name)
    );
    let prompt = tour::messages(lang)
        .create_offer
        .replace("{name}", &crate::text::quoted(&name))
        .replace("{command}", &command);
    match confirm_create(&prompt) {
        Ok(true) => {}
        Ok(false) => return Err(missing.into()),
        Err(e) => {
            return Err(Failure::Prompt {
                reason: e.to_string(),
                fallback: "run minik create --nodes 3, then minik tour",
            }
            .into())
        }
    }
    let request = CreateRequest {
        name: Some(name),
        nodes: Some(nodes),
        wait: DEFAULT_WAIT,
        ..CreateRequest::default()
    };
    super::create::make(ctx, request, None, false).await
}

/// One line about the live page: with `--web`, its URL; else, to a learner at a terminal, how
/// to have it (`-o json` keeps stdout for the report: the URL goes to stderr then).
fn say_page(ctx: &Ctx, args: &TourArgs, lang: Lang, url: Option<&str>, guide: &dyn Guide) {
    let m = tour::messages(lang);
    match url {
        Some(url) if args.out.output == OutputFormat::Json => {
            ctx.events.info(format!("{} {url}", m.web_page));
        }
        Some(url) => {
            guide.note(m.web_page);
            // On a line of its own, indented: kept whole, never wrapped.
            guide.note(&format!("  {url}"));
        }
        None if !args.yes && args.out.output == OutputFormat::Text => {
            let command = format!("minik ui{}", crate::config::name_flag(&args.cluster.name));
            guide.note(&m.web_hint.replace("{command}", &command));
        }
        None => {}
    }
}

pub(super) async fn run(ctx: &Ctx, args: TourArgs) -> Result<(), Error> {
    let lang = tour::language(args.lang.map(Lang::from), |k| std::env::var(k).ok());
    if args.list_labs {
        return list_labs(ctx, lang, args.out.output);
    }
    let lab = lab(&args)?;
    if args.list {
        return list(&lab, lang, args.out.output);
    }
    tour::check_skips(&lab, &args.skip)?;
    if !args.yes && !can_ask() {
        return Err(crate::input::InputError::TourNeedsTerminal.into());
    }
    let as_json = args.out.output == OutputFormat::Json;
    let engine = engine::connect_engine(ctx).await?;
    let provider = engine.provider.clone();
    let name = &args.cluster.name;
    let mut cluster = match tour::ClusterAccess::connect(&*provider, name).await {
        Err(ClusterError::NotFound(_)) => {
            offer_cluster(ctx, &args, &lab, lang).await?;
            tour::ClusterAccess::connect(&*provider, name).await?
        }
        found => found?,
    };
    // Whether node addresses route from here decides the URL a node port is shown at; an
    // engine that cannot say counts as no (published ports are then the way in).
    cluster.reach.routable = engine
        .environment(None)
        .await
        .is_ok_and(|env| env.node_ips_reachable());
    let workers = cluster.workers.clone();
    let tour = Tour::new(
        &cluster,
        &lab,
        lang,
        &ctx.events,
        &cluster.name,
        &cluster.control_plane,
        workers,
    );
    let page = if args.web {
        Some(super::web::for_tour(&provider, &cluster.name, lang).await?)
    } else {
        None
    };
    let guide = TourGuide::new(tour::messages(lang), !as_json);
    let web_guide = page
        .as_ref()
        .map(|p| WebGuide::new(&guide, lab.title.get(lang), lang, p.panel.clone()));
    let shown: &dyn Guide = match &web_guide {
        Some(w) => w,
        None => &guide,
    };
    say_page(
        ctx,
        &args,
        lang,
        page.as_ref().map(|p| p.url.as_str()),
        shown,
    );
    let opts = Options {
        unattended: args.yes,
        restart: args.restart,
        skip: args.skip.clone(),
    };
    let mut summary = Summary::new(&lab, lang);
    let ended = tour.run_to_end(shown, &opts, &mut summary).await;
    if as_json {
        json(&summary)?;
    } else if !ended.failed() {
        guide.finish(&summary);
    }
    match ended.run {
        Err(cancelled) => Err(cancelled.into()),
        Ok(Err(e)) => Err(e.into()),
        Ok(Ok(())) => Ok(ended.cleaned?),
    }
}
