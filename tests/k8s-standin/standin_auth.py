"""TEST DOUBLE: ServiceAccount tokens and RBAC for the stand-in's API server, so that a client
holding a ServiceAccount's token (minik's tour, for a lab's least-privilege identity) is allowed
and refused as a real API server would allow and refuse it.

Mirrors upstream kubernetes (learned from it, written here):
- TokenRequest (pkg/registry/core/serviceaccount/storage/token.go and
  pkg/apis/authentication/validation): POST .../serviceaccounts/NAME/token; the ServiceAccount
  must exist (404 `serviceaccounts "NAME" not found`); `spec.expirationSeconds` defaults to one
  hour and below ten minutes is refused (422 `spec.expirationSeconds: Invalid value: N: may not
  specify a duration less than 10 minutes`); the reply carries `status.token` and
  `status.expirationTimestamp`.
- ServiceAccount token authentication (pkg/serviceaccount/claims.go, jwt.go): a JWT whose
  `sub` is `system:serviceaccount:NS:NAME`, with `kubernetes.io.serviceaccount.uid`; refused
  (401) when expired, forged, or when the ServiceAccount is gone or was re-created (another
  uid). The user is `system:serviceaccount:NS:NAME` in groups `system:serviceaccounts`,
  `system:serviceaccounts:NS` and `system:authenticated`. The stand-in signs with HMAC-SHA256
  keyed by the cluster's `sa.key` instead of RS256 with it: only the API server can mint or
  verify either way.
- RBAC (plugin/pkg/auth/authorizer/rbac/rbac.go, pkg/registry/rbac/validation/rule.go,
  pkg/apis/rbac/v1/evaluation_helpers.go): the rules of every ClusterRoleBinding, and of the
  RoleBindings of the request's namespace, whose subjects name the user (User by name, Group by
  membership, ServiceAccount by namespace, defaulting to the binding's); a roleRef names a
  ClusterRole, or a Role in the binding's namespace; a rule allows when verb, API group,
  resource (`*`, `res`, `res/sub`, `*/sub`) and resourceNames all match. ClusterRole
  aggregation and non-resource URLs are not modelled. Refusals keep the server's 403 wording
  (standin.Api.authorize).
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
import time

RBAC = "rbac.authorization.k8s.io"
ISSUER = "https://kubernetes.default.svc.cluster.local"
MIN_SECONDS = 600
DEFAULT_SECONDS = 3600
SA_PREFIX = "system:serviceaccount:"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(path):
    """The key tokens are signed with: the cluster's sa.key when there is one (tokens survive a
    restart, as real ones do), else a key of this process."""
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).digest()
    except OSError:
        return secrets.token_bytes(32)


def sign(key, claims):
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def token_request(store, key, ns, name, body, fail, now=None):
    """The TokenRequest reply for ServiceAccount NS/NAME; `fail(code, reason, message, details)`
    builds the API error to raise."""
    sa = store.get("", "serviceaccounts", ns, name)
    if not sa:
        raise fail(404, "NotFound", f'serviceaccounts "{name}" not found',
                   {"name": name, "kind": "serviceaccounts"})
    spec = (body or {}).get("spec") or {}
    seconds = spec.get("expirationSeconds")
    seconds = DEFAULT_SECONDS if seconds is None else int(seconds)
    if seconds < MIN_SECONDS:
        raise fail(422, "Invalid", f'TokenRequest.authentication.k8s.io "{name}" is invalid: '
                                   f'spec.expirationSeconds: Invalid value: {seconds}: may not '
                                   f'specify a duration less than 10 minutes',
                   {"name": name, "group": "authentication.k8s.io", "kind": "TokenRequest"})
    now = int(now if now is not None else time.time())
    audiences = spec.get("audiences") or [ISSUER]
    claims = {"aud": audiences, "exp": now + seconds, "iat": now, "nbf": now, "iss": ISSUER,
              "sub": SA_PREFIX + f"{ns}:{name}",
              "kubernetes.io": {"namespace": ns, "serviceaccount": {
                  "name": name, "uid": sa["metadata"].get("uid", "")}}}
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + seconds))
    return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": None},
            "spec": {"audiences": audiences, "expirationSeconds": seconds,
                     "boundObjectRef": None},
            "status": {"token": sign(key, claims), "expirationTimestamp": expires}}


def token_identity(store, key, token, now=None):
    """(user name, groups) for a valid ServiceAccount token, else None (401)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        mac = hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, unb64(parts[2])):
            return None
        claims = json.loads(unb64(parts[1]))
        bound = claims["kubernetes.io"]
        ns, name = bound["namespace"], bound["serviceaccount"]["name"]
        uid = bound["serviceaccount"]["uid"]
    except (ValueError, KeyError, TypeError):
        return None
    now = now if now is not None else time.time()
    if claims.get("iss") != ISSUER or not claims.get("exp", 0) > now >= claims.get("nbf", 0):
        return None
    sa = store.get("", "serviceaccounts", ns, name)
    if not sa or sa["metadata"].get("uid") != uid:
        return None
    return SA_PREFIX + f"{ns}:{name}", ["system:serviceaccounts", f"system:serviceaccounts:{ns}",
                                        "system:authenticated"]


def subject_applies(subject, user_name, groups, binding_ns):
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return name == user_name
    if kind == "Group":
        return name in groups
    if kind == "ServiceAccount":
        ns = subject.get("namespace") or binding_ns
        return bool(ns) and user_name == SA_PREFIX + f"{ns}:{name}"
    return False


def role_rules(store, ref, binding_ns):
    ref = ref or {}
    if ref.get("apiGroup") != RBAC:
        return []
    if ref.get("kind") == "ClusterRole":
        role = store.get(RBAC, "clusterroles", None, ref.get("name"))
    elif ref.get("kind") == "Role" and binding_ns:
        role = store.get(RBAC, "roles", binding_ns, ref.get("name"))
    else:
        role = None
    return (role or {}).get("rules") or []


def rule_allows(rule, verb, group, resource, sub, name):
    combined = resource + ("/" + sub if sub else "")
    verbs, groups = rule.get("verbs") or [], rule.get("apiGroups") or []
    resources, names = rule.get("resources") or [], rule.get("resourceNames") or []
    return ("*" in verbs or verb in verbs) and ("*" in groups or group in groups) and \
        any(r == "*" or r == combined or (sub and r == "*/" + sub) for r in resources) and \
        (not names or name in names)


def allows(store, user_name, groups, verb, group, resource, sub, ns, name):
    """Does RBAC allow the request? Cluster bindings first, then the namespace's."""
    bindings = [(b, None) for b in store.list(RBAC, "clusterrolebindings")]
    if ns:
        bindings += [(b, ns) for b in store.list(RBAC, "rolebindings", ns)]
    for binding, binding_ns in bindings:
        subjects = binding.get("subjects") or []
        if not any(subject_applies(s, user_name, groups, binding_ns) for s in subjects):
            continue
        for rule in role_rules(store, binding.get("roleRef"), binding_ns):
            if rule_allows(rule, verb, group, resource, sub, name or ""):
                return True
    return False


def sa_key_path(pki):
    return os.path.join(pki, "sa.key")
