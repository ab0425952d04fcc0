"""IP-family rules of the stand-in API server, kubelet and kindnetd (test code only).

Each rule mirrors where the real component refuses or decides, with its words, so an IPv6 or
dual-stack kubeadm config that would stop a real node stops a stand-in node too:

- kube-apiserver: the "kubernetes" Service gets its ClusterIP from the primary service range
  and its endpoint is the advertise address, so both must be one family.
  cmd/kube-apiserver/app/options/validation.go (validatePublicIPServiceClusterIPRangeIPFamilies,
  kubernetes#106721, before that pkg/controlplane/controller.go) refuses otherwise with
  'service IP family "<range>" must match public address family "<address>"' and the API
  server exits; kubeadm then times out waiting for it.
- kubelet: --node-ip is one address or a dual-stack pair (one per family), no more, and a pair
  cannot include an unspecified address (pkg/kubelet/apis/config/... ParseNodeIPArgument in
  k8s.io/component-helpers/node/util/ips.go, wrapped by cmd/kubelet/app/server.go as
  'bad --node-ip "<value>": ...'). The Node reports each as an InternalIP, in that order.
- kindnetd: every other node's pod CIDR of each family is routed via that node's address of the
  same family; the stand-in kindnetd image reads "name ips cidrs" lines (comma-separated lists).
"""

import ipaddress


def family(addr_or_cidr):
    """4 or 6 for an address or a CIDR; None when it is neither."""
    try:
        return ipaddress.ip_network(addr_or_cidr.strip(), strict=False).version
    except ValueError:
        return None


def service_family_problem(service_ranges, advertise):
    """kube-apiserver's refusal when the primary service range and the advertise address are
    of different families, else None. `service_ranges` is the flag's comma-separated value."""
    primary = service_ranges.split(",")[0].strip()
    if family(primary) is None or family(advertise) is None:
        return None
    if family(primary) != family(advertise):
        net = ipaddress.ip_network(primary, strict=False)
        addr = ipaddress.ip_address(advertise.strip())
        return f'service IP family "{net}" must match public address family "{addr}"'
    return None


def parse_node_ips(value):
    """The kubelet's --node-ip addresses in order and the parts it could not parse (the real
    kubelet logs and ignores those), or ValueError with the kubelet's words."""
    ips, invalid = [], []
    for part in value.split(","):
        try:
            ips.append(ipaddress.ip_address(part.strip()))
        except ValueError:
            invalid.append(part)
    if len(ips) > 2 or (len(ips) == 2 and ips[0].version == ips[1].version):
        raise ValueError(f'bad --node-ip "{value}": must contain either a single IP or a '
                         f'dual-stack pair of IPs')
    if len(ips) == 2 and (ips[0].is_unspecified or ips[1].is_unspecified):
        raise ValueError(f'bad --node-ip "{value}": dual-stack node IP cannot include '
                         f"'0.0.0.0' or '::'")
    return [str(ip) for ip in ips], invalid


def nodes_lines(nodes):
    """'name ips pod-cidrs' per Node with pod CIDRs (each a comma-separated list, the Node's
    InternalIPs and spec.podCIDRs), for the stand-in kindnetd image."""
    out = []
    for n in nodes:
        ips = [a.get("address") for a in (n.get("status") or {}).get("addresses") or []
               if a.get("type") == "InternalIP" and a.get("address")]
        spec = n.get("spec") or {}
        cidrs = spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else [])
        if ips and cidrs:
            out.append(f"{n['metadata']['name']} {','.join(ips)} {','.join(cidrs)}\n")
    return "".join(out)
