//! Bad input typed on the command line: what the user gave that minik cannot use as given.
//! Every variant is bad input (exit 2), carries the values it names, and has its own hint and a
//! stable message key ([`InputError::key`]), so a translation can key its words by variant.

use crate::i18n::{Lang, Msg};
use std::path::PathBuf;

use crate::config::{MAX_NODES, MAX_NODES_WHY};
use crate::hint::Hint;
use crate::k8s_version::InvalidVersion;
use crate::platform::remote::UnreachableApi;
use crate::text::quoted;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// `--kubernetes-version` that is no version (its hint is the version's own).
    #[error(transparent)]
    Version(#[from] InvalidVersion),

    /// `--nodes 0` or `--control-planes 0`.
    #[error("{flag} must be at least 1")]
    Zero { flag: &'static str },

    /// A node count above [`MAX_NODES`].
    #[error("{flag} {value} is more than {MAX_NODES}, the most minik makes")]
    TooMany { flag: &'static str, value: u32 },

    /// `minik create`: more control planes than nodes.
    #[error("--control-planes {control_planes} is more than --nodes {nodes}")]
    ControlPlanesAboveNodes { control_planes: u32, nodes: u32 },

    /// `minik init`: control planes that do not fit among the nodes.
    #[error("--control-planes {control_planes} does not fit in --nodes {nodes}")]
    ControlPlanesDoNotFit { control_planes: u32, nodes: u32 },

    /// `minik init`: a node count outside 1..=[`MAX_NODES`].
    #[error("--nodes {nodes} is out of range")]
    NodesOutOfRange { nodes: u32 },

    /// A flag that takes an IP address got something else.
    #[error("{flag} {} is not an IP address", quoted(value))]
    NotAnAddress { flag: &'static str, value: String },

    /// The API address cannot be reached from here (a loopback address on a remote engine).
    #[error(transparent)]
    UnreachableApi(#[from] UnreachableApi),

    /// `minik init --name`: not a valid cluster name.
    #[error("{reason}")]
    InitName { reason: Msg },

    /// `--port`: not `[HOST:]CONTAINER`; `example` shows ports that would do.
    #[error("{reason}")]
    Port { reason: Msg, example: &'static str },

    /// `minik init --mount`: not a folder here.
    #[error("{reason}")]
    Mount { reason: Msg },

    /// The file to write exists and `--force` was not given.
    #[error("{} exists", path.display())]
    FileExists { path: PathBuf },

    /// A flag that takes a folder got something else.
    #[error("{flag} {} is not a folder", path.display())]
    NotAFolder { flag: &'static str, path: PathBuf },

    /// No node image can be built for the engine's architecture.
    #[error("unsupported architecture {arch}")]
    UnsupportedArch { arch: String },

    /// `--server` is not an https URL minik can hand out.
    #[error("--server: {reason}")]
    Server { reason: String },

    /// A node name that no minik node can have.
    #[error("{reason}")]
    NodeName { reason: String },

    /// `minik tour` asks after each step and has no terminal to ask on.
    #[error("minik tour asks what to do after each step, and there is no terminal to ask on")]
    TourNeedsTerminal,

    /// `bundle create --platform`: not `OS/ARCH`.
    #[error("{reason}")]
    Platform { reason: String },

    /// Root for a sudo user, with no `--kubeconfig`: the kubeconfig would go to root's home.
    #[error(
        "minik is running under sudo: the cluster's kubeconfig would go to root's home, where \
         {user}'s kubectl does not look"
    )]
    UnderSudo { user: String },

    /// A bundle's config reaches this machine, and nobody could say yes to it.
    #[error(
        "refusing to create from {} without a yes: its config reaches this machine",
        file.display()
    )]
    BundleNeedsYes { file: PathBuf },
}

crate::error_keys!(pub InputError {
    InputError::Version(v) => "input.version", reason = v;
    InputError::Zero { flag } => "input.zero", flag = flag;
    InputError::TooMany { flag, value } => "input.too-many", flag = flag, value = value, max = MAX_NODES;
    InputError::ControlPlanesAboveNodes { control_planes, nodes } => "input.control-planes-above-nodes",
        control_planes = control_planes, nodes = nodes;
    InputError::ControlPlanesDoNotFit { control_planes, nodes } => "input.control-planes-do-not-fit",
        control_planes = control_planes, nodes = nodes;
    InputError::NodesOutOfRange { nodes } => "input.nodes-out-of-range", nodes = nodes, max = MAX_NODES;
    InputError::NotAnAddress { flag, value } => "input.not-an-address", flag = flag, value = quoted(value);
    InputError::UnreachableApi(u) => "input.unreachable-api", reason = u;
    InputError::InitName { reason } => "input.init-name", reason = reason.in_lang(Lang::Ko);
    InputError::Port { reason, example } => "input.port", reason = reason.in_lang(Lang::Ko),
        example = example;
    InputError::Mount { reason } => "input.mount", reason = reason.in_lang(Lang::Ko);
    InputError::FileExists { path } => "input.file-exists", path = path.display();
    InputError::NotAFolder { flag, path } => "input.not-a-folder", flag = flag, path = path.display();
    InputError::UnsupportedArch { arch } => "input.unsupported-arch", arch = arch;
    InputError::Server { reason } => "input.server", reason = reason;
    InputError::NodeName { reason } => "input.node-name", reason = reason;
    InputError::TourNeedsTerminal => "input.tour-needs-terminal";
    InputError::Platform { reason } => "input.platform", reason = reason;
    InputError::UnderSudo { user } => "input.under-sudo", user = user;
    InputError::BundleNeedsYes { file } => "input.bundle-needs-yes", file = file.display();
});

impl Hint for InputError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            InputError::Version(v) => return v.hint(),
            InputError::Zero { flag } if *flag == "--nodes" => {
                "for example: --nodes 3 (one control plane, two workers)".into()
            }
            InputError::Zero { .. } => "for example: --control-planes 3 --nodes 5".into(),
            InputError::TooMany { .. } => format!("{MAX_NODES_WHY}; use a smaller number"),
            InputError::ControlPlanesAboveNodes { .. } => {
                "--nodes counts every node, control planes included".into()
            }
            InputError::ControlPlanesDoNotFit { .. } => "control planes are counted among the \
                 nodes: for example --nodes 3 --control-planes 1"
                .into(),
            InputError::NodesOutOfRange { .. } => format!("use 1 to {MAX_NODES}"),
            InputError::NotAnAddress { flag, .. } => {
                format!("for example: {flag} 0.0.0.0 (every address of the engine's host)")
            }
            InputError::UnreachableApi(u) => u.hint(),
            InputError::InitName { .. } => "for example: --name lab".into(),
            InputError::Port { example, .. } => format!("for example: {example}"),
            InputError::Mount { .. } => "--mount takes a folder that exists".into(),
            InputError::FileExists { .. } => {
                "choose another file with -o, or add --force to replace it".into()
            }
            InputError::NotAFolder { .. } => {
                "give a folder holding version, bin/{kubeadm,kubelet,kubectl} and images/*.tar"
                    .into()
            }
            InputError::UnsupportedArch { .. } => "use --arch amd64 or --arch arm64".into(),
            InputError::Server { .. } => {
                "for example: --server https://workshop.example.org:7443".into()
            }
            InputError::NodeName { .. } => {
                "node names are as `minik get nodes` lists them, e.g. minik-worker2".into()
            }
            InputError::TourNeedsTerminal => "run it in a terminal; --yes runs every step \
                 without asking, --list prints the steps"
                .into(),
            InputError::Platform { .. } => "for example: --platform linux/amd64,linux/arm64".into(),
            InputError::UnderSudo { user } => format!(
                "run minik as {user}, without sudo: sudo usermod -aG docker {user}, then log in \
                 again (or run: newgrp docker); or pass --kubeconfig PATH to choose where it goes"
            ),
            InputError::BundleNeedsYes { .. } => "read the list above; if you trust the \
                 bundle's maker with it, run the same command with --yes"
                .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_says_what_and_how_to_fix_it() {
        let e = InputError::TooMany {
            flag: "--nodes",
            value: 101,
        };
        assert_eq!(
            e.to_string(),
            "--nodes 101 is more than 100, the most minik makes"
        );
        assert!(e
            .hint()
            .is_some_and(|h| h.ends_with("; use a smaller number")));
        assert_eq!(e.key(), "input.too-many");
        let e = InputError::from(
            "1.x"
                .parse::<crate::k8s_version::KubeVersion>()
                .unwrap_err(),
        );
        assert_eq!(
            e.hint().as_deref(),
            Some("for example: --kubernetes-version v1.36.1")
        );
        let e = InputError::NotAnAddress {
            flag: "--api-address",
            value: "lab".into(),
        };
        assert_eq!(e.to_string(), "--api-address \"lab\" is not an IP address");
    }
}
