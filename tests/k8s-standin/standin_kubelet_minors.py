"""Stand-in (test double) data: which kubelet flags and feature gates each Kubernetes minor
knows, so the stand-in kubelet refuses what the real kubelet of the node's minor refuses.

Hand-collected from the upstream release data reachable while writing it (kubernetes/kubernetes
sources and CHANGELOG/CHANGELOG-1.3x.md); each entry names its source. Only what matters to
minik is listed: the flags minik and kubeadm pass, the gates minik or kind's configs set, and
the kubelet gates (standin_startup.KNOWN_GATES) removed or locked across 1.31-1.37. A gate in
neither list is unknown on every minor (the real kubelet knows more: every gate of
pkg/features, so the stand-in is stricter there, and tests only set gates listed here).

Semantics (component-base/featuregate, feature_gate.go SetFromMap):
- a gate is known from `added` (inclusive) until `removed` (exclusive); outside that range the
  kubelet fails with "unrecognized feature gate: NAME";
- from `locked[0]` on, setting the gate to anything but `locked[1]` fails with
  "cannot set feature gate NAME to VALUE, feature is locked to LOCKED".
A flag is known until `removed`; after that pflag fails with "unknown flag: --NAME".
"""

# Flags minik passes on every pinned minor, and where each comes from. All are defined in
# cmd/kubelet/app/options/options.go on release-1.33 .. release-1.37.
MINIK_FLAGS = {
    "bootstrap-kubeconfig": "kubeadm's 10-kubeadm.conf drop-in (KUBELET_KUBECONFIG_ARGS)",
    "kubeconfig": "kubeadm's 10-kubeadm.conf drop-in (KUBELET_KUBECONFIG_ARGS)",
    "config": "kubeadm's 10-kubeadm.conf drop-in (KUBELET_CONFIG_ARGS)",
    "container-runtime-endpoint": "kubeadm kubelet-start phase, kubeadm-flags.env (criSocket)",
    "hostname-override": "kubeadm kubelet-start phase when the node name is not the hostname",
    "node-ip": "minik src/kubeadm/build.rs node_registration (kubeletExtraArgs)",
    "provider-id": "minik src/kubeadm/build.rs node_registration (kubeletExtraArgs)",
    "node-labels": "minik src/kubeadm/build.rs node_registration (kubeletExtraArgs)",
    "runtime-cgroups": "minik node-image/files/etc/default/kubelet (KUBELET_EXTRA_ARGS); a "
                       "deprecated KubeletConfiguration flag (AddKubeletConfigFlags). "
                       "CHANGELOG-1.37.md: 'Kubelet: defer the configurations flags ... "
                       "deprecation removal timeline from 1.37 to 1.38' (#139121): still "
                       "there in 1.37, at risk in 1.38",
}

# Checked for kubelet flag removals: the Urgent Upgrade Notes of v1.35.0 (below), v1.36.0 and
# the stored CHANGELOG-1.37.md notes since v1.36.0, perhaps only an alpha's (none for the
# kubelet there).

# Flags that disappeared: name -> (first minor without it, source).
REMOVED_FLAGS = {
    "pod-infra-container-image": (
        35, "CHANGELOG-1.35.md, v1.35.0 Urgent Upgrade Notes: 'Removed the "
            "--pod-infra-container-image flag from kubelet command line' (#133779)"),
}

# Sources named below (read while writing this; nothing is copied from them):
K132 = "pkg/features/versioned_kube_features.go, kubernetes/kubernetes release-1.32"
K135 = ("pkg/features/kube_features.go, kubernetes/kubernetes main after v1.35.0 (it already "
        "holds 1.36 entries)")
WEB = "kubernetes/website content/en/docs/reference/command-line-tools-reference/feature-gates/"
CL135 = "CHANGELOG/CHANGELOG-1.35.md, v1.35.0 notes"

# Gates whose range or lock differs across minors: name -> dict(added, removed, locked, src).
# `added`/`removed` default to "always"/"never"; `locked` is (from minor, value) or None.
# Not covered: removals planned for 1.36/1.37 ("// remove in 1.36/1.37" in K135) that no
# reachable 1.36/1.37 source confirmed; those gates stay known (and locked) on 1.36 and 1.37.
GATES = {
    # Set by minik's rootless nodes (src/kubeadm/build.rs kubelet_configuration) and by kind's
    # rootless guide. Alpha since 1.22, unlocked (K132, K135, WEB KubeletInUserNamespace.md).
    "KubeletInUserNamespace": dict(src=f"{K135}: Alpha since 1.22, not locked"),
    # Set by tests/golden/kubeadm/ha-secondary-control-plane.yaml (true).
    "InPlacePodVerticalScaling": dict(locked=(35, True),
                                      src=f"{K135}: GA 1.35 LockToDefault ('remove in 1.38')"),
    # Removed: unknown ("unrecognized feature gate") from `removed` on.
    "AppArmor": dict(removed=33, locked=(31, True),
                     src=f"{WEB}AppArmor.md: stable 1.31-1.32, removed: true; {K132}: GA 1.31 "
                         "locked; absent from K135"),
    "AppArmorFields": dict(removed=33, locked=(31, True),
                           src=f"{K132}: GA 1.31 locked, '// remove in 1.33'; absent from K135"),
    "DevicePluginCDIDevices": dict(removed=34, locked=(31, True),
                                   src=f"{WEB}DevicePluginCDIDevices.md: stable 1.31-1.33, "
                                       "removed: true; absent from K135"),
    "UserNamespacesPodSecurityStandards": dict(
        removed=35, src=f"{WEB}UserNamespacesPodSecurityStandards.md: alpha 1.29-1.34, "
                        "removed: true ('not part of Kubernetes v1.35 (and onwards)')"),
    "SizeMemoryBackedVolumes": dict(
        removed=35, locked=(32, True),
        src=f"{WEB}SizeMemoryBackedVolumes.md: stable 1.32 locked; absent from K135 (1.35 is "
            "the 3-releases-after-GA removal point K132's header states)"),
    "StrictCostEnforcementForVAP": dict(
        removed=35, locked=(32, True),
        src=f"{CL135}: 'Removed the StrictCostEnforcementForVAP and "
            "StrictCostEnforcementForWebhooks feature gates, which were locked since v1.32' "
            "(#134994)"),
    "StrictCostEnforcementForWebhooks": dict(
        removed=35, locked=(32, True), src=f"{CL135} (#134994), as StrictCostEnforcementForVAP"),
    # GA and locked to true: setting false fails from `locked[0]` on.
    "DynamicResourceAllocation": dict(
        locked=(35, True),
        src=f"{CL135}: 'The DynamicResourceAllocation feature gate for the core functionality "
            "(GA in v1.34) has now been locked to enabled-by-default' (#134452); K135 agrees"),
    "MemoryManager": dict(locked=(32, True), src=f"{K135}: GA 1.32 LockToDefault"),
    "SidecarContainers": dict(locked=(33, True),
                              src=f"{K135}: GA 1.33 LockToDefault ('remove in 1.36')"),
    "RecursiveReadOnlyMounts": dict(locked=(33, True),
                                    src=f"{K135}: GA 1.33 LockToDefault ('remove in 1.36')"),
    "CPUManagerPolicyOptions": dict(locked=(33, True),
                                    src=f"{K135}: GA 1.33 LockToDefault ('remove in 1.36')"),
    "KubeletCgroupDriverFromCRI": dict(locked=(34, True),
                                       src=f"{K135}: GA 1.34 LockToDefault ('remove in 1.37')"),
    "NodeSwap": dict(locked=(34, True), src=f"{K135} and {WEB}NodeSwap.md: GA 1.34 locked"),
    "KubeletTracing": dict(removed=38, locked=(34, True),
                           src=f"{K135}: GA 1.34 LockToDefault; CHANGELOG/CHANGELOG-1.38.md "
                               "v1.38.0-alpha.1: 'Removed the KubeletTracing feature gate, which "
                               "has been GA and locked to default since v1.34' (#141714), so "
                               "1.37 still knows it"),
    "AnyVolumeDataSource": dict(removed=37, locked=(33, True),
                                src="CHANGELOG/CHANGELOG-1.37.md, changelog since v1.36.0: "
                                    "'Removed the generally available feature gate "
                                    "AnyVolumeDataSource, which was locked and enabled since "
                                    f"1.33' (#135336); {K135}: GA 1.33 LockToDefault"),
    "PodLifecycleSleepAction": dict(locked=(34, True),
                                    src=f"{K135}: GA 1.34 LockToDefault ('remove in 1.37')"),
    "ImageMaximumGCAge": dict(locked=(35, True),
                              src=f"{K135}: GA 1.35 LockToDefault ('remove in 1.38')"),
}


def minor_of(version):
    """`v1.35.0` / `1.36.1-rc.0` -> 35; None when unparsable (then nothing is per-minor)."""
    parts = str(version).lstrip("v").split(".")
    try:
        return int(parts[1]) if parts[0] == "1" else None
    except (IndexError, ValueError):
        return None


def gate_known(name, minor, baseline):
    """Whether the kubelet of `minor` knows gate `name` (`baseline`: the version-less list)."""
    spec = GATES.get(name)
    if spec is None:
        return name in baseline
    if minor is None:
        return True
    return spec.get("added", 0) <= minor < spec.get("removed", 1 << 30)


def gate_lock(name, minor):
    """The value `name` is locked to on `minor`, or None."""
    locked = (GATES.get(name) or {}).get("locked")
    if locked and minor is not None and minor >= locked[0]:
        return locked[1]
    return None


def flag_known(name, minor, baseline):
    removed = REMOVED_FLAGS.get(name)
    if removed and minor is not None and minor >= removed[0]:
        return False
    return name in baseline or name in MINIK_FLAGS
