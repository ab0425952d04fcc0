//! `minik build node-image`: base image from the embedded Dockerfile, then a build container
//! that receives the Kubernetes binaries and preloaded images, committed as the node image.

mod offline;
mod online;
mod verify;

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::context::{build_context, context_digest, DEFAULT_CNI, DEFAULT_STORAGE};
use super::{images, NodeImageError};
use crate::events::Events;
use crate::k8s_version::KubeVersion;
use crate::node;
use crate::provider::{NodeRole, NodeSpec, Provider};

pub(super) use offline::executables_tar;

/// Where the Kubernetes bits and the container runtime come from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// dl.k8s.io and registry.k8s.io (a user's machine).
    Download { version: KubeVersion },
    /// A local folder: `version`, `bin/{kubeadm,kubelet,kubectl}`, `images/*.tar`,
    /// `bin/{containerd,ctr,containerd-shim-runc-v2,runc}` unless the base image has them in
    /// /usr/local, optionally `bin/crictl`, and optionally `manifests/*.yaml` overriding the
    /// defaults. No network at all.
    Local { dir: PathBuf },
}

#[derive(Debug, Clone)]
pub(crate) struct BuildOptions {
    pub(crate) source: Source,
    /// FROM for the node-image Dockerfile; `None` keeps its default (Debian slim).
    pub(crate) base_image: Option<String>,
    /// Name for the result; `None` means `minik/node:<version>`.
    pub(crate) image: Option<String>,
    pub(crate) labels: Vec<(String, String)>,
    /// `amd64` or `arm64`.
    pub(crate) arch: String,
}

const BASE_DIGEST_LABEL: &str = "io.minik.base.context";

pub(crate) async fn build(
    provider: &dyn Provider,
    opts: &BuildOptions,
    events: &Events,
) -> Result<String, NodeImageError> {
    let version = match &opts.source {
        Source::Download { version } => version.clone(),
        Source::Local { dir } => offline::check(dir)?,
    };
    let image = opts
        .image
        .clone()
        .unwrap_or_else(|| super::minik_image(&version));
    events.info(format!(
        "Building node image {image} (Kubernetes {version}, {})",
        opts.arch
    ));

    let base = build_base(provider, opts, events).await?;

    let step = events.step("Starting the build container");
    let container = format!("minik-build-{}", std::process::id());
    provider
        .remove_nodes(std::slice::from_ref(&container))
        .await?;
    provider
        .create_node(&builder_spec(&container, &base))
        .await?;
    step.done();

    let result =
        crate::signals::cancellable(fill(provider, opts, events, &container, &version, &image))
            .await
            .map_err(NodeImageError::from)
            .and_then(|r| r);
    // The build container is scratch space: remove it whatever happened.
    let removed = provider
        .remove_nodes(std::slice::from_ref(&container))
        .await;
    result?;
    removed?;
    Ok(image)
}

async fn fill(
    provider: &dyn Provider,
    opts: &BuildOptions,
    events: &Events,
    container: &str,
    version: &KubeVersion,
    image: &str,
) -> Result<(), NodeImageError> {
    let step = events.step(format!("Installing kubeadm, kubelet and kubectl {version}"));
    let manifests = vec![
        ("default-cni.yaml".to_string(), DEFAULT_CNI.to_string()),
        (
            "default-storage.yaml".to_string(),
            DEFAULT_STORAGE.to_string(),
        ),
    ];
    let manifests = match &opts.source {
        Source::Local { dir } => offline::kubernetes(provider, container, dir, manifests).await?,
        Source::Download { version } => {
            online::kubernetes(provider, container, version, &opts.arch).await?;
            manifests
        }
    };
    write(
        provider,
        container,
        "/kind/version",
        &format!("{version}\n"),
    )
    .await?;
    for (name, text) in &manifests {
        write(
            provider,
            container,
            &format!("/kind/manifests/{name}"),
            text,
        )
        .await?;
    }
    step.done();

    let step = events.step("Installing containerd, runc and crictl");
    let warning =
        super::install_runtime::install(provider, container, &opts.source, version, &opts.arch)
            .await?;
    step.done();
    if let Some(w) = warning {
        events.warn(w);
    }

    let step = events.step("Preloading images into containerd");
    start_containerd(provider, container).await?;
    let listed = verify::kubeadm_images(provider, container, version).await?;
    match &opts.source {
        Source::Local { dir } => {
            offline::images(provider, container, dir, events).await?;
            let texts: Vec<&str> = manifests.iter().map(|(_, t)| t.as_str()).collect();
            let required = images::preload_list(&listed, &texts);
            verify::all_held(provider, container, version, &required).await?;
        }
        Source::Download { .. } => {
            online::images(provider, container, &listed, &opts.arch, &manifests, events).await?
        }
    }
    verify::set_sandbox(provider, container, &listed).await?;
    // Pin everything preloaded so kubelet's image GC never removes it.
    run(
        provider,
        container,
        "pinning preloaded images",
        &[
            "sh",
            "-c",
            &format!(
                "ctr -n k8s.io images ls -q | while read -r i; do ctr -n k8s.io images label \"$i\" {} >/dev/null; done",
                images::PINNED_LABEL
            ),
        ],
    )
    .await?;
    run(provider, container, "stopping containerd", &["sh", "-c", "pkill containerd; for i in $(seq 50); do pgrep containerd >/dev/null || exit 0; sleep 0.1; done; exit 1"]).await?;
    step.done();

    let step = events.step(format!("Saving {image}"));
    provider
        .commit(container, image, &commit_changes(version, &opts.labels))
        .await?;
    step.done();
    Ok(())
}

/// Build (or reuse) the base image from the embedded Dockerfile.
async fn build_base(
    provider: &dyn Provider,
    opts: &BuildOptions,
    events: &Events,
) -> Result<String, NodeImageError> {
    let digest = context_digest();
    let from = opts.base_image.clone().unwrap_or_default();
    // The same context on the same FROM gives the same base: reuse it.
    let key = {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(format!("{digest}\n{from}").as_bytes());
        h.iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let tag = format!("minik/base:{key}");
    let step = events.step(format!("Building the base image ({tag})"));
    if let Some(labels) = provider.image_labels(&tag).await? {
        if labels.get(BASE_DIGEST_LABEL) == Some(&digest) {
            step.done();
            return Ok(tag);
        }
    }
    let mut args = BTreeMap::new();
    if let Some(b) = &opts.base_image {
        args.insert("BASE_IMAGE".to_string(), b.clone());
    }
    let context = build_context().map_err(|e| NodeImageError::Read {
        path: "node-image/".into(),
        source: e,
    })?;
    let ev = events.clone();
    let labels = BTreeMap::from([(BASE_DIGEST_LABEL.to_string(), digest.clone())]);
    provider
        .build_image(context.into(), &tag, &args, &labels, &move |l: &str| {
            ev.debug(l.to_string())
        })
        .await?;
    step.done();
    Ok(tag)
}

fn builder_spec(name: &str, base: &str) -> NodeSpec {
    let mut spec = NodeSpec::plain(
        name,
        // no cluster: the node image committed from this container must not carry the
        // labels that mark a container as a cluster's node
        "",
        NodeRole::Worker,
        base,
        "bridge",
        vec!["sleep".into()],
        vec!["infinity".into()],
    );
    spec.labels = BTreeMap::from([("io.minik.build".to_string(), "true".to_string())]);
    spec
}

/// Dockerfile-style changes applied when the build container is saved as the node image.
pub(super) fn commit_changes(version: &KubeVersion, labels: &[(String, String)]) -> Vec<String> {
    let mut changes = vec![
        // The build container ran `sleep`; the node image boots systemd through the entrypoint.
        r#"ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]"#.to_string(),
        "CMD []".to_string(),
        // The build's proxy settings must not leak into clusters.
        r#"ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY="""#.to_string(),
        format!("LABEL io.minik.kubernetes-version={version}"),
    ];
    for (k, v) in labels {
        changes.push(format!("LABEL {k}={}", quote(v)));
    }
    changes
}

fn quote(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

pub(super) async fn run(
    provider: &dyn Provider,
    container: &str,
    what: &str,
    args: &[&str],
) -> Result<String, NodeImageError> {
    node::run(provider, container, args)
        .await
        .map_err(|source| NodeImageError::Step {
            what: what.to_string(),
            source,
        })
}

pub(super) async fn write(
    provider: &dyn Provider,
    container: &str,
    path: &str,
    text: &str,
) -> Result<(), NodeImageError> {
    node::write_file(provider, container, path, text)
        .await
        .map_err(|source| NodeImageError::Step {
            what: format!("writing {path}"),
            source,
        })
}

async fn start_containerd(provider: &dyn Provider, container: &str) -> Result<(), NodeImageError> {
    let script = "mkdir -p /run/containerd; (/usr/local/bin/containerd >/var/log/containerd-build.log 2>&1 &); \
                  for i in $(seq 100); do ctr version >/dev/null 2>&1 && exit 0; sleep 0.1; done; \
                  cat /var/log/containerd-build.log; exit 1";
    run(
        provider,
        container,
        "starting containerd",
        &["sh", "-c", script],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_image_boots_systemd_and_carries_its_labels() {
        let v: KubeVersion = "v1.36.1".parse().unwrap();
        let changes = commit_changes(&v, &[("io.minik.test.inputs".into(), "a\"b".into())]);
        assert_eq!(
            changes[0],
            r#"ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]"#
        );
        assert!(changes.contains(&"LABEL io.minik.kubernetes-version=v1.36.1".to_string()));
        assert!(
            changes.contains(&r#"LABEL io.minik.test.inputs="a\"b""#.to_string()),
            "{changes:?}"
        );
        assert!(changes
            .iter()
            .any(|c| c.starts_with(r#"ENV HTTP_PROXY="""#)));
    }

    #[test]
    fn the_build_container_is_plain_and_sleeps() {
        let spec = builder_spec("b", "minik/base:x");
        assert!(!spec.systemd);
        assert_eq!(spec.privileges, crate::provider::Privileges::None);
        assert_eq!(spec.entrypoint, Some(vec!["sleep".to_string()]));
        // the image committed from it inherits its labels: none may claim a cluster
        let labels = crate::provider::docker::spec::container_body(&spec)
            .labels
            .unwrap_or_default();
        assert!(
            !labels.contains_key(crate::provider::LABEL_CLUSTER),
            "{labels:?}"
        );
        assert!(
            !labels.contains_key(crate::provider::LABEL_ROLE),
            "{labels:?}"
        );
    }
}
