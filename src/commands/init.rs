//! `minik init`: flags to what was given, the machine's look to what is offered, the questions
//! (on a terminal) or the defaults (without one), then the file and, if asked, the cluster, made
//! exactly as `minik create --config FILE` makes it.

use std::io::IsTerminal;
use std::path::Path;

use super::{create, engine, Ctx};
use crate::cli::InitArgs;
use crate::error::Error;
use crate::init::{self, equivalent_command, Flags};
use crate::text::wrap;

pub(super) async fn run(ctx: &Ctx, args: InitArgs) -> Result<(), Error> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let flags = flags(args);
    let given = flags.given()?;
    let look = init::look(engine::try_connect(ctx).await?).await?;
    let given = flags.given_on(given, &look.local)?;
    let offer = init::offer(&look);
    let doctor = crate::ui::doctor_text(&look.checks);
    let reply = if interactive {
        match crate::ui::init::ask(&given, &offer, &doctor)? {
            Some(r) => r,
            None => return Ok(()),
        }
    } else {
        let reply = given.resolve(&offer, |p: &Path| p.exists());
        // Broken between words with continuations, so that it pastes as one command.
        let command = wrap::command(
            &equivalent_command(&reply.answers, &reply.output, reply.create),
            wrap::width(),
            "  ",
            wrap::CONTINUATION,
        );
        ctx.events.info(format!(
            "No terminal, so no questions: minik init took every default. The same, as flags:\n{}",
            command.join("\n")
        ));
        if crate::platform::is_blocking(&look.checks) {
            ctx.events
                .warn(format!("this machine's checks found problems:\n{doctor}"));
        }
        reply
    };
    init::write(&reply, given.force)?;
    let shown = reply.output.display();
    ctx.events.info(format!(
        "Wrote {shown}. Make the cluster with: minik create --config {shown}"
    ));
    let Some(request) = reply.create_request() else {
        return Ok(());
    };
    // Creating undoes itself on a signal, as `minik create` does.
    super::take_over_signals(ctx)?;
    create::make(ctx, request, None, false).await
}

fn flags(a: InitArgs) -> Flags {
    Flags {
        name: a.name,
        nodes: a.nodes,
        control_planes: a.control_planes,
        kubernetes_version: a.kubernetes_version,
        image: a.image,
        ports: a.ports,
        no_ports: a.no_ports,
        mount: a.mount,
        output: a.output,
        force: a.force,
        create: a.create,
        no_create: a.no_create,
    }
}
