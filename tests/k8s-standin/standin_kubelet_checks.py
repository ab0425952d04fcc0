"""Start-up checks of the stand-in kubelet that mirror why a real kubelet exits (test code only).

Each check reads the same host facts the real kubelet reads and refuses with the real kubelet's
message, so a kubeadm config that would stop a real node also stops a stand-in node:

- cgroup v1: pkg/kubelet/apis/config/validation/validation_linux.go (validateKubeletOSConfiguration)
  refuses `failCgroupV1: true` when `!libcontainercgroups.IsCgroup2UnifiedMode()`, which is a
  statfs of /sys/fs/cgroup against CGROUP2_SUPER_MAGIC (opencontainers/cgroups), so a hybrid host
  (v1 controllers, cgroup2 only at /sys/fs/cgroup/unified) counts as v1. The field exists from
  v1.31; its default (staging/src/k8s.io/kubelet/config/v1beta1 defaulting) is true from v1.35.
  cmd/kubelet/app/server.go wraps it as "failed to validate kubelet configuration, error: ...".
- user namespaces: pkg/kubelet/cm/container_manager_linux.go (setupKernelTunables) sets
  vm.overcommit_memory, vm.panic_on_oom, kernel.panic, kernel.panic_on_oops and the root key
  quotas; in a user namespace (moby/sys/userns RunningInUserNS: /proc/self/uid_map is not the
  full "0 0 4294967295" map) the writes fail, and only the KubeletInUserNamespace gate turns that
  into a log line; otherwise the container manager does not start and the kubelet exits.

Paths are passed in, so the unit tests can point them at files of their own.
"""

import re

CGROUP_V1_MESSAGE = "kubelet is configured to not run on a host using cgroup v1. "
# The second sentence: "in maintenance mode" from 1.31 (KEP-4569); "unsupported and will be
# removed in a future release" from 1.35, when failCgroupV1 defaults to true (KEP-5573).
CGROUP_V1_STATUS = {(1, 31): "cgroup v1 support is in maintenance mode",
                    (1, 35): "cgroup v1 support is unsupported and will be removed in a future "
                             "release"}
USERNS_HINT = ("Updating kernel flag failed (Hint: enable KubeletInUserNamespace feature flag to "
               "ignore the error)")
# The values setupKernelTunables wants (pkg/util/sysctl constants), as /proc/sys paths.
KERNEL_TUNABLES = {
    "vm/overcommit_memory": "1",
    "vm/panic_on_oom": "0",
    "kernel/panic": "10",
    "kernel/panic_on_oops": "1",
    "kernel/keys/root_maxkeys": "1000000",
    "kernel/keys/root_maxbytes": "25000000",
}
FULL_UID_MAP = ["0", "0", "4294967295"]


def minor_of(version):
    m = re.match(r"v?(\d+)\.(\d+)", version or "")
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def cgroup2_unified(mountinfo_text):
    """Is /sys/fs/cgroup itself a cgroup2 mount? The last mount on that point is what statfs
    sees. None when the mount table says nothing about it."""
    fstype = None
    for line in (mountinfo_text or "").splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5 or fields[4] != "/sys/fs/cgroup":
            continue
        fstype = right.split()[0] if right.split() else None
    return None if fstype is None else fstype == "cgroup2"


def in_user_namespace(uid_map_text):
    """moby/sys/userns: not in a user namespace exactly when uid_map is the full identity map."""
    if uid_map_text is None:
        return False
    lines = [l.split() for l in uid_map_text.splitlines() if l.strip()]
    return lines != [FULL_UID_MAP]


def feature_gates(config, flags):
    """KubeletConfiguration featureGates, then --feature-gates (the flag wins, as in the kubelet)."""
    gates = {str(k): bool(v) for k, v in ((config or {}).get("featureGates") or {}).items()}
    for pair in filter(None, (flags.get("feature-gates") or "").split(",")):
        name, _, value = pair.partition("=")
        gates[name.strip()] = value.strip().lower() == "true"
    return gates


def fail_cgroup_v1(version, config):
    """The effective failCgroupV1: the field from v1.31, defaulting to true from v1.35."""
    if minor_of(version) < (1, 31):
        return False
    value = (config or {}).get("failCgroupV1")
    if value is None:
        return minor_of(version) >= (1, 35)
    return value is True


def cgroup_error(version, config, mountinfo_path):
    unified = cgroup2_unified(_read(mountinfo_path))
    if unified is None or unified or not fail_cgroup_v1(version, config):
        return None
    status = CGROUP_V1_STATUS[(1, 35) if minor_of(version) >= (1, 35) else (1, 31)]
    return f"failed to validate kubelet configuration, error: {CGROUP_V1_MESSAGE}{status}"


def userns_errors(config, flags, uid_map_path, sysctl_dir):
    """The kernel tunables a kubelet in a user namespace could not set, without the gate."""
    if not in_user_namespace(_read(uid_map_path)):
        return []
    if feature_gates(config, flags).get("KubeletInUserNamespace"):
        return []
    errors = []
    for flag, want in KERNEL_TUNABLES.items():
        path = f"{sysctl_dir.rstrip('/')}/{flag}"
        have = _read(path)
        if have is None:
            errors.append(f"open {path}: no such file or directory")
        elif have.strip() != want:
            # Outside its own namespace's sysctls a user namespace may not write.
            errors.append(f"open /proc/sys/{flag}: permission denied")
    return errors


def startup_error(version, config, flags, mountinfo_path="/proc/self/mountinfo",
                  uid_map_path="/proc/self/uid_map", sysctl_dir="/proc/sys"):
    """The log lines of a kubelet that exits at start-up, or None when it would start."""
    err = cgroup_error(version, config, mountinfo_path)
    if err:
        return [f'"command failed" err="{err}"']
    errors = userns_errors(config, flags, uid_map_path, sysctl_dir)
    if errors:
        joined = ", ".join(errors)
        return [f'"{USERNS_HINT}" err="{errors[0]}"',
                f'"Failed to start ContainerManager" err="[{joined}]"']
    return None
