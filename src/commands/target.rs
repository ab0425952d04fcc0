//! The cluster a command acts on when `--name` is not given: chosen once, before the command
//! runs (see `cluster::default_name`), and said. Commands that read or teach guess; `node
//! delete` (like `delete` and `stop`) keeps the `minik` default (`cli::ExactClusterName`).

use super::{engine, Ctx};
use crate::cli::{ClusterName, Command, ExportCommand, GetCommand, LoadCommand, NodeCommand};
use crate::cluster::default_name::default_cluster;
use crate::config::DEFAULT_CLUSTER_NAME;
use crate::error::Error;

/// Fill in the cluster name of `command`, guessing where it may.
pub(super) async fn fill(ctx: &Ctx, command: &mut Command) -> Result<(), Error> {
    let (cluster, guess): (&mut ClusterName, bool) = match command {
        Command::Get(GetCommand::Nodes { cluster, .. })
        | Command::Get(GetCommand::ClusterConfig { cluster })
        | Command::Get(GetCommand::Kubeconfig { cluster, .. })
        | Command::Export(ExportCommand::Kubeconfig { cluster, .. })
        | Command::Export(ExportCommand::Logs { cluster, .. }) => (cluster, true),
        Command::Node(NodeCommand::Add(a)) => (&mut a.cluster, true),
        // The step list and the lab list need no cluster (nor an engine).
        Command::Tour(a) => (&mut a.cluster, !a.list && !a.list_labs),
        Command::Kubectl(a) => (&mut a.cluster, true),
        Command::Ui(a) => (&mut a.cluster, true),
        Command::Load(LoadCommand::DockerImage(a)) => (&mut a.target.cluster, true),
        Command::Load(LoadCommand::ImageArchive(a)) => (&mut a.target.cluster, true),
        _ => return Ok(()),
    };
    cluster.name = match (&cluster.given, guess) {
        (Some(given), _) => given.clone(),
        (None, false) => DEFAULT_CLUSTER_NAME.to_string(),
        (None, true) => match engine::try_connect(ctx).await? {
            Ok(engine) => {
                let chosen = default_cluster(&*engine.provider).await;
                // `minik` is no surprise; another cluster is said.
                if let Some(why) = chosen.why.filter(|_| chosen.name != DEFAULT_CLUSTER_NAME) {
                    ctx.events.info(format!(
                        "Using cluster {} ({why}); --name chooses another",
                        chosen.name
                    ));
                }
                chosen.name
            }
            // The command itself reports an engine it cannot reach.
            Err(_) => DEFAULT_CLUSTER_NAME.to_string(),
        },
    };
    Ok(())
}
