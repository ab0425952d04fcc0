//! Image names as containerd spells them. Docker accepts short names (`busybox`, `me/app:v1`);
//! containerd stores the fully qualified form (`docker.io/library/busybox:latest`), so every
//! comparison with what a node holds goes through [`normalize`].

/// The registry Docker assumes when a name has none.
const DEFAULT_DOMAIN: &str = "docker.io";
/// The repository prefix Docker assumes for one-part names on the default registry.
const OFFICIAL_PREFIX: &str = "library/";

/// `x` → `docker.io/library/x:latest`, `me/x:v1` → `docker.io/me/x:v1`,
/// `localhost:5000/x` → `localhost:5000/x:latest`. A digest (`x@sha256:…`) is kept and no
/// `latest` tag is added to it, as Docker does.
pub fn normalize(name: &str) -> String {
    let (without_digest, digest) = match name.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (name, None),
    };
    let (domain, rest) = match without_digest.split_once('/') {
        Some((first, rest)) if is_domain(first) => (first.to_string(), rest.to_string()),
        _ => (DEFAULT_DOMAIN.to_string(), without_digest.to_string()),
    };
    let domain = if domain == "index.docker.io" {
        DEFAULT_DOMAIN.to_string()
    } else {
        domain
    };
    let rest = if domain == DEFAULT_DOMAIN && !rest.contains('/') {
        format!("{OFFICIAL_PREFIX}{rest}")
    } else {
        rest
    };
    // A tag is a `:` after the last `/` (a `:` before it belongs to a registry port).
    let last = rest.rsplit('/').next().unwrap_or(&rest);
    let has_tag = last.contains(':');
    let mut out = format!("{domain}/{rest}");
    match digest {
        Some(d) => {
            out.push('@');
            out.push_str(d);
        }
        None if !has_tag => out.push_str(":latest"),
        None => {}
    }
    out
}

/// Docker's rule: the first path component is a registry when it has a `.` or a `:`, or is
/// `localhost`.
fn is_domain(component: &str) -> bool {
    component.contains('.') || component.contains(':') || component == "localhost"
}

/// Does `arg` look like an image ID (or an ID prefix) rather than a name?
pub(crate) fn looks_like_id(arg: &str) -> bool {
    let hex = arg.strip_prefix("sha256:").unwrap_or(arg);
    hex.len() >= 12 && hex.len() <= 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_get_docker_hub_and_latest() {
        assert_eq!(normalize("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(normalize("busybox:1.36"), "docker.io/library/busybox:1.36");
        assert_eq!(normalize("me/app"), "docker.io/me/app:latest");
        assert_eq!(normalize("me/app:v1"), "docker.io/me/app:v1");
        assert_eq!(
            normalize("index.docker.io/me/app"),
            "docker.io/me/app:latest"
        );
    }

    #[test]
    fn registries_and_ports_are_kept() {
        assert_eq!(normalize("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(normalize("localhost/app:x"), "localhost/app:x");
        assert_eq!(
            normalize("minik.test/busybox:1.0"),
            "minik.test/busybox:1.0"
        );
        assert_eq!(
            normalize("registry.k8s.io/pause:3.10"),
            "registry.k8s.io/pause:3.10"
        );
        assert_eq!(
            normalize("docker.io/library/x:latest"),
            "docker.io/library/x:latest"
        );
    }

    #[test]
    fn digests_are_kept_without_adding_latest() {
        let d = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
        assert_eq!(
            normalize(&format!("busybox@{d}")),
            format!("docker.io/library/busybox@{d}")
        );
        assert_eq!(
            normalize(&format!("busybox:1@{d}")),
            format!("docker.io/library/busybox:1@{d}")
        );
    }

    #[test]
    fn ids_are_recognised() {
        assert!(looks_like_id("a96514ca5e16"));
        assert!(looks_like_id(
            "sha256:a96514ca5e16a96514ca5e16a96514ca5e16a96514ca5e16a96514ca5e16"
        ));
        assert!(!looks_like_id("busybox"));
        assert!(!looks_like_id("abc"));
    }
}
