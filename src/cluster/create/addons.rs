//! Steps: the default CNI and StorageClass, from the manifests baked into the node image
//! (`/kind/manifests/`, the same layout as kind's images so either image works).

use super::Ctx;
use crate::cluster::{node, ClusterError};

const CNI_MANIFEST: &str = "/kind/manifests/default-cni.yaml";
const STORAGE_MANIFEST: &str = "/kind/manifests/default-storage.yaml";

/// The two are independent, so they are applied at the same time.
pub async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    futures_util::future::try_join(cni(ctx), storage(ctx)).await?;
    Ok(())
}

async fn cni(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    if ctx.config.networking.disable_default_cni {
        return Ok(());
    }
    let step = ctx.events.step("Installing CNI 🔌");
    async {
        let manifest = node::read_file(ctx.provider, &ctx.bootstrap().name, CNI_MANIFEST).await?;
        apply(
            ctx,
            template_cni(&manifest, &ctx.config.networking.pod_subnet),
        )
        .await
    }
    .await
    .map_err(|e| e.in_step("Installing CNI"))?;
    step.done();
    Ok(())
}

async fn storage(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    let step = ctx.events.step("Installing StorageClass 💾");
    match node::read_file(ctx.provider, &ctx.bootstrap().name, STORAGE_MANIFEST).await {
        Ok(manifest) => apply(ctx, manifest)
            .await
            .map_err(|e| e.in_step("Installing StorageClass"))?,
        Err(_) => ctx.events.warn(format!(
            "the node image has no {STORAGE_MANIFEST}; skipping"
        )),
    }
    step.done();
    Ok(())
}

/// Fill in the pod subnet where the manifest asks for it (kind's `{{ .PodSubnet }}` marker).
pub fn template_cni(manifest: &str, pod_subnet: &str) -> String {
    manifest
        .replace("{{ .PodSubnet }}", pod_subnet)
        .replace("{{.PodSubnet}}", pod_subnet)
}

async fn apply(ctx: &Ctx<'_>, manifest: String) -> Result<(), ClusterError> {
    let out = node::run_with_input(
        ctx.provider,
        &ctx.bootstrap().name,
        &[
            "kubectl",
            "--kubeconfig=/etc/kubernetes/admin.conf",
            "apply",
            "-f",
            "-",
        ],
        manifest,
    )
    .await?;
    ctx.events.debug(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::template_cni;

    #[test]
    fn substitutes_both_spellings_of_the_marker() {
        let m = "a: {{ .PodSubnet }}\nb: {{.PodSubnet}}\n";
        assert_eq!(
            template_cni(m, "10.244.0.0/16"),
            "a: 10.244.0.0/16\nb: 10.244.0.0/16\n"
        );
    }
}
