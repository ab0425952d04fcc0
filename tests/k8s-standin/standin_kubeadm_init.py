"""TEST DOUBLE: `kubeadm init` (cmd/kubeadm/app/cmd/init.go): loads and validates the
configuration (or flags), runs preflight, certs, kubeconfig, etcd/control-plane manifests,
kubelet-start, waits, upload-config, mark-control-plane, bootstrap-token and addons in the
real order, and prints the real "Your Kubernetes control-plane has initialized successfully!"
text with the join command.
"""

import standin_all
import standin_common
import standin_components
from standin_client import ApiClient
from standin_common import ADMIN_CONF, b64, default_ip, dig, Fail, MANIFESTS, warn, yaml_dump
from standin_kubeadm_certs import ControlPlane, phase_certs, phase_kubeconfigs
from standin_kubeadm_config import (
    KubeadmConfig, kubelet_config_for, node_registration, validate_init)
from standin_kubeadm_phases import (
    addons, bootstrap_token_secret, configmap, effective_cluster_config, mark_control_plane,
    phase_kubelet_start, phase_manifests, preflight, random_token, upsert, wait_apiserver,
    wait_kubelet_healthy)
from standin_pki import ca_cert_hash, cert_pem


def kubeadm_init(flags):
    cfg = load_kubeadm_config(flags, "init")
    if "JoinConfiguration" in cfg.docs:
        warn(f"[config] WARNING: Ignored configuration document with GroupVersionKind "
             f"{cfg.api_versions['JoinConfiguration']}, Kind=JoinConfiguration")
    validate_init(cfg)
    init = cfg.init
    nr = node_registration(init)
    adv = dig(init, "localAPIEndpoint", "advertiseAddress") or default_ip()
    port = dig(init, "localAPIEndpoint", "bindPort", default=6443)
    cp = ControlPlane(cfg, nr["name"], adv, port)
    skip = cfg.skip_phases("InitConfiguration") | set(
        filter(None, ",".join(flags.get("skip-phases", [])).split(",")))
    timeout = cfg.wait_timeout("InitConfiguration")
    print(f"[init] Using Kubernetes version: {cp.version}")
    if "preflight" not in skip:
        print("[preflight] Running pre-flight checks")
        preflight([(adv, cp.port)], [f"{MANIFESTS}/{n}.yaml" for n in
                                     ("kube-apiserver", "kube-controller-manager",
                                      "kube-scheduler", "etcd")], ["/var/lib/etcd"])
        print("[preflight] Pulling images required for setting up a Kubernetes cluster")
    ca = phase_certs(cp)
    phase_kubeconfigs(cp, ca)
    phase_manifests(cp)
    kubelet_cfg = kubelet_config_for(cfg)
    phase_kubelet_start(kubelet_cfg, nr)
    print(f'[wait-control-plane] Waiting for the kubelet to boot up the control plane as static '
          f'Pods from directory "{MANIFESTS}"')
    wait_kubelet_healthy(kubelet_cfg, timeout)
    ca_data = cert_pem(ca[0])
    wait_apiserver(cp, ca_data, timeout)
    if standin_components.waits_for_all_components(standin_common.VERSION):
        standin_components.wait_for_components(standin_all, timeout)

    client = ApiClient.from_kubeconfig(ADMIN_CONF)
    ks = "/api/v1/namespaces/kube-system"
    print('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the '
          '"kube-system" Namespace')
    upsert(client, f"{ks}/configmaps", configmap("kubeadm-config", "kube-system", {
        "ClusterConfiguration": yaml_dump(effective_cluster_config(cp))}))
    print('[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the '
          'configuration for the kubelets in the cluster')
    upsert(client, f"{ks}/configmaps", configmap("kubelet-config", "kube-system",
                                                 {"kubelet": yaml_dump(kubelet_cfg)}))
    print("[upload-certs] Skipping phase. Please see --upload-certs")
    if "mark-control-plane" not in skip:
        mark_control_plane(client, cp.node, nr["taints"], timeout)
    skip_print = flags.on("skip-token-print")
    tokens = [t for t in init.get("bootstrapTokens") or []] or [{"token": random_token()}]
    if "bootstrap-token" not in skip:
        print(f"[bootstrap-token] Using token: "
              f"{'<value withheld>' if skip_print else tokens[0]['token']}")
        print("[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles")
        for t in tokens:
            upsert(client, f"{ks}/secrets", bootstrap_token_secret(
                t["token"], t.get("ttl", "24h0m0s"), t.get("description", ""), t.get("usages"),
                t.get("groups")))
        print("[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes")
        print("[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post "
              "CSRs in order for nodes to get long term certificate credentials")
        print("[bootstrap-token] Configured RBAC rules to allow the csrapprover controller "
              "automatically approve CSRs from a Node Bootstrap Token")
        print("[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node "
              "client certificates in the cluster")
        print('[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" '
              'namespace')
        info = {"apiVersion": "v1", "clusters": [{"cluster": {
            "certificate-authority-data": b64(ca_data), "server": cp.cp_url}, "name": ""}],
            "contexts": None, "current-context": "", "kind": "Config", "preferences": {},
            "users": None}
        upsert(client, "/api/v1/namespaces/kube-public/configmaps",
               configmap("cluster-info", "kube-public", {"kubeconfig": yaml_dump(info)}))
    addons(client, cfg, skip)
    h = ca_cert_hash(ca[0])
    tok = "<value withheld>" if skip_print else tokens[0]["token"]
    join = f"kubeadm join {cp.cp_endpoint or cp.local_endpoint} --token {tok} \\\n" \
           f"\t--discovery-token-ca-cert-hash {h}"
    print("""
Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

  mkdir -p $HOME/.kube
  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config
  sudo chown $(id -u):$(id -g) $HOME/.kube/config

Alternatively, if you are the root user, you can run:

  export KUBECONFIG=/etc/kubernetes/admin.conf

You should now deploy a pod network to the cluster.
Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:
  https://kubernetes.io/docs/concepts/cluster-administration/addons/
""")
    if cp.cp_endpoint:
        print(f"""You can now join any number of control-plane nodes by copying certificate authorities
and service account keys on each node and then running the following as root:

  {join} \\
\t--control-plane
""")
    print(f"Then you can join any number of worker nodes by running the following on each as "
          f"root:\n\n{join}")
    return 0


def load_kubeadm_config(flags, command):
    path = flags.one("config")
    if path:
        for f in ("apiserver-advertise-address", "token", "control-plane-endpoint",
                  "pod-network-cidr", "service-cidr", "kubernetes-version"):
            if f in flags:
                raise Fail(f"can not mix '--config' with arguments [{f}]")
        return KubeadmConfig.load(path)
    # Flags only: build the equivalent v1beta4 documents.
    ver = "kubeadm.k8s.io/v1beta4"
    cluster = {"apiVersion": ver, "kind": "ClusterConfiguration"}
    if flags.one("kubernetes-version"):
        cluster["kubernetesVersion"] = flags.one("kubernetes-version")
    if flags.one("control-plane-endpoint"):
        cluster["controlPlaneEndpoint"] = flags.one("control-plane-endpoint")
    net = {}
    if flags.one("pod-network-cidr"):
        net["podSubnet"] = flags.one("pod-network-cidr")
    if flags.one("service-cidr"):
        net["serviceSubnet"] = flags.one("service-cidr")
    if net:
        cluster["networking"] = net
    nr = {}
    if flags.one("node-name"):
        nr["name"] = flags.one("node-name")
    if flags.one("cri-socket"):
        nr["criSocket"] = flags.one("cri-socket")
    docs = {"ClusterConfiguration": cluster}
    if command == "init":
        init = {"apiVersion": ver, "kind": "InitConfiguration", "nodeRegistration": nr,
                "localAPIEndpoint": {"bindPort": int(flags.one("apiserver-bind-port", "6443"))}}
        if flags.one("apiserver-advertise-address"):
            init["localAPIEndpoint"]["advertiseAddress"] = flags.one("apiserver-advertise-address")
        if flags.one("token"):
            init["bootstrapTokens"] = [{"token": flags.one("token")}]
        docs["InitConfiguration"] = init
    return KubeadmConfig(docs, "<flags>")
