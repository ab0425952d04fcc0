"""TEST DOUBLE: kubeadm's middle phases (cmd/kubeadm/app/phases): the static pod manifests for
etcd, kube-apiserver, kube-controller-manager and kube-scheduler (controlplane/manifests.go,
etcd/local.go), kubelet-start (kubeadm-flags.env, config.yaml), the waits for the kubelet's
/healthz and the API server (app/util/apiclient/wait.go), mark-control-plane (label and
taint), bootstrap tokens, the addons (CoreDNS, kube-proxy) and the kubeadm-config and
kubelet-config ConfigMaps (uploadconfig), and preflight's port and file checks.
"""
import copy
import datetime
import http.client
import http.server
import ipaddress
import json
import os
import random
import socket
import string
import time

import standin_common
from standin_client import ApiClient, ApiError, wait_until
from standin_common import (
    b64, CP_LABEL, deep_merge, dig, EXCLUDE_LB_LABEL, exists, Fail, go_duration, hostname,
    join_host_port, KUBE_DIR, KUBELET_CONFIG, KUBELET_FLAGS_ENV, MANIFESTS, P, parse_duration,
    PKI, read_file, STATE_ENDPOINT_ANNOTATION, STATIC_POD_STATUS, write_file, yaml_dump)
from standin_kubeadm_config import merge_args
from standin_kubelet_cli import systemctl


def static_pod(component, image, command, probe, volumes, annotations=None):
    container = {
        "command": command, "image": image, "imagePullPolicy": "IfNotPresent",
        "livenessProbe": dict(probe, failureThreshold=8, initialDelaySeconds=10, periodSeconds=10,
                              timeoutSeconds=15),
        "name": component, "resources": {"requests": {"cpu": "100m" if component == "etcd"
                                                      else "250m"}},
        "startupProbe": dict(probe, failureThreshold=24, initialDelaySeconds=10,
                             periodSeconds=10, timeoutSeconds=15),
        "volumeMounts": [{"mountPath": m, "name": n, **({"readOnly": True} if ro else {})}
                         for n, _, m, ro, _ in volumes],
    }
    meta = {"labels": {"component": component, "tier": "control-plane"}, "name": component,
            "namespace": "kube-system"}
    if annotations:
        meta = {"annotations": annotations, **meta}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {
        "containers": [container], "hostNetwork": True, "priority": 2000001000,
        "priorityClassName": "system-node-critical",
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": [{"hostPath": {"path": h, "type": t}, "name": n} for n, h, _, _, t in volumes]},
        "status": {}}


CERT_VOLUMES = [("ca-certs", "/etc/ssl/certs", "/etc/ssl/certs", True, "DirectoryOrCreate"),
                ("etc-ca-certificates", "/etc/ca-certificates", "/etc/ca-certificates", True,
                 "DirectoryOrCreate"),
                ("k8s-certs", PKI, PKI, True, "DirectoryOrCreate"),
                ("usr-local-share-ca-certificates", "/usr/local/share/ca-certificates",
                 "/usr/local/share/ca-certificates", True, "DirectoryOrCreate"),
                ("usr-share-ca-certificates", "/usr/share/ca-certificates",
                 "/usr/share/ca-certificates", True, "DirectoryOrCreate")]


def phase_manifests(cp, state_endpoint=None, etcd_initial=None):
    cfg, repo, adv = cp.cfg, cp.cfg.image_repository(), cp.adv
    svc = ",".join(cfg.service_subnets())
    write = lambda name, pod: write_file(f"{MANIFESTS}/{name}.yaml", yaml_dump(pod), 0o600)
    print(f'[etcd] Creating static Pod manifest for local etcd in "{MANIFESTS}"')
    ip_url = lambda port: f"https://{join_host_port(adv, port)}"
    etcd_args = {
        "advertise-client-urls": ip_url(2379), "cert-file": f"{PKI}/etcd/server.crt",
        "client-cert-auth": "true", "data-dir": "/var/lib/etcd",
        "feature-gates": "InitialCorruptCheck=true",
        "initial-advertise-peer-urls": ip_url(2380),
        "initial-cluster": etcd_initial or f"{cp.node}={ip_url(2380)}",
        "key-file": f"{PKI}/etcd/server.key",
        "listen-client-urls": f"https://127.0.0.1:2379,{ip_url(2379)}",
        "listen-metrics-urls": "http://127.0.0.1:2381", "listen-peer-urls": ip_url(2380),
        "name": cp.node, "peer-cert-file": f"{PKI}/etcd/peer.crt", "peer-client-cert-auth": "true",
        "peer-key-file": f"{PKI}/etcd/peer.key", "peer-trusted-ca-file": f"{PKI}/etcd/ca.crt",
        "snapshot-count": "10000", "trusted-ca-file": f"{PKI}/etcd/ca.crt"}
    if etcd_initial:
        etcd_args["initial-cluster-state"] = "existing"
    write("etcd", static_pod(
        "etcd", f"{repo}/etcd:{ETCD_VERSION}",
        ["etcd"] + merge_args(etcd_args, cfg.component_args("etcd")),
        {"httpGet": {"host": "127.0.0.1", "path": "/livez", "port": 2381, "scheme": "HTTP"}},
        [("etcd-certs", f"{PKI}/etcd", f"{PKI}/etcd", False, "DirectoryOrCreate"),
         ("etcd-data", "/var/lib/etcd", "/var/lib/etcd", False, "DirectoryOrCreate")],
        {"kubeadm.kubernetes.io/etcd.advertise-client-urls": ip_url(2379)}))
    print(f'[control-plane] Using manifest folder "{MANIFESTS}"')
    print('[control-plane] Creating static Pod manifest for "kube-apiserver"')
    api_args = {
        "advertise-address": adv, "allow-privileged": "true",
        "authorization-mode": "Node,RBAC", "client-ca-file": f"{PKI}/ca.crt",
        "enable-admission-plugins": "NodeRestriction", "enable-bootstrap-token-auth": "true",
        "etcd-cafile": f"{PKI}/etcd/ca.crt", "etcd-certfile": f"{PKI}/apiserver-etcd-client.crt",
        "etcd-keyfile": f"{PKI}/apiserver-etcd-client.key",
        "etcd-servers": "https://127.0.0.1:2379",
        "kubelet-client-certificate": f"{PKI}/apiserver-kubelet-client.crt",
        "kubelet-client-key": f"{PKI}/apiserver-kubelet-client.key",
        "kubelet-preferred-address-types": "InternalIP,ExternalIP,Hostname",
        "proxy-client-cert-file": f"{PKI}/front-proxy-client.crt",
        "proxy-client-key-file": f"{PKI}/front-proxy-client.key",
        "requestheader-allowed-names": "front-proxy-client",
        "requestheader-client-ca-file": f"{PKI}/front-proxy-ca.crt",
        "requestheader-extra-headers-prefix": "X-Remote-Extra-",
        "requestheader-group-headers": "X-Remote-Group",
        "requestheader-username-headers": "X-Remote-User",
        "secure-port": str(cp.port),
        "service-account-issuer": f"https://kubernetes.default.svc.{cfg.dns_domain()}",
        "service-account-key-file": f"{PKI}/sa.pub",
        "service-account-signing-key-file": f"{PKI}/sa.key",
        "service-cluster-ip-range": svc, "tls-cert-file": f"{PKI}/apiserver.crt",
        "tls-private-key-file": f"{PKI}/apiserver.key"}
    annotations = {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint":
                   cp.local_endpoint}
    if state_endpoint:  # stand-in only: where this secondary's state lives
        annotations[STATE_ENDPOINT_ANNOTATION] = state_endpoint
    probe_host = adv
    write("kube-apiserver", static_pod(
        "kube-apiserver", f"{repo}/kube-apiserver:{cp.version}",
        ["kube-apiserver"] + merge_args(api_args, cfg.component_args("apiServer")),
        {"httpGet": {"host": probe_host, "path": "/livez", "port": cp.port, "scheme": "HTTPS"}},
        CERT_VOLUMES, annotations))
    print('[control-plane] Creating static Pod manifest for "kube-controller-manager"')
    kcm_args = {
        "authentication-kubeconfig": f"{KUBE_DIR}/controller-manager.conf",
        "authorization-kubeconfig": f"{KUBE_DIR}/controller-manager.conf",
        "bind-address": "127.0.0.1", "client-ca-file": f"{PKI}/ca.crt",
        "cluster-name": cp.cluster_name, "cluster-signing-cert-file": f"{PKI}/ca.crt",
        "cluster-signing-key-file": f"{PKI}/ca.key", "controllers": "*,bootstrapsigner,tokencleaner",
        "kubeconfig": f"{KUBE_DIR}/controller-manager.conf", "leader-elect": "true",
        "requestheader-client-ca-file": f"{PKI}/front-proxy-ca.crt",
        "root-ca-file": f"{PKI}/ca.crt", "service-account-private-key-file": f"{PKI}/sa.key",
        "service-cluster-ip-range": svc, "use-service-account-credentials": "true"}
    if cfg.pod_subnet():
        kcm_args.update({"allocate-node-cidrs": "true", "cluster-cidr": cfg.pod_subnet()})
    write("kube-controller-manager", static_pod(
        "kube-controller-manager", f"{repo}/kube-controller-manager:{cp.version}",
        ["kube-controller-manager"] + merge_args(kcm_args, cfg.component_args("controllerManager")),
        {"httpGet": {"host": "127.0.0.1", "path": "/healthz", "port": 10257, "scheme": "HTTPS"}},
        CERT_VOLUMES[:3] + [("kubeconfig", f"{KUBE_DIR}/controller-manager.conf",
                             f"{KUBE_DIR}/controller-manager.conf", True, "FileOrCreate")]))
    print('[control-plane] Creating static Pod manifest for "kube-scheduler"')
    sched_args = {"authentication-kubeconfig": f"{KUBE_DIR}/scheduler.conf",
                  "authorization-kubeconfig": f"{KUBE_DIR}/scheduler.conf",
                  "bind-address": "127.0.0.1", "kubeconfig": f"{KUBE_DIR}/scheduler.conf",
                  "leader-elect": "true"}
    write("kube-scheduler", static_pod(
        "kube-scheduler", f"{repo}/kube-scheduler:{cp.version}",
        ["kube-scheduler"] + merge_args(sched_args, cfg.component_args("scheduler")),
        {"httpGet": {"host": "127.0.0.1", "path": "/livez", "port": 10259, "scheme": "HTTPS"}},
        [("kubeconfig", f"{KUBE_DIR}/scheduler.conf", f"{KUBE_DIR}/scheduler.conf", True,
          "FileOrCreate")]))


def phase_kubelet_start(kubelet_cfg, nodereg):
    base = {"container-runtime-endpoint": nodereg["criSocket"]}
    if nodereg["name"] != hostname():
        base["hostname-override"] = nodereg["name"]
    args = " ".join(merge_args(base, nodereg["kubeletExtraArgs"]))
    print(f'[kubelet-start] Writing kubelet environment file with flags to file '
          f'"{KUBELET_FLAGS_ENV}"')
    write_file(KUBELET_FLAGS_ENV, f'KUBELET_KUBEADM_ARGS="{args}"\n')
    print(f'[kubelet-start] Writing kubelet configuration to file "{KUBELET_CONFIG}"')
    write_file(KUBELET_CONFIG, yaml_dump(kubelet_cfg))
    print("[kubelet-start] Starting the kubelet")
    systemctl("restart", "kubelet")


def wait_kubelet_healthy(kubelet_cfg, timeout):
    port = int(os.environ.get("STANDIN_HEALTHZ_PORT") if standin_common.ROOT and
               os.environ.get("STANDIN_HEALTHZ_PORT") else kubelet_cfg.get("healthzPort", 10248))
    if port == 0:
        return
    addr = kubelet_cfg.get("healthzBindAddress", "127.0.0.1")
    url = f"http://{join_host_port(addr, port)}/healthz"
    print(f"[kubelet-check] Waiting for a healthy kubelet at {url}. This can take up to "
          f"{go_duration(timeout)}")
    start = time.time()

    def ok():
        conn = http.client.HTTPConnection(addr, port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        finally:
            conn.close()

    try:
        wait_until(ok, timeout, 0.2, "the kubelet")
    except Fail:
        raise Fail(f"[kubelet-check] The kubelet is not healthy after {go_duration(timeout)}\n\n"
                   f"Unfortunately, an error has occurred, likely caused by:\n"
                   f"\t- The kubelet is not running\n"
                   f"\t- The kubelet is unhealthy due to a misconfiguration of the node in some "
                   f"way (required cgroups disabled)\n\n"
                   f"If you are on a systemd-powered system, you can try to troubleshoot the "
                   f"error with the following commands:\n"
                   f"\t- 'systemctl status kubelet'\n\t- 'journalctl -xeu kubelet'\n"
                   f"error execution phase wait-control-plane: The HTTP call equal to "
                   f"'curl -sSL {url}' failed")
    print(f"[kubelet-check] The kubelet is healthy after {go_duration(round(time.time() - start, 3))}")


def wait_apiserver(cp, ca_pem, timeout):
    print(f"[control-plane-check] Waiting for healthy control plane components. This can take up "
          f"to {go_duration(timeout)}")
    url = f"{cp.local_url}/livez"
    print(f"[control-plane-check] Checking kube-apiserver at {url}")
    client = ApiClient(cp.local_url, ca_pem, timeout=3)
    start = time.time()
    try:
        wait_until(lambda: client.request("GET", "/livez")[0] == 200 and
                   client.request("GET", "/readyz")[0] == 200, timeout, 0.25, "kube-apiserver")
    except Fail as e:
        try:
            pods = json.loads(read_file(STATIC_POD_STATUS))
            detail = pods.get("kube-apiserver", {}).get("message") or "no error reported"
        except (OSError, ValueError):
            detail = "the kubelet has not reported any static pod (is it running?)"
        raise Fail(f"[control-plane-check] kube-apiserver is not healthy after "
                   f"{go_duration(timeout)}\n\n"
                   f"A control plane component may have crashed or exited when started by the "
                   f"container runtime.\nTo troubleshoot, list all containers using your "
                   f"preferred container runtimes CLI.\n"
                   f"error execution phase wait-control-plane: failed while waiting for the "
                   f"control plane to start: kube-apiserver check failed at {url}: {e}\n"
                   f"(stand-in) the kubelet reports kube-apiserver: {detail}")
    print(f"[control-plane-check] kube-apiserver is healthy after "
          f"{go_duration(round(time.time() - start, 3))}")


def upsert(client, path, obj):
    """Create, or replace what is there (kubeadm's CreateOrUpdate)."""
    try:
        return client.call("POST", path, obj)
    except ApiError as e:
        if e.code != 409:
            raise
    name = obj["metadata"]["name"]
    cur = client.get(f"{path}/{name}")
    obj["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
    return client.call("PUT", f"{path}/{name}", obj)


def configmap(name, ns, data, labels=None):
    meta = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def mark_control_plane(client, node, taints, timeout):
    print(f"[mark-control-plane] Marking the node {node} as control-plane by adding the labels: "
          f"[{CP_LABEL} {EXCLUDE_LB_LABEL}]")
    want = [{"key": CP_LABEL, "effect": "NoSchedule"}] if taints is None else taints
    if want:
        print(f"[mark-control-plane] Marking the node {node} as control-plane by adding the "
              f"taints [{' '.join(t['key'] + ':' + t['effect'] for t in want)}]")
    cur = wait_until(lambda: client.get(f"/api/v1/nodes/{node}"), timeout, 0.3,
                     f'node "{node}" to register')
    have = dig(cur, "spec", "taints", default=[]) or []
    merged = have + [t for t in want if not any(h.get("key") == t.get("key") and
                                                h.get("effect") == t.get("effect") for h in have)]
    client.call("PATCH", f"/api/v1/nodes/{node}",
                {"metadata": {"labels": {CP_LABEL: "", EXCLUDE_LB_LABEL: ""}},
                 "spec": {"taints": merged}},
                content_type="application/strategic-merge-patch+json")


def bootstrap_token_secret(token, ttl="24h0m0s", description="", usages=None, groups=None):
    tid, secret = token.split(".")
    data = {"token-id": tid, "token-secret": secret}
    seconds = parse_duration(ttl, 86400)
    if seconds > 0:
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
        data["expiration"] = exp.strftime("%Y-%m-%dT%H:%M:%SZ")
    if description:
        data["description"] = description
    for u in usages or ["signing", "authentication"]:
        data[f"usage-bootstrap-{u}"] = "true"
    data["auth-extra-groups"] = ",".join(groups or
                                         ["system:bootstrappers:kubeadm:default-node-token"])
    return {"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
            "metadata": {"name": f"bootstrap-token-{tid}", "namespace": "kube-system"},
            "data": {k: b64(v) for k, v in data.items()}}


def random_token():
    alphabet = string.ascii_lowercase + string.digits
    pick = lambda n: "".join(random.SystemRandom().choice(alphabet) for _ in range(n))
    return f"{pick(6)}.{pick(16)}"


def addons(client, cfg, skip):
    svc_net = ipaddress.ip_network(cfg.service_subnets()[0], strict=False)
    repo = cfg.image_repository()
    if "addon/coredns" not in skip and "addon" not in skip:
        ks = "/api/v1/namespaces/kube-system"
        upsert(client, f"{ks}/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                 "metadata": {"name": "coredns",
                                                              "namespace": "kube-system"}})
        upsert(client, f"{ks}/configmaps", configmap("coredns", "kube-system", {
            "Corefile": f".:53 {{\n    errors\n    health {{\n       lameduck 5s\n    }}\n    "
                        f"ready\n    kubernetes {cfg.dns_domain()} in-addr.arpa ip6.arpa {{\n"
                        f"       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n"
                        f"       ttl 30\n    }}\n    prometheus :9153\n    forward . "
                        f"/etc/resolv.conf {{\n       max_concurrent 1000\n    }}\n    cache 30 "
                        f"{{\n       disable success {cfg.dns_domain()}\n       disable denial "
                        f"{cfg.dns_domain()}\n    }}\n    loop\n    reload\n    loadbalance\n}}\n"}))
        upsert(client, "/apis/apps/v1/namespaces/kube-system/deployments", {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "coredns", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-dns"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                     "template": {"metadata": {"labels": {"k8s-app": "kube-dns"}}, "spec": {
                         "serviceAccountName": "coredns", "priorityClassName":
                             "system-cluster-critical", "dnsPolicy": "Default",
                         "nodeSelector": {"kubernetes.io/os": "linux"},
                         "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                         {"key": "node-role.kubernetes.io/control-plane",
                                          "effect": "NoSchedule"}],
                         "containers": [{
                                 "name": "coredns", "image": f"{repo}/coredns/coredns:"
                                                             f"{COREDNS_VERSION}",
                                 "args": ["-conf", "/etc/coredns/Corefile"]}]}}}})
        upsert(client, f"{ks}/services", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system", "labels": {
                "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                "kubernetes.io/name": "CoreDNS"}},
            "spec": {"clusterIP": str(svc_net.network_address + 10),
                     "selector": {"k8s-app": "kube-dns"},
                     "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                               {"name": "dns-tcp", "port": 53, "protocol": "TCP",
                                "targetPort": 53},
                               {"name": "metrics", "port": 9153, "protocol": "TCP",
                                "targetPort": 9153}]}})
        print("[addons] Applied essential addon: CoreDNS")
    if "addon/kube-proxy" not in skip and "addon" not in skip:
        proxy_cfg = deep_merge({"apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
                                "kind": "KubeProxyConfiguration",
                                "clusterCIDR": cfg.pod_subnet(),
                                "clientConnection": {"kubeconfig":
                                                     "/var/lib/kube-proxy/kubeconfig.conf"}},
                               cfg.kubeproxy)
        ks = "/api/v1/namespaces/kube-system"
        upsert(client, f"{ks}/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                 "metadata": {"name": "kube-proxy",
                                                              "namespace": "kube-system"}})
        upsert(client, f"{ks}/configmaps", configmap("kube-proxy", "kube-system",
                                                     {"config.conf": yaml_dump(proxy_cfg)},
                                                     {"app": "kube-proxy"}))
        upsert(client, "/apis/apps/v1/namespaces/kube-system/daemonsets", {
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-proxy"}},
            "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                     "template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}}, "spec": {
                         "serviceAccountName": "kube-proxy", "hostNetwork": True,
                         "priorityClassName": "system-node-critical",
                         "nodeSelector": {"kubernetes.io/os": "linux"},
                         "tolerations": [{"operator": "Exists"}],
                         "containers": [{"name": "kube-proxy",
                                         "image": f"{repo}/kube-proxy:{cfg.kubernetes_version()}",
                                         "command": ["/usr/local/bin/kube-proxy",
                                                     "--config=/var/lib/kube-proxy/config.conf",
                                                     "--hostname-override=$(NODE_NAME)"],
                                         "env": [{"name": "NODE_NAME", "valueFrom": {
                                             "fieldRef": {"fieldPath": "spec.nodeName"}}}],
                                         "securityContext": {"privileged": True}}]}}}})
        print("[addons] Applied essential addon: kube-proxy")


ETCD_VERSION = "3.6.6-0"
COREDNS_VERSION = "v1.13.1"
PAUSE_VERSION = "3.10.1"


def effective_cluster_config(cp):
    """The ClusterConfiguration kubeadm uploads: the user's document with defaults filled in."""
    cfg = cp.cfg
    doc = copy.deepcopy(cfg.cluster) or {"apiVersion": "kubeadm.k8s.io/v1beta4",
                                         "kind": "ClusterConfiguration"}
    doc.setdefault("apiVersion", "kubeadm.k8s.io/v1beta4")
    doc.setdefault("kind", "ClusterConfiguration")
    doc["kubernetesVersion"] = cp.version
    doc["clusterName"] = cp.cluster_name
    doc.setdefault("certificatesDir", PKI)
    doc.setdefault("imageRepository", cfg.image_repository())
    net = doc.setdefault("networking", {})
    net.setdefault("dnsDomain", cfg.dns_domain())
    net.setdefault("serviceSubnet", ",".join(cfg.service_subnets()))
    if cp.cp_endpoint:
        doc["controlPlaneEndpoint"] = cp.cp_endpoint
    return doc


def preflight(checks_ports, files, dirs):
    errors = []
    for host, port in checks_ports:
        try:
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            with socket.socket(fam, socket.SOCK_STREAM) as s:
                s.bind((host, port))
        except OSError:
            errors.append(f"[ERROR Port-{port}]: Port {port} is in use")
    for f in files:
        if exists(f):
            errors.append(f"[ERROR FileAvailable-{f.replace('/', '-')}]: {f} already exists")
    for d in dirs:
        if os.path.isdir(P(d)) and os.listdir(P(d)):
            errors.append(f"[ERROR DirAvailable-{d.replace('/', '-')}]: {d} is not empty")
    if errors:
        raise Fail("error execution phase preflight: [preflight] Some fatal errors occurred:\n\t"
                   + "\n\t".join(errors) + "\n[preflight] If you know what you are doing, you "
                   "can make a check non-fatal with `--ignore-preflight-errors=...`")
