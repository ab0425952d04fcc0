//! Bad names are bad input: every command checks the cluster and node names it was given
//! before it contacts the engine, with the rules create uses.

use crate::cli::{Command, ExportCommand, GetCommand, LoadCommand, NodeCommand};
use crate::error::Error;

/// The cluster and node names a command was given, checked as create checks them.
pub(super) fn check(command: &Command) -> Result<(), Error> {
    use crate::cluster::naming;
    let (cluster, nodes): (Option<String>, Vec<&String>) = match command {
        Command::Create(a) => (a.name.clone(), vec![]),
        Command::Delete(a) => (a.name.clone(), vec![]),
        Command::Stop(a) => (a.name.clone(), vec![]),
        Command::Start(a) => (a.name.clone(), vec![]),
        Command::Get(GetCommand::Nodes { cluster, .. })
        | Command::Get(GetCommand::ClusterConfig { cluster })
        | Command::Get(GetCommand::Kubeconfig { cluster, .. })
        | Command::Export(ExportCommand::Kubeconfig { cluster, .. })
        | Command::Export(ExportCommand::Logs { cluster, .. }) => (cluster.given.clone(), vec![]),
        Command::Node(NodeCommand::Add(a)) => (a.cluster.given.clone(), vec![]),
        Command::Tour(a) => (a.cluster.given.clone(), vec![]),
        Command::Kubectl(a) => (a.cluster.given.clone(), vec![]),
        Command::Ui(a) => (a.cluster.given.clone(), vec![]),
        Command::Node(NodeCommand::Delete(a)) => (Some(a.cluster.name.clone()), vec![&a.node]),
        Command::Load(LoadCommand::DockerImage(a)) => (
            a.target.cluster.given.clone(),
            a.target.nodes.iter().collect(),
        ),
        Command::Load(LoadCommand::ImageArchive(a)) => (
            a.target.cluster.given.clone(),
            a.target.nodes.iter().collect(),
        ),
        _ => (None, vec![]),
    };
    if let Some(name) = cluster {
        // Bad input with its own hint (a valid name to use instead).
        naming::validate_cluster_name(&name).map_err(crate::cluster::ClusterError::from)?;
    }
    for node in nodes {
        naming::validate_node_name(node)
            .map_err(|reason| crate::input::InputError::NodeName { reason })?;
    }
    Ok(())
}
