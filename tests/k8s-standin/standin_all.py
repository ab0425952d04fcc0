"""TEST DOUBLE plumbing: one handle over every stand-in component module. The helper modules
(standin_components, standin_etcd, standin_kubelet_checks, ...) take the stand-in as one object
(`sa`) rather than importing its modules, which would import them in a cycle; this module looks
each name up at use time, so values the tests change (standin_common.ROOT) are seen."""
import importlib

# standin_common first: the shared names (ROOT, VERSION, klog, read_file, ...) live there.
MODULES = ("standin_common", "standin_pki", "standin_client", "standin_kubeadm_config",
           "standin_store", "standin_patch", "standin_admission", "standin_api",
           "standin_tables", "standin_apiserver", "standin_kubelet", "standin_kubelet_cli",
           "standin_kubeadm_certs", "standin_kubeadm_phases", "standin_kubeadm_init",
           "standin_kubeadm_join", "standin_kubeadm", "standin_jsonpath", "standin_kubectl",
           "standin_kubectl_write")


def __getattr__(name):
    for module in MODULES:
        mod = importlib.import_module(module)
        if name in vars(mod):
            return vars(mod)[name]
    raise AttributeError(f"no stand-in module defines {name!r}")
