//! A lab: the steps of a tour as data. Each step explains one idea (in every language the lab
//! speaks), names the kubectl command to try, what minik shows of the cluster beside it, and
//! the declarative checks that say the step happened. Lab files never hold shell: commands are
//! kubectl argument lists and checks are evaluated by minik itself ([`super::check`]).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::Location;

pub(crate) use crate::i18n::Lang;

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
    /// The NAT rules kube-proxy wrote on a node for the namespace's Services.
    ServiceRules,
}

pub(crate) const VIEWS: [(&str, View); 5] = [
    ("nodes", View::Nodes),
    ("control-plane", View::ControlPlane),
    ("node-agents", View::NodeAgents),
    ("pods", View::Pods),
    ("service-rules", View::ServiceRules),
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

/// A control-plane component whose static pod a lab may take away for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    KubeScheduler,
    KubeControllerManager,
}

/// The components `move-static-pod-manifest` takes: taking the API server or etcd away would
/// leave nothing to run the rest of the lab (or its undo) through.
pub(crate) const COMPONENTS: [(&str, Component); 2] = [
    ("kube-scheduler", Component::KubeScheduler),
    ("kube-controller-manager", Component::KubeControllerManager),
];

impl Component {
    pub fn name(self) -> &'static str {
        COMPONENTS
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(n, _)| *n)
            .unwrap_or("kube-scheduler")
    }
}

/// A change minik makes on a node for a step: a small fixed vocabulary, each implemented by
/// minik with its undo (never a command from the lab file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeAction {
    /// Move the component's static pod manifest out of the control plane's
    /// `/etc/kubernetes/manifests` (the kubelet then stops its pod); undo puts it back.
    MoveStaticPodManifest(Component),
    /// Stop the kubelet on a worker (`{worker}`, chosen as the step's placeholder is); undo
    /// starts it.
    StopKubelet,
}

pub(crate) const NODE_ACTIONS: [&str; 2] = ["move-static-pod-manifest", "stop-kubelet"];

impl NodeAction {
    pub fn name(self) -> &'static str {
        match self {
            NodeAction::MoveStaticPodManifest(_) => NODE_ACTIONS[0],
            NodeAction::StopKubelet => NODE_ACTIONS[1],
        }
    }
}

/// A kind of object a lab may read from etcd (its own namespace's only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtcdResource {
    Deployments,
    ReplicaSets,
    Pods,
    Services,
    ConfigMaps,
    Secrets,
}

/// The kinds `etcd: {get: KIND/NAME}` takes, with the key prefix the API server stores them
/// under (`/registry/PREFIX/NAMESPACE/NAME`; Services' registry picked `services/specs`:
/// pkg/registry/core/service/storage/storage.go).
pub(crate) const ETCD_RESOURCES: [(&str, &str, EtcdResource); 6] = [
    ("deployments", "deployments", EtcdResource::Deployments),
    ("replicasets", "replicasets", EtcdResource::ReplicaSets),
    ("pods", "pods", EtcdResource::Pods),
    ("services", "services/specs", EtcdResource::Services),
    ("configmaps", "configmaps", EtcdResource::ConfigMaps),
    ("secrets", "secrets", EtcdResource::Secrets),
];

/// What minik shows from etcd after a step's checks pass (see `super::etcd`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Etcd {
    /// One object of the lab's namespace, as etcd stores it.
    Get {
        resource: EtcdResource,
        name: String,
    },
    /// `etcdctl snapshot save` on the tour's control plane (the file removed once shown).
    Snapshot,
}

/// A step's node action: do it as the step starts, or undo one an earlier step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeStep {
    pub action: NodeAction,
    pub undo: bool,
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
    /// Every selected pod (at least one) has a log whose last word is this text: a client's
    /// running count at its latest, e.g. `failed=0`.
    LogLastWord(String),
    /// The selected Service answers an HTTP GET of `path` with 200, reached `via` a node port
    /// from this machine or `kubectl port-forward` (see [`super::reach`]).
    HttpGet {
        path: String,
        via: Via,
    },
}

/// How an `httpGet` check reaches a Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Its first port's nodePort, at the URL this machine reaches it at (minik fetches it).
    NodePort,
    /// `kubectl port-forward service/NAME` to its first port, run as the lab for one request.
    PortForward,
}

pub(crate) const VIAS: [(&str, Via); 2] = [
    ("nodePort", Via::NodePort),
    ("portForward", Via::PortForward),
];

/// The entries of a list field counted by a check, and the fields they must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entries {
    pub path: String,
    pub filter: Vec<(String, String)>,
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
    /// Count the entries of a list in the objects (an EndpointSlice's `endpoints`), not the
    /// objects: `entries: endpoints` with `entriesWhere: {conditions.ready: "true"}`.
    pub entries: Option<Entries>,
    /// Only objects named by a line of this pod's logs, in the check's namespace: which pods
    /// answered a client (`namedInLogsOf: client`).
    pub named_in_logs_of: Option<String>,
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
    /// A change minik makes on a node as the step starts (undone when the tour ends, or by a
    /// later step's `undo`).
    pub node_action: Option<NodeStep>,
    /// What minik reads from etcd and shows once the checks pass.
    pub etcd: Option<Etcd>,
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
    /// Images the lab runs that its manifests and `--image` flags do not name (such as the
    /// one a `kubectl set image` switches to), for the notice of images the nodes lack.
    pub images: Vec<String>,
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
