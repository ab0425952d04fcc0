//! The workshop's `Ports` row: are the host ports the cluster publishes free? Three things look
//! alike from a bind and are told apart here: something else listens (FAIL, stop it), the
//! attendee's own minik cluster holds them (its ports: not a fault, say how to make it again),
//! and this user may not bind below 1024 while nothing answered (only then a look-up per OS).

use serde::Serialize;

use super::workshop::{PlannedPort, WorkshopFacts, WorkshopPlan};
use super::{row, Check, Status};
use crate::i18n::Key;
use crate::msg;
use crate::platform::environment::Environment;
use crate::platform::host::HostOs;

const WHY: &str = "the cluster publishes these ports on this machine (an ingress on 80/443)";

/// A planned port a minik cluster's node already publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct OwnedPort {
    pub(crate) port: PlannedPort,
    pub(crate) cluster: String,
}

/// The planned ports a minik node publishes, given each node's cluster and its (address, port)
/// TCP bindings. An empty or wildcard address on either side collides with any address.
pub(crate) fn owned_ports(
    plan: &[PlannedPort],
    published: &[(String, Vec<(String, u16)>)],
) -> Vec<OwnedPort> {
    let wild = |a: &str| matches!(a, "" | "0.0.0.0" | "::" | "[::]");
    plan.iter()
        .filter_map(|p| {
            let (cluster, _) = published.iter().find(|(_, ports)| {
                ports.iter().any(|(addr, port)| {
                    *port == p.port && (wild(addr) || wild(&p.address) || *addr == p.address)
                })
            })?;
            Some(OwnedPort {
                port: p.clone(),
                cluster: cluster.clone(),
            })
        })
        .collect()
}

fn list<'a>(ports: impl IntoIterator<Item = &'a PlannedPort>) -> String {
    let names: Vec<String> = ports
        .into_iter()
        .map(|p| format!("{}:{}", p.address, p.port))
        .collect();
    names.join(", ")
}

/// The command that names what listens on `port` on this OS.
fn who_listens(os: HostOs, port: u16) -> String {
    match os {
        HostOs::Macos => format!("sudo lsof -nP -iTCP:{port} -sTCP:LISTEN"),
        HostOs::Windows => format!("netstat -ano | findstr :{port}"),
        _ => format!("sudo ss -ltnp 'sport = :{port}'"),
    }
}

pub(crate) fn ports(env: &Environment, plan: &WorkshopPlan, facts: &WorkshopFacts) -> Check {
    if plan.ports.is_empty() {
        return row("ports", "Ports", Status::Ok, "none planned", WHY, None);
    }
    let owned = |p: &PlannedPort| facts.ports_owned.iter().any(|o| o.port == *p);
    let foreign: Vec<&PlannedPort> = facts.ports_in_use.iter().filter(|p| !owned(p)).collect();
    if let Some(first) = foreign.first() {
        let who = who_listens(env.host_os, first.port);
        return row(
            "ports",
            "Ports",
            Status::Fail,
            msg!(Key::PortsInUse, ports = list(foreign.iter().copied())),
            WHY,
            Some(msg!(Key::PortsStopListener, who = who)),
        );
    }
    if let Some(first) = facts.ports_owned.first() {
        return owned_row(&facts.ports_owned, &first.cluster);
    }
    if env.remote {
        let found = msg!(Key::PortsRemote, ports = list(&plan.ports));
        return row("ports", "Ports", Status::Ok, found, WHY, None);
    }
    if let Some(r) = rootless_row(env, plan, facts) {
        return r;
    }
    if let Some(first) = facts.ports_unknown.first() {
        return row(
            "ports",
            "Ports",
            Status::Warn,
            msg!(Key::PortsUnknown, ports = list(&facts.ports_unknown)),
            WHY,
            Some(msg!(
                Key::PortsLookUp,
                who = who_listens(env.host_os, first.port)
            )),
        );
    }
    let found = msg!(Key::PortsFree, ports = list(&plan.ports));
    row("ports", "Ports", Status::Ok, found, WHY, None)
}

/// The attendee's own cluster holds the ports: nothing to fix while working in it, so the row
/// passes, and what to do before making it again is in what was found (a pass shows no fix).
fn owned_row(owned: &[OwnedPort], cluster: &str) -> Check {
    let delete = if cluster == "minik" {
        "minik delete".to_string()
    } else {
        format!("minik delete --name {cluster}")
    };
    row(
        "ports",
        "Ports",
        Status::Ok,
        msg!(
            Key::PortsOwned,
            ports = list(owned.iter().map(|o| &o.port)),
            cluster = cluster,
            delete = delete
        ),
        WHY,
        None,
    )
}

/// A rootless engine cannot publish below `ip_unprivileged_port_start`.
fn rootless_row(env: &Environment, plan: &WorkshopPlan, facts: &WorkshopFacts) -> Option<Check> {
    let start = facts.unprivileged_port_start.filter(|_| env.rootless)?;
    let lowest = plan
        .ports
        .iter()
        .map(|p| p.port)
        .filter(|p| *p < start)
        .min()?;
    Some(row(
        "ports",
        "Ports",
        Status::Fail,
        msg!(Key::PortsRootless, ports = list(&plan.ports), start = start),
        WHY,
        Some(msg!(Key::PortsRootlessFix, lowest = lowest)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(address: &str, port: u16) -> PlannedPort {
        PlannedPort {
            address: address.into(),
            port,
        }
    }

    #[test]
    fn a_node_publishing_the_port_owns_it() {
        let plan = [
            port("127.0.0.1", 80),
            port("127.0.0.1", 443),
            port("127.0.0.1", 8080),
        ];
        let published = [
            ("lab".to_string(), vec![("127.0.0.1".to_string(), 80)]),
            (
                "workshop".to_string(),
                vec![("0.0.0.0".to_string(), 443), ("127.0.0.2".into(), 8080)],
            ),
        ];
        let owned = owned_ports(&plan, &published);
        let got: Vec<(u16, &str)> = owned
            .iter()
            .map(|o| (o.port.port, o.cluster.as_str()))
            .collect();
        assert_eq!(got, [(80, "lab"), (443, "workshop")]);
        assert!(owned_ports(&plan, &[]).is_empty());
    }
}
