"""TEST DOUBLE: request bodies in Kubernetes' protobuf encoding, as the real kubectl sends them.
kubectl's typed clients (create namespace, create configmap/secret --from-literal, create
serviceaccount, create token, drain's evictions) POST `application/vnd.kubernetes.protobuf`,
which the real API server decodes (k8s.io/apimachinery/pkg/runtime/serializer/protobuf: the
magic prefix "k8s\\x00", then a runtime.Unknown holding TypeMeta and the object's bytes).

The field numbers below are those of the upstream generated.proto files (k8s.io/api core/v1,
authentication/v1, policy/v1; k8s.io/apimachinery meta/v1 and runtime), for the kinds those
commands send. A kind or a field not listed is refused (415 or 400) rather than dropped, so a
command the stand-in does not model fails visibly instead of storing half an object.
"""
import base64
import datetime

import standin_protobuf_kinds
from standin_protobuf_types import S, B, INT, BOOL, PINT, PBOOL, PS, TIME, META

PREFIX = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

# message -> {field number: (JSON name, type)}; type is a scalar (standin_protobuf_types), a
# message name, ("list", type) for repeated fields, or ("map", value type) for map<string, value>.
# Every field of each message is listed: gogo-protobuf writes non-pointer fields even when empty.
# Empty strings, zero numbers and false (S, INT, BOOL) are dropped as JSON's omitempty drops them;
# the pointer kinds (PINT, PBOOL, PS: *int64, *bool, *string in Go) are written only when set, so
# they are kept. The kinds kubectl's `create` subcommands send are in standin_protobuf_kinds.
MESSAGES = {
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", B), 3: ("contentEncoding", S),
                4: ("contentType", S)},
    "TypeMeta": {1: ("apiVersion", S), 2: ("kind", S)},
    META: {1: ("name", S), 2: ("generateName", S), 3: ("namespace", S), 4: ("selfLink", S),
           5: ("uid", S), 6: ("resourceVersion", S), 7: ("generation", INT),
           8: ("creationTimestamp", TIME), 9: ("deletionTimestamp", TIME),
           10: ("deletionGracePeriodSeconds", PINT), 11: ("labels", ("map", S)),
           12: ("annotations", ("map", S)), 13: ("ownerReferences", ("list", "OwnerReference")),
           14: ("finalizers", ("list", S)),
           17: ("managedFields", ("list", "ManagedFieldsEntry"))},
    "OwnerReference": {1: ("kind", S), 3: ("name", S), 4: ("uid", S), 5: ("apiVersion", S),
                       6: ("controller", PBOOL), 7: ("blockOwnerDeletion", PBOOL)},
    "ManagedFieldsEntry": {1: ("manager", S), 2: ("operation", S), 3: ("apiVersion", S),
                           4: ("time", TIME), 6: ("fieldsType", S), 7: ("fieldsV1", "FieldsV1"),
                           8: ("subresource", S)},
    "FieldsV1": {1: ("Raw", B)},
    "Namespace": {1: ("metadata", META), 2: ("spec", "NamespaceSpec"),
                  3: ("status", "NamespaceStatus")},
    "NamespaceSpec": {1: ("finalizers", ("list", S))},
    "NamespaceStatus": {1: ("phase", S)},
    "ConfigMap": {1: ("metadata", META), 2: ("data", ("map", S)), 3: ("binaryData", ("map", B)),
                  4: ("immutable", PBOOL)},
    "Secret": {1: ("metadata", META), 2: ("data", ("map", B)), 3: ("type", S),
               4: ("stringData", ("map", S)), 5: ("immutable", PBOOL)},
    "ServiceAccount": {1: ("metadata", META), 2: ("secrets", ("list", "ObjectReference")),
                       3: ("imagePullSecrets", ("list", "LocalObjectReference")),
                       4: ("automountServiceAccountToken", PBOOL)},
    "ObjectReference": {1: ("kind", S), 2: ("namespace", S), 3: ("name", S), 4: ("uid", S),
                        5: ("apiVersion", S), 6: ("resourceVersion", S), 7: ("fieldPath", S)},
    "LocalObjectReference": {1: ("name", S)},
    "TokenRequest": {1: ("metadata", META), 2: ("spec", "TokenRequestSpec"),
                     3: ("status", "TokenRequestStatus")},
    "TokenRequestSpec": {1: ("audiences", ("list", S)), 3: ("boundObjectRef", "BoundObjectRef"),
                         4: ("expirationSeconds", PINT)},
    "TokenRequestStatus": {1: ("token", S), 2: ("expirationTimestamp", TIME)},
    "BoundObjectRef": {1: ("kind", S), 2: ("apiVersion", S), 3: ("name", S), 4: ("uid", S)},
    "Eviction": {1: ("metadata", META), 2: ("deleteOptions", "DeleteOptions")},
    "DeleteOptions": {1: ("gracePeriodSeconds", PINT), 2: ("preconditions", "Preconditions"),
                      3: ("orphanDependents", PBOOL), 4: ("propagationPolicy", S),
                      5: ("dryRun", ("list", S)),
                      6: ("ignoreStoreReadErrorWithClusterBreakingPotential", PBOOL)},
    "Preconditions": {1: ("uid", S), 2: ("resourceVersion", S)},
    TIME: {1: ("seconds", INT), 2: ("nanos", INT)},
}
for _name, _schema in standin_protobuf_kinds.MESSAGES.items():
    if MESSAGES.setdefault(_name, _schema) != _schema:  # one message, one table
        raise AssertionError(f"two tables for {_name}")
KINDS = standin_protobuf_kinds.KINDS | {
    ("v1", "Namespace"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "ServiceAccount"),
    ("authentication.k8s.io/v1", "TokenRequest"), ("policy/v1", "Eviction")}
EMPTY = ("", 0, False)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class Unsupported(ValueError):
    """A kind the stand-in cannot decode from protobuf (the API answers 415)."""


def varint(buf, i):
    shift = out = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out, i
        shift += 7
        if shift >= 70:  # at most 10 bytes, as gogo's generated Unmarshal ("integer overflow")
            raise ValueError("proto: integer overflow")


def fields(buf):
    """(number, wire type, value) for each field of one message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            if i + n > len(buf):
                raise ValueError("truncated field")
            val, i = buf[i:i + n], i + n
        else:
            raise ValueError(f"wire type {wire} is not used by Kubernetes objects")
        yield num, wire, val


def scalar(typ, val, wire):
    want = 0 if typ in (INT, BOOL, PINT, PBOOL) else 2
    if typ not in (S, B, INT, BOOL, PINT, PBOOL, PS):
        raise ValueError(f"a {typ} is not a scalar")
    if wire != want:
        raise ValueError(f"wire type {wire} for a {typ}")
    if typ in (INT, PINT):
        return val - (1 << 64) if val >= 1 << 63 else val
    if typ in (BOOL, PBOOL):
        return bool(val)
    if typ == B:
        return base64.b64encode(val).decode()
    # gogo's Unmarshal takes a proto2 string's bytes as they are; Go's encoding/json then
    # writes invalid UTF-8 as U+FFFD, so the JSON the API server serves has the replacement
    return val.decode("utf-8", errors="replace")


def message(name, buf):
    schema, out = MESSAGES[name], {}
    for num, wire, val in fields(buf):
        if num not in schema:
            raise ValueError(f"field {num} of {name} is not modelled by the stand-in")
        key, typ = schema[num]
        if isinstance(typ, tuple) and typ[0] == "map":
            k, v = map_entry(typ[1], val, wire)
            out.setdefault(key, {})[k] = v
        elif isinstance(typ, tuple):
            out.setdefault(key, []).append(value(typ[1], val, wire))
        else:
            v = value(typ, val, wire)
            if typ in (PINT, PBOOL, PS) or v not in EMPTY:
                out[key] = v
    return out


def map_entry(typ, buf, wire):
    """One map<string, typ> entry: a message of key (1) and value (2); either may be absent
    (gogo writes both, but a missing one is the zero value, as gogo's Unmarshal reads it)."""
    if wire != 2:
        raise ValueError(f"wire type {wire} for a map entry")
    entry = {}
    for n, w, v in fields(buf):
        if n not in (1, 2):
            raise ValueError(f"field {n} of a map entry")
        entry[n] = (w, v)
    zero = (2, b"") if typ in (S, B) or typ in MESSAGES else (0, 0)
    kw, kv = entry.get(1, (2, b""))
    vw, vv = entry.get(2, zero)
    return scalar(S, kv, kw), value(typ, vv, vw)


def int_or_string(buf):
    """intstr.IntOrString: type 0 is intVal (a JSON number), type 1 strVal (a JSON string);
    any other type cannot be written as JSON (upstream MarshalJSON: "impossible
    IntOrString.Type")."""
    m = message("IntOrString", buf)
    kind = m.get("type", 0)
    if kind not in (0, 1):
        raise ValueError(f"IntOrString type {kind}")
    return m.get("strVal", "") if kind else m.get("intVal", 0)


def value(typ, val, wire):
    if typ in MESSAGES and wire != 2:
        raise ValueError(f"wire type {wire} for a {typ}")
    if typ == "IntOrString":
        return int_or_string(val)
    if typ == "Quantity":  # resource.Quantity is its string form in JSON
        return message("Quantity", val).get("string", "")
    if typ == TIME:  # metav1.Time: RFC 3339 in JSON, seconds only; the zero time is null
        t = message(TIME, val)  # (kept: a Time gogo wrote is non-pointer or set, and Go's JSON
        if not t:               # writes both as null, as a pod template's creationTimestamp)
            return None
        try:  # Go's Time.MarshalJSON refuses a year past 9999 (Python's datetime too)
            at = EPOCH + datetime.timedelta(seconds=t.get("seconds", 0))
        except OverflowError:
            raise ValueError("Time.MarshalJSON: year outside of range [0,9999]") from None
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if typ in MESSAGES:
        return message(typ, val)
    return scalar(typ, val, wire)


def decode(body):
    """The object a protobuf request body holds, as the JSON the stand-in stores."""
    if not body.startswith(PREFIX):
        raise ValueError("provided data does not appear to be a protobuf message, expected "
                         "prefix [107 56 115 0]")
    unknown = message("Unknown", body[len(PREFIX):])
    tm = unknown.get("typeMeta", {})
    kind = (tm.get("apiVersion", ""), tm.get("kind", ""))
    if kind not in KINDS:
        raise Unsupported(f"the stand-in does not decode {kind[1] or '?'} "
                          f"({kind[0] or '?'}) from protobuf")
    obj = message(kind[1], base64.b64decode(unknown.get("raw", "")))
    return {"apiVersion": kind[0], "kind": kind[1], **obj}
