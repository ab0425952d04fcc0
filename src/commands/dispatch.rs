//! The commands that take no care of signals themselves, each to its function; `super::run`
//! ends them at the first signal. (The arms of those that do are here too, for a whole match.)

use super::{
    build, bundle, create, delete, doctor, get, init, kubectl, lifecycle, load, logs, node, output,
    tour, version, Ctx,
};
use crate::cli::{
    BuildCommand, BundleCommand, Command, ExportCommand, GetCommand, LoadCommand, NodeCommand,
};
use crate::error::Error;

pub(super) async fn run_other(ctx: &Ctx, command: Command) -> Result<(), Error> {
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
        Command::Version(out) => version::run(out),
        Command::Completion { shell } => output::completion(shell),
    }
}
