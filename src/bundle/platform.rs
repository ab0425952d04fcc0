//! Which CPU architecture each image part is for. A room mixes amd64 laptops with Apple Silicon
//! (arm64) ones, and a node image of the wrong architecture fails with `exec format error` after
//! a gigabyte has moved. So every image part records its platform (`linux/amd64`, read from the
//! image's own config), a bundle may carry one part per platform, and loading picks the parts
//! for the engine's platform, refusing before anything moves when it has none.
//!
//! Docker's classic image store keeps one platform per tag, so the organiser names the image of
//! another architecture by a tag of its own: `REPO:TAG-ARCH` (`minik/node:v1.36.4-arm64`). The
//! bundle saves it under that tag and, once loaded on a laptop of that architecture, tags it
//! with the name the config uses (`minik/node:v1.36.4`).

use std::collections::{BTreeMap, BTreeSet};

use super::format::{Manifest, PartKind};
use super::BundleError;
use crate::platform::Arch;
use crate::provider::Provider;
use crate::tour::Lang;

/// `os/arch` in OCI spelling (`linux/amd64`), from any spelling Docker and users use
/// (`linux/x86_64`, `linux/aarch64`, `linux/arm64/v8`); `Err` says why it is not one.
pub(crate) fn normalize(input: &str) -> Result<String, String> {
    let lower = input.trim().to_ascii_lowercase();
    let mut fields = lower.split('/');
    let os = fields.next().unwrap_or_default();
    let arch = fields.next().unwrap_or_default();
    let variant = fields.next();
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !word(os) || !word(arch) || fields.next().is_some() || variant.is_some_and(|v| !word(v)) {
        return Err(format!(
            "{input:?} is not a platform: write OS/ARCH, for example linux/amd64 or linux/arm64"
        ));
    }
    Ok(format!("{os}/{}", Arch::parse(arch).as_str()))
}

/// The architecture half of a platform (`arm64` of `linux/arm64`).
pub(crate) fn arch_of(platform: &str) -> &str {
    platform.split_once('/').map_or(platform, |(_, a)| a)
}

/// The engine's platform, from its `/info` (`OSType`, `Architecture`); an engine that does not
/// say is taken to run this machine's architecture.
pub(crate) async fn engine_platform(provider: &dyn Provider) -> Result<String, BundleError> {
    let info = provider.info().await?;
    let os = match info.os_type.as_str() {
        "" => "linux",
        os => os,
    };
    let arch = match info.architecture.as_str() {
        "" => std::env::consts::ARCH,
        arch => arch,
    };
    normalize(&format!("{os}/{arch}")).map_err(|reason| BundleError::EnginePlatform { reason })
}

/// The platform an image was built for (its config's `os` and `architecture`), when present.
pub(crate) async fn image_platform(
    provider: &dyn Provider,
    image: &str,
) -> Result<Option<String>, BundleError> {
    Ok(provider
        .image_platform(image)
        .await?
        .and_then(|p| normalize(&p).ok()))
}

/// The local tag naming `image`'s build for `arch`: `REPO:TAG-ARCH` (a digest in the name is
/// dropped, a missing tag is `latest`).
pub(crate) fn arch_tag(image: &str, arch: &str) -> String {
    let named = image.split('@').next().unwrap_or(image);
    let slash = named.rfind('/').map_or(0, |i| i + 1);
    if named[slash..].contains(':') {
        format!("{named}-{arch}")
    } else {
        format!("{named}:latest-{arch}")
    }
}

/// The image parts to load on an engine of `engine`: a part for that platform, or one that
/// records none (bundles made before platforms were recorded). Every image the bundle carries
/// must have such a part, else the bundle is refused naming the platforms it has.
pub(crate) fn select(manifest: &Manifest, engine: &str) -> Result<Vec<usize>, BundleError> {
    // Parts grouped by the image they stand for (the name it is loaded as).
    let mut groups: BTreeMap<String, (PartKind, Vec<usize>)> = BTreeMap::new();
    for (i, p) in manifest.parts.iter().enumerate() {
        if p.kind.is_image() {
            let key = p.load_names().join(", ");
            groups.entry(key).or_insert((p.kind, Vec::new())).1.push(i);
        }
    }
    let usable = |i: &usize| {
        manifest.parts[*i]
            .platform
            .as_deref()
            .is_none_or(|p| normalize(p).is_ok_and(|p| p == engine))
    };
    let mut chosen = Vec::new();
    for (name, (kind, parts)) in &groups {
        match parts.iter().find(|i| usable(i)) {
            Some(i) => chosen.push(*i),
            None => {
                let has: BTreeSet<&str> = parts
                    .iter()
                    .filter_map(|i| manifest.parts[*i].platform.as_deref())
                    .collect();
                return Err(BundleError::WrongPlatform {
                    image: name.clone(),
                    node_image: *kind == PartKind::NodeImage,
                    has: has.into_iter().map(str::to_string).collect(),
                    engine: engine.to_string(),
                });
            }
        }
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// The platforms the bundle's node images are for (every image's, when it has no node image).
pub(crate) fn platforms(manifest: &Manifest) -> BTreeSet<String> {
    let node: BTreeSet<String> = manifest
        .of_kind(PartKind::NodeImage)
        .filter_map(|p| p.platform.clone())
        .collect();
    if !node.is_empty() {
        return node;
    }
    manifest
        .parts
        .iter()
        .filter(|p| p.kind.is_image())
        .filter_map(|p| p.platform.clone())
        .collect()
}

/// What a room should know about the bundle's platforms, said when it is made and served.
pub(crate) fn coverage(manifest: &Manifest, lang: Lang) -> Option<String> {
    let all = platforms(manifest);
    let list = all.iter().cloned().collect::<Vec<_>>().join(" and ");
    Some(match (all.len(), lang) {
        (0, _) => return None,
        (1, Lang::En) => format!(
            "This bundle is single-architecture: {list} only. Laptops of another architecture \
             (Apple Silicon Macs are linux/arm64, most others linux/amd64) cannot use it; to \
             serve both, make it with --platform linux/amd64,linux/arm64"
        ),
        (1, Lang::Ko) => format!(
            "이 번들은 {list} 전용입니다. 다른 아키텍처의 노트북(Apple Silicon Mac은 \
             linux/arm64, 그 밖의 대부분은 linux/amd64)에서는 사용할 수 없습니다."
        ),
        (_, Lang::En) => format!(
            "This bundle carries images for {list}; each laptop downloads and loads only its own"
        ),
        (_, Lang::Ko) => format!(
            "이 번들에는 {} 이미지가 들어 있습니다. 각 노트북은 자기 아키텍처의 부분만 내려받아 \
             적재합니다.",
            all.iter().cloned().collect::<Vec<_>>().join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::format::{Part, FORMAT};

    fn image(kind: PartKind, n: usize, name: &str, platform: &str, load_as: &[&str]) -> Part {
        Part {
            name: format!("images/{n:02}.tar"),
            kind,
            size: 1,
            sha256: "ab".repeat(32),
            images: vec![name.into()],
            image_id: None,
            platform: Some(platform.into()),
            load_as: load_as.iter().map(|s| s.to_string()).collect(),
            compression: None,
            unpacked_size: None,
        }
    }

    fn manifest(parts: Vec<Part>) -> Manifest {
        Manifest {
            format: FORMAT,
            minik_version: "0".into(),
            kubernetes_version: None,
            parts,
        }
    }

    #[test]
    fn platforms_are_spelled_the_oci_way() {
        assert_eq!(normalize("linux/x86_64").unwrap(), "linux/amd64");
        assert_eq!(normalize("Linux/aarch64").unwrap(), "linux/arm64");
        assert_eq!(normalize("linux/arm64/v8").unwrap(), "linux/arm64");
        for bad in [
            "",
            "linux",
            "linux/",
            "/amd64",
            "linux/amd64/v8/x",
            "linux/a d",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_tag_of_another_architecture_keeps_the_repository() {
        assert_eq!(
            arch_tag("minik/node:v1.36.4", "arm64"),
            "minik/node:v1.36.4-arm64"
        );
        assert_eq!(
            arch_tag("kindest/node:v1.36.4@sha256:abcd", "arm64"),
            "kindest/node:v1.36.4-arm64"
        );
        assert_eq!(
            arch_tag("localhost:5000/app", "amd64"),
            "localhost:5000/app:latest-amd64"
        );
        assert_eq!(arch_tag("app", "arm64"), "app:latest-arm64");
    }

    #[test]
    fn an_engine_gets_only_its_own_parts_or_a_refusal_naming_both() {
        let two = manifest(vec![
            image(PartKind::NodeImage, 1, "node:v1", "linux/amd64", &[]),
            image(
                PartKind::NodeImage,
                2,
                "node:v1-arm64",
                "linux/arm64",
                &["node:v1"],
            ),
            image(PartKind::Image, 3, "app:1", "linux/amd64", &[]),
            image(PartKind::Image, 4, "app:1-arm64", "linux/arm64", &["app:1"]),
        ]);
        assert_eq!(select(&two, "linux/amd64").unwrap(), vec![0, 2]);
        assert_eq!(select(&two, "linux/arm64").unwrap(), vec![1, 3]);
        let arm = manifest(vec![image(
            PartKind::NodeImage,
            1,
            "node:v1",
            "linux/arm64",
            &[],
        )]);
        let e = select(&arm, "linux/amd64").unwrap_err().to_string();
        assert!(
            e.contains("linux/arm64") && e.contains("linux/amd64"),
            "{e}"
        );
        assert_eq!(platforms(&two).len(), 2);
        // A bundle that records no platform (made by an older minik) loads as before.
        let mut old = arm.clone();
        old.parts[0].platform = None;
        assert_eq!(select(&old, "linux/amd64").unwrap(), vec![0]);
    }
}
