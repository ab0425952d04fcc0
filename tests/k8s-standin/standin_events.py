"""TEST DOUBLE: the kubelet's events about a pod's containers, as a real kubelet records them.

Mirrored (kubernetes/kubernetes):
- pkg/kubelet/images/image_manager.go EnsureImageExists: with imagePullPolicy Never and no
  image, Warning `ErrImageNeverPull` 'Container image "IMAGE" is not present with pull policy
  of Never'; a failed pull, Warning `Failed` 'Failed to pull image "IMAGE": ERROR'; during the
  pull back-off, Normal `BackOff` 'Back-off pulling image "IMAGE"'.
- pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer: when the image or the
  container's config fails, Warning `Failed` 'Error: REASON' (the waiting reason, or the config
  error's text).
- pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff: Warning `BackOff` 'Back-off
  restarting failed container NAME in pod POD_NAMESPACE(UID)' (format.Pod).
- The pod worker syncs a pod whose sync failed again after backOffPeriod, 10 s
  (pkg/kubelet/kubelet.go), so the same event repeats at most every 10 s here.
- client-go tools/record/events_cache.go: a repeat of an event (same source, object, type,
  reason, message: getEventKey) is not a new Event but the same one PATCHed with count+1 and a
  new lastTimestamp; EventSourceObjectSpamFilter lets 25 events through per source and object
  and then one per 5 minutes (defaultSpamBurst, defaultSpamQPS); the cache keeps 4096 keys
  (maxLruCacheEntries). The Event is named OBJECT.<hex nanoseconds> (events.go makeEvent).
Events are best effort, as in the real recorder: a failure to write one is dropped.
"""
import time

REPEAT = 10.0  # backOffPeriod
BURST, REFILL = 25, 300.0  # defaultSpamBurst, 1 / defaultSpamQPS
CACHE = 4096  # maxLruCacheEntries


def now_rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Recorder:
    """The kubelet's event recorder for one node (source component `kubelet`, host NODE)."""

    def __init__(self, host, clock=time.time):
        self.host, self.clock = host, clock
        self.noted = {}  # (uid, container, reason, message) -> last time noted
        self.seen = {}  # event key -> {"name", "count", "first"}
        self.tokens = {}  # spam key -> (tokens, at)

    def container_event(self, pod, container, type_, reason, message):
        """An event about one container of `pod`; returned as (path, method, body) or None
        when it is held back (a repeat within REPEAT, or the spam filter)."""
        meta = pod.get("metadata") or {}
        mark = (meta.get("uid"), container, reason, message)
        t = self.clock()
        if t - self.noted.get(mark, -1e18) < REPEAT:
            return None
        self.noted[mark] = t
        obj = {"kind": "Pod", "namespace": meta.get("namespace"), "name": meta.get("name"),
               "uid": meta.get("uid"), "apiVersion": "v1",
               "fieldPath": f"spec.containers{{{container}}}"}
        return self.event(obj, type_, reason, message, t)

    def allow(self, obj, type_, t):
        key = ("kubelet", self.host, obj["kind"], obj["namespace"], obj["name"], obj["uid"],
               obj["apiVersion"], type_)
        tokens, at = self.tokens.get(key, (float(BURST), t))
        tokens = min(float(BURST), tokens + (t - at) / REFILL)
        if tokens < 1:
            self.tokens[key] = (tokens, t)
            return False
        self.tokens[key] = (tokens - 1, t)
        return True

    def event(self, obj, type_, reason, message, t):
        if not self.allow(obj, type_, t):
            return None
        key = ("kubelet", self.host, obj["kind"], obj["namespace"], obj["name"],
               obj["fieldPath"], obj["uid"], obj["apiVersion"], type_, reason, message)
        base = f"/api/v1/namespaces/{obj['namespace']}/events"
        stamp = now_rfc3339(t)
        prev = self.seen.get(key)
        if prev is not None:
            prev["count"] += 1
            return (f"{base}/{prev['name']}", "PATCH",
                    {"count": prev["count"], "lastTimestamp": stamp, "message": message})
        if len(self.seen) >= CACHE:
            self.seen.pop(next(iter(self.seen)))
        name = f"{obj['name']}.{int(t * 1e9):x}"
        self.seen[key] = {"name": name, "count": 1}
        return (base, "POST", {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": obj["namespace"]},
            "involvedObject": obj, "reason": reason, "message": message, "type": type_,
            "source": {"component": "kubelet", "host": self.host},
            "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1,
            "reportingComponent": "kubelet", "reportingInstance": self.host})

    def forget(self, key_of_path):
        """The Event was gone (404 on the PATCH): the next repeat makes a new one."""
        for key, prev in list(self.seen.items()):
            if key_of_path.endswith("/" + prev["name"]):
                self.seen.pop(key)


def container_events(wait, image, container, pod):
    """What the kubelet records for a container that waits with (reason, message)."""
    reason, message = wait
    if reason == "ErrImageNeverPull":
        return [("Warning", "ErrImageNeverPull", message), ("Warning", "Failed",
                                                              "Error: ErrImageNeverPull")]
    if reason == "ErrImagePull":
        return [("Warning", "Failed", f'Failed to pull image "{image}": {message}'),
                ("Warning", "Failed", "Error: ErrImagePull")]
    if reason == "ImagePullBackOff":
        return [("Normal", "BackOff", message), ("Warning", "Failed", "Error: ImagePullBackOff")]
    if reason == "CrashLoopBackOff":
        meta = pod.get("metadata") or {}
        return [("Warning", "BackOff", f"Back-off restarting failed container {container} in "
                                       f"pod {meta.get('name')}_{meta.get('namespace')}"
                                       f"({meta.get('uid')})")]
    if reason == "CreateContainerConfigError":
        return [("Warning", "Failed", f"Error: {message}")]
    return []


def send(client, recorder, event):
    """Writes one event; best effort."""
    path, method, body = event
    try:
        if method == "POST":
            client.call("POST", path, body)
        else:
            client.call("PATCH", path, body, content_type="application/merge-patch+json")
    except Exception as e:  # the real recorder drops an event it cannot write
        if getattr(e, "code", None) == 404:
            recorder.forget(path)
