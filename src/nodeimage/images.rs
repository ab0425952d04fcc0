//! Which images a node image preloads into containerd.

/// containerd's sandbox (pause) image, as set in node-image's containerd config.
pub(crate) const SANDBOX_IMAGE: &str = "registry.k8s.io/pause:3.10";

/// The label that keeps preloaded images safe from kubelet's image garbage collection.
pub(crate) const PINNED_LABEL: &str = "io.cri-containerd.pinned=pinned";

/// kubeadm's list (minus its pause image, replaced by containerd's sandbox image), plus every
/// image the default manifests use. Sorted and without duplicates.
pub(crate) fn preload_list(kubeadm_images: &str, manifests: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = kubeadm_images
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("/pause:"))
        .map(String::from)
        .collect();
    out.push(SANDBOX_IMAGE.to_string());
    for m in manifests {
        out.extend(manifest_images(m));
    }
    out.sort();
    out.dedup();
    out
}

/// `image:` values in a manifest (plain scan: the manifests are ours and simple), plus the
/// `--helper-image` argument local-path-provisioner takes.
pub(crate) fn manifest_images(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in manifest.lines() {
        let t = line.trim().trim_start_matches("- ");
        let value = t
            .strip_prefix("image:")
            .or_else(|| t.strip_prefix("helperImage:"))
            .or_else(|| t.strip_prefix("--helper-image="));
        if let Some(v) = value {
            let v = v.trim().trim_matches('"').trim_matches('\'');
            if !v.is_empty() && !v.contains("{{") {
                out.push(v.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_kubeadm_pause_and_adds_manifest_images() {
        let kubeadm = "registry.k8s.io/kube-apiserver:v1.36.1\nregistry.k8s.io/pause:3.10.1\nregistry.k8s.io/etcd:3.6.5-0\n";
        let manifest = "spec:\n  containers:\n  - name: x\n    image: docker.io/kindest/kindnetd:v1\n    image: \"docker.io/kindest/kindnetd:v1\"\n";
        let list = preload_list(kubeadm, &[manifest]);
        assert_eq!(
            list,
            vec![
                "docker.io/kindest/kindnetd:v1",
                "registry.k8s.io/etcd:3.6.5-0",
                "registry.k8s.io/kube-apiserver:v1.36.1",
                "registry.k8s.io/pause:3.10",
            ]
        );
    }

    #[test]
    fn the_shipped_manifests_name_their_images() {
        let cni = manifest_images(super::super::context::DEFAULT_CNI);
        assert!(cni.iter().any(|i| i.contains("kindnetd")), "{cni:?}");
        let storage = manifest_images(super::super::context::DEFAULT_STORAGE);
        assert!(
            storage.iter().any(|i| i.contains("local-path-provisioner")),
            "{storage:?}"
        );
    }
}
