//! Each subcommand to its function, and who handles signals while it runs: `super::run` ends
//! most at the first signal; those that make things undo their own work; `init` takes the
//! signals over only once it creates (its questions leave Ctrl-C to the terminal).

use super::{
    build, bundle, create, delete, doctor, get, init, kubectl, lifecycle, load, logs, node, output,
    tour, version, web, Ctx,
};
use crate::cli::{
    BuildCommand, BundleCommand, Command, ExportCommand, GetCommand, LoadCommand, NodeCommand,
};
use crate::error::Error;

/// Who answers a signal while a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Signals {
    /// Nothing half-made to undo: the command ends at the first signal.
    EndAtFirst,
    /// The command undoes its own work (containers, loaded images, the tour's namespace).
    Own,
    /// The command takes the signals over itself when it starts making things.
    Later,
}

pub(super) fn signals(command: &Command) -> Signals {
    match command {
        Command::Init(_) => Signals::Later,
        Command::Create(_)
        | Command::Node(NodeCommand::Add(_))
        | Command::Build(BuildCommand::NodeImage(_))
        | Command::Tour(_)
        | Command::Bundle(BundleCommand::Load(_) | BundleCommand::Fetch(_)) => Signals::Own,
        _ => Signals::EndAtFirst,
    }
}

pub(super) async fn run(ctx: &Ctx, command: Command) -> Result<(), Error> {
    match command {
        Command::Create(args) => create::run(ctx, args).await,
        Command::Init(args) => init::run(ctx, args).await,
        Command::Delete(args) => delete::run(ctx, args).await,
        Command::Stop(args) => lifecycle::stop(ctx, args).await,
        Command::Start(args) => lifecycle::start(ctx, args).await,
        Command::Export(ExportCommand::Logs { dir, cluster }) => {
            logs::export(ctx, &cluster.name, dir).await
        }
        Command::Get(GetCommand::Clusters(out)) => get::clusters(ctx, out).await,
        Command::Get(GetCommand::Nodes { cluster, out }) => {
            get::nodes(ctx, &cluster.name, out).await
        }
        Command::Get(GetCommand::ClusterConfig { cluster }) => {
            get::cluster_config(ctx, &cluster.name).await
        }
        Command::Get(GetCommand::Kubeconfig {
            cluster,
            internal,
            server,
        }) => get::kubeconfig(ctx, &cluster.name, internal, server.as_deref()).await,
        Command::Export(ExportCommand::Kubeconfig {
            cluster,
            kubeconfig,
        }) => get::export_kubeconfig(ctx, &cluster.name, kubeconfig.as_deref()).await,
        Command::Build(BuildCommand::NodeImage(args)) => build::node_image(ctx, args).await,
        Command::Node(NodeCommand::Add(args)) => node::add(ctx, args).await,
        Command::Node(NodeCommand::Delete(args)) => node::delete(ctx, args).await,
        Command::Load(LoadCommand::DockerImage(args)) => load::docker_image(ctx, args).await,
        Command::Load(LoadCommand::ImageArchive(args)) => load::image_archive(ctx, args).await,
        Command::Bundle(BundleCommand::Create(args)) => bundle::create(ctx, args).await,
        Command::Bundle(BundleCommand::Load(args)) => bundle::load(ctx, args).await,
        Command::Bundle(BundleCommand::Serve(args)) => bundle::serve(ctx, args).await,
        Command::Bundle(BundleCommand::Fetch(args)) => bundle::fetch(ctx, args).await,
        Command::Doctor(args) => doctor::run(ctx, args).await,
        Command::Tour(args) => tour::run(ctx, args).await,
        Command::Kubectl(args) => kubectl::run(ctx, args).await,
        Command::Ui(args) => web::run(ctx, args).await,
        Command::Version(out) => version::run(out),
        Command::Completion { shell } => output::completion(shell),
    }
}
