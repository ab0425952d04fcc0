"""TEST DOUBLE: kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath): fields,
recursive descent, [*], indexes and slices, filters ?(@.a=="b"), {range}...{end}, and the
printing rules of `-o jsonpath` (strings bare, others as JSON).
"""
import json
import re

from standin_common import Fail


# -- a small JSONPath (kubectl's flavour): {.a.b}, {..a}, [*], [n], [a:b], [?(@.k=="v")],
#    ['key'], {range ...}{end}, {"literal"}; text outside braces is printed as is.

def jp_tokenize(template):
    out, i, n = [], 0, len(template)
    while i < n:
        j = template.find("{", i)
        if j < 0:
            out.append(("text", template[i:]))
            break
        if j > i:
            out.append(("text", template[i:j]))
        depth, k, quote = 0, j, None
        while k < n:
            ch = template[k]
            if quote:
                if ch == "\\":
                    k += 1
                elif ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        if k >= n:
            raise Fail(f"error parsing jsonpath {template}, unclosed action")
        out.append(("expr", template[j + 1:k].strip()))
        i = k + 1
    return out


JP_STEP = re.compile(r"""\.\.(?P<rec>(?:\\.|[^.\[\]])+)|\.(?P<key>(?:\\.|[^.\[\]])+)|"""
                     r"""\[(?P<br>(?:'[^']*'|"[^"]*"|[^\]])*)\]""")


def jp_eval(expr, current):
    expr = expr.strip()
    if expr.startswith("$"):
        expr = expr[1:]
    if expr.startswith(("'", '"')):
        return [json.loads('"' + expr[1:-1].replace('"', '\\"') + '"')]
    nodes, pos = [current], 0
    while pos < len(expr):
        m = JP_STEP.match(expr, pos)
        if not m:
            raise Fail(f"error parsing jsonpath: unrecognized character in action: {expr[pos:]}")
        pos = m.end()
        nxt = []
        if m.group("rec") is not None:
            key = m.group("rec").replace("\\.", ".")
            stack = list(reversed(nodes))
            while stack:
                node = stack.pop()
                if isinstance(node, dict):
                    if key in node:
                        nxt.append(node[key])
                    stack.extend(reversed(list(node.values())))
                elif isinstance(node, list):
                    stack.extend(reversed(node))
        elif m.group("key") is not None:
            key = m.group("key").replace("\\.", ".")
            for node in nodes:
                if key == "*":
                    nxt += list(node.values()) if isinstance(node, dict) else \
                        node if isinstance(node, list) else []
                elif isinstance(node, dict) and key in node:
                    nxt.append(node[key])
        else:
            br = m.group("br").strip()
            for node in nodes:
                nxt += jp_bracket(br, node)
        nodes = nxt
    return nodes


def jp_bracket(br, node):
    if br == "*":
        return list(node.values()) if isinstance(node, dict) else list(node) \
            if isinstance(node, list) else []
    if br[:1] in ("'", '"'):
        key = br[1:-1]
        return [node[key]] if isinstance(node, dict) and key in node else []
    if br.startswith("?(") and br.endswith(")"):
        m = re.match(r"^@\.([\w.\-/\\]+)\s*(==|!=)\s*(.+)$|^@\.([\w.\-/\\]+)$", br[2:-1].strip())
        if not m or not isinstance(node, list):
            return []
        if m.group(4):
            return [x for x in node if jp_eval("." + m.group(4), x)]
        want = m.group(3).strip()
        want = want[1:-1] if want[:1] in ("'", '"') else want
        out = []
        for x in node:
            vals = [jp_str(v) for v in jp_eval("." + m.group(1), x)]
            hit = want in vals
            if hit == (m.group(2) == "=="):
                out.append(x)
        return out
    if not isinstance(node, list):
        return []
    if ":" in br:
        parts = [int(p) if p.strip() else None for p in br.split(":")]
        return node[slice(*parts[:3])]
    try:
        idx = int(br)
        return [node[idx]] if -len(node) <= idx < len(node) else []
    except ValueError:
        return []


def jp_str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return "" if v is None else str(v)


def jp_render(tokens, current):
    out, i = [], 0
    while i < len(tokens):
        kind, val = tokens[i]
        if kind == "text":
            out.append(val)
        elif val.startswith("range "):
            depth, j = 1, i + 1
            while j < len(tokens):
                if tokens[j][0] == "expr" and tokens[j][1].startswith("range "):
                    depth += 1
                elif tokens[j] == ("expr", "end"):
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            body = tokens[i + 1:j]
            for item in jp_eval(val[6:], current):
                out.append(jp_render(body, item))
            i = j
        elif val != "end":
            out.append(" ".join(jp_str(v) for v in jp_eval(val, current)))
        i += 1
    return "".join(out)
