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
mod tour;
mod version;

pub(crate) use output::{json, out};

use std::sync::Arc;

use crate::cli::{BuildCommand, BundleCommand, Cli, Command, NodeCommand};
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
    let terminal = Arc::new(Terminal::new(mode, cli.global.verbose));
    let ctx = Ctx {
        events: Events::new(terminal),
        global: cli.global.clone(),
    };
    // No ssh child (an ssh:// engine's connection) outlives the command, even one a signal
    // ended: they run in their own process groups, out of the terminal's Ctrl-C.
    let _ssh_children = crate::provider::docker::EndSshChildren;
    // Bad input is refused before the engine is contacted (exit 2, never "unreachable").
    names::check(&cli.command)?;
    // init's questions leave Ctrl-C to the terminal (nothing is made yet); it takes the signals
    // over before it creates anything.
    let command = match cli.command {
        Command::Init(args) => return init::run(&ctx, args).await,
        other => other,
    };
    take_over_signals(&ctx)?;
    match command {
        // These undo their own work when a signal comes.
        Command::Create(args) => create::run(&ctx, args).await,
        Command::Node(NodeCommand::Add(args)) => node::add(&ctx, args).await,
        Command::Build(BuildCommand::NodeImage(args)) => build::node_image(&ctx, args).await,
        // Removes what it made (its namespace) when a signal comes.
        Command::Tour(args) => tour::run(&ctx, args).await,
        // Remove the images this run loaded when a signal comes (the load watches for it).
        Command::Bundle(BundleCommand::Load(args)) => bundle::load(&ctx, args).await,
        Command::Bundle(BundleCommand::Fetch(args)) => bundle::fetch(&ctx, args).await,
        other => or_interrupted(dispatch::run_other(&ctx, other)).await,
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
