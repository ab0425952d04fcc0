"""TEST DOUBLE: kubeadm's `certs` and `kubeconfig` phases (cmd/kubeadm/app/phases/certs,
app/phases/kubeconfig): the CAs and leaf certificates in /etc/kubernetes/pki with kubeadm's
names, subjects and SANs (apiserver: kubernetes, kubernetes.default..., the first service IP,
advertise address, controlPlaneEndpoint, certSANs), reused when present and valid, and the
admin/super-admin/kubelet/controller-manager/scheduler kubeconfig files.
"""
import ipaddress

import standin_common
import standin_components
import standin_pki
from standin_client import load_kubeconfig, make_kubeconfig
from standin_common import (
    exists, Fail, is_ip, join_host_port, KUBE_DIR, PKI, split_host_port, write_file, yaml_dump)
from standin_kubeadm_config import first_service_ip
from standin_pki import (
    cert_pem, cert_sans, key_pem, load_pair, new_ca, new_key, pki_path, sign_cert, signed_by,
    write_pair)


class ControlPlane:
    """Values kubeadm derives for a control-plane node (init, or join --control-plane)."""

    def __init__(self, cfg, node, adv, port):
        self.cfg, self.node, self.adv, self.port = cfg, node, adv, int(port)
        self.version = cfg.kubernetes_version()
        self.cluster_name = cfg.cluster_name()
        cpe = cfg.control_plane_endpoint()
        if cpe:
            host, p = split_host_port(cpe, self.port)
            cpe = join_host_port(host, p)
        self.cp_endpoint = cpe
        self.local_endpoint = join_host_port(adv, self.port)
        self.cp_url = "https://" + (cpe or self.local_endpoint)
        self.local_url = "https://" + self.local_endpoint
        self.algo = cfg.encryption_algorithm()

    def apiserver_sans(self):
        dns = {self.node, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
               f"kubernetes.default.svc.{self.cfg.dns_domain()}"}
        ips = [first_service_ip(c) for c in self.cfg.service_subnets()] + [self.adv]
        extra = self.cfg.cert_sans()
        if self.cp_endpoint:
            extra = [split_host_port(self.cp_endpoint)[0]] + extra
        for san in extra:
            if is_ip(san):
                ips.append(str(ipaddress.ip_address(san)))
            else:
                dns.add(san)
        return sorted(dns), list(dict.fromkeys(ips))


def ensure_ca(name, cn, algo, create=True):
    if exists(pki_path(name, "crt")) and exists(pki_path(name, "key")):
        print(f"[certs] Using existing {name} certificate authority")
        return load_pair(name)
    if not create:
        raise Fail(f"failure loading {name} certificate authority: couldn't load the certificate "
                   f"file {pki_path(name, 'crt')}: open {pki_path(name, 'crt')}: no such file or "
                   f"directory")
    print(f'[certs] Generating "{name}" certificate and key')
    cert, key = new_ca(cn, algo)
    write_pair(name, cert, key)
    return cert, key


def ensure_leaf(name, ca, cn, algo, orgs=(), dns=(), ips=(), server=False, client=False,
                describe=False):
    """Reuse a valid existing cert (right CA, covers the SANs), else generate one."""
    ca_cert, ca_key = ca
    if exists(pki_path(name, "crt")) and exists(pki_path(name, "key")):
        cert, _ = load_pair(name)
        have_dns, have_ips = cert_sans(cert)
        missing = [d for d in dns if d not in have_dns] + [i for i in ips if i not in have_ips]
        if signed_by(cert, ca_cert) and not missing:
            print(f"[certs] Using existing {name} certificate and key on disk")
            return
        why = f"it is not valid for {missing}" if missing else "it is not signed by the CA"
        raise Fail(f"[certs] certificate {name} is invalid: the existing {pki_path(name, 'crt')} "
                   f"cannot be used because {why}; delete {pki_path(name, 'crt')} and "
                   f"{pki_path(name, 'key')} to have it regenerated")
    key = new_key(algo)
    cert = sign_cert(ca_cert, ca_key, key.public_key(), cn, orgs, dns, ips, server, client)
    write_pair(name, cert, key)
    print(f'[certs] Generating "{name}" certificate and key')
    if describe:
        print(f"[certs] {name} serving cert is signed for DNS names [{' '.join(dns)}] and IPs "
              f"[{' '.join(ips)}]")


def phase_certs(cp, only=None, joining=False):
    """Returns (ca_cert, ca_key)."""
    print(f'[certs] Using certificateDir folder "{PKI}"')
    ca = ensure_ca("ca", "kubernetes", cp.algo, create=not joining)
    dns, ips = cp.apiserver_sans()
    ensure_leaf("apiserver", ca, "kube-apiserver", cp.algo, dns=dns, ips=ips, server=True,
                describe=True)
    if only == "apiserver":
        return ca
    ensure_leaf("apiserver-kubelet-client", ca, "kube-apiserver-kubelet-client", cp.algo,
                orgs=["kubeadm:cluster-admins"], client=True)
    fp = ensure_ca("front-proxy-ca", "front-proxy-ca", cp.algo, create=not joining)
    ensure_leaf("front-proxy-client", fp, "front-proxy-client", cp.algo, client=True)
    etcd = ensure_ca("etcd/ca", "etcd-ca", cp.algo, create=not joining)
    etcd_sans = dict(dns=[cp.node, "localhost"],
                     ips=list(dict.fromkeys([cp.adv, "127.0.0.1", "::1"])))
    ensure_leaf("etcd/server", etcd, cp.node, cp.algo, server=True, client=True, describe=True,
                **etcd_sans)
    ensure_leaf("etcd/peer", etcd, cp.node, cp.algo, server=True, client=True, describe=True,
                **etcd_sans)
    ensure_leaf("etcd/healthcheck-client", etcd, "kube-etcd-healthcheck-client", cp.algo,
                client=True)
    ensure_leaf("apiserver-etcd-client", etcd, "kube-apiserver-etcd-client", cp.algo, client=True)
    if exists(pki_path("sa", "key")) and exists(pki_path("sa", "pub")):
        print('[certs] Using the existing "sa" key')
    elif joining:
        raise Fail(f"failure loading key for service account: couldn't load the private key file "
                   f"{pki_path('sa', 'key')}: no such file or directory")
    else:
        print('[certs] Generating "sa" key and public key')
        key = new_key(cp.algo if cp.algo.startswith("RSA") else "RSA-2048")
        write_file(pki_path("sa", "key"), key_pem(key), 0o600)
        write_file(pki_path("sa", "pub"), key.public_key().public_bytes(
            standin_pki.serialization.Encoding.PEM, standin_pki.serialization.PublicFormat.SubjectPublicKeyInfo))
    return ca


def write_kubeconfig_file(cp, ca, fname, user, orgs, server):
    path = f"{KUBE_DIR}/{fname}"
    ca_cert, ca_key = ca
    ca_data = cert_pem(ca_cert)
    if exists(path):
        cur = load_kubeconfig(path)
        if cur.ca_pem and cur.ca_pem.strip() != ca_data.strip():
            raise Fail(f'a kubeconfig file "{path}" exists already but has got the wrong CA cert')
        if cur.server != server:
            raise Fail(f'a kubeconfig file "{path}" exists already but has an unexpected API '
                       f'Server URL: expected: {server}, got: {cur.server}')
        print(f'[kubeconfig] Using existing kubeconfig file: "{path}"')
        return
    key = new_key(cp.algo)
    cert = sign_cert(ca_cert, ca_key, key.public_key(), user, orgs, client=True)
    print(f'[kubeconfig] Writing "{fname}" kubeconfig file')
    write_file(path, yaml_dump(make_kubeconfig(cp.cluster_name, server, ca_data, user,
                                               cert_pem(cert), key_pem(key))), 0o600)


def phase_kubeconfigs(cp, ca, joining=False):
    print(f'[kubeconfig] Using kubeconfig folder "{KUBE_DIR}"')
    write_kubeconfig_file(cp, ca, "admin.conf", "kubernetes-admin", ["kubeadm:cluster-admins"],
                          cp.cp_url)
    if not joining:
        write_kubeconfig_file(cp, ca, "super-admin.conf", "kubernetes-super-admin",
                              ["system:masters"], cp.cp_url)
        write_kubeconfig_file(cp, ca, "kubelet.conf", f"system:node:{cp.node}", ["system:nodes"],
                              standin_components.kubelet_server(standin_common.VERSION, cp))
    write_kubeconfig_file(cp, ca, "controller-manager.conf", "system:kube-controller-manager", [],
                          cp.local_url)
    write_kubeconfig_file(cp, ca, "scheduler.conf", "system:kube-scheduler", [], cp.local_url)
