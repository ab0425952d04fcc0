"""Stand-in (test double): version-dependent behaviour of kubeadm's control-plane components.

ControlPlaneKubeletLocalMode (kubeadm 1.33 beta and on by default, GA and locked in 1.35;
kubernetes PRs #129956, #134106): a control-plane node's kubelet.conf points at its own API
server, https://<advertiseAddress>:<bindPort>, at init and at join --control-plane, instead of
the control-plane endpoint. So the serving certificate must name the node's current address
and kubelet.conf must follow an address change, or the control-plane kubelet loses its API.
"""


def minor(version):
    parts = version.lstrip("v").split(".")
    return int(parts[0]), int(parts[1])


def kubelet_local_mode(kubeadm_version):
    return minor(kubeadm_version) >= (1, 33)


def kubelet_server(kubeadm_version, cp):
    """The server of a control plane's kubelet.conf."""
    return cp.local_url if kubelet_local_mode(kubeadm_version) else cp.cp_url


# kube-controller-manager and kube-scheduler: TLS clients of the API, each with its own
# kubeconfig (kubeadm writes controller-manager.conf and scheduler.conf with the node's local
# API endpoint, phases/kubeconfig getKubeConfigSpecsBase), serving their health over HTTPS on
# --bind-address: :10257/healthz and :10259/livez (the probes kubeadm puts in their manifests).
# kubeadm init and join --control-plane wait for both as well as for the API server from 1.33
# (WaitForAllControlPlaneComponents beta and on by default in 1.33, kubeadm#2907; GA in 1.34,
# PR #132594; the gate is gone in 1.35, PR #134781).
HEALTH = {"kube-controller-manager": (10257, "/healthz"), "kube-scheduler": (10259, "/livez")}


def waits_for_all_components(kubeadm_version):
    return minor(kubeadm_version) >= (1, 33)


class ClientComponent:
    """One of the two, run by the kubelet from its manifest: healthy while its kubeconfig
    reaches the API over verified TLS and its bind address is this node's."""

    def __init__(self, sa, binary, pod):
        self.sa, self.binary, self.pod = sa, binary, pod
        _, self.flags, _ = sa.pod_command_flags(pod)
        self.error = "starting"
        self.checked_at = 0.0
        self.server = None

    def check(self):
        sa, f = self.sa, self.flags
        bind = f.get("bind-address", "0.0.0.0")
        port = HEALTH[self.binary][0]
        if not sa.is_ip(bind):
            return f'invalid argument "{bind}" for "--bind-address" flag: failed to parse IP'
        if bind not in ("0.0.0.0", "::") and not sa.is_local_address(bind):
            return (f"failed to create listener: failed to listen on "
                    f"{sa.join_host_port(bind, port)}: listen tcp "
                    f"{sa.join_host_port(bind, port)}: bind: cannot assign requested address")
        path = f.get("kubeconfig", "")
        try:
            client = sa.ApiClient.from_kubeconfig(path, timeout=3)
            code = client.request("GET", "/livez")[0]
        except (sa.Fail, sa.ConnError, OSError, ValueError, KeyError, TypeError) as e:
            return f"failed to reach the API server with {path}: {e}"
        if code != 200:
            return f"the API server at {client.server} answered /livez with {code}"
        return None

    def sync(self, now):
        """Re-check every few seconds; returns (phase, message) for the mirror pod."""
        if now - self.checked_at >= 3:
            self.checked_at = now
            err = self.check()
            if err != self.error:
                if err:
                    self.sa.log_error(f"static pod {self.binary}: {err}")
                else:
                    self.sa.klog(0, f"{self.binary}: healthy (reaches the API)")
            self.error = err
            if not self.sa.ROOT and self.server is None:
                self.start_health()
        return ("Running", "") if self.error is None else ("Pending", self.error)

    def start_health(self):
        """Serve the health endpoint as the component does (self-signed serving cert)."""
        import http.server
        import socket
        import ssl
        import tempfile
        import threading
        sa, comp = self.sa, self
        port, path = HEALTH[self.binary]
        bind = self.flags.get("bind-address", "0.0.0.0")
        try:
            cert, key = sa.new_ca(f"{bind}@{self.binary}", "RSA-2048", days=365)
            with tempfile.NamedTemporaryFile("wb", delete=False, suffix=".pem") as t:
                t.write(sa.cert_pem(cert) + sa.key_pem(key))
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(t.name)

            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    ok = comp.error is None and self.path.split("?")[0] == path
                    body = b"ok" if ok else (comp.error or "not found").encode()
                    self.send_response(200 if ok else 500)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def log_message(self, *args):
                    pass

            class Server(http.server.ThreadingHTTPServer):
                daemon_threads = True
                allow_reuse_address = True
                address_family = socket.AF_INET6 if ":" in bind else socket.AF_INET

                def get_request(self):
                    sock, addr = self.socket.accept()
                    return ctx.wrap_socket(sock, server_side=True), addr

            self.server = Server((bind, port), Handler)
            threading.Thread(target=self.server.serve_forever, name=self.binary,
                             daemon=True).start()
        except (OSError, ssl.SSLError, sa.Fail) as e:
            self.error = f"failed to create listener on {sa.join_host_port(bind, port)}: {e}"

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def wait_for_components(sa, timeout):
    """kubeadm's wait for kube-controller-manager and kube-scheduler (1.33+), at each one's
    --bind-address; under STANDIN_ROOT (no listeners) from the kubelet's report."""
    import ssl
    import time
    import urllib.request
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    for binary, (port, path) in HEALTH.items():
        # kubeadm's getControlPlaneComponents (pkg/util/apiclient/wait.go): the component's own
        # --bind-address and --secure-port from its manifest's command, else 127.0.0.1 and the
        # default port, so an IPv6 cluster's scheduler on ::1 is checked at [::1].
        host = "127.0.0.1"
        try:
            pod = sa.yaml.safe_load(sa.read_file(f"{sa.MANIFESTS}/{binary}.yaml"))
            _, flags, _ = sa.pod_command_flags(pod)
            host = flags.get("bind-address") or host
            port = int(flags.get("secure-port") or port)
        except (OSError, ValueError, AttributeError, IndexError, TypeError):
            pass
        url = f"https://{sa.join_host_port(host, port)}{path}"
        print(f"[control-plane-check] Checking {binary} at {url}")
        start = time.time()
        last = "not checked"
        while True:
            if sa.ROOT:
                try:
                    st = sa.json.loads(sa.read_file(sa.STATIC_POD_STATUS)).get(binary, {})
                    ok, last = st.get("phase") == "Running", st.get("message") or "not running"
                except (OSError, ValueError):
                    ok, last = False, "the kubelet has not reported it"
            else:
                try:
                    with urllib.request.urlopen(url, context=ctx, timeout=2) as r:
                        ok = r.status == 200
                except Exception as e:  # noqa: BLE001 (any failure is "not healthy yet")
                    ok, last = False, str(e)
            if ok:
                print(f"[control-plane-check] {binary} is healthy after "
                      f"{sa.go_duration(round(time.time() - start, 3))}")
                break
            if time.time() - start > timeout:
                raise sa.Fail(f"[control-plane-check] {binary} is not healthy after "
                              f"{sa.go_duration(timeout)}\n\nerror execution phase "
                              f"wait-control-plane: failed while waiting for the control plane "
                              f"to start: {binary} check failed at {url}: {last}")
            time.sleep(0.25)
