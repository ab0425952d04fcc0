"""TEST DOUBLE: claims, volumes and the local-path provisioner minik installs
(node-image/manifests/default-storage.yaml: StorageClass `standard`, provisioner
`rancher.io/local-path`, volumeBindingMode WaitForFirstConsumer, reclaimPolicy Delete), so a
PersistentVolumeClaim behaves as on a real cluster. Each part mirrors one upstream component:

- DefaultStorageClass admission (plugin/pkg/admission/storage/storageclass/setdefault/
  admission.go): a claim created without storageClassName gets the class annotated
  `storageclass.kubernetes.io/is-default-class: "true"`; a new claim's phase is Pending.
- The scheduler's VolumeBinding plugin (pkg/scheduler/framework/plugins/volumebinding/
  volume_binding.go, binder.go): PreFilter refuses a pod whose claim does not exist
  (`persistentvolumeclaim "x" not found`), is being deleted, names a missing StorageClass, or is
  unbound in Immediate mode (`pod has unbound immediate PersistentVolumeClaims`); Filter drops
  the nodes a bound claim's PersistentVolume's node affinity excludes (`node(s) didn't match
  PersistentVolume's node affinity`); for an unbound WaitForFirstConsumer claim it picks the node
  and writes it into the claim's annotation `volume.kubernetes.io/selected-node`
  (AssumePodVolumes/BindPodVolumes), and PreBind binds the pod only once the claim is Bound.
- The PersistentVolume controller (pkg/controller/volume/persistentvolume/pv_controller.go): the
  claim's `WaitForFirstConsumer` and `ExternalProvisioning` events (same texts), the
  `volume.kubernetes.io/storage-provisioner` annotation, binding (claimRef, volumeName,
  `pv.kubernetes.io/bind-completed`, phases Bound), and Released once the claim is gone.
- rancher/local-path-provisioner (provisioner.go Provision/Delete/createHelperPod), as the
  ConfigMap `local-path-config` configures it: only ReadWriteOnce, no claim selector; the volume
  is `<base>/pvc-<claim uid>_<namespace>_<claim>` on the selected node, made and removed by a
  helper pod (`helper-pod-create-<pv>` / `helper-pod-delete-<pv>`, nodeName set, restartPolicy
  Never, the parent directory as a hostPath volume, VOL_DIR/VOL_MODE/VOL_SIZE_BYTES) running
  the ConfigMap's setup/teardown script on that node's containerd; the PersistentVolume is a
  hostPath (DirectoryOrCreate) pinned to the node by `kubernetes.io/hostname` node affinity;
  reclaimPolicy Delete removes the directory, then the PersistentVolume. The provisioner acts
  only while its own pod (`app=local-path-provisioner`) is Running, as the real one would.
  Stand-in difference: the script is passed inline (`sh -c`), since the stand-in's configMap
  volumes are empty directories.
- The kubelet's volume manager (pkg/kubelet/volumemanager): a pod's claim is mounted as the
  bound PersistentVolume's path (`resolve_claims`); while the claim is unbound or its volume
  missing, the pod waits in ContainerCreating.

Not modelled: the `kubernetes.io/pvc-protection` finalizer (a claim in use is deleted at once),
volume expansion, access-mode conflicts between pods, CSI.
"""
import copy
import json
import time

import yaml

LOCAL_PATH = "rancher.io/local-path"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
HOSTNAME_LABEL = "kubernetes.io/hostname"
PROVISIONER_NS = "local-path-storage"
CONFIG_MAP = "local-path-config"
DEFAULT_BASE = "/var/local-path-provisioner"
DEFAULT_HELPER_IMAGE = "docker.io/kindest/local-path-helper:v20260131-7181c60a"
# helper pod names are cut to this length (provisioner.go HelperPodNameMaxLength)
HELPER_NAME_MAX = 128

WAIT_FOR_FIRST_CONSUMER = "waiting for first consumer to be created before binding"
EXTERNAL_PROVISIONING = ("Waiting for a volume to be created either by the external provisioner "
                         "'{p}' or manually by the system administrator. If volume creation is "
                         "delayed, please verify that the provisioner is running and correctly "
                         "registered.")


def now_ts():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def meta(o):
    return o.get("metadata") or {}


def annotations(o):
    return meta(o).get("annotations") or {}


def claim_names(pod_spec):
    return [(v.get("persistentVolumeClaim") or {}).get("claimName", "")
            for v in (pod_spec or {}).get("volumes") or [] if "persistentVolumeClaim" in v]


def default_class(classes):
    """The default StorageClass, the newest when several are marked (setdefault admission)."""
    marked = [c for c in classes if annotations(c).get(DEFAULT_CLASS) == "true"]
    marked.sort(key=lambda c: (meta(c).get("creationTimestamp", ""), meta(c).get("name", "")))
    return marked[-1] if marked else None


def admit_claim(store, pvc):
    """DefaultStorageClass admission on create, and the phase a new claim starts in."""
    spec = pvc.setdefault("spec", {})
    if spec.get("storageClassName") is None:
        sc = default_class(store.list("storage.k8s.io", "storageclasses"))
        if sc is not None:
            spec["storageClassName"] = meta(sc)["name"]
    spec.setdefault("volumeMode", "Filesystem")
    pvc["status"] = {"phase": "Pending"}


def admit_volume(pv):
    pv.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    pv["status"] = {"phase": "Pending"}


def term_matches(term, node):
    labels = meta(node).get("labels") or {}
    for e in term.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        ok = {"In": key in labels and labels[key] in values,
              "NotIn": labels.get(key) not in values,
              "Exists": key in labels,
              "DoesNotExist": key not in labels}.get(op, False)
        if not ok:
            return False
    for f in term.get("matchFields") or []:
        if f.get("key") != "metadata.name" or f.get("operator") != "In" or \
                meta(node).get("name") not in (f.get("values") or []):
            return False
    return bool(term.get("matchExpressions") or term.get("matchFields"))


def affinity_allows(pv, node):
    """component-helpers' nodeaffinity: any term matches (terms are ORed, expressions ANDed)."""
    required = ((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required")
    if not required:
        return True
    return any(term_matches(t, node) for t in required.get("nodeSelectorTerms") or [])


def pv_node(pv):
    """The node a local-path volume lives on (provisioner.go getPathAndNodeForPV)."""
    required = ((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {}
    for term in required.get("nodeSelectorTerms") or []:
        for e in term.get("matchExpressions") or []:
            if e.get("key") == HOSTNAME_LABEL and e.get("operator") == "In" and \
                    len(e.get("values") or []) == 1:
                return e["values"][0]
    return None


class Binding:
    """The scheduler's VolumeBinding plugin for one scheduling pass."""

    def __init__(self, api):
        self.api = api
        self.claims = {(meta(c)["namespace"], meta(c)["name"]): c
                       for c in api.store.list("", "persistentvolumeclaims")}
        self.volumes = {meta(v)["name"]: v for v in api.store.list("", "persistentvolumes")}
        self.classes = {meta(c)["name"]: c
                        for c in api.store.list("storage.k8s.io", "storageclasses")}
        self.res = api.find("", "v1", "persistentvolumeclaims")

    def pod_claims(self, pod):
        ns = meta(pod).get("namespace")
        return [(n, self.claims.get((ns, n))) for n in claim_names(pod.get("spec"))]

    def prefilter(self, pod):
        """None, or why no node can take the pod (PreFilter, UnschedulableAndUnresolvable)."""
        for name, pvc in self.pod_claims(pod):
            if pvc is None:
                return f'persistentvolumeclaim "{name}" not found'
            if meta(pvc).get("deletionTimestamp"):
                return f'persistentvolumeclaim "{name}" is being deleted'
            if (pvc.get("spec") or {}).get("volumeName"):
                continue
            cls = (pvc.get("spec") or {}).get("storageClassName") or ""
            sc = self.classes.get(cls)
            if sc is None:
                return f'storageclass.storage.k8s.io "{cls}" not found'
            if sc.get("volumeBindingMode", "Immediate") != "WaitForFirstConsumer":
                return "pod has unbound immediate PersistentVolumeClaims"
        return None

    def node_reason(self, pod, node):
        """Filter: None when the pod's bound volumes allow this node."""
        for _, pvc in self.pod_claims(pod):
            vol = (pvc.get("spec") or {}).get("volumeName") if pvc else None
            if not vol:
                continue
            pv = self.volumes.get(vol)
            if pv is None:
                return "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
            if not affinity_allows(pv, node):
                return "node(s) didn't match PersistentVolume's node affinity"
        return None

    def assumed_node(self, pod):
        """The node an earlier pass chose for the pod's unbound claims (its PreBind waits)."""
        for _, pvc in self.pod_claims(pod):
            if pvc and not (pvc.get("spec") or {}).get("volumeName"):
                chosen = annotations(pvc).get(SELECTED_NODE)
                if chosen:
                    return chosen
        return None

    def prebind(self, pod, node):
        """Marks every unbound claim with the chosen node; True once all are bound."""
        bound = True
        for _, pvc in self.pod_claims(pod):
            if (pvc.get("spec") or {}).get("volumeName"):
                continue
            bound = False
            if annotations(pvc).get(SELECTED_NODE) != node:
                pvc = copy.deepcopy(pvc)
                pvc["metadata"].setdefault("annotations", {})[SELECTED_NODE] = node
                self.api.update_obj(self.res, meta(pvc)["namespace"], meta(pvc)["name"], pvc,
                                    None)
        return bound


class Provisioner:
    """The PersistentVolume controller and local-path-provisioner, one pass."""

    def __init__(self, api):
        self.api = api
        self.pvc_res = api.find("", "v1", "persistentvolumeclaims")
        self.pv_res = api.find("", "v1", "persistentvolumes")
        self.pods_res = api.find("", "v1", "pods")
        self.events_res = api.find("", "v1", "events")

    # -- helpers -----------------------------------------------------------------------------
    def event(self, obj, kind, reason, message, type_="Normal", source="persistentvolume-controller"):
        """Records an event once per object, reason and message."""
        m = meta(obj)
        ns = m.get("namespace") or "default"
        for e in self.api.store.list("", "events", ns):
            if (e.get("involvedObject") or {}).get("uid") == m.get("uid") and \
                    e.get("reason") == reason and e.get("message") == message:
                return
        event = {"metadata": {"generateName": m.get("name", "") + "."},
                 "involvedObject": {"kind": kind, "name": m.get("name"), "namespace": ns,
                                    "uid": m.get("uid"), "apiVersion": "v1"},
                 "reason": reason, "type": type_, "message": message,
                 "firstTimestamp": now_ts(), "lastTimestamp": now_ts(), "count": 1,
                 "source": {"component": source}}
        try:
            self.api.create_obj(self.events_res, ns, event, None)
        except Exception:  # events are best effort, as in the real controllers
            pass

    def config(self):
        """The base path and helper pod from the ConfigMap local-path-config."""
        cm = self.api.store.get("", "configmaps", PROVISIONER_NS, CONFIG_MAP) or {}
        data = cm.get("data") or {}
        base, helper = DEFAULT_BASE, None
        try:
            for entry in json.loads(data.get("config.json") or "{}").get("nodePathMap") or []:
                if entry.get("node") == "DEFAULT_PATH_FOR_NON_LISTED_NODES" and entry.get("paths"):
                    base = entry["paths"][0].rstrip("/")
            helper = yaml.safe_load(data.get("helperPod.yaml") or "") or None
        except (ValueError, yaml.YAMLError):
            pass
        return base, helper, data.get("setup") or 'mkdir -m 0777 -p "$VOL_DIR"', \
            data.get("teardown") or 'rm -rf "$VOL_DIR"'

    def running(self):
        """Whether local-path-provisioner's own pod runs (nothing provisions otherwise)."""
        return any((p.get("status") or {}).get("phase") == "Running" and
                   (meta(p).get("labels") or {}).get("app") == "local-path-provisioner"
                   for p in self.api.store.list("", "pods", PROVISIONER_NS))

    def helper(self, action, pv_name, path, node, script, size):
        """The helper pod for `action` (create/delete): its phase, created if missing."""
        base, template, _, _ = self.config()
        name = f"helper-pod-{action}-{pv_name}"[:HELPER_NAME_MAX]
        pod = self.api.store.get("", "pods", PROVISIONER_NS, name)
        if pod is not None:
            return pod
        template = copy.deepcopy(template or {})
        spec = template.get("spec") or {}
        containers = spec.get("containers") or [{"name": "helper-pod",
                                                 "image": DEFAULT_HELPER_IMAGE}]
        c = dict(containers[0])
        parent = path.rsplit("/", 1)[0] or "/"
        c.update(command=["sh", "-c", script], args=[],
                 env=[{"name": "VOL_DIR", "value": path}, {"name": "VOL_MODE",
                                                          "value": "Filesystem"},
                      {"name": "VOL_SIZE_BYTES", "value": str(size)}],
                 volumeMounts=[{"name": "data", "mountPath": parent}])
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": PROVISIONER_NS,
                            "labels": dict(meta(template).get("labels") or {})},
               "spec": {"nodeName": node, "restartPolicy": "Never",
                        "serviceAccountName": "local-path-provisioner-service-account",
                        "tolerations": list(spec.get("tolerations") or []) +
                        [{"operator": "Exists"}],
                        "volumes": [{"name": "data", "hostPath": {
                            "path": parent, "type": "DirectoryOrCreate"}}],
                        "containers": [c]},
               "status": {"phase": "Pending"}}
        return self.api.create_obj(self.pods_res, PROVISIONER_NS, pod, None)

    def drop_helper(self, pod):
        try:
            self.api.delete_obj(self.pods_res, PROVISIONER_NS, meta(pod)["name"])
        except Exception:  # already gone
            pass

    # -- one pass ----------------------------------------------------------------------------
    def reconcile(self):
        classes = {meta(c)["name"]: c
                   for c in self.api.store.list("storage.k8s.io", "storageclasses")}
        volumes = self.api.store.list("", "persistentvolumes")
        for pvc in self.api.store.list("", "persistentvolumeclaims"):
            if not (pvc.get("spec") or {}).get("volumeName"):
                self.claim(pvc, classes, volumes)
        self.reclaim()

    def claim(self, pvc, classes, volumes):
        uid = meta(pvc).get("uid")
        ready = next((v for v in volumes
                      if ((v.get("spec") or {}).get("claimRef") or {}).get("uid") == uid), None)
        if ready is not None:
            self.bind(pvc, ready)
            return
        sc = classes.get((pvc.get("spec") or {}).get("storageClassName") or "")
        if sc is None:
            return
        node = annotations(pvc).get(SELECTED_NODE)
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not node:
            self.event(pvc, "PersistentVolumeClaim", "WaitForFirstConsumer",
                       WAIT_FOR_FIRST_CONSUMER)
            return
        provisioner = sc.get("provisioner", "")
        if annotations(pvc).get(STORAGE_PROVISIONER) != provisioner:
            pvc = copy.deepcopy(pvc)
            anns = pvc["metadata"].setdefault("annotations", {})
            anns[STORAGE_PROVISIONER] = anns[BETA_STORAGE_PROVISIONER] = provisioner
            pvc = self.api.update_obj(self.pvc_res, meta(pvc)["namespace"], meta(pvc)["name"],
                                      pvc, None)
        self.event(pvc, "PersistentVolumeClaim", "ExternalProvisioning",
                   EXTERNAL_PROVISIONING.format(p=provisioner))
        if provisioner == LOCAL_PATH and node and self.running():
            self.provision(pvc, sc, node)

    def provision(self, pvc, sc, node):
        spec, m = pvc.get("spec") or {}, meta(pvc)
        problem = None
        if spec.get("selector") is not None:
            problem = "claim.Spec.Selector is not supported"
        elif any(a != "ReadWriteOnce" for a in spec.get("accessModes") or []):
            problem = "Only support ReadWriteOnce access mode"
        if problem:
            self.event(pvc, "PersistentVolumeClaim", "ProvisioningFailed",
                       f'failed to provision volume with StorageClass "{meta(sc)["name"]}": '
                       f"{problem}", "Warning", f"{LOCAL_PATH}_local-path-provisioner")
            return
        base, _, setup, _ = self.config()
        pv_name = f"pvc-{m['uid']}"
        path = f"{base}/{pv_name}_{m['namespace']}_{m['name']}"
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "0")
        helper = self.helper("create", pv_name, path, node, setup, size_bytes(storage))
        phase = (helper.get("status") or {}).get("phase")
        if phase == "Failed":
            self.drop_helper(helper)
            return
        if phase != "Succeeded":
            return
        self.drop_helper(helper)
        node_obj = self.api.store.get("", "nodes", None, node) or {}
        host_label = (meta(node_obj).get("labels") or {}).get(HOSTNAME_LABEL, node)
        pv = {"apiVersion": "v1", "kind": "PersistentVolume",
              "metadata": {"name": pv_name, "annotations": {
                  PROVISIONED_BY: LOCAL_PATH, "local.path.provisioner/selected-node": node}},
              "spec": {"persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                       "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
                       "volumeMode": "Filesystem", "capacity": {"storage": storage},
                       "storageClassName": meta(sc)["name"],
                       "hostPath": {"path": path, "type": "DirectoryOrCreate"},
                       "claimRef": {"kind": "PersistentVolumeClaim", "apiVersion": "v1",
                                    "namespace": m["namespace"], "name": m["name"],
                                    "uid": m["uid"],
                                    "resourceVersion": m.get("resourceVersion")},
                       "nodeAffinity": {"required": {"nodeSelectorTerms": [{
                           "matchExpressions": [{"key": HOSTNAME_LABEL, "operator": "In",
                                                 "values": [host_label]}]}]}}}}
        pv = self.api.create_obj(self.pv_res, None, pv, None)
        self.event(pvc, "PersistentVolumeClaim", "ProvisioningSucceeded",
                   f"Successfully provisioned volume {pv_name}", "Normal",
                   f"{LOCAL_PATH}_local-path-provisioner")
        self.bind(pvc, pv)

    def bind(self, pvc, pv):
        m = meta(pvc)
        pv_status = {"phase": "Bound"}
        if pv.get("status") != pv_status:
            self.api.update_obj(self.pv_res, None, meta(pv)["name"],
                                dict(copy.deepcopy(pv), status=pv_status), "status")
        pvc = copy.deepcopy(pvc)
        pvc["spec"]["volumeName"] = meta(pv)["name"]
        anns = pvc["metadata"].setdefault("annotations", {})
        anns["pv.kubernetes.io/bind-completed"] = "yes"
        anns["pv.kubernetes.io/bound-by-controller"] = "yes"
        pvc = self.api.update_obj(self.pvc_res, m["namespace"], m["name"], pvc, None)
        spec = pv.get("spec") or {}
        self.api.update_obj(self.pvc_res, m["namespace"], m["name"], dict(pvc, status={
            "phase": "Bound", "accessModes": list(spec.get("accessModes") or []),
            "capacity": dict(spec.get("capacity") or {})}), "status")

    def reclaim(self):
        """Volumes whose claim is gone: Released; Delete removes the directory, then the PV."""
        claims = {meta(c).get("uid") for c in self.api.store.list("", "persistentvolumeclaims")}
        for pv in self.api.store.list("", "persistentvolumes"):
            ref = (pv.get("spec") or {}).get("claimRef") or {}
            if not ref.get("uid") or ref["uid"] in claims:
                continue
            if (pv.get("status") or {}).get("phase") != "Released":
                pv = self.api.update_obj(self.pv_res, None, meta(pv)["name"],
                                         dict(copy.deepcopy(pv), status={"phase": "Released"}),
                                         "status")
            spec = pv.get("spec") or {}
            if spec.get("persistentVolumeReclaimPolicy") != "Delete" or \
                    annotations(pv).get(PROVISIONED_BY) != LOCAL_PATH or not self.running():
                continue
            node, path = pv_node(pv), (spec.get("hostPath") or {}).get("path")
            if not node or not path:
                continue
            _, _, _, teardown = self.config()
            helper = self.helper("delete", meta(pv)["name"], path, node, teardown,
                                 size_bytes((spec.get("capacity") or {}).get("storage", "0")))
            phase = (helper.get("status") or {}).get("phase")
            if phase in ("Succeeded", "Failed"):
                self.drop_helper(helper)
            if phase == "Succeeded":
                self.api.delete_obj(self.pv_res, None, meta(pv)["name"])


SUFFIXES = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "k": 10 ** 3,
            "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12}


def size_bytes(quantity):
    q = str(quantity)
    for s, mult in SUFFIXES.items():
        if q.endswith(s):
            try:
                return int(float(q[:-len(s)]) * mult)
            except ValueError:
                return 0
    try:
        return int(float(q))
    except ValueError:
        return 0


def resolve_claims(pod, get):
    """The kubelet's view of a pod's claims: each persistentVolumeClaim volume becomes the
    bound PersistentVolume's hostPath (the volume manager mounts the PV's source). `get` reads
    an API path. Raises ValueError with the kubelet's wait reason when a claim is not usable."""
    spec = pod.get("spec") or {}
    if not claim_names(spec):
        return pod
    pod = copy.deepcopy(pod)
    ns = meta(pod).get("namespace", "default")
    for v in pod["spec"].get("volumes") or []:
        ref = v.get("persistentVolumeClaim")
        if ref is None:
            continue
        name = ref.get("claimName", "")
        try:
            pvc = get(f"/api/v1/namespaces/{ns}/persistentvolumeclaims/{name}")
        except Exception:
            raise ValueError(f'persistentvolumeclaim "{name}" not found')
        vol = (pvc.get("spec") or {}).get("volumeName")
        if not vol or (pvc.get("status") or {}).get("phase") != "Bound":
            raise ValueError(f'PVC {ns}/{name} is not bound')
        try:
            pv = get(f"/api/v1/persistentvolumes/{vol}")
        except Exception:
            raise ValueError(f'persistentvolume "{vol}" not found')
        pv_spec = pv.get("spec") or {}
        source = pv_spec.get("hostPath") or pv_spec.get("local")
        if not source or not source.get("path"):
            raise ValueError(f"persistentvolume {vol} has no hostPath or local path")
        v.pop("persistentVolumeClaim")
        v["hostPath"] = {"path": source["path"],
                         "type": (pv_spec.get("hostPath") or {}).get("type", "Directory")}
    return pod


def reconcile(api):
    Provisioner(api).reconcile()
