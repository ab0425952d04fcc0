//! `minik init`: flags to what was given, the machine's look to what is offered, the questions
//! (on a terminal) or the defaults (without one), then the file and, if asked, the cluster, made
//! exactly as `minik create --config FILE` makes it.

use std::io::IsTerminal;
use std::path::Path;

use super::{create, engine, Ctx};
use crate::cli::InitArgs;
use crate::error::Error;
use crate::i18n::Key;
use crate::init::{self, equivalent_command, Flags};
use crate::msg;
use crate::text::wrap;

pub(super) async fn run(ctx: &Ctx, args: InitArgs) -> Result<(), Error> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let args_lang = args.lang.map(Into::into);
    let flags = flags(args);
    let given = flags.given()?;
    let look = init::look(engine::try_connect(ctx).await?).await?;
    let given = flags.given_on(given, &look.local)?;
    let offer = init::offer(&look);
    let lang = crate::i18n::language(args_lang, |k| std::env::var(k).ok());
    let doctor = crate::ui::doctor_text_in(&look.checks, lang);
    let reply = if interactive {
        match crate::ui::init::ask(&given, &offer, &doctor, lang)? {
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
        let said = msg!(Key::InitNoTerminal, command = command.join("\n"));
        ctx.events.info(said.in_lang(lang));
        if crate::platform::is_blocking(&look.checks) {
            let problems = msg!(Key::InitProblems, doctor = doctor);
            ctx.events.warn(problems.in_lang(lang));
        }
        reply
    };
    init::write(&reply, given.force, lang)?;
    // The command on lines of its own, broken only between words: it pastes as one command.
    let command = wrap::command(
        &init::create_command(&reply.output),
        wrap::width(),
        "  ",
        wrap::CONTINUATION,
    );
    let wrote = msg!(
        Key::InitWrote,
        path = reply.output.display(),
        command = command.join("\n")
    );
    ctx.events.info(wrote.in_lang(lang));
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
