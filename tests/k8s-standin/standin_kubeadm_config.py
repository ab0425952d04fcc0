"""TEST DOUBLE: kubeadm's configuration API (cmd/kubeadm/app/apis/kubeadm/v1beta3, v1beta4;
app/util/config): decoding InitConfiguration, ClusterConfiguration, JoinConfiguration and the
component configs, strict field checks (stricter than kubeadm init's warnings), the
versions each kubeadm release accepts (standin_validate), validation
(app/apis/kubeadm/validation/validation.go: tokens, endpoints, subnets, node names) and the
KubeletConfiguration kubeadm writes (app/componentconfigs/kubelet.go).
"""
import copy
import ipaddress
import re

import yaml

import standin_common
import standin_validate
from standin_common import (
    deep_merge, dig, Fail, hostname, is_dns_subdomain, is_ip, MANIFESTS, parse_duration,
    read_file, split_host_port, TOKEN_RE, WAIT_TIMEOUT, warn)


ANY = "any"
ARGS = "args"  # extraArgs / kubeletExtraArgs: map in v1beta3, [{name, value}] list in v1beta4


def kubeadm_schema(kind, v4):
    """Known fields per kubeadm kind (strict decoding). Nested `ANY` means not checked."""
    comp = {"extraArgs": ARGS, "extraVolumes": ANY}
    if v4:
        comp["extraEnvs"] = ANY
    node_reg = {"name": ANY, "criSocket": ANY, "taints": ANY, "kubeletExtraArgs": ARGS,
                "ignorePreflightErrors": ANY, "imagePullPolicy": ANY}
    if v4:
        node_reg["imagePullSerial"] = ANY
    endpoint = {"advertiseAddress": ANY, "bindPort": ANY}
    token = {"token": ANY, "description": ANY, "ttl": ANY, "expires": ANY, "usages": ANY,
             "groups": ANY}
    top = {"apiVersion": ANY, "kind": ANY}
    if kind == "InitConfiguration":
        s = dict(top, bootstrapTokens=[token], nodeRegistration=node_reg,
                 localAPIEndpoint=endpoint, certificateKey=ANY, skipPhases=ANY, patches=ANY)
        if v4:
            s.update(dryRun=ANY, timeouts=ANY)
        return s
    if kind == "ClusterConfiguration":
        local_etcd = {"imageRepository": ANY, "imageTag": ANY, "dataDir": ANY, "extraArgs": ARGS,
                      "serverCertSANs": ANY, "peerCertSANs": ANY}
        if v4:
            local_etcd["extraEnvs"] = ANY
        apiserver = dict(comp, certSANs=ANY)
        if not v4:
            apiserver["timeoutForControlPlane"] = ANY
        s = dict(top, etcd={"local": local_etcd, "external": ANY},
                 networking={"serviceSubnet": ANY, "podSubnet": ANY, "dnsDomain": ANY},
                 kubernetesVersion=ANY, controlPlaneEndpoint=ANY, apiServer=apiserver,
                 controllerManager=dict(comp), scheduler=dict(comp), dns=ANY,
                 certificatesDir=ANY, imageRepository=ANY, featureGates=ANY, clusterName=ANY)
        if v4:
            s.update(proxy=ANY, encryptionAlgorithm=ANY, certificateValidityPeriod=ANY,
                     caCertificateValidityPeriod=ANY)
        return s
    if kind == "JoinConfiguration":
        bt = {"token": ANY, "apiServerEndpoint": ANY, "caCertHashes": ANY,
              "unsafeSkipCAVerification": ANY}
        disc = {"bootstrapToken": bt, "file": ANY, "tlsBootstrapToken": ANY}
        if not v4:
            disc["timeout"] = ANY
        s = dict(top, nodeRegistration=node_reg, caCertPath=ANY, discovery=disc,
                 controlPlane={"localAPIEndpoint": endpoint, "certificateKey": ANY},
                 skipPhases=ANY, patches=ANY)
        if v4:
            s.update(dryRun=ANY, timeouts=ANY)
        return s
    return ANY  # ResetConfiguration / UpgradeConfiguration: accepted, not used


def _go_type(v):
    return "array" if isinstance(v, list) else "object" if isinstance(v, dict) else \
        "string" if isinstance(v, str) else "number" if isinstance(v, (int, float)) else "value"


def check_fields(schema, value, path, v4, errors):
    """Strict-decoding check: unknown fields and wrong shapes are errors."""
    if schema == ANY or value is None:
        return
    if schema == ARGS:
        if v4:
            ok = isinstance(value, list) and all(
                isinstance(a, dict) and set(a) <= {"name", "value"} and "name" in a for a in value)
            if not ok:
                errors.append(f'json: cannot unmarshal {_go_type(value)} into Go struct field '
                              f'{path} of type []v1beta4.Arg (kubeadm.k8s.io/v1beta4 wants a list '
                              f'of {{name, value}})')
        elif not isinstance(value, dict):
            errors.append(f'json: cannot unmarshal {_go_type(value)} into Go struct field {path} '
                          f'of type map[string]string (kubeadm.k8s.io/v1beta3 wants a map)')
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            errors.append(f"json: cannot unmarshal {_go_type(value)} into Go struct field {path} "
                          f"of type array")
            return
        for i, item in enumerate(value):
            check_fields(schema[0], item, f"{path}[{i}]", v4, errors)
        return
    if not isinstance(value, dict):
        errors.append(f"json: cannot unmarshal {_go_type(value)} into Go struct field {path} of "
                      f"type object")
        return
    for k, v in value.items():
        sub = f"{path}.{k}" if path else k
        if k not in schema:
            errors.append(f'strict decoding error: unknown field "{sub}"')
        else:
            check_fields(schema[k], v, sub, v4, errors)


KUBEADM_GROUP = "kubeadm.k8s.io"
KUBEADM_VERSIONS = ("v1beta3", "v1beta4")
OLD_KUBEADM_VERSIONS = {"v1alpha1": "v1.11", "v1alpha2": "v1.12", "v1alpha3": "v1.14",
                        "v1beta1": "v1.14", "v1beta2": "v1.22"}
KUBEADM_KINDS = {"InitConfiguration", "ClusterConfiguration", "JoinConfiguration",
                 "ResetConfiguration", "UpgradeConfiguration"}
COMPONENT_KINDS = {("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"),
                   ("kubeproxy.config.k8s.io/v1alpha1", "KubeProxyConfiguration")}
SEMVER_RE = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                       r"(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def args_list(value):
    """extraArgs in either shape -> [(name, value)]."""
    if isinstance(value, dict):
        return [(str(k), "" if v is None else str(v)) for k, v in value.items()]
    return [(str(a["name"]), "" if a.get("value") is None else str(a["value"]))
            for a in value or []]


def merge_args(base, extra):
    """kubeadm's flag building: defaults overridden by extraArgs, sorted; returns ['--k=v']."""
    out = dict(base)
    dup = []
    seen = set()
    for k, v in extra:
        if k in seen:  # v1beta4 allows repeating a flag
            dup.append((k, v))
        else:
            out[k] = v
            seen.add(k)
    items = sorted(out.items()) + dup
    return [f"--{k}={v}" for k, v in items]


class KubeadmConfig:
    """The decoded documents of a kubeadm config file, with kubeadm's defaults applied."""

    def __init__(self, docs, path="<config>"):
        self.path = path
        self.docs = docs  # kind -> dict
        self.api_versions = {k: d.get("apiVersion") for k, d in docs.items()}

    # -- decoding ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path, strict=False, allow_experimental=False):
        try:
            text = read_file(path)
        except FileNotFoundError:
            raise Fail(f'unable to read config from "{path}" : open {path}: no such file or '
                       f'directory')
        return cls.parse(text, path, strict, allow_experimental)

    @classmethod
    def parse(cls, text, path="<config>", strict=False, allow_experimental=False):
        """strict: `kubeadm config validate` (duplicate fields are errors, not warnings)."""
        try:
            raw = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as e:
            raise Fail(f"error converting YAML to JSON: {e}")
        for dup in standin_validate.duplicate_fields(text):
            if strict:
                raise Fail(f'error decoding "{path}": strict decoding error: yaml: unmarshal '
                           f'errors:\n  {dup}')
            warn(f"[config] WARNING: strict decoding error: {dup}")
        docs, errors = {}, []
        for d in raw:
            if not isinstance(d, dict):
                raise Fail("invalid configuration: each YAML document must be an object")
            api, kind = d.get("apiVersion"), d.get("kind")
            if not api or not kind:
                raise Fail(f'invalid configuration for GroupVersionKind {api or ""}, '
                           f'Kind={kind or ""}: kind and apiVersion is mandatory information that '
                           f'must be specified')
            group, _, ver = str(api).rpartition("/")
            if group == KUBEADM_GROUP:
                if ver in OLD_KUBEADM_VERSIONS:
                    raise Fail(f'your configuration file uses an old API spec: "{api}" (kind: '
                               f'"{kind}"). Please use kubeadm {OLD_KUBEADM_VERSIONS[ver]} '
                               f'instead and run \'kubeadm config migrate --old-config old.yaml '
                               f'--new-config new.yaml\', which will write the new, similar spec '
                               f'using a newer API version.')
                matrix = standin_validate.check_api_version(api, kind, standin_common.VERSION,
                                                            allow_experimental)
                if matrix:
                    raise Fail(matrix)
                if ver not in KUBEADM_VERSIONS or kind not in KUBEADM_KINDS:
                    raise Fail(f'no kind "{kind}" is registered for version "{api}" in scheme '
                               f'"k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"')
                check_fields(kubeadm_schema(kind, ver == "v1beta4"), d, "", ver == "v1beta4",
                             errors)
            elif (api, kind) not in COMPONENT_KINDS:
                raise Fail(f'no kind "{kind}" is registered for version "{api}" (known: '
                           f'{KUBEADM_GROUP}/v1beta3|v1beta4 Init/Cluster/JoinConfiguration, '
                           f'kubelet.config.k8s.io/v1beta1 KubeletConfiguration, '
                           f'kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration)')
            if kind in docs:
                raise Fail(f"invalid configuration: kind {kind!r} is specified twice in YAML file")
            docs[kind] = d
        if errors:
            raise Fail(f'error decoding "{path}": ' + "; ".join(errors))
        return cls(docs, path)

    # -- accessors with kubeadm defaults ----------------------------------------------------
    def doc(self, kind):
        return self.docs.get(kind) or {}

    @property
    def init(self):
        return self.doc("InitConfiguration")

    @property
    def cluster(self):
        return self.doc("ClusterConfiguration")

    @property
    def join(self):
        return self.doc("JoinConfiguration")

    @property
    def kubelet(self):
        return self.doc("KubeletConfiguration")

    @property
    def kubeproxy(self):
        return self.doc("KubeProxyConfiguration")

    def kubernetes_version(self):
        v = str(self.cluster.get("kubernetesVersion") or standin_common.VERSION)
        if not SEMVER_RE.match(v):
            raise Fail(f'couldn\'t parse Kubernetes version "{v}": could not parse "{v}" as '
                       f'version (kubernetesVersion must be a semantic version like v1.35.0; '
                       f'the stand-in is offline, so labels like "stable" are refused)')
        v = v if v.startswith("v") else "v" + v
        mine, want = semver_tuple(standin_common.VERSION), semver_tuple(v)
        minimum = (mine[0], max(mine[1] - 1, 0), 0)
        if want < minimum:
            raise Fail(f"this version of kubeadm only supports deploying clusters with the "
                       f"control plane version >= v{minimum[0]}.{minimum[1]}.0. Current version: "
                       f"{v}")
        if want[:2] > mine[:2] and not getattr(self, "_warned", False):
            self._warned = True
            warn(f"[init] WARNING: Specified version to deploy ({v}) is greater than this "
                 f"version of kubeadm ({standin_common.VERSION}); continuing")
        return v

    def cluster_name(self):
        return self.cluster.get("clusterName") or "kubernetes"

    def service_subnets(self):
        return [s.strip() for s in str(dig(self.cluster, "networking", "serviceSubnet",
                                           default="10.96.0.0/12")).split(",")]

    def pod_subnet(self):
        return dig(self.cluster, "networking", "podSubnet", default="") or ""

    def dns_domain(self):
        return dig(self.cluster, "networking", "dnsDomain", default="cluster.local")

    def control_plane_endpoint(self):
        return self.cluster.get("controlPlaneEndpoint") or ""

    def image_repository(self):
        return self.cluster.get("imageRepository") or "registry.k8s.io"

    def encryption_algorithm(self):
        return self.cluster.get("encryptionAlgorithm") or "RSA-2048"

    def component_args(self, component):
        if component == "etcd":
            return args_list(dig(self.cluster, "etcd", "local", "extraArgs"))
        return args_list(dig(self.cluster, component, "extraArgs"))

    def cert_sans(self):
        return [str(s) for s in dig(self.cluster, "apiServer", "certSANs", default=[]) or []]

    def skip_phases(self, kind):
        return set(self.doc(kind).get("skipPhases") or [])

    def wait_timeout(self, kind):
        t = dig(self.doc(kind), "timeouts", "controlPlaneComponentHealthCheck") or \
            dig(self.cluster, "apiServer", "timeoutForControlPlane")
        return parse_duration(t, WAIT_TIMEOUT) if t else WAIT_TIMEOUT


def semver_tuple(v):
    m = SEMVER_RE.match(v)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0, 0, 0)


def first_service_ip(cidr):
    net = ipaddress.ip_network(cidr, strict=False)
    return str(net.network_address + 1)


def node_registration(doc):
    nr = doc.get("nodeRegistration") or {}
    return {
        "name": (nr.get("name") or hostname()),
        "criSocket": nr.get("criSocket") or "unix:///var/run/containerd/containerd.sock",
        "taints": nr.get("taints"),
        "kubeletExtraArgs": args_list(nr.get("kubeletExtraArgs")),
    }


def validate_common(cfg, errors):
    for s in cfg.service_subnets():
        try:
            ipaddress.ip_network(s, strict=False)
        except ValueError:
            errors.append(f'networking.serviceSubnet: Invalid value: "{s}": couldn\'t parse subnet')
    if cfg.pod_subnet():
        for s in cfg.pod_subnet().split(","):
            try:
                ipaddress.ip_network(s.strip(), strict=False)
            except ValueError:
                errors.append(f'networking.podSubnet: Invalid value: "{s}": couldn\'t parse subnet')
    for i, san in enumerate(cfg.cert_sans()):
        if not (is_ip(san) or is_dns_subdomain(san.removeprefix("*."))):
            errors.append(f'apiServer.certSANs[{i}]: Invalid value: "{san}": altname is not a '
                          f'valid IP address, DNS label or a DNS label with subdomain wildcards')
    cpe = cfg.control_plane_endpoint()
    if cpe:
        try:
            host, port = split_host_port(cpe, 6443)
            if not (is_ip(host) or is_dns_subdomain(host)) or not 0 < port < 65536:
                raise Fail("bad")
        except Fail:
            errors.append(f'controlPlaneEndpoint: Invalid value: "{cpe}": must be a valid '
                          f'host[:port]')
    try:
        cfg.kubernetes_version()
    except Fail as e:
        errors.append(str(e))
    algo = cfg.encryption_algorithm()
    if algo not in ("RSA-2048", "RSA-3072", "RSA-4096", "ECDSA-P256", "ECDSA-P384"):
        errors.append(f'encryptionAlgorithm: Unsupported value: "{algo}"')


def validate_node_registration(nr, errors):
    if not is_dns_subdomain(nr["name"]):
        errors.append(f'nodeRegistration.name: Invalid value: "{nr["name"]}": a lowercase RFC '
                      f'1123 subdomain must consist of lower case alphanumeric characters, \'-\' '
                      f'or \'.\', and must start and end with an alphanumeric character')


def validate_endpoint(ep, path, errors):
    adv = (ep or {}).get("advertiseAddress")
    if adv and not is_ip(str(adv)):
        errors.append(f'{path}.advertiseAddress: Invalid value: "{adv}": cannot parse IP address')
    port = (ep or {}).get("bindPort", 6443)
    if not isinstance(port, int) or not 0 < port < 65536:
        errors.append(f'{path}.bindPort: Invalid value: {port!r}: port number is not valid')


def validate_init(cfg):
    errors = []
    validate_common(cfg, errors)
    for i, t in enumerate(cfg.init.get("bootstrapTokens") or []):
        if not TOKEN_RE.match(str(t.get("token", ""))):
            errors.append(f'bootstrapTokens[{i}].token: Invalid value: "{t.get("token", "")}": '
                          f'the bootstrap token is invalid (want ^[a-z0-9]{{6}}\\.[a-z0-9]{{16}}$)')
    validate_endpoint(cfg.init.get("localAPIEndpoint"), "localAPIEndpoint", errors)
    validate_node_registration(node_registration(cfg.init), errors)
    if errors:
        raise Fail("\n".join(errors))


def validate_join(cfg):
    errors = []
    j = cfg.join
    disc = j.get("discovery") or {}
    bt = disc.get("bootstrapToken")
    if not bt and not disc.get("file"):
        errors.append("discovery: Invalid value: \"\": bootstrapToken or file must be set")
    if bt:
        if not TOKEN_RE.match(str(bt.get("token", ""))):
            errors.append(f'discovery.bootstrapToken.token: Invalid value: "{bt.get("token", "")}"'
                          f': the bootstrap token is invalid')
        if not bt.get("apiServerEndpoint"):
            errors.append('discovery.bootstrapToken.apiServerEndpoint: Invalid value: "": '
                          'using token-based discovery without an apiServerEndpoint')
        hashes_ = bt.get("caCertHashes") or []
        for h in hashes_:
            if not re.match(r"^sha256:[0-9a-f]{64}$", str(h)):
                errors.append(f'discovery.bootstrapToken.caCertHashes: Invalid value: "{h}": '
                              f'invalid hash, expected "sha256:<64 hex digits>"')
        if not hashes_ and not bt.get("unsafeSkipCAVerification"):
            errors.append('discovery.bootstrapToken.caCertHashes: Invalid value: "": using '
                          'token-based discovery without caCertHashes can be unsafe. Set '
                          'unsafeSkipCAVerification as true in your kubeadm config file or pass '
                          '--discovery-token-unsafe-skip-ca-verification flag to continue')
    tls_token = disc.get("tlsBootstrapToken")
    if tls_token and not TOKEN_RE.match(str(tls_token)):
        errors.append(f'discovery.tlsBootstrapToken: Invalid value: "{tls_token}": the bootstrap '
                      f'token is invalid')
    if j.get("controlPlane") is not None:
        validate_endpoint(dig(j, "controlPlane", "localAPIEndpoint"),
                          "controlPlane.localAPIEndpoint", errors)
    validate_node_registration(node_registration(j), errors)
    if errors:
        raise Fail("\n".join(errors))


KUBELET_CONFIG_DEFAULTS = {
    "apiVersion": "kubelet.config.k8s.io/v1beta1",
    "kind": "KubeletConfiguration",
    "authentication": {"anonymous": {"enabled": False},
                       "webhook": {"cacheTTL": "0s", "enabled": True},
                       "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}},
    "authorization": {"mode": "Webhook",
                      "webhook": {"cacheAuthorizedTTL": "0s", "cacheUnauthorizedTTL": "0s"}},
    "cgroupDriver": "systemd",
    "clusterDNS": ["10.96.0.10"],
    "clusterDomain": "cluster.local",
    "healthzBindAddress": "127.0.0.1",
    "healthzPort": 10248,
    "rotateCertificates": True,
    "staticPodPath": MANIFESTS,
}


def kubelet_config_for(cfg):
    """KubeletConfiguration as kubeadm writes it: its defaults + the user's document."""
    base = copy.deepcopy(KUBELET_CONFIG_DEFAULTS)
    svc = cfg.service_subnets()[0]
    net = ipaddress.ip_network(svc, strict=False)
    base["clusterDNS"] = [str(net.network_address + 10)]
    base["clusterDomain"] = cfg.dns_domain()
    return deep_merge(base, cfg.kubelet)
