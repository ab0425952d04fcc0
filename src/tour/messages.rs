//! The tour's own words (prompts, headings, results) in each language; the steps' words come
//! from the lab. Korean follows the terms of the built-in lab (노드, 파드, 컨트롤 플레인, ...).

use super::lab::Lang;

pub(crate) struct Messages {
    pub(crate) step: &'static str,
    pub(crate) try_this: &'static str,
    pub(crate) also: &'static str,
    pub(crate) on_your_cluster: &'static str,
    pub(crate) choose: &'static str,
    pub(crate) choice_check: &'static str,
    pub(crate) choice_run: &'static str,
    pub(crate) choice_skip: &'static str,
    pub(crate) choice_quit: &'static str,
    pub(crate) checking: &'static str,
    pub(crate) passed: &'static str,
    pub(crate) not_yet: &'static str,
    pub(crate) expected: &'static str,
    pub(crate) found: &'static str,
    pub(crate) skipped: &'static str,
    pub(crate) not_here: &'static str,
    /// `{need}` workers needed, `{have}` there, `{nodes}` for `minik create --nodes`.
    pub(crate) needs_workers: &'static str,
    pub(crate) no_kube_proxy: &'static str,
    /// This machine reaches node port `{port}` nowhere (a Desktop engine, nothing published).
    pub(crate) no_node_port_url: &'static str,
    /// `{n}` is the step's number out of the total (`6/10`).
    pub(crate) resuming: &'static str,
    pub(crate) restoring: &'static str,
    pub(crate) cleaning: &'static str,
    pub(crate) done: &'static str,
    pub(crate) stopped: &'static str,
    pub(crate) role_control_plane: &'static str,
    pub(crate) role_worker: &'static str,
    pub(crate) role_any: &'static str,
    /// A pod in the pods view: `{pod}`, `{phase}`, `{node}`, `{role}`.
    pub(crate) pod_line: &'static str,
    /// A step's checks that did not say what failed.
    pub(crate) checks_pass: &'static str,
    pub(crate) checks_did_not: &'static str,
    /// kubectl could not list what a check reads: `{error}` is kubectl's own message.
    pub(crate) kubectl_failed: &'static str,
    /// Warnings while cleaning up: `{path}`, `{command}`, `{namespace}`, `{label}`, `{error}`.
    pub(crate) progress_not_saved: &'static str,
    pub(crate) cleanup_failed: &'static str,
    pub(crate) namespace_not_ours: &'static str,
    pub(crate) namespace_not_deleted: &'static str,
    pub(crate) namespace_not_labelled: &'static str,
    /// The question when there is no cluster to tour: `{name}`, `{command}` (the create).
    pub(crate) create_offer: &'static str,
    pub(crate) in_containerd: &'static str,
    pub(crate) not_in_containerd: &'static str,
    pub(crate) static_pod_files: &'static str,
    pub(crate) services: &'static str,
    pub(crate) no_pods: &'static str,
    /// `{node}`, `{from}` (the manifest), `{dir}` (where minik keeps it meanwhile).
    pub(crate) manifest_moved: &'static str,
    /// `{node}`, `{from}`.
    pub(crate) manifest_back: &'static str,
    /// `{node}`.
    pub(crate) kubelet_stopped: &'static str,
    /// `{node}`.
    pub(crate) kubelet_started: &'static str,
    /// Before the list of images some nodes lack.
    pub(crate) images_missing: &'static str,
    /// `{nodes}`: after each image some nodes lack.
    pub(crate) missing_on: &'static str,
    /// After a node action minik could not undo: `{node}`, `{command}` to run there.
    pub(crate) by_hand: &'static str,
    /// A journal entry of an action minik does not undo here: `{node}`, `{action}`.
    pub(crate) journal_dropped: &'static str,
    /// `minik tour --web`: the line before the page's URL.
    pub(crate) web_page: &'static str,
    /// Without `--web`, on a terminal: how to see the cluster beside the tour; `{command}` is
    /// `minik ui` for this cluster.
    pub(crate) web_hint: &'static str,
    /// The page's tour panel: its heading, the copy button and what it says once it copied,
    /// and what the panel says before the first step.
    pub(crate) web_heading: &'static str,
    pub(crate) web_copy: &'static str,
    pub(crate) web_copied: &'static str,
    pub(crate) web_waiting: &'static str,
    /// etcd holds no such key: `{key}`.
    pub(crate) etcd_no_key: &'static str,
    /// The snapshot file shown was removed: `{path}`.
    pub(crate) etcd_snapshot_removed: &'static str,
}

const EN: Messages = Messages {
    step: "Step",
    try_this: "Try it",
    also: "Also worth a look",
    on_your_cluster: "On your cluster",
    choose: "Next",
    choice_check: "I ran it: check",
    choice_run: "Run it for me",
    choice_skip: "Skip this step",
    choice_quit: "Stop here (minik tour resumes at this step)",
    checking: "Checking",
    passed: "Done",
    not_yet: "Not yet",
    expected: "expected",
    found: "found",
    skipped: "Skipped",
    not_here: "Not on this cluster",
    needs_workers: "needs {need} workers, this cluster has {have} \
                    (minik create --nodes {nodes} makes a cluster with enough)",
    no_kube_proxy: "this cluster runs without kube-proxy (kubeProxyMode: none): no pod \
                    programs the nodes' Service rules; the kubelet and containerd still run \
                    on every node",
    no_node_port_url: "this machine cannot reach node port {port}: Docker Desktop, Colima, \
                       WSL2, rootless and remote engines do not route to the nodes' \
                       addresses, and no node publishes that port. To try it, make a cluster \
                       whose config gives a node extraPortMappings with containerPort {port} \
                       and hostPort {port} (minik create --config FILE); the port-forward \
                       step works on any engine",
    resuming: "Resuming at step {n}",
    restoring: "Restoring what the earlier steps made",
    cleaning: "Removing what the tour made",
    done: "Tour complete: every step done. Its namespace and everything in it are gone.",
    stopped: "Tour stopped. Run minik tour again to continue from this step.",
    role_control_plane: "control plane",
    role_worker: "worker",
    role_any: "any",
    pod_line: "{pod} {phase} on {node} ({role})",
    checks_pass: "its checks to pass",
    checks_did_not: "they did not",
    kubectl_failed: "kubectl failed: {error}",
    progress_not_saved: "could not remember the tour's progress in {path}: {error}",
    cleanup_failed: "{command} failed: {error}",
    namespace_not_ours: "left namespace {namespace} alone: it is not labelled {label}",
    namespace_not_deleted: "could not delete the tour's namespace {namespace}: {error}; \
                            delete it with kubectl delete namespace {namespace}",
    namespace_not_labelled: "could not label the tour's namespace {namespace}: {error}",
    create_offer: "There is no cluster named {name} yet. Create one for the tour now \
                   ({command})?",
    in_containerd: "running in containerd as",
    not_in_containerd: "not found in containerd",
    static_pod_files: "static pod manifests",
    services: "services",
    no_pods: "no pods yet",
    manifest_moved: "minik moved {from} on {node} to {dir}: the kubelet stops the static pod \
                     it describes. minik puts the file back when the tour ends, however it ends.",
    manifest_back: "minik put {from} back on {node}: the kubelet starts its static pod again.",
    kubelet_stopped: "minik stopped the kubelet on {node} (systemctl stop kubelet): the node no \
                      longer reports to the API server. minik starts it again when the tour \
                      ends, however it ends.",
    kubelet_started: "minik started the kubelet on {node} again (systemctl start kubelet).",
    images_missing: "Some nodes lack images this lab runs. A node that can reach the registry \
                     pulls them itself; otherwise load them first:",
    missing_on: "not on {nodes}",
    by_hand: "on node {node}, run {command}",
    journal_dropped: "dropped a tour's journal entry for node {node}: {action} is not an action \
                      minik undoes on a node of this cluster",
    web_page: "This tour's page, the cluster live beside each step:",
    web_hint: "See the cluster live beside each step: minik tour --web (or {command}).",
    web_heading: "The tour",
    web_copy: "Copy",
    web_copied: "Copied",
    web_waiting: "The tour has not shown a step yet.",
    etcd_no_key: "etcd holds no key {key}",
    etcd_snapshot_removed: "minik removed {path} from the node: a snapshot holds every \
                            Secret of the cluster.",
};

const KO: Messages = Messages {
    step: "단계",
    try_this: "직접 해 보기",
    also: "더 살펴보기",
    on_your_cluster: "클러스터에서 확인한 내용",
    choose: "다음",
    choice_check: "직접 실행함: 확인하기",
    choice_run: "대신 실행해 주세요",
    choice_skip: "이 단계 건너뛰기",
    choice_quit: "여기서 멈추기 (다음에 minik tour를 실행하면 이 단계부터 이어집니다)",
    checking: "확인하는 중",
    passed: "완료",
    not_yet: "아직 완료되지 않았습니다",
    expected: "확인할 내용",
    found: "찾은 내용",
    skipped: "건너뜀",
    not_here: "이 클러스터에서는 할 수 없음",
    needs_workers: "워커 노드가 {need}개 필요하지만 이 클러스터에는 {have}개 있습니다 \
                    (minik create --nodes {nodes} 명령으로 만든 클러스터에서 해 볼 수 있습니다)",
    no_kube_proxy: "이 클러스터는 kube-proxy 없이(`kubeProxyMode: none`) 실행 중이라 노드의 \
                    서비스 규칙을 설정하는 파드가 없습니다. kubelet과 containerd는 모든 \
                    노드에서 그대로 실행됩니다",
    no_node_port_url: "이 컴퓨터에서는 노드 포트 {port}에 닿을 수 없습니다. Docker Desktop, \
                       Colima, WSL2, 루트리스(rootless) 엔진과 원격 엔진은 노드 주소로 \
                       연결해 주지 않고, 이 포트를 게시한 노드도 없습니다. 해 보려면 노드에 \
                       `extraPortMappings`(containerPort {port}, hostPort {port})를 둔 설정 \
                       파일로 클러스터를 만드세요(minik create --config FILE). port-forward \
                       단계는 어떤 엔진에서나 됩니다",
    resuming: "{n} 단계부터 이어서 진행합니다",
    restoring: "앞 단계에서 만든 것을 다시 만드는 중",
    cleaning: "투어가 만든 것을 지우는 중",
    done: "투어를 모두 마쳤습니다. 투어용 네임스페이스와 그 안의 모든 것이 지워졌습니다.",
    stopped: "투어를 멈췄습니다. minik tour를 다시 실행하면 이 단계부터 이어집니다.",
    role_control_plane: "컨트롤 플레인",
    role_worker: "워커",
    role_any: "아무",
    pod_line: "{pod}: {node}({role})에서 {phase}",
    checks_pass: "단계의 확인 항목이 모두 통과",
    checks_did_not: "통과하지 못함",
    kubectl_failed: "kubectl 실행 실패: {error}",
    progress_not_saved: "투어 진행 상황을 {path} 파일에 기록하지 못했습니다: {error}",
    cleanup_failed: "{command} 명령이 실패했습니다: {error}",
    namespace_not_ours: "{namespace} 네임스페이스는 그대로 두었습니다. {label} 레이블이 없습니다",
    namespace_not_deleted: "투어의 {namespace} 네임스페이스를 지우지 못했습니다: {error}. \
                            직접 지우세요: kubectl delete namespace {namespace}",
    namespace_not_labelled: "투어의 {namespace} 네임스페이스에 레이블을 붙이지 못했습니다: {error}",
    create_offer: "아직 {name} 클러스터가 없습니다. 투어용 클러스터를 지금 만들까요? ({command})",
    in_containerd: "containerd에서 실행 중인 컨테이너:",
    not_in_containerd: "containerd에서 찾지 못함",
    static_pod_files: "스태틱 파드 매니페스트",
    services: "systemd 서비스",
    no_pods: "아직 파드가 없습니다",
    manifest_moved: "minik이 {node} 노드의 {from} 파일을 {dir} 디렉터리로 옮겼습니다. kubelet은 \
                     이 파일에 정의된 스태틱 파드를 멈춥니다. 투어가 어떻게 끝나든 minik이 \
                     파일을 제자리에 돌려놓습니다.",
    manifest_back: "minik이 {node} 노드의 {from} 파일을 제자리에 돌려놓았습니다. kubelet이 \
                    스태틱 파드를 다시 시작합니다.",
    kubelet_stopped: "minik이 {node} 노드의 kubelet을 멈췄습니다(systemctl stop kubelet). \
                      이제 이 노드는 API 서버에 상태를 보고하지 않습니다. 투어가 어떻게 \
                      끝나든 minik이 kubelet을 다시 시작합니다.",
    kubelet_started: "minik이 {node} 노드의 kubelet을 다시 시작했습니다(systemctl start \
                      kubelet).",
    images_missing: "이 랩이 실행하는 이미지 중 일부 노드에 없는 이미지가 있습니다. \
                     레지스트리에 접속할 수 있는 노드는 이미지를 직접 받아 오지만, 그렇지 \
                     않다면 아래 명령으로 먼저 노드에 넣어 두세요:",
    missing_on: "없는 노드: {nodes}",
    by_hand: "{node} 노드에서 직접 실행하세요: {command}",
    journal_dropped: "{node} 노드에 대한 투어 기록 항목 하나를 버렸습니다. {action} 작업은 \
                      minik이 이 클러스터의 노드에서 되돌리는 작업이 아닙니다",
    web_page: "이 투어의 페이지입니다. 단계 옆에 클러스터가 실시간으로 보입니다:",
    web_hint: "클러스터를 실시간으로 함께 보려면: minik tour --web (또는 {command})",
    web_heading: "투어",
    web_copy: "복사",
    web_copied: "복사했습니다",
    web_waiting: "투어가 아직 단계를 보여 주지 않았습니다.",
    etcd_no_key: "etcd에 {key} 키가 없습니다",
    etcd_snapshot_removed: "minik이 노드에서 {path} 파일을 지웠습니다. 스냅샷에는 \
                            클러스터의 모든 시크릿이 들어 있기 때문입니다.",
};

impl Messages {
    /// Every field with its name, for the tests that hold each language to every message.
    /// Destructured, so a new field does not compile until it is listed here.
    #[cfg(test)]
    pub(crate) fn fields(&self) -> Vec<(&'static str, &'static str)> {
        macro_rules! listed {
            ($($f:ident),*) => {{
                let Messages { $($f),* } = self;
                vec![$((stringify!($f), *$f)),*]
            }};
        }
        listed!(
            step,
            try_this,
            also,
            on_your_cluster,
            choose,
            choice_check,
            choice_run,
            choice_skip,
            choice_quit,
            checking,
            passed,
            not_yet,
            expected,
            found,
            skipped,
            not_here,
            needs_workers,
            no_kube_proxy,
            no_node_port_url,
            resuming,
            restoring,
            cleaning,
            done,
            stopped,
            role_control_plane,
            role_worker,
            role_any,
            pod_line,
            checks_pass,
            checks_did_not,
            kubectl_failed,
            progress_not_saved,
            cleanup_failed,
            namespace_not_ours,
            namespace_not_deleted,
            namespace_not_labelled,
            create_offer,
            in_containerd,
            not_in_containerd,
            static_pod_files,
            services,
            no_pods,
            manifest_moved,
            manifest_back,
            kubelet_stopped,
            kubelet_started,
            images_missing,
            missing_on,
            by_hand,
            journal_dropped,
            web_page,
            web_hint,
            web_heading,
            web_copy,
            web_copied,
            web_waiting,
            etcd_no_key,
            etcd_snapshot_removed
        )
    }

    /// A node role's word (the lab file's `any` reads as a plain node).
    pub(crate) fn role(&self, role: super::lab::Role) -> &'static str {
        match role {
            super::lab::Role::ControlPlane => self.role_control_plane,
            super::lab::Role::Worker => self.role_worker,
            super::lab::Role::Any => self.role_any,
        }
    }
}

pub(crate) fn of(lang: Lang) -> &'static Messages {
    match lang {
        Lang::En => &EN,
        Lang::Ko => &KO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{glossary, leaks};

    #[test]
    fn every_message_has_korean_that_reads_as_korean() {
        let en = of(Lang::En).fields();
        let ko = of(Lang::Ko).fields();
        assert_eq!(en.len(), ko.len());
        for ((name, en), (_, ko)) in en.iter().zip(&ko) {
            assert!(!ko.trim().is_empty(), "{name} has no Korean");
            // Only a template of names alone may read the same in both languages.
            assert!(
                ko != en || *name == "kubectl_failed",
                "{name} is not translated: {ko:?}"
            );
            let english = leaks::english_words(ko);
            assert!(english.is_empty(), "{name}: English {english:?} in {ko:?}");
            let bad = glossary::discouraged(ko, Lang::Ko);
            assert!(bad.is_empty(), "{name}: {bad:?}");
        }
    }

    #[test]
    fn english_messages_use_the_glossary() {
        for (name, en) in of(Lang::En).fields() {
            let bad = glossary::discouraged(en, Lang::En);
            assert!(bad.is_empty(), "{name}: {bad:?}");
        }
    }

    #[test]
    fn templates_keep_their_placeholders_in_every_language() {
        let ko = of(Lang::Ko).fields();
        for (i, (name, en)) in of(Lang::En).fields().into_iter().enumerate() {
            let mut want = crate::i18n::placeholders(en);
            let mut have = crate::i18n::placeholders(ko[i].1);
            want.sort();
            have.sort();
            assert_eq!(want, have, "{name}");
        }
    }
}
