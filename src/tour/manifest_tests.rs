//! Hostile manifests (the security review's H1): each refused, and the built-in lab's kinds
//! accepted.

use super::check;

const NS: &str = "minik-tour";

fn refused(yaml: &str) -> String {
    check(yaml, NS).expect_err(yaml)
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n";

#[test]
fn ordinary_manifests_pass() {
    for ok in [
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: hello}\nspec:\n  template:\n    \
         spec:\n      containers:\n      - name: c\n        image: i\n        ports: [{containerPort: 80}]\n",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: minik-tour}\nspec: {ports: [{port: 80}]}\n",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    securityContext: {privileged: false, capabilities: {add: [NET_BIND_SERVICE]}}\n",
    ] {
        assert_eq!(check(ok, NS), Ok(()), "{ok}");
    }
}

#[test]
fn cluster_wide_and_foreign_objects_are_refused() {
    let crb = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\n\
               roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n\
               subjects: [{kind: ServiceAccount, name: default, namespace: minik-tour}]\n";
    assert!(refused(crb).contains("not a namespaced kind"));
    assert!(
        refused("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n").contains("namespaced")
    );
    assert!(refused(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: x}\n"
    )
    .contains("namespaced"));
    assert!(
        refused("apiVersion: evil.example.com/v1\nkind: Pod\nmetadata: {name: x}\n")
            .contains("namespaced")
    );
    assert!(refused("apiVersion: v1\nkind: List\nitems: []\n").contains("namespaced"));
    assert!(refused(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n"
    )
    .contains("another namespace"));
    assert!(refused(
        "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {externalIPs: [1.2.3.4]}\n"
    )
    .contains("externalIPs"));
    assert!(refused("").contains("empty"));
    assert!(refused("a: [").contains("not valid YAML"));
}

#[test]
fn pods_beyond_baseline_are_refused() {
    for (spec, says) in [
        ("  containers:\n  - name: c\n    securityContext: {privileged: true}\n", "privileged"),
        ("  containers:\n  - name: c\n    securityContext: {privileged: yes}\n", "privileged"),
        ("  containers:\n  - name: c\n    securityContext: {privileged: \"true\"}\n", "privileged"),
        ("  hostNetwork: true\n  containers: [{name: c}]\n", "hostNetwork"),
        ("  hostPID: on\n  containers: [{name: c}]\n", "hostPID"),
        ("  hostIPC: true\n  containers: [{name: c}]\n", "hostIPC"),
        ("  volumes: [{name: r, hostPath: {path: /}}]\n  containers: [{name: c}]\n", "hostPath"),
        ("  containers:\n  - name: c\n    securityContext: {capabilities: {add: [SYS_ADMIN]}}\n", "SYS_ADMIN"),
        ("  initContainers:\n  - name: i\n    securityContext: {privileged: true}\n  containers: [{name: c}]\n", "privileged"),
        ("  containers:\n  - name: c\n    ports: [{containerPort: 80, hostPort: 80}]\n", "hostPort"),
        ("  containers:\n  - name: c\n    securityContext: {procMount: Unmasked}\n", "procMount"),
        ("  securityContext: {seccompProfile: {type: Unconfined}}\n  containers: [{name: c}]\n", "Unconfined"),
        ("  securityContext: {sysctls: [{name: kernel.core_pattern, value: x}]}\n  containers: [{name: c}]\n", "sysctl"),
        ("  containers:\n  - name: c\n    securityContext: {windowsOptions: {hostProcess: true}}\n", "hostProcess"),
        ("  containers:\n  - name: c\n    securityContext: {seLinuxOptions: {type: spc_t}}\n", "seLinux"),
    ] {
        let e = refused(&format!("{POD}{spec}"));
        assert!(e.contains(says) && e.contains("baseline"), "{spec}: {e}");
    }
    // In a workload's template, and in a CronJob's job template.
    let dep = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      \
               hostNetwork: true\n      containers: [{name: c}]\n";
    assert!(refused(dep).contains("hostNetwork"));
    let cj = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: j}\nspec:\n  jobTemplate:\n    spec:\n      \
              template:\n        spec:\n          volumes: [{name: r, hostPath: {path: /etc}}]\n          containers: [{name: c}]\n";
    assert!(refused(cj).contains("hostPath"));
}

#[test]
fn yaml_tricks_are_refused() {
    let merge =
        "base: &b {privileged: true}\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  \
                 containers:\n  - name: c\n    securityContext:\n      <<: *b\n";
    assert!(refused(merge).contains("merge keys"));
    let tagged = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: !!map\n  hostNetwork: !custom true\n";
    assert!(!refused(tagged).is_empty());
    let dup = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  hostNetwork: false\n  hostNetwork: true\n  containers: [{name: c}]\n";
    assert!(!refused(dup).is_empty());
}
