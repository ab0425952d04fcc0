#!/usr/bin/env python3
"""Kubernetes stand-in for minik's end-to-end tests. A TEST DOUBLE, never part of the product.

The entry point: behaves as `kubeadm`, `kubelet` or `kubectl` depending on the name it is run as
(the basename of argv[0]); `standin.py TOOL ARGS...` or env STANDIN_TOOL=TOOL also work. Each
component lives in its own module (standin_kubeadm*, standin_kubelet*, standin_api*,
standin_admission, standin_store, standin_kubectl*, ...); make-kubernetes-dir.sh zips them all
into each tool.
It honours the contract minik relies on from the real programs (same paths, flags, files, API
shapes) but runs no containers: the "API server" is a thread of the kubelet, and cluster state is
a JSON file. See README.md next to this file for what is real, what is faked, and the contract.

Needs Python 3.11 + PyYAML + cryptography (Debian bookworm: python3-yaml, python3-cryptography).
Env knobs (tests only): STANDIN_ROOT (prefix for every absolute path; systemctl is emulated),
STANDIN_HEARTBEAT_SECONDS (default 2), STANDIN_NODE_GRACE_SECONDS (default: kube-controller-manager's
--node-monitor-grace-period, 50 s),
STANDIN_WAIT_TIMEOUT (kubeadm waits, default 120), STANDIN_HEALTHZ_PORT (kubelet healthz override).
"""
import os
import sys

from standin_client import ApiError, ConnError
from standin_common import Fail
from standin_kubeadm import kubeadm_main
from standin_kubectl import kubectl_main
from standin_kubelet_cli import kubelet_main, systemctl


TOOLS = {"kubeadm": kubeadm_main, "kubelet": kubelet_main, "kubectl": kubectl_main,
         "systemctl": lambda argv: systemctl(*argv[:2]) or 0}


def main(argv):
    tool = os.environ.pop("STANDIN_TOOL", "") or os.path.basename(argv[0]).removesuffix(".py")
    args = argv[1:]
    if tool not in TOOLS:
        if not args or args[0] not in TOOLS:
            sys.stderr.write("usage: standin.py {kubeadm|kubelet|kubectl} ARGS... (or install "
                             "this file as kubeadm, kubelet and kubectl)\n")
            return 2
        tool, args = args[0], args[1:]
    try:
        return TOOLS[tool](args) or 0
    except Fail as e:
        msg = str(e)
        if tool == "kubectl":
            sys.stderr.write(("" if msg.startswith("error") else "error: ") + msg + "\n")
        else:
            sys.stderr.write(msg + "\n")
            if tool == "kubeadm":
                sys.stderr.write("To see the stack trace of this error execute with --v=5 or "
                                 "higher\n")
        return 1
    except ConnError as e:
        sys.stderr.write(f"Unable to connect to the server: {e}\n" if tool == "kubectl" else
                         f"{e}\n")
        return 1
    except ApiError as e:
        sys.stderr.write(f"Error from server ({e.reason or 'Unknown'}): {e}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":
    sys.exit(main(sys.argv))
