"""TEST DOUBLE: label and field selectors and patches as the API machinery applies them:
label selectors (k8s.io/apimachinery/pkg/labels/selector.go: =, ==, !=, in, notin, exists,
!exists), field selectors on dotted paths (spec.nodeName, metadata.name), JSON merge patch
(RFC 7386), strategic merge patch with list merge keys and `$patch: delete`
(apimachinery/pkg/util/strategicpatch), JSON patch (RFC 6902), and kubectl apply's three-way
patch from the last-applied annotation.
"""
import copy
import re

from standin_store import api_error


def parse_label_selector(sel):
    """'a=b,c!=d,e,!f,g in (x,y),h notin (z)' -> list of predicates over a labels dict."""
    preds = []
    for term in re.findall(r"[^,(]+(?:\([^)]*\))?", sel or ""):
        term = term.strip()
        if not term:
            continue
        m = re.match(r"^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$", term)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            if op == "in":
                preds.append(lambda l, k=key, v=vals: l.get(k) in v)
            else:
                preds.append(lambda l, k=key, v=vals: l.get(k) not in v)
        elif "!=" in term:
            k, v = (x.strip() for x in term.split("!=", 1))
            preds.append(lambda l, k=k, v=v: l.get(k) != v)
        elif "=" in term:
            k, v = (x.strip() for x in re.split(r"==?", term, 1))
            preds.append(lambda l, k=k, v=v: l.get(k) == v)
        elif term.startswith("!"):
            preds.append(lambda l, k=term[1:].strip(): k not in l)
        else:
            preds.append(lambda l, k=term: k in l)
    return preds


def field_value(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    return "" if cur is None else str(cur)


def matches_selectors(obj, labels_sel, fields_sel):
    labels = obj.get("metadata", {}).get("labels") or {}
    if not all(p(labels) for p in parse_label_selector(labels_sel)):
        return False
    for term in (fields_sel or "").split(","):
        term = term.strip()
        if not term:
            continue
        neg = "!=" in term
        k, v = (x.strip() for x in re.split(r"!=|==?", term, 1))
        if (field_value(obj, k) == v) == neg:
            return False
    return True


MERGE_KEYS = {"conditions": "type", "addresses": "type", "containers": "name",
              "initContainers": "name", "volumes": "name", "env": "name", "volumeMounts":
              "mountPath", "ports": "containerPort", "tolerations": "key"}


def merge_patch(target, patch, strategic=False):
    """RFC 7386 JSON merge patch; with strategic=True, lists with known merge keys merge by key."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if strategic and k.startswith("$"):
            continue  # $setElementOrder, $retainKeys, ... directives
        if v is None:
            out.pop(k, None)
        elif strategic and k in MERGE_KEYS and isinstance(v, list) and isinstance(out.get(k), list):
            mk = MERGE_KEYS[k]
            items = copy.deepcopy(out[k])
            keys = [pv.get(mk) for pv in v if isinstance(pv, dict)]
            if len(keys) != len(set(keys)):
                # Two items with one key (a dual-stack Node's two InternalIPs): merging by key
                # would fold them into one; the kubelet's patch carries the whole list, and the
                # real Node ends up with exactly that list (kubernetes#79391), so take it.
                out[k] = copy.deepcopy(v)
                continue
            for pv in v:
                if not isinstance(pv, dict) or mk not in pv:
                    items = copy.deepcopy(v)
                    break
                idx = next((i for i, it in enumerate(items)
                            if isinstance(it, dict) and it.get(mk) == pv[mk]), None)
                if pv.get("$patch") == "delete":
                    if idx is not None:
                        items.pop(idx)
                elif idx is None:
                    items.append(merge_patch({}, pv, True))
                else:
                    items[idx] = merge_patch(items[idx], pv, True)
            out[k] = items
        elif isinstance(v, dict):
            out[k] = merge_patch(out.get(k), v, strategic)
        else:
            out[k] = copy.deepcopy(v)
    return out


def three_way_patch(original, modified, current, path=""):
    """The strategic merge patch kubectl apply computes (k8s.io/apimachinery's
    strategicpatch.CreateThreeWayMergePatch, reduced to what the stand-in models): fields of
    `modified` that differ from `current`, nulls for fields the last apply set and this one drops,
    and `$patch: delete` entries for list items (by merge key) the last apply had. Status and
    server-owned metadata are never part of it."""
    original = original if isinstance(original, dict) else {}
    current = current if isinstance(current, dict) else {}
    patch = {}
    for k, v in modified.items():
        if not path and k == "status":
            continue
        if path == "metadata" and k not in ("labels", "annotations"):
            continue
        sub = f"{path}.{k}" if path else k
        if isinstance(v, dict) and isinstance(current.get(k), dict):
            d = three_way_patch(original.get(k), v, current[k], sub)
            if d:
                patch[k] = d
        elif k in MERGE_KEYS and isinstance(v, list) and isinstance(current.get(k), list) and \
                all(isinstance(i, dict) and MERGE_KEYS[k] in i for i in v):
            items = list_patch(MERGE_KEYS[k], original.get(k), v, current[k], sub)
            if items:
                patch[k] = items
        elif v != current.get(k):
            patch[k] = copy.deepcopy(v)
    for k in original:
        if k not in modified and k in current and not (not path and k == "status") and \
                not (path == "metadata" and k not in ("labels", "annotations")):
            patch[k] = None
    return patch


def list_patch(mk, original, modified, current, path):
    """A merge-keyed list's part of a three-way patch: changed items as patches of their own
    (named by their key), new items whole, items the last apply had and this one drops as
    `$patch: delete`."""
    by_key = lambda items: {i.get(mk): i for i in items or [] if isinstance(i, dict)}
    orig, cur = by_key(original), by_key(current)
    out = []
    for item in modified:
        key = item[mk]
        if key not in cur:
            out.append(copy.deepcopy(item))
            continue
        d = three_way_patch(orig.get(key), item, cur[key], path)
        if d:
            out.append({mk: key, **d})
    keep = {i[mk] for i in modified}
    out += [{mk: key, "$patch": "delete"} for key in orig if key not in keep and key in cur]
    return out


def strip_directives(obj):
    """A strategic merge patch without its `$` directives: what the strict decoder sees once
    the patch is applied (the directives never reach the object)."""
    if isinstance(obj, dict):
        return {k: strip_directives(v) for k, v in obj.items() if not k.startswith("$")}
    if isinstance(obj, list):
        return [strip_directives(v) for v in obj]
    return obj


def json_patch(target, ops):
    """RFC 6902 JSON patch (add/remove/replace/test/copy/move)."""
    doc = copy.deepcopy(target)

    def walk(path):
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        return parent, parts[-1]

    for op in ops:
        try:
            kind = op["op"]
            if kind in ("copy", "move"):
                src_parent, src_key = walk(op["from"])
                val = src_parent[int(src_key)] if isinstance(src_parent, list) else src_parent[src_key]
                if kind == "move":
                    if isinstance(src_parent, list):
                        src_parent.pop(int(src_key))
                    else:
                        del src_parent[src_key]
                op = {"op": "add", "path": op["path"], "value": copy.deepcopy(val)}
                kind = "add"
            parent, key = walk(op["path"])
            if isinstance(parent, list):
                idx = len(parent) if key == "-" else int(key)
                if kind == "add":
                    parent.insert(idx, op["value"])
                elif kind == "remove":
                    parent.pop(idx)
                elif kind == "replace":
                    parent[idx] = op["value"]
                elif kind == "test" and parent[idx] != op["value"]:
                    raise ValueError("test failed")
            else:
                if kind in ("add", "replace"):
                    if kind == "replace" and key not in parent:
                        raise KeyError(key)
                    parent[key] = op["value"]
                elif kind == "remove":
                    del parent[key]
                elif kind == "test" and parent.get(key) != op["value"]:
                    raise ValueError("test failed")
        except (KeyError, IndexError, ValueError, TypeError) as e:
            raise api_error(422, "Invalid", f"the server rejected our request due to an error in "
                                            f"our request: json patch {op.get('op')} "
                                            f"{op.get('path')}: {e}")
    return doc
