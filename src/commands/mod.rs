//! One function per subcommand: turn parsed arguments into library calls and print results.
//! Data goes to stdout; progress and errors go to stderr (through the UI layer).

mod build;
mod bundle;
mod create;
mod delete;
mod dispatch;
mod doctor;
mod engine;
mod get;
mod init;
mod kubectl;
mod lifecycle;
mod load;
mod logs;
mod names;
mod node;
mod output;
mod sudo;
mod target;
mod tour;
mod version;
mod web;

pub(crate) use output::{json, out};

use std::sync::Arc;

use crate::cli::Cli;
use crate::error::Error;
use crate::events::Events;
use crate::ui::{Mode, Terminal};

/// What every command gets: how to report progress, and the global flags.
pub(crate) struct Ctx {
    pub(crate) events: Events,
    pub(crate) global: crate::cli::GlobalArgs,
}

pub(crate) async fn run(cli: Cli) -> Result<(), Error> {
    let mode = Mode::detect(cli.global.quiet);
    let lang = cli.lang(|k| std::env::var(k).ok());
    let terminal = Arc::new(Terminal::new(mode, cli.global.verbose).speaking(lang));
    let ctx = Ctx {
        events: Events::new(terminal),
        global: cli.global.clone(),
    };
    // No ssh child (an ssh:// engine's connection) outlives the command, even one a signal
    // ended: they run in their own process groups, out of the terminal's Ctrl-C.
    let _ssh_children = crate::provider::docker::EndSshChildren;
    // Bad input is refused before the engine is contacted (exit 2, never "unreachable").
    names::check(&cli.command)?;
    // Commands that read or teach act on the cluster kubectl points at when not told.
    let mut command = cli.command;
    target::fill(&ctx, &mut command).await?;
    let signals = dispatch::signals(&command);
    if signals != dispatch::Signals::Later {
        take_over_signals(&ctx)?;
    }
    let work = dispatch::run(&ctx, command);
    match signals {
        dispatch::Signals::EndAtFirst => or_interrupted(work).await,
        dispatch::Signals::Own | dispatch::Signals::Later => work.await,
    }
}

/// From here on a signal never kills minik outright: what it was making is undone first.
fn take_over_signals(ctx: &Ctx) -> Result<(), Error> {
    crate::signals::install(ctx.events.clone()).map_err(|e| {
        crate::failure::Failure::Signals {
            reason: e.to_string(),
        }
        .into()
    })
}

/// Ends `work` at the first signal; for commands with nothing half-made to undo.
async fn or_interrupted(
    work: impl std::future::Future<Output = Result<(), Error>>,
) -> Result<(), Error> {
    crate::signals::cancellable(work).await?
}
