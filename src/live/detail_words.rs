//! The words of a pod's detail panel on the page, English and Korean (`detail` in the page's
//! words).

use serde_json::{json, Value};

use crate::tour::Lang;

pub(crate) fn words(lang: Lang) -> Value {
    match lang {
        Lang::En => json!({
            "title": "Pod",
            "close": "Close",
            "refresh": "Refresh",
            "loading": "asking the API server and the node's containerd…",
            "on_node": "on the node {node}",
            "init": "init container",
            "image": "image",
            "state": "state",
            "ready": "ready",
            "restarts": "restarts",
            "yes": "yes",
            "no": "no",
            "containerd": "containerd in the node {node} (ctr -n k8s.io containers ls)",
            "containerd_none": "containerd has no container for it (not created yet, or removed)",
            "no_node_container": "the pod is on no node of this cluster's containers",
            "current": "the current one",
            "log": "the last lines of its log",
            "no_log": "no log yet",
            "log_cut": "(cut: only the last 16 KiB are read)",
            "errors": {
                "not_found": "this pod is gone",
                "busy": "minik is answering other requests; try again",
                "api": "the API server did not answer",
                "timeout": "no answer in time; try again",
                "bad_request": "this pod's name cannot be asked for",
                "too_large": "the answer was too large to show",
            },
        }),
        Lang::Ko => json!({
            "title": "파드",
            "close": "닫기",
            "refresh": "새로 고침",
            "loading": "API 서버와 노드의 containerd에 묻는 중…",
            "on_node": "{node} 노드에서 실행",
            "init": "초기화 컨테이너",
            "image": "이미지",
            "state": "상태",
            "ready": "준비됨",
            "restarts": "재시작",
            "yes": "예",
            "no": "아니요",
            "containerd": "{node} 노드의 containerd (ctr -n k8s.io containers ls)",
            "containerd_none": "containerd에 이 컨테이너가 없습니다(아직 만들어지지 않았거나 삭제되었습니다)",
            "no_node_container": "이 파드는 이 클러스터의 노드 컨테이너에서 실행되지 않습니다",
            "current": "현재 컨테이너",
            "log": "로그의 마지막 줄",
            "no_log": "아직 로그가 없습니다",
            "log_cut": "(잘림: 마지막 16KiB만 읽습니다)",
            "errors": {
                "not_found": "이 파드는 삭제되었습니다",
                "busy": "minik이 다른 요청에 응답하는 중입니다. 다시 시도하십시오",
                "api": "API 서버가 응답하지 않았습니다",
                "timeout": "제시간에 응답이 없었습니다. 다시 시도하십시오",
                "bad_request": "이 파드의 이름으로는 물을 수 없습니다",
                "too_large": "응답이 너무 커서 보여 줄 수 없습니다",
            },
        }),
    }
}
