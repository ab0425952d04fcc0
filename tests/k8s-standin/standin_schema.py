"""Stand-in (test double): strict field validation for the kinds minik applies.

The real API server rejects unknown fields when a client asks for fieldValidation=Strict, which
kubectl does by default (`--validate=strict`; server-side field validation GA in 1.27): the
request fails with 400 BadRequest, `<Kind> in version "<v>" cannot be handled as a <Kind>:
strict decoding error: unknown field "<path>"`. So a mis-indented manifest fails `kubectl apply`.

The schemas below are the fields of the API types (k8s.io/api) for the kinds in
node-image/manifests; None marks a free-form value (maps of strings, quantities, ints-or-
strings) or a subtree not modelled (not checked).
"""

ANY = None


def fields(*names, **nested):
    out = {n: ANY for n in names}
    out.update(nested)
    return out


OBJECT_META = fields("name", "generateName", "namespace", "labels", "annotations", "uid",
                     "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
                     "deletionGracePeriodSeconds", "ownerReferences", "finalizers",
                     "managedFields", "selfLink")
SELECTOR = fields("matchLabels", "matchExpressions")
ENV = [fields("name", "value", "valueFrom")]
PORT = [fields("name", "containerPort", "hostPort", "hostIP", "protocol")]
PROBE = fields("exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds", "timeoutSeconds",
               "periodSeconds", "successThreshold", "failureThreshold",
               "terminationGracePeriodSeconds")
CONTAINER = [fields(
    "name", "image", "command", "args", "workingDir", "envFrom", "imagePullPolicy",
    "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "stdin", "stdinOnce",
    "tty", "resizePolicy", "restartPolicy", "volumeDevices",
    env=ENV, ports=PORT, livenessProbe=PROBE, readinessProbe=PROBE, startupProbe=PROBE,
    resources=fields("limits", "requests", "claims"),
    volumeMounts=[fields("name", "mountPath", "readOnly", "subPath", "subPathExpr",
                         "mountPropagation", "recursiveReadOnly")],
    securityContext=fields("capabilities", "privileged", "seLinuxOptions", "windowsOptions",
                           "runAsUser", "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem",
                           "allowPrivilegeEscalation", "procMount", "seccompProfile",
                           "appArmorProfile"))]
VOLUME = [fields("name", "hostPath", "emptyDir", "configMap", "secret", "projected",
                 "persistentVolumeClaim", "downwardAPI", "csi", "ephemeral", "nfs", "image")]
POD_SPEC = fields(
    "restartPolicy", "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy",
    "nodeSelector", "serviceAccountName", "serviceAccount", "automountServiceAccountToken",
    "nodeName", "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext",
    "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "hostAliases",
    "priorityClassName", "priority", "dnsConfig", "readinessGates", "runtimeClassName",
    "enableServiceLinks", "preemptionPolicy", "overhead", "topologySpreadConstraints",
    "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates", "resourceClaims", "resources",
    "ephemeralContainers",
    containers=CONTAINER, initContainers=CONTAINER, volumes=VOLUME,
    tolerations=[fields("key", "operator", "value", "effect", "tolerationSeconds")])
TEMPLATE = fields(metadata=OBJECT_META, spec=POD_SPEC)
RULES = [fields("verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs")]
SUBJECTS = [fields("kind", "apiGroup", "name", "namespace")]
ROLE_REF = fields("apiGroup", "kind", "name")


def top(**spec):
    return fields("apiVersion", "kind", "status", metadata=OBJECT_META, **spec)


SCHEMAS = {
    "DaemonSet": top(spec=fields("updateStrategy", "minReadySeconds", "revisionHistoryLimit",
                                 selector=SELECTOR, template=TEMPLATE)),
    "Deployment": top(spec=fields("replicas", "strategy", "minReadySeconds",
                                  "revisionHistoryLimit", "paused", "progressDeadlineSeconds",
                                  selector=SELECTOR, template=TEMPLATE)),
    "ServiceAccount": top(secrets=ANY, imagePullSecrets=ANY,
                          automountServiceAccountToken=ANY),
    "ClusterRole": top(rules=RULES, aggregationRule=ANY),
    "Role": top(rules=RULES),
    "ClusterRoleBinding": top(subjects=SUBJECTS, roleRef=ROLE_REF),
    "RoleBinding": top(subjects=SUBJECTS, roleRef=ROLE_REF),
    "ConfigMap": top(data=ANY, binaryData=ANY, immutable=ANY),
    "StorageClass": top(provisioner=ANY, parameters=ANY, reclaimPolicy=ANY, mountOptions=ANY,
                        allowVolumeExpansion=ANY, volumeBindingMode=ANY,
                        allowedTopologies=ANY),
    "Namespace": top(spec=fields("finalizers")),
}


def unknown_fields(kind, obj):
    """Paths of unknown fields in obj, as the strict decoder names them; [] for kinds not
    modelled."""
    schema = SCHEMAS.get(kind)
    out = []
    if schema is not None:
        _walk(schema, obj, "", out)
    return out


def _walk(schema, value, path, out):
    if schema is ANY or value is None:
        return
    if isinstance(schema, list):
        if isinstance(value, list):
            for i, item in enumerate(value):
                _walk(schema[0], item, f"{path}[{i}]", out)
        return
    if not isinstance(value, dict):
        return
    for k, v in value.items():
        sub = f"{path}.{k}" if path else k
        if k not in schema:
            out.append(sub)
        else:
            _walk(schema[k], v, sub, out)


def strict_error(kind, version, obj):
    """The API server's message for obj under fieldValidation=Strict, or None."""
    bad = unknown_fields(kind, obj)
    if not bad:
        return None
    return (f'{kind} in version "{version}" cannot be handled as a {kind}: strict decoding '
            f'error: ' + ", ".join(f'unknown field "{p}"' for p in bad))
