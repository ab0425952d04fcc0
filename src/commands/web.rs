//! `minik ui`: the live page of one cluster, served on this machine until Ctrl-C. The URL
//! (with its token) goes to stdout; the browser opens on it when there is a display. The same
//! page, with the tour's step beside the picture, is what `minik tour --web` serves while the
//! tour runs ([`for_tour`]).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{engine, out, Ctx};
use crate::cli::{LangArg, UiArgs};
use crate::error::Error;
use crate::live::{self, Live};
use crate::provider::Provider;
use crate::tour::{self, Lang};
use crate::web::{self, Page, Token};

/// A page ready to serve: its listener, URL, and the watches that feed it.
struct Prepared {
    listener: TcpListener,
    url: String,
    page: Page,
    live: Live,
}

async fn prepare(
    provider: &Arc<dyn Provider>,
    cluster: &str,
    lang: Lang,
    (address, port): (IpAddr, u16),
    tour: Option<watch::Receiver<Arc<str>>>,
) -> Result<Prepared, Error> {
    let token = Token::new()?;
    let target = live::connect(&**provider, cluster).await?;
    let listener = web::bind(address, port).await?;
    let at = listener.local_addr().map_err(live::LiveError::Serve)?;
    let url = web::url(at, &token);
    let cluster = target.cluster.clone();
    let live = Live::start(target, lang, provider.clone());
    let page = Page {
        token,
        lang,
        cluster,
        snapshots: live.subscribe(),
        pods: live.details(),
        tour,
    };
    Ok(Prepared {
        listener,
        url,
        page,
        live,
    })
}

pub(super) async fn run(ctx: &Ctx, args: UiArgs) -> Result<(), Error> {
    let flag = args.lang.map(|l| match l {
        LangArg::En => Lang::En,
        LangArg::Ko => Lang::Ko,
    });
    let lang = tour::language(flag, |k| std::env::var(k).ok());
    let provider = engine::connect(ctx).await?;
    let at = (args.address, args.port.unwrap_or(0));
    let p = prepare(&provider, &args.cluster.name, lang, at, None).await?;
    if !args.address.is_loopback() {
        ctx.events.warn(format!(
            "listening on {}: anyone who can reach it and has the URL sees the cluster",
            args.address
        ));
    }
    out(&p.url)?;
    if args.no_open || !web::open_browser(&p.url) {
        ctx.events
            .info("Open the URL above in a browser; Ctrl-C stops the page");
    } else {
        ctx.events
            .info("Opened the page in the browser; Ctrl-C stops it");
    }
    let _live = p.live;
    web::serve(p.listener, p.page).await?;
    Ok(())
}

/// `minik tour --web`'s page, served while the tour runs (on 127.0.0.1, a port the system
/// chooses); dropping it stops the server and the watches.
pub(super) struct TourPage {
    pub(super) url: String,
    /// Where the tour publishes its step ([`web::WebGuide`]).
    pub(super) panel: watch::Sender<Arc<str>>,
    _live: Live,
    server: JoinHandle<()>,
}

impl Drop for TourPage {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Serves the page of `cluster` with a tour panel, and opens the browser when there is a
/// display.
pub(super) async fn for_tour(
    provider: &Arc<dyn Provider>,
    cluster: &str,
    lang: Lang,
) -> Result<TourPage, Error> {
    let (panel, steps) = web::tour_channel();
    let at = (IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
    let Prepared {
        listener,
        url,
        page,
        live,
    } = prepare(provider, cluster, lang, at, Some(steps)).await?;
    // The server's own failures end the page, not the tour.
    let server = tokio::spawn(async move {
        let _ = web::serve(listener, page).await;
    });
    web::open_browser(&url);
    Ok(TourPage {
        url,
        panel,
        _live: live,
        server,
    })
}
