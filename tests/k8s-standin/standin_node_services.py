"""TEST DOUBLE: what this node's kube-proxy and CoreDNS pods would do, done by the node's
stand-in kubelet process once a pass (the pods themselves run placeholder images):

- while this node's kube-proxy pod (kube-system, k8s-app=kube-proxy) is Running, its
  iptables rules (standin_kubeproxy), in the mode of the kube-proxy ConfigMap's config.conf
  (as kube-proxy reads it: --config=/var/lib/kube-proxy/config.conf; "" means iptables);
- for each coredns pod (kube-system, k8s-app=kube-dns) Running on this node, a DNS server
  inside that pod's network namespace (standin_dns), in the zone of the kubelet's
  clusterDomain.
Both read the Services and EndpointSlices through the kubelet's API client, as kube-proxy and
CoreDNS watch them through theirs.
"""
import json

import yaml

import standin_cri
import standin_dns
import standin_kubeproxy


def labelled(pod, value):
    meta = pod.get("metadata") or {}
    return meta.get("namespace") == "kube-system" and \
        (meta.get("labels") or {}).get("k8s-app") == value


def proxy_mode(client):
    """(mode, clusterCIDR) from the kube-proxy ConfigMap kubeadm wrote."""
    cm = client.get("/api/v1/namespaces/kube-system/configmaps/kube-proxy")
    cfg = yaml.safe_load((cm.get("data") or {}).get("config.conf") or "{}") or {}
    return cfg.get("mode") or "iptables", cfg.get("clusterCIDR") or ""


class NodeServices:
    def __init__(self, kubelet, worker):
        self.kubelet, self.worker = kubelet, worker
        self.proxier = standin_kubeproxy.Proxier(lambda m: kubelet.log_change("kube-proxy", m,
                                                                             False))
        self.dns = {}  # (pod uid, sandbox id) -> standin_dns.Server

    def sync(self, client, pods, statuses):
        running = {uid: p for uid, p in pods.items()
                   if (statuses.get(uid) or {}).get("phase") == "Running"}
        proxy = any(labelled(p, "kube-proxy") for p in running.values())
        dns_pods = {uid: p for uid, p in running.items() if labelled(p, "kube-dns")}
        if not proxy and not dns_pods and not self.dns:
            return
        services = client.get("/api/v1/services").get("items") or []
        slices = client.get("/apis/discovery.k8s.io/v1/endpointslices").get("items") or []
        if proxy:
            self.sync_proxy(client, services, slices)
        self.sync_dns(dns_pods, services, slices)

    def sync_proxy(self, client, services, slices):
        mode, cidr = proxy_mode(client)
        if mode != "iptables":
            self.kubelet.log_change("kube-proxy", f"kube-proxy (stand-in): mode {mode!r} is not "
                                                  f"modelled; no rules written")
            return
        versions = sorted({v for s in services for v in ip_versions(s)}) or [4]
        self.proxier.sync(services, slices, cidr, versions)

    def sync_dns(self, dns_pods, services, slices):
        zone = (self.kubelet.config or {}).get("clusterDomain", "cluster.local")
        records = standin_dns.Records(services, slices, zone)
        want = {}
        for uid in dns_pods:
            sid = self.sandbox_of(uid)
            if sid:
                want[(uid, sid)] = sid
        for key in list(self.dns):
            if key not in want:
                self.dns.pop(key).stop()
        for key, sid in want.items():
            if key not in self.dns:
                try:
                    socks = standin_dns.sockets_in_netns(self.netns_of(sid))
                except (OSError, KeyError, ValueError) as e:
                    self.kubelet.log_change("dns", f"coredns (stand-in) in sandbox {sid}: {e}")
                    continue
                self.dns[key] = standin_dns.Server(socks, records)
            self.dns[key].records = records

    def sandbox_of(self, uid):
        for sb in self.worker.cri.sandboxes():
            if (sb.get("labels") or {}).get("io.kubernetes.pod.uid") == uid and \
                    sb.get("state") == standin_cri.SANDBOX_READY:
                return sb["id"]
        return None

    def netns_of(self, sid):
        """The sandbox's network namespace, from containerd's verbose sandbox info."""
        info = (self.worker.cri.sandbox_status(sid).get("info") or {}).get("info") or "{}"
        data = json.loads(info)
        for ns in ((data.get("runtimeSpec") or {}).get("linux") or {}).get("namespaces") or []:
            if ns.get("type") == "network" and ns.get("path"):
                return ns["path"]
        return f"/proc/{int(data['pid'])}/ns/net"


def ip_versions(svc):
    spec = svc.get("spec") or {}
    return {6 if ":" in ip else 4 for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]
            if ip and ip != "None"}
