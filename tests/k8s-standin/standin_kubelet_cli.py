"""TEST DOUBLE: the kubelet's command line and service as kubeadm's systemd drop-in runs it
(cmd/kubelet/app/options; kubeadm's 10-kubeadm.conf: --bootstrap-kubeconfig, --kubeconfig,
--config, and $KUBELET_KUBEADM_ARGS from kubeadm-flags.env), `kubelet --version`, and
`systemctl start|stop|restart kubelet`, emulated when STANDIN_ROOT is set (tests
without systemd).
"""
import os
import shlex
import signal
import subprocess
import sys
import time

import yaml

import standin_common
import standin_ipfamily
import standin_startup
from standin_common import (
    BOOTSTRAP_KUBELET_CONF, exists, Fail, klog, KUBELET_CONF, KUBELET_CONFIG, KUBELET_FLAGS_ENV,
    KUBELET_LOG, KUBELET_PIDFILE, log_error, P, read_file, write_file)
from standin_kubelet import forbidden_node_labels, Kubelet, KUBELET_LABELS, parse_labels
from standin_pki import load_crypto


def parse_flags(argv):
    """--k=v / --k v / --bool into a dict (last wins); returns (flags, positionals)."""
    flags, pos = {}, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--") and len(a) > 2:
            k, eq, v = a[2:].partition("=")
            if not eq:
                if i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                    v, i = argv[i + 1], i + 1
                else:
                    v = "true"
            flags[k] = v
        else:
            pos.append(a)
        i += 1
    return flags, pos


def kubelet_main(argv):
    load_crypto()
    flags, _ = parse_flags(argv)
    standin_common.VERBOSITY = int(flags.get("v", "2"))
    if "version" in flags:
        print(f"Kubernetes {standin_common.VERSION}")
        return 0
    err = standin_startup.check_flags(flags, standin_common.VERSION)
    if err:
        log_error(f'"command failed" err="{err}"')
        return 1
    cfg_path = flags.get("config")
    config = {}
    if cfg_path:
        try:
            config = yaml.safe_load(read_file(cfg_path))
        except FileNotFoundError:
            log_error(f'"command failed" err="failed to load kubelet config file, path: '
                      f'{cfg_path}, error: failed to load Kubelet config file {cfg_path}, error '
                      f'failed to read kubelet config file \\"{cfg_path}\\", error: open '
                      f'{cfg_path}: no such file or directory"')
            return 1
        except yaml.YAMLError as e:
            log_error(f'"command failed" err="failed to load kubelet config file: {e}"')
            return 1
        err = standin_startup.check_config(config, cfg_path)
        if err:
            log_error(f'"command failed" err="{err}"')
            return 1
    err = standin_startup.check_feature_gates(config, flags, standin_common.VERSION)
    if err:
        log_error(f'"command failed" err="{err}"')
        return 1
    err = (standin_startup.check_swap(config, P) or
           standin_startup.check_runtime(standin_startup.runtime_endpoint(flags, config), P,
                                         socket_required=not standin_common.ROOT))
    if err:
        log_error(f'"command failed" err="{err}"')
        return 1
    if config.get("cgroupDriver", "systemd") not in ("systemd", "cgroupfs"):
        log_error(f'"command failed" err="invalid cgroupDriver {config.get("cgroupDriver")!r}"')
        return 1
    # What stops a real kubelet at start-up on this host (cgroup v1, user namespace).
    import standin_kubelet_checks
    refused = standin_kubelet_checks.startup_error(
        standin_common.VERSION, config, flags, mountinfo_path=P("/proc/self/mountinfo"),
        uid_map_path=P("/proc/self/uid_map"), sysctl_dir=P("/proc/sys"))
    if refused:
        for line in refused:
            log_error(line)
        return 1
    bad = forbidden_node_labels(parse_labels(flags.get("node-labels")))
    if bad:
        log_error(f'"command failed" err="unknown \'kubernetes.io\' or \'k8s.io\' labels '
                  f'specified with --node-labels: {bad}\\n--node-labels in the \'kubernetes.io\' '
                  f'namespace must begin with an allowed prefix (kubelet.kubernetes.io, '
                  f'node.kubernetes.io) or be in the specifically allowed set '
                  f'({", ".join(sorted(KUBELET_LABELS))})"')
        return 1
    try:
        standin_ipfamily.parse_node_ips(flags.get("node-ip") or "")
    except ValueError as e:
        log_error(f'"command failed" err="failed to run Kubelet: {e}"')
        return 1
    kubelet = Kubelet(flags, config)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: kubelet.stop.set())
    klog(0, f"kubelet {standin_common.VERSION} (stand-in) starting: node={kubelet.node_name} "
            f"node-ip={','.join(kubelet.node_ips)} staticPodPath={kubelet.static_dir}")
    kubelet.run()
    return 0


# -- the kubelet unit: real systemctl in a node, emulated under STANDIN_ROOT ---------------------

def read_env_file(path):
    env = {}
    try:
        text = read_file(path)
    except OSError:
        return env
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            parts = shlex.split(v)
            env[k.strip()] = " ".join(parts) if len(parts) != 1 else parts[0]
    return env


def kubelet_unit_args():
    """ExecStart of kubelet.service + 10-kubeadm.conf."""
    args = [f"--bootstrap-kubeconfig={BOOTSTRAP_KUBELET_CONF}", f"--kubeconfig={KUBELET_CONF}",
            f"--config={KUBELET_CONFIG}"]
    args += shlex.split(read_env_file(KUBELET_FLAGS_ENV).get("KUBELET_KUBEADM_ARGS", ""))
    args += shlex.split(read_env_file("/etc/default/kubelet").get("KUBELET_EXTRA_ARGS", ""))
    return args


def emulated_kubelet_pid():
    try:
        pid = int(read_file(KUBELET_PIDFILE).strip())
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/environ", "rb") as f:
            ours = b"STANDIN_TOOL=kubelet" in f.read()
        return pid if state != "Z" and ours else None
    except (OSError, ValueError, IndexError):
        return None


def self_command():
    """argv that runs this program again; a .py file is imported so its bytecode is cached."""
    me = os.path.abspath(__file__)
    if me.endswith(".py"):
        return [sys.executable] + (["-S"] if sys.flags.no_site else []) + ["-c", "import sys; sys.path.insert(0, sys.argv[1]); import standin;"
                " sys.exit(standin.main(['standin'] + sys.argv[2:]))", os.path.dirname(me)]
    return [sys.executable, me]


def systemctl(action, unit="kubelet"):
    if not standin_common.ROOT:
        r = subprocess.run(["systemctl", action, unit], capture_output=True, text=True)
        if r.returncode:
            raise Fail(f"systemctl {action} {unit} failed: {r.stderr.strip()}")
        return
    if unit != "kubelet":
        return
    pid = emulated_kubelet_pid()
    if pid and action in ("stop", "restart", "start"):
        if action == "start":
            return
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not emulated_kubelet_pid():
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
    if action in ("start", "restart"):
        if not exists(KUBELET_CONFIG):  # ConditionPathExists=/var/lib/kubelet/config.yaml
            return
        os.makedirs(os.path.dirname(P(KUBELET_LOG)), exist_ok=True)
        log = open(P(KUBELET_LOG), "ab")
        env = dict(os.environ, STANDIN_TOOL="kubelet")
        proc = subprocess.Popen(self_command() + kubelet_unit_args(),
                                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
        log.close()
        write_file(KUBELET_PIDFILE, f"{proc.pid}\n")
