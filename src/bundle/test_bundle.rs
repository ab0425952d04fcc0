//! Test support: a bundle's bytes built in memory (the layout `write` produces), for tests of
//! the reader, fetch and serve that need no engine.

use sha2::{Digest, Sha256};

use super::format::{self, Manifest, Part, PartKind, BLOCK, MANIFEST_NAME, MANIFEST_SLOT};

/// A bundle of `parts` (name, kind, bytes, image names) and its manifest.
pub(crate) fn bytes(parts: &[(&str, PartKind, Vec<u8>, Vec<String>)]) -> (Vec<u8>, Manifest) {
    with_platforms(parts, &[])
}

/// [`bytes`], the i-th part recording the platform and the name to load as of `platforms[i]`.
pub(crate) fn with_platforms(
    parts: &[(&str, PartKind, Vec<u8>, Vec<String>)],
    platforms: &[(Option<&str>, Option<&str>)],
) -> (Vec<u8>, Manifest) {
    let mut manifest = Manifest {
        format: format::FORMAT,
        minik_version: "0.1.0".into(),
        kubernetes_version: None,
        parts: parts
            .iter()
            .map(|(name, kind, data, images)| Part {
                name: name.to_string(),
                kind: *kind,
                size: data.len() as u64,
                sha256: format::hex(&Sha256::digest(data)),
                images: images.clone(),
                image_id: None,
                platform: None,
                load_as: vec![],
                compression: None,
                unpacked_size: None,
            })
            .collect(),
    };
    for (p, (platform, load_as)) in manifest.parts.iter_mut().zip(platforms) {
        p.platform = platform.map(str::to_string);
        p.load_as = load_as.iter().map(|s| s.to_string()).collect();
    }
    let mut file = Vec::new();
    file.extend_from_slice(&format::header(MANIFEST_NAME, MANIFEST_SLOT).unwrap());
    file.extend_from_slice(&manifest.to_slot().unwrap());
    for (name, _, data, _) in parts {
        file.extend_from_slice(&format::header(name, data.len() as u64).unwrap());
        file.extend_from_slice(data);
        file.resize(file.len().div_ceil(BLOCK as usize) * BLOCK as usize, 0);
    }
    file.resize(file.len() + 2 * BLOCK as usize, 0);
    (file, manifest)
}

/// A small valid bundle: one "image" part of `size` pseudo-random bytes, and a config.
pub(crate) fn small(size: usize, seed: u32) -> Vec<u8> {
    let data: Vec<u8> = (0..size as u32)
        .map(|i| (i.wrapping_mul(7).wrapping_add(seed) % 251) as u8)
        .collect();
    bytes(&[
        (
            "images/01-node.tar",
            PartKind::NodeImage,
            data,
            vec!["minik/node:v1".into()],
        ),
        (
            "config.yaml",
            PartKind::Config,
            b"kind: Cluster\n".to_vec(),
            vec![],
        ),
    ])
    .0
}
