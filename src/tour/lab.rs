//! A lab: the steps of a tour as data. Each step explains one idea (in every language the lab
//! speaks), names the kubectl command to try, what minik shows of the cluster beside it, and
//! the declarative checks that say the step happened. Lab files never hold shell: commands are
//! kubectl argument lists and checks are evaluated by minik itself ([`super::check`]).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::Location;

/// The languages a tour speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language of a POSIX locale such as `ko_KR.UTF-8` (`C` and unknown ones: none).
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let lang = locale.split(['_', '.', '@', '-']).next()?;
        Lang::from_code(&lang.to_ascii_lowercase())
    }
}

/// Text in several languages; English is the fallback.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(pub BTreeMap<String, String>);

impl Text {
    /// The text in `lang`, else English, else whatever the lab has.
    pub fn get(&self, lang: Lang) -> &str {
        self.0
            .get(lang.code())
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// A kubectl command line without `kubectl` itself; `{placeholders}` are filled in per run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kubectl(pub Vec<String>);

/// What minik shows of the cluster beside a step's text: a closed set, each read by minik.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The nodes, their roles, kubelet and runtime versions.
    Nodes,
    /// The control plane's static pods and the containers the node's containerd runs for them.
    ControlPlane,
    /// What every node runs: the kubelet and containerd services, and its kube-proxy pod.
    NodeAgents,
    /// The pods of the tour's namespace and the nodes they run on.
    Pods,
}

pub(crate) const VIEWS: [(&str, View); 4] = [
    ("nodes", View::Nodes),
    ("control-plane", View::ControlPlane),
    ("node-agents", View::NodeAgents),
    ("pods", View::Pods),
];

/// A node role as the checks name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    ControlPlane,
    Worker,
    Any,
}

pub(crate) const ROLES: [(&str, Role); 3] = [
    ("control-plane", Role::ControlPlane),
    ("worker", Role::Worker),
    ("any", Role::Any),
];

impl Role {
    pub fn name(self) -> &'static str {
        ROLES
            .iter()
            .find(|(_, r)| *r == self)
            .map(|(n, _)| *n)
            .unwrap_or("any")
    }
}

/// What a check asserts about the objects it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// At least one object (`true`) or none (`false`).
    Exists(bool),
    Count(u64),
    AtLeast(u64),
    /// Every selected object (at least one) has `path` equal to the text.
    FieldEquals {
        path: String,
        value: String,
    },
    /// Every selected object (at least one) has `path` equal to its own `other` path.
    FieldEqualsField {
        path: String,
        other: String,
    },
    /// Every selected pod (at least one) is Running on a node of this role.
    RunningOn(Role),
    /// Every selected pod (at least one) is Running, none on this node.
    Avoids(String),
    /// Every selected pod (at least one) has this text in its log (`kubectl logs`): what a
    /// container read back, e.g. from a volume, shown where the learner can read it too.
    LogContains(String),
}

/// One declarative check: which objects (`kubectl get` terms) and what must hold of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The resource as kubectl names it (`pods`, `deployments`, `namespaces`, ...).
    pub kind: String,
    /// `None`: every namespace (cluster-scoped kinds have none).
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// A label selector (`app=hello`).
    pub selector: Option<String>,
    /// Only objects whose field (path) has this text value (`status.phase: Running`).
    pub filter: Vec<(String, String)>,
    pub expect: Expect,
    /// Where the check is written, for messages about organisers' labs.
    pub at: Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    pub title: Text,
    pub text: Text,
    /// The command the learner tries (and minik runs on request).
    pub command: Option<Kubectl>,
    /// Fed to the command's standard input (`kubectl apply -f -`).
    pub manifest: Option<String>,
    pub show: Vec<View>,
    /// Further commands to read or try by hand (shown, never run by minik).
    pub more: Vec<String>,
    /// A label selector in the tour's namespace: a Running pod it matches becomes `{pod}`.
    pub pick: Option<String>,
    /// The fewest workers the step needs; on smaller clusters it is skipped.
    pub needs_workers: u32,
    /// The step shows kube-proxy; on a cluster without it (`kubeProxyMode: none`) it is skipped.
    pub needs_kube_proxy: bool,
    /// Run the command again when a resumed tour passes this step (its objects are gone).
    pub replay: bool,
    /// Commands that undo what the step changed outside the tour's namespace.
    pub cleanup: Vec<Kubectl>,
    /// How long the checks may take to come true.
    pub timeout: Duration,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lab {
    pub id: String,
    pub title: Text,
    /// The namespace the tour works in, deleted when the tour ends.
    pub namespace: String,
    pub steps: Vec<Step>,
}

/// One step as `minik tour --list` shows it (and prints it as JSON).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListedStep {
    pub id: String,
    pub title: String,
    pub command: Option<String>,
    #[serde(rename = "needsWorkers")]
    pub needs_workers: u32,
}

impl Lab {
    /// Every step in `lang`, with the command it runs as a person would type it.
    pub fn listing(&self, lang: Lang) -> Vec<ListedStep> {
        self.steps
            .iter()
            .map(|s| ListedStep {
                id: s.id.clone(),
                title: s.title.get(lang).to_string(),
                command: s
                    .command
                    .as_ref()
                    .map(|c| crate::tour::command::display(&c.0, None)),
                needs_workers: s.needs_workers,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_from_locales() {
        assert_eq!(Lang::from_locale("ko_KR.UTF-8"), Some(Lang::Ko));
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_locale("ko"), Some(Lang::Ko));
        assert_eq!(Lang::from_locale("C.UTF-8"), None);
        assert_eq!(Lang::from_locale("POSIX"), None);
        assert_eq!(Lang::from_locale(""), None);
    }

    #[test]
    fn text_falls_back_to_english() {
        let t = Text(BTreeMap::from([("en".into(), "Nodes".into())]));
        assert_eq!(t.get(Lang::Ko), "Nodes");
        let t = Text(BTreeMap::from([
            ("en".into(), "Nodes".into()),
            ("ko".into(), "노드".into()),
        ]));
        assert_eq!(t.get(Lang::Ko), "노드");
    }
}
