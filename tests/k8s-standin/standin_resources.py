"""TEST DOUBLE support: compute resources as the real components count them.

- Quantities (staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go): "500m", "2",
  "1.5", "64Mi", "1G", "1e3"; CPU is counted in millicores rounded up (MilliValue), bytes rounded
  up (Value). Anything else is refused, as the API server refuses it.
- A pod's requests (pkg/api/v1/resource/helpers.go PodRequests): the sum over its containers,
  at least each init container's, plus spec.overhead; a container with a limit and no request
  requests its limit (pkg/apis/core/v1/defaults.go SetDefaults_Pod does that on create).
- A node's allocatable (pkg/kubelet/cm/node_container_manager_linux.go
  GetNodeAllocatableReservation, hardEvictionReservation): capacity minus kubeReserved,
  systemReserved and the hard eviction thresholds of memory.available (memory) and
  nodefs.available (ephemeral-storage), with the kubelet's defaults
  (pkg/kubelet/apis/config/v1beta1/defaults.go: memory.available<100Mi, nodefs.available<10%,
  imagefs.available<15%, nodefs.inodesFree<5%) when the config sets no evictionHard (a partial
  evictionHard replaces them, as kind's and minik's "0%" disk thresholds do: nothing is kept
  back there, unless mergeDefaultEvictionSettings is true).
- A container's CRI resources (pkg/kubelet/kuberuntime/kuberuntime_container_linux.go
  generateLinuxContainerResources, pkg/kubelet/cm/helpers_linux.go): memory limit in bytes,
  CPU shares from the request, CFS quota from the limit, oom_score_adj by QoS class
  (pkg/kubelet/qos/policy.go).
"""
import math
import re
from fractions import Fraction

_BINARY = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50,
           "Ei": 2 ** 60}
_DECIMAL = {"n": Fraction(1, 10 ** 9), "u": Fraction(1, 10 ** 6), "m": Fraction(1, 1000),
            "": 1, "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15,
            "E": 10 ** 18}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|"
                       r"[eE]([+-]?\d+))?$")

DEFAULT_EVICTION_HARD = {"memory.available": "100Mi", "nodefs.available": "10%",
                         "imagefs.available": "15%", "nodefs.inodesFree": "5%"}


class QuantityError(ValueError):
    pass


def parse(text):
    """A Kubernetes quantity as an exact Fraction of its base unit."""
    m = _QUANTITY.match(str(text).strip()) if text is not None else None
    if not m:
        raise QuantityError(f"quantities must match the regular expression "
                            f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {text!r}")
    number = Fraction(m.group(1))
    if m.group(3) is not None:
        return number * Fraction(10) ** int(m.group(3))
    suffix = m.group(2) or ""
    return number * (_BINARY.get(suffix) or _DECIMAL[suffix])


def milli(text):
    """MilliValue: rounded up, as the scheduler and kubelet count CPU."""
    return math.ceil(parse(text) * 1000)


def value(text):
    """Value: rounded up to a whole unit (bytes, pods)."""
    return math.ceil(parse(text))


def format_binary(n):
    """A byte count as a BinarySI quantity prints: the largest exact power-of-1024 suffix."""
    n = int(n)
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        if n and n % _BINARY[suffix] == 0:
            return f"{n // _BINARY[suffix]}{suffix}"
    return str(n)


# -- pods -------------------------------------------------------------------------------------
def container_requests(container):
    res = container.get("resources") or {}
    req = dict(res.get("requests") or {})
    for k, v in (res.get("limits") or {}).items():
        req.setdefault(k, v)  # SetDefaults_Pod: requests default to limits
    return req


def pod_requests(spec):
    """{"cpu": millicores, "memory": bytes, "ephemeral-storage": bytes, other: units}."""
    total = {}
    for c in spec.get("containers") or []:
        for k, v in container_requests(c).items():
            total[k] = total.get(k, 0) + (milli(v) if k == "cpu" else value(v))
    for c in spec.get("initContainers") or []:
        for k, v in container_requests(c).items():
            n = milli(v) if k == "cpu" else value(v)
            total[k] = max(total.get(k, 0), n)
    for k, v in (spec.get("overhead") or {}).items():
        total[k] = total.get(k, 0) + (milli(v) if k == "cpu" else value(v))
    return total


def resource_list(rl):
    """A node's capacity/allocatable as numbers (cpu in millicores)."""
    out = {}
    for k, v in (rl or {}).items():
        try:
            out[k] = milli(v) if k == "cpu" else value(v)
        except QuantityError:
            continue
    return out


# -- nodes (kubelet) --------------------------------------------------------------------------
def allocatable(capacity, config):
    """The kubelet's allocatable: capacity minus reservations and hard eviction thresholds."""
    cap = resource_list(capacity)
    reserved = {}
    for field in ("kubeReserved", "systemReserved"):
        for k, v in ((config or {}).get(field) or {}).items():
            reserved[k] = reserved.get(k, 0) + (milli(v) if k == "cpu" else value(v))
    eviction = (config or {}).get("evictionHard")
    if eviction is None:
        eviction = DEFAULT_EVICTION_HARD
    elif (config or {}).get("mergeDefaultEvictionSettings"):  # KubeletConfiguration, 1.34+
        eviction = dict(DEFAULT_EVICTION_HARD, **eviction)
    for signal, resource in (("memory.available", "memory"),
                             ("nodefs.available", "ephemeral-storage")):
        threshold = str(eviction.get(signal, "")).strip()
        if not threshold or resource not in cap:
            continue
        if threshold.endswith("%"):
            amount = int(cap[resource] * float(threshold[:-1]) / 100)
        else:
            amount = value(threshold)
        reserved[resource] = reserved.get(resource, 0) + amount
    out = {}
    for k, v in (capacity or {}).items():
        if k not in cap:
            out[k] = v
            continue
        left = max(cap[k] - reserved.get(k, 0), 0)
        if k == "cpu":
            out[k] = str(left // 1000) if left % 1000 == 0 else f"{left}m"
        elif k in ("memory", "ephemeral-storage") or k.startswith("hugepages-"):
            out[k] = format_binary(left)
        else:
            out[k] = str(left)
    return out


# -- containers (kubelet -> CRI) --------------------------------------------------------------
MIN_SHARES, SHARES_PER_CPU, QUOTA_PERIOD, MIN_QUOTA = 2, 1024, 100000, 1000


def oom_score_adj(qos, memory_request, memory_capacity):
    """pkg/kubelet/qos/policy.go GetContainerOOMScoreAdjust (non-critical pods)."""
    if qos == "Guaranteed":
        return -997
    if qos == "BestEffort":
        return 1000
    if not memory_capacity:
        return 999
    adj = 1000 - (1000 * memory_request) // memory_capacity
    return min(max(adj, 2), 999)


def linux_resources(container, qos, memory_capacity):
    """The CRI LinuxContainerResources the kubelet sends for a container."""
    req = container_requests(container)
    limits = (container.get("resources") or {}).get("limits") or {}
    cpu_req = milli(req["cpu"]) if "cpu" in req else 0
    shares = max(cpu_req * SHARES_PER_CPU // 1000, MIN_SHARES)
    out = {"cpu_shares": shares,
           "oom_score_adj": oom_score_adj(qos, value(req["memory"]) if "memory" in req else 0,
                                          memory_capacity)}
    if "memory" in limits:
        out["memory_limit_in_bytes"] = value(limits["memory"])
    if "cpu" in limits:
        out["cpu_period"] = QUOTA_PERIOD
        out["cpu_quota"] = max(milli(limits["cpu"]) * QUOTA_PERIOD // 1000, MIN_QUOTA)
    return out
