//! The node image's Docker build context, embedded in the binary so that an installed minik
//! can build images without a checkout.

use include_dir::{include_dir, Dir, DirEntry};

use crate::archive;

static NODE_IMAGE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/node-image");

/// The manifests written to /kind/manifests in every node image.
pub(super) static DEFAULT_CNI: &str = include_str!("../../node-image/manifests/default-cni.yaml");
pub(super) static DEFAULT_STORAGE: &str =
    include_str!("../../node-image/manifests/default-storage.yaml");

/// A tar of the Dockerfile and `files/`. Scripts get the executable bit (git does not
/// always carry it, and the Dockerfile relies on it for nothing but clarity).
pub(crate) fn build_context() -> std::io::Result<Vec<u8>> {
    let mut builder = archive::Builder::new();
    let mut files = Vec::new();
    collect(&NODE_IMAGE, &mut files);
    files.sort_by_key(|f| f.0);
    for (path, contents) in files {
        let mode = if is_executable(path) { 0o755 } else { 0o644 };
        builder.file(path, contents, mode)?;
    }
    builder.finish()
}

/// A short content hash of the context, used to reuse an already-built base image.
pub(super) fn context_digest() -> String {
    use sha2::{Digest, Sha256};
    let mut files = Vec::new();
    collect(&NODE_IMAGE, &mut files);
    files.sort_by_key(|f| f.0);
    let mut h = Sha256::new();
    for (path, contents) in files {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(contents);
    }
    let digest = h.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn collect<'a>(dir: &'a Dir<'a>, out: &mut Vec<(&'a str, &'a [u8])>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => collect(d, out),
            DirEntry::File(f) => {
                if let Some(p) = f.path().to_str() {
                    out.push((p, f.contents()));
                }
            }
        }
    }
}

fn is_executable(path: &str) -> bool {
    path.ends_with(".sh") || path.contains("/bin/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_has_the_dockerfile_and_an_executable_entrypoint() {
        let tar = build_context().unwrap();
        let mut seen_dockerfile = false;
        let mut entrypoint_mode = None;
        for (path, mode) in archive::modes(&tar).unwrap() {
            if path == "Dockerfile" {
                seen_dockerfile = true;
            }
            if path == "files/usr/local/bin/entrypoint" {
                entrypoint_mode = Some(mode);
            }
        }
        assert!(seen_dockerfile);
        assert_eq!(entrypoint_mode, Some(0o755));
    }

    #[test]
    fn manifests_carry_the_pod_subnet_marker() {
        assert!(DEFAULT_CNI.contains("{{ .PodSubnet }}"));
        assert!(DEFAULT_STORAGE.contains("StorageClass"));
        assert_eq!(context_digest().len(), 16);
    }
}
