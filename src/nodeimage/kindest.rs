//! kind's published node images, pinned by digest: every image of kind's current release
//! (v0.33.0: v1.37.0, v1.36.4, v1.35.8, v1.34.11) and the last image kind published for each
//! older minor minik supports, one per minor. A tag outside this table may never have been
//! published, so minik refuses it instead of failing later at the pull.
//!
//! Where the digests come from: kind's release notes list each release's images by digest.
//! v0.33.0's page can't be read from minik's build machine, so its four digests were checked
//! against many independent projects that pin them quoting those notes (all agree); the older
//! ones were checked the same way when they were added and match kind's `image.go` defaults.

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
        "v1.37.0",
        "sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
        "v0.33.0",
    ),
    img(
        "v1.36.4",
        "sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
        "v0.33.0",
    ),
    img(
        "v1.35.8",
        "sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
        "v0.33.0",
    ),
    img(
        "v1.34.11",
        "sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d",
        "v0.33.0",
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
pub(crate) fn kindest_image(version: &KubeVersion) -> Result<String, Unpublished> {
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
    let build = format!("minik build node-image --kubernetes-version {v}");
    let known = PUBLISHED
        .iter()
        .map(|p| p.version)
        .collect::<Vec<_>>()
        .join(", ");
    Err(match same_minor.first() {
        Some(p) => Unpublished {
            message: format!(
                "minik knows no pinned image of {v}; for {}.{} it has {} (kind {})",
                version.major, version.minor, p.version, p.kind
            ),
            hint: format!(
                "use --kubernetes-version {}, or build one: {build}",
                p.version
            ),
        },
        None => Unpublished {
            message: format!("minik knows no pinned image of {v}; pinned: {known}"),
            hint: format!(
                "use one of those with --kubernetes-version, or build one: {build} (needs \
                 network access to dl.k8s.io)"
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
        for version in ["v1.37.0", "v1.36.4", "v1.35.8", "v1.34.11"] {
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
        assert!(
            e.message
                .starts_with("minik knows no pinned image of v1.35.0;"),
            "{e}"
        );
        assert!(e.message.contains("v1.35.8"), "{e}");
        assert!(
            e.hint.contains("--kubernetes-version v1.35.8"),
            "{}",
            e.hint
        );
        assert!(e
            .hint
            .contains("minik build node-image --kubernetes-version v1.35.0"));
    }

    #[test]
    fn an_unknown_minor_lists_what_exists() {
        let e = kindest_image(&v("v1.38.0")).unwrap_err();
        assert!(
            e.message
                .starts_with("minik knows no pinned image of v1.38.0;"),
            "{e}"
        );
        assert!(e.message.contains("v1.37.0, v1.36.4, v1.35.8"), "{e}");
        assert!(e.hint.contains("minik build node-image"), "{}", e.hint);
    }
}
