"""Stand-in (test double): what makes the real kubelet exit at start-up, before it runs
anything (cmd/kubelet/app/server.go). Each check returns the kubelet's error text or None.

- Unknown flags: pflag refuses them ("failed to parse kubelet flag: unknown flag: --x"), per
  the node's minor (standin_kubelet_minors: e.g. --pod-infra-container-image is gone in 1.35).
- The config file (--config): must decode as kubelet.config.k8s.io/v1beta1 (or v1)
  KubeletConfiguration; unknown fields only warn (the kubelet falls back to lenient decoding),
  but unknown or locked feature gates are fatal. The --feature-gates flag fills the same map
  (kubeletConfigFlagPrecedence), and cmd/kubelet/app/server.go then fails with "failed to set
  feature gates from initial flags-based config: " + SetFromMap's error ("unrecognized feature
  gate: X" / "cannot set feature gate X to false, feature is locked to true"), per minor.
- Swap: with failSwapOn (default true) and entries in /proc/swaps the kubelet exits
  (validateSwapConfiguration). STANDIN_SWAP=1 simulates swap for tests.
- The runtime: the kubelet validates the CRI connection at start ("validate service
  connection"); containerd that runs without its CRI plugin (a bad config makes it skip the
  plugin and keep running) fails that. Read with `ctr plugins ls` on the runtime's socket.
"""

import os
import shutil
import subprocess

import standin_kubelet_minors

# Flags the kubelet has in every release minik supports (1.28+). Not exhaustive: a flag that
# is missing here and used by minik fails a test, which is the point.
KNOWN_FLAGS = {
    "address", "allowed-unsafe-sysctls", "anonymous-auth", "authentication-token-webhook",
    "authentication-token-webhook-cache-ttl", "authorization-mode",
    "authorization-webhook-cache-authorized-ttl", "authorization-webhook-cache-unauthorized-ttl",
    "boot-id-file", "bootstrap-kubeconfig", "cert-dir", "cgroup-driver", "cgroup-root",
    "cgroups-per-qos", "client-ca-file", "cloud-config", "cloud-provider", "cluster-dns",
    "cluster-domain", "config", "config-dir", "container-log-max-files", "container-log-max-size",
    "container-runtime-endpoint", "contention-profiling", "cpu-cfs-quota",
    "cpu-cfs-quota-period", "cpu-manager-policy", "cpu-manager-policy-options",
    "cpu-manager-reconcile-period", "enable-controller-attach-detach", "enable-debugging-handlers",
    "enable-server", "enforce-node-allocatable", "event-burst", "event-qps", "eviction-hard",
    "eviction-max-pod-grace-period", "eviction-minimum-reclaim",
    "eviction-pressure-transition-period", "eviction-soft", "eviction-soft-grace-period",
    "exit-on-lock-contention", "fail-swap-on", "feature-gates", "file-check-frequency",
    "hairpin-mode", "healthz-bind-address", "healthz-port", "help", "hostname-override",
    "housekeeping-interval", "http-check-frequency", "image-credential-provider-bin-dir",
    "image-credential-provider-config", "image-gc-high-threshold", "image-gc-low-threshold",
    "image-service-endpoint", "kernel-memcg-notification", "kube-api-burst",
    "kube-api-content-type", "kube-api-qps", "kube-reserved", "kube-reserved-cgroup",
    "kubeconfig", "kubelet-cgroups", "local-storage-capacity-isolation", "lock-file",
    "log-flush-frequency", "log-json-info-buffer-size", "log-json-split-stream",
    "log-text-info-buffer-size", "log-text-split-stream", "logging-format",
    "make-iptables-util-chains", "manifest-url", "manifest-url-header", "max-open-files",
    "max-pods", "maximum-dead-containers", "maximum-dead-containers-per-container",
    "memory-manager-policy", "minimum-container-ttl-duration", "minimum-image-ttl-duration",
    "node-ip", "node-labels", "node-status-max-images", "node-status-update-frequency",
    "oom-score-adj", "pod-cidr", "pod-infra-container-image", "pod-manifest-path",
    "pod-max-pids", "pods-per-core", "port", "protect-kernel-defaults", "provider-id",
    "qos-reserved", "read-only-port", "register-node", "register-schedulable",
    "register-with-taints", "registry-burst", "registry-qps", "reserved-cpus",
    "reserved-memory", "resolv-conf", "root-dir", "rotate-certificates",
    "rotate-server-certificates", "runonce", "runtime-cgroups", "runtime-request-timeout",
    "seccomp-default", "serialize-image-pulls", "streaming-connection-idle-timeout",
    "sync-frequency", "system-cgroups", "system-reserved", "system-reserved-cgroup",
    "tls-cert-file", "tls-cipher-suites", "tls-min-version", "tls-private-key-file",
    "topology-manager-policy", "topology-manager-policy-options", "topology-manager-scope",
    "v", "version", "vmodule", "volume-plugin-dir", "volume-stats-agg-period",
}

# Kubelet feature gates of 1.28-1.36 that a user may plausibly set (component-base's known
# set in those releases; gates GA'd and removed earlier, e.g. CSIMigration, are unknown).
KNOWN_GATES = {
    "AllAlpha", "AllBeta", "APIResponseCompression", "AppArmor", "AppArmorFields",
    "CPUManagerPolicyAlphaOptions", "CPUManagerPolicyBetaOptions", "CPUManagerPolicyOptions",
    "ContainerCheckpoint", "CustomCPUCFSQuotaPeriod", "DevicePluginCDIDevices",
    "DisableCPUQuotaWithExclusiveCPUs", "DynamicResourceAllocation", "GracefulNodeShutdown",
    "GracefulNodeShutdownBasedOnPodPriority", "HPAScaleToZero", "ImageMaximumGCAge",
    "ImageVolume", "InPlacePodVerticalScaling", "KubeletCgroupDriverFromCRI",
    "KubeletInUserNamespace", "KubeletPodResourcesDynamicResources", "KubeletPodResourcesGet",
    "KubeletSeparateDiskGC", "KubeletTracing", "LocalStorageCapacityIsolationFSQuotaMonitoring",
    "MemoryManager", "MemoryQoS", "NodeLogQuery", "NodeSwap", "PodAndContainerStatsFromCRI",
    "PodLifecycleSleepAction", "PodReadyToStartContainersCondition", "ProcMountType",
    "RecursiveReadOnlyMounts", "RotateKubeletServerCertificate", "SELinuxMountReadWriteOncePod",
    "SidecarContainers", "SizeMemoryBackedVolumes", "TopologyManagerPolicyAlphaOptions",
    "TopologyManagerPolicyBetaOptions", "TopologyManagerPolicyOptions", "UserNamespacesSupport",
    "UserNamespacesPodSecurityStandards", "WindowsHostNetwork",
}

CONFIG_APIS = {"kubelet.config.k8s.io/v1beta1", "kubelet.config.k8s.io/v1"}


def check_flags(flags, version=None):
    minor = standin_kubelet_minors.minor_of(version) if version else None
    for name in flags:
        if not standin_kubelet_minors.flag_known(name, minor, KNOWN_FLAGS):
            return f"failed to parse kubelet flag: unknown flag: --{name}"
    return None


def requested_gates(config, flags):
    """featureGates of the config file overlaid by --feature-gates (the flag wins), as the
    kubelet merges them before SetFromMap; values stay as written for the type check."""
    gates = dict((config or {}).get("featureGates") or {})
    for pair in filter(None, (flags.get("feature-gates") or "").split(",")):
        name, _, value = pair.partition("=")
        value = value.strip().lower()
        gates[name.strip()] = {"true": True, "false": False}.get(value, value)
    return gates


def check_feature_gates(config, flags, version):
    """SetFromMap for the kubelet of `version`: unknown gates, then gates locked to a value."""
    minor = standin_kubelet_minors.minor_of(version)
    prefix = "failed to set feature gates from initial flags-based config: "
    for gate, value in sorted(requested_gates(config, flags).items()):
        if not standin_kubelet_minors.gate_known(gate, minor, KNOWN_GATES):
            return f"{prefix}unrecognized feature gate: {gate}"
        lock = standin_kubelet_minors.gate_lock(gate, minor)
        if isinstance(value, bool) and lock is not None and value != lock:
            return (f"{prefix}cannot set feature gate {gate} to {str(value).lower()}, "
                    f"feature is locked to {str(lock).lower()}")
    return None


def check_config(config, path):
    if not isinstance(config, dict):
        return (f"failed to load kubelet config file, path: {path}, error: failed to decode: "
                f"couldn't get version/kind; json parse error")
    api, kind = config.get("apiVersion"), config.get("kind")
    if not api or not kind:
        return (f"failed to load kubelet config file, path: {path}, error: failed to decode: "
                f"Object 'Kind' is missing in config file")
    if api not in CONFIG_APIS or kind != "KubeletConfiguration":
        return (f"failed to load kubelet config file, path: {path}, error: failed to decode: "
                f'no kind "{kind}" is registered for version "{api}" in scheme '
                f'"pkg/kubelet/apis/config/scheme/scheme.go:33"')
    for gate, value in (config.get("featureGates") or {}).items():
        if not isinstance(value, bool):
            return f"invalid value of {gate}: {value}, err: invalid boolean value"
    return None


def swaps(root_path):
    if os.environ.get("STANDIN_SWAP") == "1":
        return ["/swapfile file 1048572 0 -2"]
    try:
        with open(root_path("/proc/swaps")) as f:
            return [line.strip() for line in f.read().splitlines()[1:] if line.strip()]
    except OSError:
        return []


def check_swap(config, root_path):
    if config.get("failSwapOn", True) is False:
        return None
    found = swaps(root_path)
    if found:
        return (f"failed to run Kubelet: running with swap on is not supported, please disable "
                f"swap or set --fail-swap-on flag to false. /proc/swaps contained: {found}")
    return None


def runtime_endpoint(flags, config):
    """The CRI endpoint the kubelet dials: the deprecated flag, else the KubeletConfiguration's
    containerRuntimeEndpoint (kubeadm writes it there from 1.27), else containerd's default."""
    return (flags.get("container-runtime-endpoint") or (config or {}).get("containerRuntimeEndpoint")
            or "unix:///run/containerd/containerd.sock")


def check_runtime(endpoint, path=lambda p: p, socket_required=True):
    """None when the runtime's CRI plugin is up. A missing socket fails the kubelet's first CRI
    call (Version) as the real one does; `path` maps the node path (STANDIN_ROOT), and host-side
    tests, which have no containerd, pass socket_required=False. Without ctr it cannot ask."""
    sock = endpoint.removeprefix("unix://")
    if not os.path.exists(path(sock)):
        if not socket_required:
            return None
        return (f'failed to run Kubelet: validate service connection: validate CRI v1 runtime '
                f'API for endpoint "unix://{sock}": rpc error: code = Unavailable desc = '
                f'connection error: desc = "transport: Error while dialing: dial unix {sock}: '
                f'connect: no such file or directory"')
    sock = path(sock)
    ctr = shutil.which("ctr")
    if not ctr:
        return None
    try:
        out = subprocess.run([ctr, "--address", sock, "plugins", "ls"], capture_output=True,
                             text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 3 and cols[0] == "io.containerd.grpc.v1" and cols[1] == "cri":
            if cols[-1] == "ok":
                return None
            break
    return (f'failed to run Kubelet: validate service connection: validate CRI v1 runtime API '
            f'for endpoint "unix://{sock}": rpc error: code = Unimplemented desc = unknown '
            f'service runtime.v1.RuntimeService')
