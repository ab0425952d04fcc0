//! Where the Kubernetes binaries come from on a user's machine, and how they are verified.

use crate::k8s_version::KubeVersion;

pub(crate) const RELEASE_BASE: &str = "https://dl.k8s.io/release";
pub(crate) const BINARIES: &[&str] = &["kubeadm", "kubelet", "kubectl"];

/// `https://dl.k8s.io/release/v1.36.1/bin/linux/amd64/kubeadm`
pub(crate) fn binary_url(version: &KubeVersion, arch: &str, binary: &str) -> String {
    format!("{RELEASE_BASE}/{version}/bin/linux/{arch}/{binary}")
}

/// The published SHA-256 next to each binary.
pub(crate) fn checksum_url(version: &KubeVersion, arch: &str, binary: &str) -> String {
    format!("{}.sha256", binary_url(version, arch, binary))
}

/// The hex digest from a `.sha256` file (`<hex>` or `<hex>  <name>`), checked for shape.
pub(crate) fn parse_checksum(text: &str) -> Result<String, String> {
    let first = text
        .split_whitespace()
        .next()
        .ok_or("the checksum file is empty")?;
    let hex = first.to_ascii_lowercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("not a SHA-256 digest: {first:?}"));
    }
    Ok(hex)
}

/// The shell run in the build container to fetch one binary and refuse it unless its digest
/// matches the published one. `curl` and `sha256sum` are in every node base image.
pub(crate) fn fetch_script(
    version: &KubeVersion,
    arch: &str,
    binary: &str,
    expected_sha256: &str,
) -> String {
    let url = binary_url(version, arch, binary);
    format!(
        "set -eu; curl -fsSL --retry 4 --retry-delay 1 -o /usr/bin/{binary}.part '{url}'; \
         echo '{expected_sha256}  /usr/bin/{binary}.part' | sha256sum -c --quiet -; \
         chmod 0755 /usr/bin/{binary}.part; mv /usr/bin/{binary}.part /usr/bin/{binary}"
    )
}

/// Docker's architecture names (`x86_64`, `aarch64`) in Kubernetes' spelling.
pub(crate) fn kube_arch(engine_arch: &str) -> Option<&'static str> {
    match engine_arch {
        "x86_64" | "amd64" => Some("amd64"),
        "aarch64" | "arm64" => Some("arm64"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v() -> KubeVersion {
        "v1.36.1".parse().unwrap()
    }

    #[test]
    fn urls_follow_the_release_layout() {
        assert_eq!(
            binary_url(&v(), "amd64", "kubelet"),
            "https://dl.k8s.io/release/v1.36.1/bin/linux/amd64/kubelet"
        );
        assert_eq!(
            checksum_url(&v(), "arm64", "kubeadm"),
            "https://dl.k8s.io/release/v1.36.1/bin/linux/arm64/kubeadm.sha256"
        );
    }

    #[test]
    fn checksums_are_validated() {
        let d = "a".repeat(64);
        assert_eq!(parse_checksum(&format!("{d}\n")).unwrap(), d);
        assert_eq!(
            parse_checksum(&format!("{}  kubeadm", d.to_uppercase())).unwrap(),
            d
        );
        assert!(parse_checksum("").is_err());
        assert!(parse_checksum("<html>not found</html>").is_err());
        assert!(parse_checksum(&"g".repeat(64)).is_err());
    }

    #[test]
    fn fetch_script_verifies_before_installing() {
        let s = fetch_script(&v(), "amd64", "kubeadm", &"b".repeat(64));
        let verify = s.find("sha256sum -c").unwrap();
        let install = s.find("mv /usr/bin/kubeadm.part /usr/bin/kubeadm").unwrap();
        assert!(verify < install);
        assert!(s.starts_with("set -eu;"));
    }

    #[test]
    fn maps_engine_architectures() {
        assert_eq!(kube_arch("x86_64"), Some("amd64"));
        assert_eq!(kube_arch("aarch64"), Some("arm64"));
        assert_eq!(kube_arch("s390x"), None);
    }
}
