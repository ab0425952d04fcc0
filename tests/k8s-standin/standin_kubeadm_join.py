"""TEST DOUBLE: `kubeadm join` (cmd/kubeadm/app/cmd/join.go, app/discovery/token): discovery
through the cluster-info ConfigMap with the token's JWS signature and the CA public-key pins
(or --discovery-token-unsafe-skip-ca-verification), TLS bootstrap of the kubelet, and for
--control-plane the shared certificates, manifests and the stand-in's etcd membership.
"""
import hmac

import yaml

import standin_all
import standin_common
import standin_components
import standin_etcd
import standin_pki
from standin_admission import jws_detached
from standin_apiserver import pod_command_flags
from standin_client import ApiClient, ApiError, ConnError, make_kubeconfig, wait_until
from standin_common import (
    ADMIN_CONF, b64, BOOTSTRAP_KUBELET_CONF, default_ip, dig, exists, Fail, join_host_port,
    KUBELET_CONF, MANIFESTS, parse_duration, PKI, read_file, remove_path, split_host_port, unb64,
    WAIT_TIMEOUT, warn, write_file, yaml_dump)
from standin_kubeadm_certs import ControlPlane, phase_certs, phase_kubeconfigs
from standin_kubeadm_config import KubeadmConfig, node_registration, validate_join
from standin_kubeadm_phases import (
    mark_control_plane, phase_kubelet_start, phase_manifests, preflight, wait_apiserver,
    wait_kubelet_healthy)
from standin_pki import ca_cert_hash, key_pem, load_cert, x509_name


def join_config_from_flags(flags, pos):
    bt = {"apiServerEndpoint": pos[0] if pos else "",
          "token": flags.one("discovery-token") or flags.one("token", ""),
          "caCertHashes": flags.get("discovery-token-ca-cert-hash", []),
          "unsafeSkipCAVerification": flags.on("discovery-token-unsafe-skip-ca-verification")}
    j = {"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "JoinConfiguration",
         "discovery": {"bootstrapToken": bt}, "nodeRegistration": {}}
    if flags.one("node-name"):
        j["nodeRegistration"]["name"] = flags.one("node-name")
    if flags.on("control-plane"):
        ep = {"bindPort": int(flags.one("apiserver-bind-port", "6443"))}
        if flags.one("apiserver-advertise-address"):
            ep["advertiseAddress"] = flags.one("apiserver-advertise-address")
        j["controlPlane"] = {"localAPIEndpoint": ep}
    return KubeadmConfig({"JoinConfiguration": j}, "<flags>")


def discover(join_doc, timeout):
    """Token discovery: fetch cluster-info, check its JWS and the CA pin, then re-fetch over
    verified TLS. Returns (ca_pem, endpoint)."""
    bt = dig(join_doc, "discovery", "bootstrapToken")
    endpoint, token = bt["apiServerEndpoint"], bt["token"]
    host, port = split_host_port(endpoint, 6443)
    endpoint = join_host_port(host, port)
    tid, tsecret = token.split(".")
    path = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
    print(f"[preflight] Discovering cluster-info from https://{endpoint}")
    insecure = ApiClient(f"https://{endpoint}", insecure=True, timeout=5)
    cm = wait_until(lambda: insecure.get(path), timeout, 1,
                    f'cluster-info ConfigMap from "https://{endpoint}"')
    data = cm.get("data") or {}
    kubeconfig = data.get("kubeconfig", "")
    sig = data.get(f"jws-kubeconfig-{tid}")
    if not sig:
        raise Fail(f'couldn\'t validate the identity of the API Server: there is no JWS signed '
                   f'token in the cluster-info ConfigMap. This token id "{tid}" is invalid for '
                   f'this cluster or it has expired. Use "kubeadm token create" on the '
                   f'control-plane node to create a new valid token')
    if not hmac.compare_digest(sig, jws_detached(kubeconfig, tid, tsecret)):
        raise Fail("couldn't validate the identity of the API Server: failed to verify JWS "
                   "signature of received cluster info object, can't trust this API Server")
    info = yaml.safe_load(kubeconfig) or {}
    ca_pem_ = unb64(info["clusters"][0]["cluster"]["certificate-authority-data"])
    pins = bt.get("caCertHashes") or []
    if pins:
        h = ca_cert_hash(load_cert(ca_pem_))
        if h not in pins:
            raise Fail(f'couldn\'t validate the identity of the API Server: cluster CA found in '
                       f'cluster-info ConfigMap is invalid: none of the public keys "{h}" are '
                       f'pinned')
    else:
        print("[preflight] WARNING: the cluster CA is not pinned (unsafeSkipCAVerification)")
    secure = ApiClient(f"https://{endpoint}", ca_pem_, timeout=5)
    try:
        again = secure.get(path)
    except (ApiError, ConnError) as e:
        raise Fail(f"couldn't validate the identity of the API Server: {e}")
    if dig(again, "data", "kubeconfig") != kubeconfig:
        raise Fail("couldn't validate the identity of the API Server: cluster-info changed "
                   "between the insecure and the secure request")
    print(f'[preflight] Cluster info signature and contents are valid and TLS certificate '
          f'validates against pinned roots, will use API Server "{endpoint}"')
    return ca_pem_, endpoint


SHARED_CP_FILES = ["ca.crt", "ca.key", "sa.key", "sa.pub", "front-proxy-ca.crt",
                   "front-proxy-ca.key", "etcd/ca.crt", "etcd/ca.key"]


def kubeadm_join(flags, pos):
    if flags.one("config"):
        cfg = KubeadmConfig.load(flags.one("config"))
        if "JoinConfiguration" not in cfg.docs:
            raise Fail(f'no JoinConfiguration found in config file "{flags.one("config")}"')
        for k in ("InitConfiguration", "ClusterConfiguration"):
            if k in cfg.docs:
                warn(f"[config] WARNING: Ignored configuration document with GroupVersionKind "
                     f"{cfg.api_versions[k]}, Kind={k}")
    else:
        cfg = join_config_from_flags(flags, pos)
    validate_join(cfg)
    j = cfg.join
    nr = node_registration(j)
    node = nr["name"]
    control_plane = j.get("controlPlane") is not None
    skip = cfg.skip_phases("JoinConfiguration")
    timeout = cfg.wait_timeout("JoinConfiguration")
    disc_timeout = parse_duration(dig(j, "discovery", "timeout") or
                                  dig(j, "timeouts", "discovery"), WAIT_TIMEOUT)
    cp_ep = dig(j, "controlPlane", "localAPIEndpoint", default={}) or {}
    adv = cp_ep.get("advertiseAddress") or default_ip()
    port = int(cp_ep.get("bindPort", 6443))
    if "preflight" not in skip:
        print("[preflight] Running pre-flight checks")
        preflight([(adv, port)] if control_plane else [],
                  [KUBELET_CONF, BOOTSTRAP_KUBELET_CONF] + ([] if control_plane else
                                                            [f"{PKI}/ca.crt"]),
                  [MANIFESTS] if control_plane else [])
    ca_data, endpoint = discover(j, disc_timeout)
    tok = ApiClient(f"https://{endpoint}", ca_data,
                    token=dig(j, "discovery", "tlsBootstrapToken") or
                    dig(j, "discovery", "bootstrapToken", "token"), timeout=10)
    print('[preflight] Reading configuration from the "kubeadm-config" ConfigMap in namespace '
          '"kube-system"...')
    print("[preflight] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' "
          "to re-upload it.")
    try:
        kcm = tok.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
        cluster_doc = yaml.safe_load(kcm["data"]["ClusterConfiguration"])
    except ApiError as e:
        raise Fail(f"unable to fetch the kubeadm-config ConfigMap: {e}")
    cluster_cfg = KubeadmConfig(dict(cfg.docs, ClusterConfiguration=cluster_doc))
    try:
        existing = tok.get(f"/api/v1/nodes/{node}")
        ready = next((c for c in dig(existing, "status", "conditions", default=[]) or []
                      if c.get("type") == "Ready"), {})
        if ready.get("status") == "True":
            raise Fail(f'a Node with name "{node}" and status "Ready" already exists in the '
                       f'cluster. You must delete the existing Node or change the name of this '
                       f'new joining Node')
    except ApiError as e:
        if e.code != 404:
            raise Fail(f"unable to check for an existing node: {e}")

    if control_plane:
        print("[preflight] Running pre-flight checks before initializing the new control plane "
              "instance")
        missing = [f for f in SHARED_CP_FILES if not exists(f"{PKI}/{f}")]
        if not cluster_cfg.control_plane_endpoint() or missing:
            why = []
            if not cluster_cfg.control_plane_endpoint():
                why.append("unable to add a new control plane instance to a cluster that doesn't "
                           "have a stable controlPlaneEndpoint address")
            why += [f"failure loading certificate for {f}: couldn't load {PKI}/{f}: no such file "
                    f"or directory" for f in missing]
            raise Fail("error execution phase preflight: \nOne or more conditions for hosting a "
                       "new control plane instance is not satisfied.\n\n" + "\n".join(why) +
                       "\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint "
                       "address.\n* The certificates that must be shared among control plane "
                       "instances are provided.")
        if read_file(f"{PKI}/ca.crt", True).strip() != ca_data.strip():
            raise Fail(f"the cluster CA in {PKI}/ca.crt does not match the CA of the cluster "
                       f"found through discovery (cluster-info)")
        cp = ControlPlane(cluster_cfg, node, adv, port)
        ca = phase_certs(cp, joining=True)
        print(f'[certs] Valid certificates and keys now exist in "{PKI}"')
        phase_kubeconfigs(cp, ca, joining=True)
        admin = ApiClient.from_kubeconfig(ADMIN_CONF)
        etcd_initial = standin_etcd_join(admin, node, adv, port)
        phase_manifests(cp, etcd_initial=etcd_initial)

    try:
        kubelet_cfg = yaml.safe_load(tok.get(
            "/api/v1/namespaces/kube-system/configmaps/kubelet-config")["data"]["kubelet"])
    except (ApiError, KeyError) as e:
        raise Fail(f"unable to fetch the kubelet-config ConfigMap: {e}")
    if not exists(f"{PKI}/ca.crt"):
        write_file(f"{PKI}/ca.crt", ca_data)
    # TLS bootstrap (normally the kubelet's job): a real CSR, posted with the bootstrap token.
    write_file(BOOTSTRAP_KUBELET_CONF, yaml_dump(make_kubeconfig(
        "kubernetes", f"https://{endpoint}", ca_data, "tls-bootstrap-token-user",
        token=tok.token)), 0o600)
    key = standin_pki.ec.generate_private_key(standin_pki.ec.SECP256R1())
    csr = standin_pki.x509.CertificateSigningRequestBuilder().subject_name(
        x509_name(f"system:node:{node}", ["system:nodes"])).sign(key, standin_pki.hashes.SHA256())
    try:
        created = tok.call("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"generateName": "csr-"},
            "spec": {"request": b64(csr.public_bytes(standin_pki.serialization.Encoding.PEM)),
                     "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                     "usages": ["digital signature", "client auth"]}})
        name = created["metadata"]["name"]
        done = wait_until(lambda: dig(tok.get(
            f"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}"),
            "status", "certificate"), timeout, 0.5, f"certificate for CSR {name}")
    except ApiError as e:
        raise Fail(f"error execution phase kubelet-start: TLS bootstrap failed: {e}")
    server = standin_components.kubelet_server(standin_common.VERSION, cp) if control_plane else \
        f"https://{endpoint}"
    write_file(KUBELET_CONF, yaml_dump(make_kubeconfig(
        "kubernetes", server, ca_data, "default-auth", unb64(done), key_pem(key))), 0o600)
    remove_path(BOOTSTRAP_KUBELET_CONF)
    phase_kubelet_start(kubelet_cfg, nr)
    wait_kubelet_healthy(kubelet_cfg, timeout)
    print("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap")
    kubelet_client = ApiClient.from_kubeconfig(KUBELET_CONF, timeout=5)
    wait_until(lambda: kubelet_client.get(f"/api/v1/nodes/{node}"), timeout, 0.3,
               f'node "{node}" to register')

    if control_plane:
        wait_apiserver(cp, ca_data, timeout)
        if standin_components.waits_for_all_components(standin_common.VERSION):
            standin_components.wait_for_components(standin_all, timeout)
        if "control-plane-join/mark-control-plane" not in skip:
            mark_control_plane(admin, node, nr["taints"], timeout)
        print("""
This node has joined the cluster and a new control plane instance was created:

* Certificate signing request was sent to apiserver and approval was received.
* The Kubelet was informed of the new secure connection details.
* Control plane label and taint were applied to the new node.
* The Kubernetes control plane instances scaled up.
* A new etcd member was added to the local/stacked etcd cluster.

To start administering your cluster from this node, you need to run the following as a regular user:

\tmkdir -p $HOME/.kube
\tsudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config
\tsudo chown $(id -u):$(id -g) $HOME/.kube/config

Run 'kubectl get nodes' to see this node join the cluster.
""")
    else:
        print("""
This node has joined the cluster:
* Certificate signing request was sent to apiserver and a response was received.
* The Kubelet was informed of the new secure connection details.

Run 'kubectl get nodes' on the control-plane to see this node join the cluster.
""")
    return 0


def standin_etcd_join(admin, node, adv, port):
    """kubeadm's control-plane-join/etcd phase: find the members from the etcd mirror pods'
    advertise-client-urls annotations and add this node as a member; fails like kubeadm when
    the cluster cannot take it. Returns etcd's --initial-cluster for the new member."""
    try:
        pods = admin.get("/api/v1/namespaces/kube-system/pods?labelSelector=component%3Detcd")
        endpoints = [p["metadata"]["annotations"]["kubeadm.kubernetes.io/etcd.advertise-client-urls"]
                     for p in pods.get("items", [])]
        if not endpoints:
            raise Fail("error execution phase control-plane-join/etcd: etcd cluster is not "
                       "healthy: no etcd endpoints found in the etcd static pods")
        peer = f"https://{join_host_port(adv, 2380)}"
        client = f"https://{join_host_port(adv, 2379)}"
        out = admin.call("POST", standin_etcd.PREFIX + "/members",
                         {"name": node, "peerURLs": [peer], "clientURL": client,
                          "apiPort": port}, timeout=30)
    except (ApiError, ConnError) as e:
        raise Fail(f"error execution phase control-plane-join/etcd: error creating local etcd "
                   f"static pod manifest file: etcdserver: could not add member {node}: {e}")
    print("[etcd] Announced new etcd member joining to the existing etcd cluster")
    return ",".join(f'{m["name"]}={m["peerURLs"][0]}' for m in out["members"])


def node_name_of_kubelet():
    """The node name kubeadm reset works on (the etcd member's name equals it)."""
    try:
        pod = yaml.safe_load(read_file(f"{MANIFESTS}/etcd.yaml"))
    except (OSError, yaml.YAMLError):
        return None
    return pod_command_flags(pod)[1].get("name")


def standin_etcd_leave(node):
    """kubeadm reset's remove-etcd-member phase: only with the cluster config, which kubeadm
    reads with the Node object (reset.go newResetData -> FetchInitConfigurationFromCluster ->
    getNodeRegistration: Nodes().Get); without it, kubeadm's warning and the member stays."""
    if not exists(f"{MANIFESTS}/etcd.yaml"):
        return
    try:
        admin = ApiClient.from_kubeconfig(ADMIN_CONF, timeout=10)
        admin.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
        try:
            admin.get(f"/api/v1/nodes/{node}")
        except ApiError as e:
            raise Fail(f"failed to get node registration: failed to get corresponding node: {e}")
    except (ApiError, ConnError, Fail, OSError) as e:
        warn(f"[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: {e}")
        warn("[reset] No kubeadm config, using etcd pod spec to get data directory")
        return
    try:
        admin.call("DELETE", f"{standin_etcd.PREFIX}/members/{node}")
        print("[reset] Deleted contents of the etcd data directory: /var/lib/etcd")
    except (ApiError, ConnError) as e:
        warn(f"[reset] Failed to remove etcd member: {e}, please manually remove this etcd "
             f"member using etcdctl")
