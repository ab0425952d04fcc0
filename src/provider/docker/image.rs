//! Images: presence, pulls, builds, commits, loads and removals.

use crate::provider::EngineCall;
use std::collections::{BTreeMap, HashMap};

use bollard::query_parameters::{
    BuildImageOptions, CommitContainerOptions, CreateImageOptions, ImportImageOptions,
    RemoveImageOptions,
};
use bytes::Bytes;
use futures_util::StreamExt;

use super::{api_error, status_code, DockerProvider};
use crate::provider::{ProviderError, Result};

pub(super) async fn image_id(p: &DockerProvider, image: &str) -> Result<Option<String>> {
    match p.client().inspect_image(image).await {
        Ok(i) => Ok(i.id),
        Err(e) if status_code(&e) == Some(404) => Ok(None),
        Err(e) => Err(api_error(EngineCall::ImageInspect, image, e)),
    }
}

pub(super) async fn size(p: &DockerProvider, image: &str) -> Result<Option<u64>> {
    match p.client().inspect_image(image).await {
        Ok(i) => Ok(i.size.and_then(|s| u64::try_from(s).ok())),
        Err(e) if status_code(&e) == Some(404) => Ok(None),
        Err(e) => Err(api_error(EngineCall::ImageInspect, image, e)),
    }
}

/// `os/architecture[/variant]` from the image's config, as `docker image inspect` shows them.
pub(super) async fn platform(p: &DockerProvider, image: &str) -> Result<Option<String>> {
    match p.client().inspect_image(image).await {
        Ok(i) => Ok(match (i.os, i.architecture) {
            (Some(os), Some(arch)) if !os.is_empty() && !arch.is_empty() => {
                Some(match i.variant.filter(|v| !v.is_empty()) {
                    Some(v) => format!("{os}/{arch}/{v}"),
                    None => format!("{os}/{arch}"),
                })
            }
            _ => None,
        }),
        Err(e) if status_code(&e) == Some(404) => Ok(None),
        Err(e) => Err(api_error(EngineCall::ImageInspect, image, e)),
    }
}

/// `docker tag IMAGE TARGET`: TARGET split into repository and tag the way the API takes them
/// (the last `:` after the last `/`; no tag means `latest`).
pub(super) async fn tag(p: &DockerProvider, image: &str, target: &str) -> Result<()> {
    let slash = target.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match target[slash..].rfind(':') {
        Some(c) => (&target[..slash + c], &target[slash + c + 1..]),
        None => (target, "latest"),
    };
    let opts = bollard::query_parameters::TagImageOptions {
        repo: Some(repo.to_string()),
        tag: Some(tag.to_string()),
    };
    p.client()
        .tag_image(image, Some(opts))
        .await
        .map_err(|e| api_error(EngineCall::ImageTag, target, e))
}

pub(super) async fn local_images(p: &DockerProvider, repository: &str) -> Result<Vec<String>> {
    let opts = bollard::query_parameters::ListImagesOptions {
        filters: Some(HashMap::from([(
            "reference".to_string(),
            vec![repository.to_string()],
        )])),
        ..Default::default()
    };
    let mut list = p
        .client()
        .list_images(Some(opts))
        .await
        .map_err(|e| api_error(EngineCall::ImageList, repository, e))?;
    list.sort_by_key(|i| std::cmp::Reverse(i.created));
    Ok(list
        .into_iter()
        .flat_map(|i| i.repo_tags.into_iter())
        .filter(|t| t.starts_with(&format!("{repository}:")))
        .collect())
}

pub(super) async fn labels(
    p: &DockerProvider,
    image: &str,
) -> Result<Option<BTreeMap<String, String>>> {
    match p.client().inspect_image(image).await {
        Ok(i) => Ok(Some(
            i.config
                .and_then(|c| c.labels)
                .unwrap_or_default()
                .into_iter()
                .collect(),
        )),
        Err(e) if status_code(&e) == Some(404) => Ok(None),
        Err(e) => Err(api_error(EngineCall::ImageInspect, image, e)),
    }
}

pub(super) async fn pull(
    p: &DockerProvider,
    image: &str,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<()> {
    let opts = CreateImageOptions {
        from_image: Some(image.to_string()),
        ..Default::default()
    };
    let mut stream = p.client().create_image(Some(opts), None, None);
    // Per-layer byte counts; the sum is what the progress bar shows.
    let mut layers: HashMap<String, (u64, u64)> = HashMap::new();
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| api_error(EngineCall::ImagePull, image, e))?;
        if let Some(err) = info.error_detail.and_then(|d| d.message) {
            return Err(ProviderError::Api {
                call: EngineCall::ImagePull,
                target: image.into(),
                message: err,
            });
        }
        if let (Some(id), Some(d)) = (info.id, info.progress_detail) {
            let cur = d.current.unwrap_or(0).max(0) as u64;
            let total = d.total.unwrap_or(0).max(0) as u64;
            let entry = layers.entry(id).or_default();
            *entry = (cur.max(entry.0), total.max(entry.1));
            let (done, all) = layers
                .values()
                .fold((0, 0), |(a, b), (c, t)| (a + c, b + t));
            progress(done, all);
        }
    }
    Ok(())
}

/// `docker load` from a stream; an error item aborts the upload (nothing gets tagged).
pub(super) async fn load(p: &DockerProvider, source: crate::provider::ByteStream) -> Result<()> {
    let opts = ImportImageOptions {
        quiet: true,
        ..Default::default()
    };
    let mut stream = p.client().import_image_stream(opts, source, None);
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| api_error(EngineCall::ImageLoad, "an image archive", e))?;
        if let Some(err) = info.error_detail.and_then(|d| d.message) {
            return Err(ProviderError::Api {
                call: EngineCall::ImageLoad,
                target: "an image archive".into(),
                message: err,
            });
        }
    }
    Ok(())
}

pub(super) async fn remove(p: &DockerProvider, image: &str) -> Result<()> {
    let opts = RemoveImageOptions {
        force: false,
        noprune: false,
        ..Default::default()
    };
    match p.client().remove_image(image, Some(opts), None).await {
        Ok(_) => Ok(()),
        Err(e) if status_code(&e) == Some(404) => Ok(()),
        Err(e) => Err(api_error(EngineCall::ImageRemove, image, e)),
    }
}

/// Build an image from a tar build context, streaming the builder's output lines to `on_line`.
pub(super) async fn build(
    p: &DockerProvider,
    context: Bytes,
    tag: &str,
    build_args: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
    on_line: &(dyn for<'s> Fn(&'s str) + Send + Sync),
) -> Result<()> {
    let opts = BuildImageOptions {
        t: Some(tag.to_string()),
        rm: true,
        forcerm: true,
        buildargs: Some(
            build_args
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        labels: Some(labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        ..Default::default()
    };
    let mut stream = p
        .client()
        .build_image(opts, None, Some(bollard::body_full(context)));
    let mut last = Vec::new();
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| api_error(EngineCall::ImageBuild, tag, e))?;
        if let Some(line) = info.stream.as_deref() {
            for l in line.lines().filter(|l| !l.trim().is_empty()) {
                on_line(l);
                last.push(l.to_string());
                if last.len() > 20 {
                    last.remove(0);
                }
            }
        }
        if let Some(err) = info.error_detail.and_then(|d| d.message) {
            last.push(err);
            return Err(ProviderError::Api {
                call: EngineCall::ImageBuild,
                target: tag.into(),
                message: last.join("\n"),
            });
        }
    }
    Ok(())
}

/// Save a container's filesystem as an image, with Dockerfile-style `changes`.
pub(super) async fn commit(
    p: &DockerProvider,
    container: &str,
    image: &str,
    changes: &[String],
) -> Result<()> {
    let (repo, tag) = split_tag(image);
    let opts = CommitContainerOptions {
        container: Some(container.to_string()),
        repo: Some(repo.to_string()),
        tag: Some(tag.to_string()),
        changes: (!changes.is_empty()).then(|| changes.join("\n")),
        pause: true,
        ..Default::default()
    };
    p.client()
        .commit_container(opts, bollard::models::ContainerConfig::default())
        .await
        .map_err(|e| api_error(EngineCall::ContainerCommit, container, e))?;
    Ok(())
}

/// `registry:5000/a/b:tag` → (`registry:5000/a/b`, `tag`); no tag means `latest`.
pub(super) fn split_tag(image: &str) -> (&str, &str) {
    let image = image.split('@').next().unwrap_or(image);
    match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (image, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::split_tag;

    #[test]
    fn splits_tags_but_not_registry_ports() {
        assert_eq!(split_tag("minik/node:v1.35.0"), ("minik/node", "v1.35.0"));
        assert_eq!(
            split_tag("localhost:5000/node"),
            ("localhost:5000/node", "latest")
        );
        assert_eq!(
            split_tag("localhost:5000/node:x"),
            ("localhost:5000/node", "x")
        );
        assert_eq!(split_tag("busybox"), ("busybox", "latest"));
    }
}
