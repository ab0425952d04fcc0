//! Where things live inside a node (kind's layout, which kubeadm and the node image share).

/// kubeadm's admin kubeconfig, on every control plane.
pub(crate) use crate::kubeconfig::ADMIN_CONF_PATH as ADMIN_CONF;

/// The Kubernetes version the node image was built with.
pub(crate) const VERSION_FILE: &str = "/kind/version";

/// The cluster CA certificate, on every node once it has joined.
pub(crate) const CA_CERT: &str = "/etc/kubernetes/pki/ca.crt";

/// Files secondary control planes need so that they join without `--upload-certs`.
pub(crate) const SHARED_PKI: &[&str] = &[
    CA_CERT,
    "/etc/kubernetes/pki/ca.key",
    "/etc/kubernetes/pki/front-proxy-ca.crt",
    "/etc/kubernetes/pki/front-proxy-ca.key",
    "/etc/kubernetes/pki/sa.pub",
    "/etc/kubernetes/pki/sa.key",
    "/etc/kubernetes/pki/etcd/ca.crt",
    "/etc/kubernetes/pki/etcd/ca.key",
    ADMIN_CONF,
];
