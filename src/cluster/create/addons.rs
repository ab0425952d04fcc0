//! Steps: the default CNI and StorageClass, from the manifests baked into the node image
//! (`/kind/manifests/`, the same layout as kind's images so either image works).

use super::Ctx;
use crate::cluster::ClusterError;
use crate::node;

const CNI_MANIFEST: &str = "/kind/manifests/default-cni.yaml";
const STORAGE_MANIFEST: &str = "/kind/manifests/default-storage.yaml";

/// The two are independent, so they are applied at the same time.
pub(super) async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    futures_util::future::try_join(cni(ctx), storage(ctx)).await?;
    Ok(())
}

async fn cni(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    if ctx.config.networking.disable_default_cni {
        return Ok(());
    }
    let step = ctx.events.step_with_icon("Installing CNI", "🔌");
    let installed = async {
        let manifest = node::read_file(ctx.provider, ctx.bootstrap().name(), CNI_MANIFEST).await?;
        let manifest = template_cni(&manifest, &ctx.config.networking.pod_subnet);
        let endpoint = ctx.setup().control_plane_endpoint();
        apply(ctx, with_control_plane_endpoint(&manifest, &endpoint)?).await
    };
    step.check(installed.await)?;
    step.done();
    Ok(())
}

async fn storage(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    let step = ctx.events.step_with_icon("Installing StorageClass", "💾");
    match node::read_file(ctx.provider, ctx.bootstrap().name(), STORAGE_MANIFEST).await {
        Ok(manifest) => step.check(apply(ctx, manifest).await)?,
        Err(_) => ctx.events.warn(format!(
            "the node image has no {STORAGE_MANIFEST}; skipping"
        )),
    }
    step.done();
    Ok(())
}

/// Fill in the pod subnet where the manifest asks for it (kind's `{{ .PodSubnet }}` marker).
pub(super) fn template_cni(manifest: &str, pod_subnet: &str) -> String {
    manifest
        .replace("{{ .PodSubnet }}", pod_subnet)
        .replace("{{.PodSubnet}}", pod_subnet)
}

/// The marker kind's (and minik's) CNI manifests carry when they want the API endpoint.
const PATCH_MARKER: &str = "would you kindly patch this file";

/// Give the CNI DaemonSet `CONTROL_PLANE_ENDPOINT` (`host:port` of the API inside the cluster
/// network) when the manifest asks for it, as kind does: kindnetd then talks to the API
/// directly instead of through the service VIP, which only kube-proxy makes work (and nothing
/// does with `kubeProxyMode: none`).
pub(super) fn with_control_plane_endpoint(
    manifest: &str,
    endpoint: &str,
) -> Result<String, ClusterError> {
    if !manifest.contains(PATCH_MARKER) {
        return Ok(manifest.to_string());
    }
    let ops = format!(
        "- op: add\n  path: /spec/template/spec/containers/0/env/-\n  value:\n    name: \
         CONTROL_PLANE_ENDPOINT\n    value: \"{endpoint}\"\n"
    );
    let patch = crate::config::Json6902Patch {
        group: "apps".into(),
        version: "v1".into(),
        kind: "DaemonSet".into(),
        patch: ops,
    };
    crate::patch::kubeadm_config(manifest, &[], &[patch])
        .map_err(|e| ClusterError::CniManifest(e.to_string()))
}

async fn apply(ctx: &Ctx<'_>, manifest: String) -> Result<(), ClusterError> {
    let out = node::kubectl_with_input(
        ctx.provider,
        ctx.bootstrap().name(),
        &["apply", "-f", "-"],
        manifest,
    )
    .await?;
    ctx.events.debug(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{template_cni, with_control_plane_endpoint};

    fn env_of(manifest: &str) -> Vec<(String, String)> {
        let ds = serde_yaml::Deserializer::from_str(manifest)
            .map(|d| <serde_yaml::Value as serde::Deserialize>::deserialize(d).unwrap())
            .find(|d| d["kind"].as_str() == Some("DaemonSet"))
            .unwrap();
        ds["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (s("name"), s("value"))
            })
            .collect()
    }

    #[test]
    fn minik_manifest_gets_the_endpoint_and_only_requests() {
        let shipped = include_str!("../../../node-image/manifests/default-cni.yaml");
        let out = with_control_plane_endpoint(shipped, "lab-external-load-balancer:6443").unwrap();
        let env = env_of(&out);
        assert!(env.contains(&(
            "CONTROL_PLANE_ENDPOINT".into(),
            "lab-external-load-balancer:6443".into()
        )));
        assert!(env.iter().any(|(k, _)| k == "POD_SUBNET"), "{env:?}");
        assert!(!shipped.contains("limits:"), "kindnet keeps requests only");
        // The ServiceAccount and RBAC documents are passed through.
        assert!(out.contains("kind: ClusterRoleBinding"));
    }

    #[test]
    fn manifests_without_the_marker_are_left_alone() {
        let m = "apiVersion: apps/v1\nkind: DaemonSet\nspec: {}\n";
        assert_eq!(with_control_plane_endpoint(m, "x:6443").unwrap(), m);
    }

    #[test]
    fn substitutes_both_spellings_of_the_marker() {
        let m = "a: {{ .PodSubnet }}\nb: {{.PodSubnet}}\n";
        assert_eq!(
            template_cni(m, "10.244.0.0/16"),
            "a: 10.244.0.0/16\nb: 10.244.0.0/16\n"
        );
    }
}
