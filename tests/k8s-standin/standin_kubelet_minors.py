"""Stand-in (test double) data: which kubelet flags and feature gates each Kubernetes minor
knows, so the stand-in kubelet refuses what the real kubelet of the node's minor refuses.

Hand-collected from the upstream release data reachable while writing it (kubernetes/kubernetes
sources and CHANGELOG/CHANGELOG-1.3x.md); each entry names its source. Only what matters to
minik is listed: the flags minik and kubeadm pass, the gates minik or kind's configs set, and
the gates removed or locked across 1.31-1.37 that a user plausibly still sets. A gate not listed
here nor in standin_startup.KNOWN_GATES is unknown on every minor, as it is to the real kubelet.

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
}

# Flags that disappeared: name -> (first minor without it, source).
REMOVED_FLAGS = {
    "pod-infra-container-image": (
        35, "CHANGELOG-1.35.md, v1.35.0 Urgent Upgrade Notes: 'Removed the "
            "--pod-infra-container-image flag from kubelet command line' (#133779)"),
}

# Gates whose range or lock differs across minors: name -> dict(added, removed, locked, src).
# `added`/`removed` default to "always"/"never"; `locked` is (from minor, value) or None.
GATES = {
    # minik's rootless nodes set it (src/kubeadm/build.rs kubelet_configuration); kind's
    # rootless docs set it too. Alpha since 1.22 (pkg/features/versioned_kube_features.go,
    # release-1.32); never locked on the pinned minors (beta in 1.37 per the 1.37 release blog
    # posts; not checked against the 1.37 source).
    "KubeletInUserNamespace": dict(
        src="pkg/features/versioned_kube_features.go (release-1.32): Alpha since 1.22"),
    # GA and locked in 1.31, "remove in 1.33" (versioned_kube_features.go, release-1.32).
    "AppArmor": dict(removed=33, locked=(31, True),
                     src="versioned_kube_features.go (release-1.32): GA 1.31 locked, "
                         "'// remove in 1.33'"),
    "AppArmorFields": dict(removed=33, locked=(31, True),
                           src="versioned_kube_features.go (release-1.32): GA 1.31 locked, "
                               "'// remove in 1.33'"),
    "DevicePluginCDIDevices": dict(removed=33, locked=(31, True),
                                   src="versioned_kube_features.go (release-1.32): GA 1.31 "
                                       "locked, '// remove in 1.33'"),
    # Locked since 1.32 (versioned_kube_features.go, release-1.32), removed in 1.35.
    "StrictCostEnforcementForVAP": dict(
        removed=35, locked=(32, True),
        src="CHANGELOG-1.35.md v1.35.0: 'Removed the StrictCostEnforcementForVAP and "
            "StrictCostEnforcementForWebhooks feature gates, which were locked since v1.32' "
            "(#134994)"),
    "StrictCostEnforcementForWebhooks": dict(
        removed=35, locked=(32, True),
        src="CHANGELOG-1.35.md v1.35.0 (#134994), as StrictCostEnforcementForVAP"),
    # GA (default on) in 1.34, locked in 1.35.
    "DynamicResourceAllocation": dict(
        locked=(35, True),
        src="CHANGELOG-1.35.md v1.35.0: 'The DynamicResourceAllocation feature gate for the "
            "core functionality (GA in v1.34) has now been locked to enabled-by-default' "
            "(#134452)"),
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
