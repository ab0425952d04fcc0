"""Stand-in (test double) for kubeadm's per-release config API matrix and strict decoding.

Which kubeadm.k8s.io versions a kubeadm release accepts (cmd/kubeadm/app/util/config/common.go
validateSupportedVersion in each release):
- 1.28-1.30: v1beta4 is listed in experimentalAPIVersions and refused with "experimental API
  spec ... is not allowed" unless the command takes --allow-experimental-api;
- 1.31: v1beta4 enabled, v1beta3 deprecated (kubernetes PR #125029);
- 1.36: v1beta3 removed, into oldKnownAPIVersions pointing at kubeadm v1.35 (PR #136016).

Strict decoding (util/config/strict/strict.go): duplicate fields and unknown fields are errors
for `kubeadm config validate` (ValidateConfig passes strictErrors=true) and only warnings for
init/join. The stand-in keeps unknown fields an error everywhere (stricter, see README).
"""

import yaml

# (first minor that has it as a stable API, first minor that no longer has it)
KUBEADM_API_RANGE = {"v1beta3": ((1, 22), (1, 36)), "v1beta4": ((1, 31), None)}
EXPERIMENTAL_FROM = {"v1beta4": (1, 28)}
LAST_KUBEADM_WITH = {"v1beta3": "v1.35"}


def minor_of(version):
    parts = version.lstrip("v").split(".")
    return int(parts[0]), int(parts[1])


def check_api_version(api, kind, kubeadm_version, allow_experimental=False):
    """None, or kubeadm's error for a kubeadm.k8s.io version this release does not take."""
    ver = api.rpartition("/")[2]
    have = minor_of(kubeadm_version)
    rng = KUBEADM_API_RANGE.get(ver)
    if rng is None:
        return None
    since, removed = rng
    if removed is not None and have >= removed:
        return (f'your configuration file uses an old API spec: "{api}" (kind: "{kind}"). '
                f'Please use kubeadm {LAST_KUBEADM_WITH[ver]} instead and run \'kubeadm config '
                f'migrate --old-config old.yaml --new-config new.yaml\', which will write the '
                f'new, similar spec using a newer API version.')
    if have < since:
        exp = EXPERIMENTAL_FROM.get(ver)
        if exp is not None and have >= exp:
            if allow_experimental:
                return None
            return (f'experimental API spec: "{api}" is not allowed. You can use the '
                    f'--allow-experimental-api flag if the command supports it.')
        return (f'no kind "{kind}" is registered for version "{api}" in scheme '
                f'"k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"')
    return None


class _DupCheckLoader(yaml.SafeLoader):
    pass


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            loader.duplicates.append(
                f'line {key_node.start_mark.line + 1}: key "{key}" already set in map')
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_DupCheckLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                lambda loader, node: _mapping(loader, node, True))


def duplicate_fields(text):
    """Every duplicated mapping key in a multi-document YAML text (as sigs.k8s.io/yaml's
    strict decoder reports them), or [] when the text does not parse (reported elsewhere)."""
    loader = _DupCheckLoader(text)
    loader.duplicates = []
    try:
        while loader.check_data():
            loader.get_data()
    except yaml.YAMLError:
        return []
    finally:
        loader.dispose()
    return loader.duplicates
