//! Measures the `kubectl` row's facts: the kubectl on PATH (its client version, asked without
//! touching any cluster) and the Kubernetes version the cluster will run, read from the node
//! image's tag (minik's and kind's images are tagged with it), else minik's default.

use std::process::Stdio;
use std::time::Duration;

use crate::k8s_version::KubeVersion;
use crate::platform::checks::kubectl::KubectlFacts;

/// `kubectl version --client` answers at once; a hung one must not hang the doctor.
const TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn facts(image: Option<&str>) -> KubectlFacts {
    KubectlFacts {
        client: client_version().await,
        server: server_version(image),
    }
}

async fn client_version() -> Option<String> {
    let run = tokio::process::Command::new("kubectl")
        .args(["version", "--client", "-o", "json"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(TIMEOUT, run).await.ok()?.ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["clientVersion"]["gitVersion"]
        .as_str()
        .map(str::to_string)
}

/// The version in the image's tag (`kindest/node:v1.36.4@sha256:...`), else minik's default.
pub(crate) fn server_version(image: Option<&str>) -> KubeVersion {
    let tagged = image.and_then(|i| {
        let name = i.split('@').next().unwrap_or(i);
        let (repo, tag) = name.rsplit_once(':')?;
        // `host:5000/node` has a port, not a tag.
        (!tag.contains('/') && !repo.is_empty())
            .then_some(tag)?
            .parse()
            .ok()
    });
    tagged.unwrap_or_else(|| {
        crate::nodeimage::DEFAULT_KUBERNETES_VERSION
            .parse()
            .unwrap_or(KubeVersion::new(1, 36, 0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_tag_is_the_clusters_version() {
        let v = |i: Option<&str>| server_version(i).to_string();
        assert_eq!(v(Some("kindest/node:v1.35.2@sha256:abc")), "v1.35.2");
        assert_eq!(v(Some("minik/node:v1.34.0")), "v1.34.0");
        let default = crate::nodeimage::DEFAULT_KUBERNETES_VERSION;
        assert_eq!(v(Some("localhost:5000/node")), default);
        assert_eq!(v(Some("minik/node:latest")), default);
        assert_eq!(v(None), default);
    }
}
