"""TEST DOUBLE: ConfigMaps and Secrets as a pod's environment and as its volumes, as the real
kubelet gives them to containers. Each part mirrors upstream (kubernetes/kubernetes):

- Environment (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables): `envFrom` first (each
  source's keys, with its `prefix`; keys that are not valid variable names are skipped), then
  `env` (`value` with $(VAR) expansion, `valueFrom.configMapKeyRef`/`secretKeyRef`/`fieldRef`),
  later entries overriding earlier ones. Resolved once, when the container is created: a
  changed ConfigMap reaches the environment only when the container is made again (a restart,
  `kubectl rollout restart`). A missing source or key fails the container with
  CreateContainerConfigError and the kubelet's own text (`configmap "x" not found`,
  `couldn't find key k in ConfigMap ns/x`; the kubelet's object managers report NotFound with
  the singular resource, pkg/kubelet/configmap/configmap_manager.go and
  pkg/kubelet/secret/secret_manager.go), unless the reference is `optional: true`. Secret values
  are the base64-decoded bytes.
- Volumes (pkg/volume/configmap/configmap.go, pkg/volume/secret/secret.go SetUpAt and
  MakePayload; pkg/volume/util/atomic_writer.go): the files live on the node under
  /var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~configmap|secret/<volume>, which CRI
  bind-mounts into the container. They are written as AtomicWriter does: the payload goes into
  a new hidden timestamped directory `..<timestamp>`, a symlink `..data_tmp` to it is renamed
  over `..data`, each key is a symlink `<key> -> ..data/<key>`, and the old directory is
  removed, so a reader sees the old or the new set of files, never a mix. `items` choose keys
  and paths (a missing key: `configmap references non-existent config key: k`), `defaultMode`
  and per-item `mode` set permissions (default 0644). A missing source keeps the pod in
  ContainerCreating (`MountVolume.SetUp failed for volume "v" : configmap "x" not found`)
  unless optional, in which case the volume is empty.
- Updates: the real kubelet rewrites a mounted ConfigMap or Secret when it syncs the pod again,
  every `syncFrequency` (KubeletConfiguration, default 1m) plus the object cache's delay, so a
  change shows in the file within about 60-90 s. The stand-in rewrites at most every
  `syncFrequency` too, but its default is 5s (the test node image's stand-in only, so the
  tests stay short), and `STANDIN_CONFIG_SYNC` (a Go duration) overrides both.
- Secrets' volumes: the real kubelet mounts a tmpfs (an emptyDir with medium Memory) so secret
  files never reach the node's disk; the stand-in mounts a tmpfs as well when it can (in the
  test nodes it can), and removes it with the pod.

Stand-in differences: no `binaryData`, no `immutable` caching, no `subPath` (whose files never
update on a real kubelet either), no projected volumes, file ownership is root's.
"""
import base64
import os
import re
import shutil
import subprocess
import time

from standin_common import parse_duration

PODS_ROOT = "/var/lib/kubelet/pods"
DEFAULT_SYNC = 5.0  # stand-in default; the real kubelet's syncFrequency defaults to 1m
CONFIG_ERROR = "CreateContainerConfigError"
KINDS = {"configMap": ("configmaps", "configmap", "ConfigMap"),
         "secret": ("secrets", "secret", "Secret")}
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")  # validation.IsEnvVarName


class ConfigError(Exception):
    """A container cannot be configured: the kubelet's CreateContainerConfigError."""


class MountError(Exception):
    """A volume cannot be set up: the pod waits in ContainerCreating."""


def sync_period(kubelet_config):
    env = os.environ.get("STANDIN_CONFIG_SYNC")
    if env:
        return parse_duration(env, DEFAULT_SYNC)
    return parse_duration((kubelet_config or {}).get("syncFrequency"), DEFAULT_SYNC)


# -- the API server's side ---------------------------------------------------------------------
def admit_secret(obj):
    """What the API server does with a Secret before storing it (pkg/apis/core/v1/conversion.go
    Convert_v1_Secret_To_core_Secret): each stringData key is written into data, base64-encoded,
    over data's own, and stringData, write-only, is dropped. data must be base64 (the JSON
    decoding of []byte), else the request is refused. Returns an error text or None."""
    data = obj.get("data") or {}
    if not isinstance(data, dict):
        return "data: must be a map of base64 strings"
    for k, v in data.items():
        try:
            base64.b64decode(str(v), validate=True)
        except ValueError:
            return (f'Secret in version "v1" cannot be handled as a Secret: illegal base64 data '
                    f'at key {k}')
    string_data = obj.pop("stringData", None) or {}
    if not isinstance(string_data, dict):
        return "stringData: must be a map of strings"
    for k, v in string_data.items():
        data[k] = base64.b64encode(str(v).encode()).decode()
    if data:
        obj["data"] = data
    return None


# -- which objects a pod uses ------------------------------------------------------------------
def references(pod):
    """{(plural, name)} of every ConfigMap and Secret the pod's env, envFrom and volumes name."""
    spec = pod.get("spec") or {}
    out = set()
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for e in c.get("envFrom") or []:
            for field, (plural, _, _) in (("configMapRef", KINDS["configMap"]),
                                          ("secretRef", KINDS["secret"])):
                if field in e:
                    out.add((plural, (e[field] or {}).get("name", "")))
        for e in c.get("env") or []:
            vf = e.get("valueFrom") or {}
            for field, (plural, _, _) in (("configMapKeyRef", KINDS["configMap"]),
                                          ("secretKeyRef", KINDS["secret"])):
                if field in vf:
                    out.add((plural, (vf[field] or {}).get("name", "")))
    for v in spec.get("volumes") or []:
        if "configMap" in v:
            out.add(("configmaps", (v["configMap"] or {}).get("name", "")))
        if "secret" in v:
            out.add(("secrets", (v["secret"] or {}).get("secretName", "")))
    return out


def fetch(pod, get):
    """The pod's sources as {(plural, name): object or None (not found)}; `get(path)` reads the
    API and raises an error with `.code == 404` for a missing object."""
    ns = (pod.get("metadata") or {}).get("namespace", "default")
    found = {}
    for plural, name in references(pod):
        try:
            found[(plural, name)] = get(f"/api/v1/namespaces/{ns}/{plural}/{name}")
        except Exception as e:
            if getattr(e, "code", None) != 404:
                raise
            found[(plural, name)] = None
    return found


def data_of(obj, plural):
    """Key -> bytes: a ConfigMap's data as UTF-8, a Secret's data base64-decoded."""
    out = {}
    for k, v in ((obj or {}).get("data") or {}).items():
        if plural == "secrets":
            try:
                out[k] = base64.b64decode(str(v), validate=True)
            except ValueError as e:  # the API server refuses this; never trust it here
                raise ConfigError(f"secret key {k} is not valid base64: {e}") from e
        else:
            out[k] = str(v).encode()
    return out


def not_found(plural, name):
    return f'{KINDS["configMap" if plural == "configmaps" else "secret"][1]} "{name}" not found'


# -- environment -------------------------------------------------------------------------------
def environment(pod, container, sources, field_ref, expand):
    """The container's environment as an ordered dict; raises ConfigError as the kubelet
    would. `field_ref(path)` gives a fieldRef's value, `expand(s, env)` does $(VAR)."""
    ns = (pod.get("metadata") or {}).get("namespace", "default")
    env = {}
    for e in container.get("envFrom") or []:
        field = "configMapRef" if "configMapRef" in e else "secretRef"
        ref = e.get(field) or {}
        plural = "configmaps" if field == "configMapRef" else "secrets"
        obj = sources.get((plural, ref.get("name", "")))
        if obj is None:
            if ref.get("optional"):
                continue
            raise ConfigError(not_found(plural, ref.get("name", "")))
        for k, v in sorted(data_of(obj, plural).items()):
            name = e.get("prefix", "") + k
            if ENV_NAME.match(name):  # invalid names are skipped (with an event upstream)
                env[name] = v.decode(errors="replace")
    for e in container.get("env") or []:
        vf = e.get("valueFrom")
        if not vf:
            env[e.get("name")] = expand(str(e.get("value", "")), env)
            continue
        if "fieldRef" in vf:
            env[e.get("name")] = field_ref((vf["fieldRef"] or {}).get("fieldPath"))
            continue
        field = "configMapKeyRef" if "configMapKeyRef" in vf else "secretKeyRef"
        if field not in vf:
            continue  # resourceFieldRef: not modelled
        ref = vf[field] or {}
        plural = "configmaps" if field == "configMapKeyRef" else "secrets"
        name, key = ref.get("name", ""), ref.get("key", "")
        obj = sources.get((plural, name))
        if obj is None:
            if ref.get("optional"):
                continue
            raise ConfigError(not_found(plural, name))
        data = data_of(obj, plural)
        if key not in data:
            if ref.get("optional"):
                continue
            kind = "ConfigMap" if plural == "configmaps" else "Secret"
            raise ConfigError(f"couldn't find key {key} in {kind} {ns}/{name}")
        env[e.get("name")] = data[key].decode(errors="replace")
    return env


# -- volumes -----------------------------------------------------------------------------------
def payload(volume, sources):
    """{relative path: (bytes, mode)} for one configMap/secret volume (MakePayload)."""
    kind = "configMap" if "configMap" in volume else "secret"
    src = volume.get(kind) or {}
    plural, singular, _ = KINDS[kind]
    name = src.get("name" if kind == "configMap" else "secretName", "")
    obj = sources.get((plural, name))
    if obj is None:
        if src.get("optional"):
            return {}
        raise MountError(f'MountVolume.SetUp failed for volume "{volume.get("name")}" : '
                         f'{not_found(plural, name)}')
    data = data_of(obj, plural)
    mode = src.get("defaultMode", 0o644)
    items = src.get("items")
    if not items:
        return {k: (v, mode) for k, v in data.items()}
    out = {}
    for it in items:
        key = it.get("key", "")
        if key not in data:
            if src.get("optional"):
                continue
            what = "config" if kind == "configMap" else "secret"
            raise MountError(f'MountVolume.SetUp failed for volume "{volume.get("name")}" : '
                             f'{singular} references non-existent {what} key: {key}')
        out[it.get("path", key)] = (data[key], it.get("mode", mode))
    return out


def safe_relative(path):
    """AtomicWriter's validatePath: relative, no '..' element, not starting with '..'."""
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and not path.startswith("..") and \
        ".." not in parts and all(parts)


def current(target):
    """What ..data now holds, {relative path: (bytes, mode)}, or None when never written."""
    data = os.path.join(target, "..data")
    if not os.path.islink(data):
        return None
    out = {}
    for root, _, files in os.walk(os.path.realpath(data)):
        for f in files:
            full = os.path.join(root, f)
            with open(full, "rb") as fh:
                out[os.path.relpath(full, os.path.realpath(data))] = (
                    fh.read(), os.stat(full).st_mode & 0o777)
    return out


def atomic_write(target, files, now=None):
    """AtomicWriter.Write: returns True when it changed anything."""
    for rel in files:
        if not safe_relative(rel):
            raise MountError(f"invalid path {rel!r}: must be relative and may not contain '..'")
    if current(target) == files:
        return False
    stamp = time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime(now)) + \
        f"{time.time_ns() % 10**9:09d}"
    tsdir = os.path.join(target, stamp)
    os.makedirs(tsdir)
    for rel, (content, mode) in files.items():
        full = os.path.join(tsdir, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(content)
        os.chmod(full, mode)
    data = os.path.join(target, "..data")
    old = os.readlink(data) if os.path.islink(data) else None
    tmp = os.path.join(target, "..data_tmp")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(stamp, tmp)
    os.replace(tmp, data)
    top = {rel.split("/")[0] for rel in files}
    for entry in os.listdir(target):  # the user-visible links, one per top-level name
        if entry.startswith(".."):
            continue
        if entry not in top and os.path.islink(os.path.join(target, entry)):
            os.unlink(os.path.join(target, entry))
    for name in top:
        link = os.path.join(target, name)
        if not os.path.lexists(link):
            os.symlink(os.path.join("..data", name), link)
    if old and old != stamp:
        shutil.rmtree(os.path.join(target, old), ignore_errors=True)
    return True


def volume_dir(uid, volume, root=PODS_ROOT):
    kind = "configmap" if "configMap" in volume else "secret"
    return f"{root}/{uid}/volumes/kubernetes.io~{kind}/{volume.get('name')}"


def mount_tmpfs(path):
    """The secret volume's memory-backed mount; False when this node cannot mount."""
    if subprocess.run(["mountpoint", "-q", path], capture_output=True).returncode == 0:
        return True
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", path],
                          capture_output=True).returncode == 0


class Volumes:
    """The kubelet's configMap/secret volume plugins for one node."""

    def __init__(self, kubelet_config=None, root=PODS_ROOT, tmpfs=mount_tmpfs, clock=time.time):
        self.period = sync_period(kubelet_config)
        self.root, self.tmpfs, self.clock = root, tmpfs, clock
        self.synced = {}  # volume dir -> when it was last written

    def set_up(self, uid, pod, sources):
        """Write every configMap/secret volume of the pod whose sync period has passed (or that
        was never written). Raises MountError with the kubelet's FailedMount text."""
        for v in (pod.get("spec") or {}).get("volumes") or []:
            if "configMap" not in v and "secret" not in v:
                continue
            target = volume_dir(uid, v, self.root)
            last = self.synced.get(target)
            if last is not None and self.clock() - last < self.period:
                continue
            files = payload(v, sources)
            os.makedirs(target, exist_ok=True)
            if "secret" in v and last is None:
                self.tmpfs(target)
            atomic_write(target, files)
            self.synced[target] = self.clock()

    def clean(self, live_uids):
        """Remove the configMap/secret volumes of pods that are gone (the kubelet's
        cleanupOrphanedPodDirs), unmounting secrets' tmpfs first."""
        try:
            uids = os.listdir(self.root)
        except OSError:
            return
        for uid in uids:
            if uid in live_uids:
                continue
            for kind in ("configmap", "secret"):
                base = f"{self.root}/{uid}/volumes/kubernetes.io~{kind}"
                if not os.path.isdir(base):
                    continue
                for name in os.listdir(base):
                    path = os.path.join(base, name)
                    subprocess.run(["umount", path], capture_output=True)
                    shutil.rmtree(path, ignore_errors=True)
                    self.synced.pop(path, None)
                shutil.rmtree(base, ignore_errors=True)
            for d in (f"{self.root}/{uid}/volumes", f"{self.root}/{uid}"):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
