//! Which images a node image preloads into containerd.

/// The label that keeps preloaded images safe from kubelet's image garbage collection.
pub(crate) const PINNED_LABEL: &str = "io.cri-containerd.pinned=pinned";

/// kubeadm's list (its pause image is containerd's sandbox image) plus every image the
/// default manifests use. Sorted and without duplicates.
pub(crate) fn preload_list(kubeadm_images: &str, manifests: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = kubeadm_images
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    for m in manifests {
        out.extend(manifest_images(m));
    }
    out.sort();
    out.dedup();
    out
}

/// The pause image of kubeadm's list: the one kubeadm expects every pod's sandbox to run,
/// which containerd must be told (kind writes the same into its config).
pub(crate) fn sandbox_image(kubeadm_images: &str) -> Option<String> {
    kubeadm_images
        .lines()
        .map(str::trim)
        .find(|l| l.contains("/pause:"))
        .map(String::from)
}

/// The images of `required` that containerd does not hold; `held` is `ctr images ls -q`.
/// Both sides are compared as containerd spells names (`kindest/x:v1` is `docker.io/kindest/x:v1`).
pub(crate) fn missing(required: &[String], held: &str) -> Vec<String> {
    use crate::node::image_ref::normalize;
    let held: std::collections::HashSet<String> = held
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(normalize)
        .collect();
    required
        .iter()
        .filter(|r| !held.contains(&normalize(r)))
        .cloned()
        .collect()
}

/// containerd's config with `image` as the sandbox image (the `sandbox = "…"` key of
/// `pinned_images`, or the 1.x-style `sandbox_image`); `None` when the config has neither.
pub(crate) fn with_sandbox(config: &str, image: &str) -> Option<String> {
    let mut found = false;
    let lines: Vec<String> = config
        .lines()
        .map(|line| {
            let t = line.trim_start();
            let key = ["sandbox_image", "sandbox"].into_iter().find(|k| {
                t.strip_prefix(k)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            });
            match key {
                Some(k) => {
                    found = true;
                    let indent = &line[..line.len() - t.len()];
                    format!("{indent}{k} = \"{image}\"")
                }
                None => line.to_string(),
            }
        })
        .collect();
    found.then(|| lines.join("\n") + "\n")
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
    fn keeps_kubeadm_pause_and_adds_manifest_images() {
        let kubeadm = "registry.k8s.io/kube-apiserver:v1.36.1\nregistry.k8s.io/pause:3.10.1\nregistry.k8s.io/etcd:3.6.5-0\n";
        let manifest = "spec:\n  containers:\n  - name: x\n    image: docker.io/kindest/kindnetd:v1\n    image: \"docker.io/kindest/kindnetd:v1\"\n";
        let list = preload_list(kubeadm, &[manifest]);
        assert_eq!(
            list,
            vec![
                "docker.io/kindest/kindnetd:v1",
                "registry.k8s.io/etcd:3.6.5-0",
                "registry.k8s.io/kube-apiserver:v1.36.1",
                "registry.k8s.io/pause:3.10.1",
            ]
        );
        assert_eq!(
            sandbox_image(kubeadm).unwrap(),
            "registry.k8s.io/pause:3.10.1"
        );
        assert_eq!(sandbox_image("registry.k8s.io/etcd:3.6.5-0\n"), None);
    }

    #[test]
    fn a_missing_image_is_named_and_short_names_match_long_ones() {
        let required = vec![
            "registry.k8s.io/pause:3.10.1".to_string(),
            "docker.io/kindest/kindnetd:v1".to_string(),
            "registry.k8s.io/etcd:3.6.5-0".to_string(),
        ];
        let held =
            "kindest/kindnetd:v1\nregistry.k8s.io/pause:3.10\nregistry.k8s.io/etcd:3.6.5-0\n";
        assert_eq!(missing(&required, held), ["registry.k8s.io/pause:3.10.1"]);
        assert!(missing(&required[1..], held).is_empty());
    }

    #[test]
    fn the_sandbox_image_is_written_into_containerds_config() {
        let shipped = include_str!("../../node-image/files/etc/containerd/config.toml");
        let out = with_sandbox(shipped, "registry.k8s.io/pause:3.10.1").unwrap();
        assert!(
            out.contains("  sandbox = \"registry.k8s.io/pause:3.10.1\"\n"),
            "{out}"
        );
        assert_eq!(out.lines().count(), shipped.lines().count());
        let v1 = "[plugins.cri]\n  sandbox_image = \"k8s.gcr.io/pause:3.2\"\n";
        assert_eq!(
            with_sandbox(v1, "registry.k8s.io/pause:3.10.1").unwrap(),
            "[plugins.cri]\n  sandbox_image = \"registry.k8s.io/pause:3.10.1\"\n"
        );
        assert_eq!(
            with_sandbox("version = 3\n# sandbox is set elsewhere\n", "p"),
            None
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
