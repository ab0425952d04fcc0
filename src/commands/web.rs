//! `minik ui`: the live page of one cluster, served on this machine until Ctrl-C. The URL
//! (with its token) goes to stdout; the browser opens on it when there is a display.

use super::{engine, out, Ctx};
use crate::cli::{LangArg, UiArgs};
use crate::error::Error;
use crate::live::{self, Live};
use crate::tour::{self, Lang};
use crate::web::{self, Page, Token};

pub(super) async fn run(ctx: &Ctx, args: UiArgs) -> Result<(), Error> {
    let flag = args.lang.map(|l| match l {
        LangArg::En => Lang::En,
        LangArg::Ko => Lang::Ko,
    });
    let lang = tour::language(flag, |k| std::env::var(k).ok());
    let token = Token::new()?;
    let provider = engine::connect(ctx).await?;
    let target = live::connect(&*provider, &args.cluster.name).await?;
    let listener = web::bind(args.address, args.port.unwrap_or(0)).await?;
    let at = listener.local_addr().map_err(live::LiveError::Serve)?;
    let url = web::url(at, &token);
    let cluster = target.cluster.clone();
    let live = Live::start(target, lang, provider.clone());
    if !args.address.is_loopback() {
        ctx.events.warn(format!(
            "listening on {}: anyone who can reach it and has the URL sees the cluster",
            args.address
        ));
    }
    out(&url)?;
    if args.no_open || !web::open_browser(&url) {
        ctx.events
            .info("Open the URL above in a browser; Ctrl-C stops the page");
    } else {
        ctx.events
            .info("Opened the page in the browser; Ctrl-C stops it");
    }
    let page = Page {
        token,
        lang,
        cluster,
        snapshots: live.subscribe(),
        pods: live.details(),
    };
    web::serve(listener, page).await?;
    Ok(())
}
