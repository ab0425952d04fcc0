"""TEST DOUBLE: the Deployment and ReplicaSet controllers' rollout logic, mirrored from
kubernetes/kubernetes so `kubectl set image`, `rollout status` and `rollout undo` behave on the
test cluster as on a real one.

Mirrored (upstream files and functions):
- pkg/controller/deployment/util/deployment_util.go: ResolveFenceposts (maxSurge rounded up,
  maxUnavailable rounded down, both 0 -> unavailable 1; defaults 25%/25% from
  pkg/apis/apps/v1/defaults.go), NewRSNewReplicas, EqualIgnoreHash, the revision annotation
  (MaxRevision + 1 for the new ReplicaSet, also when an old template comes back),
  DeploymentComplete, DeploymentProgressing, DeploymentTimedOut.
- pkg/controller/deployment/rolling.go: rolloutRolling, reconcileNewReplicaSet,
  reconcileOldReplicaSets, cleanupUnhealthyReplicas, scaleDownOldReplicaSetsForRollingUpdate:
  old ReplicaSets shrink only as far as the available pods allow (minAvailable = replicas -
  maxUnavailable), so a new ReplicaSet whose pods never become available stalls the rollout with
  the old pods serving.
- pkg/controller/deployment/recreate.go: old pods gone before the new ReplicaSet scales up.
- pkg/controller/deployment/sync.go: calculateStatus (replicas, updated, ready, available,
  unavailable; Available condition from minimum availability).
- pkg/controller/deployment/progress.go: syncRolloutStatus: Progressing=True
  NewReplicaSetCreated / ReplicaSetUpdated while progressing, NewReplicaSetAvailable when
  complete, Progressing=False ProgressDeadlineExceeded once progressDeadlineSeconds pass without
  progress; `kubectl rollout status` reads that condition ("exceeded its progress deadline").
- pkg/controller/replicaset/replica_set.go: active pods only (a Terminating pod no longer
  counts), available = Ready for minReadySeconds (podutil.IsPodAvailable), scale-down deletes
  the least useful pods first (controller.ActivePodsWithRanks: unscheduled, Pending, not
  Ready before Ready ones).
- pkg/controller/controller_utils.go ComputeHash: the pod-template-hash is FNV-32a of the
  template, printed as a decimal and spelled in rand.SafeEncodeString's alphabet.
"""
import copy
import json
import math
import re
import time
from datetime import datetime, timezone

REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
DEFAULT_PROGRESS_DEADLINE = 600


class Invalid(ValueError):
    """A Deployment the real API server refuses (pkg/apis/apps/validation)."""


def now_text(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if t is None else t))


def parse_time(s):
    try:
        return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


def template_hash(template, collision_count=0):
    """controller.ComputeHash: fnv32a over the template, then SafeEncodeString(decimal)."""
    h = 0x811C9DC5
    data = json.dumps(template, sort_keys=True).encode() + str(collision_count or "").encode()
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return "".join(SAFE_ALPHABET[int(c) % len(SAFE_ALPHABET)] for c in str(h))


def without_hash(template):
    t = copy.deepcopy(template or {})
    labels = (t.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(HASH_LABEL, None)
    return t


def normalized(v):
    """Empty maps and lists and nulls dropped: the real API server compares defaulted objects
    (apiequality.Semantic.DeepEqual), so `resources: {}` sent by a client (kubectl rollout
    undo copies a ReplicaSet's template through Go structs) equals no resources at all."""
    if isinstance(v, dict):
        out = {k: normalized(x) for k, x in v.items()}
        return {k: x for k, x in out.items() if x not in ({}, [], None)}
    if isinstance(v, list):
        return [normalized(x) for x in v]
    return v


def equal_ignore_hash(a, b):
    return normalized(without_hash(a)) == normalized(without_hash(b))


INT_OR_PERCENT = re.compile(r"^(\d+)%$")


def scaled_value(value, total, round_up):
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, bool):
        raise Invalid(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        return value
    m = INT_OR_PERCENT.match(str(value))
    if not m:
        raise Invalid(f'invalid value for IntOrString: invalid type: string is not a '
                      f'percentage')
    v = int(m.group(1)) * total / 100
    return int(math.ceil(v)) if round_up else int(math.floor(v))


def rolling_params(spec):
    ru = ((spec.get("strategy") or {}).get("rollingUpdate") or {})
    return ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%")


def resolve_fenceposts(spec):
    """(maxSurge, maxUnavailable) as numbers of pods for this many replicas."""
    replicas = int(spec.get("replicas", 1))
    surge_v, unavail_v = rolling_params(spec)
    surge = scaled_value(surge_v, replicas, True)
    unavailable = scaled_value(unavail_v, replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1  # "Validation should never allow the user to explicitly use zero values"
    return surge, unavailable


def validate(spec):
    """The rolling-update parameters pkg/apis/apps/validation refuses, with its texts."""
    strategy = spec.get("strategy") or {}
    kind = strategy.get("type", "RollingUpdate")
    path = "spec.strategy.rollingUpdate"
    if kind not in ("RollingUpdate", "Recreate"):
        return [f'spec.strategy.type: Unsupported value: "{kind}": supported values: '
                f'"Recreate", "RollingUpdate"']
    if kind == "Recreate":
        return [f"{path}: Forbidden: may not be specified when strategy `type` is 'Recreate'"] \
            if strategy.get("rollingUpdate") is not None else []
    errors = []
    surge_v, unavail_v = rolling_params(spec)
    for name, v in (("maxSurge", surge_v), ("maxUnavailable", unavail_v)):
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 0:
                errors.append(f"{path}.{name}: Invalid value: {v}: must be greater than or "
                              f"equal to 0")
        elif not INT_OR_PERCENT.match(str(v)):
            errors.append(f'{path}.{name}: Invalid value: "{v}": a valid percent string must '
                          f'be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or '
                          f'\'93%\', regex used for validation is \'[0-9]+%\')')
    if errors:
        return errors
    if str(unavail_v).endswith("%") and int(str(unavail_v)[:-1]) > 100:
        errors.append(f'{path}.maxUnavailable: Invalid value: "{unavail_v}": must not be '
                      f'greater than 100%')
    if scaled_value(surge_v, 100, True) == 0 and scaled_value(unavail_v, 100, True) == 0:
        errors.append(f"{path}.maxUnavailable: Invalid value: {json.dumps(unavail_v)}: may not "
                      f"be 0 when `maxSurge` is 0")
    return errors


def revision(obj):
    try:
        return int(((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION, 0))
    except (TypeError, ValueError):
        return 0


def spec_replicas(rs):
    return int((rs.get("spec") or {}).get("replicas", 0) or 0)


def status_of(rs, field):
    return int((rs.get("status") or {}).get(field, 0) or 0)


def new_rs_new_replicas(spec, all_rss, new_rs):
    """NewRSNewReplicas for RollingUpdate: grow the new ReplicaSet within replicas + maxSurge."""
    replicas = int(spec.get("replicas", 1))
    surge, _ = resolve_fenceposts(spec)
    current = sum(spec_replicas(r) for r in all_rss)
    have = spec_replicas(new_rs) if new_rs else 0
    if current >= replicas + surge:
        return have
    return have + max(0, min(replicas + surge - current, replicas - have))


def is_terminating(pod):
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def ready_since(pod):
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready" and c.get("status") == "True":
            return parse_time(c.get("lastTransitionTime")) or 0.0
    return None


def is_available(pod, min_ready_seconds, now=None):
    """podutil.IsPodAvailable: Ready, and Ready for at least minReadySeconds."""
    since = ready_since(pod)
    if since is None:
        return False
    return min_ready_seconds <= 0 or since + min_ready_seconds <= (now or time.time())


def deletion_rank(pod):
    """ActivePodsWithRanks, the first keys: the pod that matters least sorts first."""
    spec, st = pod.get("spec") or {}, pod.get("status") or {}
    phase = {"Pending": 0, "Unknown": 1, "Running": 2}.get(st.get("phase"), 0)
    restarts = sum(int(c.get("restartCount", 0)) for c in st.get("containerStatuses") or [])
    since = ready_since(pod)
    return (bool(spec.get("nodeName")), phase, since is not None, -restarts,
            -(since or 0.0), (pod.get("metadata") or {}).get("creationTimestamp", ""))


def set_condition(conds, ctype, status, reason, message, now):
    """util.SetDeploymentCondition: the transition time moves only when the status changes."""
    old = next((c for c in conds if c.get("type") == ctype), None)
    if old and old.get("status") == status and old.get("reason") == reason:
        return [c if c is not old else dict(c, message=message) for c in conds]
    cond = {"type": ctype, "status": status, "lastUpdateTime": now,
            "lastTransitionTime": old["lastTransitionTime"] if old and old.get("status") ==
            status else now, "reason": reason, "message": message}
    return [c for c in conds if c.get("type") != ctype] + [cond]


def complete(replicas, st, generation):
    return (st["updatedReplicas"] == replicas and st["replicas"] == replicas and
            st["availableReplicas"] == replicas and st["observedGeneration"] >= generation)


def progressing(old, new):
    """util.DeploymentProgressing: more new/ready/available pods, or fewer old ones."""
    o = lambda f: int(old.get(f, 0) or 0)
    return (new["updatedReplicas"] > o("updatedReplicas") or
            new["readyReplicas"] > o("readyReplicas") or
            new["availableReplicas"] > o("availableReplicas") or
            o("replicas") - o("updatedReplicas") > new["replicas"] - new["updatedReplicas"])


def rollout_status(d, all_rss, new_rs, created, now=None):
    """calculateStatus + syncRolloutStatus: the Deployment's status after this pass."""
    spec, old = d.get("spec") or {}, d.get("status") or {}
    replicas = int(spec.get("replicas", 1))
    now = now or time.time()
    stamp = now_text(now)
    st = {"observedGeneration": int(d["metadata"].get("generation", 1)),
          "replicas": sum(status_of(r, "replicas") for r in all_rss),
          "updatedReplicas": status_of(new_rs, "replicas") if new_rs else 0,
          "readyReplicas": sum(status_of(r, "readyReplicas") for r in all_rss),
          "availableReplicas": sum(status_of(r, "availableReplicas") for r in all_rss)}
    st["unavailableReplicas"] = max(replicas - st["availableReplicas"], 0)
    conds = list(old.get("conditions") or [])
    try:
        unavailable = 0 if (spec.get("strategy") or {}).get("type") == "Recreate" else \
            resolve_fenceposts(spec)[1]
    except Invalid:
        unavailable = 0
    if st["availableReplicas"] >= replicas - unavailable:
        conds = set_condition(conds, "Available", "True", "MinimumReplicasAvailable",
                              "Deployment has minimum availability.", stamp)
    else:
        conds = set_condition(conds, "Available", "False", "MinimumReplicasUnavailable",
                              "Deployment does not have minimum availability.", stamp)
    deadline = spec.get("progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE)
    cur = next((c for c in conds if c.get("type") == "Progressing"), None)
    done_before = cur is not None and cur.get("reason") == "NewReplicaSetAvailable" and \
        st["replicas"] == st["updatedReplicas"]
    rs_name = new_rs["metadata"]["name"] if new_rs else None
    what = f'ReplicaSet "{rs_name}"' if rs_name else f'Deployment "{d["metadata"]["name"]}"'
    if deadline is not None and created:
        conds = set_condition(conds, "Progressing", "True", "NewReplicaSetCreated",
                              f'Created new replica set "{rs_name}"', stamp)
    elif deadline is not None and not done_before:
        if complete(replicas, st, st["observedGeneration"]):
            conds = set_condition(conds, "Progressing", "True", "NewReplicaSetAvailable",
                                  f"{what} has successfully progressed.", stamp)
        elif progressing(old, st) or cur is None:
            conds = [c for c in conds if c.get("type") != "Progressing"]
            conds.append({"type": "Progressing", "status": "True", "lastUpdateTime": stamp,
                          "lastTransitionTime": cur["lastTransitionTime"] if cur and
                          cur.get("status") == "True" else stamp,
                          "reason": "ReplicaSetUpdated", "message": f"{what} is progressing."})
        elif cur.get("reason") != "ProgressDeadlineExceeded":
            since = parse_time(cur.get("lastUpdateTime")) or now
            if now > since + int(deadline):
                conds = set_condition(conds, "Progressing", "False",
                                      "ProgressDeadlineExceeded",
                                      f"{what} has timed out progressing.", stamp)
    if deadline is None:
        conds = [c for c in conds if c.get("type") != "Progressing"]
    order = {"Available": 0, "Progressing": 1}
    st["conditions"] = sorted(conds, key=lambda c: order.get(c.get("type"), 2))
    if old.get("collisionCount") is not None:
        st["collisionCount"] = old["collisionCount"]
    return st


def scale_plan(spec, new_rs, old_rss):
    """rolloutRolling's decisions for one pass: {rs name: new spec.replicas}. The new
    ReplicaSet first (reconcileNewReplicaSet); only when it did not grow, the old ones
    (reconcileOldReplicaSets), as far as the available pods allow."""
    replicas = int(spec.get("replicas", 1))
    all_rss = [r for r in [new_rs] + old_rss if r]
    plan = {}
    if new_rs is not None:
        have = spec_replicas(new_rs)
        want = replicas if have > replicas else new_rs_new_replicas(spec, all_rss, new_rs)
        if want != have:
            plan[new_rs["metadata"]["name"]] = want
            if want > have:
                return plan  # scaled up: the status is synced and the pass ends
    old_count = sum(spec_replicas(r) for r in old_rss)
    if old_count == 0:
        return plan
    new_size = plan.get(new_rs["metadata"]["name"], spec_replicas(new_rs)) if new_rs else 0
    all_count = new_size + old_count
    _, max_unavailable = resolve_fenceposts(spec)
    min_available = replicas - max_unavailable
    new_unavailable = new_size - status_of(new_rs, "availableReplicas") if new_rs else 0
    max_scaled_down = all_count - min_available - new_unavailable
    if max_scaled_down <= 0:
        return plan
    by_age = sorted(old_rss, key=lambda r: r["metadata"].get("creationTimestamp", ""))
    # cleanupUnhealthyReplicas: old pods that are not available go first
    cleaned = 0
    sizes = {r["metadata"]["name"]: spec_replicas(r) for r in by_age}
    for r in by_age:
        name = r["metadata"]["name"]
        if cleaned >= max_scaled_down or sizes[name] == 0:
            continue
        unhealthy = sizes[name] - status_of(r, "availableReplicas")
        n = min(max(unhealthy, 0), max_scaled_down - cleaned, sizes[name])
        if n:
            sizes[name] -= n
            cleaned += n
    # scaleDownOldReplicaSetsForRollingUpdate: then available ones, down to minAvailable
    available = sum(status_of(r, "availableReplicas") for r in all_rss)
    if available > min_available:
        total, done = available - min_available, 0
        for r in by_age:
            name = r["metadata"]["name"]
            if done >= total:
                break
            n = min(sizes[name], total - done)
            sizes[name] -= n
            done += n
    for r in by_age:
        if sizes[r["metadata"]["name"]] != spec_replicas(r):
            plan[r["metadata"]["name"]] = sizes[r["metadata"]["name"]]
    return plan


def recreate_plan(spec, new_rs, old_rss, old_pods_running):
    """rolloutRecreate: old ReplicaSets to 0, and the new one up once no old pod runs."""
    plan = {r["metadata"]["name"]: 0 for r in old_rss if spec_replicas(r)}
    if not plan and not old_pods_running and new_rs is not None and \
            spec_replicas(new_rs) != int(spec.get("replicas", 1)):
        plan[new_rs["metadata"]["name"]] = int(spec.get("replicas", 1))
    return plan


def admit(obj):
    """The API server's defaulting (pkg/apis/apps/v1/defaults.go SetDefaults_Deployment) and
    the validation above, on a Deployment being written: the errors, or [] with `obj`
    defaulted in place."""
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return []
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            ru = strategy.setdefault("rollingUpdate", {})
            if isinstance(ru, dict):
                ru.setdefault("maxSurge", "25%")
                ru.setdefault("maxUnavailable", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE)
    errors = validate(spec)
    pds = spec.get("progressDeadlineSeconds")
    if isinstance(pds, int) and pds <= int(spec.get("minReadySeconds", 0) or 0):
        errors.append(f"spec.progressDeadlineSeconds: Invalid value: {pds}: must be greater "
                      f"than minReadySeconds")
    return errors


def invalid_message(name, errors):
    """The 422 Status message (apierrors.NewInvalid)."""
    listed = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return f'Deployment.apps "{name}" is invalid: {listed}'
