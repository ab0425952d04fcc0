use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;

use super::ProviderError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeRole {
    ControlPlane,
    Worker,
    ExternalLoadBalancer,
}

impl NodeRole {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeRole::ControlPlane => "control-plane",
            NodeRole::Worker => "worker",
            NodeRole::ExternalLoadBalancer => "external-load-balancer",
        }
    }

    pub fn parse(s: &str) -> Option<NodeRole> {
        match s {
            "control-plane" => Some(NodeRole::ControlPlane),
            "worker" => Some(NodeRole::Worker),
            "external-load-balancer" => Some(NodeRole::ExternalLoadBalancer),
            _ => None,
        }
    }
}

impl fmt::Display for NodeRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a node container gets the powers systemd, containerd and kubelet need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privileges {
    /// `--privileged`: what kind and minikube use.
    Privileged,
    /// The same powers spelled out, for engines that refuse `--privileged` (see docs).
    ExplicitCapabilities,
    /// An ordinary container (the HA load balancer).
    None,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PortMapping {
    pub listen_address: String,
    pub host_port: u16,
    pub container_port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BindMount {
    pub host_path: String,
    pub container_path: String,
    pub read_only: bool,
    pub selinux_relabel: bool,
    /// `rprivate`, `rslave` (HostToContainer) or `rshared` (Bidirectional).
    pub propagation: Option<String>,
}

/// Everything needed to create one container.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    pub name: String,
    /// The owning cluster; empty for a container no cluster owns (the node-image build).
    pub cluster: String,
    pub role: NodeRole,
    pub image: String,
    pub network: String,
    pub privileges: Privileges,
    /// Boots systemd: tmpfs /run and /tmp, a /var volume, /lib/modules, cgroupns private.
    pub systemd: bool,
    pub env: Vec<(String, String)>,
    pub ports: Vec<PortMapping>,
    pub mounts: Vec<BindMount>,
    pub devices: Vec<String>,
    pub userns_host: bool,
    /// Replaces the image's entrypoint (the load balancer, the image builder).
    pub entrypoint: Option<Vec<String>>,
    /// Replaces the image's command.
    pub command: Option<Vec<String>>,
    /// Extra labels beyond cluster and role.
    pub labels: BTreeMap<String, String>,
}

impl NodeSpec {
    /// An ordinary container (no systemd, no extra powers) running `entrypoint` + `command`:
    /// the image builder, the load balancer and its image check.
    pub fn plain(
        name: &str,
        cluster: &str,
        role: NodeRole,
        image: &str,
        network: &str,
        entrypoint: Vec<String>,
        command: Vec<String>,
    ) -> NodeSpec {
        NodeSpec {
            name: name.to_string(),
            cluster: cluster.to_string(),
            role,
            image: image.to_string(),
            network: network.to_string(),
            privileges: Privileges::None,
            systemd: false,
            env: Vec::new(),
            ports: Vec::new(),
            mounts: Vec::new(),
            devices: Vec::new(),
            userns_host: false,
            entrypoint: Some(entrypoint),
            command: Some(command),
            labels: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeState {
    Running,
    Stopped,
    Paused,
    Restarting,
    Created,
    Unknown,
}

impl fmt::Display for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            NodeState::Running => "running",
            NodeState::Stopped => "stopped",
            NodeState::Paused => "paused",
            NodeState::Restarting => "restarting",
            NodeState::Created => "created",
            NodeState::Unknown => "unknown",
        };
        f.write_str(s)
    }
}

/// What minik knows about one of its containers, read from the engine.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NodeInfo {
    pub name: String,
    pub cluster: String,
    pub role: NodeRole,
    pub state: NodeState,
    pub image: String,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
    /// Host address and port the API server (6443) is published on, if it is.
    pub api_server: Option<(String, u16)>,
    pub ports: Vec<PortMapping>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkInfo {
    pub name: String,
    pub subnets: Vec<String>,
    pub mtu: Option<u32>,
}

pub use crate::archive::ByteStream;

/// What to feed a command's standard input.
pub enum ExecInput {
    None,
    Bytes(Bytes),
    Stream(ByteStream),
}

impl ExecInput {
    pub fn text(s: impl Into<String>) -> Self {
        ExecInput::Bytes(Bytes::from(s.into()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub exit_code: i64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn combined(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.stdout).into_owned();
        let err = String::from_utf8_lossy(&self.stderr);
        if !err.is_empty() {
            if !s.is_empty() && !s.ends_with('\n') {
                s.push('\n');
            }
            s.push_str(&err);
        }
        s
    }

    /// Turn a non-zero exit into [`ProviderError::ExecFailed`] carrying the output.
    pub fn check(self, node: &str, cmd: &[String]) -> Result<ExecOutput, ProviderError> {
        if self.exit_code == 0 {
            Ok(self)
        } else {
            Err(ProviderError::ExecFailed {
                node: node.to_string(),
                command: cmd.join(" "),
                exit_code: self.exit_code,
                output: self.combined(),
            })
        }
    }
}
