//! `minik build node-image`: base image from the embedded Dockerfile, then a build container
//! that receives the Kubernetes binaries and preloaded images, committed as the node image.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::context::{build_context, context_digest, DEFAULT_CNI, DEFAULT_STORAGE};
use super::{download, images, NodeImageError};
use crate::cluster::node;
use crate::events::Events;
use crate::k8s_version::KubeVersion;
use crate::provider::{ExecInput, NodeRole, NodeSpec, Provider, ProviderError};

/// Where the Kubernetes bits and the container runtime come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// dl.k8s.io and registry.k8s.io (a user's machine).
    Download { version: KubeVersion },
    /// A local folder: `version`, `bin/{kubeadm,kubelet,kubectl}`, `images/*.tar`,
    /// `bin/{containerd,ctr,containerd-shim-runc-v2,runc}` unless the base image has them in
    /// /usr/local, optionally `bin/crictl`, and optionally `manifests/*.yaml` overriding the
    /// defaults. No network at all.
    Local { dir: PathBuf },
}

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub source: Source,
    /// FROM for the node-image Dockerfile; `None` keeps its default (Debian slim).
    pub base_image: Option<String>,
    /// Name for the result; `None` means `minik/node:<version>`.
    pub image: Option<String>,
    pub labels: Vec<(String, String)>,
    /// `amd64` or `arm64`.
    pub arch: String,
}

const BASE_DIGEST_LABEL: &str = "io.minik.base.context";

pub async fn build(
    provider: &dyn Provider,
    opts: &BuildOptions,
    events: &Events,
) -> Result<String, NodeImageError> {
    let version = match &opts.source {
        Source::Download { version } => version.clone(),
        Source::Local { dir } => local_version(dir)?,
    };
    if let Source::Local { dir } = &opts.source {
        for b in download::BINARIES {
            let p = dir.join("bin").join(b);
            if !p.is_file() {
                return Err(NodeImageError::Invalid(format!(
                    "{} is missing",
                    p.display()
                )));
            }
        }
    }
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

    let result = fill(provider, opts, events, &container, &version, &image).await;
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
    match &opts.source {
        Source::Local { dir } => copy_binaries(provider, container, dir).await?,
        Source::Download { version } => {
            download_binaries(provider, container, version, &opts.arch).await?
        }
    }
    let mut manifests = vec![
        ("default-cni.yaml".to_string(), DEFAULT_CNI.to_string()),
        (
            "default-storage.yaml".to_string(),
            DEFAULT_STORAGE.to_string(),
        ),
    ];
    if let Source::Local { dir } = &opts.source {
        for (name, text) in manifests.iter_mut() {
            let p = dir.join("manifests").join(&*name);
            if p.is_file() {
                *text = read(&p)?;
            }
        }
    }
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
    super::install_runtime::install(provider, container, &opts.source, version, &opts.arch).await?;
    step.done();

    let step = events.step("Preloading images into containerd");
    start_containerd(provider, container).await?;
    match &opts.source {
        Source::Local { dir } => import_local_images(provider, container, dir, events).await?,
        Source::Download { version } => {
            let listed = run(
                provider,
                container,
                "listing kubeadm's images",
                &[
                    "kubeadm",
                    "config",
                    "images",
                    "list",
                    "--kubernetes-version",
                    &version.to_string(),
                ],
            )
            .await?;
            let texts: Vec<&str> = manifests.iter().map(|(_, t)| t.as_str()).collect();
            for img in images::preload_list(&listed, &texts) {
                events.debug(format!("fetching {img}"));
                let platform = format!("linux/{}", opts.arch);
                run(
                    provider,
                    container,
                    &format!("fetching {img}"),
                    &[
                        "ctr",
                        "-n",
                        "k8s.io",
                        "content",
                        "fetch",
                        "--platform",
                        &platform,
                        &img,
                    ],
                )
                .await?;
            }
        }
    }
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
        "minik-build",
        NodeRole::Worker,
        base,
        "bridge",
        vec!["sleep".into()],
        vec!["infinity".into()],
    );
    spec.labels = BTreeMap::from([("io.minik.build".to_string(), "true".to_string())]);
    spec
}

fn local_version(dir: &Path) -> Result<KubeVersion, NodeImageError> {
    let path = dir.join("version");
    let text = read(&path)?;
    text.trim()
        .parse()
        .map_err(|e: crate::k8s_version::InvalidVersion| {
            NodeImageError::Invalid(format!("{}: {e}", path.display()))
        })
}

fn read(path: &Path) -> Result<String, NodeImageError> {
    std::fs::read_to_string(path).map_err(|e| NodeImageError::Read {
        path: path.display().to_string(),
        source: e,
    })
}

/// Dockerfile-style changes applied when the build container is saved as the node image.
pub fn commit_changes(version: &KubeVersion, labels: &[(String, String)]) -> Vec<String> {
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

async fn copy_binaries(
    provider: &dyn Provider,
    container: &str,
    dir: &Path,
) -> Result<(), NodeImageError> {
    let files: Vec<(PathBuf, String)> = download::BINARIES
        .iter()
        .map(|b| (dir.join("bin").join(b), b.to_string()))
        .collect();
    let bytes = executables_tar(&files)?;
    provider
        .copy_tar_to(container, "/usr/bin", bytes.into())
        .await?;
    Ok(())
}

/// A tar of local files as root-owned executables, each at its path inside the archive.
pub(super) fn executables_tar(files: &[(PathBuf, String)]) -> Result<Vec<u8>, NodeImageError> {
    let read_err = |path: &Path, e| NodeImageError::Read {
        path: path.display().to_string(),
        source: e,
    };
    let mut tar = tar::Builder::new(Vec::new());
    for (path, name) in files {
        let data = std::fs::read(path).map_err(|e| read_err(path, e))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o755);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        tar.append_data(&mut header, name, &data[..])
            .map_err(|e| read_err(path, e))?;
    }
    tar.into_inner().map_err(|e| read_err(Path::new("."), e))
}

async fn download_binaries(
    provider: &dyn Provider,
    container: &str,
    version: &KubeVersion,
    arch: &str,
) -> Result<(), NodeImageError> {
    let fetches = download::BINARIES.iter().map(|b| async move {
        let url = download::checksum_url(version, arch, b);
        let text = run(
            provider,
            container,
            &format!("downloading {url}"),
            &["curl", "-fsSL", "--retry", "4", &url],
        )
        .await?;
        let sha = download::parse_checksum(&text)
            .map_err(|e| NodeImageError::Invalid(format!("{url}: {e}")))?;
        let script = download::fetch_script(version, arch, b, &sha);
        run(
            provider,
            container,
            &format!("downloading and verifying {b}"),
            &["sh", "-c", &script],
        )
        .await?;
        Ok::<(), NodeImageError>(())
    });
    futures_util::future::try_join_all(fetches).await?;
    Ok(())
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

/// Stream each image archive straight into containerd (no copy inside the container).
async fn import_local_images(
    provider: &dyn Provider,
    container: &str,
    dir: &Path,
    events: &Events,
) -> Result<(), NodeImageError> {
    let images_dir = dir.join("images");
    let Ok(entries) = std::fs::read_dir(&images_dir) else {
        return Ok(());
    };
    let mut tars: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tar"))
        .collect();
    tars.sort();
    for t in tars {
        events.debug(format!("importing {}", t.display()));
        let file = tokio::fs::File::open(&t)
            .await
            .map_err(|e| NodeImageError::Read {
                path: t.display().to_string(),
                source: e,
            })?;
        let stream = file_stream(file);
        let cmd: Vec<String> = [
            "ctr",
            "-n",
            "k8s.io",
            "images",
            "import",
            "--all-platforms",
            "--no-unpack",
            "--digests",
            "-",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        provider
            .exec(container, &cmd, ExecInput::Stream(stream))
            .await?
            .check(container, &cmd)
            .map_err(|source: ProviderError| NodeImageError::Step {
                what: format!("importing {}", t.display()),
                source,
            })?;
    }
    Ok(())
}

/// A file as a stream of chunks, read as the engine consumes them; ends after an error.
fn file_stream(file: tokio::fs::File) -> crate::provider::ByteStream {
    use tokio::io::AsyncReadExt;
    Box::pin(futures_util::stream::unfold(
        Some(file),
        |state| async move {
            let mut f = state?;
            let mut buf = vec![0u8; 256 * 1024];
            match f.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(bytes::Bytes::from(buf)), Some(f)))
                }
                Err(e) => Some((Err(e), None)),
            }
        },
    ))
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
    fn offline_builds_check_their_folder_first() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            local_version(dir.path()),
            Err(NodeImageError::Read { .. })
        ));
        std::fs::write(dir.path().join("version"), "latest\n").unwrap();
        assert!(matches!(
            local_version(dir.path()),
            Err(NodeImageError::Invalid(_))
        ));
        std::fs::write(dir.path().join("version"), "v1.35.0\n").unwrap();
        assert_eq!(local_version(dir.path()).unwrap().to_string(), "v1.35.0");
    }

    #[test]
    fn the_build_container_is_plain_and_sleeps() {
        let spec = builder_spec("b", "minik/base:x");
        assert!(!spec.systemd);
        assert_eq!(spec.privileges, crate::provider::Privileges::None);
        assert_eq!(spec.entrypoint, Some(vec!["sleep".to_string()]));
    }
}
