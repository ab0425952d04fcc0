"""TEST DOUBLE: kube-proxy's iptables mode. The kube-proxy DaemonSet's pods run a placeholder
image (tests/e2e/test-images); while this node's kube-proxy pod is Running, the node's kubelet
process writes the rules real kube-proxy would, with the node's real iptables-restore, into the
node's network namespace, where the kernel then forwards Service traffic for real. A cluster
made with `kubeProxyMode: none` has no kube-proxy DaemonSet (kubeadm skips addon/kube-proxy),
so no rules. Learned from kubernetes/kubernetes pkg/proxy/iptables/proxier.go (syncProxyRules),
written here:

- nat: KUBE-SERVICES (jumped to from PREROUTING and OUTPUT) sends each Service port's
  ClusterIP:port to its KUBE-SVC-<hash> chain; KUBE-SVC-* marks traffic from outside the
  cluster CIDR for masquerade and picks one endpoint with `-m statistic --mode random
  --probability 1/(n-i)` (the last one unconditionally), each KUBE-SEP-<hash> DNATs to
  the endpoint's IP:port (and marks hairpin traffic from the endpoint itself); NodePorts go
  KUBE-SERVICES -> KUBE-NODEPORTS (last rule, `-m addrtype --dst-type LOCAL`) -> KUBE-EXT-*
  (mark for masquerade) -> KUBE-SVC-*; KUBE-POSTROUTING masquerades marked packets (mark
  0x4000, KUBE-MARK-MASQ).
- filter: a Service port with no endpoints is REJECTed (KUBE-SERVICES for the ClusterIP,
  KUBE-EXTERNAL-SERVICES for the NodePort); KUBE-FORWARD accepts marked and established
  traffic.
- Chain names: servicePortChainName / servicePortEndpointChainName, the first 16 characters of
  base32(sha256(servicePortName + protocol [+ endpoint])).
- Endpoints: the ready ones of the Service's EndpointSlices (CategorizeEndpoints); with none
  ready, the serving and terminating ones.
- Stale chains are deleted in the same iptables-restore (`-X`), and only KUBE-* chains are
  rewritten (`--noflush`): other rules in those tables (kindnet's, Docker's) are left alone.
Not modelled: sessionAffinity ClientIP, externalTrafficPolicy/internalTrafficPolicy Local,
externalIPs, LoadBalancer ingress IPs, localhost NodePorts (route_localnet), the nftables and
ipvs modes (a node logs that the stand-in does not do them and writes no rules).
"""
import base64
import hashlib
import ipaddress
import shlex
import subprocess

MARK = "0x4000"
JUMPS = {  # (table, base chain, rule) kube-proxy adds to the built-in chains
    "nat": [("PREROUTING", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'),
            ("OUTPUT", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'),
            ("POSTROUTING", '-m comment --comment "kubernetes postrouting rules" '
                            '-j KUBE-POSTROUTING')],
    "filter": [("INPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes '
                         'externally-visible service portals" -j KUBE-EXTERNAL-SERVICES'),
               ("FORWARD", '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD'),
               ("FORWARD", '-m conntrack --ctstate NEW -m comment --comment "kubernetes service '
                           'portals" -j KUBE-SERVICES'),
               ("OUTPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes service '
                          'portals" -j KUBE-SERVICES')],
}


def port_proto_hash(service_port_name, protocol, endpoint=""):
    digest = hashlib.sha256((service_port_name + protocol + endpoint).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def svc_chain(spn, proto):
    return "KUBE-SVC-" + port_proto_hash(spn, proto)


def ext_chain(spn, proto):
    return "KUBE-EXT-" + port_proto_hash(spn, proto)


def sep_chain(spn, proto, endpoint):
    return "KUBE-SEP-" + port_proto_hash(spn, proto, endpoint)


def probability(n):
    return f"{1.0 / n:0.10f}"


def endpoints_for(svc, port, slices, version):
    """[ip:port] kube-proxy would use for this Service port and IP family."""
    name = port.get("name", "")
    ready, fallback = [], []
    for sl in slices:
        match = [p for p in sl.get("ports") or [] if p.get("name", "") == name]
        if not match or match[0].get("protocol", "TCP") != port.get("protocol", "TCP"):
            continue
        for ep in sl.get("endpoints") or []:
            cond = ep.get("conditions") or {}
            for addr in ep.get("addresses") or []:
                if ipaddress.ip_address(addr).version != version:
                    continue
                hostport = f"[{addr}]:{match[0]['port']}" if version == 6 else \
                    f"{addr}:{match[0]['port']}"
                if cond.get("ready", True):
                    ready.append(hostport)
                elif cond.get("serving") and cond.get("terminating"):
                    fallback.append(hostport)
    return sorted(set(ready or fallback))


def cluster_ips(svc, version):
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or [spec.get("clusterIP")]
    return [i for i in ips if i and i != "None" and ipaddress.ip_address(i).version == version]


def build(services, slices, cluster_cidr="", version=4, existing=()):
    """The iptables-restore input for both tables: {"nat": text, "filter": text}."""
    bits = 32 if version == 4 else 128
    by_svc = {}
    for sl in slices:
        key = (sl["metadata"].get("namespace"),
               (sl["metadata"].get("labels") or {}).get("kubernetes.io/service-name"))
        by_svc.setdefault(key, []).append(sl)
    cidrs = [c for c in (cluster_cidr or "").split(",") if c and
             ipaddress.ip_network(c, strict=False).version == version]
    nat_chains = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]
    nat = [f"-A KUBE-POSTROUTING -m mark ! --mark {MARK}/{MARK} -j RETURN",
           f"-A KUBE-POSTROUTING -j MARK --xor-mark {MARK}",
           '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring '
           'SNAT" -j MASQUERADE --random-fully',
           f"-A KUBE-MARK-MASQ -j MARK --or-mark {MARK}"]
    filt_chains = ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD"]
    filt = [f'-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark '
            f'--mark {MARK}/{MARK} -j ACCEPT',
            '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" '
            '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT']
    nodeports = []
    for svc in sorted(services, key=lambda s: (s["metadata"].get("namespace"),
                                               s["metadata"]["name"])):
        spec = svc.get("spec") or {}
        ns, name = svc["metadata"].get("namespace"), svc["metadata"]["name"]
        if spec.get("type") == "ExternalName":
            continue
        for cip in cluster_ips(svc, version):
            for port in spec.get("ports") or []:
                proto = port.get("protocol", "TCP").lower()
                spn = f"{ns}/{name}" + (f":{port['name']}" if port.get("name") else "")
                m = f"-m {proto} -p {proto}"
                eps = endpoints_for(svc, port, by_svc.get((ns, name), []), version)
                np = port.get("nodePort") if spec.get("type") in ("NodePort",
                                                                  "LoadBalancer") else None
                if not eps:
                    filt.append(f'-A KUBE-SERVICES -m comment --comment "{spn} has no '
                                f'endpoints" {m} -d {cip}/{bits} --dport {port["port"]} '
                                f'-j REJECT')
                    if np:
                        filt.append(f'-A KUBE-EXTERNAL-SERVICES -m comment --comment "{spn} '
                                    f'has no endpoints" -m addrtype --dst-type LOCAL {m} '
                                    f'--dport {np} -j REJECT')
                    continue
                svc_c = svc_chain(spn, proto)
                nat_chains.append(svc_c)
                nat.append(f'-A KUBE-SERVICES -m comment --comment "{spn} cluster IP" {m} '
                           f'-d {cip}/{bits} --dport {port["port"]} -j {svc_c}')
                for cidr in cidrs:
                    nat.append(f'-A {svc_c} -m comment --comment "{spn} cluster IP" {m} '
                               f'-d {cip}/{bits} --dport {port["port"]} ! -s {cidr} '
                               f'-j KUBE-MARK-MASQ')
                for i, ep in enumerate(eps):
                    sep = sep_chain(spn, proto, ep)
                    nat_chains.append(sep)
                    stat = "" if i == len(eps) - 1 else \
                        f" -m statistic --mode random --probability {probability(len(eps) - i)}"
                    nat.append(f'-A {svc_c} -m comment --comment "{spn} -> {ep}"{stat} -j {sep}')
                    ip = ep.rsplit(":", 1)[0].strip("[]")
                    nat.append(f'-A {sep} -m comment --comment {spn} -s {ip}/{bits} '
                               f'-j KUBE-MARK-MASQ')
                    nat.append(f'-A {sep} -m comment --comment {spn} {m} -j DNAT '
                               f'--to-destination {ep}')
                if np:
                    ext = ext_chain(spn, proto)
                    nat_chains.append(ext)
                    nodeports.append(f'-A KUBE-NODEPORTS -m comment --comment {spn} {m} '
                                     f'--dport {np} -j {ext}')
                    nat.append(f'-A {ext} -m comment --comment "masquerade traffic for {spn} '
                               f'external destinations" -j KUBE-MARK-MASQ')
                    nat.append(f"-A {ext} -j {svc_c}")
    nat += nodeports
    nat.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: '
               'this must be the last rule in this chain" -m addrtype --dst-type LOCAL '
               '-j KUBE-NODEPORTS')
    nat_chains = list(dict.fromkeys(nat_chains))
    stale = sorted(c for c in existing if c.startswith(("KUBE-SVC-", "KUBE-SEP-", "KUBE-EXT-"))
                   and c not in nat_chains)
    return {"nat": restore_text("nat", nat_chains + stale, nat, stale),
            "filter": restore_text("filter", filt_chains, filt, [])}


def restore_text(table, chains, rules, stale):
    lines = [f"*{table}"] + [f":{c} - [0:0]" for c in chains] + rules + \
            [f"-X {c}" for c in stale] + ["COMMIT", ""]
    return "\n".join(lines)


class Proxier:
    """Applies build()'s rules on this node when they change. Runs in the node's kubelet."""

    def __init__(self, log, run=subprocess.run):
        self.log, self.run = log, run
        self.applied = {}

    def tools(self, version):
        return ("iptables", "iptables-save", "iptables-restore") if version == 4 else \
            ("ip6tables", "ip6tables-save", "ip6tables-restore")

    def existing_chains(self, version):
        out = self.run([self.tools(version)[1], "-t", "nat"], capture_output=True, text=True)
        return [line[1:].split()[0] for line in out.stdout.splitlines()
                if line.startswith(":KUBE-")]

    def ensure_jumps(self, version):
        tool = self.tools(version)[0]
        for table, rules in JUMPS.items():
            for chain, rule in rules:
                args = split_rule(rule)
                if self.run([tool, "-w", "-t", table, "-C", chain] + args,
                            capture_output=True).returncode != 0:
                    self.run([tool, "-w", "-t", table, "-I", chain] + args, check=True,
                             capture_output=True)

    def sync(self, services, slices, cluster_cidr, versions=(4,)):
        for version in versions:
            want = build(services, slices, cluster_cidr, version)
            if self.applied.get(version) == want:
                continue
            rules = build(services, slices, cluster_cidr, version,
                          self.existing_chains(version))
            for table in ("filter", "nat"):
                done = self.run([self.tools(version)[2], "-w", "--noflush"],
                                input=rules[table], capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"{self.tools(version)[2]} ({table}): "
                                       f"{done.stderr.strip()}")
            self.ensure_jumps(version)
            self.applied[version] = want
            self.log(f"kube-proxy (stand-in): iptables rules for {len(services)} services "
                     f"written (IPv{version})")


def split_rule(rule):
    """A rule's words, with the one double-quoted comment kept whole."""
    return shlex.split(rule)
