"""TEST DOUBLE: the kubelet's two back-offs, image pulls and crashed containers.

Mirrored (kubernetes/kubernetes):
- pkg/kubelet/images/image_manager.go EnsureImageExists: a pull the policy asks for goes to the
  runtime (CRI PullImage on the node's REAL containerd: with no registry reachable it fails
  exactly as a mistyped tag does), the failure is ErrImagePull with the runtime's error text,
  and until the back-off passes the container waits in ImagePullBackOff with
  'Back-off pulling image "IMAGE"'; the back-off is per pod and image, 10 s doubling to 300 s
  (pkg/kubelet/kubelet.go: imageBackOffPeriod, MaxContainerBackOff).
- pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff and client-go's flowcontrol.Backoff:
  a container that exited is started again at once the first time; after that it waits in
  CrashLoopBackOff until `backoff` has passed since it finished, the back-off doubling from
  10 s to 300 s; 'back-off 10s restarting failed container=NAME pod=POD_NAMESPACE(UID)'.
  An entry unused for twice the maximum is forgotten.
Pulls run in their own threads (the real kubelet's pod workers are parallel), so one slow pull
never holds the other pods' status.
"""
import threading
import time

from standin_cri import CriError

INITIAL, MAXIMUM = 10.0, 300.0


class Backoff:
    """flowcontrol.Backoff."""

    def __init__(self, initial=INITIAL, maximum=MAXIMUM, clock=time.time):
        self.initial, self.maximum, self.clock = initial, maximum, clock
        self.entries = {}  # key -> [backoff seconds, last update]

    def expired(self, key, event_time):
        e = self.entries.get(key)
        return e is None or event_time - e[1] > 2 * self.maximum

    def in_backoff_since(self, key, event_time):
        e = self.entries.get(key)
        if e is None or self.expired(key, event_time):
            return False
        return self.clock() - event_time < e[0]

    def next(self, key, event_time):
        e = self.entries.get(key)
        if e is None or self.expired(key, event_time):
            self.entries[key] = [self.initial, self.clock()]
        else:
            e[0], e[1] = min(e[0] * 2, self.maximum), self.clock()

    def get(self, key):
        e = self.entries.get(key)
        return e[0] if e else 0.0


class CrashBackoff(Backoff):
    def restart_now(self, key, finished_at):
        """True: start the container again (and note it); False: it waits in
        CrashLoopBackOff."""
        if self.in_backoff_since(key, finished_at):
            return False
        self.next(key, finished_at)
        return True

    def message(self, key, container, pod):
        meta = pod.get("metadata") or {}
        secs = int(self.get(key))
        shown = f"{secs // 60}m{secs % 60}s" if secs >= 60 else f"{secs}s"
        return (f"back-off {shown} restarting failed container={container} "
                f"pod={meta.get('name')}_{meta.get('namespace')}({meta.get('uid')})")


class ImagePuller:
    """Pulls through CRI in the background; what the container waits on meanwhile."""

    def __init__(self, cri, clock=time.time, start_thread=True):
        self.cri, self.clock = cri, clock
        self.backoff = Backoff(clock=clock)
        self.state = {}  # (uid, image) -> {"pulling", "error", "reported", "failed_at"}
        self.lock = threading.RLock()
        self.start_thread = start_thread

    def _pull(self, key, image):
        try:
            self.cri.pull(image)
            error = None
        except CriError as e:
            error = str(e)
        except Exception as e:  # never leave a pull "in progress" for ever
            error = f"pull failed: {e}"
        with self.lock:
            st = self.state[key]
            st.update(pulling=False, error=error, reported=False, failed_at=self.clock())
            if error:
                self.backoff.next(key, self.clock())

    def begin(self, key, image):
        self.state[key]["pulling"] = True
        if self.start_thread:
            threading.Thread(target=self._pull, args=(key, image), daemon=True).start()
        else:
            self._pull(key, image)

    def ensure(self, uid, image, policy, present):
        """None when the container may be created; else (reason, message) it waits with."""
        if policy == "Never":
            return None if present else (
                "ErrImageNeverPull",
                f'Container image "{image}" is not present with pull policy of Never')
        key = (uid, image)
        with self.lock:
            st = self.state.get(key)
            if present and policy != "Always":
                self.state.pop(key, None)
                return None
            if st is None:
                st = self.state[key] = {"pulling": False, "error": None, "reported": True,
                                        "shown": ("ContainerCreating", None)}
                self.begin(key, image)
                st = self.state[key]
            if st["pulling"]:
                return st["shown"]
            if st["error"] is None:  # pulled: the image is there now
                self.state.pop(key, None)
                return None
            if not st["reported"]:  # the failed pull's own sync result
                st["reported"] = True
                st["shown"] = ("ErrImagePull", st["error"])
                return st["shown"]
            if self.backoff.in_backoff_since(key, st["failed_at"]):
                st["shown"] = ("ImagePullBackOff", f'Back-off pulling image "{image}"')
                return st["shown"]
            self.begin(key, image)  # back-off over: pull again, still shown as before
            return st["shown"]

    def forget(self, uids):
        with self.lock:
            for key in [k for k in self.state if k[0] not in uids]:
                self.state.pop(key)
