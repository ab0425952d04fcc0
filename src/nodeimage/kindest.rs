//! kind's published node images, pinned by digest: every image of kind's current release
//! (v0.32.0: v1.36.1, v1.35.5, v1.34.8, v1.33.12, from its release notes) and the last image
//! kind published for each older minor minik supports. A tag outside this table may never have
//! been published, so minik refuses it instead of failing later at the pull.

use crate::k8s_version::KubeVersion;

/// One published image: Kubernetes version, manifest-list digest, the kind release it is from.
struct Published {
    version: &'static str,
    digest: &'static str,
    kind: &'static str,
}

const fn img(version: &'static str, digest: &'static str, kind: &'static str) -> Published {
    Published {
        version,
        digest,
        kind,
    }
}

/// Newest first.
const PUBLISHED: &[Published] = &[
    img(
        "v1.36.1",
        "sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5",
        "v0.32.0",
    ),
    img(
        "v1.35.5",
        "sha256:ce977ae6d65918d0b58a5f8b5e940429c2ce42fa3a5619ec2bbc60b949c0ac95",
        "v0.32.0",
    ),
    img(
        "v1.34.8",
        "sha256:02722c2dedddcfc00febf5d27fbeb9b7b2c14294c82109ff4a85d89ac9ba3256",
        "v0.32.0",
    ),
    img(
        "v1.33.12",
        "sha256:3f5c8443c620245e4d355cfe09e96a91ead32ceaa569d3f1ca9edf0cb2fe2ff4",
        "v0.32.0",
    ),
    img(
        "v1.32.11",
        "sha256:5fc52d52a7b9574015299724bd68f183702956aa4a2116ae75a63cb574b35af8",
        "v0.31.0",
    ),
    img(
        "v1.31.14",
        "sha256:6f86cf509dbb42767b6e79debc3f2c32e4ee01386f0489b3b2be24b0a55aac2b",
        "v0.31.0",
    ),
    img(
        "v1.30.13",
        "sha256:397209b3d947d154f6641f2d0ce8d473732bd91c87d9575ade99049aa33cd648",
        "v0.29.0",
    ),
    img(
        "v1.29.14",
        "sha256:8703bd94ee24e51b778d5556ae310c6c0fa67d761fae6379c8e0bb480e6fea29",
        "v0.27.0",
    ),
    img(
        "v1.28.15",
        "sha256:a7c05c7ae043a0b8c818f5a06188bc2c4098f6cb59ca7d1856df00375d839251",
        "v0.26.0",
    ),
];

/// A version kind has no (known) image of.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Unpublished {
    pub message: String,
    pub hint: String,
}

/// `kindest/node:<version>@<digest>`, or why there is none.
pub fn kindest_image(version: &KubeVersion) -> Result<String, Unpublished> {
    let v = version.to_string();
    if let Some(p) = PUBLISHED.iter().find(|p| p.version == v) {
        return Ok(format!("kindest/node:{}@{}", p.version, p.digest));
    }
    let same_minor: Vec<&Published> = PUBLISHED
        .iter()
        .filter(|p| {
            p.version
                .parse::<KubeVersion>()
                .is_ok_and(|k| (k.major, k.minor) == (version.major, version.minor))
        })
        .collect();
    let build = format!("or build one: minik build node-image --kubernetes-version {v}");
    Err(match same_minor.first() {
        Some(p) => Unpublished {
            message: format!(
                "kind has published no node image of Kubernetes {v}; for {}.{} there is {} \
                 (kind {})",
                version.major, version.minor, p.version, p.kind
            ),
            hint: format!("use --kubernetes-version {}, {build}", p.version),
        },
        None => Unpublished {
            message: format!(
                "kind has published no node image of Kubernetes {}.{}; published versions: {}",
                version.major,
                version.minor,
                PUBLISHED
                    .iter()
                    .map(|p| p.version)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            hint: format!(
                "use one of those with --kubernetes-version, {build} (needs network access \
                 to dl.k8s.io)"
            ),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        s.parse().unwrap()
    }

    #[test]
    fn every_image_of_kinds_current_release_is_pinned() {
        for version in ["v1.36.1", "v1.35.5", "v1.34.8", "v1.33.12"] {
            let image = kindest_image(&v(version)).unwrap();
            assert!(
                image.starts_with(&format!("kindest/node:{version}@sha256:")),
                "{image}"
            );
            assert_eq!(image.len(), "kindest/node:".len() + version.len() + 72);
        }
        // One image per minor, newest first, every digest a full sha256.
        let mut minors: Vec<(u32, u32)> = PUBLISHED
            .iter()
            .map(|p| {
                let k = v(p.version);
                (k.major, k.minor)
            })
            .collect();
        let sorted = minors.clone();
        minors.dedup();
        assert_eq!(minors, sorted, "one entry per minor");
        assert!(minors.windows(2).all(|w| w[0] > w[1]));
        assert!(PUBLISHED
            .iter()
            .all(|p| p.digest.len() == 71 && p.digest[7..].bytes().all(|b| b.is_ascii_hexdigit())));
    }

    #[test]
    fn an_unknown_patch_names_the_published_one() {
        let e = kindest_image(&v("v1.35.0")).unwrap_err();
        assert!(e.message.contains("v1.35.5"), "{e}");
        assert!(
            e.hint.contains("--kubernetes-version v1.35.5"),
            "{}",
            e.hint
        );
        assert!(e
            .hint
            .contains("minik build node-image --kubernetes-version v1.35.0"));
    }

    #[test]
    fn an_unknown_minor_lists_what_exists() {
        let e = kindest_image(&v("v1.37.0")).unwrap_err();
        assert!(e.message.contains("1.37"), "{e}");
        assert!(e.message.contains("v1.36.1, v1.35.5"), "{e}");
        assert!(e.hint.contains("minik build node-image"), "{}", e.hint);
    }
}
