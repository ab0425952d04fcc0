"""TEST DOUBLE: the `kubeadm` command line (cmd/kubeadm/app/cmd): flags, `version`,
`config images list`, `token create/list/delete`, `reset` (cleans what init/join wrote), and
dispatch to init (standin_kubeadm_init) and join (standin_kubeadm_join); errors end with
kubeadm's "To see the stack trace of this error execute with --v=5 or higher".
"""
import json
import os
import sys
import time

import yaml

import standin_common
from standin_client import ApiClient
from standin_common import (
    ADMIN_CONF, default_ip, dig, Fail, human_duration, KUBE_DIR, KUBELET_DIR, MANIFESTS, P,
    parse_cli, parse_ts, PKI, remove_path, STANDIN_DIR, TOKEN_RE, unb64, warn, yaml_dump)
from standin_kubeadm_certs import ControlPlane, phase_certs
from standin_kubeadm_config import (
    KubeadmConfig, node_registration, SEMVER_RE, semver_tuple, validate_init, validate_join)
from standin_kubeadm_init import kubeadm_init, load_kubeadm_config
from standin_kubeadm_join import kubeadm_join, node_name_of_kubelet, standin_etcd_leave
from standin_kubeadm_phases import (
    bootstrap_token_secret, COREDNS_VERSION, ETCD_VERSION, PAUSE_VERSION, random_token, upsert)
from standin_kubectl import print_columns
from standin_kubelet import machine_arch
from standin_kubelet_cli import systemctl
from standin_pki import ca_cert_hash, load_cert, load_crypto


def kubeadm_reset(flags):
    if not flags.on("force"):
        sys.stdout.write("[reset] Are you sure you want to proceed? [y/N]: ")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise Fail("aborted reset operation")
    node = node_name_of_kubelet()
    if node:
        standin_etcd_leave(node)
    print("[reset] Stopping the kubelet service")
    try:
        systemctl("stop", "kubelet")
    except Fail as e:
        warn(str(e))
    dirs = [MANIFESTS, KUBELET_DIR, PKI, "/var/lib/etcd", STANDIN_DIR]
    print(f"[reset] Deleting contents of directories: [{' '.join(dirs)}]")
    for d in dirs:
        if os.path.isdir(P(d)):
            for entry in os.listdir(P(d)):
                remove_path(f"{d}/{entry}")
    files = [f"{KUBE_DIR}/{f}" for f in ("admin.conf", "super-admin.conf", "kubelet.conf",
                                         "bootstrap-kubelet.conf", "controller-manager.conf",
                                         "scheduler.conf")]
    print(f"[reset] Deleting files: [{' '.join(files)}]")
    for f in files:
        remove_path(f)
    print("\nThe reset process does not clean CNI configuration. To do so, you must remove "
          "/etc/cni/net.d\n\nThe reset process does not reset or clean up iptables rules or IPVS "
          "tables.\n\nThe reset process does not clean your kubeconfig files and you must remove "
          "them manually.\nPlease, check the contents of the $HOME/.kube/config file.")
    return 0


def kubeadm_images(flags):
    version = flags.one("kubernetes-version")
    repo = flags.one("image-repository")
    if flags.one("config"):
        cfg = KubeadmConfig.load(flags.one("config"))
        version = version or cfg.kubernetes_version()
        repo = repo or cfg.image_repository()
    version = version or standin_common.VERSION
    if not SEMVER_RE.match(version):
        raise Fail(f'couldn\'t parse Kubernetes version "{version}"')
    version = version if version.startswith("v") else "v" + version
    repo = repo or "registry.k8s.io"
    for img in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"):
        print(f"{repo}/{img}:{version}")
    print(f"{repo}/coredns/coredns:{COREDNS_VERSION}")
    print(f"{repo}/pause:{PAUSE_VERSION}")
    print(f"{repo}/etcd:{ETCD_VERSION}")
    return 0


def kubeadm_token(flags, pos):
    sub = pos[0] if pos else ""
    if sub == "generate":
        print(random_token())
        return 0
    client = ApiClient.from_kubeconfig(flags.one("kubeconfig", ADMIN_CONF))
    ks = "/api/v1/namespaces/kube-system/secrets"
    if sub == "create":
        token = pos[1] if len(pos) > 1 else random_token()
        if not TOKEN_RE.match(token):
            raise Fail(f'the bootstrap token "{token}" was not of the form '
                       f'"[a-z0-9]{{6}}.[a-z0-9]{{16}}"')
        upsert(client, ks, bootstrap_token_secret(token, flags.one("ttl", "24h0m0s"),
                                                  flags.one("description", "")))
        if flags.on("print-join-command"):
            info = client.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")
            kc = yaml.safe_load(info["data"]["kubeconfig"])
            server = kc["clusters"][0]["cluster"]["server"].removeprefix("https://")
            h = ca_cert_hash(load_cert(unb64(
                kc["clusters"][0]["cluster"]["certificate-authority-data"])))
            print(f"kubeadm join {server} --token {token} --discovery-token-ca-cert-hash {h} ")
        else:
            print(token)
        return 0
    if sub == "list":
        rows = []
        for s in client.get(ks).get("items", []):
            if s.get("type") != "bootstrap.kubernetes.io/token":
                continue
            d = {k: unb64(v).decode() for k, v in s.get("data", {}).items()}
            exp = d.get("expiration", "")
            ttl = human_duration(parse_ts(exp) - time.time()) if exp else "<forever>"
            usages = ",".join(k.split("usage-bootstrap-")[1] for k, v in d.items()
                              if k.startswith("usage-bootstrap-") and v == "true")
            rows.append([f'{d["token-id"]}.{d["token-secret"]}', ttl, exp or "<never>", usages,
                         d.get("description", "<none>") or "<none>",
                         d.get("auth-extra-groups", "")])
        print_columns(["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"], rows)
        return 0
    if sub == "delete":
        for t in pos[1:]:
            tid = t.split(".")[0]
            client.call("DELETE", f"{ks}/bootstrap-token-{tid}")
            print(f'bootstrap token "{tid}" deleted')
        return 0
    raise Fail(f'unknown command "{sub}" for "kubeadm token"')


KUBEADM_VALUE_FLAGS = {"config", "v", "kubernetes-version", "skip-phases", "output",
                       "token", "discovery-token", "discovery-token-ca-cert-hash",
                       "apiserver-advertise-address", "apiserver-bind-port", "node-name",
                       "cri-socket", "ttl", "description", "image-repository",
                       "certificate-key", "kubeconfig", "control-plane-endpoint",
                       "pod-network-cidr", "service-cidr", "ignore-preflight-errors",
                       "cert-dir", "patches", "tls-bootstrap-token", "usages", "groups",
                       "feature-gates", "apiserver-cert-extra-sans"}
KUBEADM_BOOL_FLAGS = {"skip-token-print", "force", "print-join-command", "control-plane",
                      "discovery-token-unsafe-skip-ca-verification", "upload-certs",
                      "dry-run", "allow-experimental-api", "allow-deprecated-api",
                      "skip-certificate-key-print", "help", "cleanup-tmp-dir",
                      "allow-missing-template-keys", "show-managed-fields"}


def kubeadm_main(argv):
    load_crypto()
    flags, pos = parse_cli(argv, KUBEADM_VALUE_FLAGS, KUBEADM_BOOL_FLAGS,
                           {"o": "output", "f": "force", "v": "v"})
    standin_common.VERBOSITY = int(flags.one("v", "0"))
    cmd = pos[0] if pos else ""
    if cmd == "version":
        out = flags.one("output", "")
        info = {"major": str(semver_tuple(standin_common.VERSION)[0]), "minor": str(semver_tuple(standin_common.VERSION)[1]),
                "gitVersion": standin_common.VERSION, "gitCommit": "standin", "gitTreeState": "clean",
                "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.25.0", "compiler": "gc",
                "platform": f"linux/{machine_arch()}"}
        if out == "short":
            print(standin_common.VERSION)
        elif out == "json":
            print(json.dumps({"clientVersion": info}, indent=2))
        elif out == "yaml":
            print(yaml_dump({"clientVersion": info}), end="")
        else:
            fields = ", ".join(f'{k[0].upper() + k[1:]}:"{v}"' for k, v in info.items())
            print(f"kubeadm version: &version.Info{{{fields}}}")
        return 0
    if cmd == "init" and pos[1:2] == ["phase"]:
        what = pos[2:]
        if what[:1] == ["certs"] and what[1:] in (["apiserver"], ["all"]):
            cfg = load_kubeadm_config(flags, "init")
            validate_init(cfg)
            nr = node_registration(cfg.init)
            cp = ControlPlane(cfg, nr["name"],
                              dig(cfg.init, "localAPIEndpoint", "advertiseAddress") or default_ip(),
                              dig(cfg.init, "localAPIEndpoint", "bindPort", default=6443))
            phase_certs(cp, only="apiserver" if what[1] == "apiserver" else None)
            return 0
        raise Fail(f"(stand-in) unsupported phase: kubeadm init phase {' '.join(what)} (supported:"
                   f" certs apiserver, certs all)")
    if cmd == "init":
        return kubeadm_init(flags)
    if cmd == "join":
        return kubeadm_join(flags, pos[1:])
    if cmd == "reset":
        return kubeadm_reset(flags)
    if cmd == "config" and pos[1:3] == ["images", "list"]:
        return kubeadm_images(flags)
    if cmd == "config" and pos[1:2] == ["validate"]:
        if not flags.one("config"):
            raise Fail("the --config flag is mandatory")
        cfg = KubeadmConfig.load(flags.one("config"), strict=True,
                                 allow_experimental=flags.on("allow-experimental-api"))
        if "InitConfiguration" in cfg.docs or "ClusterConfiguration" in cfg.docs:
            validate_init(cfg)
        if "JoinConfiguration" in cfg.docs:
            validate_join(cfg)
        print("ok")
        return 0
    if cmd == "token":
        return kubeadm_token(flags, pos[1:])
    raise Fail(f'unknown command "{cmd}" for "kubeadm" (stand-in supports: init, init phase certs '
               f'apiserver, join, reset, version, config images list, config validate, token)')
